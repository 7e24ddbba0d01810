// CrawlSpec: what a coordinator operator asks for, validated before anything is stored.
//
// A spec is a JSON object described by schemas/crawl_spec.v1.json. ParseCrawlSpec
// checks every field and names the first bad one ("spec.seeds[1]: not an
// absolute http(s) URL"); on error nothing in *out is meaningful and nothing
// must be submitted. Seeds come out canonical. When neither allowed_hosts nor
// allowed_domains is given, the seeds' hosts are the scope (or, with
// seed_scope "domain", their registrable domains per the public suffix list).
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

// robots.txt product tokens of AI crawlers: a site that disallows a URL to any
// of them has opted that URL out of AI use (../docs/politeness.md).
std::vector<std::string> DefaultAiRobotsTokens();

// Revisits of fetched pages. The interval adapts per URL: it shrinks by 20%
// after a visit that found changed content and grows by 40% after one that
// did not (Nutch's adaptive schedule), always within [min, max].
struct RecrawlPolicy {
  bool enabled = false;
  int64_t interval_ms = 86'400'000;       // first revisit after this long
  int64_t min_interval_ms = 3'600'000;
  int64_t max_interval_ms = 30LL * 86'400'000;
};

// Credit units per unit of work (docs/credits.md). Only new content earns:
// duplicates of stored records, unchanged revisits and excluded URLs do not.
struct CreditPolicy {
  int64_t per_page = 100;          // a stored page that is not a duplicate
  int64_t per_body_kib = 0;        // each whole KiB of its response body
  int64_t per_text_kib = 0;        // each whole KiB of its extracted text
  int64_t per_verification = 50;   // a re-fetch that answered a check
};

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
  std::vector<std::string> sitemaps;  // canonical URLs of sitemaps/feeds to read first
  std::string seed_scope = "host";    // "host" or "domain" (registrable domain, public suffix list)
  std::vector<std::string> strip_params;  // query parameters removed from URLs (see QueryFilter)
  int64_t ip_concurrency = 4;   // hosts leased at once per resolved IP address
  int64_t ip_delay_ms = 0;      // minimum mean time between requests to one IP address
  double response_time_factor = 2.0;  // a host's delay is at least this times its response time
  int64_t max_backoff_ms = 3'600'000;  // cap on error backoff and on Retry-After
  int64_t robots_ttl_ms = 86'400'000;  // robots.txt is re-fetched after this long (RFC 9309: <= 24 h)
  // While robots.txt answers 5xx/429 or cannot be reached, the host's URLs
  // wait (disallowed, RFC 9309 2.3.1.4) and robots.txt is retried with
  // backoff; after this long they are excluded with reason "robots".
  int64_t robots_unavailable_ms = 3'600'000;
  std::vector<std::string> ai_robots_tokens;  // robots.txt tokens whose Disallow is an AI opt-out
  bool honor_tdmrep = true;       // TDM Reservation Protocol
  bool follow_canonical = true;   // <link rel=canonical> to another URL: fetch that one instead
  bool store_bodies = true;       // keep response heads and bodies, so the crawl exports as WARC
  // Near-duplicate threshold: a record whose estimated Jaccard similarity
  // (MinHash of word 5-grams) to an earlier record of the crawl is at least
  // this is marked a duplicate of that record's cluster.
  double near_duplicate_threshold = 0.8;
  RecrawlPolicy recrawl;
  CreditPolicy credit;
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
