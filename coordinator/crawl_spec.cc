#include "coordinator/crawl_spec.h"

#include <algorithm>

#include "core/domain.h"

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
  if (s.front() == '[') {
    // An IPv6 literal, as URLs write it: "[2001:db8::1]".
    return s.size() > 2 && s.back() == ']' &&
           s.find_first_not_of("0123456789abcdef:.", 1) == s.size() - 1;
  }
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
    "sitemaps", "seed_scope", "strip_params", "ip_concurrency", "ip_delay_ms",
    "response_time_factor", "max_backoff_ms", "robots_ttl_ms", "robots_unavailable_ms", "ai_robots_tokens",
    "honor_tdmrep", "follow_canonical", "store_bodies", "near_duplicate_threshold", "recrawl", "credit", "$schema"};

Status Boolean(const json& spec, const char* key, bool* out) {
  auto it = spec.find(key);
  if (it == spec.end()) return Status::OK();
  if (!it->is_boolean()) return Bad(key, "expected true or false");
  *out = it->get<bool>();
  return Status::OK();
}

Status ParseCredit(const json& spec, CreditPolicy* out) {
  auto it = spec.find("credit");
  if (it == spec.end() || it->is_null()) return Status::OK();
  if (!it->is_object()) return Bad("credit", "expected an object such as {\"per_page\": 100}");
  CreditPolicy c;
  const std::pair<const char*, int64_t*> fields[] = {{"per_page", &c.per_page},
                                                     {"per_body_kib", &c.per_body_kib},
                                                     {"per_text_kib", &c.per_text_kib},
                                                     {"per_verification", &c.per_verification}};
  for (auto f = it->begin(); f != it->end(); ++f) {
    if (std::none_of(std::begin(fields), std::end(fields),
                     [&](const auto& p) { return f.key() == p.first; })) {
      return Bad("credit." + f.key(), "unknown field (per_page, per_body_kib, per_text_kib, per_verification)");
    }
  }
  constexpr int64_t kMaxUnits = 1'000'000'000;
  for (auto [key, field] : fields) {
    if (Status st = Integer(*it, key, field, 0, kMaxUnits); !st.ok()) {
      return Bad(std::string("credit.") + key, "must be an integer between 0 and " +
                                                  std::to_string(kMaxUnits));
    }
  }
  *out = c;
  return Status::OK();
}

Status ParseRecrawl(const json& spec, RecrawlPolicy* out) {
  auto it = spec.find("recrawl");
  if (it == spec.end() || it->is_null()) return Status::OK();
  if (!it->is_object()) return Bad("recrawl", "expected an object such as {\"interval_ms\": 86400000}");
  for (auto f = it->begin(); f != it->end(); ++f) {
    if (f.key() != "interval_ms" && f.key() != "min_interval_ms" && f.key() != "max_interval_ms") {
      return Bad("recrawl." + f.key(), "unknown field (interval_ms, min_interval_ms, max_interval_ms)");
    }
  }
  RecrawlPolicy r;
  r.enabled = true;
  constexpr int64_t kYear = 366LL * 86'400'000;
  for (auto [key, field] : {std::pair{"interval_ms", &r.interval_ms},
                            std::pair{"min_interval_ms", &r.min_interval_ms},
                            std::pair{"max_interval_ms", &r.max_interval_ms}}) {
    if (Status st = Integer(*it, key, field, 1000, kYear); !st.ok()) {
      return Bad(std::string("recrawl.") + key, "must be an integer between 1000 and " +
                                                   std::to_string(kYear));
    }
  }
  // Unset bounds follow the interval, so {"interval_ms": 5000} alone is valid.
  if (it->find("min_interval_ms") == it->end()) r.min_interval_ms = std::min(r.min_interval_ms, r.interval_ms);
  if (it->find("max_interval_ms") == it->end()) r.max_interval_ms = std::max(r.max_interval_ms, r.interval_ms);
  if (r.min_interval_ms > r.interval_ms || r.interval_ms > r.max_interval_ms) {
    return Bad("recrawl", "needs min_interval_ms <= interval_ms <= max_interval_ms");
  }
  *out = r;
  return Status::OK();
}

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
      // URLs compare IPv6 hosts without their brackets (UrlParts::host).
      if (list[i].front() == '[') list[i] = list[i].substr(1, list[i].size() - 2);
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
      if (c < 0x20 || c >= 0x7f) {
        return Bad("user_agent", "must be printable ASCII (it is sent as an HTTP header)");
      }
    }
    s.user_agent = ua->get<std::string>();
  }
  std::vector<std::string> sitemaps;
  if (Status st = StringList(spec, "sitemaps", &sitemaps, 10000); !st.ok()) return st;
  for (size_t i = 0; i < sitemaps.size(); ++i) {
    std::string canon;
    if (!CanonicalizeUrl(sitemaps[i], &canon).ok()) {
      return Bad("sitemaps[" + std::to_string(i) + "]",
                 "not an absolute http(s) URL: " + sitemaps[i]);
    }
    s.sitemaps.push_back(canon);
  }
  if (auto it = spec.find("seed_scope"); it != spec.end()) {
    if (!it->is_string() || (*it != "host" && *it != "domain")) {
      return Bad("seed_scope", "expected \"host\" or \"domain\"");
    }
    s.seed_scope = it->get<std::string>();
  }
  s.strip_params = QueryFilter::Default().names;
  if (spec.contains("strip_params")) {
    s.strip_params.clear();
    if (Status st = StringList(spec, "strip_params", &s.strip_params, 1000); !st.ok()) return st;
    QueryFilter filter;
    if (Status st = QueryFilter::Parse(s.strip_params, &filter); !st.ok()) {
      return Bad("strip_params", st.message());
    }
  }
  s.ai_robots_tokens = DefaultAiRobotsTokens();
  if (spec.contains("ai_robots_tokens")) {
    s.ai_robots_tokens.clear();
    if (Status st = StringList(spec, "ai_robots_tokens", &s.ai_robots_tokens, 100); !st.ok()) {
      return st;
    }
    for (size_t i = 0; i < s.ai_robots_tokens.size(); ++i) {
      for (unsigned char c : s.ai_robots_tokens[i]) {
        if (!(std::isalnum(c) || c == '-' || c == '_')) {
          return Bad("ai_robots_tokens[" + std::to_string(i) + "]",
                     "a product token has only letters, digits, '-' and '_' (RFC 9309)");
        }
      }
    }
  }
  if (Status st = Integer(spec, "ip_concurrency", &s.ip_concurrency, 1, 1000); !st.ok()) return st;
  if (Status st = Integer(spec, "ip_delay_ms", &s.ip_delay_ms, 0, 3'600'000); !st.ok()) return st;
  if (auto it = spec.find("response_time_factor"); it != spec.end()) {
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 100) {
      return Bad("response_time_factor", "expected a number between 0 and 100");
    }
    s.response_time_factor = it->get<double>();
  }
  if (auto it = spec.find("near_duplicate_threshold"); it != spec.end()) {
    if (!it->is_number() || it->get<double>() <= 0 || it->get<double>() > 1) {
      return Bad("near_duplicate_threshold", "expected a number in (0, 1]");
    }
    s.near_duplicate_threshold = it->get<double>();
  }
  if (Status st = Integer(spec, "max_backoff_ms", &s.max_backoff_ms, 1000, 86'400'000); !st.ok()) {
    return st;
  }
  if (Status st = Integer(spec, "robots_ttl_ms", &s.robots_ttl_ms, 1000, 86'400'000); !st.ok()) {
    return Bad("robots_ttl_ms", "must be between 1000 and 86400000 (RFC 9309: cache at most 24 h)");
  }
  if (Status st = Integer(spec, "robots_unavailable_ms", &s.robots_unavailable_ms, 0, 30LL * 86'400'000);
      !st.ok()) {
    return Bad("robots_unavailable_ms", "must be between 0 and 2592000000 (30 days)");
  }
  if (Status st = Boolean(spec, "honor_tdmrep", &s.honor_tdmrep); !st.ok()) return st;
  if (Status st = Boolean(spec, "follow_canonical", &s.follow_canonical); !st.ok()) return st;
  if (Status st = Boolean(spec, "store_bodies", &s.store_bodies); !st.ok()) return st;
  if (Status st = ParseRecrawl(spec, &s.recrawl); !st.ok()) return st;
  if (Status st = ParseCredit(spec, &s.credit); !st.ok()) return st;

  if (!s.allowed_domains.empty() || s.seed_scope == "domain") {
    const PublicSuffixList psl;
    for (size_t i = 0; i < s.allowed_domains.size(); ++i) {
      // "localhost" is special-use (RFC 6761), not a suffix shared by strangers.
      if (s.allowed_domains[i] != "localhost" && psl.IsPublicSuffix(s.allowed_domains[i])) {
        return Bad("allowed_domains[" + std::to_string(i) + "]",
                   "'" + s.allowed_domains[i] + "' is a public suffix; name a registrable "
                   "domain such as example.co.uk");
      }
    }
    if (s.allowed_hosts.empty() && s.allowed_domains.empty()) {
      for (const auto& seed : s.seeds) {
        UrlParts p;
        if (!SplitUrl(seed, &p).ok()) continue;
        std::string d = psl.RegistrableDomain(p.host);
        if (d.empty()) d = p.host;
        if (std::find(s.allowed_domains.begin(), s.allowed_domains.end(), d) ==
            s.allowed_domains.end()) {
          s.allowed_domains.push_back(d);
        }
      }
    }
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
          {"user_agent", s.user_agent},
          {"sitemaps", s.sitemaps},
          {"seed_scope", s.seed_scope},
          {"strip_params", s.strip_params},
          {"ip_concurrency", s.ip_concurrency},
          {"ip_delay_ms", s.ip_delay_ms},
          {"response_time_factor", s.response_time_factor},
          {"max_backoff_ms", s.max_backoff_ms},
          {"robots_ttl_ms", s.robots_ttl_ms},
          {"robots_unavailable_ms", s.robots_unavailable_ms},
          {"ai_robots_tokens", s.ai_robots_tokens},
          {"honor_tdmrep", s.honor_tdmrep},
          {"follow_canonical", s.follow_canonical},
          {"store_bodies", s.store_bodies},
          {"near_duplicate_threshold", s.near_duplicate_threshold},
          {"recrawl", s.recrawl.enabled ? json{{"interval_ms", s.recrawl.interval_ms},
                                               {"min_interval_ms", s.recrawl.min_interval_ms},
                                               {"max_interval_ms", s.recrawl.max_interval_ms}}
                                        : json(nullptr)},
          {"credit", {{"per_page", s.credit.per_page},
                      {"per_body_kib", s.credit.per_body_kib},
                      {"per_text_kib", s.credit.per_text_kib},
                      {"per_verification", s.credit.per_verification}}}};
}

std::vector<std::string> DefaultAiRobotsTokens() {
  return {"GPTBot",          "ChatGPT-User",      "OAI-SearchBot", "ClaudeBot",
          "Claude-User",     "Claude-SearchBot",  "anthropic-ai",  "Google-Extended",
          "Applebot-Extended", "CCBot",           "PerplexityBot", "Bytespider",
          "meta-externalagent", "FacebookBot",    "Amazonbot",     "cohere-ai"};
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
