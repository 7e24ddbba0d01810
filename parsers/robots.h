// RobotsRules: a parsed robots.txt for one product token (RFC 9309).
//
// Parse() keeps only the rules that apply to the given product token: the
// groups whose user-agent line matches the token case-insensitively (all such
// groups merged), otherwise the "*" groups merged, otherwise no rules (allow all).
// Allowed() applies the longest matching rule, Allow winning ties; patterns
// support '*' (any run of characters) and a trailing '$' (end of path).
// Paths and patterns are compared after percent-encoding normalization.
// /robots.txt itself is always allowed. Parsing and matching are bounded: at
// most kMaxRobotsBytes of input are read, kMaxRules rules kept, and patterns
// cut to kMaxPatternBytes (a cut Disallow only disallows more; a longer Allow
// is dropped, which can only allow less).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarmcrawl {

inline constexpr size_t kMaxRobotsBytes = 500 * 1024;
inline constexpr size_t kMaxRules = 2000;          // per product token (and for '*')
inline constexpr size_t kMaxPatternBytes = 2048;   // longer Disallow is cut, longer Allow dropped

struct RobotsRule {
  bool allow = false;
  std::string pattern;  // normalized path pattern, starts with '/' or '*'
};

class RobotsRules {
 public:
  RobotsRules() = default;  // allows everything

  static RobotsRules Parse(std::string_view robots_txt, std::string_view product_token);
  static RobotsRules AllowAll() { return RobotsRules(); }
  static RobotsRules DisallowAll();

  // `path_query` is the URL's path plus "?query" (UrlParts::path_query).
  bool Allowed(std::string_view path_query) const;
  // The rule that decided Allowed(), or nullptr when no rule matched (allowed).
  const RobotsRule* MatchingRule(std::string_view path_query) const;

  const std::vector<RobotsRule>& rules() const { return rules_; }
  std::optional<double> crawl_delay_seconds() const { return crawl_delay_; }
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }

 private:
  std::vector<RobotsRule> rules_;
  std::optional<double> crawl_delay_;
  std::vector<std::string> sitemaps_;
};

// The product token to match in robots.txt for a User-Agent string: its
// first token up to '/', ';' or whitespace, lower-cased, e.g.
// "SwarmCrawl/0.1 (+url)" -> "swarmcrawl".
std::string ProductToken(std::string_view user_agent);

}  // namespace swarmcrawl
