#include "parsers/citation_meta.h"

#include <gumbo.h>

#include <exception>
#include <utility>

#include "core/status.h"
#include "core/strings.h"
#include "core/url.h"
#include "parsers/html_page.h"

namespace swarmcrawl {
namespace {

using json = nlohmann::json;

// A list-valued tag (citation_authors, citation_keywords) is read up to this
// many bytes before it is split; a part cut by the bound is dropped.
constexpr size_t kMaxListBytes = 64u << 10;
// citation_keywords tags read per page (each may hold several keywords).
constexpr size_t kMaxKeywordTags = 1000;
// DC date tags tried per page.
constexpr size_t kMaxDcDates = 8;
// Digits and dots of a DOI's registrant code ("5555" in "10.5555/x").
constexpr size_t kMaxDoiPrefix = 32;

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

const char* Attr(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a == nullptr ? nullptr : a->value;
}

// What a tag fills.
enum Tag {
  kTagTitle,
  kTagAuthor,
  kTagAuthorList,
  kTagPublicationDate,
  kTagDate,
  kTagJournal,
  kTagConference,
  kTagVolume,
  kTagIssue,
  kTagFirstPage,
  kTagLastPage,
  kTagDoi,
  kTagPdfUrl,
  kTagAbstractUrl,
  kTagPublisher,
  kTagLanguage,
  kTagKeywords,
  kTagDcCreator,
  kTagDcDate,
  kTagCount
};

struct TagName {
  const char* name;  // lower-case; <meta name> is compared ignoring ASCII case
  Tag tag;
};

constexpr TagName kTagNames[] = {
    {"citation_title", kTagTitle},
    {"citation_author", kTagAuthor},
    {"citation_authors", kTagAuthorList},
    {"citation_publication_date", kTagPublicationDate},
    {"citation_date", kTagDate},
    {"citation_journal_title", kTagJournal},
    {"citation_conference_title", kTagConference},
    {"citation_volume", kTagVolume},
    {"citation_issue", kTagIssue},
    {"citation_firstpage", kTagFirstPage},
    {"citation_lastpage", kTagLastPage},
    {"citation_doi", kTagDoi},
    {"citation_pdf_url", kTagPdfUrl},
    {"citation_abstract_html_url", kTagAbstractUrl},
    {"citation_publisher", kTagPublisher},
    {"citation_language", kTagLanguage},
    {"citation_keywords", kTagKeywords},
    {"dc.creator", kTagDcCreator},
    {"dc.creator.personalname", kTagDcCreator},
    {"dcterms.creator", kTagDcCreator},
    {"dc.date", kTagDcDate},
    {"dc.date.issued", kTagDcDate},
    {"dcterms.issued", kTagDcDate},
};
constexpr size_t kMaxTagNameBytes = 32;  // longer <meta name>s are none of the above

// What the walk found: views into the Gumbo tree's attribute values (valid
// while the tree is), trimmed and non-empty. Nothing is copied here, so a
// page of huge attributes costs no more than its parse did.
struct Found {
  std::string_view first[kTagCount];          // the first value of each single-valued tag
  std::vector<std::string_view> authors;      // citation_author, at most kMaxCitationAuthors
  std::vector<std::string_view> dc_creators;  // at most kMaxCitationAuthors
  std::vector<std::string_view> dc_dates;     // at most kMaxDcDates
  std::vector<std::string_view> keywords;     // citation_keywords values, at most kMaxKeywordTags
  bool authors_cut = false;                   // more citation_author tags than kept
  bool dc_creators_cut = false;
  bool keywords_cut = false;
  std::string_view base_href;  // the first <base href>
  bool have_base = false;
};

void Keep(std::vector<std::string_view>* list, std::string_view v, size_t max, bool* cut) {
  if (list->size() < max) {
    list->push_back(v);
  } else {
    *cut = true;
  }
}

void NoteMeta(const GumboElement& e, Found* f) {
  const char* name = Attr(e, "name");
  const char* content = Attr(e, "content");
  if (name == nullptr || content == nullptr) return;
  const std::string_view key = Trim(name);
  if (key.size() > kMaxTagNameBytes) return;
  const std::string_view value = Trim(content);
  if (value.empty()) return;
  for (const TagName& t : kTagNames) {
    if (!EqualsIgnoreCase(key, t.name)) continue;
    bool ignored = false;
    switch (t.tag) {
      case kTagAuthor: Keep(&f->authors, value, kMaxCitationAuthors, &f->authors_cut); break;
      case kTagDcCreator:
        Keep(&f->dc_creators, value, kMaxCitationAuthors, &f->dc_creators_cut);
        break;
      case kTagDcDate: Keep(&f->dc_dates, value, kMaxDcDates, &ignored); break;
      case kTagKeywords: Keep(&f->keywords, value, kMaxKeywordTags, &f->keywords_cut); break;
      default:
        if (f->first[t.tag].empty()) f->first[t.tag] = value;
        break;
    }
    return;
  }
}

// Visits every element in document order with an explicit stack (no
// recursion). <template> contents are inert and SVG / MathML subtrees hold
// no HTML <meta>, so neither is entered.
void Walk(const GumboNode* root, Found* f) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    const GumboVector* kids = nullptr;
    if (n->type == GUMBO_NODE_DOCUMENT) {
      kids = &n->v.document.children;
    } else if (n->type == GUMBO_NODE_ELEMENT) {
      const GumboElement& e = n->v.element;
      if (e.tag_namespace != GUMBO_NAMESPACE_HTML) continue;
      if (e.tag == GUMBO_TAG_META) {
        NoteMeta(e, f);
        continue;  // a void element
      }
      if (e.tag == GUMBO_TAG_BASE && !f->have_base) {
        if (const char* href = Attr(e, "href")) {
          f->have_base = true;
          f->base_href = Trim(href);
        }
      }
      kids = &e.children;
    } else {
      continue;  // text, comments, <template>
    }
    for (size_t i = kids->length; i-- > 0;) {
      stack.push_back(static_cast<const GumboNode*>(kids->data[i]));
    }
  }
}

// One-line field: whitespace collapsed, valid UTF-8, bounded, trimmed (a
// cut at the bound can leave a trailing space).
std::string Line(std::string_view v) {
  std::string s = CollapseSpaces(v, kMaxCitationFieldBytes);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Calls fn(part) for each trimmed part of `s` between `sep`s; the last part
// is skipped when `drop_last` (it was cut by a bound).
template <typename Fn>
void ForEachPart(std::string_view s, char sep, bool drop_last, Fn fn) {
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    const bool last = end == std::string_view::npos;
    if (last) end = s.size();
    if (!(last && drop_last)) fn(Trim(s.substr(start, end - start)));
    start = end + 1;
  }
}

// A list-valued tag's text, and whether kMaxListBytes cut it.
std::string ListText(std::string_view v, bool* cut) {
  std::string text = CollapseSpaces(v, kMaxListBytes);
  // CollapseSpaces stops past the bound and cuts on a code point boundary,
  // so a cut text is within 3 bytes of it.
  *cut = text.size() + 3 >= kMaxListBytes;
  return text;
}

void AddAuthor(CitationMeta* m, std::string_view v) {
  std::string name = Line(v);
  if (name.empty()) return;
  if (m->authors.size() >= kMaxCitationAuthors) {
    m->truncated = true;
    return;
  }
  m->authors.push_back(std::move(name));
}

// Adds one keyword; false once the list is full and a new keyword is
// dropped (the caller stops reading).
bool AddKeyword(CitationMeta* m, std::string_view v) {
  std::string k = Line(v);
  if (k.empty()) return true;
  for (const std::string& e : m->keywords) {
    if (e == k) return true;
  }
  if (m->keywords.size() >= kMaxCitationKeywords) {
    m->truncated = true;
    return false;
  }
  m->keywords.push_back(std::move(k));
  return true;
}

// `ref` resolved against `base` (or, with no base, taken if absolute) and
// canonicalized; "" when unusable or over kMaxCitationUrlBytes.
std::string ResolveRef(std::string_view base, std::string_view ref) {
  ref = Trim(ref);
  if (ref.empty() || ref.size() > kMaxCitationUrlBytes) return "";
  std::string out;
  const Status s = base.empty() ? CanonicalizeUrl(ref, &out) : ResolveUrl(base, ref, &out);
  if (!s.ok() || out.size() > kMaxCitationUrlBytes) return "";
  return SanitizeUtf8(out);
}

json OrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// Reads 1 to `max_digits` digits at s[*i...] (at least `min_digits`); false
// when there are fewer, or more than `max_digits` in a row.
bool ReadNumber(std::string_view s, size_t* i, size_t min_digits, size_t max_digits, int* value) {
  size_t n = 0;
  int v = 0;
  while (*i < s.size() && IsDigit(s[*i])) {
    if (++n > max_digits) return false;
    v = v * 10 + (s[*i] - '0');
    ++*i;
  }
  if (n < min_digits) return false;
  *value = v;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
  return kDays[month - 1];
}

// "Jan", "june", "Sept" -> 1..12: a prefix of at least three letters of an
// English month name; 0 for anything else.
int MonthNamed(std::string_view word) {
  static constexpr std::string_view kMonths[] = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (word.size() < 3) return 0;
  for (int m = 0; m < 12; ++m) {
    const std::string_view full = kMonths[m];
    if (word.size() <= full.size() && EqualsIgnoreCase(word, full.substr(0, word.size()))) {
      return m + 1;
    }
  }
  return 0;
}

void AppendTwoDigits(std::string* out, int v) {
  out->push_back('-');
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

// "YYYY", "YYYY-MM" (month > 0) or "YYYY-MM-DD" (day > 0 too).
std::string FormatDate(int year, int month, int day) {
  std::string out = std::to_string(year);
  if (month > 0) AppendTwoDigits(&out, month);
  if (month > 0 && day > 0) AppendTwoDigits(&out, day);
  return out;
}

}  // namespace

std::string NormalizeCitationDate(std::string_view s) {
  s = Trim(s);
  if (s.size() > 64) return "";
  size_t i = 0;
  int year = 0, month = 0, day = 0;
  if (!ReadNumber(s, &i, 4, 4, &year) || year < 1000) return "";
  if (i == s.size()) return FormatDate(year, 0, 0);
  const char sep = s[i];
  if (sep == '-' || sep == '/' || sep == '.') {
    // "2021/03/15", "2021-3-5", "2021.03", with the same separator twice.
    ++i;
    if (!ReadNumber(s, &i, 1, 2, &month) || month < 1 || month > 12) return "";
    if (i < s.size() && s[i] == sep) {
      ++i;
      if (!ReadNumber(s, &i, 1, 2, &day) || day < 1 || day > DaysInMonth(year, month)) return "";
    }
    // A time may follow ("2021-03-15T08:00:00Z", "2021-03-15 08:00"); nothing else may.
    if (i < s.size() && s[i] != 'T' && s[i] != 't' && !IsSpace(s[i])) return "";
    return FormatDate(year, month, day);
  }
  if (!IsSpace(sep) && sep != ',') return "";
  // "2019 Jun 5", "2019 June", "2019 Spring" (PubMed style): the year is
  // certain; a month and day only when they read as one.
  while (i < s.size() && (IsSpace(s[i]) || s[i] == ',')) ++i;
  const size_t word = i;
  while (i < s.size() && IsAlpha(s[i])) ++i;
  month = MonthNamed(s.substr(word, i - word));
  if (month == 0) return FormatDate(year, 0, 0);
  if (i < s.size() && s[i] == '.') ++i;  // "Sept."
  while (i < s.size() && IsSpace(s[i])) ++i;
  if (i < s.size() && IsDigit(s[i])) {
    if (!ReadNumber(s, &i, 1, 2, &day) || day < 1 || day > DaysInMonth(year, month)) day = 0;
  }
  return FormatDate(year, month, day);
}

std::string NormalizeDoi(std::string_view doi) {
  doi = Trim(doi);
  static constexpr std::string_view kPrefixes[] = {
      "https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/",
      "doi.org/",         "info:doi/",       "doi:"};
  for (std::string_view p : kPrefixes) {
    if (doi.size() >= p.size() && EqualsIgnoreCase(doi.substr(0, p.size()), p)) {
      doi = Trim(doi.substr(p.size()));  // "doi: 10.5555/x"
      break;
    }
  }
  if (doi.size() > kMaxCitationFieldBytes || doi.size() < 6 || doi.substr(0, 3) != "10." ||
      !IsDigit(doi[3])) {
    return "";
  }
  const size_t slash = doi.find('/');
  if (slash == std::string_view::npos || slash > 3 + kMaxDoiPrefix || slash + 1 == doi.size()) {
    return "";
  }
  for (size_t i = 3; i < slash; ++i) {
    if (!IsDigit(doi[i]) && doi[i] != '.') return "";
  }
  for (size_t i = slash + 1; i < doi.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(doi[i]);
    if (c <= 0x20 || c == 0x7f) return "";
  }
  return SanitizeUtf8(doi);
}

bool ReadCitationMeta(const GumboNode* root, std::string_view page_url, CitationMeta* out) {
  if (root == nullptr) return false;
  Found f;
  Walk(root, &f);
  CitationMeta m;
  m.title = Line(f.first[kTagTitle]);
  if (m.title.empty()) return false;

  // Authors: citation_author tags, else the older citation_authors list,
  // else Dublin Core creators.
  if (!f.authors.empty()) {
    for (std::string_view a : f.authors) AddAuthor(&m, a);
    if (f.authors_cut) m.truncated = true;
  } else if (!f.first[kTagAuthorList].empty()) {
    bool cut = false;
    const std::string list = ListText(f.first[kTagAuthorList], &cut);
    ForEachPart(list, ';', cut, [&](std::string_view a) { AddAuthor(&m, a); });
    if (cut) m.truncated = true;
  } else {
    for (std::string_view a : f.dc_creators) AddAuthor(&m, a);
    if (f.dc_creators_cut) m.truncated = true;
  }

  // The first date that reads as one.
  std::vector<std::string_view> dates{f.first[kTagPublicationDate], f.first[kTagDate]};
  dates.insert(dates.end(), f.dc_dates.begin(), f.dc_dates.end());
  for (std::string_view d : dates) {
    m.date = NormalizeCitationDate(d);
    if (!m.date.empty()) break;
  }

  m.journal = Line(f.first[kTagJournal]);
  m.conference = Line(f.first[kTagConference]);
  m.volume = Line(f.first[kTagVolume]);
  m.issue = Line(f.first[kTagIssue]);
  m.first_page = Line(f.first[kTagFirstPage]);
  m.last_page = Line(f.first[kTagLastPage]);
  m.doi = NormalizeDoi(f.first[kTagDoi]);
  m.publisher = Line(f.first[kTagPublisher]);
  m.language = Line(f.first[kTagLanguage]);

  // URLs resolve against <base href> (itself resolved against the page), as
  // a browser would.
  std::string base(page_url);
  if (f.have_base) {
    std::string b = ResolveRef(page_url, f.base_href);
    if (!b.empty()) base = std::move(b);
  }
  m.pdf_url = ResolveRef(base, f.first[kTagPdfUrl]);
  m.abstract_html_url = ResolveRef(base, f.first[kTagAbstractUrl]);

  // Keywords: "a; b; c" or "a, b, c", one or several tags.
  bool more = true;
  for (size_t i = 0; i < f.keywords.size() && more; ++i) {
    bool cut = false;
    const std::string text = ListText(f.keywords[i], &cut);
    const char sep = text.find(';') != std::string::npos ? ';' : ',';
    ForEachPart(text, sep, cut, [&](std::string_view k) {
      if (more) more = AddKeyword(&m, k);
    });
    if (cut) m.truncated = true;
  }
  if (f.keywords_cut) m.truncated = true;

  *out = std::move(m);
  return true;
}

json CitationRecord(const CitationMeta& m) {
  json r = json::object();
  r["schema"] = "scholarly_article.v1";
  r["source"] = "citation_meta";
  r["title"] = m.title;
  r["authors"] = m.authors;
  r["date"] = OrNull(m.date);
  r["journal"] = OrNull(m.journal);
  r["conference"] = OrNull(m.conference);
  r["volume"] = OrNull(m.volume);
  r["issue"] = OrNull(m.issue);
  r["first_page"] = OrNull(m.first_page);
  r["last_page"] = OrNull(m.last_page);
  r["doi"] = OrNull(m.doi);
  r["pdf_url"] = OrNull(m.pdf_url);
  r["abstract_html_url"] = OrNull(m.abstract_html_url);
  r["publisher"] = OrNull(m.publisher);
  r["language"] = OrNull(m.language);
  r["keywords"] = m.keywords;
  r["truncated"] = m.truncated;
  return r;
}

std::vector<json> CitationMetaRecords(const PageInput& in) {
  try {
    CitationMeta m;
    if (!ReadCitationMeta(in.root, in.url, &m)) return {};
    std::vector<json> out;
    out.push_back(CitationRecord(m));
    return out;
  } catch (const std::exception&) {
    return {};  // allocation failure: no record rather than an escaping exception
  }
}

}  // namespace swarmcrawl
