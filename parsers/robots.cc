#include "parsers/robots.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/strings.h"
#include "core/url.h"
#include "parsers/html_page.h"

namespace swarmcrawl {
namespace {

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }
std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The bytes core/url.cc escapes in canonical URLs; patterns get the same
// treatment so "/ä" in robots.txt matches "/%C3%A4" in a URL.
inline bool MustEscape(unsigned char c) {
  return c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>';
}

// '*' and '$' are special in patterns; in paths they are plain characters and
// compare in their escaped forms (RFC 9309 section 2.2.3).
bool NeedsNormalization(std::string_view s) {
  for (const char ch : s) {
    if (ch == '%' || ch == '*' || ch == '$' || MustEscape(static_cast<unsigned char>(ch))) {
      return true;
    }
  }
  return false;
}

// Percent-encoding normalization, then '*' -> %2A and '$' -> %24 except
// where `keep_specials` (a pattern) keeps them: every '*', and a final '$'.
std::string Normalize(std::string_view s, bool keep_specials) {
  std::string n = NormalizePercentEncoding(s);
  std::string out;
  out.reserve(n.size() + 8);
  for (size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    if (c == '*' && !keep_specials) {
      out.append("%2A");
    } else if (c == '$' && !(keep_specials && i + 1 == n.size())) {
      out.append("%24");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string NormalizePath(std::string_view path) {
  return NeedsNormalization(path) ? Normalize(path, false) : std::string(path);
}

// `value` is non-empty.
std::string NormalizePattern(std::string_view value) {
  std::string raw;
  raw.reserve(value.size() + 1);
  if (value.front() != '/' && value.front() != '*') raw.push_back('/');
  // Runs of '*' match the same as one; collapsing them keeps patterns short.
  for (const char c : value) {
    if (c == '*' && !raw.empty() && raw.back() == '*') continue;
    raw.push_back(c);
  }
  return NeedsNormalization(raw) ? Normalize(raw, true) : raw;
}

// The first occurrence of `needle` in `hay` at or after `pos`. glibc's
// memmem() is the two-way algorithm: O(|hay| + |needle|) in the worst case,
// so a hostile "*aaaa...ab" pattern against "/aaaa..." costs no more than a
// benign one (std::string_view::find compares at every position and is
// O(|hay| x |needle|) there).
size_t FindFrom(std::string_view hay, std::string_view needle, size_t pos) {
  if (pos > hay.size()) return std::string_view::npos;
  if (needle.empty()) return pos;
  const void* found = memmem(hay.data() + pos, hay.size() - pos, needle.data(), needle.size());
  return found == nullptr ? std::string_view::npos
                          : static_cast<size_t>(static_cast<const char*>(found) - hay.data());
}

// Matches a normalized robots.txt pattern against a normalized path. '*'
// matches any run of bytes and a final '$' anchors the end; the pattern
// otherwise matches a prefix. Each '*'-separated segment is matched at its
// leftmost position after the previous one: for globs whose only wildcard is
// '*', leftmost placement never loses a match, so no backtracking is needed.
bool PatternMatches(std::string_view pattern, std::string_view path) {
  const bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) {
    return anchored ? path == pattern : path.substr(0, pattern.size()) == pattern;
  }
  if (path.substr(0, star) != pattern.substr(0, star)) return false;
  size_t pos = star;
  std::string_view rest = pattern.substr(star + 1);
  while (true) {
    star = rest.find('*');
    const std::string_view segment = rest.substr(0, star);
    if (star == std::string_view::npos) {
      if (anchored) {
        return path.size() - pos >= segment.size() &&
               path.substr(path.size() - segment.size()) == segment;
      }
      return segment.empty() || FindFrom(path, segment, pos) != std::string_view::npos;
    }
    if (!segment.empty()) {
      const size_t found = FindFrom(path, segment, pos);
      if (found == std::string_view::npos) return false;
      pos = found + segment.size();
    }
    rest = rest.substr(star + 1);
  }
}

inline bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// A user-agent value names the (lower-case) token when its product-token
// part equals the token: "SwarmCrawl", "SwarmCrawl/1.0", "swarmcrawl (+url)".
// RFC 9309 tokens are letters, '_' and '-'; digits are accepted too, as
// real tokens have them ("MJ12bot").
bool AgentMatches(std::string_view value, std::string_view token) {
  if (token.empty() || value.size() < token.size()) return false;
  if (!EqualsIgnoreCase(value.substr(0, token.size()), token)) return false;
  return value.size() == token.size() || !IsTokenChar(value[token.size()]);
}

// "*", or "*" followed by whitespace and anything ("* # all" has lost its
// comment by now), is the catch-all agent.
bool IsStarAgent(std::string_view value) {
  return !value.empty() && value[0] == '*' && (value.size() == 1 || IsSpace(value[1]));
}

bool ParseDelay(std::string_view value, double* out) {
  double d = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
  if (ec != std::errc() || ptr == value.data()) return false;
  if (!std::isfinite(d) || d < 0) return false;
  *out = d;
  return true;
}

}  // namespace

RobotsRules RobotsRules::Parse(std::string_view robots_txt, std::string_view product_token) {
  return ParseGroups(robots_txt, product_token, /*star_fallback=*/true);
}

RobotsRules RobotsRules::ParseExplicit(std::string_view robots_txt,
                                       std::string_view product_token) {
  return ParseGroups(robots_txt, product_token, /*star_fallback=*/false);
}

namespace {

// The first kMaxRobotsBytes of `txt` in whole lines: the line the limit cuts
// is dropped, unless the limit falls right before its line break.
std::string_view WholeLinesWithinLimit(std::string_view txt) {
  if (txt.size() <= kMaxRobotsBytes) return txt;
  const char next = txt[kMaxRobotsBytes];
  txt = txt.substr(0, kMaxRobotsBytes);
  if (next == '\n' || next == '\r') return txt;
  const size_t last_break = txt.find_last_of("\r\n");
  return last_break == std::string_view::npos ? std::string_view() : txt.substr(0, last_break);
}

// Where the literal part of a normalized pattern ends (its first '*' or '$').
size_t LiteralPrefixLength(std::string_view pattern) {
  const size_t n = pattern.find_first_of("*$");
  return n == std::string_view::npos ? pattern.size() : n;
}

}  // namespace

std::string RobotsBodyForParsing(std::string_view raw) {
  return std::string(WholeLinesWithinLimit(PercentEncodeInvalidUtf8(WholeLinesWithinLimit(raw))));
}

RobotsRules RobotsRules::ParseGroups(std::string_view robots_txt, std::string_view product_token,
                                     bool star_fallback) {
  std::string_view txt = WholeLinesWithinLimit(robots_txt);
  if (txt.substr(0, 3) == "\xEF\xBB\xBF") txt.remove_prefix(3);
  const std::string token = AsciiLower(Trim(product_token));
  // ParseExplicit("*") asks for the "*" groups themselves.
  const bool token_is_star = token == "*";

  // Rules of the groups naming our token and of the "*" groups are
  // collected side by side; which set applies is known only at the end.
  std::vector<RobotsRule> specific_rules, star_rules;
  std::optional<double> specific_delay, star_delay;
  bool matched_specific = false;
  bool in_agent_lines = false;  // the last group line was a user-agent line
  bool group_specific = false, group_star = false;
  RobotsRules result;

  size_t pos = 0;
  while (pos < txt.size()) {
    size_t eol = txt.find_first_of("\r\n", pos);
    if (eol == std::string_view::npos) eol = txt.size();
    std::string_view line = txt.substr(pos, eol - pos);
    pos = eol + 1;
    if (eol < txt.size() && txt[eol] == '\r' && pos < txt.size() && txt[pos] == '\n') ++pos;

    const size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // not a record (section 2.3.1.5)
    const std::string_view key = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));

    if (EqualsIgnoreCase(key, "user-agent")) {
      if (!in_agent_lines) group_specific = group_star = false;  // a new group
      in_agent_lines = true;
      if (IsStarAgent(value)) {
        group_star = true;
        if (token_is_star) group_specific = matched_specific = true;
      } else if (AgentMatches(value, token)) {
        group_specific = true;
        matched_specific = true;
      }
      continue;
    }
    if (EqualsIgnoreCase(key, "sitemap")) {
      // Sitemap records belong to no group and do not end one.
      if (!value.empty()) result.sitemaps_.push_back(SanitizeUtf8(value));
      continue;
    }
    const bool allow = EqualsIgnoreCase(key, "allow");
    if (allow || EqualsIgnoreCase(key, "disallow")) {
      in_agent_lines = false;
      if (value.empty() || !(group_specific || group_star)) continue;
      // Matching costs rules x path length, and a hostile site writes both; cap
      // them. Cutting a Disallow only widens it; an Allow that long is dropped.
      if (value.size() > kMaxPatternBytes) {
        if (allow) continue;
        value = value.substr(0, kMaxPatternBytes);
        // Do not leave half a %XX escape: "%E" would become the literal "%25E".
        const size_t pct = value.find('%', value.size() - 2);
        if (pct != std::string_view::npos) value = value.substr(0, pct);
      }
      RobotsRule rule{allow, NormalizePattern(value)};
      if (group_star && star_rules.size() < kMaxRules) star_rules.push_back(rule);
      if (group_specific && specific_rules.size() < kMaxRules) {
        specific_rules.push_back(std::move(rule));
      }
    } else if (EqualsIgnoreCase(key, "crawl-delay")) {
      in_agent_lines = false;
      double delay;
      if (!ParseDelay(value, &delay)) continue;
      if (group_specific && !specific_delay) specific_delay = delay;
      if (group_star && !star_delay) star_delay = delay;
    }
    // Other records are ignored (RFC 9309 section 2.2.4) and do not end the
    // user-agent lines of a group.
  }

  result.has_group_ = matched_specific;
  if (matched_specific) {
    result.rules_ = std::move(specific_rules);
    result.crawl_delay_ = specific_delay;
  } else if (star_fallback) {
    result.rules_ = std::move(star_rules);
    result.crawl_delay_ = star_delay;
  }
  result.SortRules();
  return result;
}

void RobotsRules::SortRules() {
  // Longest first, Allow before Disallow at equal length: the first rule
  // that matches is the one RFC 9309 section 2.2.2 picks.
  std::stable_sort(rules_.begin(), rules_.end(), [](const RobotsRule& a, const RobotsRule& b) {
    if (a.pattern.size() != b.pattern.size()) return a.pattern.size() > b.pattern.size();
    return a.allow && !b.allow;
  });
  literal_.clear();
  literal_.reserve(rules_.size());
  for (const RobotsRule& r : rules_) literal_.push_back(LiteralPrefixLength(r.pattern));
}

RobotsRules RobotsRules::DisallowAll() {
  RobotsRules r;
  r.rules_.push_back({false, "/"});
  r.SortRules();
  return r;
}

const RobotsRule* RobotsRules::MatchingRule(std::string_view path_query) const {
  if (rules_.empty()) return nullptr;
  std::string normalized;
  std::string_view path = path_query.empty() ? std::string_view("/") : path_query;
  if (NeedsNormalization(path)) {
    normalized = Normalize(path, false);
    path = normalized;
  }
  // RFC 9309 section 2.2.2: "The /robots.txt URI is implicitly allowed."
  if (path.substr(0, path.find('?')) == "/robots.txt") return nullptr;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const RobotsRule& rule = rules_[i];
    const size_t lit = literal_[i];
    // Most rules of a long file are literal prefixes that differ from the
    // path in their first bytes.
    if (lit > path.size() || std::memcmp(rule.pattern.data(), path.data(), lit) != 0) continue;
    if (PatternMatches(rule.pattern, path)) return &rule;
  }
  return nullptr;
}

bool RobotsRules::Allowed(std::string_view path_query) const {
  const RobotsRule* rule = MatchingRule(path_query);
  return rule == nullptr || rule->allow;
}

bool RobotsPatternMatches(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return false;
  if (path.empty()) path = "/";
  return PatternMatches(NormalizePattern(pattern), NormalizePath(path));
}

namespace {

std::string FirstToken(std::string_view user_agent) {
  size_t b = 0;
  while (b < user_agent.size() && (IsSpace(user_agent[b]) || user_agent[b] == '\n' ||
                                   user_agent[b] == '\r')) {
    ++b;
  }
  size_t e = b;
  while (e < user_agent.size() && user_agent[e] != '/' && user_agent[e] != ';' &&
         !IsSpace(user_agent[e]) && user_agent[e] != '\n' && user_agent[e] != '\r') {
    ++e;
  }
  return AsciiLower(user_agent.substr(b, e - b));
}

}  // namespace

std::string ProductToken(std::string_view user_agent) {
  std::string token = FirstToken(user_agent);
  if (token != "mozilla") return token;
  // "Mozilla/5.0 (compatible; ExampleBot/0.1; +https://example.com/bot)".
  const std::string lower = AsciiLower(user_agent);
  const size_t compatible = lower.find("compatible;");
  if (compatible == std::string::npos) return token;
  std::string bot = FirstToken(user_agent.substr(compatible + 11));
  while (!bot.empty() && (bot.back() == ')' || bot.back() == ',')) bot.pop_back();
  return bot.empty() ? token : bot;
}

}  // namespace swarmcrawl
