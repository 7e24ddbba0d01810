#include "parsers/robots.h"

#include <charconv>
#include <cmath>

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

bool NeedsNormalization(std::string_view s) {
  for (const char ch : s) {
    if (ch == '%' || MustEscape(static_cast<unsigned char>(ch))) return true;
  }
  return false;
}

std::string NormalizePattern(std::string_view value) {
  std::string raw;
  raw.reserve(value.size() + 1);
  if (value.front() != '/' && value.front() != '*') raw.push_back('/');
  // Runs of '*' match the same as one; collapsing them keeps matching linear.
  for (const char c : value) {
    if (c == '*' && !raw.empty() && raw.back() == '*') continue;
    raw.push_back(c);
  }
  return NeedsNormalization(raw) ? NormalizePercentEncoding(raw) : raw;
}

// Matches a robots.txt pattern against a normalized path. '*' matches any
// run of bytes and a final '$' anchors the end; the pattern otherwise
// matches a prefix. Each '*'-separated segment is matched at its leftmost
// position after the previous one: for globs whose only wildcard is '*',
// leftmost placement never loses a match, so no backtracking is needed and
// the cost is O(|pattern| * |path|) at worst.
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
      return segment.empty() || path.find(segment, pos) != std::string_view::npos;
    }
    if (!segment.empty()) {
      const size_t found = path.find(segment, pos);
      if (found == std::string_view::npos) return false;
      pos = found + segment.size();
    }
    rest = rest.substr(star + 1);
  }
}

// A user-agent line value matches when it is the product token, or starts
// with it followed by a version or comment ("SwarmCrawl/1.0").
bool AgentMatches(std::string_view value, std::string_view token) {
  if (token.empty() || value.size() < token.size()) return false;
  if (!EqualsIgnoreCase(value.substr(0, token.size()), token)) return false;
  if (value.size() == token.size()) return true;
  const char next = value[token.size()];
  return next == '/' || next == ';' || IsSpace(next);
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
  std::string_view txt = robots_txt.substr(0, kMaxRobotsBytes);
  if (txt.substr(0, 3) == "\xEF\xBB\xBF") txt.remove_prefix(3);
  const std::string token = AsciiLower(Trim(product_token));

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
    if (colon == std::string_view::npos) continue;
    const std::string_view key = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));

    if (EqualsIgnoreCase(key, "user-agent")) {
      if (!in_agent_lines) group_specific = group_star = false;  // a new group
      in_agent_lines = true;
      if (value == "*") {
        group_star = true;
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
    // Other records are ignored (RFC 9309 section 2.2.4).
  }

  if (matched_specific) {
    result.rules_ = std::move(specific_rules);
    result.crawl_delay_ = specific_delay;
  } else {
    result.rules_ = std::move(star_rules);
    result.crawl_delay_ = star_delay;
  }
  return result;
}

RobotsRules RobotsRules::DisallowAll() {
  RobotsRules r;
  r.rules_.push_back({false, "/"});
  return r;
}

const RobotsRule* RobotsRules::MatchingRule(std::string_view path_query) const {
  if (rules_.empty()) return nullptr;
  std::string normalized;
  std::string_view path = path_query.empty() ? std::string_view("/") : path_query;
  if (NeedsNormalization(path)) {
    normalized = NormalizePercentEncoding(path);
    path = normalized;
  }
  if (path.substr(0, path.find('?')) == "/robots.txt") return nullptr;
  const RobotsRule* best = nullptr;
  for (const RobotsRule& rule : rules_) {
    if (best != nullptr && rule.pattern.size() < best->pattern.size()) continue;
    if (best != nullptr && rule.pattern.size() == best->pattern.size() &&
        (best->allow || !rule.allow)) {
      continue;  // cannot beat the current best
    }
    if (PatternMatches(rule.pattern, path)) best = &rule;
  }
  return best;
}

bool RobotsRules::Allowed(std::string_view path_query) const {
  const RobotsRule* rule = MatchingRule(path_query);
  return rule == nullptr || rule->allow;
}

std::string ProductToken(std::string_view user_agent) {
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

}  // namespace swarmcrawl
