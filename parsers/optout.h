// Opt-out signals a page or site gives besides robots.txt: robots directives
// (X-Robots-Tag headers, <meta name="robots">: noindex, nofollow and the noai /
// noimageai convention) and the TDM Reservation Protocol (TDMRep, W3C CG final
// report 2024: /.well-known/tdmrep.json, tdm-reservation / tdm-policy headers
// and <meta> elements). See shared/specs/robots-and-optouts.md.
//
// Invariants:
//   - Directives only ever switch opt-outs on: applying more input never
//     clears a flag, and unknown directives are ignored.
//   - Directive, agent and meta names compare ASCII case-insensitively and
//     locale-independently (location patterns are case-sensitive, like paths).
//   - Everything is bounded and linear in its input: a tdmrep.json larger than
//     kMaxTdmRepBytes, with more than kMaxTdmRepEntries entries, nested deeper
//     than kMaxTdmRepDepth or with a location / policy longer than
//     kMaxTdmValueBytes is rejected; Lookup() costs at most O(total pattern
//     bytes + entries * path length), without recursion or backtracking.
//   - Strings that come out (policy URLs) are valid UTF-8 of at most
//     kMaxTdmValueBytes.
//   - No global state; everything is thread-compatible (const methods may be
//     called concurrently).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace swarmcrawl {

// Directives from X-Robots-Tag headers and <meta name="robots"> / <meta name="TOKEN">.
struct RobotsDirectives {
  bool noindex = false, nofollow = false, noai = false, noimageai = false;
  // "none" means noindex+nofollow; "all" means nothing. Unknown directives ignored.
};

// Applies a robots meta content value ("noindex, nofollow", "noai,noimageai",
// "none", case-insensitive, separated by commas and/or whitespace).
void ApplyRobotsDirectives(std::string_view content, RobotsDirectives* d);

// Applies one X-Robots-Tag header value; call it once per header line.
//
// The value is a comma-separated list. An element may start with a user-agent
// prefix ("googlebot: noindex", "otherbot: noindex, nofollow"): a token of
// letters, digits, '_' and '-' (at least one letter) followed by ':', which is
// not a known directive name. The prefix applies to the rest of its element
// and to the following elements up to the next prefix (so in
// "otherbot: noindex, nofollow" both directives are otherbot's). Prefixed
// directives apply only when the agent equals `product_token`
// case-insensitively, or when it is one of `ai_tokens` (any case): then only
// the AI opt-outs matter, noindex / none / noai setting noai and noimageai
// setting noimageai. Other agents' directives are ignored; unprefixed
// directives always apply. Directives with values (unavailable_after,
// max-snippet, max-image-preview, max-video-preview) are skipped with their
// value, which may contain ':' and spaces ("unavailable_after: 25 Jun 2010
// 15:00:00 PST"); the date's own commas split it into elements that name no
// directive.
void ApplyXRobotsTag(std::string_view header_value, std::string_view product_token,
                     const std::vector<std::string>& ai_tokens, RobotsDirectives* d);

// ---------------------------------------------------------------------------
// TDMRep.

inline constexpr size_t kMaxTdmRepBytes = 1 << 20;   // tdmrep.json input
inline constexpr size_t kMaxTdmRepEntries = 10000;   // rules in tdmrep.json
inline constexpr size_t kMaxTdmRepDepth = 16;        // JSON nesting in tdmrep.json
inline constexpr size_t kMaxTdmValueBytes = 2048;    // a location pattern or policy URL

struct TdmPolicy {
  int reservation = -1;  // -1 unset, 0 not reserved, 1 reserved
  std::string policy;    // tdm-policy URL, may be empty
  std::string source;    // where the effective reservation came from: "tdmrep.json",
                         // "header", "meta", or "" (unset)
};

// A parsed /.well-known/tdmrep.json: a JSON array of
// {"location": pattern, "tdm-reservation": 0|1, "tdm-policy": url}.
// Patterns are robots.txt-style (prefix match, '*' any run, a trailing '$'
// anchors the end) and must start with '/' or '*'; they are matched against
// the URL's path plus "?query" by RobotsPatternMatches (parsers/robots.h),
// exactly as robots.txt rules are, both sides percent-encoding normalized
// (NormalizePercentEncoding). The FIRST matching entry wins; no match = unset.
// Unknown members are ignored; "tdm-policy" is optional; "tdm-reservation"
// is required and must be the number 0 or 1 (the strings "0" / "1" are
// accepted too).
class TdmRepFile {
 public:
  TdmRepFile() = default;  // no entries: every lookup is unset

  // Parses `json_text` into *out (replacing its contents). On error *out is
  // left empty and the Status has code "bad_tdmrep" and a message naming the
  // problem: too large, too many entries, nested too deeply, not valid JSON,
  // not an array, "entry N" (0-based) not an object, missing / non-string /
  // empty / too long / not starting with '/' or '*' location, missing or bad
  // tdm-reservation, non-string or too long tdm-policy.
  static Status Parse(std::string_view json_text, TdmRepFile* out);

  // `path_query` is UrlParts::path_query ("" is taken as "/").
  // Source is "tdmrep.json" when an entry matched, else "" (unset).
  TdmPolicy Lookup(std::string_view path_query) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string pattern;  // the location as written, trimmed
    int reservation;      // 0 or 1
    std::string policy;
  };
  std::vector<Entry> entries_;
};

// Parses a tdm-reservation header/meta value: "1" -> 1, "0" -> 0, anything
// else -> -1 (surrounding whitespace trimmed).
int ParseTdmReservation(std::string_view v);

// Combines the three sources in the specification's order of precedence:
// tdmrep.json (`file`, normally TdmRepFile::Lookup()), then the HTTP headers,
// then the in-document meta; later overrides earlier, and a missing (-1 /
// empty) value does not reset an earlier one. The policy URL travels with the
// reservation that set it (a later reservation without a policy clears the
// earlier policy), but a later source that only sets a policy overrides just
// the policy. Header and meta values are trimmed, made valid UTF-8 and cut to
// kMaxTdmValueBytes. `source` names where the effective reservation came from
// ("" when it is unset).
TdmPolicy ResolveTdm(const TdmPolicy& file, std::string_view header_reservation,
                     std::string_view header_policy, std::string_view meta_reservation,
                     std::string_view meta_policy);

}  // namespace swarmcrawl
