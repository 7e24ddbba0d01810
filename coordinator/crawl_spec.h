// CrawlSpec: what a coordinator operator asks for, validated before anything is stored.
//
// A spec is a JSON object described by schemas/crawl_spec.v1.json. ParseCrawlSpec
// checks every field and names the first bad one ("spec.seeds[1]: not an
// absolute http(s) URL"); on error nothing in *out is meaningful and nothing
// must be submitted. Seeds come out canonical. When neither allowed_hosts nor
// allowed_domains is given, the seeds' hosts are the scope.
//
// Scope decides, for a canonical URL, whether the crawl may fetch it, and if
// not, why. It is immutable after construction and safe to share.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/url.h"

namespace swarmcrawl {

inline constexpr std::string_view kDefaultUserAgent = "swarmcrawl/0.1";

struct CrawlSpec {
  std::string name;
  std::vector<std::string> seeds;            // canonical URLs
  std::vector<std::string> allowed_hosts;    // exact host names (lower-case)
  std::vector<std::string> allowed_domains;  // a domain and all its subdomains
  std::vector<std::string> include;          // ECMAScript regexes; a URL must match one (if any)
  std::vector<std::string> exclude;          // ECMAScript regexes; a URL matching one is excluded
  int64_t max_depth = 20;
  int64_t max_pages = 100000;
  int64_t delay_ms = 1000;       // minimum time between two requests to one host
  int64_t concurrency = 1;       // most requests in flight to one host
  int64_t max_attempts = 3;      // transient failures before a URL is marked failed
  int64_t max_crawl_delay_ms = 30000;  // robots.txt Crawl-delay is clamped to this
  std::string user_agent = std::string(kDefaultUserAgent);
};

Status ParseCrawlSpec(std::string_view json_text, CrawlSpec* out);
nlohmann::json CrawlSpecToJson(const CrawlSpec& spec);

class Scope {
 public:
  explicit Scope(const CrawlSpec& spec);
  // "" when in scope; otherwise the reason: "out_of_scope" (host), "excluded_pattern",
  // "not_included".
  std::string Check(const UrlParts& parts, const std::string& url) const;

 private:
  std::vector<std::string> hosts_;
  std::vector<std::string> domains_;
  std::vector<std::regex> include_;
  std::vector<std::regex> exclude_;
};

}  // namespace swarmcrawl
