#include "coordinator/crawl_spec.h"

#include <algorithm>

namespace swarmcrawl {

using nlohmann::json;

namespace {

Status Bad(const std::string& field, const std::string& what) {
  return Status::Error("bad_field", "spec." + field + ": " + what);
}

Status StringList(const json& spec, const char* key, std::vector<std::string>* out,
                  size_t max_items) {
  auto it = spec.find(key);
  if (it == spec.end()) return Status::OK();
  if (!it->is_array()) return Bad(key, "expected an array of strings");
  if (it->size() > max_items) return Bad(key, "more than " + std::to_string(max_items) + " items");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    const std::string field = std::string(key) + "[" + std::to_string(i) + "]";
    if (!v.is_string()) return Bad(field, "expected a string");
    if (v.get_ref<const std::string&>().empty()) return Bad(field, "must not be empty");
    out->push_back(v.get<std::string>());
  }
  return Status::OK();
}

Status Integer(const json& spec, const char* key, int64_t* out, int64_t min, int64_t max) {
  auto it = spec.find(key);
  if (it == spec.end()) return Status::OK();
  if (!it->is_number_integer()) return Bad(key, "expected an integer");
  const int64_t v = it->get<int64_t>();
  if (v < min || v > max) {
    return Bad(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  *out = v;
  return Status::OK();
}

bool ValidName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return std::isalnum(static_cast<unsigned char>(s[0]));
}

bool ValidHostName(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.' || c == ':' )) {
      return false;
    }
  }
  return true;
}

const char* const kKnownFields[] = {
    "name", "seeds", "allowed_hosts", "allowed_domains", "include", "exclude", "max_depth",
    "max_pages", "delay_ms", "concurrency", "max_attempts", "max_crawl_delay_ms", "user_agent",
    "$schema"};

}  // namespace

Status ParseCrawlSpec(std::string_view json_text, CrawlSpec* out) {
  json spec = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (spec.is_discarded()) return Status::Error("bad_spec", "the crawl spec is not valid JSON");
  if (!spec.is_object()) return Status::Error("bad_spec", "the crawl spec must be a JSON object");
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    if (std::find(std::begin(kKnownFields), std::end(kKnownFields), it.key()) ==
        std::end(kKnownFields)) {
      return Bad(it.key(), "unknown field (see schemas/crawl_spec.v1.json)");
    }
  }
  CrawlSpec s;
  auto name = spec.find("name");
  if (name == spec.end()) return Bad("name", "missing");
  if (!name->is_string() || !ValidName(name->get<std::string>())) {
    return Bad("name", "expected 1-64 characters of letters, digits, '-', '_' or '.', "
                       "starting with a letter or digit");
  }
  s.name = name->get<std::string>();

  std::vector<std::string> seeds;
  if (spec.find("seeds") == spec.end()) return Bad("seeds", "missing");
  if (Status st = StringList(spec, "seeds", &seeds, 100000); !st.ok()) return st;
  if (seeds.empty()) return Bad("seeds", "at least one seed URL is required");
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::string canon;
    if (!CanonicalizeUrl(seeds[i], &canon).ok()) {
      return Bad("seeds[" + std::to_string(i) + "]", "not an absolute http(s) URL: " + seeds[i]);
    }
    s.seeds.push_back(canon);
  }
  if (Status st = StringList(spec, "allowed_hosts", &s.allowed_hosts, 10000); !st.ok()) return st;
  if (Status st = StringList(spec, "allowed_domains", &s.allowed_domains, 10000); !st.ok()) {
    return st;
  }
  for (const char* key : {"allowed_hosts", "allowed_domains"}) {
    auto& list = std::string(key) == "allowed_hosts" ? s.allowed_hosts : s.allowed_domains;
    for (size_t i = 0; i < list.size(); ++i) {
      std::transform(list[i].begin(), list[i].end(), list[i].begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (!ValidHostName(list[i])) {
        return Bad(std::string(key) + "[" + std::to_string(i) + "]",
                   "expected a host name such as example.org");
      }
    }
  }
  for (const char* key : {"include", "exclude"}) {
    auto& list = std::string(key) == "include" ? s.include : s.exclude;
    if (Status st = StringList(spec, key, &list, 1000); !st.ok()) return st;
    for (size_t i = 0; i < list.size(); ++i) {
      try {
        std::regex re(list[i], std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return Bad(std::string(key) + "[" + std::to_string(i) + "]",
                   std::string("not a valid regular expression: ") + e.what());
      }
    }
  }
  if (Status st = Integer(spec, "max_depth", &s.max_depth, 0, 1000); !st.ok()) return st;
  if (Status st = Integer(spec, "max_pages", &s.max_pages, 1, 1'000'000'000); !st.ok()) return st;
  if (Status st = Integer(spec, "delay_ms", &s.delay_ms, 0, 3'600'000); !st.ok()) return st;
  if (Status st = Integer(spec, "concurrency", &s.concurrency, 1, 256); !st.ok()) return st;
  if (Status st = Integer(spec, "max_attempts", &s.max_attempts, 1, 20); !st.ok()) return st;
  if (Status st = Integer(spec, "max_crawl_delay_ms", &s.max_crawl_delay_ms, 0, 3'600'000);
      !st.ok()) {
    return st;
  }
  if (auto ua = spec.find("user_agent"); ua != spec.end()) {
    if (!ua->is_string() || ua->get_ref<const std::string&>().empty() ||
        ua->get_ref<const std::string&>().size() > 256) {
      return Bad("user_agent", "expected a non-empty string of at most 256 characters");
    }
    for (unsigned char c : ua->get_ref<const std::string&>()) {
      if (c < 0x20 || c == 0x7f) return Bad("user_agent", "must not contain control characters");
    }
    s.user_agent = ua->get<std::string>();
  }
  if (s.allowed_hosts.empty() && s.allowed_domains.empty()) {
    for (const auto& seed : s.seeds) {
      UrlParts p;
      if (SplitUrl(seed, &p).ok() &&
          std::find(s.allowed_hosts.begin(), s.allowed_hosts.end(), p.host) ==
              s.allowed_hosts.end()) {
        s.allowed_hosts.push_back(p.host);
      }
    }
  }
  *out = std::move(s);
  return Status::OK();
}

json CrawlSpecToJson(const CrawlSpec& s) {
  return {{"name", s.name},
          {"seeds", s.seeds},
          {"allowed_hosts", s.allowed_hosts},
          {"allowed_domains", s.allowed_domains},
          {"include", s.include},
          {"exclude", s.exclude},
          {"max_depth", s.max_depth},
          {"max_pages", s.max_pages},
          {"delay_ms", s.delay_ms},
          {"concurrency", s.concurrency},
          {"max_attempts", s.max_attempts},
          {"max_crawl_delay_ms", s.max_crawl_delay_ms},
          {"user_agent", s.user_agent}};
}

Scope::Scope(const CrawlSpec& spec) : hosts_(spec.allowed_hosts), domains_(spec.allowed_domains) {
  for (const auto& p : spec.include) include_.emplace_back(p, std::regex::ECMAScript);
  for (const auto& p : spec.exclude) exclude_.emplace_back(p, std::regex::ECMAScript);
}

std::string Scope::Check(const UrlParts& parts, const std::string& url) const {
  bool host_ok = std::find(hosts_.begin(), hosts_.end(), parts.host) != hosts_.end();
  for (size_t i = 0; !host_ok && i < domains_.size(); ++i) {
    const std::string& d = domains_[i];
    host_ok = parts.host == d ||
              (parts.host.size() > d.size() &&
               parts.host.compare(parts.host.size() - d.size(), d.size(), d) == 0 &&
               parts.host[parts.host.size() - d.size() - 1] == '.');
  }
  if (!host_ok) return "out_of_scope";
  for (const auto& re : exclude_) {
    if (std::regex_search(url, re)) return "excluded_pattern";
  }
  if (!include_.empty()) {
    bool any = false;
    for (const auto& re : include_) any = any || std::regex_search(url, re);
    if (!any) return "not_included";
  }
  return "";
}

}  // namespace swarmcrawl
