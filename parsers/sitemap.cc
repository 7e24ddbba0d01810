#include "parsers/sitemap.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlversion.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <mutex>

#include "core/strings.h"
#include "core/url.h"

namespace swarmcrawl {
namespace {

Status Bad(std::string message) { return Status::Error("bad_sitemap", std::move(message)); }

inline unsigned char U(char c) { return static_cast<unsigned char>(c); }

// ---------------------------------------------------------------------------
// Whitespace

inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Length of the whitespace character at the start of `s` (ASCII whitespace,
// or the UTF-8 of U+0085, U+00A0, U+1680, U+2000..U+200B, U+2028, U+2029,
// U+202F, U+205F, U+2060, U+3000, U+FEFF), or 0.
size_t SpaceLen(std::string_view s) {
  if (s.empty()) return 0;
  const unsigned char c = U(s[0]);
  if (IsAsciiSpace(s[0])) return 1;
  if (c == 0xC2) return s.size() >= 2 && (U(s[1]) == 0x85 || U(s[1]) == 0xA0) ? 2 : 0;
  if (s.size() < 3 || c < 0xE1 || c > 0xEF) return 0;
  const unsigned char c1 = U(s[1]), c2 = U(s[2]);
  if (c == 0xE1) return c1 == 0x9A && c2 == 0x80 ? 3 : 0;
  if (c == 0xE2) {
    if (c1 == 0x80) return (c2 <= 0x8B || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF) ? 3 : 0;
    if (c1 == 0x81) return (c2 == 0x9F || c2 == 0xA0) ? 3 : 0;
    return 0;
  }
  if (c == 0xE3) return c1 == 0x80 && c2 == 0x80 ? 3 : 0;
  if (c == 0xEF) return c1 == 0xBB && c2 == 0xBF ? 3 : 0;
  return 0;
}

std::string_view TrimLeft(std::string_view s) {
  while (size_t n = SpaceLen(s)) s.remove_prefix(n);
  return s;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty()) {
    size_t n = 0;
    for (size_t len = 1; len <= 3 && len <= s.size(); ++len) {
      if (SpaceLen(s.substr(s.size() - len)) == len) {
        n = len;
        break;
      }
    }
    if (n == 0) break;
    s.remove_suffix(n);
  }
  return s;
}

std::string_view Trim(std::string_view s) { return TrimRight(TrimLeft(s)); }

bool StartsWithIgnoreCase(std::string_view s, std::string_view lower_prefix) {
  return s.size() >= lower_prefix.size() &&
         EqualsIgnoreCase(s.substr(0, lower_prefix.size()), lower_prefix);
}

// ---------------------------------------------------------------------------
// Dates

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct DateTime {
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
  int offset_minutes = 0;  // local time minus UTC
};

// Milliseconds since the epoch, or 0 when a field is out of range or the
// instant is not after 1970-01-01T00:00:00Z.
int64_t ToEpochMs(const DateTime& t) {
  if (t.year < 1970 || t.year > 9999 || t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > DaysInMonth(t.year, t.month) || t.hour > 23 || t.minute > 59 || t.second > 60 ||
      t.offset_minutes < -24 * 60 || t.offset_minutes > 24 * 60) {
    return 0;
  }
  const int64_t minutes =
      (DaysFromCivil(t.year, t.month, t.day) * 24 + t.hour) * 60 + t.minute - t.offset_minutes;
  const int64_t ms = (minutes * 60 + t.second) * 1000 + t.millis;
  return ms > 0 ? ms : 0;
}

// A cursor over a short ASCII string.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (peek() != c || done()) return false;
    ++i_;
    return true;
  }
  // Exactly `n` decimal digits.
  bool Digits(int n, int* v) {
    if (s_.size() - i_ < static_cast<size_t>(n)) return false;
    int x = 0;
    for (int k = 0; k < n; ++k) {
      const char c = s_[i_ + k];
      if (c < '0' || c > '9') return false;
      x = x * 10 + (c - '0');
    }
    i_ += n;
    *v = x;
    return true;
  }
  // Between `min` and `max` decimal digits; returns how many were read.
  int DigitRun(int min, int max, int* v) {
    int n = 0, x = 0;
    while (n < max && !done() && s_[i_] >= '0' && s_[i_] <= '9') {
      x = x * 10 + (s_[i_] - '0');
      ++i_;
      ++n;
    }
    if (n < min) return 0;
    *v = x;
    return n;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// "Z", "+hh:mm", "+hhmm" or "+hh" (and '-'): writes the offset in minutes.
bool ParseNumericZone(Scanner* sc, int* offset_minutes) {
  if (sc->Eat('Z') || sc->Eat('z')) {
    *offset_minutes = 0;
    return true;
  }
  int sign;
  if (sc->Eat('+')) {
    sign = 1;
  } else if (sc->Eat('-')) {
    sign = -1;
  } else {
    return false;
  }
  int hh = 0, mm = 0;
  if (!sc->Digits(2, &hh)) return false;
  if (sc->Eat(':')) {
    if (!sc->Digits(2, &mm)) return false;
  } else if (!sc->done()) {
    if (!sc->Digits(2, &mm)) return false;
  }
  if (hh > 23 || mm > 59) return false;
  *offset_minutes = sign * (hh * 60 + mm);
  return true;
}

int MonthFromName(std::string_view name) {
  static constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() < 3) return 0;
  for (int m = 0; m < 12; ++m) {
    if (EqualsIgnoreCase(name.substr(0, 3), kMonths[m])) return m + 1;
  }
  return 0;
}

bool IsAlphaToken(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t) {
    if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) return false;
  }
  return true;
}

// Named zones of RFC 822 section 5 (military letters count as UTC, as RFC 2822 advises).
bool NamedZoneOffset(std::string_view z, int* offset_minutes) {
  struct Zone {
    const char* name;
    int hours;
  };
  static constexpr Zone kZones[] = {{"ut", 0},   {"utc", 0},  {"gmt", 0},  {"z", 0},
                                    {"est", -5}, {"edt", -4}, {"cst", -6}, {"cdt", -5},
                                    {"mst", -7}, {"mdt", -6}, {"pst", -8}, {"pdt", -7}};
  for (const Zone& zone : kZones) {
    if (EqualsIgnoreCase(z, zone.name)) {
      *offset_minutes = zone.hours * 60;
      return true;
    }
  }
  if (z.size() == 1 && IsAlphaToken(z)) {
    *offset_minutes = 0;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// gzip

constexpr size_t kInflateChunk = 64 * 1024;

struct InflateGuard {
  z_stream* zs;
  ~InflateGuard() { inflateEnd(zs); }
};

// Decompresses the gzip stream `in` (concatenated members too) into *out,
// at most `max_bytes`. Sets *cut when the output was capped, or when the
// stream is corrupt or ends early after some output. Memory is bounded by
// max_bytes: the buffer grows by at most doubling and never beyond the cap.
// A problem after some output is reported in *damage (and *cut set).
Status Gunzip(std::string_view in, size_t max_bytes, std::vector<char>* out, bool* cut,
              std::string* damage) {
  out->clear();
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Bad("cannot start gzip decoder");
  InflateGuard guard{&zs};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = 0;
  std::string problem;
  while (true) {
    const size_t consumed = reinterpret_cast<const char*>(zs.next_in) - in.data();
    if (zs.avail_in == 0) {
      if (consumed == in.size()) {
        problem = "gzip data ends early";
        break;
      }
      zs.avail_in = static_cast<uInt>(std::min<size_t>(in.size() - consumed, 1u << 30));
    }
    if (out->size() >= max_bytes) {
      *cut = true;
      break;
    }
    const size_t room = std::min(kInflateChunk, max_bytes - out->size());
    const size_t old = out->size();
    if (out->capacity() < old + room) {
      size_t want = std::max(old + room, std::max<size_t>(out->capacity() * 2, 256 * 1024));
      out->reserve(std::min(want, max_bytes));
    }
    out->resize(old + room);
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + old);
    zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out->resize(old + room - zs.avail_out);
    if (rc == Z_STREAM_END) {
      // Another member may follow; anything else after the stream is ignored.
      const size_t pos = reinterpret_cast<const char*>(zs.next_in) - in.data();
      if (in.size() - pos >= 2 && U(in[pos]) == 0x1f && U(in[pos + 1]) == 0x8b &&
          inflateReset(&zs) == Z_OK) {
        continue;
      }
      break;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) continue;  // needs more input
    problem = zs.msg != nullptr ? std::string("corrupt gzip data (") + zs.msg + ")"
                                : "corrupt gzip data (zlib error " + std::to_string(rc) + ")";
    break;
  }
  if (!problem.empty()) {
    if (out->empty()) return Bad(problem + ", nothing could be decoded");
    *cut = true;  // keep what was decoded: the parsers keep complete entries only
    *damage = problem + " after " + std::to_string(out->size()) + " bytes";
  }
  return Status::OK();
}

bool IsGzip(std::string_view data) {
  return data.size() >= 2 && U(data[0]) == 0x1f && U(data[1]) == 0x8b;
}

// ---------------------------------------------------------------------------
// Entries

// Collects entries and applies the URL rules and the count limit.
class Collector {
 public:
  Collector(Sitemap* out, const SitemapLimits& limits, std::string_view base)
      : out_(out), limits_(limits) {
    if (!base.empty()) has_base_ = resolver_.SetBase(base).ok();
  }

  bool stopped() const { return stopped_; }

  // `absolute_only`: sitemap and text entries must be absolute; feed links
  // are resolved against the base.
  void Add(std::string_view raw, int64_t lastmod_ms, bool child_sitemap, bool absolute_only) {
    if (out_->urls.size() + out_->sitemaps.size() >= limits_.max_urls) {
      out_->truncated = true;
      stopped_ = true;
      return;
    }
    const std::string_view ref = Trim(raw);
    if (ref.empty() || ref.size() > kMaxSitemapUrlBytes) {
      ++out_->skipped;
      return;
    }
    SitemapEntry e;
    e.lastmod_ms = lastmod_ms;
    Status s;
    if (absolute_only || !has_base_) {
      // Cheap pre-check: a file of junk lines costs no URL parsing.
      if (!StartsWithIgnoreCase(ref, "http://") && !StartsWithIgnoreCase(ref, "https://")) {
        ++out_->skipped;
        return;
      }
      s = CanonicalizeUrl(ref, &e.url);
    } else {
      s = resolver_.Resolve(ref, &e.url);
    }
    if (!s.ok() || e.url.size() > kMaxSitemapUrlBytes) {
      ++out_->skipped;
      return;
    }
    (child_sitemap ? out_->sitemaps : out_->urls).push_back(std::move(e));
  }

  void Skip() { ++out_->skipped; }

 private:
  Sitemap* out_;
  const SitemapLimits& limits_;
  UrlResolver resolver_;
  bool has_base_ = false;
  bool stopped_ = false;
};

// ---------------------------------------------------------------------------
// Plain text

// Binary data has NUL bytes or control characters other than whitespace,
// and random bytes have them within a few hundred bytes.
bool LooksBinary(std::string_view s) {
  const size_t n = std::min<size_t>(s.size(), 8192);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = U(s[i]);
    if ((c < 0x20 && !IsAsciiSpace(s[i])) || c == 0x7f) return true;
  }
  return false;
}

Status ParseText(std::string_view text, bool cut, Collector* collector, Sitemap* out) {
  if (LooksBinary(text)) return Bad("binary data, not a sitemap");
  if (cut) {
    // The last line may be a URL cut in the middle: keep complete lines only.
    const size_t nl = text.find_last_of("\r\n");
    text = nl == std::string_view::npos ? std::string_view() : text.substr(0, nl + 1);
  }
  out->kind = "text";
  size_t lines = 0;
  std::string_view first_line;
  while (!text.empty() && !collector->stopped()) {
    const size_t nl = text.find_first_of("\r\n");
    const std::string_view line = Trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    if (lines++ == 0) first_line = line;
    collector->Add(line, 0, /*child_sitemap=*/false, /*absolute_only=*/true);
  }
  if (out->urls.empty() && !collector->stopped()) {
    if (lines == 0) return Bad("not a sitemap: no complete line within the byte limit");
    std::string shown(first_line.substr(0, 80));
    TruncateUtf8(&shown, 80);
    return Bad("not a sitemap: neither XML nor a list of http(s) URLs (first line: \"" + shown +
               "\")");
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// XML

// "&name;", "&#123;" or "&#x1F;" at the start of `s` (just after the '&').
// Without entity declarations in the document, only the five predefined
// names are references: anything else would be an undeclared entity.
bool StartsReference(std::string_view s, bool any_name) {
  size_t i = 0;
  if (!s.empty() && s[0] == '#') {
    i = 1;
    const bool hex = s.size() > 1 && s[1] == 'x';
    if (hex) ++i;
    const size_t digits_begin = i;
    while (i < s.size() && i < 16 &&
           (hex ? HexDigitValue(s[i]) >= 0 : (s[i] >= '0' && s[i] <= '9'))) {
      ++i;
    }
    return i > digits_begin && i < s.size() && s[i] == ';';
  }
  auto name_char = [](char ch, bool first) {
    const unsigned char c = U(ch);
    if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || c == ':' || c >= 0x80) {
      return true;
    }
    return !first && ((c >= '0' && c <= '9') || c == '.' || c == '-');
  };
  while (i < s.size() && i < 64 && name_char(s[i], i == 0)) ++i;
  if (i == 0 || i >= s.size() || s[i] != ';') return false;
  if (any_name) return true;
  const std::string_view name = s.substr(0, i);
  return name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos";
}

// Length of the valid UTF-8 sequence at the start of `s` (a character XML
// allows: no surrogates, no U+FFFE/U+FFFF), or 0.
size_t Utf8SequenceLength(std::string_view s) {
  const unsigned char c = U(s[0]);
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n || U(s[1]) < lo || U(s[1]) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((U(s[k]) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xEF && U(s[1]) == 0xBF && (U(s[2]) == 0xBE || U(s[2]) == 0xBF)) return 0;
  return n;
}

// The encoding named by the XML declaration at the start of `xml`, or "".
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

// libxml2's reader stops at the first well-formedness error, RECOVER or not,
// so the common defects of sitemaps in the wild would lose everything after
// them. This repairs the three that are cheap to repair without changing what
// a URL means:
//   - a raw '&' that starts no reference ("?a=1&b=2"; recovery would also
//     silently drop "&b") becomes "&amp;", outside comments, CDATA sections
//     and processing instructions;
//   - in a UTF-8 document (no other encoding declared), a byte that is not
//     part of valid UTF-8 (Latin-1 text, say) becomes "%XX", which is what
//     that byte means in a URL;
//   - a control character XML forbids becomes "%XX".
// Returns false, leaving *out alone, when nothing needs repair.
bool RepairXml(std::string_view xml, std::string* out) {
  const bool declares_entities = xml.find("<!ENTITY") != std::string_view::npos;
  const std::string_view encoding = DeclaredEncoding(xml);
  const bool utf8 =
      encoding.empty() || EqualsIgnoreCase(encoding, "utf-8") || EqualsIgnoreCase(encoding, "utf8");
  size_t copied = 0;  // xml[0, copied) is already in *out
  bool changed = false;
  auto replace = [&](size_t pos, std::string_view with) {
    if (!changed) out->reserve(xml.size() + 1024);
    changed = true;
    out->append(xml.substr(copied, pos - copied));
    out->append(with);
    copied = pos + 1;
  };
  auto escape_byte = [&](size_t pos) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const unsigned char c = U(xml[pos]);
    const char escaped[3] = {'%', kHex[c >> 4], kHex[c & 15]};
    replace(pos, std::string_view(escaped, 3));
  };
  std::string_view close;  // inside a comment, CDATA section or PI: how it ends
  size_t i = 0;
  while (i < xml.size()) {
    const unsigned char c = U(xml[i]);
    if (c >= 0x80) {
      const size_t n = utf8 ? Utf8SequenceLength(xml.substr(i)) : 1;
      if (n == 0) {
        escape_byte(i);
        ++i;
      } else {
        i += n;
      }
      continue;
    }
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      escape_byte(i);
      ++i;
      continue;
    }
    if (!close.empty()) {
      if (c == U(close[0]) && xml.substr(i, close.size()) == close) {
        i += close.size();
        close = {};
      } else {
        ++i;
      }
      continue;
    }
    if (c == '<') {
      const std::string_view rest = xml.substr(i);
      if (rest.substr(0, 4) == "<!--") {
        close = "-->";
        i += 4;
      } else if (rest.substr(0, 9) == "<![CDATA[") {
        close = "]]>";
        i += 9;
      } else if (rest.substr(0, 2) == "<?") {
        close = "?>";
        i += 2;
      } else {
        ++i;
      }
      continue;
    }
    if (c == '&' && !StartsReference(xml.substr(i + 1), declares_entities)) replace(i, "&amp;");
    ++i;
  }
  if (!changed) return false;
  out->append(xml.substr(copied));
  return true;
}

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

#if LIBXML_VERSION >= 21200
using XmlErrorArg = const xmlError*;
#else
using XmlErrorArg = xmlErrorPtr;
#endif

// libxml2 diagnostics of one parse: kept (the first one, for messages), never printed.
struct XmlErrors {
  std::string first;
};

void OnXmlError(void* arg, XmlErrorArg error) {
  auto* errors = static_cast<XmlErrors*>(arg);
  if (!errors->first.empty() || error == nullptr || error->message == nullptr) return;
  std::string m = std::string(Trim(error->message)).substr(0, 160);
  TruncateUtf8(&m, 160);
  errors->first = m + " at line " + std::to_string(error->line);
}

struct ReaderDeleter {
  void operator()(xmlTextReader* r) const { xmlFreeTextReader(r); }
};
using ReaderPtr = std::unique_ptr<xmlTextReader, ReaderDeleter>;

enum class Root { kUrlset, kIndex, kRss, kRdf, kAtom };

enum class Field { kNone, kLoc, kLink, kLastmod, kPublished };

constexpr size_t kMaxDateBytes = 128;

// The local name; libxml2 keeps the whole "prefix:name" when the prefix is undeclared.
std::string_view LocalName(xmlTextReader* r) {
  const xmlChar* n = xmlTextReaderConstLocalName(r);
  if (n == nullptr) return std::string_view();
  std::string_view name = reinterpret_cast<const char*>(n);
  const size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The value of the current element's attribute with local name `local`
// (any namespace). The value is read as its text pieces: an attribute that
// contains an entity reference is refused (returns false) rather than
// expanded, so no entity is ever expanded into a URL, however deep it nests.
bool GetAttribute(xmlTextReader* r, std::string_view local, size_t max_bytes, std::string* value) {
  bool found = false, ok = true;
  if (xmlTextReaderMoveToFirstAttribute(r) != 1) return false;
  do {
    if (!EqualsIgnoreCase(LocalName(r), local)) continue;
    found = true;
    value->clear();
    while (xmlTextReaderReadAttributeValue(r) == 1) {
      if (xmlTextReaderNodeType(r) != XML_READER_TYPE_TEXT) {
        ok = false;
        break;
      }
      const xmlChar* v = xmlTextReaderConstValue(r);
      if (v == nullptr) continue;
      value->append(reinterpret_cast<const char*>(v));
      if (value->size() > max_bytes) {
        ok = false;
        break;
      }
    }
    break;
  } while (xmlTextReaderMoveToNextAttribute(r) == 1);
  xmlTextReaderMoveToElement(r);
  return found && ok;
}

int64_t ParseAnyDate(std::string_view s, bool rfc822_first) {
  s = Trim(s);
  if (s.empty()) return 0;
  if (rfc822_first) {
    if (int64_t t = ParseRfc822Date(s)) return t;
    return ParseW3cDatetime(s);
  }
  if (int64_t t = ParseW3cDatetime(s)) return t;
  return ParseRfc822Date(s);
}

// Streams the document through xmlTextReader, one entry at a time.
class XmlSitemapParser {
 public:
  XmlSitemapParser(Collector* collector, Sitemap* out) : collector_(collector), out_(out) {}

  bool root_seen() const { return root_seen_; }

  Status Parse(std::string_view xml, bool cut) {
    InitLibxml();
    if (xml.size() > INT_MAX) {
      xml = xml.substr(0, INT_MAX);
      cut = true;
    }
    const int size = static_cast<int>(xml.size());
    ReaderPtr reader(xmlReaderForMemory(
        xml.data(), size, /*URL=*/nullptr, /*encoding=*/nullptr,
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_RECOVER));
    if (!reader) return Bad("cannot create an XML reader");
    xmlTextReaderSetStructuredErrorHandler(reader.get(), OnXmlError, &errors_);
    xmlTextReader* r = reader.get();
    while (!collector_->stopped() && xmlTextReaderRead(r) == 1) {
      const int type = xmlTextReaderNodeType(r);
      const int depth = xmlTextReaderDepth(r);
      if (type == XML_READER_TYPE_ELEMENT) {
        if (Status s = OnElement(r, depth); !s.ok()) return s;
      } else if (type == XML_READER_TYPE_END_ELEMENT) {
        OnEnd(depth);
      } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                 type == XML_READER_TYPE_WHITESPACE ||
                 type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
        if (field_ != Field::kNone && depth == field_depth_ + 1) {
          const xmlChar* v = xmlTextReaderConstValue(r);
          if (v != nullptr) AppendText(reinterpret_cast<const char*>(v));
        }
      } else if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
        // Never expanded. A URL with a hole where the entity was would be a
        // different URL, so the field is unusable.
        if (field_ != Field::kNone && depth == field_depth_ + 1) {
          text_bad_ = true;
          text_.clear();
        }
      }
    }
    if (!root_seen_) {
      if (errors_.first.empty()) return Bad("not a sitemap: no XML element found");
      return Bad("not a sitemap: XML not well-formed before its first element (" + errors_.first +
                 ")");
    }
    if (!root_closed_ || cut) out_->truncated = true;
    return Status::OK();
  }

 private:
  Status OnElement(xmlTextReader* r, int depth) {
    const std::string_view name = LocalName(r);
    const bool empty = xmlTextReaderIsEmptyElement(r) == 1;
    if (!root_seen_) {
      if (EqualsIgnoreCase(name, "urlset")) {
        root_ = Root::kUrlset;
        out_->kind = "urlset";
      } else if (EqualsIgnoreCase(name, "sitemapindex")) {
        root_ = Root::kIndex;
        out_->kind = "sitemapindex";
      } else if (EqualsIgnoreCase(name, "rss")) {
        root_ = Root::kRss;
        out_->kind = "rss";
      } else if (EqualsIgnoreCase(name, "rdf")) {
        root_ = Root::kRdf;
        out_->kind = "rss";
      } else if (EqualsIgnoreCase(name, "feed")) {
        root_ = Root::kAtom;
        out_->kind = "atom";
      } else if (EqualsIgnoreCase(name, "html")) {
        return Bad("an HTML page, not a sitemap");
      } else {
        const xmlChar* qname = xmlTextReaderConstName(r);
        std::string shown = qname == nullptr ? "" : reinterpret_cast<const char*>(qname);
        if (shown.size() > 64) shown = shown.substr(0, 64) + "...";
        TruncateUtf8(&shown, 67);
        return Bad("XML root element <" + shown +
                   "> is none of urlset, sitemapindex, rss, rdf:RDF, feed");
      }
      root_seen_ = true;
      root_closed_ = empty;
      return Status::OK();
    }
    if (!in_entry_) {
      const bool sitemap_like = root_ == Root::kUrlset || root_ == Root::kIndex;
      if (sitemap_like && EqualsIgnoreCase(name, "url")) {
        BeginEntry(depth, /*child_sitemap=*/false);
      } else if (sitemap_like && EqualsIgnoreCase(name, "sitemap")) {
        BeginEntry(depth, /*child_sitemap=*/true);
      } else if ((root_ == Root::kRss || root_ == Root::kRdf) && EqualsIgnoreCase(name, "item")) {
        BeginEntry(depth, false);
        if (root_ == Root::kRdf) {
          std::string about;
          if (GetAttribute(r, "about", kMaxSitemapUrlBytes + 1024, &about)) {
            fallback_ = std::move(about);
          }
        }
      } else if (root_ == Root::kAtom && EqualsIgnoreCase(name, "entry")) {
        BeginEntry(depth, false);
      } else {
        return Status::OK();
      }
      if (empty) EndEntry();
      return Status::OK();
    }
    if (depth != entry_depth_ + 1 || field_ != Field::kNone) return Status::OK();
    Field field = Field::kNone;
    switch (root_) {
      case Root::kUrlset:
      case Root::kIndex:
        if (EqualsIgnoreCase(name, "loc")) field = Field::kLoc;
        if (EqualsIgnoreCase(name, "lastmod")) field = Field::kLastmod;
        break;
      case Root::kRss:
      case Root::kRdf:
        if (EqualsIgnoreCase(name, "link")) field = Field::kLink;
        if (EqualsIgnoreCase(name, "pubdate")) field = Field::kLastmod;
        if (EqualsIgnoreCase(name, "date")) field = Field::kPublished;  // dc:date
        break;
      case Root::kAtom:
        if (EqualsIgnoreCase(name, "link")) field = Field::kLink;
        if (EqualsIgnoreCase(name, "updated")) field = Field::kLastmod;
        if (EqualsIgnoreCase(name, "published")) field = Field::kPublished;
        break;
    }
    if (field == Field::kNone) return Status::OK();
    if (field == Field::kLink) {
      // Atom links, and atom:link elements inside RSS items, carry href;
      // rel="self", "enclosure", ... point elsewhere than the entry's page.
      std::string href, rel;
      if (href_.empty() && GetAttribute(r, "href", kMaxSitemapUrlBytes + 1024, &href)) {
        const bool has_rel = GetAttribute(r, "rel", 64, &rel);
        if (!has_rel || EqualsIgnoreCase(Trim(rel), "alternate")) {
          href_ = std::move(href);
          if (href_.empty()) href_ = " ";  // present but empty: still a (bad) link
        }
      }
      if (root_ == Root::kAtom) return Status::OK();
    }
    if (empty) return Status::OK();
    field_ = field;
    field_depth_ = depth;
    text_.clear();
    text_bad_ = false;
    return Status::OK();
  }

  void OnEnd(int depth) {
    if (field_ != Field::kNone && depth == field_depth_) {
      EndField();
    } else if (in_entry_ && depth == entry_depth_) {
      EndEntry();
    } else if (depth == 0 && root_seen_) {
      root_closed_ = true;
    }
  }

  void BeginEntry(int depth, bool child_sitemap) {
    in_entry_ = true;
    entry_depth_ = depth;
    child_sitemap_ = child_sitemap;
    loc_.clear();
    href_.clear();
    fallback_.clear();
    loc_bad_ = false;
    lastmod_ = published_ = 0;
    field_ = Field::kNone;
  }

  void AppendText(std::string_view piece) {
    if (text_bad_) return;
    if (text_.empty()) piece = TrimLeft(piece);
    text_.append(piece);
    const size_t cap =
        field_ == Field::kLoc || field_ == Field::kLink ? kMaxSitemapUrlBytes : kMaxDateBytes;
    if (text_.size() > cap) {
      text_.resize(TrimRight(text_).size());
      if (text_.size() > cap) {
        text_bad_ = true;
        text_.clear();
      }
    }
  }

  void EndField() {
    const std::string_view value = Trim(text_);
    switch (field_) {
      case Field::kLoc:
      case Field::kLink:
        if (loc_.empty() && !loc_bad_) {
          if (text_bad_) {
            loc_bad_ = true;
          } else {
            loc_.assign(value);
          }
        }
        break;
      case Field::kLastmod:
        if (lastmod_ == 0) lastmod_ = ParseAnyDate(value, root_ == Root::kRss);
        break;
      case Field::kPublished:
        if (published_ == 0) published_ = ParseAnyDate(value, false);
        break;
      case Field::kNone:
        break;
    }
    field_ = Field::kNone;
  }

  void EndEntry() {
    in_entry_ = false;
    field_ = Field::kNone;
    const int64_t lastmod = lastmod_ != 0 ? lastmod_ : published_;
    const bool sitemap_like = root_ == Root::kUrlset || root_ == Root::kIndex;
    if (loc_bad_) {
      collector_->Skip();
      return;
    }
    const std::string& url = !loc_.empty() ? loc_ : !href_.empty() ? href_ : fallback_;
    collector_->Add(url, lastmod, child_sitemap_, /*absolute_only=*/sitemap_like);
  }

  Collector* collector_;
  Sitemap* out_;
  XmlErrors errors_;
  Root root_ = Root::kUrlset;
  bool root_seen_ = false;
  bool root_closed_ = false;
  bool in_entry_ = false;
  int entry_depth_ = 0;
  bool child_sitemap_ = false;
  bool text_bad_ = false;  // too long, or holds an entity reference
  std::string loc_;        // <loc>, or the text of <link>
  std::string href_;       // <link href> with rel absent or "alternate"
  std::string fallback_;   // <item rdf:about>
  bool loc_bad_ = false;
  int64_t lastmod_ = 0;
  int64_t published_ = 0;
  Field field_ = Field::kNone;
  int field_depth_ = 0;
  std::string text_;
};

bool LooksLikeHtml(std::string_view s) {
  const std::string head = AsciiLower(s.substr(0, 1024));
  return head.starts_with("<!doctype html") || head.find("<html") != std::string::npos ||
         head.find("<head") != std::string::npos || head.find("<body") != std::string::npos;
}

}  // namespace

Status ParseSitemap(std::string_view data, std::string_view sitemap_url, Sitemap* out,
                    const SitemapLimits& limits) {
  *out = Sitemap();
  if (data.empty()) return Bad("empty input");
  bool cut = false;
  std::string gzip_damage;
  std::vector<char> decoded;
  // Up to two gzip layers: a .gz file served with Content-Encoding: gzip too.
  for (int layer = 0; layer < 2 && IsGzip(data); ++layer) {
    std::vector<char> next;
    if (Status s = Gunzip(data, limits.max_bytes, &next, &cut, &gzip_damage); !s.ok()) return s;
    decoded.swap(next);
    data = std::string_view(decoded.data(), decoded.size());
  }
  if (data.size() > limits.max_bytes) {
    data = data.substr(0, limits.max_bytes);
    cut = true;
  }
  const std::string_view body = TrimLeft(data);  // BOMs and (Unicode) whitespace
  if (body.empty()) {
    return Bad(gzip_damage.empty() ? "empty input (only whitespace)" : gzip_damage);
  }

  Collector collector(out, limits, sitemap_url);
  const bool utf16 = data.size() >= 2 && ((U(data[0]) == 0xFF && U(data[1]) == 0xFE) ||
                                          (U(data[0]) == 0xFE && U(data[1]) == 0xFF));
  Status s;
  if (body[0] != '<' && !utf16) {
    if (cut) out->truncated = true;
    s = ParseText(body, cut, &collector, out);
  } else {
    std::string repaired;
    std::string_view xml = utf16 ? data : body;
    if (!utf16 && RepairXml(xml, &repaired)) xml = repaired;
    XmlSitemapParser parser(&collector, out);
    s = parser.Parse(xml, cut);
    if (!s.ok() && !parser.root_seen() && LooksLikeHtml(body)) {
      s = Bad("an HTML page, not a sitemap");
    }
  }
  if (!s.ok()) {
    *out = Sitemap();
    if (!gzip_damage.empty()) return Bad(gzip_damage + "; " + s.message());
  }
  return s;
}

int64_t ParseW3cDatetime(std::string_view s) {
  s = Trim(s);
  Scanner sc(s);
  DateTime t;
  if (!sc.Digits(4, &t.year)) return 0;
  if (sc.done()) return ToEpochMs(t);
  if (!sc.Eat('-') || !sc.Digits(2, &t.month)) return 0;
  if (sc.done()) return ToEpochMs(t);
  if (!sc.Eat('-') || !sc.Digits(2, &t.day)) return 0;
  if (sc.done()) return ToEpochMs(t);
  if (!sc.Eat('T') && !sc.Eat('t') && !sc.Eat(' ')) return 0;
  if (!sc.Digits(2, &t.hour) || !sc.Eat(':') || !sc.Digits(2, &t.minute)) return 0;
  if (sc.Eat(':')) {
    if (!sc.Digits(2, &t.second)) return 0;
    if (sc.Eat('.') || sc.Eat(',')) {
      int frac = 0;
      const int n = sc.DigitRun(1, 3, &frac);
      if (n == 0) return 0;
      t.millis = frac * (n == 1 ? 100 : n == 2 ? 10 : 1);
      int ignored;
      sc.DigitRun(0, 15, &ignored);  // sub-millisecond digits
    }
  }
  if (!sc.done() && !ParseNumericZone(&sc, &t.offset_minutes)) return 0;
  if (!sc.done()) return 0;
  return ToEpochMs(t);
}

int64_t ParseRfc822Date(std::string_view s) {
  // Tokens separated by whitespace and commas; a trailing "(comment)" is ignored.
  std::string_view tokens[8];
  size_t n = 0;
  s = Trim(s);
  while (!s.empty()) {
    const size_t b = s.find_first_not_of(" \t\r\n,");
    if (b == std::string_view::npos) break;
    s.remove_prefix(b);
    const size_t e = s.find_first_of(" \t\r\n,");
    const std::string_view tok = s.substr(0, e);
    s.remove_prefix(e == std::string_view::npos ? s.size() : e);
    if (tok[0] == '(') break;
    if (n == 8) return 0;
    tokens[n++] = tok;
  }
  size_t i = 0;
  if (i < n && IsAlphaToken(tokens[i]) && MonthFromName(tokens[i]) == 0) ++i;  // weekday
  if (n - i < 4) return 0;
  DateTime t;
  {
    Scanner day(tokens[i++]);
    if (day.DigitRun(1, 2, &t.day) == 0 || !day.done()) return 0;
  }
  if (!IsAlphaToken(tokens[i])) return 0;
  t.month = MonthFromName(tokens[i++]);
  if (t.month == 0) return 0;
  {
    Scanner year(tokens[i++]);
    const int digits = year.DigitRun(2, 4, &t.year);
    if (!year.done() || (digits != 2 && digits != 4)) return 0;
    if (digits == 2) t.year += t.year < 50 ? 2000 : 1900;
  }
  {
    Scanner time(tokens[i++]);
    if (time.DigitRun(1, 2, &t.hour) == 0 || !time.Eat(':') || !time.Digits(2, &t.minute)) {
      return 0;
    }
    if (time.Eat(':') && !time.Digits(2, &t.second)) return 0;
    if (!time.done()) return 0;
  }
  if (i < n) {
    const std::string_view zone = tokens[i++];
    if (IsAlphaToken(zone)) {
      if (!NamedZoneOffset(zone, &t.offset_minutes)) return 0;
    } else {
      Scanner z(zone);
      if (!ParseNumericZone(&z, &t.offset_minutes) || !z.done()) return 0;
    }
  }
  if (i < n) return 0;
  return ToEpochMs(t);
}

}  // namespace swarmcrawl
