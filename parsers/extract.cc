#include "parsers/extract.h"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <unordered_set>

#include "core/strings.h"
#include "core/url.h"
#include "parsers/html_page.h"

namespace swarmcrawl {
namespace {

// ---------------------------------------------------------------------------
// Small string helpers.

inline bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Locale-independent character classes (the C library's depend on the locale).
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlnum(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Subtree text scans for short blocks look at most this many nodes: a block
// with more nodes than that is not a headline copy, byline or junk label, and
// the bound keeps nested such blocks from costing O(nodes x depth).
constexpr uint32_t kScanNodes = 256;

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Whitespace runs (ASCII and U+00A0) collapsed to one space, trimmed, at most
// `max` bytes (cut on a character boundary), valid UTF-8.
std::string Collapse(std::string_view s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max + 4));
  bool space = false;
  for (size_t i = 0; i < s.size() && out.size() <= max; ++i) {
    const unsigned char c = s[i];
    if (IsSpace(c)) {
      space = true;
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      space = true;
      ++i;
    } else {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(static_cast<char>(c));
    }
  }
  out = SanitizeUtf8(out);
  TruncateUtf8(&out, max);
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view lower) {
  if (s.size() < lower.size()) return false;
  for (size_t i = 0; i < lower.size(); ++i) {
    if (AsciiLower(s[i]) != lower[i]) return false;
  }
  return true;
}

bool Contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }

template <size_t N>
bool ContainsAny(std::string_view s, const std::array<std::string_view, N>& pats) {
  for (std::string_view p : pats) {
    if (s.find(p) != std::string_view::npos) return true;
  }
  return false;
}

const char* Attr(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a == nullptr ? nullptr : a->value;
}

// Calls fn(token) for each whitespace-separated token of `s`.
template <typename Fn>
void ForEachToken(std::string_view s, Fn fn) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !IsSpace(s[j])) ++j;
    if (j > i) fn(s.substr(i, j - i));
    i = j;
  }
}

bool HasToken(std::string_view list, std::string_view lower) {
  bool found = false;
  ForEachToken(list, [&](std::string_view t) { found |= EqualsIgnoreCase(t, lower); });
  return found;
}

// ---------------------------------------------------------------------------
// Class/id vocabularies. Matched as substrings of the lower-cased class and id.

// Readability's "unlikely candidates": removed before scoring unless they also
// look like content.
constexpr std::array<std::string_view, 32> kUnlikely = {
    "-ad-",    "ai2html",   "banner",     "breadcrumbs", "combx",      "comment",   "community",
    "cover-wrap", "disqus", "extra",      "footer",      "gdpr",       "header",    "legends",
    "menu",    "related",   "remark",     "replies",     "rss",        "shoutbox",  "sidebar",
    "skyscraper", "social", "sponsor",    "supplemental", "ad-break",  "agegate",   "pagination",
    "pager",   "popup",     "yom-remote", "cookie"};
constexpr std::array<std::string_view, 8> kMaybeCandidate = {
    "and", "article", "body", "column", "content", "main", "mathjax", "shadow"};
constexpr std::array<std::string_view, 13> kPositive = {
    "article", "body", "content", "entry", "hentry", "h-entry", "main",
    "page",    "pagination", "post", "text", "blog", "story"};
constexpr std::array<std::string_view, 23> kNegative = {
    "-ad-",   "hidden",  "banner",  "combx",   "comment",  "com-",    "contact",    "footer",
    "gdpr",   "masthead", "media",  "meta",    "outbrain", "promo",   "related",    "scroll",
    "share",  "shoutbox", "sidebar", "skyscraper", "sponsor", "shopping", "tags"};

// Boilerplate inside the chosen container: dropped unless the element holds
// most of the container's text (wrappers get such names too).
constexpr std::array<std::string_view, 74> kBoilerplate = {
    "comment",    "footer",     "sidebar",     "related",     "share",       "sharing",
    "social",     "menu",       "promo",       "banner",      "cookie",      "consent",
    "newsletter", "subscribe",  "breadcrumb",  "pagination",  "pager",       "byline",
    "caption",    "author",     "masthead",    "sponsor",     "outbrain",
    "taboola",    "disqus",     "popup",       "modal",       "signup",      "sign-up",
    "toolbar",    "tag-list",   "taglist",     "dateline",    "timestamp",   "credit",
    "recommend",  "most-popular", "mostpopular", "trending",  "more-stories", "readmore",
    "read-more",  "rating",     "skip-",       "login",       "advert",      "jump-link",
    "overlay",    "inline-related", "article-meta", "post-meta", "entry-meta", "meta-data",
    "metadata",   "print-",     "tools",       "utility",     "follow",      "donate",
    "paywall",    "registration", "-promo",    "further-reading", "see-also", "call-to-action",
    "subscription", "signin",   "sign-in",     "tooltip",     "dialog",      "syndication",
    "rollover",   "popover",    "hovercard"};
// Shown only on hover or click: not visible text.
constexpr std::array<std::string_view, 4> kHoverOnly = {"rollover", "tooltip", "popover", "hovercard"};
// Whole class tokens that mark boilerplate (too short or ambiguous as substrings).
constexpr std::array<std::string_view, 28> kBoilerplateTokens = {
    "ad",     "ads",     "adv",     "advert", "nav",    "navbar",  "navigation", "tags",
    "tag",    "meta",    "date",    "time",   "share",  "social",  "hidden",     "hide",
    "d-none", "sr-only", "visually-hidden", "screen-reader-text", "visuallyhidden",
    "invisible", "print-only", "noprint", "related", "comments", "byline", "author"};
constexpr std::array<std::string_view, 8> kHiddenTokens = {
    "hidden",  "d-none", "sr-only", "visually-hidden", "screen-reader-text", "visuallyhidden",
    "invisible", "is-hidden"};

// Containers whose class/id say "this is the article body" (trafilatura's list,
// roughly), strongest first.
constexpr std::array<std::string_view, 30> kBodyStrong = {
    "articlebody",   "article-body",  "article__body",  "article_body",  "article-content",
    "article__content", "article_content", "articlecontent", "article-text", "articletext",
    "article__text", "entry-content", "entry_content", "entrycontent",   "post-content",
    "post_content",  "postcontent",   "post-body",      "post_body",     "postbody",
    "post-text",     "post_text",     "post-entry",     "postentry",     "story-body",
    "storybody",     "story-content", "storycontent",   "body-text",     "bodytext"};
constexpr std::array<std::string_view, 14> kBodyWeak = {
    "main-content", "maincontent", "main_content", "content-main", "content_main",
    "content-body", "contentbody", "content__body", "page-content", "text-content",
    "blog-content", "single-content", "field-body", "fulltext"};

// Whole-block texts that are never content.
constexpr std::array<std::string_view, 10> kJunkBlocks = {
    "advertisement", "advertising", "advert", "anzeige", "publicité", "publicidad", "sponsored",
    "ad", "story continues below advertisement", "continue reading below"};

// ---------------------------------------------------------------------------
// The node table: every element and text node of the tree in document
// (pre-)order, so a subtree is the index range [i, end).

enum NodeFlag : uint32_t {
  kIsText = 1u << 0,
  kHidden = 1u << 1,          // this element is hidden
  kInHidden = 1u << 2,        // this node or an ancestor is hidden
  kUnlikelyEl = 1u << 3,      // readability unlikely candidate
  kInUnlikely = 1u << 4,
  kBoiler = 1u << 5,          // class/id/role says boilerplate
  kHasBlockChild = 1u << 6,
  kInLink = 1u << 7,
  kInPre = 1u << 8,
  kDescTable = 1u << 9,       // a table below
  kDescBlock = 1u << 10,      // a p/list/heading/quote/pre below (not data-table content)
  kBodyStrongEl = 1u << 11,
  kBodyWeakEl = 1u << 12,
  kItemBody = 1u << 13,       // itemprop=articleBody
  kRoleMain = 1u << 14,
  kJunk = 1u << 16,           // text is a junk block ("Advertisement")
  kItemArticle = 1u << 17,    // microdata itemtype is an article type
  kEmbed = 1u << 18,          // an embedded post (tweet, Instagram) or its wrapper
};

struct Node {
  const GumboNode* g = nullptr;
  int32_t parent = -1;
  uint32_t end = 0;
  uint16_t tag = GUMBO_TAG_UNKNOWN;
  uint16_t depth = 0;
  uint32_t flags = 0;
  int32_t weight = 0;     // readability class weight
  uint32_t text = 0;      // visible text bytes (whitespace collapsed) in the subtree
  uint32_t link = 0;      // of which inside <a>
  uint32_t heading = 0;   // of which inside h1-h6
  uint32_t commas = 0;
  uint32_t p = 0, li = 0, img = 0, input = 0, embed = 0;
  float score = 0;
  bool scored = false;
};

bool IsBlockTag(int tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_H1: case GUMBO_TAG_H2:
    case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
    case GUMBO_TAG_LI: case GUMBO_TAG_TR: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER: case GUMBO_TAG_NAV: case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE: case GUMBO_TAG_TABLE: case GUMBO_TAG_UL:
    case GUMBO_TAG_OL: case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_DD:
    case GUMBO_TAG_FORM: case GUMBO_TAG_HR: case GUMBO_TAG_MAIN: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_CENTER: case GUMBO_TAG_DETAILS: case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_FIELDSET: case GUMBO_TAG_LEGEND: case GUMBO_TAG_HGROUP: case GUMBO_TAG_MENU:
    case GUMBO_TAG_DIR: case GUMBO_TAG_LISTING: case GUMBO_TAG_BODY: case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD: case GUMBO_TAG_TFOOT: case GUMBO_TAG_TD: case GUMBO_TAG_TH:
    case GUMBO_TAG_BR: case GUMBO_TAG_HTML:
      return true;
    default:
      return false;
  }
}

bool IsHeading(int tag) { return tag >= GUMBO_TAG_H1 && tag <= GUMBO_TAG_H6; }

// Subtrees that are never visible text.
bool IsSkippedTag(int tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH: case GUMBO_TAG_IFRAME: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_SELECT: case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_CANVAS: case GUMBO_TAG_VIDEO: case GUMBO_TAG_AUDIO: case GUMBO_TAG_MAP:
    case GUMBO_TAG_BUTTON: case GUMBO_TAG_TITLE:
      return true;
    default:
      return false;
  }
}

// Visible length of a text node (whitespace collapsed) and its commas.
void MeasureText(std::string_view s, uint32_t* len, uint32_t* commas) {
  uint32_t n = 0, c = 0;
  bool space = true;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char ch = s[i];
    if (IsSpace(ch)) {
      if (!space) ++n;
      space = true;
      continue;
    }
    space = false;
    ++n;
    if (ch == ',') ++c;
    // U+FF0C FULLWIDTH COMMA and U+3001 IDEOGRAPHIC COMMA, for CJK text.
    if (ch == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBC &&
        static_cast<unsigned char>(s[i + 2]) == 0x8C) {
      ++c;
    } else if (ch == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               static_cast<unsigned char>(s[i + 2]) == 0x81) {
      ++c;
    }
  }
  *len = n;
  *commas = c;
}

// Metadata gathered during the table walk. Pointers are into the Gumbo tree.
struct MetaTag {
  std::string key;        // lower-cased name/property/itemprop/http-equiv
  const char* content;
};

struct Collected {
  const char* title = nullptr;      // <title> text node
  const char* base_href = nullptr;
  const char* canonical = nullptr;
  const char* lang = nullptr;
  std::vector<MetaTag> metas;
  std::vector<uint32_t> author_nodes;   // rel=author, itemprop=author, byline classes
  std::vector<std::pair<uint32_t, const char*>> times;  // <time datetime>
  std::vector<uint32_t> semantic;       // article/main/body-class candidates
  uint32_t body = 0;
  uint32_t first_h1 = 0;
  bool have_body = false;
  bool have_h1 = false;
};

constexpr size_t kMaxMetas = 512;

class Table {
 public:
  Table(const ExtractLimits& limits) : limits_(limits) {}

  void Build(const GumboNode* root, Collected* got);
  std::vector<Node> nodes;

 private:
  void VisitElement(const GumboNode* g, uint32_t idx, Collected* got);

  const ExtractLimits& limits_;
};

bool IsArticleType(std::string_view t);

bool AllDigits(std::string_view s);

// "Image 3 of 12", "photo 1/5": slideshow counters.
bool IsGalleryCounter(std::string_view c) {
  for (std::string_view w : {"image ", "photo ", "picture ", "slide "}) {
    if (StartsWith(c, w)) {
      c.remove_prefix(w.size());
      break;
    }
  }
  size_t k = 0;
  while (k < c.size() && IsAsciiDigit(c[k])) ++k;
  if (k == 0) return false;
  c.remove_prefix(k);
  if (StartsWith(c, " of ")) {
    c.remove_prefix(4);
  } else if (StartsWith(c, " / ")) {
    c.remove_prefix(3);
  } else if (StartsWith(c, "/")) {
    c.remove_prefix(1);
  } else {
    return false;
  }
  return AllDigits(c);
}

void ClassIdLower(const GumboElement& el, char* buf, size_t cap, size_t* cls_len, size_t* total) {
  size_t n = 0;
  const char* cls = Attr(el, "class");
  if (cls != nullptr) {
    for (const char* p = cls; *p != '\0' && n + 1 < cap; ++p) buf[n++] = AsciiLower(*p);
  }
  *cls_len = n;
  const char* id = Attr(el, "id");
  if (id != nullptr) {
    if (n + 1 < cap) buf[n++] = ' ';
    for (const char* p = id; *p != '\0' && n + 1 < cap; ++p) buf[n++] = AsciiLower(*p);
  }
  *total = n;
}

// Sidebar widgets are boilerplate, but page builders (Elementor, WordPress
// text widgets) also put article text in "widget-text-editor" blocks.
bool TextWidget(std::string_view s) {
  return Contains(s, "text") || Contains(s, "content") || Contains(s, "editor") ||
         Contains(s, "body") || Contains(s, "post");
}

int32_t WeightOf(std::string_view s) {
  if (s.empty()) return 0;
  int32_t w = 0;
  if (ContainsAny(s, kNegative) || (Contains(s, "widget") && !TextWidget(s))) w -= 25;
  if (ContainsAny(s, kPositive)) w += 25;
  return w;
}

void Table::VisitElement(const GumboNode* g, uint32_t idx, Collected* got) {
  Node& n = nodes[idx];
  const GumboElement& el = g->v.element;
  const int tag = n.tag;
  char buf[320];
  size_t cls_len = 0, total = 0;
  ClassIdLower(el, buf, sizeof(buf), &cls_len, &total);
  const std::string_view all(buf, total);
  const std::string_view cls(buf, cls_len);
  const std::string_view id = total > cls_len ? all.substr(cls_len + 1) : std::string_view();

  if (!all.empty()) {
    n.weight = WeightOf(cls) + WeightOf(id);
    if (ContainsAny(all, kUnlikely) && !ContainsAny(all, kMaybeCandidate) &&
        tag != GUMBO_TAG_BODY && tag != GUMBO_TAG_A && tag != GUMBO_TAG_HTML) {
      n.flags |= kUnlikelyEl;
    }
    bool boiler = ContainsAny(all, kBoilerplate);
    bool hidden = false;
    ForEachToken(all, [&](std::string_view t) {
      for (std::string_view b : kBoilerplateTokens) boiler |= t == b;
      for (std::string_view h : kHiddenTokens) hidden |= t == h;
      // "nav-..." / "...-nav" / "ad-slot" style tokens.
      boiler |= StartsWith(t, "nav-") || StartsWith(t, "nav_") || StartsWith(t, "ad-") ||
                StartsWith(t, "ad_") || StartsWith(t, "ads-") || StartsWith(t, "ads_");
      boiler |= t.size() > 4 && (t.substr(t.size() - 4) == "-nav" || t.substr(t.size() - 4) == "_nav" ||
                                 t.substr(t.size() - 3) == "-ad" || t.substr(t.size() - 4) == "-ads");
      boiler |= t == "cta" || StartsWith(t, "cta-") || StartsWith(t, "cta_");
      boiler |= Contains(t, "widget") && !TextWidget(all);
    });
    // Embedded posts (tweets, Instagram) quoted by an article are content,
    // though their wrappers are named "social-embed" and the like.
    if (boiler && (Contains(all, "embed") || tag == GUMBO_TAG_BLOCKQUOTE) &&
        !Contains(all, "comment") && !Contains(all, "share")) {
      boiler = false;
    }
    if (boiler) n.flags |= kBoiler;
    if (Contains(all, "embed") || Contains(all, "tweet") || Contains(all, "instagram-media")) {
      n.flags |= kEmbed;
    }
    if (hidden || ContainsAny(all, kHoverOnly)) n.flags |= kHidden;
    if (ContainsAny(all, kBodyStrong)) n.flags |= kBodyStrongEl;
    if (ContainsAny(all, kBodyWeak) || id == "content" || cls == "content" || id == "story" ||
        cls == "story" || id == "article" || cls == "text") {
      n.flags |= kBodyWeakEl;
    }
  }
  if (Attr(el, "hidden") != nullptr) n.flags |= kHidden;
  if (const char* ah = Attr(el, "aria-hidden")) {
    if (EqualsIgnoreCase(TrimView(ah), "true")) n.flags |= kHidden;
  }
  if (const char* style = Attr(el, "style")) {
    char sb[256];
    size_t k = 0;
    for (const char* p = style; *p != '\0' && k + 1 < sizeof(sb); ++p) {
      if (!IsSpace(*p)) sb[k++] = AsciiLower(*p);
    }
    const std::string_view sv(sb, k);
    if (Contains(sv, "display:none") || Contains(sv, "visibility:hidden")) n.flags |= kHidden;
  }
  if (const char* role = Attr(el, "role")) {
    const std::string_view r = TrimView(role);
    if (EqualsIgnoreCase(r, "navigation") || EqualsIgnoreCase(r, "complementary") ||
        EqualsIgnoreCase(r, "menu") || EqualsIgnoreCase(r, "menubar") ||
        EqualsIgnoreCase(r, "contentinfo") || EqualsIgnoreCase(r, "banner") ||
        EqualsIgnoreCase(r, "dialog") || EqualsIgnoreCase(r, "alertdialog") ||
        EqualsIgnoreCase(r, "alert") || EqualsIgnoreCase(r, "search") ||
        EqualsIgnoreCase(r, "toolbar")) {
      n.flags |= kBoiler | kUnlikelyEl;
    } else if (EqualsIgnoreCase(r, "main")) {
      n.flags |= kRoleMain;
    } else if (EqualsIgnoreCase(r, "article")) {
      n.flags |= kBodyWeakEl;
    }
  }
  if (const char* ip = Attr(el, "itemprop")) {
    if (HasToken(ip, "articlebody")) n.flags |= kItemBody;
    if (HasToken(ip, "author") && got->author_nodes.size() < 16) got->author_nodes.push_back(idx);
  }
  if (const char* itemtype = Attr(el, "itemtype")) {
    // Microdata article items: "http://schema.org/NewsArticle" etc.
    std::string_view t = TrimView(itemtype);
    const size_t slash = t.rfind('/');
    if (slash != std::string_view::npos) t.remove_prefix(slash + 1);
    if (IsArticleType(t)) n.flags |= kItemArticle;
  }
  if ((n.flags & (kItemBody | kBodyStrongEl | kBodyWeakEl | kRoleMain | kItemArticle)) ||
      tag == GUMBO_TAG_ARTICLE || tag == GUMBO_TAG_MAIN) {
    if (got->semantic.size() < 4096) got->semantic.push_back(idx);
  }

  switch (tag) {
    case GUMBO_TAG_BODY:
      if (!got->have_body) {
        got->have_body = true;
        got->body = idx;
      }
      break;
    case GUMBO_TAG_H1:
      if (!got->have_h1) {
        got->have_h1 = true;
        got->first_h1 = idx;
      }
      break;
    case GUMBO_TAG_HTML:
      if (got->lang == nullptr) got->lang = Attr(el, "lang");
      if (got->lang == nullptr) got->lang = Attr(el, "xml:lang");
      break;
    case GUMBO_TAG_BASE:
      if (got->base_href == nullptr) got->base_href = Attr(el, "href");
      break;
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_A: {
      const char* rel = Attr(el, "rel");
      if (rel == nullptr) break;
      if (tag == GUMBO_TAG_LINK && got->canonical == nullptr && HasToken(rel, "canonical")) {
        got->canonical = Attr(el, "href");
      }
      if (tag == GUMBO_TAG_A && HasToken(rel, "author") && got->author_nodes.size() < 16) {
        got->author_nodes.push_back(idx);
      }
      break;
    }
    case GUMBO_TAG_META: {
      const char* content = Attr(el, "content");
      if (content == nullptr || got->metas.size() >= kMaxMetas) break;
      for (const char* k : {"property", "name", "itemprop", "http-equiv"}) {
        if (const char* key = Attr(el, k)) {
          got->metas.push_back({AsciiLower(TrimView(key).substr(0, 128)), content});
        }
      }
      break;
    }
    case GUMBO_TAG_TIME:
      if (const char* dt = Attr(el, "datetime")) {
        if (got->times.size() < 64) got->times.emplace_back(idx, dt);
      }
      break;
    default:
      break;
  }
  if (!cls.empty() && got->author_nodes.size() < 16 && tag != GUMBO_TAG_BODY &&
      tag != GUMBO_TAG_HTML) {
    if (Contains(cls, "byline") || HasToken(cls, "author") || Contains(cls, "author-name") ||
        Contains(cls, "authorname") || Contains(cls, "byline__name")) {
      got->author_nodes.push_back(idx);
    }
  }
}

void Table::Build(const GumboNode* root, Collected* got) {
  struct Item {
    const GumboNode* g;
    int32_t parent;
    uint16_t depth;
    uint32_t inherit;  // flags inherited from ancestors
  };
  std::vector<Item> stack;
  stack.reserve(256);
  nodes.reserve(4096);
  if (root == nullptr) return;
  if (root->type == GUMBO_NODE_DOCUMENT) {
    const GumboVector& ch = root->v.document.children;
    for (unsigned i = ch.length; i > 0; --i) {
      stack.push_back({static_cast<const GumboNode*>(ch.data[i - 1]), -1, 1, 0});
    }
  } else {
    stack.push_back({root, -1, 1, 0});
  }
  while (!stack.empty() && nodes.size() < limits_.max_nodes) {
    const Item it = stack.back();
    stack.pop_back();
    const GumboNode* g = it.g;
    if (g->type == GUMBO_NODE_TEXT || g->type == GUMBO_NODE_WHITESPACE ||
        g->type == GUMBO_NODE_CDATA) {
      nodes.emplace_back();
      Node& n = nodes.back();
      n.g = g;
      n.parent = it.parent;
      n.depth = it.depth;
      n.flags = kIsText | it.inherit;
      if (!(n.flags & kInHidden)) MeasureText(g->v.text.text, &n.text, &n.commas);
      if (n.flags & kInLink) n.link = n.text;
      continue;
    }
    if (g->type != GUMBO_NODE_ELEMENT && g->type != GUMBO_NODE_TEMPLATE) continue;
    const GumboElement& el = g->v.element;
    int tag = el.tag_namespace == GUMBO_NAMESPACE_HTML ? el.tag : GUMBO_TAG_UNKNOWN;
    if (el.tag_namespace != GUMBO_NAMESPACE_HTML) {
      // Foreign content (SVG, MathML) is never article text.
      continue;
    }
    const uint32_t idx = static_cast<uint32_t>(nodes.size());
    nodes.emplace_back();
    nodes.back().g = g;
    nodes.back().parent = it.parent;
    nodes.back().depth = it.depth;
    nodes.back().tag = static_cast<uint16_t>(tag);
    nodes.back().flags = it.inherit;
    VisitElement(g, idx, got);
    Node& n = nodes[idx];
    if (n.flags & kHidden) n.flags |= kInHidden;
    if (n.flags & kUnlikelyEl) n.flags |= kInUnlikely;
    if (tag == GUMBO_TAG_TITLE && got->title == nullptr && el.children.length > 0) {
      const auto* c = static_cast<const GumboNode*>(el.children.data[0]);
      if (c->type == GUMBO_NODE_TEXT) got->title = c->v.text.text;
    }
    if (IsSkippedTag(tag)) continue;
    if (it.depth >= std::min<size_t>(limits_.max_depth, 65535)) continue;
    // <head> is walked for its metadata only.
    if (tag == GUMBO_TAG_HEAD) n.flags |= kInHidden;
    uint32_t inherit = n.flags & (kInHidden | kInUnlikely | kInLink | kInPre);
    if (tag == GUMBO_TAG_A) inherit |= kInLink;
    if (tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_LISTING) inherit |= kInPre;
    for (unsigned i = el.children.length; i > 0; --i) {
      stack.push_back({static_cast<const GumboNode*>(el.children.data[i - 1]),
                       static_cast<int32_t>(idx), static_cast<uint16_t>(it.depth + 1), inherit});
    }
  }
  // Post-order sums: children follow their parent in pre-order, so one
  // reverse pass sees every child before its parent.
  const size_t count = nodes.size();
  for (size_t i = 0; i < count; ++i) nodes[i].end = static_cast<uint32_t>(i + 1);
  for (size_t i = count; i > 0; --i) {
    Node& n = nodes[i - 1];
    if (IsHeading(n.tag)) n.heading = n.text;
    switch (n.tag) {
      case GUMBO_TAG_P: ++n.p; break;
      case GUMBO_TAG_LI: ++n.li; break;
      case GUMBO_TAG_IMG: ++n.img; break;
      case GUMBO_TAG_INPUT: ++n.input; break;
      case GUMBO_TAG_EMBED: case GUMBO_TAG_OBJECT: case GUMBO_TAG_IFRAME: case GUMBO_TAG_VIDEO:
        ++n.embed;
        break;
      default: break;
    }
    if (n.parent < 0) continue;
    Node& p = nodes[n.parent];
    p.end = std::max(p.end, n.end);
    p.text += n.text;
    p.link += n.link;
    p.heading += n.heading;
    p.commas += n.commas;
    p.p += n.p;
    p.li += n.li;
    p.img += n.img;
    p.input += n.input;
    p.embed += n.embed;
    if (!(n.flags & kIsText) && IsBlockTag(n.tag) && n.tag != GUMBO_TAG_BR) {
      p.flags |= kHasBlockChild;
    }
    p.flags |= n.flags & (kDescTable | kDescBlock);
    if (n.tag == GUMBO_TAG_TABLE) p.flags |= kDescTable;
    switch (n.tag) {
      case GUMBO_TAG_P: case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_BLOCKQUOTE:
      case GUMBO_TAG_PRE: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
      case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_SECTION:
      case GUMBO_TAG_ARTICLE: case GUMBO_TAG_DL:
        p.flags |= kDescBlock;
        break;
      default: break;
    }
  }
  // Junk blocks: a small block whose whole text is e.g. "Advertisement".
  for (size_t i = 0; i < count; ++i) {
    Node& n = nodes[i];
    if ((n.flags & kIsText) || n.text == 0 || n.text > 40) continue;
    if (!IsBlockTag(n.tag) && n.tag != GUMBO_TAG_SPAN) continue;
    std::string t;
    const uint32_t stop = std::min<uint32_t>(n.end, static_cast<uint32_t>(i) + kScanNodes);
    for (uint32_t j = static_cast<uint32_t>(i) + 1; j < stop; ++j) {
      if (nodes[j].flags & kIsText) t.append(nodes[j].g->v.text.text).push_back(' ');
    }
    const std::string c = AsciiLower(Collapse(t, 64));
    for (std::string_view j : kJunkBlocks) {
      if (c == j) n.flags |= kJunk;
    }
    if (IsGalleryCounter(c)) n.flags |= kJunk;
  }
}

float LinkDensity(const Node& n) {
  return n.text == 0 ? 0.f : static_cast<float>(n.link) / static_cast<float>(n.text);
}

// ---------------------------------------------------------------------------
// Readability-style candidate scoring.

struct ScoreOptions {
  bool strip_unlikely = true;
  bool weight_classes = true;
};

float TagBase(int tag) {
  switch (tag) {
    case GUMBO_TAG_DIV: return 5;
    case GUMBO_TAG_PRE: case GUMBO_TAG_TD: case GUMBO_TAG_BLOCKQUOTE: return 3;
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_OL: case GUMBO_TAG_UL: case GUMBO_TAG_DL:
    case GUMBO_TAG_DD: case GUMBO_TAG_DT: case GUMBO_TAG_LI: case GUMBO_TAG_FORM:
      return -3;
    case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
    case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_TH:
      return -5;
    default: return 0;
  }
}

// Adds a paragraph's score to up to five ancestors, starting at `a`.
void AddToAncestors(std::vector<Node>& nodes, int32_t a, uint32_t text, uint32_t commas,
                    const ScoreOptions& opt) {
  const float s = 1.f + static_cast<float>(commas) + std::min(static_cast<float>(text / 100), 3.f);
  for (int level = 0; level < 5 && a >= 0; ++level, a = nodes[a].parent) {
    Node& an = nodes[a];
    if (an.tag == GUMBO_TAG_HTML) break;
    if (!an.scored) {
      an.scored = true;
      an.score = TagBase(an.tag) + (opt.weight_classes ? static_cast<float>(an.weight) : 0.f);
    }
    const float div = level == 0 ? 1.f : level == 1 ? 2.f : static_cast<float>(level * 3);
    an.score += s / div;
  }
}

// Returns the index of the top candidate, or -1.
int32_t ScoreCandidates(std::vector<Node>& nodes, const ScoreOptions& opt) {
  const size_t count = nodes.size();
  for (Node& n : nodes) {
    n.score = 0;
    n.scored = false;
  }
  for (size_t i = 0; i < count; ++i) {
    const Node& n = nodes[i];
    if (n.flags & (kIsText | kInHidden)) continue;
    if (opt.strip_unlikely && (n.flags & kInUnlikely)) continue;
    bool para = false;
    switch (n.tag) {
      case GUMBO_TAG_P: case GUMBO_TAG_PRE: case GUMBO_TAG_TD:
        para = true;
        break;
      case GUMBO_TAG_DIV: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE:
        para = !(n.flags & kHasBlockChild);
        break;
      default: break;
    }
    if (!para && (n.flags & kHasBlockChild) && n.tag != GUMBO_TAG_BODY && n.tag != GUMBO_TAG_HTML) {
      // Loose inline content between block children counts as paragraphs of
      // this element (readability wraps such runs in <p>).
      uint32_t run = 0, run_commas = 0;
      auto flush = [&]() {
        if (run >= 25) {
          AddToAncestors(nodes, static_cast<int32_t>(i), run, run_commas, opt);
        }
        run = run_commas = 0;
      };
      for (uint32_t c = static_cast<uint32_t>(i) + 1; c < n.end; c = nodes[c].end) {
        const Node& cn = nodes[c];
        if (!(cn.flags & kIsText) && IsBlockTag(cn.tag) && cn.tag != GUMBO_TAG_BR) {
          flush();
          continue;
        }
        if (cn.flags & kInHidden) continue;
        run += cn.text;
        run_commas += cn.commas;
      }
      flush();
    }
    if (!para || n.text < 25) continue;
    AddToAncestors(nodes, n.parent, n.text, n.commas, opt);
  }
  int32_t best = -1;
  for (size_t i = 0; i < count; ++i) {
    Node& n = nodes[i];
    if (!n.scored) continue;
    n.score *= 1.f - LinkDensity(n);
    if (best < 0 || n.score > nodes[best].score) best = static_cast<int32_t>(i);
  }
  return best;
}

bool Within(const std::vector<Node>& nodes, uint32_t outer, uint32_t inner) {
  return inner >= outer && inner < nodes[outer].end;
}

// Readability's refinement of the top candidate: a common ancestor of several
// near-top candidates, a better-scoring parent, and only-child wrappers.
uint32_t RefineTop(const std::vector<Node>& nodes, uint32_t top, uint32_t body) {
  std::vector<uint32_t> alts;
  {
    // The four best other candidates.
    std::vector<std::pair<float, uint32_t>> tops;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].scored && i != top) tops.emplace_back(nodes[i].score, static_cast<uint32_t>(i));
    }
    const size_t k = std::min<size_t>(4, tops.size());
    std::partial_sort(tops.begin(), tops.begin() + k, tops.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t i = 0; i < k; ++i) {
      if (tops[i].first / std::max(nodes[top].score, 1e-6f) >= 0.75f) alts.push_back(tops[i].second);
    }
  }
  if (alts.size() >= 3) {
    for (int32_t a = nodes[top].parent; a >= 0 && static_cast<uint32_t>(a) != body; a = nodes[a].parent) {
      int containing = 0;
      for (uint32_t x : alts) containing += Within(nodes, a, x);
      if (containing >= 3) {
        top = static_cast<uint32_t>(a);
        break;
      }
    }
  }
  float last = nodes[top].score;
  const float threshold = last / 3;
  for (int32_t a = nodes[top].parent; a >= 0 && static_cast<uint32_t>(a) != body; a = nodes[a].parent) {
    if (!nodes[a].scored) continue;
    if (nodes[a].score < threshold) break;
    if (nodes[a].score > last) {
      top = static_cast<uint32_t>(a);
      break;
    }
    last = nodes[a].score;
  }
  // Climb only-child wrappers.
  while (true) {
    const int32_t p = nodes[top].parent;
    if (p < 0 || static_cast<uint32_t>(p) == body || nodes[p].tag == GUMBO_TAG_HTML) break;
    int elements = 0;
    for (uint32_t c = p + 1; c < nodes[p].end; c = nodes[c].end) {
      if (!(nodes[c].flags & kIsText)) ++elements;
    }
    if (elements != 1) break;
    top = static_cast<uint32_t>(p);
  }
  return top;
}

bool EndsSentence(const std::vector<Node>& nodes, uint32_t i) {
  // Readability: a short paragraph is kept if it contains ". " or ends with '.'.
  for (uint32_t j = i + 1; j < nodes[i].end; ++j) {
    if (!(nodes[j].flags & kIsText)) continue;
    const std::string_view t = nodes[j].g->v.text.text;
    if (Contains(t, ". ")) return true;
    const std::string_view tt = TrimView(t);
    if (!tt.empty() && tt.back() == '.') return true;
  }
  return false;
}

// The top candidate plus those of its siblings that look like more of the same.
std::vector<uint32_t> MergeSiblings(const std::vector<Node>& nodes, uint32_t top) {
  std::vector<uint32_t> roots;
  const int32_t parent = nodes[top].parent;
  if (parent < 0) return {top};
  const float threshold = std::max(10.f, nodes[top].score * 0.2f);
  const char* top_class = Attr(nodes[top].g->v.element, "class");
  for (uint32_t c = parent + 1; c < nodes[parent].end; c = nodes[c].end) {
    const Node& n = nodes[c];
    if (n.flags & kIsText) continue;
    if (c == top) {
      roots.push_back(c);
      continue;
    }
    if (n.flags & (kInHidden | kBoiler)) continue;
    float bonus = 0;
    const char* cl = Attr(n.g->v.element, "class");
    if (top_class != nullptr && cl != nullptr && *top_class != '\0' && std::strcmp(cl, top_class) == 0) {
      bonus = nodes[top].score * 0.2f;
    }
    bool append = n.scored && n.score + bonus >= threshold;
    if (!append && n.tag == GUMBO_TAG_P) {
      const float ld = LinkDensity(n);
      if (n.text > 80 && ld < 0.25f) {
        append = true;
      } else if (n.text < 80 && n.text > 0 && ld == 0 && EndsSentence(nodes, c)) {
        append = true;
      }
    }
    if (append) roots.push_back(c);
  }
  return roots;
}

// ---------------------------------------------------------------------------
// Pruning inside the chosen container.

// Lower-case ASCII letters and digits (other bytes kept), one space between
// words: how headline copies are recognized.
std::string TitleKey(std::string_view s) {
  std::string out;
  bool space = false;
  for (unsigned char c : s) {
    const bool word = IsAsciiAlnum(static_cast<char>(c)) || c >= 0x80;
    if (!word) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(AsciiLower(static_cast<char>(c)));
  }
  return out;
}

// What the pruner knows about the page: its headline, in TitleKey form.
struct PageContext {
  std::vector<std::string> titles;
  bool have_h1 = false;
  uint32_t first_h1 = 0;
};

class Pruner {
 public:
  Pruner(const std::vector<Node>& nodes, uint32_t root_text, const PageContext& page)
      : nodes_(nodes), root_text_(root_text), page_(page) {}

  // True when element `i` (not a root) and its subtree are left out.
  bool Drop(uint32_t i) const {
    const Node& n = nodes_[i];
    if (n.flags & (kHidden | kJunk)) return true;
    if (IsTitleCopy(i) || IsDateline(i)) return true;
    // The headline: the page's first <h1> (later ones are section headings
    // on sites that use only h1) or one that repeats the title (above).
    if (n.tag == GUMBO_TAG_H1 && page_.have_h1 && i == page_.first_h1) return true;
    const bool big = n.text * 2 > root_text_;  // holds most of the content
    switch (n.tag) {
      case GUMBO_TAG_NAV: case GUMBO_TAG_ASIDE: case GUMBO_TAG_FOOTER: case GUMBO_TAG_INPUT:
      case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_MENU:
      case GUMBO_TAG_ADDRESS:
        return !big;
      case GUMBO_TAG_FORM: case GUMBO_TAG_HEADER: case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIELDSET:
        return !big;
      default: break;
    }
    if (IsSkippedTag(n.tag)) return true;
    if ((n.flags & kBoiler) && !big) return true;
    if (n.text == 0) return false;  // images, line breaks
    if (IsHeading(n.tag)) {
      return n.weight < 0 || LinkDensity(n) > 0.5f;
    }
    switch (n.tag) {
      case GUMBO_TAG_DIV: case GUMBO_TAG_SECTION: case GUMBO_TAG_UL: case GUMBO_TAG_OL:
      case GUMBO_TAG_TABLE: case GUMBO_TAG_DL: case GUMBO_TAG_P:
        return !big && ConditionallyDrop(n);
      default:
        return false;
    }
  }

 private:
  // Readability's _cleanConditionally, somewhat more lenient.
  bool ConditionallyDrop(const Node& n) const {
    if (n.flags & kEmbed) return false;  // quoted posts are link-heavy by nature
    if (n.weight < 0 && n.tag != GUMBO_TAG_P) return true;
    const float ld = LinkDensity(n);
    const bool list = n.tag == GUMBO_TAG_UL || n.tag == GUMBO_TAG_OL;
    if (n.tag == GUMBO_TAG_P) {
      return ld > 0.6f && n.text < 1000;
    }
    if (n.commas >= 10) return false;
    if (n.input > n.p / 3 + 0) return n.input > 1 || n.p == 0;
    if (list) {
      return ld > 0.5f;
    }
    if (n.tag != GUMBO_TAG_TABLE && n.li > n.p + 3 && ld > 0.3f) return true;
    if (n.text < 25 && ld > 0) return true;
    if (n.weight < 25 && ld > 0.35f) return true;
    if (n.weight >= 25 && ld > 0.5f) return true;
    if ((n.embed == 1 && n.text < 75) || n.embed > 1) return true;
    return false;
  }

  // A short block that is a byline or dateline ("By Jane Doe",
  // "Updated at 1:23 p.m.", "First published on ...").
  bool IsDateline(uint32_t i) const {
    static constexpr std::array<std::string_view, 16> kStarts = {
        "by ", "published", "updated", "posted", "first published", "last updated",
        "last modified", "publicado", "actualizado", "atualizado", "veröffentlicht",
        "aktualisiert", "mis à jour", "publié", "pubblicato", "aggiornato"};
    const Node& n = nodes_[i];
    if (n.text == 0 || n.text > 100) return false;
    switch (n.tag) {
      case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_SPAN: case GUMBO_TAG_SMALL:
        break;
      default:
        return false;
    }
    std::string raw;
    for (uint32_t j = i + 1; j < std::min(n.end, i + kScanNodes) && raw.size() < 256; ++j) {
      if (nodes_[j].flags & kIsText) raw.append(nodes_[j].g->v.text.text).push_back(' ');
    }
    std::string t = Collapse(raw, 200);
    for (char& c : t) c = AsciiLower(c);
    for (std::string_view p : kStarts) {
      if (StartsWith(t, p)) return p != "by " || t.size() <= 60;
    }
    return false;
  }

  // A block repeating the headline.
  bool IsTitleCopy(uint32_t i) const {
    const Node& n = nodes_[i];
    if (n.text == 0 || n.text > 400 || !(IsBlockTag(n.tag) || n.tag == GUMBO_TAG_SPAN)) return false;
    bool near = false;
    for (const std::string& t : page_.titles) {
      near |= !t.empty() && n.text + 8 >= t.size() / 2 && n.text <= t.size() * 2 + 8;
    }
    if (!near) return false;
    std::string raw;
    for (uint32_t j = i + 1; j < std::min(n.end, i + kScanNodes); ++j) {
      if (nodes_[j].flags & kIsText) raw.append(nodes_[j].g->v.text.text).push_back(' ');
    }
    const std::string key = TitleKey(raw);
    for (const std::string& t : page_.titles) {
      if (!t.empty() && key == t) return true;
    }
    return false;
  }

  const std::vector<Node>& nodes_;
  const uint32_t root_text_;
  const PageContext& page_;
};

// Text bytes of the roots after pruning.
uint32_t PrunedText(const std::vector<Node>& nodes, const std::vector<uint32_t>& roots,
                    const PageContext& page) {
  uint32_t total = 0;
  for (uint32_t r : roots) total += nodes[r].text;
  Pruner pruner(nodes, total, page);
  uint32_t kept = 0;
  for (uint32_t r : roots) {
    for (uint32_t i = r; i < nodes[r].end;) {
      const Node& n = nodes[i];
      if (n.flags & kIsText) {
        kept += n.text;
        ++i;
      } else if (i != r && pruner.Drop(i)) {
        i = n.end;
      } else {
        ++i;
      }
    }
  }
  return kept;
}

// ---------------------------------------------------------------------------
// Rendering to text and Markdown.

class Renderer {
 public:
  Renderer(const std::vector<Node>& nodes, const PageContext& page, const UrlResolver* resolver,
           bool have_base, size_t cap, size_t max_headings)
      : nodes_(nodes), page_(page), resolver_(resolver), have_base_(have_base), cap_(cap),
        max_headings_(max_headings) {}

  void Render(const std::vector<uint32_t>& roots, bool markdown);

  std::string text;
  std::string md;
  std::vector<ArticleHeading> headings;

 private:
  struct Ctx {
    bool quote;          // "> " level, else a list item
    std::string marker;  // list item marker ("- ", "3. ")
    bool used = false;   // marker already printed
  };
  struct ListState {
    bool ordered;
    int counter;
  };
  struct Open {
    uint32_t idx;
    size_t mark;     // md_line_ size at open (inline wrappers)
    uint8_t kind;
    uint64_t gen;    // Renderer::gen_ at open
  };
  enum OpenKind : uint8_t {
    kOpenNone, kOpenBlock, kOpenHeading, kOpenQuote, kOpenList, kOpenItem, kOpenPre,
    kOpenLink, kOpenEm, kOpenStrong, kOpenCode, kOpenTable, kOpenRow, kOpenCell
  };

  void OpenElement(uint32_t i);
  void CloseElement(const Open& o);
  void AddText(std::string_view s);
  void MaterializeSpace();
  void FlushBlock();
  void EmitMd(const std::string& content);
  void EmitTable();
  void TextLine(std::string_view s);
  bool ResolveUrl(const char* ref, std::string* out) const;
  void AppendEscaped(std::string_view w);
  std::string TakeInline();
  void CloseInline(const Open& o, const char* opener, std::string_view closer);
  bool full() const { return text.size() >= cap_ || md.size() >= cap_; }

  const std::vector<Node>& nodes_;
  const PageContext& page_;
  const UrlResolver* resolver_;
  const bool have_base_;
  const size_t cap_;
  const size_t max_headings_;
  bool markdown_ = true;

  std::string line_;      // current text line
  std::string mdl_;       // current Markdown inline content
  bool pending_space_ = false;
  int heading_ = 0;       // level of the open heading, 0 if none
  int pre_ = 0;           // open <pre> count
  int code_ = 0;          // open inline <code> count
  int table_ = 0;         // open data tables
  std::vector<Ctx> ctx_;
  std::vector<ListState> lists_;
  std::vector<Open> open_;
  std::vector<std::vector<std::string>> rows_;  // current data table
  std::vector<std::string> link_urls_;          // targets of the open links
  // Inline markup openers ("[", "*", "**", "`") are inserted when their
  // element closes with content in the same block, so an empty or
  // block-spanning element leaves no stray marker. Applied by TakeInline().
  struct Insert {
    size_t pos;
    uint32_t seq;
    const char* s;
  };
  std::vector<Insert> inserts_;
  uint32_t seq_ = 0;
  uint64_t gen_ = 0;  // bumped whenever mdl_ is taken
  bool last_was_item_ = false;
  std::string last_rest_;  // continuation prefix of the last Markdown block
};

bool Renderer::ResolveUrl(const char* ref, std::string* out) const {
  if (ref == nullptr) return false;
  const std::string_view r = TrimView(ref);
  if (r.empty() || r.size() > 2048 || StartsWithIgnoreCase(r, "javascript:") ||
      StartsWithIgnoreCase(r, "data:") || r.front() == '#') {
    return false;
  }
  std::string resolved;
  const Status st = have_base_ ? resolver_->Resolve(r, &resolved) : CanonicalizeUrl(r, &resolved);
  if (!st.ok()) return false;
  out->clear();
  for (char c : resolved) {
    if (c == '(') {
      out->append("%28");
    } else if (c == ')') {
      out->append("%29");
    } else {
      out->push_back(c);
    }
  }
  return true;
}

void Renderer::AppendEscaped(std::string_view w) {
  if (code_ > 0 || pre_ > 0) {
    mdl_.append(w);
    return;
  }
  for (char c : w) {
    switch (c) {
      case '\\': case '`': case '*': case '_': case '[': case ']': case '<':
        mdl_.push_back('\\');
        break;
      case '|':
        if (table_ > 0) mdl_.push_back('\\');
        break;
      default: break;
    }
    mdl_.push_back(c);
  }
}

void Renderer::MaterializeSpace() {
  if (pending_space_) {
    if (!line_.empty()) line_.push_back(' ');
    if (!mdl_.empty()) mdl_.push_back(' ');
    pending_space_ = false;
  }
}

void Renderer::AddText(std::string_view s) {
  if (pre_ > 0) {
    for (char c : s) {
      if (c == '\r') continue;
      if (c == '\n') {
        TextLine(line_);
        line_.clear();
      } else {
        line_.push_back(c);
      }
    }
    if (markdown_) mdl_.append(s);
    return;
  }
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = s[i];
    if (IsSpace(c)) {
      pending_space_ = true;
      ++i;
      continue;
    }
    if (c == 0xC2 && i + 1 < n && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      pending_space_ = true;
      i += 2;
      continue;
    }
    size_t j = i + 1;
    while (j < n && !IsSpace(s[j]) &&
           !(static_cast<unsigned char>(s[j]) == 0xC2 && j + 1 < n &&
             static_cast<unsigned char>(s[j + 1]) == 0xA0)) {
      ++j;
    }
    if (pending_space_) {
      if (!line_.empty()) line_.push_back(' ');
      if (!mdl_.empty() && mdl_.back() != ' ') mdl_.push_back(' ');
      pending_space_ = false;
    }
    line_.append(s.substr(i, j - i));
    if (markdown_) AppendEscaped(s.substr(i, j - i));
    i = j;
  }
}

void Renderer::TextLine(std::string_view s) {
  s = TrimView(s);
  if (s.empty()) return;
  if (text.size() + s.size() + 1 > cap_) {
    size_t room = cap_ > text.size() ? cap_ - text.size() : 0;
    while (room > 0 && room < s.size() && (static_cast<unsigned char>(s[room]) & 0xC0) == 0x80) --room;
    text.append(s.substr(0, room));
    return;
  }
  text.append(s);
  text.push_back('\n');
}

void Renderer::EmitMd(const std::string& content) {
  if (!markdown_) return;
  std::string first, rest;
  bool new_item = false;
  for (Ctx& c : ctx_) {
    if (c.quote) {
      first += "> ";
      rest += "> ";
    } else {
      if (!c.used) {
        first += c.marker;
        c.used = true;
        new_item = true;
      } else {
        first.append(c.marker.size(), ' ');
      }
      rest.append(c.marker.size(), ' ');
    }
  }
  if (!md.empty()) {
    // Tight lists: no blank line between items. The blank line keeps only
    // the quote/indent levels the two blocks share.
    if (!(new_item && last_was_item_)) {
      size_t k = 0;
      while (k < rest.size() && k < last_rest_.size() && rest[k] == last_rest_[k]) ++k;
      std::string blank = rest.substr(0, k);
      while (!blank.empty() && blank.back() == ' ') blank.pop_back();
      md.append(blank).push_back('\n');
    }
  }
  last_rest_ = rest;
  last_was_item_ = !ctx_.empty() && !ctx_.back().quote;
  size_t start = 0;
  bool first_line = true;
  while (start <= content.size()) {
    size_t e = content.find('\n', start);
    if (e == std::string::npos) e = content.size();
    md.append(first_line ? first : rest);
    md.append(content, start, e - start);
    md.push_back('\n');
    first_line = false;
    start = e + 1;
  }
}

void Renderer::FlushBlock() {
  if (table_ > 0) {
    pending_space_ = true;
    return;
  }
  TextLine(line_);
  line_.clear();
  pending_space_ = false;
  if (!markdown_) {
    mdl_.clear();
    return;
  }
  const std::string taken = TakeInline();
  std::string_view c = TrimView(taken);
  if (!c.empty()) {
    std::string content;
    if (heading_ > 0) {
      content.assign(static_cast<size_t>(heading_), '#');
      content.push_back(' ');
      content.append(c);
    } else {
      // A paragraph must not start like another block construct.
      const char f = c.front();
      if (f == '#' || f == '>' || f == '-' || f == '+' || f == '=' || f == '~') {
        content.push_back('\\');
        content.append(c);
      } else if (f >= '0' && f <= '9') {
        size_t k = 0;
        while (k < c.size() && c[k] >= '0' && c[k] <= '9') ++k;
        if (k < c.size() && (c[k] == '.' || c[k] == ')')) {
          content.append(c.substr(0, k)).push_back('\\');
          content.append(c.substr(k));
        } else {
          content.append(c);
        }
      } else {
        content.append(c);
      }
    }
    EmitMd(content);
  }
}

std::string Renderer::TakeInline() {
  ++gen_;
  if (inserts_.empty()) {
    std::string out = std::move(mdl_);
    mdl_.clear();
    return out;
  }
  // Equal positions: the outer element (inserted later) opens first.
  std::sort(inserts_.begin(), inserts_.end(), [](const Insert& a, const Insert& b) {
    return a.pos != b.pos ? a.pos < b.pos : a.seq > b.seq;
  });
  std::string out;
  out.reserve(mdl_.size() + inserts_.size() * 2);
  size_t at = 0;
  for (const Insert& in : inserts_) {
    out.append(mdl_, at, in.pos - at);
    out.append(in.s);
    at = in.pos;
  }
  out.append(mdl_, at, std::string::npos);
  mdl_.clear();
  inserts_.clear();
  return out;
}

void Renderer::CloseInline(const Open& o, const char* opener, std::string_view closer) {
  if (o.gen != gen_) return;
  size_t end = mdl_.size();
  while (end > o.mark && mdl_[end - 1] == ' ') --end;
  if (end == o.mark) return;
  // Trailing spaces move outside the markup.
  const size_t spaces = mdl_.size() - end;
  mdl_.resize(end);
  inserts_.push_back({o.mark, seq_++, opener});
  mdl_.append(closer);
  mdl_.append(spaces, ' ');
}

void Renderer::EmitTable() {
  if (rows_.empty()) return;
  size_t cols = 0;
  for (const auto& r : rows_) cols = std::max(cols, r.size());
  if (cols == 0) {
    rows_.clear();
    return;
  }
  std::string out;
  for (size_t r = 0; r < rows_.size(); ++r) {
    out.push_back('|');
    for (size_t c = 0; c < cols; ++c) {
      out.push_back(' ');
      if (c < rows_[r].size()) out.append(rows_[r][c]);
      out.append(" |");
    }
    if (r == 0) {
      out.append("\n|");
      for (size_t c = 0; c < cols; ++c) out.append(" --- |");
    }
    if (r + 1 < rows_.size()) out.push_back('\n');
  }
  rows_.clear();
  EmitMd(out);
}

bool IsDataTable(const Node& n) {
  return !(n.flags & (kDescTable | kDescBlock)) && n.text > 0;
}

void Renderer::OpenElement(uint32_t i) {
  const Node& n = nodes_[i];
  const GumboElement& el = n.g->v.element;
  Open o{i, 0, kOpenNone, gen_};
  switch (n.tag) {
    case GUMBO_TAG_A: {
      if (!markdown_ || pre_ > 0) break;
      std::string url;
      if (ResolveUrl(Attr(el, "href"), &url)) {
        MaterializeSpace();
        o.mark = mdl_.size();
        o.kind = kOpenLink;
        link_urls_.push_back(std::move(url));
      }
      break;
    }
    case GUMBO_TAG_EM: case GUMBO_TAG_I:
      if (!markdown_ || pre_ > 0 || code_ > 0) break;
      MaterializeSpace();
      o.mark = mdl_.size();
      o.kind = kOpenEm;
      break;
    case GUMBO_TAG_STRONG: case GUMBO_TAG_B:
      if (!markdown_ || pre_ > 0 || code_ > 0) break;
      MaterializeSpace();
      o.mark = mdl_.size();
      o.kind = kOpenStrong;
      break;
    case GUMBO_TAG_CODE: case GUMBO_TAG_KBD: case GUMBO_TAG_SAMP: case GUMBO_TAG_TT:
      if (pre_ > 0 || code_ > 0) break;
      ++code_;
      if (markdown_) MaterializeSpace();
      o.mark = mdl_.size();
      o.kind = kOpenCode;
      break;
    case GUMBO_TAG_IMG: {
      if (!markdown_ || pre_ > 0) break;
      const char* src = Attr(el, "src");
      if (src == nullptr || StartsWithIgnoreCase(TrimView(src), "data:")) src = Attr(el, "data-src");
      std::string url;
      if (ResolveUrl(src, &url)) {
        MaterializeSpace();
        mdl_.append("![");
        const char* alt = Attr(el, "alt");
        if (alt != nullptr) AppendEscaped(Collapse(alt, 512));
        mdl_.append("](").append(url).push_back(')');
      }
      break;
    }
    case GUMBO_TAG_BR:
      if (pre_ > 0) {
        AddText("\n");
      } else {
        FlushBlock();
      }
      break;
    case GUMBO_TAG_TABLE:
      if (table_ == 0 && IsDataTable(n)) {
        FlushBlock();
        ++table_;
        o.kind = kOpenTable;
      } else if (table_ > 0) {
        ++table_;  // cannot happen for data tables; kept balanced anyway
        o.kind = kOpenTable;
      } else {
        FlushBlock();
        o.kind = kOpenBlock;
      }
      break;
    case GUMBO_TAG_TR:
      if (table_ > 0) {
        rows_.emplace_back();
        o.kind = kOpenRow;
      } else {
        FlushBlock();
        o.kind = kOpenBlock;
      }
      break;
    case GUMBO_TAG_TD: case GUMBO_TAG_TH:
      if (table_ > 0) {
        if (!line_.empty()) pending_space_ = true;
        MaterializeSpace();
        mdl_.clear();
        inserts_.clear();
        ++gen_;
        o.gen = gen_;
        o.kind = kOpenCell;
      } else {
        FlushBlock();
        o.kind = kOpenBlock;
      }
      break;
    case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
    case GUMBO_TAG_H5: case GUMBO_TAG_H6:
      FlushBlock();
      o.mark = static_cast<size_t>(heading_);
      heading_ = n.tag - GUMBO_TAG_H1 + 1;
      o.kind = kOpenHeading;
      break;
    case GUMBO_TAG_BLOCKQUOTE:
      FlushBlock();
      if (table_ == 0) ctx_.push_back({true, "", false});
      o.kind = kOpenQuote;
      break;
    case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_MENU: case GUMBO_TAG_DIR: {
      FlushBlock();
      int start = 1;
      if (const char* s = Attr(el, "start")) start = std::clamp(std::atoi(s), 0, 1000000000);
      lists_.push_back({n.tag == GUMBO_TAG_OL, start});
      o.kind = kOpenList;
      break;
    }
    case GUMBO_TAG_LI: {
      FlushBlock();
      if (table_ > 0) {
        o.kind = kOpenBlock;
        break;
      }
      std::string marker = "- ";
      if (!lists_.empty() && lists_.back().ordered) {
        marker = std::to_string(lists_.back().counter++) + ". ";
      }
      ctx_.push_back({false, marker, false});
      o.kind = kOpenItem;
      break;
    }
    case GUMBO_TAG_PRE: case GUMBO_TAG_LISTING:
      FlushBlock();
      if (table_ == 0) ++pre_;
      o.kind = kOpenPre;
      break;
    default:
      if (IsBlockTag(n.tag)) {
        FlushBlock();
        o.kind = kOpenBlock;
      }
      break;
  }
  if (IsHeading(n.tag) && headings.size() < max_headings_) {
    // Recorded from the node's own text so it matches what is rendered.
    std::string t;
    for (uint32_t j = i + 1; j < std::min(n.end, i + 4 * kScanNodes) && t.size() < 1024; ++j) {
      if (nodes_[j].flags & kIsText) t.append(nodes_[j].g->v.text.text).push_back(' ');
    }
    std::string c = Collapse(t, 512);
    if (!c.empty()) headings.push_back({n.tag - GUMBO_TAG_H1 + 1, std::move(c)});
  }
  open_.push_back(o);
}

void Renderer::CloseElement(const Open& o) {
  switch (o.kind) {
    case kOpenLink:
      CloseInline(o, "[", "](" + link_urls_.back() + ")");
      link_urls_.pop_back();
      break;
    case kOpenEm:
      CloseInline(o, "*", "*");
      break;
    case kOpenStrong:
      CloseInline(o, "**", "**");
      break;
    case kOpenCode:
      --code_;
      if (markdown_) CloseInline(o, "`", "`");
      break;
    case kOpenHeading:
      FlushBlock();
      heading_ = static_cast<int>(o.mark);
      break;
    case kOpenQuote:
      FlushBlock();
      if (table_ == 0 && !ctx_.empty()) ctx_.pop_back();
      break;
    case kOpenList:
      FlushBlock();
      if (!lists_.empty()) lists_.pop_back();
      // A following list must not continue this one.
      if (lists_.empty()) last_was_item_ = false;
      break;
    case kOpenItem:
      FlushBlock();
      if (!ctx_.empty()) ctx_.pop_back();  // an item without content prints nothing
      break;
    case kOpenPre:
      if (table_ > 0) break;
      --pre_;
      TextLine(line_);
      line_.clear();
      if (markdown_) {
        std::string body = TakeInline();
        while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ')) {
          body.pop_back();
        }
        size_t b = 0;
        while (b < body.size() && (body[b] == '\n' || body[b] == '\r')) ++b;
        if (b < body.size()) {
          // Longer than any backtick run inside.
          size_t run = 0, longest = 0;
          for (char c : body) {
            run = c == '`' ? run + 1 : 0;
            longest = std::max(longest, run);
          }
          const std::string fence(std::max<size_t>(3, longest + 1), '`');
          EmitMd(fence + "\n" + body.substr(b) + "\n" + fence);
        }
      }
      break;
    case kOpenTable:
      --table_;
      if (table_ == 0) {
        TextLine(line_);
        line_.clear();
        EmitTable();
        TakeInline();
        pending_space_ = false;
      }
      break;
    case kOpenRow:
      TextLine(line_);
      line_.clear();
      pending_space_ = false;
      break;
    case kOpenCell: {
      std::string cell(TrimView(TakeInline()));
      for (char& c : cell) {
        if (c == '\n') c = ' ';
      }
      if (!rows_.empty()) rows_.back().push_back(std::move(cell));
      mdl_.clear();
      pending_space_ = true;
      break;
    }
    case kOpenBlock:
      FlushBlock();
      break;
    default:
      break;
  }
}

void Renderer::Render(const std::vector<uint32_t>& roots, bool markdown) {
  markdown_ = markdown;
  uint32_t total = 0;
  for (uint32_t r : roots) total += nodes_[r].text;
  Pruner pruner(nodes_, total, page_);
  for (uint32_t r : roots) {
    const uint32_t end = nodes_[r].end;
    for (uint32_t i = r; i < end && !full();) {
      while (!open_.empty() && i >= nodes_[open_.back().idx].end) {
        const Open o = open_.back();
        open_.pop_back();
        CloseElement(o);
      }
      const Node& n = nodes_[i];
      if (n.flags & kIsText) {
        if (!(n.flags & kInHidden)) AddText(n.g->v.text.text);
        ++i;
        continue;
      }
      if (i != r && pruner.Drop(i)) {
        i = n.end;
        continue;
      }
      OpenElement(i);
      ++i;
    }
    while (!open_.empty()) {
      const Open o = open_.back();
      open_.pop_back();
      CloseElement(o);
    }
    FlushBlock();
  }
  FlushBlock();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  while (!md.empty() && (md.back() == '\n' || md.back() == ' ')) md.pop_back();
  text = SanitizeUtf8(text);
  TruncateUtf8(&text, cap_);
  md = SanitizeUtf8(md);
  TruncateUtf8(&md, cap_);
}

// ---------------------------------------------------------------------------
// JSON-LD articleBody as a guide: word 4-gram overlap.

uint64_t HashWord(std::string_view w) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : w) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Word 4-gram hashes; words are runs of ASCII alphanumerics or non-ASCII bytes.
std::vector<uint64_t> Shingles(std::string_view s, size_t max) {
  std::vector<uint64_t> words;
  size_t i = 0;
  while (i < s.size() && words.size() < max) {
    while (i < s.size() && !(IsAsciiAlnum(s[i]) ||
                             static_cast<unsigned char>(s[i]) >= 0x80)) {
      ++i;
    }
    size_t j = i;
    while (j < s.size() && (IsAsciiAlnum(s[j]) ||
                            static_cast<unsigned char>(s[j]) >= 0x80)) {
      ++j;
    }
    if (j > i) words.push_back(HashWord(s.substr(i, j - i)));
    i = j;
  }
  std::vector<uint64_t> out;
  for (size_t k = 0; k + 4 <= words.size(); ++k) {
    out.push_back(words[k] * 31 + words[k + 1] * 961 + words[k + 2] * 29791 + words[k + 3]);
  }
  return out;
}

// F1 of candidate shingles against the reference set.
double Overlap(const std::unordered_set<uint64_t>& ref, std::string_view cand) {
  const std::vector<uint64_t> sh = Shingles(cand, 200000);
  if (sh.empty() || ref.empty()) return 0;
  size_t hit = 0;
  for (uint64_t h : sh) hit += ref.count(h);
  const double p = static_cast<double>(hit) / sh.size();
  const double r = std::min(1.0, static_cast<double>(hit) / ref.size());
  return p + r == 0 ? 0 : 2 * p * r / (p + r);
}

// ---------------------------------------------------------------------------
// Metadata.

const nlohmann::json* Field(const nlohmann::json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

std::string JsonString(const nlohmann::json* v) {
  if (v == nullptr) return "";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_array() && !v->empty()) return JsonString(&(*v)[0]);
  if (v->is_object()) {
    for (const char* k : {"name", "url", "@value", "@id"}) {
      if (const nlohmann::json* f = Field(*v, k); f != nullptr && f->is_string()) {
        return f->get<std::string>();
      }
    }
  }
  return "";
}

bool IsArticleType(std::string_view t) {
  static constexpr std::array<std::string_view, 16> kTypes = {
      "Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "TechArticle",
      "AnalysisNewsArticle", "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle",
      "ReportageNewsArticle", "LiveBlogPosting", "SocialMediaPosting", "DiscussionForumPosting",
      "Review", "Recipe"};
  for (std::string_view k : kTypes) {
    if (t == k) return true;
  }
  return false;
}

int MonthFromName(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (w.size() < 3) return 0;
  const std::string l = AsciiLower(w.substr(0, 3));
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (l == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::string FormatDate(int y, int m, int d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
  return buf;
}

// Normalizes common date spellings to ISO 8601; returns the input (trimmed)
// when it is not recognized.
std::string NormalizeDate(std::string_view raw) {
  const std::string_view s = TrimView(raw);
  if (s.empty()) return "";
  auto valid = [](int y, int m, int d) { return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31; };
  // YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH[:]MM] and YYYY/MM/DD.
  if (s.size() >= 10 && AllDigits(s.substr(0, 4)) && (s[4] == '-' || s[4] == '/') &&
      AllDigits(s.substr(5, 2)) && s[7] == s[4] && AllDigits(s.substr(8, 2))) {
    const int y = ToInt(s.substr(0, 4)), m = ToInt(s.substr(5, 2)), d = ToInt(s.substr(8, 2));
    if (!valid(y, m, d)) return std::string(s);
    std::string out = FormatDate(y, m, d);
    std::string_view rest = s.substr(10);
    if (rest.size() >= 6 && (rest[0] == 'T' || rest[0] == ' ') && AllDigits(rest.substr(1, 2)) &&
        rest[3] == ':' && AllDigits(rest.substr(4, 2))) {
      std::string time(rest.substr(1, 5));
      rest.remove_prefix(6);
      if (rest.size() >= 3 && rest[0] == ':' && AllDigits(rest.substr(1, 2))) {
        time.append(rest.substr(0, 3));
        rest.remove_prefix(3);
      } else {
        time.append(":00");
      }
      if (!rest.empty() && rest[0] == '.') {
        rest.remove_prefix(1);
        while (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') rest.remove_prefix(1);
      }
      rest = TrimView(rest);
      std::string zone;
      if (!rest.empty() && (rest[0] == 'Z' || rest[0] == 'z')) {
        zone = "Z";
      } else if (rest.size() >= 3 && (rest[0] == '+' || rest[0] == '-') && AllDigits(rest.substr(1, 2))) {
        zone = std::string(rest.substr(0, 3)) + ":";
        std::string_view mm = rest.substr(3);
        if (!mm.empty() && mm[0] == ':') mm.remove_prefix(1);
        zone += (mm.size() >= 2 && AllDigits(mm.substr(0, 2))) ? std::string(mm.substr(0, 2)) : "00";
        if (zone == "+00:00") zone = "Z";
      } else if (StartsWithIgnoreCase(rest, "utc") || StartsWithIgnoreCase(rest, "gmt")) {
        zone = "Z";
      }
      out += "T" + time + zone;
    }
    return out;
  }
  // Words: "Tue, 19 Nov 2019 10:30:00 GMT", "November 19, 2019", "19 November 2019".
  std::vector<std::string_view> words;
  {
    size_t i = 0;
    while (i < s.size() && words.size() < 12) {
      while (i < s.size() && !IsAsciiAlnum(s[i]) && s[i] != ':') ++i;
      size_t j = i;
      while (j < s.size() && (IsAsciiAlnum(s[j]) || s[j] == ':')) ++j;
      if (j > i) words.push_back(s.substr(i, j - i));
      i = j;
    }
  }
  int y = 0, m = 0, d = 0;
  std::string time;
  for (std::string_view w : words) {
    std::string_view num = w;
    // "19th", "1st"
    while (num.size() > 1 && !IsAsciiDigit(num.back())) num.remove_suffix(1);
    if (m == 0 && MonthFromName(w) != 0 && !IsAsciiDigit(w[0])) {
      m = MonthFromName(w);
    } else if (AllDigits(num) && num.size() == 4 && y == 0) {
      y = ToInt(num);
    } else if (AllDigits(num) && num.size() <= 2 && d == 0) {
      d = ToInt(num);
    } else if (time.empty() && w.size() >= 4 && Contains(w, ":") && IsAsciiDigit(w[0])) {
      time.assign(w);
    }
  }
  if (valid(y, m, d)) return FormatDate(y, m, d);
  return std::string(s.substr(0, 128));
}

// Strips a " | Site Name" style suffix (or prefix) from a <title>.
std::string StripSiteName(const std::string& title, const std::string& site) {
  static constexpr std::array<std::string_view, 7> kSeps = {" | ", " - ", " – ", " — ", " :: ", " · ", " / "};
  for (std::string_view sep : kSeps) {
    const size_t pos = title.rfind(sep);
    if (pos == std::string::npos || pos == 0) continue;
    const std::string head = title.substr(0, pos);
    const std::string tail = title.substr(pos + sep.size());
    if (!site.empty() && EqualsIgnoreCase(TrimView(tail), AsciiLower(TrimView(site)))) return head;
    const size_t first = title.find(sep);
    if (!site.empty() && first != std::string::npos &&
        EqualsIgnoreCase(TrimView(title.substr(0, first)), AsciiLower(TrimView(site)))) {
      return title.substr(first + sep.size());
    }
    // Unknown site: a short last segment after a longer headline.
    size_t tail_words = 1, head_words = 1;
    for (char c : tail) tail_words += c == ' ';
    for (char c : head) head_words += c == ' ';
    if (tail_words <= 4 && head_words >= 3 && tail.size() < head.size()) return head;
  }
  return title;
}

std::string NodeText(const std::vector<Node>& nodes, uint32_t i, size_t max) {
  std::string t;
  for (uint32_t j = i; j < std::min(nodes[i].end, i + 4 * kScanNodes) && t.size() < max * 2; ++j) {
    if (nodes[j].flags & kIsText) t.append(nodes[j].g->v.text.text).push_back(' ');
  }
  return Collapse(t, max);
}

std::string CleanAuthor(std::string a) {
  std::string_view v = TrimView(a);
  if (StartsWithIgnoreCase(v, "by ")) v.remove_prefix(3);
  if (StartsWithIgnoreCase(v, "von ")) v.remove_prefix(4);
  if (StartsWithIgnoreCase(v, "par ")) v.remove_prefix(4);
  v = TrimView(v);
  return std::string(v);
}

void AddAuthor(std::vector<std::string>* authors, std::string a, size_t max) {
  a = CleanAuthor(std::move(a));
  if (a.empty() || a.size() > 100 || authors->size() >= max) return;
  if (StartsWithIgnoreCase(a, "http://") || StartsWithIgnoreCase(a, "https://")) return;
  for (const std::string& x : *authors) {
    if (EqualsIgnoreCase(x, AsciiLower(a))) return;
  }
  authors->push_back(std::move(a));
}

void JsonAuthors(const nlohmann::json* v, std::vector<std::string>* out, size_t max) {
  if (v == nullptr) return;
  if (v->is_array()) {
    for (size_t i = 0; i < v->size() && i < 64; ++i) JsonAuthors(&(*v)[i], out, max);
    return;
  }
  if (v->is_string()) {
    AddAuthor(out, Collapse(v->get_ref<const std::string&>(), 200), max);
  } else if (v->is_object()) {
    const nlohmann::json* name = Field(*v, "name");
    if (name != nullptr && name->is_string()) {
      AddAuthor(out, Collapse(name->get_ref<const std::string&>(), 200), max);
    }
  }
}

struct Meta {
  const Collected& got;
  const char* Get(std::string_view key) const {
    for (const MetaTag& m : got.metas) {
      if (m.key == key && m.content != nullptr && *m.content != '\0') return m.content;
    }
    return nullptr;
  }
};

void FillMetadata(const std::vector<Node>& nodes, const Collected& got,
                  const std::vector<nlohmann::json>& items, std::string_view page_url,
                  const ExtractLimits& limits, Article* a) {
  const size_t mx = limits.max_meta_bytes;
  const Meta meta{got};
  auto set = [&](std::string* field, const char* v) {
    if (field->empty() && v != nullptr) *field = Collapse(v, mx);
  };
  auto set_s = [&](std::string* field, const std::string& v) {
    if (field->empty() && !v.empty()) *field = Collapse(v, mx);
  };
  const nlohmann::json* art = nullptr;
  const nlohmann::json* any = nullptr;
  for (const nlohmann::json& it : items) {
    const nlohmann::json* t = Field(it, "@type");
    if (t == nullptr || !t->is_string()) continue;
    if (art == nullptr && IsArticleType(t->get_ref<const std::string&>())) art = &it;
    if (any == nullptr && (t->get_ref<const std::string&>() == "WebPage")) any = &it;
  }
  const nlohmann::json* ld = art != nullptr ? art : any;

  // Open Graph and article:* properties.
  for (const MetaTag& m : got.metas) {
    if ((StartsWith(m.key, "og:") || StartsWith(m.key, "article:")) &&
        a->opengraph.size() < limits.max_opengraph && a->opengraph.count(m.key) == 0) {
      a->opengraph[m.key] = Collapse(m.content, mx);
    }
  }

  set(&a->site_name, meta.Get("og:site_name"));
  if (ld != nullptr) {
    if (const nlohmann::json* pub = Field(*ld, "publisher")) set_s(&a->site_name, JsonString(Field(*pub, "name")));
  }
  set(&a->site_name, meta.Get("application-name"));

  set(&a->title, meta.Get("og:title"));
  set(&a->title, meta.Get("twitter:title"));
  if (ld != nullptr) {
    set_s(&a->title, JsonString(Field(*ld, "headline")));
    set_s(&a->title, JsonString(Field(*ld, "name")));
  }
  if (a->title.empty() && got.title != nullptr) {
    a->title = StripSiteName(Collapse(got.title, mx), a->site_name);
  }
  if (a->title.empty() && got.have_h1) a->title = NodeText(nodes, got.first_h1, mx);

  set(&a->description, meta.Get("description"));
  set(&a->description, meta.Get("og:description"));
  set(&a->description, meta.Get("twitter:description"));
  if (ld != nullptr) set_s(&a->description, JsonString(Field(*ld, "description")));

  // Authors: the first source that names any (sites often put the publisher
  // in <meta name=author>, so JSON-LD and article:author come first).
  if (ld != nullptr) JsonAuthors(Field(*ld, "author"), &a->authors, limits.max_authors);
  for (const char* key : {"article:author", "author", "dc.creator", "sailthru.author",
                          "parsely-author", "byl"}) {
    if (!a->authors.empty()) break;
    for (const MetaTag& m : got.metas) {
      if (m.key == key) AddAuthor(&a->authors, Collapse(m.content, 200), limits.max_authors);
    }
  }
  if (a->authors.empty()) {
    for (uint32_t i : got.author_nodes) {
      const Node& n = nodes[i];
      if (n.text == 0 || n.text > 120) continue;
      AddAuthor(&a->authors, NodeText(nodes, i, 200), limits.max_authors);
      if (a->authors.size() >= 3) break;
    }
  }

  // Dates.
  auto set_date = [&](std::string* field, const char* v) {
    if (field->empty() && v != nullptr && *v != '\0') *field = Collapse(NormalizeDate(v), 128);
  };
  set_date(&a->published, meta.Get("article:published_time"));
  if (ld != nullptr && a->published.empty()) {
    const std::string d = JsonString(Field(*ld, "datePublished"));
    if (!d.empty()) set_date(&a->published, d.c_str());
  }
  for (const char* k : {"datepublished", "date", "pubdate", "publishdate", "publish-date",
                        "publish_date", "dc.date", "dc.date.issued", "dcterms.date",
                        "sailthru.date", "parsely-pub-date", "article.published", "og:published_time",
                        "citation_publication_date", "release_date"}) {
    set_date(&a->published, meta.Get(k));
  }
  if (a->published.empty() && !got.times.empty()) {
    // Prefer a <time> marked as the publication date.
    const char* best = nullptr;
    for (const auto& [idx, dt] : got.times) {
      const GumboElement& el = nodes[idx].g->v.element;
      const char* ip = Attr(el, "itemprop");
      if (Attr(el, "pubdate") != nullptr || (ip != nullptr && HasToken(ip, "datepublished"))) {
        best = dt;
        break;
      }
    }
    set_date(&a->published, best != nullptr ? best : got.times.front().second);
  }
  set_date(&a->modified, meta.Get("article:modified_time"));
  if (ld != nullptr && a->modified.empty()) {
    const std::string d = JsonString(Field(*ld, "dateModified"));
    if (!d.empty()) set_date(&a->modified, d.c_str());
  }
  for (const char* k : {"og:updated_time", "datemodified", "last-modified", "lastmod",
                        "dc.date.modified", "dcterms.modified", "article.updated"}) {
    set_date(&a->modified, meta.Get(k));
  }

  // URLs.
  UrlResolver resolver;
  const bool have_base = resolver.SetBase(page_url).ok();
  if (have_base && got.base_href != nullptr) {
    std::string b;
    if (resolver.Resolve(TrimView(got.base_href), &b).ok()) (void)resolver.SetBase(b);
  }
  auto resolve = [&](const char* ref, std::string* out) {
    if (!out->empty() || ref == nullptr) return;
    const std::string_view r = TrimView(ref);
    if (r.empty() || r.size() > 8192) return;
    std::string res;
    const Status st = have_base ? resolver.Resolve(r, &res) : CanonicalizeUrl(r, &res);
    if (st.ok()) *out = std::move(res);
  };
  resolve(got.canonical, &a->canonical);
  resolve(meta.Get("og:url"), &a->canonical);
  resolve(meta.Get("og:image"), &a->image);
  resolve(meta.Get("og:image:url"), &a->image);
  resolve(meta.Get("og:image:secure_url"), &a->image);
  resolve(meta.Get("twitter:image"), &a->image);
  if (ld != nullptr && a->image.empty()) {
    const std::string img = JsonString(Field(*ld, "image"));
    if (!img.empty()) resolve(img.c_str(), &a->image);
  }

  set(&a->language, got.lang);
  set(&a->language, meta.Get("og:locale"));
  set(&a->language, meta.Get("content-language"));
  if (ld != nullptr) set_s(&a->language, JsonString(Field(*ld, "inLanguage")));

  set(&a->type, meta.Get("og:type"));
  if (a->type.empty() && art != nullptr) a->type = Collapse(JsonString(Field(*art, "@type")), mx);
}

// ---------------------------------------------------------------------------
// Choosing the main content.

struct Choice {
  std::vector<uint32_t> roots;
  std::string method;
};

const char* SemanticMethod(const Node& n) {
  if (n.flags & kItemBody) return "itemprop-articleBody";
  if (n.flags & kBodyStrongEl) return "content-class";
  if (n.flags & kItemArticle) return "microdata-article";
  if (n.tag == GUMBO_TAG_ARTICLE) return "article";
  if (n.tag == GUMBO_TAG_MAIN || (n.flags & kRoleMain)) return "main";
  return "content-class";
}

int SemanticTier(const Node& n) {
  if (n.flags & kItemBody) return 0;
  if (n.flags & kBodyStrongEl) return 1;
  if (n.flags & kItemArticle) return 2;
  if (n.tag == GUMBO_TAG_ARTICLE) return 3;
  if (n.flags & kBodyWeakEl) return 4;
  return 5;  // main, role=main
}

}  // namespace

Article ExtractArticle(const GumboNode* root, std::string_view page_url,
                       const std::vector<nlohmann::json>& structured_items,
                       const ExtractLimits& limits) {
  Article a;
  if (root == nullptr) return a;
  Table table(limits);
  Collected got;
  table.Build(root, &got);
  std::vector<Node>& nodes = table.nodes;
  if (nodes.empty()) return a;
  FillMetadata(nodes, got, structured_items, page_url, limits, &a);
  const uint32_t body = got.have_body ? got.body : 0;
  PageContext page;
  page.have_h1 = got.have_h1;
  page.first_h1 = got.first_h1;
  page.titles.push_back(TitleKey(a.title));
  if (got.title != nullptr) {
    const std::string t = Collapse(got.title, limits.max_meta_bytes);
    page.titles.push_back(TitleKey(StripSiteName(t, a.site_name)));
  }
  for (std::string& t : page.titles) {
    if (t.size() < 12) t.clear();  // too short to be told from a subheading
  }

  // 1. Readability candidate.
  Choice scored;
  uint32_t scored_root = body;
  int32_t top = ScoreCandidates(nodes, ScoreOptions());
  if (top < 0 || nodes[top].text < 200) {
    ScoreOptions relaxed;
    relaxed.strip_unlikely = false;
    const int32_t t2 = ScoreCandidates(nodes, relaxed);
    if (t2 >= 0 && (top < 0 || nodes[t2].text > nodes[top].text)) {
      top = t2;
    } else if (top >= 0) {
      ScoreCandidates(nodes, ScoreOptions());
    }
  }
  if (top >= 0 && static_cast<uint32_t>(top) != body) {
    const uint32_t t = RefineTop(nodes, static_cast<uint32_t>(top), body);
    scored_root = t;
    scored.roots = t == body ? std::vector<uint32_t>{body} : MergeSiblings(nodes, t);
    scored.method = t == body ? "body" : "scored";
  } else if (got.have_body) {
    scored.roots = {body};
    scored.method = "body";
  }
  const uint32_t scored_text = scored.roots.empty() ? 0 : PrunedText(nodes, scored.roots, page);
  const uint32_t scored_top = scored.roots.empty() ? 0 : (top >= 0 ? static_cast<uint32_t>(top) : body);

  // 2. Semantic containers: the best tier that holds real content.
  Choice semantic;
  uint32_t semantic_text = 0;
  {
    int best_tier = 99;
    uint32_t best = 0;
    uint32_t best_text = 0;
    // Nested candidates are measured separately; the budget keeps thousands
    // of nested <article>s from costing O(nodes x candidates).
    size_t budget = 4 * nodes.size() + 100000;
    for (uint32_t i : got.semantic) {
      const Node& n = nodes[i];
      if (n.flags & kInHidden) continue;
      const int tier = SemanticTier(n);
      if (tier > best_tier) continue;
      const size_t cost = n.end - i;
      if (cost > budget) break;
      budget -= cost;
      const uint32_t t = PrunedText(nodes, {i}, page);
      if (t < 250) continue;
      const bool holds = !scored.roots.empty() && Within(nodes, i, scored_top);
      const bool best_holds = best_tier != 99 && !scored.roots.empty() && Within(nodes, best, scored_top);
      // Within a tier: the one holding the scored candidate, else the first
      // (later ones are more often teasers of related articles).
      if (tier < best_tier || (holds && !best_holds)) {
        best_tier = tier;
        best = i;
        best_text = t;
      }
    }
    if (best_tier != 99) {
      semantic.roots = {best};
      // Articles split into several same-class chunks: take them all.
      const char* cls = Attr(nodes[best].g->v.element, "class");
      if (cls != nullptr && *cls != '\0') {
        std::vector<uint32_t> roots;
        uint32_t last_end = 0;
        best_text = 0;
        for (uint32_t i : got.semantic) {
          if (i < last_end || roots.size() >= 64) continue;
          const Node& n = nodes[i];
          if (n.tag != nodes[best].tag || (n.flags & kInHidden)) continue;
          const char* c2 = Attr(n.g->v.element, "class");
          if (c2 == nullptr || std::strcmp(c2, cls) != 0) continue;
          roots.push_back(i);
          best_text += PrunedText(nodes, {i}, page);
          last_end = n.end;
        }
        semantic.roots = std::move(roots);
      }
      semantic.method = SemanticMethod(nodes[best]);
      semantic_text = best_text;
    }
  }

  Choice chosen = scored;
  if (!semantic.roots.empty()) {
    const uint32_t s = semantic.roots[0];
    if (scored.roots.empty()) {
      chosen = semantic;
    } else if (Within(nodes, s, scored_root)) {
      // The semantic container holds the scored one: prefer it unless it is
      // mostly something else.
      if (semantic_text <= scored_text * 2 || SemanticTier(nodes[s]) <= 1) chosen = semantic;
    } else if (Within(nodes, scored_root, s)) {
      // More specific: prefer it when it has most of the scored text.
      if (semantic_text * (SemanticTier(nodes[s]) <= 2 ? 5 : 2) >= scored_text) chosen = semantic;
    } else if (SemanticTier(nodes[s]) <= 2 && semantic_text * 3 >= scored_text) {
      chosen = semantic;
    }
  }

  // 3. JSON-LD articleBody decides between the candidates when they differ:
  // the scored roots, the semantic container, and each scored root alone.
  for (const nlohmann::json& it : structured_items) {
    const nlohmann::json* ab = Field(it, "articleBody");
    if (ab == nullptr || !ab->is_string() || ab->get_ref<const std::string&>().size() < 400) continue;
    std::vector<Choice> options;
    if (!scored.roots.empty()) options.push_back(scored);
    if (!semantic.roots.empty() && semantic.roots != scored.roots) options.push_back(semantic);
    if (scored.roots.size() > 1) {
      for (size_t k = 0; k < scored.roots.size() && k < 8; ++k) {
        options.push_back({{scored.roots[k]}, scored.method});
      }
    }
    if (options.size() < 2) break;
    const std::vector<uint64_t> ref_v = Shingles(ab->get_ref<const std::string&>(), 200000);
    const std::unordered_set<uint64_t> ref(ref_v.begin(), ref_v.end());
    UrlResolver unused;
    double best = 0.5;  // below this the declared body is something else
    for (const Choice& c : options) {
      Renderer r(nodes, page, &unused, false, limits.max_text_bytes, 0);
      r.Render(c.roots, false);
      const double o = Overlap(ref, r.text);
      if (o > best + 1e-9) {
        best = o;
        chosen = c;
        chosen.method = "jsonld-articleBody";
      }
    }
    break;
  }

  if (chosen.roots.empty()) return a;
  UrlResolver resolver;
  bool have_base = resolver.SetBase(page_url).ok();
  if (have_base && got.base_href != nullptr) {
    std::string b;
    if (resolver.Resolve(TrimView(got.base_href), &b).ok() && b.size() <= 8192) {
      if (!resolver.SetBase(b).ok()) have_base = resolver.SetBase(page_url).ok();
    }
  }
  Renderer r(nodes, page, &resolver, have_base, limits.max_text_bytes, limits.max_headings);
  r.Render(chosen.roots, true);
  a.text = std::move(r.text);
  a.markdown = std::move(r.md);
  a.headings = std::move(r.headings);
  a.found = !a.text.empty();
  if (a.found) {
    a.method = chosen.method;
  } else {
    a.markdown.clear();
    a.headings.clear();
  }
  return a;
}

nlohmann::json ArticleMetadataToJson(const Article& a) {
  nlohmann::json j = nlohmann::json::object();
  j["found"] = a.found;
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) j[k] = v;
  };
  put("method", a.method);
  put("title", a.title);
  put("description", a.description);
  if (!a.authors.empty()) j["authors"] = a.authors;
  put("published", a.published);
  put("modified", a.modified);
  put("site_name", a.site_name);
  put("canonical_url", a.canonical);
  put("language", a.language);
  put("image", a.image);
  put("type", a.type);
  if (!a.opengraph.empty()) j["opengraph"] = a.opengraph;
  if (!a.headings.empty()) {
    nlohmann::json hs = nlohmann::json::array();
    for (const ArticleHeading& h : a.headings) hs.push_back({{"level", h.level}, {"text", h.text}});
    j["headings"] = std::move(hs);
  }
  return j;
}

}  // namespace swarmcrawl
