#include "parsers/html_page.h"

#include "core/strings.h"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>
#include <unordered_set>

#include "core/url.h"
#include "parsers/optout.h"

namespace swarmcrawl {
namespace {

// ---------------------------------------------------------------------------
// UTF-8 validation (Unicode 15, table 3-7: no overlongs, no surrogates, <= U+10FFFF).

// Checks the sequence at p. On success *len is its length; on failure *len
// is the length of its maximal valid subpart (at least 1), the unit that one
// U+FFFD replaces.
bool CheckUtf8Sequence(const unsigned char* p, size_t n, size_t* len) {
  const unsigned char b = p[0];
  if (b < 0x80) {
    *len = 1;
    return true;
  }
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b == 0xE0) {
    need = 2;
    lo = 0xA0;
  } else if (b >= 0xE1 && b <= 0xEC) {
    need = 2;
  } else if (b == 0xED) {
    need = 2;
    hi = 0x9F;
  } else if (b == 0xEE || b == 0xEF) {
    need = 2;
  } else if (b == 0xF0) {
    need = 3;
    lo = 0x90;
  } else if (b >= 0xF1 && b <= 0xF3) {
    need = 3;
  } else if (b == 0xF4) {
    need = 3;
    hi = 0x8F;
  } else {
    *len = 1;
    return false;
  }
  for (size_t k = 1; k <= need; ++k) {
    if (k >= n || p[k] < lo || p[k] > hi) {
      *len = k;
      return false;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  *len = need + 1;
  return true;
}

void MarkTruncated(HtmlPage* page, const char* why) {
  page->truncated = true;
  if (std::find(page->truncated_by.begin(), page->truncated_by.end(), why) == page->truncated_by.end()) {
    page->truncated_by.emplace_back(why);
  }
}

size_t ValidUtf8Prefix(std::string_view s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    size_t len;
    if (!CheckUtf8Sequence(p + i, n - i, &len)) return i;
    i += len;
  }
  return n;
}

void SanitizeInPlace(std::string* s) {
  if (ValidUtf8Prefix(*s) != s->size()) *s = SanitizeUtf8(*s);
}

// ---------------------------------------------------------------------------
// Tag properties, indexed by GumboTag.

enum TagFlag : uint16_t {
  // Text extraction.
  kBlock = 1 << 0,        // starts and ends a line
  kCell = 1 << 1,         // separated from its neighbours by a space
  kSkipSubtree = 1 << 2,  // contributes neither text nor links
  kHideText = 1 << 3,     // links and metadata, but no visible text
  // Tree-builder emulation (NestingEstimator).
  kVoid = 1 << 4,          // never has children
  kSpecial = 1 << 5,       // HTML "special" category
  kScopeBoundary = 1 << 6, // ends an "in scope" search
  kClosesP = 1 << 7,       // start tag closes an open <p>
  kRawText = 1 << 8,       // content is not markup
  kNotPushed = 1 << 9,     // html/head/body: never nest
  kFormatting = 1 << 10,   // closed by the adoption agency algorithm
  kBreakout = 1 << 11,     // start tag leaves SVG/MathML content
  kNoReconstruct = 1 << 12,  // start tag does not re-open formatting elements
};

constexpr std::array<uint16_t, GUMBO_TAG_LAST + 1> MakeTagFlags() {
  std::array<uint16_t, GUMBO_TAG_LAST + 1> f{};
  for (GumboTag t : {GUMBO_TAG_P, GUMBO_TAG_DIV, GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3,
                     GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6, GUMBO_TAG_LI, GUMBO_TAG_TR,
                     GUMBO_TAG_BR, GUMBO_TAG_SECTION, GUMBO_TAG_ARTICLE, GUMBO_TAG_HEADER,
                     GUMBO_TAG_FOOTER, GUMBO_TAG_NAV, GUMBO_TAG_ASIDE, GUMBO_TAG_BLOCKQUOTE,
                     GUMBO_TAG_PRE, GUMBO_TAG_TABLE, GUMBO_TAG_UL, GUMBO_TAG_OL, GUMBO_TAG_DL,
                     GUMBO_TAG_DT, GUMBO_TAG_DD, GUMBO_TAG_FORM, GUMBO_TAG_HR, GUMBO_TAG_MAIN,
                     GUMBO_TAG_FIGURE, GUMBO_TAG_FIGCAPTION, GUMBO_TAG_ADDRESS,
                     GUMBO_TAG_CAPTION, GUMBO_TAG_CENTER, GUMBO_TAG_DETAILS, GUMBO_TAG_SUMMARY,
                     GUMBO_TAG_FIELDSET, GUMBO_TAG_LEGEND, GUMBO_TAG_HGROUP, GUMBO_TAG_MENU,
                     GUMBO_TAG_DIR, GUMBO_TAG_LISTING, GUMBO_TAG_BODY}) {
    f[t] |= kBlock;
  }
  f[GUMBO_TAG_TD] |= kCell;
  f[GUMBO_TAG_TH] |= kCell;
  for (GumboTag t : {GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_TEMPLATE, GUMBO_TAG_SVG,
                     GUMBO_TAG_MATH, GUMBO_TAG_IFRAME, GUMBO_TAG_TITLE, GUMBO_TAG_NOEMBED,
                     GUMBO_TAG_NOFRAMES}) {
    f[t] |= kSkipSubtree;
  }
  f[GUMBO_TAG_HEAD] |= kHideText;
  f[GUMBO_TAG_NOSCRIPT] |= kHideText;
  f[GUMBO_TAG_SELECT] |= kHideText;  // option labels are UI, not content

  for (GumboTag t : {GUMBO_TAG_AREA, GUMBO_TAG_BASE, GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,
                     GUMBO_TAG_BR, GUMBO_TAG_COL, GUMBO_TAG_EMBED, GUMBO_TAG_FRAME,
                     GUMBO_TAG_HR, GUMBO_TAG_IMAGE, GUMBO_TAG_IMG, GUMBO_TAG_INPUT,
                     GUMBO_TAG_KEYGEN, GUMBO_TAG_LINK, GUMBO_TAG_META, GUMBO_TAG_PARAM,
                     GUMBO_TAG_SOURCE, GUMBO_TAG_TRACK, GUMBO_TAG_WBR, GUMBO_TAG_MENUITEM,
                     GUMBO_TAG_ISINDEX}) {
    f[t] |= kVoid;
  }
  for (GumboTag t :
       {GUMBO_TAG_ADDRESS, GUMBO_TAG_APPLET, GUMBO_TAG_AREA, GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE,
        GUMBO_TAG_BASE, GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_BLOCKQUOTE,
        GUMBO_TAG_BODY, GUMBO_TAG_BR, GUMBO_TAG_BUTTON, GUMBO_TAG_CAPTION, GUMBO_TAG_CENTER,
        GUMBO_TAG_COL, GUMBO_TAG_COLGROUP, GUMBO_TAG_DD, GUMBO_TAG_DETAILS, GUMBO_TAG_DIR,
        GUMBO_TAG_DIV, GUMBO_TAG_DL, GUMBO_TAG_DT, GUMBO_TAG_EMBED, GUMBO_TAG_FIELDSET,
        GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE, GUMBO_TAG_FOOTER, GUMBO_TAG_FORM,
        GUMBO_TAG_FRAME, GUMBO_TAG_FRAMESET, GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3,
        GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6, GUMBO_TAG_HEAD, GUMBO_TAG_HEADER,
        GUMBO_TAG_HGROUP, GUMBO_TAG_HR, GUMBO_TAG_HTML, GUMBO_TAG_IFRAME, GUMBO_TAG_IMG,
        GUMBO_TAG_INPUT, GUMBO_TAG_KEYGEN, GUMBO_TAG_LI, GUMBO_TAG_LINK, GUMBO_TAG_LISTING,
        GUMBO_TAG_MAIN, GUMBO_TAG_MARQUEE, GUMBO_TAG_MENU, GUMBO_TAG_META, GUMBO_TAG_NAV,
        GUMBO_TAG_NOEMBED, GUMBO_TAG_NOFRAMES, GUMBO_TAG_NOSCRIPT, GUMBO_TAG_OBJECT,
        GUMBO_TAG_OL, GUMBO_TAG_P, GUMBO_TAG_PARAM, GUMBO_TAG_PLAINTEXT, GUMBO_TAG_PRE,
        GUMBO_TAG_SCRIPT, GUMBO_TAG_SECTION, GUMBO_TAG_SELECT, GUMBO_TAG_SOURCE,
        GUMBO_TAG_STYLE, GUMBO_TAG_SUMMARY, GUMBO_TAG_TABLE, GUMBO_TAG_TBODY, GUMBO_TAG_TD,
        GUMBO_TAG_TEMPLATE, GUMBO_TAG_TEXTAREA, GUMBO_TAG_TFOOT, GUMBO_TAG_TH,
        GUMBO_TAG_THEAD, GUMBO_TAG_TITLE, GUMBO_TAG_TR, GUMBO_TAG_TRACK, GUMBO_TAG_UL,
        GUMBO_TAG_WBR, GUMBO_TAG_XMP}) {
    f[t] |= kSpecial;
  }
  for (GumboTag t : {GUMBO_TAG_HTML, GUMBO_TAG_TABLE, GUMBO_TAG_TD, GUMBO_TAG_TH,
                     GUMBO_TAG_CAPTION, GUMBO_TAG_TEMPLATE, GUMBO_TAG_APPLET,
                     GUMBO_TAG_MARQUEE, GUMBO_TAG_OBJECT, GUMBO_TAG_SVG, GUMBO_TAG_MATH}) {
    f[t] |= kScopeBoundary;
  }
  for (GumboTag t :
       {GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE, GUMBO_TAG_BLOCKQUOTE,
        GUMBO_TAG_CENTER, GUMBO_TAG_DETAILS, GUMBO_TAG_DIR, GUMBO_TAG_DIV, GUMBO_TAG_DL,
        GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE, GUMBO_TAG_FOOTER,
        GUMBO_TAG_HEADER, GUMBO_TAG_HGROUP, GUMBO_TAG_MAIN, GUMBO_TAG_MENU, GUMBO_TAG_NAV,
        GUMBO_TAG_OL, GUMBO_TAG_P, GUMBO_TAG_SECTION, GUMBO_TAG_SUMMARY, GUMBO_TAG_UL,
        GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3, GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6,
        GUMBO_TAG_PRE, GUMBO_TAG_LISTING, GUMBO_TAG_FORM, GUMBO_TAG_PLAINTEXT,
        GUMBO_TAG_TABLE, GUMBO_TAG_HR, GUMBO_TAG_XMP, GUMBO_TAG_LI, GUMBO_TAG_DD,
        GUMBO_TAG_DT}) {
    f[t] |= kClosesP;
  }
  for (GumboTag t : {GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_TEXTAREA, GUMBO_TAG_TITLE,
                     GUMBO_TAG_XMP, GUMBO_TAG_IFRAME, GUMBO_TAG_NOEMBED,
                     GUMBO_TAG_NOFRAMES}) {
    f[t] |= kRawText;
  }
  for (GumboTag t : {GUMBO_TAG_HTML, GUMBO_TAG_HEAD, GUMBO_TAG_BODY}) {
    f[t] |= kNotPushed;
  }
  for (GumboTag t : {GUMBO_TAG_A, GUMBO_TAG_B, GUMBO_TAG_BIG, GUMBO_TAG_CODE, GUMBO_TAG_EM,
                     GUMBO_TAG_FONT, GUMBO_TAG_I, GUMBO_TAG_NOBR, GUMBO_TAG_S, GUMBO_TAG_SMALL,
                     GUMBO_TAG_STRIKE, GUMBO_TAG_STRONG, GUMBO_TAG_TT, GUMBO_TAG_U}) {
    f[t] |= kFormatting;
  }
  for (GumboTag t :
       {GUMBO_TAG_B, GUMBO_TAG_BIG, GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BODY, GUMBO_TAG_BR,
        GUMBO_TAG_CENTER, GUMBO_TAG_CODE, GUMBO_TAG_DD, GUMBO_TAG_DIV, GUMBO_TAG_DL,
        GUMBO_TAG_DT, GUMBO_TAG_EM, GUMBO_TAG_EMBED, GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3,
        GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6, GUMBO_TAG_HEAD, GUMBO_TAG_HR, GUMBO_TAG_I,
        GUMBO_TAG_IMG, GUMBO_TAG_LI, GUMBO_TAG_LISTING, GUMBO_TAG_MENU, GUMBO_TAG_META,
        GUMBO_TAG_NOBR, GUMBO_TAG_OL, GUMBO_TAG_P, GUMBO_TAG_PRE, GUMBO_TAG_RUBY, GUMBO_TAG_S,
        GUMBO_TAG_SMALL, GUMBO_TAG_SPAN, GUMBO_TAG_STRONG, GUMBO_TAG_STRIKE, GUMBO_TAG_SUB,
        GUMBO_TAG_SUP, GUMBO_TAG_TABLE, GUMBO_TAG_TT, GUMBO_TAG_U, GUMBO_TAG_UL, GUMBO_TAG_VAR}) {
    // <font> breaks out only with color/face/size attributes; treating it as
    // foreign keeps more elements open, which is the safe direction.
    f[t] |= kBreakout;
  }
  for (GumboTag t :
       {GUMBO_TAG_TABLE, GUMBO_TAG_CAPTION, GUMBO_TAG_COLGROUP, GUMBO_TAG_COL, GUMBO_TAG_TBODY,
        GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT, GUMBO_TAG_TR, GUMBO_TAG_TD, GUMBO_TAG_TH,
        GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_TITLE, GUMBO_TAG_META, GUMBO_TAG_LINK,
        GUMBO_TAG_BASE, GUMBO_TAG_NOSCRIPT, GUMBO_TAG_TEMPLATE, GUMBO_TAG_TEXTAREA,
        GUMBO_TAG_FRAMESET, GUMBO_TAG_FRAME, GUMBO_TAG_PARAM, GUMBO_TAG_SOURCE,
        GUMBO_TAG_TRACK}) {
    f[t] |= kNoReconstruct;
  }
  for (size_t t = 0; t < f.size(); ++t) {
    if (f[t] & kClosesP) f[t] |= kNoReconstruct;
  }
  return f;
}

constexpr std::array<uint16_t, GUMBO_TAG_LAST + 1> kTagFlags = MakeTagFlags();

inline bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
inline bool IsAsciiAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Calls fn(token) for each token of `s` separated by any of `seps`.
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
// NestingEstimator: a byte-level pre-scan that emulates the HTML tree
// builder's stack of open elements (and its list of active formatting
// elements, which re-opens elements) closely enough to find where nesting
// first exceeds a limit. It exists because Gumbo's tree builder is quadratic
// in nesting depth (every block start tag searches the whole stack for an
// open <p>): 100,000 nested <div>s take seconds. Cutting the input there
// bounds the cost. Where the emulation is inexact it errs towards keeping
// elements open (over-estimating), because an under-estimate is what an
// attacker would exploit: elements are only popped where the real tree
// builder pops them too.
class NestingEstimator {
 public:
  explicit NestingEstimator(size_t limit) : limit_(limit) { stack_.reserve(64); }

  // Returns the length of the longest prefix of `html` in which the estimated
  // depth stays within the limit.
  size_t SafePrefix(std::string_view html) {
    const size_t n = html.size();
    reopen_budget_ = 16 * n + (1u << 20);
    size_t i = 0;
    bool text = false;  // character data since the last tag
    while (true) {
      const void* lt = i < n ? std::memchr(html.data() + i, '<', n - i) : nullptr;
      if (lt == nullptr) return n;
      const size_t tag_begin = static_cast<const char*>(lt) - html.data();
      text |= tag_begin > i;
      size_t p = tag_begin + 1;
      if (p >= n) return n;
      const char c = html[p];
      if (c == '!') {
        if (html.compare(p, 3, "!--") == 0) {
          // Gumbo (like browsers) also ends a comment at "<!-->", "<!--->" and "--!>".
          const size_t body = p + 3;
          if (html.compare(body, 1, ">") == 0) {
            i = body + 1;
          } else if (html.compare(body, 2, "->") == 0) {
            i = body + 2;
          } else {
            const size_t e1 = html.find("-->", body);
            const size_t e2 = html.find("--!>", body);
            const size_t e = std::min(e1, e2);
            if (e == std::string_view::npos) return n;
            i = e + (e == e1 ? 3 : 4);
          }
        } else {
          i = SkipPast(html, p, '>');
        }
        continue;
      }
      if (c == '?') {
        i = SkipPast(html, p, '>');
        continue;
      }
      const bool end_tag = (c == '/');
      if (end_tag) ++p;
      if (p >= n) return n;
      if (!IsAsciiAlpha(html[p])) {
        if (end_tag) {
          i = SkipPast(html, p, '>');  // "</>" and "</ ..." are not text
        } else {
          i = p;
          text = true;  // a lone '<'
        }
        continue;
      }
      size_t name_end = p;
      while (name_end < n && !IsAsciiSpace(html[name_end]) && html[name_end] != '/' &&
             html[name_end] != '>') {
        ++name_end;
      }
      const std::string_view name = html.substr(p, name_end - p);
      const uint32_t id = ElementId(name);
      bool self_closing = false;
      i = ScanTagEnd(html, name_end, &self_closing);
      if (text) {
        text = false;
        if (!InForeign() && !Reconstruct()) return tag_begin;
      }
      if (end_tag) {
        if (!End(id)) return tag_begin;
        continue;
      }
      if (!InForeign()) {
        if (Flags(id) & kRawText) {
          if (!Start(id, false)) return tag_begin;
          i = SkipRawText(html, i, name);
          if (!stack_.empty() && stack_.back().id == id) PopTop();
          continue;
        }
        if (id == GUMBO_TAG_PLAINTEXT) return n;  // the rest is text
      }
      // Attributes matter only to tell formatting elements apart (Noah's Ark).
      const uint32_t attrs =
          (Flags(id) & kFormatting) ? Hash(html.substr(name_end, i - name_end)) : 0;
      const uint32_t attr_bytes = static_cast<uint32_t>(std::min<size_t>(i - name_end, 1u << 30));
      if (!Start(id, self_closing, attrs, attr_bytes)) return tag_begin;
    }
  }

 private:
  static constexpr size_t kWindow = 128;  // how far down the stack a search looks
  static constexpr uint32_t kUnknownBase = 1u << 16;
  static constexpr size_t kNotFound = static_cast<size_t>(-1);

  struct Open {
    uint32_t id;
    uint32_t serial;  // identifies the element to active_ entries
    bool in_active;   // may have an entry in active_
  };
  // An entry of the list of active formatting elements, or a marker.
  struct Active {
    uint32_t id;
    uint32_t attrs;
    uint32_t serial;
    bool marker;
    bool open;            // the element is on stack_
    uint32_t attr_bytes;  // Gumbo copies this much each time it re-opens the element
  };
  // The innermost SVG/MathML root or HTML integration point (foreignObject,
  // mtext, ...) on the stack: it decides how tags are treated.
  struct Context {
    size_t index;
    bool foreign;
  };

  static uint32_t Flags(uint32_t id) { return id < GUMBO_TAG_LAST ? kTagFlags[id] : 0; }

  static bool IsIntegrationPoint(uint32_t id) {
    switch (id) {
      case GUMBO_TAG_FOREIGNOBJECT: case GUMBO_TAG_DESC: case GUMBO_TAG_TITLE:
      case GUMBO_TAG_MI: case GUMBO_TAG_MO: case GUMBO_TAG_MN: case GUMBO_TAG_MS:
      case GUMBO_TAG_MTEXT: case GUMBO_TAG_ANNOTATION_XML:
        return true;
      default:
        return false;
    }
  }

  static bool IsMarkerElement(uint32_t id) {
    switch (id) {
      case GUMBO_TAG_APPLET: case GUMBO_TAG_MARQUEE: case GUMBO_TAG_OBJECT:
      case GUMBO_TAG_TD: case GUMBO_TAG_TH: case GUMBO_TAG_CAPTION: case GUMBO_TAG_TEMPLATE:
        return true;
      default:
        return false;
    }
  }

  static uint32_t Hash(std::string_view s) {
    uint32_t h = 2166136261u;
    for (char ch : s) h = (h ^ static_cast<unsigned char>(AsciiLower(ch))) * 16777619u;
    return h;
  }

  static uint32_t ElementId(std::string_view name) {
    const GumboTag tag = gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size()));
    if (tag != GUMBO_TAG_UNKNOWN) return tag;
    return kUnknownBase + (Hash(name) & 0x7fff);
  }

  static size_t SkipPast(std::string_view html, size_t p, char c) {
    const size_t e = html.find(c, p);
    return e == std::string_view::npos ? html.size() : e + 1;
  }

  // Follows the tokenizer's attribute states to the '>' ending the tag (a
  // '>' inside a quoted value does not end it). Returns the position after it.
  static size_t ScanTagEnd(std::string_view html, size_t p, bool* self_closing) {
    enum { kBeforeAttr, kName, kAfterName, kBeforeValue, kQuoted, kUnquoted } state = kBeforeAttr;
    char quote = 0;
    const size_t n = html.size();
    for (; p < n; ++p) {
      const char c = html[p];
      switch (state) {
        case kQuoted:
          if (c == quote) state = kBeforeAttr;
          continue;
        case kUnquoted:
          if (c == '>') return p + 1;
          if (IsAsciiSpace(c)) state = kBeforeAttr;
          continue;
        case kBeforeValue:
          if (IsAsciiSpace(c)) continue;
          if (c == '>') return p + 1;
          if (c == '"' || c == '\'') {
            quote = c;
            state = kQuoted;
          } else {
            state = kUnquoted;
          }
          continue;
        default:
          break;
      }
      if (c == '>') return p + 1;
      if (c == '/') {
        if (p + 1 < n && html[p + 1] == '>') {
          *self_closing = true;
          return p + 2;
        }
        state = kBeforeAttr;
      } else if (c == '=' && state != kBeforeAttr) {
        state = kBeforeValue;
      } else if (IsAsciiSpace(c)) {
        if (state == kName) state = kAfterName;
      } else {
        state = kName;
      }
    }
    return n;
  }

  // Returns the position after the end tag "</name ...>" closing a raw text
  // element (ASCII case-insensitive), or the end of input.
  static size_t SkipRawText(std::string_view html, size_t p, std::string_view name) {
    const size_t n = html.size();
    while (true) {
      const size_t lt = html.find("</", p);
      if (lt == std::string_view::npos) return n;
      size_t q = lt + 2;
      size_t k = 0;
      while (k < name.size() && q + k < n && AsciiLower(html[q + k]) == AsciiLower(name[k])) ++k;
      q += k;
      if (k == name.size() &&
          (q == n || IsAsciiSpace(html[q]) || html[q] == '/' || html[q] == '>')) {
        bool ignored = false;
        return ScanTagEnd(html, q, &ignored);
      }
      p = lt + 2;
    }
  }

  bool InForeign() const { return !contexts_.empty() && contexts_.back().foreign; }
  uint32_t Top() const {
    return stack_.empty() ? static_cast<uint32_t>(GUMBO_TAG_LAST) : stack_.back().id;
  }
  bool IsOpen(uint32_t id) const { return id < GUMBO_TAG_LAST && open_[id] > 0; }

  // Returns false when the push would exceed the limit.
  bool Push(uint32_t id, bool in_active = false) {
    if (stack_.size() >= limit_) return false;
    const bool foreign_root = (id == GUMBO_TAG_SVG || id == GUMBO_TAG_MATH);
    if (foreign_root || (InForeign() && IsIntegrationPoint(id))) {
      contexts_.push_back({stack_.size(), foreign_root});
    }
    const uint32_t serial = ++serial_;
    if (!InForeign() && IsMarkerElement(id)) {
      active_.push_back({id, 0, serial, true, true, 0});
      in_active = true;
    }
    stack_.push_back({id, serial, in_active});
    if (id < GUMBO_TAG_LAST) ++open_[id];
    return true;
  }

  // The element left the stack: its active_ entry is no longer open, and a
  // closing marker element clears the entries up to its marker.
  void Closed(const Open& e) {
    if (e.id < GUMBO_TAG_LAST) --open_[e.id];
    if (!e.in_active) return;
    for (size_t k = active_.size(); k > 0; --k) {
      if (active_[k - 1].serial == e.serial) {
        if (active_[k - 1].marker) {
          active_.resize(k - 1);
        } else {
          active_[k - 1].open = false;
        }
        return;
      }
    }
  }

  void PopTo(size_t index) {
    for (size_t k = stack_.size(); k > index; --k) Closed(stack_[k - 1]);
    stack_.resize(index);
    while (!contexts_.empty() && contexts_.back().index >= index) contexts_.pop_back();
  }

  void PopTop() {
    if (!stack_.empty()) PopTo(stack_.size() - 1);
  }

  // Removes one element from the middle of the stack, keeping those above it.
  void Remove(size_t index) {
    Closed(stack_[index]);
    stack_.erase(stack_.begin() + static_cast<std::ptrdiff_t>(index));
    for (size_t k = contexts_.size(); k > 0; --k) {
      Context& ctx = contexts_[k - 1];
      if (ctx.index < index) break;
      if (ctx.index == index) {
        contexts_.erase(contexts_.begin() + static_cast<std::ptrdiff_t>(k - 1));
      } else {
        --ctx.index;
      }
    }
  }

  // Searches down the stack, within the window and not below the innermost
  // context root, for the nearest element for which is_target() holds,
  // giving up at one for which stop() holds. Returns its index or kNotFound.
  template <typename Target, typename Stop>
  size_t Find(Target is_target, Stop stop) const {
    size_t floor = stack_.size() > kWindow ? stack_.size() - kWindow : 0;
    if (!contexts_.empty()) floor = std::max(floor, contexts_.back().index);
    for (size_t k = stack_.size(); k > floor; --k) {
      const Open& e = stack_[k - 1];
      if (is_target(e)) return k - 1;
      if (stop(e.id)) return kNotFound;
    }
    return kNotFound;
  }

  template <typename Stop>
  void PopToNearest(std::initializer_list<uint32_t> ids, Stop stop) {
    const size_t k = Find(
        [&ids](const Open& e) {
          for (uint32_t id : ids) {
            if (e.id == id) return true;
          }
          return false;
        },
        stop);
    if (k != kNotFound) PopTo(k);
  }

  static auto HasFlags(uint32_t flags) {
    return [flags](uint32_t e) { return (Flags(e) & flags) != 0; };
  }
  // Searches for table parts end at the table (or template) they belong to.
  static auto IsTableContext() {
    return [](uint32_t e) { return e == GUMBO_TAG_TABLE || e == GUMBO_TAG_TEMPLATE; };
  }

  void CloseP() {
    PopToNearest({GUMBO_TAG_P}, [](uint32_t e) {
      return (Flags(e) & kScopeBoundary) != 0 || e == GUMBO_TAG_BUTTON;
    });
  }

  // Re-opens formatting elements that were closed implicitly (the HTML
  // "reconstruct the active formatting elements" step).
  bool Reconstruct() {
    size_t k = active_.size();
    while (k > 0 && !active_[k - 1].marker && !active_[k - 1].open) --k;
    for (; k < active_.size(); ++k) {
      // Each re-opening copies the element and its attributes: a page that makes
      // Gumbo re-open big elements over and over could need gigabytes.
      reopened_bytes_ += active_[k].attr_bytes + 64;
      if (reopened_bytes_ > reopen_budget_) return false;
      if (!Push(active_[k].id, true)) return false;
      active_[k].serial = stack_.back().serial;
      active_[k].open = true;
    }
    return true;
  }

  // Returns the index in active_ of the last entry for `id` after the last
  // marker, or kNotFound.
  size_t FindActive(uint32_t id) const {
    for (size_t k = active_.size(); k > 0; --k) {
      if (active_[k - 1].marker) break;
      if (active_[k - 1].id == id) return k - 1;
    }
    return kNotFound;
  }

  void AddActive(uint32_t id, uint32_t attrs, uint32_t attr_bytes) {
    // Noah's Ark: at most three identical entries after the last marker.
    size_t same = 0, earliest = kNotFound;
    for (size_t k = active_.size(); k > 0; --k) {
      const Active& a = active_[k - 1];
      if (a.marker) break;
      if (a.id == id && a.attrs == attrs) {
        ++same;
        earliest = k - 1;
      }
    }
    if (same >= 3) active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(earliest));
    active_.push_back({id, attrs, stack_.back().serial, false, true, attr_bytes});
  }

  // The adoption agency algorithm, reduced to its effect on the stack: the
  // formatting element is closed; if a special element was opened inside it,
  // that element (and what is above it) stays open. Returns false if `id`
  // has no active entry, so the caller treats it as an ordinary end tag.
  bool Adopt(uint32_t id) {
    const size_t a = FindActive(id);
    if (a == kNotFound) return false;
    const uint32_t serial = active_[a].serial;
    if (active_[a].open) {
      const size_t k = Find([serial](const Open& e) { return e.serial == serial; },
                            HasFlags(kScopeBoundary));
      if (k == kNotFound) return true;  // not in scope: ignored
      bool special_above = false;
      for (size_t j = k + 1; j < stack_.size(); ++j) {
        special_above |= (Flags(stack_[j].id) & kSpecial) != 0;
      }
      if (special_above) {
        Remove(k);
      } else {
        PopTo(k);
      }
    }
    for (size_t k = active_.size(); k > 0; --k) {
      if (active_[k - 1].serial == serial && !active_[k - 1].marker) {
        active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k - 1));
        break;
      }
    }
    return true;
  }

  // Returns false when the start tag would exceed the limit.
  bool Start(uint32_t id, bool self_closing, uint32_t attrs = 0, uint32_t attr_bytes = 0) {
    const uint32_t flags = Flags(id);
    if (flags & kNotPushed) return true;
    if (InForeign()) {
      if (!(flags & kBreakout)) return self_closing || Push(id);
      // An HTML element breaks out of (possibly nested) SVG/MathML content.
      size_t k = contexts_.size();
      while (k > 0 && contexts_[k - 1].foreign) --k;
      PopTo(contexts_[k].index);
    }
    const bool in_table = IsOpen(GUMBO_TAG_TABLE) || IsOpen(GUMBO_TAG_TEMPLATE);
    if (flags & kClosesP) CloseP();
    switch (id) {
      case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
      case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: {
        const uint32_t top = Top();
        if (top >= GUMBO_TAG_H1 && top <= GUMBO_TAG_H6) PopTop();
        break;
      }
      case GUMBO_TAG_LI:
      case GUMBO_TAG_DD:
      case GUMBO_TAG_DT: {
        // Closes an open list item, looking through address/div/p only.
        auto stop = [](uint32_t e) {
          return (Flags(e) & kSpecial) != 0 && e != GUMBO_TAG_ADDRESS && e != GUMBO_TAG_DIV &&
                 e != GUMBO_TAG_P;
        };
        if (id == GUMBO_TAG_LI) {
          PopToNearest({GUMBO_TAG_LI}, stop);
        } else {
          PopToNearest({GUMBO_TAG_DD, GUMBO_TAG_DT}, stop);
        }
        break;
      }
      case GUMBO_TAG_A:
      case GUMBO_TAG_NOBR:
        // These do not nest: a new one closes the open one.
        if (!Reconstruct()) return false;
        Adopt(id);
        break;
      case GUMBO_TAG_BUTTON:
        PopToNearest({GUMBO_TAG_BUTTON}, HasFlags(kScopeBoundary));
        break;
      case GUMBO_TAG_FORM:
        if (IsOpen(GUMBO_TAG_FORM) && !IsOpen(GUMBO_TAG_TEMPLATE)) return true;  // ignored
        break;
      case GUMBO_TAG_CAPTION:
      case GUMBO_TAG_COLGROUP:
        if (!in_table) return true;  // ignored outside tables
        break;
      case GUMBO_TAG_TD:
      case GUMBO_TAG_TH:
        if (!in_table) return true;
        PopToNearest({GUMBO_TAG_TD, GUMBO_TAG_TH}, IsTableContext());
        break;
      case GUMBO_TAG_TR:
        if (!in_table) return true;
        PopToNearest({GUMBO_TAG_TR}, IsTableContext());
        break;
      case GUMBO_TAG_TBODY:
      case GUMBO_TAG_THEAD:
      case GUMBO_TAG_TFOOT:
        if (!in_table) return true;
        PopToNearest({GUMBO_TAG_TBODY, GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT}, IsTableContext());
        break;
      case GUMBO_TAG_TABLE:
        // A table directly inside a table (not in a cell) closes it.
        PopToNearest({GUMBO_TAG_TABLE}, [](uint32_t e) {
          return e == GUMBO_TAG_TD || e == GUMBO_TAG_TH || e == GUMBO_TAG_CAPTION ||
                 e == GUMBO_TAG_TEMPLATE;
        });
        break;
      case GUMBO_TAG_OPTION:
        if (Top() == GUMBO_TAG_OPTION) PopTop();
        break;
      case GUMBO_TAG_OPTGROUP:
        if (Top() == GUMBO_TAG_OPTION) PopTop();
        if (Top() == GUMBO_TAG_OPTGROUP) PopTop();
        break;
      default:
        break;
    }
    if (!(flags & kNoReconstruct) && !Reconstruct()) return false;
    if (flags & kVoid) return true;
    if (self_closing && (id == GUMBO_TAG_SVG || id == GUMBO_TAG_MATH)) return true;
    if (!Push(id)) return false;
    if (flags & kFormatting) {
      stack_.back().in_active = true;
      AddActive(id, attrs, attr_bytes);
    }
    return true;
  }

  bool End(uint32_t id) {
    const uint32_t flags = Flags(id);
    if (flags & kNotPushed) return true;
    if (InForeign()) {
      // Foreign end tags close the nearest element of that name.
      const size_t k = Find([id](const Open& e) { return e.id == id; },
                            [](uint32_t) { return false; });
      if (k != kNotFound) {
        PopTo(k);
        return true;
      }
    }
    if (id == GUMBO_TAG_BR) return Start(id, false);  // "</br>" is parsed as "<br>"
    if (id == GUMBO_TAG_P) {
      CloseP();
    } else if ((flags & kFormatting) && Adopt(id)) {
      // done
    } else if (id == GUMBO_TAG_TABLE || id == GUMBO_TAG_TBODY || id == GUMBO_TAG_THEAD ||
               id == GUMBO_TAG_TFOOT || id == GUMBO_TAG_TR) {
      // Table structure end tags close open cells on the way ("table scope").
      PopToNearest({id}, [](uint32_t e) {
        return e == GUMBO_TAG_TABLE || e == GUMBO_TAG_TEMPLATE || e == GUMBO_TAG_HTML;
      });
    } else if (id == GUMBO_TAG_LI) {
      // "list item scope": a </li> does not reach through a nested list.
      PopToNearest({id}, [](uint32_t e) {
        return (Flags(e) & kScopeBoundary) != 0 || e == GUMBO_TAG_UL || e == GUMBO_TAG_OL;
      });
    } else if (id == GUMBO_TAG_FORM) {
      // </form> removes the form element alone; what was opened inside stays open.
      const size_t k = Find([](const Open& e) { return e.id == GUMBO_TAG_FORM; },
                            HasFlags(kScopeBoundary));
      if (k != kNotFound) Remove(k);
    } else if (flags & kSpecial) {
      PopToNearest({id}, HasFlags(kScopeBoundary));
    } else {
      // "Any other end tag": a matching name pops, a special element stops the search.
      PopToNearest({id}, HasFlags(kSpecial));
    }
    return true;
  }

  const size_t limit_;
  size_t reopened_bytes_ = 0;
  size_t reopen_budget_ = 0;
  std::vector<Open> stack_;
  std::vector<Active> active_;
  std::vector<Context> contexts_;
  std::array<uint32_t, GUMBO_TAG_LAST> open_{};  // per-tag count on stack_
  uint32_t serial_ = 0;
};

// ---------------------------------------------------------------------------
// Visible-text accumulation with line structure.

class TextBuilder {
 public:
  TextBuilder(std::string* out, size_t cap) : out_(out), cap_(cap) {}

  void Append(std::string_view s, bool pre) {
    const size_t n = s.size();
    size_t i = 0;
    while (i < n && !full_) {
      if (pre) {
        if (s[i] == '\n') {
          LineBreak();
        } else if (s[i] != '\r') {
          Word(s.substr(i, 1));
        }
        ++i;
      } else if (IsAsciiSpace(s[i])) {
        pending_space_ = !at_line_start_;
        ++i;
      } else {
        size_t j = i + 1;
        while (j < n && !IsAsciiSpace(s[j])) ++j;
        Word(s.substr(i, j - i));
        i = j;
      }
    }
  }

  void LineBreak() {
    if (!at_line_start_) Put('\n');
    at_line_start_ = true;
    pending_space_ = false;
  }

  void Space() { pending_space_ = !at_line_start_; }

  bool full() const { return full_; }

  void Finish() {
    if (full_) {
      // The cap may have split a multi-byte character.
      size_t k = out_->size();
      size_t back = 0;
      while (k > 0 && back < 4 && (static_cast<unsigned char>((*out_)[k - 1]) & 0xC0) == 0x80) {
        --k;
        ++back;
      }
      if (k > 0) {
        size_t len;
        const auto* p = reinterpret_cast<const unsigned char*>(out_->data()) + k - 1;
        if (!CheckUtf8Sequence(p, out_->size() - (k - 1), &len)) out_->resize(k - 1);
      }
    }
    while (!out_->empty() && (out_->back() == '\n' || out_->back() == ' ')) out_->pop_back();
  }

 private:
  void Put(char c) {
    if (out_->size() >= cap_) {
      full_ = true;
      return;
    }
    out_->push_back(c);
  }

  // Appends a run of non-space characters (or one character of <pre> text).
  void Word(std::string_view w) {
    if (pending_space_) Put(' ');
    pending_space_ = false;
    const size_t room = cap_ > out_->size() ? cap_ - out_->size() : 0;
    if (w.size() > room) {
      out_->append(w.substr(0, room));
      full_ = true;
      return;
    }
    out_->append(w);
    at_line_start_ = false;
  }

  std::string* out_;
  const size_t cap_;
  bool at_line_start_ = true;
  bool pending_space_ = false;
  bool full_ = false;
};

std::string CollapseWhitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (const char c : s) {
    if (IsAsciiSpace(c)) {
      space = !out.empty();
    } else {
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

const char* Attr(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a == nullptr ? nullptr : a->value;
}

// ---------------------------------------------------------------------------
// The tree walk.

struct WalkItem {
  const GumboNode* node;  // nullptr marks the end of a block element
  uint32_t depth;
  uint8_t mode;
};

// WalkItem::mode bits. The first two are inherited by descendants; the last
// tells an end marker to separate with a space instead of a line break.
enum WalkMode : uint8_t { kModeHideText = 1, kModePre = 2, kCloseCell = 4 };

struct Collected {
  bool have_title = false;
  std::string raw_title;
  const char* base_href = nullptr;
  const char* canonical_href = nullptr;
  bool have_lang = false;
  std::vector<std::string_view> hrefs;
  std::string product_token;  // HtmlLimits::product_token, lower-cased
  RobotsDirectives robots;
  const char* tdm_reservation = nullptr;  // first <meta name=tdm-reservation> content
  const char* tdm_policy = nullptr;       // first <meta name=tdm-policy> content
};

// Trimmed, valid UTF-8, at most `max` bytes, without copying more than needed.
std::string ClampedValue(const char* value, size_t max) {
  if (value == nullptr) return std::string();
  std::string_view v = Trim(value);
  // Sanitizing never shrinks text, so a character split by this cut becomes
  // a U+FFFD beyond `max`, which TruncateUtf8 then drops.
  std::string out = SanitizeUtf8(v.substr(0, max + 4));
  TruncateUtf8(&out, max);
  return out;
}

void VisitElement(const GumboNode* node, const WalkItem& item, const HtmlLimits& limits,
                  HtmlPage* page, Collected* got, TextBuilder* text,
                  std::vector<WalkItem>* stack) {
  const GumboElement& el = node->v.element;
  const bool html_ns = el.tag_namespace == GUMBO_NAMESPACE_HTML;
  const uint32_t flags = html_ns ? kTagFlags[el.tag] : 0;
  uint8_t mode = item.mode;

  if (html_ns) {
    switch (el.tag) {
      case GUMBO_TAG_A:
      case GUMBO_TAG_AREA:
        if (const char* href = Attr(el, "href")) got->hrefs.emplace_back(href);
        break;
      case GUMBO_TAG_TITLE:
        if (!got->have_title) {
          got->have_title = true;
          for (unsigned i = 0; i < el.children.length; ++i) {
            const auto* child = static_cast<const GumboNode*>(el.children.data[i]);
            if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE) {
              got->raw_title.append(child->v.text.text);
            }
          }
        }
        break;
      case GUMBO_TAG_BASE:
        if (got->base_href == nullptr) got->base_href = Attr(el, "href");
        break;
      case GUMBO_TAG_LINK:
        if (got->canonical_href == nullptr) {
          const char* rel = Attr(el, "rel");
          const char* href = Attr(el, "href");
          if (rel != nullptr && href != nullptr) {
            bool canonical = false;
            ForEachToken(rel, " \t\n\r\f", [&](std::string_view t) {
              canonical |= EqualsIgnoreCase(t, "canonical");
            });
            if (canonical) got->canonical_href = href;
          }
        }
        break;
      case GUMBO_TAG_META: {
        const char* name_attr = Attr(el, "name");
        const char* content = Attr(el, "content");
        if (name_attr == nullptr || content == nullptr) break;
        const std::string_view name = Trim(name_attr);
        if (EqualsIgnoreCase(name, "robots") ||
            (!got->product_token.empty() && EqualsIgnoreCase(name, got->product_token))) {
          ApplyRobotsDirectives(content, &got->robots);
        } else if (EqualsIgnoreCase(name, "tdm-reservation")) {
          if (got->tdm_reservation == nullptr) got->tdm_reservation = content;
        } else if (EqualsIgnoreCase(name, "tdm-policy")) {
          if (got->tdm_policy == nullptr) got->tdm_policy = content;
        }
        break;
      }
      case GUMBO_TAG_HTML:
        if (!got->have_lang) {
          got->have_lang = true;
          if (const char* lang = Attr(el, "lang")) page->lang.assign(Trim(lang));
        }
        break;
      case GUMBO_TAG_PRE:
      case GUMBO_TAG_LISTING:
      case GUMBO_TAG_TEXTAREA:
        mode |= kModePre;
        break;
      default:
        break;
    }
  } else if (el.tag == GUMBO_TAG_SVG || el.tag == GUMBO_TAG_MATH) {
    return;  // foreign content: neither visible text nor HTML links
  }

  if (flags & kSkipSubtree) return;
  if (flags & kHideText) mode |= kModeHideText;
  if (el.children.length == 0) {
    if (flags & kBlock) text->LineBreak();
    return;
  }
  if (flags & kBlock) {
    text->LineBreak();
    stack->push_back({nullptr, 0, 0});
  } else if (flags & kCell) {
    text->Space();
    stack->push_back({nullptr, 0, kCloseCell});
  }
  // Text children of a walked element are kept; element children past the
  // depth limit are not walked.
  const bool too_deep = item.depth + 1 > limits.max_depth;
  for (unsigned i = el.children.length; i > 0; --i) {
    const auto* child = static_cast<const GumboNode*>(el.children.data[i - 1]);
    if (too_deep && (child->type == GUMBO_NODE_ELEMENT || child->type == GUMBO_NODE_TEMPLATE)) {
      MarkTruncated(page, "nesting_depth");
      continue;
    }
    stack->push_back({child, item.depth + 1, mode});
  }
}

void Walk(const GumboNode* root, const HtmlLimits& limits, HtmlPage* page, Collected* got,
          TextBuilder* text) {
  std::vector<WalkItem> stack;
  stack.reserve(256);
  stack.push_back({root, 1, 0});
  while (!stack.empty()) {
    const WalkItem item = stack.back();
    stack.pop_back();
    if (item.node == nullptr) {
      if (item.mode & kCloseCell) {
        text->Space();
      } else {
        text->LineBreak();
      }
      continue;
    }
    switch (item.node->type) {
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE:
        VisitElement(item.node, item, limits, page, got, text, &stack);
        break;
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
      case GUMBO_NODE_CDATA:
        if (!(item.mode & kModeHideText)) {
          text->Append(item.node->v.text.text, (item.mode & kModePre) != 0);
        }
        break;
      default:
        break;
    }
  }
}

// Gumbo allocates every node, attribute and string buffer separately and
// frees them one by one in gumbo_destroy_output. A bump arena dropped in one
// go after the walk makes both nearly free (malloc/free were ~10% of a crawl's
// CPU). Freed memory is not reused; for ordinary pages the waste is Gumbo's
// buffer doubling (about the tree's size again), for token-heavy garbage it is
// linear but larger (~35x the input at worst seen), and it lives for one page
// whose input is capped by HtmlLimits::max_parse_bytes.
class ParseArena {
 public:
  static void* Allocate(void* self, size_t size) { return static_cast<ParseArena*>(self)->Get(size); }
  static void Deallocate(void*, void*) {}

 private:
  void* Get(size_t size) {
    size = (size + 15) & ~size_t{15};
    if (size > left_) {
      const size_t block = std::max(size, next_block_);
      // new char[] is suitably aligned for any fundamental type and not zeroed.
      blocks_.emplace_back(new char[block]);
      cur_ = blocks_.back().get();
      left_ = block;
      next_block_ = std::min<size_t>(next_block_ * 2, 16u << 20);
    }
    void* p = cur_;
    cur_ += size;
    left_ -= size;
    return p;
  }

  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cur_ = nullptr;
  size_t left_ = 0;
  size_t next_block_ = 64u << 10;
};

}  // namespace

std::string CollapseSpaces(std::string_view s, size_t cap) {
  std::string out;
  bool pending = false;
  for (char c : s) {
    if (IsAsciiSpace(static_cast<unsigned char>(c)) || c == '\v') {
      pending = !out.empty();
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(c);
    if (out.size() > cap) break;
  }
  out = SanitizeUtf8(out);
  TruncateUtf8(&out, cap);
  return out;
}

namespace {

// Copies `s`, passing each invalid sequence to `replace`.
template <typename Replace>
std::string ReplaceInvalidUtf8(std::string_view s, Replace replace) {
  const size_t valid = ValidUtf8Prefix(s);
  if (valid == s.size()) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  out.append(s.substr(0, valid));
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = valid;
  while (i < s.size()) {
    size_t len;
    if (CheckUtf8Sequence(p + i, s.size() - i, &len)) {
      out.append(s.substr(i, len));
    } else {
      replace(s.substr(i, len), &out);
    }
    i += len;
  }
  return out;
}

}  // namespace

std::string SanitizeUtf8(std::string_view s) {
  return ReplaceInvalidUtf8(s, [](std::string_view, std::string* out) { out->append("\xEF\xBF\xBD"); });
}

std::string PercentEncodeInvalidUtf8(std::string_view s) {
  return ReplaceInvalidUtf8(s, [](std::string_view bad, std::string* out) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned char c : bad) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  });
}

HtmlPage ParseHtmlPage(std::string_view html, std::string_view page_url,
                       const HtmlLimits& limits) {
  return ParseHtmlPage(html, page_url, limits, GumboTreeVisitor());
}

HtmlPage ParseHtmlPage(std::string_view html, std::string_view page_url,
                       const HtmlLimits& limits, const GumboTreeVisitor& visit) {
  HtmlPage page;

  NestingEstimator estimator(limits.max_depth);
  // Gumbo's time and memory grow with the input; bound both.
  const size_t parse_len = estimator.SafePrefix(html.substr(0, limits.max_parse_bytes));
  if (parse_len < html.size()) {
    // Cut by the byte cap, or where nesting would first exceed the depth limit.
    MarkTruncated(&page, parse_len < std::min(html.size(), limits.max_parse_bytes) ? "nesting_depth" : "html_bytes");
  }

  ParseArena arena;  // owns the whole parse tree; outlives `output`
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;  // error records cost time and memory; we never read them
  options.allocator = &ParseArena::Allocate;
  options.deallocator = &ParseArena::Deallocate;
  options.userdata = &arena;
  const GumboOutput* output = gumbo_parse_with_options(&options, html.data(), parse_len);

  Collected got;
  got.product_token = AsciiLower(limits.product_token);
  TextBuilder text(&page.text, limits.max_text_bytes);
  if (output != nullptr && output->root != nullptr) {
    Walk(output->root, limits, &page, &got, &text);
    if (visit) visit(output->root);
  }
  text.Finish();
  if (text.full()) MarkTruncated(&page, "page_text");
  SanitizeInPlace(&page.text);
  page.title = CollapseWhitespace(got.raw_title);
  SanitizeInPlace(&page.title);
  SanitizeInPlace(&page.lang);
  page.meta_noindex = got.robots.noindex;
  page.meta_nofollow = got.robots.nofollow;
  page.meta_noai = got.robots.noai;
  page.meta_noimageai = got.robots.noimageai;
  // The attribute strings live in `arena`, which is alive until this function returns.
  page.tdm_reservation = ClampedValue(got.tdm_reservation, kMaxTdmValueBytes);
  page.tdm_policy = ClampedValue(got.tdm_policy, kMaxTdmValueBytes);

  // Links are resolved after the walk because <base href> applies to the
  // whole document, including links that precede it.
  UrlResolver resolver;
  bool have_base = resolver.SetBase(page_url).ok();
  page.base_url.assign(page_url);
  std::string resolved;
  if (have_base) {
    resolver.Resolve("", &page.base_url);  // the canonical form of page_url
    // A huge base would be copied into every relative link: ignore it.
    if (got.base_href != nullptr && resolver.Resolve(got.base_href, &resolved).ok() &&
        resolved.size() <= limits.max_url_bytes) {
      if (resolver.SetBase(resolved).ok()) {
        page.base_url = resolved;
      } else {
        have_base = resolver.SetBase(page_url).ok();
      }
    }
  }
  auto resolve = [&](std::string_view ref, std::string* out) {
    return have_base ? resolver.Resolve(ref, out) : CanonicalizeUrl(ref, out);
  };
  if (got.canonical_href != nullptr && resolve(got.canonical_href, &resolved).ok()) {
    page.canonical = resolved;
  }

  // Outlink string_views in `seen` point into page.outlinks, so the vector
  // must never reallocate.
  page.outlinks.reserve(std::min(got.hrefs.size(), limits.max_links));
  std::unordered_set<std::string_view> seen_raw;
  std::unordered_set<std::string_view> seen;
  seen_raw.reserve(got.hrefs.size());
  seen.reserve(page.outlinks.capacity());
  for (const std::string_view href : got.hrefs) {
    if (href.size() > limits.max_url_bytes) continue;
    if (!seen_raw.insert(href).second) continue;  // same href, same result
    if (!resolve(href, &resolved).ok() || resolved.size() > limits.max_url_bytes) continue;
    if (seen.count(resolved) != 0) continue;
    if (page.outlinks.size() >= limits.max_links) {
      MarkTruncated(&page, "links");
      break;
    }
    page.outlinks.push_back(std::move(resolved));
    seen.insert(page.outlinks.back());
  }
  return page;
}

}  // namespace swarmcrawl
