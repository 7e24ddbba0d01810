#include "parsers/feed_items.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

#include "core/strings.h"
#include "core/url.h"
#include "parsers/html_page.h"
#include "parsers/sitemap.h"

namespace swarmcrawl {
namespace {

inline unsigned char U(char c) { return static_cast<unsigned char>(c); }

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}


void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};
struct XmlCharFree {
  void operator()(xmlChar* p) const { xmlFree(p); }
};
using XmlString = std::unique_ptr<xmlChar, XmlCharFree>;

std::string_view Name(const xmlNode* n) {
  return n->name == nullptr ? std::string_view() : reinterpret_cast<const char*>(n->name);
}

std::string_view NsHref(const xmlNode* n) {
  return n->ns == nullptr || n->ns->href == nullptr
             ? std::string_view()
             : reinterpret_cast<const char*>(n->ns->href);
}

bool IsElement(const xmlNode* n, std::string_view local) {
  return n->type == XML_ELEMENT_NODE && EqualsIgnoreCase(Name(n), local);
}

// The attribute `local` in no namespace (or any namespace when none has it).
std::string Prop(const xmlNode* n, const char* local) {
  XmlString v(xmlGetNoNsProp(n, reinterpret_cast<const xmlChar*>(local)));
  if (!v) {
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      if (a->name != nullptr && EqualsIgnoreCase(reinterpret_cast<const char*>(a->name), local)) {
        v.reset(xmlGetNsProp(n, a->name, a->ns == nullptr ? nullptr : a->ns->href));
        break;
      }
    }
  }
  return v ? std::string(reinterpret_cast<const char*>(v.get())) : std::string();
}

std::string XmlBase(const xmlNode* n) {
  XmlString v(xmlGetNsProp(n, reinterpret_cast<const xmlChar*>("base"), XML_XML_NAMESPACE));
  return v ? std::string(Trim(reinterpret_cast<const char*>(v.get()))) : std::string();
}

// Text of every text and CDATA node below `n`, in order, at most `cap` bytes
// (sets *cut when more was there). Entity references are not followed: only
// the predefined entities and character references, which libxml2 always
// turns into text, ever contribute.
std::string NodeText(const xmlNode* n, size_t cap, bool* cut) {
  std::string out;
  std::vector<const xmlNode*> stack;
  for (const xmlNode* c = n->last; c != nullptr; c = c->prev) stack.push_back(c);
  while (!stack.empty()) {
    const xmlNode* c = stack.back();
    stack.pop_back();
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (c->content != nullptr) out.append(reinterpret_cast<const char*>(c->content));
      if (out.size() > cap) {
        if (cut != nullptr) *cut = true;
        break;
      }
    } else if (c->type == XML_ELEMENT_NODE) {
      for (const xmlNode* k = c->last; k != nullptr; k = k->prev) stack.push_back(k);
    }
  }
  if (out.size() > cap) out.resize(cap);
  return out;
}

// The element's markup children serialized (Atom type="xhtml" content).
std::string InnerXml(xmlDoc* doc, xmlNode* n, size_t cap) {
  std::string out;
  xmlBuffer* buf = xmlBufferCreate();
  if (buf == nullptr) return out;
  for (xmlNode* c = n->children; c != nullptr && out.size() <= cap; c = c->next) {
    xmlBufferEmpty(buf);
    if (c->type == XML_ENTITY_REF_NODE) continue;
    if (xmlNodeDump(buf, doc, c, 0, 0) >= 0) {
      out.append(reinterpret_cast<const char*>(xmlBufferContent(buf)), xmlBufferLength(buf));
    }
  }
  xmlBufferFree(buf);
  if (out.size() > cap) out.resize(cap);
  return out;
}

bool LooksLikeHtml(std::string_view s) {
  return s.find('<') != std::string_view::npos || s.find('&') != std::string_view::npos;
}

// Plain text of an HTML fragment: ParseHtmlPage's text, one line per block.
std::string HtmlToText(std::string_view html, std::string_view base, size_t cap) {
  HtmlLimits limits;
  limits.max_links = 0;
  limits.max_text_bytes = cap;
  limits.max_parse_bytes = cap * 2 + 1024;
  std::string text = ParseHtmlPage(html, base.empty() ? "http://invalid/" : base, limits).text;
  text = std::string(Trim(text));
  TruncateUtf8(&text, cap);
  return text;
}

std::string Resolve(std::string_view base, std::string_view ref) {
  ref = Trim(ref);
  if (ref.empty() || ref.size() > kMaxSitemapUrlBytes) return "";
  std::string out;
  Status s = base.empty() ? CanonicalizeUrl(ref, &out) : ResolveUrl(base, ref, &out);
  if (!s.ok() || out.size() > kMaxSitemapUrlBytes) return "";
  return out;
}

std::string ResolveBase(std::string_view base, const xmlNode* n) {
  const std::string own = XmlBase(n);
  if (own.empty()) return std::string(base);
  std::string resolved = Resolve(base, own);
  return resolved.empty() ? std::string(base) : resolved;
}

void AddUnique(std::vector<std::string>* list, std::string v, size_t max, bool* truncated) {
  if (v.empty()) return;
  for (const std::string& e : *list) {
    if (e == v) return;
  }
  if (list->size() >= max) {
    *truncated = true;
    return;
  }
  list->push_back(std::move(v));
}

// "jane@example.com (Jane Doe)" -> "Jane Doe": RSS <author> is an e-mail
// address by spec, but the name is the useful part.
std::string RssAuthorName(std::string s) {
  const size_t open = s.find('(');
  const size_t close = s.rfind(')');
  if (open != std::string::npos && close != std::string::npos && close > open + 1) {
    return std::string(Trim(std::string_view(s).substr(open + 1, close - open - 1)));
  }
  return s;
}

// ---------------------------------------------------------------------------
// Repairs (see the header)

bool StartsReference(std::string_view s) {
  // s starts just after '&'.
  size_t i = 0;
  if (!s.empty() && s[0] == '#') {
    i = 1;
    const bool hex = s.size() > 1 && (s[1] == 'x' || s[1] == 'X');
    if (hex) ++i;
    const size_t begin = i;
    while (i < s.size() && i < 16 &&
           (hex ? HexDigitValue(s[i]) >= 0 : (s[i] >= '0' && s[i] <= '9'))) {
      ++i;
    }
    return i > begin && i < s.size() && s[i] == ';';
  }
  auto name_char = [](char ch, bool first) {
    const unsigned char c = U(ch);
    if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || c == ':' || c >= 0x80) return true;
    return !first && ((c >= '0' && c <= '9') || c == '.' || c == '-');
  };
  while (i < s.size() && i < 64 && name_char(s[i], i == 0)) ++i;
  return i > 0 && i < s.size() && s[i] == ';';
}

std::string_view DeclaredEncoding(std::string_view xml) {
  if (xml.substr(0, 5) != "<?xml") return {};
  const std::string_view decl = xml.substr(0, xml.find("?>", 5));
  const size_t at = decl.find("encoding");
  if (at == std::string_view::npos) return {};
  const size_t q = decl.find_first_of("\"'", at);
  if (q == std::string_view::npos) return {};
  const size_t end = decl.find(decl[q], q + 1);
  if (end == std::string_view::npos) return {};
  return decl.substr(q + 1, end - q - 1);
}

std::string Repair(std::string_view xml) {
  const std::string_view enc = DeclaredEncoding(xml);
  const bool utf8 = enc.empty() || EqualsIgnoreCase(enc, "utf-8") || EqualsIgnoreCase(enc, "utf8");
  std::string in = utf8 ? SanitizeUtf8(xml) : std::string(xml);
  std::string out;
  out.reserve(in.size() + 64);
  size_t i = 0;
  auto copy_until = [&](std::string_view end) {
    const size_t e = in.find(end, i);
    const size_t stop = e == std::string::npos ? in.size() : e + end.size();
    out.append(in, i, stop - i);
    i = stop;
  };
  while (i < in.size()) {
    const char c = in[i];
    if (c == '<') {
      const std::string_view rest = std::string_view(in).substr(i);
      if (rest.starts_with("<![CDATA[")) {
        copy_until("]]>");
        continue;
      }
      if (rest.starts_with("<!--")) {
        copy_until("-->");
        continue;
      }
      if (rest.starts_with("<?")) {
        copy_until("?>");
        continue;
      }
    }
    if (c == '&' && !StartsReference(std::string_view(in).substr(i + 1))) {
      out.append("&amp;");
      ++i;
      continue;
    }
    if (utf8 && U(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out.push_back(' ');
      ++i;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Feed walking

class FeedReader {
 public:
  FeedReader(xmlDoc* doc, std::string_view feed_url, const FeedLimits& limits,
             FeedItemsResult* out)
      : doc_(doc), limits_(limits), out_(out) {
    feed_url_.assign(feed_url);
  }

  void Rss(xmlNode* root, bool rdf) {
    out_->feed.format = "rss";
    const std::string base = ResolveBase(feed_url_, root);
    for (xmlNode* c = root->children; c != nullptr; c = c->next) {
      if (!IsElement(c, "channel")) {
        if (rdf && IsElement(c, "item")) Item(c, ResolveBase(base, c), /*rdf=*/true);
        continue;
      }
      const std::string channel_base = ResolveBase(base, c);
      for (xmlNode* k = c->children; k != nullptr; k = k->next) {
        if (k->type != XML_ELEMENT_NODE) continue;
        if (IsElement(k, "title") && out_->feed.title.empty()) {
          out_->feed.title = PlainText(k, limits_.max_field_bytes, channel_base, false);
        } else if (IsElement(k, "link") && out_->feed.link.empty()) {
          const std::string text = NodeText(k, kMaxSitemapUrlBytes, nullptr);
          out_->feed.link = Resolve(channel_base, !Trim(text).empty() ? text : Prop(k, "href"));
        } else if (IsElement(k, "item")) {
          Item(k, ResolveBase(channel_base, k), rdf);
        }
      }
    }
  }

  void Atom(xmlNode* root) {
    out_->feed.format = "atom";
    const std::string base = ResolveBase(feed_url_, root);
    for (xmlNode* c = root->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (IsElement(c, "title") && out_->feed.title.empty()) {
        out_->feed.title = AtomText(c, limits_.max_field_bytes, base, false);
      } else if (IsElement(c, "link") && out_->feed.link.empty() && IsAlternate(c)) {
        out_->feed.link = Resolve(ResolveBase(base, c), Prop(c, "href"));
      } else if (IsElement(c, "entry")) {
        Entry(c, ResolveBase(base, c));
      }
    }
  }

 private:
  bool Full() {
    if (out_->items.size() < limits_.max_items) return false;
    out_->truncated = true;
    return true;
  }

  static bool IsAlternate(const xmlNode* link) {
    const std::string rel = Prop(link, "rel");
    return Trim(rel).empty() || EqualsIgnoreCase(Trim(rel), "alternate");
  }

  // Text of an element that may hold escaped HTML (RSS title, description).
  std::string PlainText(xmlNode* n, size_t cap, std::string_view base, bool multiline) {
    bool cut = false;
    std::string raw = NodeText(n, cap * 2 + 1024, &cut);
    if (cut) out_->truncated = true;
    if (LooksLikeHtml(raw)) raw = HtmlToText(raw, base, cap);
    if (!multiline) return CollapseSpaces(raw, cap);
    std::string text = SanitizeUtf8(Trim(raw));
    TruncateUtf8(&text, cap);
    return text;
  }

  // An Atom text construct: type="text" (default), "html" or "xhtml".
  std::string AtomText(xmlNode* n, size_t cap, std::string_view base, bool multiline) {
    const std::string type = AsciiLower(Trim(Prop(n, "type")));
    if (type == "xhtml" || type == "application/xhtml+xml") {
      std::string text = HtmlToText(InnerXml(doc_, n, cap * 4 + 4096), base, cap);
      return multiline ? text : CollapseSpaces(text, cap);
    }
    if (type == "html" || type == "text/html") return PlainText(n, cap, base, multiline);
    bool cut = false;
    std::string raw = NodeText(n, cap, &cut);
    if (cut) out_->truncated = true;
    if (!multiline) return CollapseSpaces(raw, cap);
    std::string text = SanitizeUtf8(Trim(raw));
    TruncateUtf8(&text, cap);
    return text;
  }

  // A short one-line field (id, author, category, date).
  std::string Field(xmlNode* n) {
    return CollapseSpaces(NodeText(n, limits_.max_field_bytes * 2, nullptr), limits_.max_field_bytes);
  }

  void Item(xmlNode* item, const std::string& base, bool rdf) {
    if (Full()) return;
    FeedItem it;
    std::string link_text, link_href, about;
    if (rdf) about = std::string(Trim(Prop(item, "about")));
    bool truncated = false;
    for (xmlNode* k = item->children; k != nullptr; k = k->next) {
      if (k->type != XML_ELEMENT_NODE) continue;
      const std::string_view name = Name(k);
      const bool atom_ns = NsHref(k) == "http://www.w3.org/2005/Atom";
      if (EqualsIgnoreCase(name, "title") && it.title.empty()) {
        it.title = PlainText(k, limits_.max_field_bytes, base, false);
      } else if (EqualsIgnoreCase(name, "link")) {
        if (atom_ns || !Prop(k, "href").empty()) {
          if (link_href.empty() && IsAlternate(k)) link_href = Prop(k, "href");
        } else if (link_text.empty()) {
          link_text = NodeText(k, kMaxSitemapUrlBytes + 1, nullptr);
        }
      } else if (EqualsIgnoreCase(name, "guid") && it.id.empty()) {
        it.id = Field(k);
        // A permalink guid is the item's URL when it has no <link>.
        const std::string perma = AsciiLower(Trim(Prop(k, "isPermaLink")));
        if (perma != "false" && about.empty()) about = it.id;
      } else if (EqualsIgnoreCase(name, "pubdate") || EqualsIgnoreCase(name, "date") ||
                 EqualsIgnoreCase(name, "published") || EqualsIgnoreCase(name, "issued")) {
        if (it.published.empty()) it.published = NormalizeDateUtc(Field(k));
      } else if (EqualsIgnoreCase(name, "updated") || EqualsIgnoreCase(name, "modified")) {
        if (it.updated.empty()) it.updated = NormalizeDateUtc(Field(k));
      } else if (EqualsIgnoreCase(name, "author") || EqualsIgnoreCase(name, "creator")) {
        std::string who;
        for (xmlNode* a = k->children; a != nullptr; a = a->next) {
          if (IsElement(a, "name")) who = Field(a);
        }
        if (who.empty()) who = RssAuthorName(Field(k));
        AddUnique(&it.authors, std::move(who), limits_.max_list, &truncated);
      } else if (EqualsIgnoreCase(name, "description") || EqualsIgnoreCase(name, "summary")) {
        if (it.summary.empty()) it.summary = PlainText(k, limits_.max_text_bytes, base, true);
      } else if (EqualsIgnoreCase(name, "encoded") ||
                 (EqualsIgnoreCase(name, "content") && Prop(k, "url").empty())) {
        // content:encoded; <media:content url=...> describes a file, not text.
        if (it.content.empty()) it.content = PlainText(k, limits_.max_text_bytes, base, true);
      } else if (EqualsIgnoreCase(name, "category") || EqualsIgnoreCase(name, "subject")) {
        AddUnique(&it.categories, Field(k), limits_.max_list, &truncated);
      }
    }
    if (rdf && it.id.empty()) it.id = about;
    it.link = Resolve(base, !Trim(link_text).empty() ? link_text
                            : !link_href.empty()     ? link_href
                                                     : about);
    if (truncated) out_->truncated = true;
    out_->items.push_back(std::move(it));
  }

  void Entry(xmlNode* entry, const std::string& base) {
    if (Full()) return;
    FeedItem it;
    bool truncated = false;
    for (xmlNode* k = entry->children; k != nullptr; k = k->next) {
      if (k->type != XML_ELEMENT_NODE) continue;
      const std::string_view name = Name(k);
      const std::string kbase = ResolveBase(base, k);
      if (EqualsIgnoreCase(name, "title") && it.title.empty()) {
        it.title = AtomText(k, limits_.max_field_bytes, kbase, false);
      } else if (EqualsIgnoreCase(name, "link")) {
        if (it.link.empty() && IsAlternate(k)) it.link = Resolve(kbase, Prop(k, "href"));
      } else if (EqualsIgnoreCase(name, "id") && it.id.empty()) {
        it.id = Field(k);
      } else if (EqualsIgnoreCase(name, "published") || EqualsIgnoreCase(name, "issued")) {
        if (it.published.empty()) it.published = NormalizeDateUtc(Field(k));
      } else if (EqualsIgnoreCase(name, "updated") || EqualsIgnoreCase(name, "modified")) {
        if (it.updated.empty()) it.updated = NormalizeDateUtc(Field(k));
      } else if (EqualsIgnoreCase(name, "author") || EqualsIgnoreCase(name, "creator")) {
        std::string who;
        for (xmlNode* a = k->children; a != nullptr; a = a->next) {
          if (IsElement(a, "name")) who = Field(a);
        }
        if (who.empty() && k->children != nullptr && k->children->next == nullptr) who = Field(k);
        AddUnique(&it.authors, std::move(who), limits_.max_list, &truncated);
      } else if (EqualsIgnoreCase(name, "summary")) {
        if (it.summary.empty()) it.summary = AtomText(k, limits_.max_text_bytes, kbase, true);
      } else if (EqualsIgnoreCase(name, "content")) {
        // Out-of-line content (src=) has no text here.
        if (it.content.empty() && Prop(k, "src").empty()) {
          it.content = AtomText(k, limits_.max_text_bytes, kbase, true);
        }
      } else if (EqualsIgnoreCase(name, "category")) {
        std::string term = CollapseSpaces(Prop(k, "term"), limits_.max_field_bytes);
        if (term.empty()) term = CollapseSpaces(Prop(k, "label"), limits_.max_field_bytes);
        AddUnique(&it.categories, std::move(term), limits_.max_list, &truncated);
      }
    }
    if (truncated) out_->truncated = true;
    out_->items.push_back(std::move(it));
  }

  xmlDoc* doc_;
  std::string feed_url_;
  const FeedLimits& limits_;
  FeedItemsResult* out_;
};

}  // namespace

std::string FormatIsoUtc(int64_t ms) {
  if (ms < 0) return "";
  const time_t secs = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) return "";
  char buf[96];  // room for any int fields, which -Wformat-truncation cannot rule out
  const int millis = static_cast<int>(ms % 1000);
  if (millis != 0) {
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  } else {
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

std::string NormalizeDateUtc(std::string_view date) {
  date = Trim(date);
  if (date.empty() || date.size() > 128) return "";
  int64_t ms = ParseW3cDatetime(date);
  if (ms == 0) ms = ParseRfc822Date(date);
  return ms == 0 ? "" : FormatIsoUtc(ms);
}

FeedItemsResult ParseFeedItems(std::string_view xml, std::string_view feed_url,
                               const FeedLimits& limits) {
  FeedItemsResult out;
  out.feed.url.assign(feed_url);
  if (Trim(xml).empty()) {
    out.error = "bad_feed: empty document";
    return out;
  }
  if (xml.size() > limits.max_bytes || xml.size() > INT_MAX) {
    out.error = "bad_feed: larger than " + std::to_string(limits.max_bytes) + " bytes";
    return out;
  }
  InitLibxml();
  const std::string repaired = Repair(xml);
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) {
    out.error = "bad_feed: cannot create an XML parser";
    return out;
  }
  // No NOENT (entities stay references), no DTDLOAD/DTDATTR/DTDVALID (no
  // external DTD), no HUGE (libxml2's size and depth limits stay on), no
  // XINCLUDE; NONET in case anything still tried.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  std::unique_ptr<xmlDoc, DocFree> doc(xmlCtxtReadMemory(
      ctxt.get(), repaired.data(), static_cast<int>(repaired.size()), /*URL=*/nullptr,
      /*encoding=*/nullptr, options));
  if (!doc || ctxt->wellFormed == 0) {
    const xmlError* e = xmlCtxtGetLastError(ctxt.get());
    std::string msg = e != nullptr && e->message != nullptr ? e->message : "not well-formed";
    while (!msg.empty() && IsSpace(msg.back())) msg.pop_back();
    msg = SanitizeUtf8(msg);
    TruncateUtf8(&msg, 200);
    out.error = "bad_feed: malformed XML";
    if (e != nullptr && e->line > 0) out.error += " at line " + std::to_string(e->line);
    out.error += ": " + msg;
    return out;
  }
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) {
    out.error = "bad_feed: no root element";
    return out;
  }
  FeedReader reader(doc.get(), feed_url, limits, &out);
  const std::string_view name = Name(root);
  if (EqualsIgnoreCase(name, "rss")) {
    reader.Rss(root, /*rdf=*/false);
  } else if (EqualsIgnoreCase(name, "rdf")) {
    reader.Rss(root, /*rdf=*/true);
  } else if (EqualsIgnoreCase(name, "feed")) {
    reader.Atom(root);
  } else {
    std::string shown = SanitizeUtf8(name.substr(0, 64));
    TruncateUtf8(&shown, 64);
    out.error = "not_a_feed: root element <" + shown + "> is none of rss, rdf:RDF, feed";
    out.feed = FeedInfo();
    out.feed.url.assign(feed_url);
  }
  return out;
}

nlohmann::json FeedItemRecord(const FeedItem& item, const FeedInfo& feed,
                              std::string_view format) {
  auto str = [](const std::string& s) -> nlohmann::json {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
  };
  nlohmann::json r = nlohmann::json::object();
  r["schema"] = "feed_item.v1";
  r["source"] = format == "atom" ? "atom" : "rss";
  r["feed_url"] = str(feed.url);
  r["feed_title"] = str(feed.title);
  r["feed_link"] = str(feed.link);
  r["link"] = str(item.link);
  r["item_id"] = str(item.id);
  r["title"] = str(item.title);
  r["published"] = str(item.published);
  r["updated"] = str(item.updated);
  r["authors"] = item.authors;
  r["summary"] = str(item.summary);
  r["content"] = str(item.content);
  r["categories"] = item.categories;
  return r;
}

}  // namespace swarmcrawl
