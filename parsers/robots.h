// RobotsRules: a parsed robots.txt for one product token (RFC 9309).
//
// Parse() keeps only the rules that apply to the given product token: the
// groups with a user-agent line naming the token (all such groups merged),
// otherwise the "*" groups merged, otherwise no rules (allow all). A
// user-agent value names the token when its product-token part, the text
// before the first character that cannot be in a token (anything but
// A-Z a-z 0-9 '_' '-'), equals the token ignoring ASCII case:
// "ExampleBot/1.0 (+url)" names "examplebot", "ExampleBotter" does not.
// ParseExplicit() keeps only the groups naming the token, never "*".
//
// Allowed() applies the longest matching rule, Allow winning ties; patterns
// support '*' (any run of characters) and a trailing '$' (end of path).
// Paths and patterns are compared after percent-encoding normalization
// (NormalizePercentEncoding in core/url.h); besides, a '*' or '$' in a path and a
// '$' inside a pattern are literal characters and compare as %2A and %24, so
// the pattern "/a-%2A" matches the path "/a-*" (RFC 9309 section 2.2.3).
// /robots.txt itself is always allowed.
//
// Parsing and matching are bounded: the first kMaxRobotsBytes of input are
// read, and a line cut by that limit is dropped rather than read in part
// (a cut "User-agent: swarmcrawler" would name "swarmcrawl"); patterns are
// cut to kMaxPatternBytes (a cut Disallow only disallows more; a longer Allow
// is dropped, which can only allow less). Matching one rule costs
// O(|pattern| + |path|): no backtracking, no recursion, linear substring
// search; rules are kept longest first, so the first match decides, and a
// rule whose literal prefix differs from the path is rejected by its first
// bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarmcrawl {

inline constexpr size_t kMaxRobotsBytes = 500 * 1024;
// Per product token (and for '*'). 500 KiB cannot hold more rules than this
// ("Disallow:/a" and a line break is 12 bytes), so no rule is ever dropped.
inline constexpr size_t kMaxRules = 50000;
inline constexpr size_t kMaxPatternBytes = 2048;   // longer Disallow is cut, longer Allow dropped

struct RobotsRule {
  bool allow = false;
  std::string pattern;  // normalized path pattern, starts with '/' or '*'
};

// What the crawler parses from a fetched robots.txt body, on the worker and
// in `swarmcrawl robots` alike: bytes that are not UTF-8 percent-encoded
// (so patterns in a legacy charset match percent-encoded URLs, and the text
// can travel in JSON), then cut to whole lines within kMaxRobotsBytes. A body
// longer than kMaxRobotsBytes (the fetcher keeps one byte more to tell) loses
// the line the limit cuts.
std::string RobotsBodyForParsing(std::string_view raw);

class RobotsRules {
 public:
  RobotsRules() = default;  // allows everything

  static RobotsRules Parse(std::string_view robots_txt, std::string_view product_token);
  // Only the rules of the groups naming `product_token` explicitly, with no
  // "*" fallback: empty rules (allow all) when no group names it. For
  // checking AI-crawler tokens ("GPTBot", "CCBot") as an AI-use opt-out:
  // has_group() && !Allowed(path) means the site opted out for that path.
  static RobotsRules ParseExplicit(std::string_view robots_txt, std::string_view product_token);
  static RobotsRules AllowAll() { return RobotsRules(); }
  static RobotsRules DisallowAll();

  // `path_query` is the URL's path plus "?query" (UrlParts::path_query).
  bool Allowed(std::string_view path_query) const;
  // The rule that decided Allowed(), or nullptr when no rule matched (allowed).
  const RobotsRule* MatchingRule(std::string_view path_query) const;

  const std::vector<RobotsRule>& rules() const { return rules_; }
  std::optional<double> crawl_delay_seconds() const { return crawl_delay_; }
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }
  // True if a group named the product token explicitly (not just "*"), in
  // Parse() and ParseExplicit() alike; such a group may hold no rules.
  bool has_group() const { return has_group_; }

 private:
  void SortRules();

  std::vector<RobotsRule> rules_;   // longest pattern first, Allow first among equals
  std::vector<size_t> literal_;     // per rule: length of its pattern's literal prefix
  std::optional<double> crawl_delay_;
  std::vector<std::string> sitemaps_;
  bool has_group_ = false;

  static RobotsRules ParseGroups(std::string_view robots_txt, std::string_view product_token,
                                 bool star_fallback);
};

// True if the robots.txt path pattern `pattern` ('*' wildcards, a trailing
// '$' anchor, as written in robots.txt or tdmrep.json) matches `path` (a
// URL's path plus "?query"). Both are normalized as RobotsRules does, and a
// pattern not starting with '/' or '*' gets a leading '/'. An empty pattern
// matches nothing. Costs as one rule of RobotsRules; no length caps applied.
bool RobotsPatternMatches(std::string_view pattern, std::string_view path);

// The product token to match in robots.txt for a User-Agent string: its
// first token up to '/', ';' or whitespace, lower-cased, e.g.
// "SwarmCrawl/0.1 (+url)" -> "swarmcrawl". For a browser-style string,
// "Mozilla/5.0 (compatible; ExampleBot/0.1; +url)", it is the token after
// "compatible;" ("examplebot"), as in RFC 9309 section 2.2.1.
std::string ProductToken(std::string_view user_agent);

}  // namespace swarmcrawl
