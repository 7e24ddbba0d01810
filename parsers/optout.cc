#include "parsers/optout.h"

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "parsers/html_page.h"
#include "parsers/robots.h"

namespace swarmcrawl {
namespace {

constexpr std::string_view kSpaces = " \t\r\n\f\v";

inline bool IsSpace(char c) { return kSpaces.find(c) != std::string_view::npos; }
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsAgentChar(char c) {
  return IsAlpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// ASCII case-insensitive equality of two arbitrary strings.
bool SameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Calls fn(token) for each non-empty token of `s` separated by any of `seps`.
template <typename Fn>
void ForEachToken(std::string_view s, std::string_view seps, Fn fn) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t b = s.find_first_not_of(seps, i);
    if (b == std::string_view::npos) break;
    size_t e = s.find_first_of(seps, b);
    if (e == std::string_view::npos) e = s.size();
    fn(s.substr(b, e - b));
    i = e;
  }
}

// ---------------------------------------------------------------------------
// Robots directives.

// Whose directives these are: everyone's (unprefixed, or our product token),
// an AI crawler's (only AI opt-outs count), or another crawler's (ignored).
enum class Scope { kAll, kAi, kIgnore };

void ApplyDirective(std::string_view t, Scope scope, RobotsDirectives* d) {
  if (scope == Scope::kIgnore) return;
  const bool all = scope == Scope::kAll;
  if (EqualsIgnoreCase(t, "noindex")) {
    (all ? d->noindex : d->noai) = true;
  } else if (EqualsIgnoreCase(t, "nofollow")) {
    if (all) d->nofollow = true;
  } else if (EqualsIgnoreCase(t, "none")) {
    if (all) {
      d->noindex = d->nofollow = true;
    } else {
      d->noai = true;
    }
  } else if (EqualsIgnoreCase(t, "noai")) {
    d->noai = true;
  } else if (EqualsIgnoreCase(t, "noimageai")) {
    d->noimageai = true;
  }
  // "all" and everything else: nothing.
}

// Directives that take a value after ':'.
bool IsValuedDirective(std::string_view w) {
  for (std::string_view name :
       {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}) {
    if (EqualsIgnoreCase(w, name)) return true;
  }
  return false;
}

// Directive names that can never be a user-agent prefix.
bool IsKnownDirective(std::string_view w) {
  if (IsValuedDirective(w)) return true;
  for (std::string_view name :
       {"all", "none", "noindex", "nofollow", "noarchive", "nocache", "nosnippet",
        "notranslate", "noimageindex", "indexifembedded", "noai", "noimageai", "noodp",
        "noydir", "index", "follow"}) {
    if (EqualsIgnoreCase(w, name)) return true;
  }
  return false;
}

// If `s` starts with a word followed (after optional blanks) by ':', returns
// the word and sets *after to the index just past the ':'; else returns "".
std::string_view LeadingWordBeforeColon(std::string_view s, size_t* after) {
  size_t w = 0;
  bool letter = false;
  while (w < s.size() && IsAgentChar(s[w])) letter |= IsAlpha(s[w++]);
  size_t c = w;
  while (c < s.size() && (s[c] == ' ' || s[c] == '\t')) ++c;
  if (w == 0 || !letter || c >= s.size() || s[c] != ':') return {};
  *after = c + 1;
  return s.substr(0, w);
}

// A header or meta value as it may leave the parser: trimmed, valid UTF-8,
// at most kMaxTdmValueBytes.
std::string CleanValue(std::string_view v) {
  v = Trim(v);
  // Sanitizing can only grow the text, so a character split by this first cut
  // becomes a U+FFFD past the limit, which TruncateUtf8 then drops.
  std::string out = SanitizeUtf8(v.substr(0, kMaxTdmValueBytes + 4));
  TruncateUtf8(&out, kMaxTdmValueBytes);
  return out;
}

Status Bad(std::string message) { return Status::Error("bad_tdmrep", std::move(message)); }

std::string EntryName(size_t i) { return "entry " + std::to_string(i); }

// A quick structural scan that bounds what the JSON parser may build: the
// nesting depth and, for a top-level array, the number of entries.
Status CheckShape(std::string_view text) {
  size_t depth = 0, commas = 0;
  bool in_string = false, escaped = false, top_is_array = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (depth == 0) top_is_array = (c == '[');
        if (++depth > kMaxTdmRepDepth) {
          return Bad("nested deeper than " + std::to_string(kMaxTdmRepDepth) + " levels");
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      case ',':
        if (depth == 1 && top_is_array && ++commas >= kMaxTdmRepEntries) {
          return Bad("more than " + std::to_string(kMaxTdmRepEntries) + " entries");
        }
        break;
      default:
        break;
    }
  }
  return Status::OK();
}

}  // namespace

void ApplyRobotsDirectives(std::string_view content, RobotsDirectives* d) {
  ForEachToken(content, ", \t\r\n\f\v",
               [d](std::string_view t) { ApplyDirective(t, Scope::kAll, d); });
}

void ApplyXRobotsTag(std::string_view header_value, std::string_view product_token,
                     const std::vector<std::string>& ai_tokens, RobotsDirectives* d) {
  Scope scope = Scope::kAll;
  size_t i = 0;
  while (i <= header_value.size()) {
    size_t comma = header_value.find(',', i);
    if (comma == std::string_view::npos) comma = header_value.size();
    std::string_view element = Trim(header_value.substr(i, comma - i));
    i = comma + 1;

    size_t after = 0;
    std::string_view word = LeadingWordBeforeColon(element, &after);
    if (!word.empty() && !IsKnownDirective(word)) {
      // A user-agent prefix: it scopes this element and the ones that follow.
      if (!product_token.empty() && SameIgnoringCase(word, product_token)) {
        scope = Scope::kAll;
      } else {
        scope = Scope::kIgnore;
        for (const std::string& ai : ai_tokens) {
          if (SameIgnoringCase(word, ai)) scope = Scope::kAi;
        }
      }
      element = Trim(element.substr(after));
      word = LeadingWordBeforeColon(element, &after);
    }
    // A directive with a value: the value is free text (dates contain ':').
    if (!word.empty() && IsValuedDirective(word)) continue;
    ForEachToken(element, " \t\r\n\f\v:",
                 [&](std::string_view t) { ApplyDirective(t, scope, d); });
  }
}

Status TdmRepFile::Parse(std::string_view json_text, TdmRepFile* out) {
  out->entries_.clear();
  if (json_text.size() > kMaxTdmRepBytes) {
    return Bad("larger than " + std::to_string(kMaxTdmRepBytes) + " bytes");
  }
  Status s = CheckShape(json_text);
  if (!s.ok()) return s;
  const nlohmann::json j = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr,
                                                 /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("not valid JSON");
  if (!j.is_array()) return Bad("not a JSON array of rules");
  if (j.size() > kMaxTdmRepEntries) {  // CheckShape should have caught it
    return Bad("more than " + std::to_string(kMaxTdmRepEntries) + " entries");
  }

  std::vector<Entry> entries;
  entries.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const nlohmann::json& e = j[i];
    if (!e.is_object()) return Bad(EntryName(i) + " is not an object");

    const auto loc = e.find("location");
    if (loc == e.end()) return Bad(EntryName(i) + " has no location");
    if (!loc->is_string()) return Bad(EntryName(i) + ": location is not a string");
    const std::string_view location = Trim(loc->get_ref<const std::string&>());
    if (location.empty()) return Bad(EntryName(i) + ": location is empty");
    if (location.size() > kMaxTdmValueBytes) {
      return Bad(EntryName(i) + ": location longer than " + std::to_string(kMaxTdmValueBytes) +
                 " bytes");
    }
    if (location.front() != '/' && location.front() != '*') {
      std::string shown(location.substr(0, 64));
      TruncateUtf8(&shown, 60);
      return Bad(EntryName(i) + ": location \"" + shown + "\" does not start with '/' or '*'");
    }

    const auto res = e.find("tdm-reservation");
    if (res == e.end()) return Bad(EntryName(i) + " has no tdm-reservation");
    int reservation = -1;
    if (res->is_number()) {
      const double v = res->get<double>();
      reservation = v == 0 ? 0 : v == 1 ? 1 : -1;
    } else if (res->is_string()) {
      reservation = ParseTdmReservation(res->get_ref<const std::string&>());
    }
    if (reservation < 0) return Bad(EntryName(i) + ": tdm-reservation is not 0 or 1");

    std::string policy;
    const auto pol = e.find("tdm-policy");
    if (pol != e.end() && !pol->is_null()) {
      if (!pol->is_string()) return Bad(EntryName(i) + ": tdm-policy is not a string");
      const std::string_view p = Trim(pol->get_ref<const std::string&>());
      if (p.size() > kMaxTdmValueBytes) {
        return Bad(EntryName(i) + ": tdm-policy longer than " + std::to_string(kMaxTdmValueBytes) +
                   " bytes");
      }
      policy.assign(p);  // the JSON parser has checked it is UTF-8
    }
    entries.push_back({std::string(location), reservation, std::move(policy)});
  }
  out->entries_ = std::move(entries);
  return Status::OK();
}

TdmPolicy TdmRepFile::Lookup(std::string_view path_query) const {
  TdmPolicy result;
  if (entries_.empty()) return result;
  for (const Entry& e : entries_) {
    if (RobotsPatternMatches(e.pattern, path_query)) {
      result.reservation = e.reservation;
      result.policy = e.policy;
      result.source = "tdmrep.json";
      break;
    }
  }
  return result;
}

int ParseTdmReservation(std::string_view v) {
  v = Trim(v);
  if (v == "1") return 1;
  if (v == "0") return 0;
  return -1;
}

TdmPolicy ResolveTdm(const TdmPolicy& file, std::string_view header_reservation,
                     std::string_view header_policy, std::string_view meta_reservation,
                     std::string_view meta_policy) {
  TdmPolicy r;
  if (file.reservation == 0 || file.reservation == 1) {
    r.reservation = file.reservation;
    r.source = "tdmrep.json";
  }
  r.policy = CleanValue(file.policy);
  auto apply = [&r](std::string_view reservation, std::string_view policy, const char* source) {
    const int value = ParseTdmReservation(reservation);
    std::string p = CleanValue(policy);
    if (value >= 0) {
      r.reservation = value;
      r.policy = std::move(p);  // the policy travels with its reservation
      r.source = source;
    } else if (!p.empty()) {
      r.policy = std::move(p);
    }
  };
  apply(header_reservation, header_policy, "header");
  apply(meta_reservation, meta_policy, "meta");
  return r;
}

}  // namespace swarmcrawl
