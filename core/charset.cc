#include "core/charset.h"

#include <errno.h>
#include <iconv.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/strings.h"

namespace swarmcrawl {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// WHATWG Encoding standard, "Encodings" table: label -> canonical name. The
// gbk family is folded into gb18030 (same decoder in the standard).
struct Label {
  std::string_view label;
  std::string_view name;
};
constexpr Label kLabels[] = {
    {"unicode-1-1-utf-8", "utf-8"}, {"unicode11utf8", "utf-8"}, {"unicode20utf8", "utf-8"},
    {"utf-8", "utf-8"}, {"utf8", "utf-8"}, {"x-unicode20utf8", "utf-8"},
    {"866", "ibm866"}, {"cp866", "ibm866"}, {"csibm866", "ibm866"}, {"ibm866", "ibm866"},
    {"csisolatin2", "iso-8859-2"}, {"iso-8859-2", "iso-8859-2"}, {"iso-ir-101", "iso-8859-2"},
    {"iso8859-2", "iso-8859-2"}, {"iso88592", "iso-8859-2"}, {"iso_8859-2", "iso-8859-2"},
    {"iso_8859-2:1987", "iso-8859-2"}, {"l2", "iso-8859-2"}, {"latin2", "iso-8859-2"},
    {"csisolatin3", "iso-8859-3"}, {"iso-8859-3", "iso-8859-3"}, {"iso-ir-109", "iso-8859-3"},
    {"iso8859-3", "iso-8859-3"}, {"iso88593", "iso-8859-3"}, {"iso_8859-3", "iso-8859-3"},
    {"iso_8859-3:1988", "iso-8859-3"}, {"l3", "iso-8859-3"}, {"latin3", "iso-8859-3"},
    {"csisolatin4", "iso-8859-4"}, {"iso-8859-4", "iso-8859-4"}, {"iso-ir-110", "iso-8859-4"},
    {"iso8859-4", "iso-8859-4"}, {"iso88594", "iso-8859-4"}, {"iso_8859-4", "iso-8859-4"},
    {"iso_8859-4:1988", "iso-8859-4"}, {"l4", "iso-8859-4"}, {"latin4", "iso-8859-4"},
    {"csisolatincyrillic", "iso-8859-5"}, {"cyrillic", "iso-8859-5"},
    {"iso-8859-5", "iso-8859-5"}, {"iso-ir-144", "iso-8859-5"}, {"iso8859-5", "iso-8859-5"},
    {"iso88595", "iso-8859-5"}, {"iso_8859-5", "iso-8859-5"}, {"iso_8859-5:1988", "iso-8859-5"},
    {"arabic", "iso-8859-6"}, {"asmo-708", "iso-8859-6"}, {"csiso88596e", "iso-8859-6"},
    {"csiso88596i", "iso-8859-6"}, {"csisolatinarabic", "iso-8859-6"},
    {"ecma-114", "iso-8859-6"}, {"iso-8859-6", "iso-8859-6"}, {"iso-8859-6-e", "iso-8859-6"},
    {"iso-8859-6-i", "iso-8859-6"}, {"iso-ir-127", "iso-8859-6"}, {"iso8859-6", "iso-8859-6"},
    {"iso88596", "iso-8859-6"}, {"iso_8859-6", "iso-8859-6"}, {"iso_8859-6:1987", "iso-8859-6"},
    {"csisolatingreek", "iso-8859-7"}, {"ecma-118", "iso-8859-7"}, {"elot_928", "iso-8859-7"},
    {"greek", "iso-8859-7"}, {"greek8", "iso-8859-7"}, {"iso-8859-7", "iso-8859-7"},
    {"iso-ir-126", "iso-8859-7"}, {"iso8859-7", "iso-8859-7"}, {"iso88597", "iso-8859-7"},
    {"iso_8859-7", "iso-8859-7"}, {"iso_8859-7:1987", "iso-8859-7"},
    {"sun_eu_greek", "iso-8859-7"},
    {"csiso88598e", "iso-8859-8"}, {"csisolatinhebrew", "iso-8859-8"}, {"hebrew", "iso-8859-8"},
    {"iso-8859-8", "iso-8859-8"}, {"iso-8859-8-e", "iso-8859-8"}, {"iso-ir-138", "iso-8859-8"},
    {"iso8859-8", "iso-8859-8"}, {"iso88598", "iso-8859-8"}, {"iso_8859-8", "iso-8859-8"},
    {"iso_8859-8:1988", "iso-8859-8"}, {"visual", "iso-8859-8"},
    {"csiso88598i", "iso-8859-8-i"}, {"iso-8859-8-i", "iso-8859-8-i"},
    {"logical", "iso-8859-8-i"},
    {"csisolatin6", "iso-8859-10"}, {"iso-8859-10", "iso-8859-10"},
    {"iso-ir-157", "iso-8859-10"}, {"iso8859-10", "iso-8859-10"}, {"iso885910", "iso-8859-10"},
    {"l6", "iso-8859-10"}, {"latin6", "iso-8859-10"},
    {"iso-8859-13", "iso-8859-13"}, {"iso8859-13", "iso-8859-13"}, {"iso885913", "iso-8859-13"},
    {"iso-8859-14", "iso-8859-14"}, {"iso8859-14", "iso-8859-14"}, {"iso885914", "iso-8859-14"},
    {"csisolatin9", "iso-8859-15"}, {"iso-8859-15", "iso-8859-15"},
    {"iso8859-15", "iso-8859-15"}, {"iso885915", "iso-8859-15"}, {"iso_8859-15", "iso-8859-15"},
    {"l9", "iso-8859-15"},
    {"iso-8859-16", "iso-8859-16"},
    {"cskoi8r", "koi8-r"}, {"koi", "koi8-r"}, {"koi8", "koi8-r"}, {"koi8-r", "koi8-r"},
    {"koi8_r", "koi8-r"},
    {"koi8-ru", "koi8-u"}, {"koi8-u", "koi8-u"},
    {"csmacintosh", "macintosh"}, {"mac", "macintosh"}, {"macintosh", "macintosh"},
    {"x-mac-roman", "macintosh"},
    {"dos-874", "windows-874"}, {"iso-8859-11", "windows-874"}, {"iso8859-11", "windows-874"},
    {"iso885911", "windows-874"}, {"tis-620", "windows-874"}, {"windows-874", "windows-874"},
    {"cp1250", "windows-1250"}, {"windows-1250", "windows-1250"}, {"x-cp1250", "windows-1250"},
    {"cp1251", "windows-1251"}, {"windows-1251", "windows-1251"}, {"x-cp1251", "windows-1251"},
    {"ansi_x3.4-1968", "windows-1252"}, {"ascii", "windows-1252"}, {"cp1252", "windows-1252"},
    {"cp819", "windows-1252"}, {"csisolatin1", "windows-1252"}, {"ibm819", "windows-1252"},
    {"iso-8859-1", "windows-1252"}, {"iso-ir-100", "windows-1252"},
    {"iso8859-1", "windows-1252"}, {"iso88591", "windows-1252"}, {"iso_8859-1", "windows-1252"},
    {"iso_8859-1:1987", "windows-1252"}, {"l1", "windows-1252"}, {"latin1", "windows-1252"},
    {"us-ascii", "windows-1252"}, {"windows-1252", "windows-1252"},
    {"x-cp1252", "windows-1252"},
    {"cp1253", "windows-1253"}, {"windows-1253", "windows-1253"}, {"x-cp1253", "windows-1253"},
    {"cp1254", "windows-1254"}, {"csisolatin5", "windows-1254"}, {"iso-8859-9", "windows-1254"},
    {"iso-ir-148", "windows-1254"}, {"iso8859-9", "windows-1254"}, {"iso88599", "windows-1254"},
    {"iso_8859-9", "windows-1254"}, {"iso_8859-9:1989", "windows-1254"},
    {"l5", "windows-1254"}, {"latin5", "windows-1254"}, {"windows-1254", "windows-1254"},
    {"x-cp1254", "windows-1254"},
    {"cp1255", "windows-1255"}, {"windows-1255", "windows-1255"}, {"x-cp1255", "windows-1255"},
    {"cp1256", "windows-1256"}, {"windows-1256", "windows-1256"}, {"x-cp1256", "windows-1256"},
    {"cp1257", "windows-1257"}, {"windows-1257", "windows-1257"}, {"x-cp1257", "windows-1257"},
    {"cp1258", "windows-1258"}, {"windows-1258", "windows-1258"}, {"x-cp1258", "windows-1258"},
    {"x-mac-cyrillic", "x-mac-cyrillic"}, {"x-mac-ukrainian", "x-mac-cyrillic"},
    {"chinese", "gb18030"}, {"csgb2312", "gb18030"}, {"csiso58gb231280", "gb18030"},
    {"gb2312", "gb18030"}, {"gb_2312", "gb18030"}, {"gb_2312-80", "gb18030"},
    {"gbk", "gb18030"}, {"iso-ir-58", "gb18030"}, {"x-gbk", "gb18030"},
    {"gb18030", "gb18030"},
    {"big5", "big5"}, {"big5-hkscs", "big5"}, {"cn-big5", "big5"}, {"csbig5", "big5"},
    {"x-x-big5", "big5"},
    {"cseucpkdfmtjapanese", "euc-jp"}, {"euc-jp", "euc-jp"}, {"x-euc-jp", "euc-jp"},
    {"csiso2022jp", "iso-2022-jp"}, {"iso-2022-jp", "iso-2022-jp"},
    {"csshiftjis", "shift_jis"}, {"ms932", "shift_jis"}, {"ms_kanji", "shift_jis"},
    {"shift-jis", "shift_jis"}, {"shift_jis", "shift_jis"}, {"sjis", "shift_jis"},
    {"windows-31j", "shift_jis"}, {"x-sjis", "shift_jis"},
    {"cseuckr", "euc-kr"}, {"csksc56011987", "euc-kr"}, {"euc-kr", "euc-kr"},
    {"iso-ir-149", "euc-kr"}, {"korean", "euc-kr"}, {"ks_c_5601-1987", "euc-kr"},
    {"ks_c_5601-1989", "euc-kr"}, {"ksc5601", "euc-kr"}, {"ksc_5601", "euc-kr"},
    {"windows-949", "euc-kr"},
    {"csiso2022kr", "replacement"}, {"hz-gb-2312", "replacement"},
    {"iso-2022-cn", "replacement"}, {"iso-2022-cn-ext", "replacement"},
    {"iso-2022-kr", "replacement"}, {"replacement", "replacement"},
    {"unicodefffe", "utf-16be"}, {"utf-16be", "utf-16be"},
    {"csunicode", "utf-16le"}, {"iso-10646-ucs-2", "utf-16le"}, {"ucs-2", "utf-16le"},
    {"unicode", "utf-16le"}, {"unicodefeff", "utf-16le"}, {"utf-16", "utf-16le"},
    {"utf-16le", "utf-16le"},
    {"x-user-defined", "x-user-defined"},
};

// glibc iconv names whose mappings match the WHATWG decoders (CP932 rather than
// SHIFT_JIS, which maps 0x5C to the yen sign; CP949 because WHATWG euc-kr is
// Microsoft's extension; BIG5-HKSCS because WHATWG big5 includes HKSCS).
const char* IconvName(std::string_view name) {
  struct Entry {
    std::string_view name;
    const char* iconv;
  };
  static constexpr Entry kIconv[] = {
      {"ibm866", "CP866"},           {"iso-8859-2", "ISO-8859-2"},
      {"iso-8859-3", "ISO-8859-3"},  {"iso-8859-4", "ISO-8859-4"},
      {"iso-8859-5", "ISO-8859-5"},  {"iso-8859-6", "ISO-8859-6"},
      {"iso-8859-7", "ISO-8859-7"},  {"iso-8859-8", "ISO-8859-8"},
      {"iso-8859-8-i", "ISO-8859-8"}, {"iso-8859-10", "ISO-8859-10"},
      {"iso-8859-13", "ISO-8859-13"}, {"iso-8859-14", "ISO-8859-14"},
      {"iso-8859-15", "ISO-8859-15"}, {"iso-8859-16", "ISO-8859-16"},
      {"koi8-r", "KOI8-R"},          {"koi8-u", "KOI8-U"},
      {"macintosh", "MACINTOSH"},    {"windows-874", "WINDOWS-874"},
      {"windows-1250", "CP1250"},    {"windows-1251", "CP1251"},
      {"windows-1253", "CP1253"},    {"windows-1254", "CP1254"},
      {"windows-1255", "CP1255"},    {"windows-1256", "CP1256"},
      {"windows-1257", "CP1257"},    {"windows-1258", "CP1258"},
      {"x-mac-cyrillic", "MAC-CYRILLIC"}, {"gb18030", "GB18030"},
      {"big5", "BIG5-HKSCS"},        {"euc-jp", "EUC-JP"},
      {"iso-2022-jp", "ISO-2022-JP"}, {"shift_jis", "CP932"},
      {"euc-kr", "CP949"},           {"utf-16be", "UTF-16BE"},
      {"utf-16le", "UTF-16LE"},
  };
  for (const Entry& e : kIconv) {
    if (e.name == name) return e.iconv;
  }
  return nullptr;
}

bool IsHtmlSpace(unsigned char c) {
  return c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D || c == 0x20;
}

bool IsAsciiAlpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

std::string_view TrimAsciiWhitespace(std::string_view s) {
  while (!s.empty() && IsHtmlSpace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && IsHtmlSpace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Length of the UTF-8 sequence at `p` if it is well formed, else the length of
// its maximal valid prefix as a negative number (-1 for a bad lead byte). This
// is the "maximal subpart" rule the WHATWG UTF-8 decoder uses for U+FFFD.
// `*incomplete` is set when the sequence was cut short by the end of input.
int Utf8Sequence(const unsigned char* p, size_t n, bool* incomplete) {
  *incomplete = false;
  const unsigned char b = p[0];
  if (b < 0x80) return 1;
  int need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  for (int i = 1; i <= need; ++i) {
    if (static_cast<size_t>(i) >= n) {
      *incomplete = true;
      return -i;
    }
    const unsigned char c = p[i];
    if (c < lo || c > hi) return -i;
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

// True when `s` is valid UTF-8 apart from, possibly, one sequence cut off by
// the end of the input: a body truncated by a fetch size limit is still UTF-8.
// The cut tail only counts when complete multi-byte sequences came before it,
// since a lone high byte at the end of ASCII text is more likely windows-1252.
bool LooksLikeUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  bool multibyte = false;
  while (i < s.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    bool incomplete;
    const int len = Utf8Sequence(p + i, s.size() - i, &incomplete);
    if (len < 0) return incomplete && multibyte;
    multibyte = true;
    i += static_cast<size_t>(len);
  }
  return true;
}

// Output with a byte budget; appends past the budget are dropped and recorded.
class Output {
 public:
  Output(DecodedText* d, size_t max) : d_(d), max_(max) {}
  bool full() const { return d_->truncated; }
  void Append(std::string_view s) {
    if (d_->truncated) return;
    if (d_->utf8.size() + s.size() > max_) {
      // One byte past the budget lets TruncateUtf8 see whether the cut splits a code point.
      d_->utf8.append(s.substr(0, max_ - d_->utf8.size() + 1));
      TruncateUtf8(&d_->utf8, max_);
      d_->truncated = true;
      return;
    }
    d_->utf8.append(s);
  }
  void Replacement() {
    d_->had_errors = true;
    Append(kReplacement);
  }
  void CodePoint(uint32_t cp) {
    char buf[4];
    size_t n;
    if (cp < 0x80) {
      buf[0] = static_cast<char>(cp);
      n = 1;
    } else if (cp < 0x800) {
      buf[0] = static_cast<char>(0xC0 | (cp >> 6));
      buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
      n = 2;
    } else {
      buf[0] = static_cast<char>(0xE0 | (cp >> 12));
      buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
      n = 3;
    }
    Append(std::string_view(buf, n));
  }

 private:
  DecodedText* d_;
  size_t max_;
};

void DecodeUtf8(std::string_view in, Output* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  size_t i = 0;
  while (i < in.size() && !out->full()) {
    // Copy the longest valid run in one append.
    size_t start = i;
    while (i < in.size()) {
      if (p[i] < 0x80) {
        ++i;
        continue;
      }
      bool incomplete;
      const int len = Utf8Sequence(p + i, in.size() - i, &incomplete);
      if (len < 0) break;
      i += static_cast<size_t>(len);
    }
    out->Append(in.substr(start, i - start));
    if (i < in.size()) {
      bool incomplete;
      const int len = Utf8Sequence(p + i, in.size() - i, &incomplete);
      out->Replacement();
      i += static_cast<size_t>(-len);
    }
  }
}

// WHATWG windows-1252: latin1 except 0x80..0x9F, where the five bytes Windows
// leaves undefined decode to the C1 controls of the same value.
constexpr uint16_t kWindows1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

void DecodeSingleByte(std::string_view in, bool user_defined, Output* out) {
  size_t i = 0;
  while (i < in.size() && !out->full()) {
    size_t start = i;
    while (i < in.size() && static_cast<unsigned char>(in[i]) < 0x80) ++i;
    out->Append(in.substr(start, i - start));
    if (i >= in.size()) break;
    const unsigned char b = static_cast<unsigned char>(in[i++]);
    if (user_defined) {
      out->CodePoint(0xF780 + b - 0x80);
    } else {
      out->CodePoint(b < 0xA0 ? kWindows1252High[b - 0x80] : b);
    }
  }
}

// Returns false when iconv does not know the encoding (no gconv module).
bool DecodeIconv(std::string_view in, const char* iconv_name, size_t unit, Output* out) {
  iconv_t cd = iconv_open("UTF-8", iconv_name);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  char* src = const_cast<char*>(in.data());  // iconv's signature; input is not written
  size_t left = in.size();
  char buf[16384];
  while (left > 0 && !out->full()) {
    char* dst = buf;
    size_t room = sizeof(buf);
    const size_t r = iconv(cd, &src, &left, &dst, &room);
    const int err = errno;
    out->Append(std::string_view(buf, static_cast<size_t>(dst - buf)));
    if (r != static_cast<size_t>(-1)) break;
    if (err == E2BIG) continue;
    out->Replacement();
    if (err == EILSEQ) {
      // Skip one code unit and resynchronise, as the WHATWG decoders do for a
      // bad lead byte; the conversion state (ISO-2022-JP's mode) is kept.
      const size_t skip = std::min(unit, left);
      src += skip;
      left -= skip;
      continue;
    }
    break;  // EINVAL: a sequence cut off by the end of the input
  }
  char* dst = buf;
  size_t room = sizeof(buf);
  iconv(cd, nullptr, nullptr, &dst, &room);  // flush a stateful decoder
  out->Append(std::string_view(buf, static_cast<size_t>(dst - buf)));
  iconv_close(cd);
  return true;
}

// ---------------------------------------------------------------------------
// WHATWG "prescan a byte stream to determine its encoding".

class Prescanner {
 public:
  explicit Prescanner(std::string_view s) : s_(s) {}

  // Canonical name of the declared encoding, or "" when none is found.
  std::string Run() {
    if (StartsWith(std::string_view("\x3C\x00\x3F\x00\x78\x00", 6))) return "utf-16le";
    if (StartsWith(std::string_view("\x00\x3C\x00\x3F\x00\x78", 6))) return "utf-16be";
    while (pos_ < s_.size()) {
      if (At(pos_) != '<') {
        ++pos_;
        continue;
      }
      if (StartsWith("<!--")) {
        // The dashes of "<!--" may also close it ("<!-->").
        const size_t end = s_.find("-->", pos_ + 2);
        if (end == std::string_view::npos) return "";
        pos_ = end + 3;
        continue;
      }
      if (MatchesIgnoreCase("<meta") && pos_ + 5 < s_.size() &&
          (IsHtmlSpace(At(pos_ + 5)) || At(pos_ + 5) == '/')) {
        pos_ += 5;
        std::string found;
        const int r = Meta(&found);
        if (r < 0) return "";
        if (r > 0) return found;
        ++pos_;
        continue;
      }
      const size_t letter = pos_ + (pos_ + 1 < s_.size() && At(pos_ + 1) == '/' ? 2 : 1);
      if (letter < s_.size() && IsAsciiAlpha(At(letter))) {
        while (pos_ < s_.size() && !IsHtmlSpace(At(pos_)) && At(pos_) != '>') ++pos_;
        std::string name, value;
        int r;
        while ((r = GetAttribute(&name, &value)) > 0) {
        }
        if (r < 0) return "";
        ++pos_;
        continue;
      }
      if (pos_ + 1 < s_.size() && (At(pos_ + 1) == '!' || At(pos_ + 1) == '/' ||
                                   At(pos_ + 1) == '?')) {
        const size_t end = s_.find('>', pos_ + 1);
        if (end == std::string_view::npos) return "";
        pos_ = end + 1;
        continue;
      }
      ++pos_;
    }
    return "";
  }

 private:
  unsigned char At(size_t i) const { return static_cast<unsigned char>(s_[i]); }
  bool StartsWith(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }
  bool MatchesIgnoreCase(std::string_view lower) const {
    return EqualsIgnoreCase(s_.substr(pos_, lower.size()), lower);
  }

  // The attributes of one <meta>: 1 and `*found` set when it declares a usable
  // encoding, 0 when it does not, -1 when the input ended inside it.
  int Meta(std::string* found) {
    std::string seen[32];  // attribute names already processed (first one wins)
    size_t nseen = 0;
    bool got_pragma = false;
    int need_pragma = -1;  // -1 null, 0 false, 1 true
    bool have_charset = false;
    std::string charset;  // "" with have_charset: the label was not recognised
    std::string name, value;
    int r;
    while ((r = GetAttribute(&name, &value)) > 0) {
      bool dup = false;
      for (size_t i = 0; i < nseen; ++i) dup = dup || seen[i] == name;
      if (dup) continue;
      if (nseen < 32) seen[nseen++] = name;
      if (name == "http-equiv") {
        if (value == "content-type") got_pragma = true;
      } else if (name == "content") {
        std::string enc;
        if (!have_charset && ExtractFromContent(value, &enc) && !enc.empty()) {
          have_charset = true;
          charset = enc;
          need_pragma = 1;
        }
      } else if (name == "charset") {
        if (!have_charset) {
          have_charset = true;
          charset = CanonicalEncodingName(value);
          need_pragma = 0;
        }
      }
    }
    if (r < 0) return -1;
    if (need_pragma < 0) return 0;
    if (need_pragma == 1 && !got_pragma) return 0;
    if (charset.empty()) return 0;
    // A document that could declare UTF-16 in ASCII is not UTF-16.
    if (charset == "utf-16le" || charset == "utf-16be") charset = "utf-8";
    if (charset == "x-user-defined") charset = "windows-1252";
    *found = charset;
    return 1;
  }

  // "get an attribute": 1 with name/value (lower-cased), 0 at '>', -1 at end of input.
  int GetAttribute(std::string* name, std::string* value) {
    name->clear();
    value->clear();
    while (pos_ < s_.size() && (IsHtmlSpace(At(pos_)) || At(pos_) == '/')) ++pos_;
    if (pos_ >= s_.size()) return -1;
    if (At(pos_) == '>') return 0;
    for (;;) {
      if (pos_ >= s_.size()) return -1;
      const unsigned char c = At(pos_);
      if (c == '=' && !name->empty()) {
        ++pos_;
        return GetValue(value);
      }
      if (IsHtmlSpace(c)) break;
      if (c == '/' || c == '>') return 1;
      name->push_back(AsciiLower(static_cast<char>(c)));
      ++pos_;
    }
    while (pos_ < s_.size() && IsHtmlSpace(At(pos_))) ++pos_;
    if (pos_ >= s_.size()) return -1;
    if (At(pos_) != '=') return 1;  // an attribute without a value
    ++pos_;
    return GetValue(value);
  }

  // The value part of "get an attribute", after the '='.
  int GetValue(std::string* value) {
    while (pos_ < s_.size() && IsHtmlSpace(At(pos_))) ++pos_;
    if (pos_ >= s_.size()) return -1;
    if (At(pos_) == '"' || At(pos_) == '\'') {
      const unsigned char quote = At(pos_);
      for (;;) {
        ++pos_;
        if (pos_ >= s_.size()) return -1;
        if (At(pos_) == quote) {
          ++pos_;
          return 1;
        }
        value->push_back(AsciiLower(static_cast<char>(At(pos_))));
      }
    }
    if (At(pos_) == '>') return 1;
    for (;;) {
      if (pos_ >= s_.size()) return -1;
      const unsigned char c = At(pos_);
      if (IsHtmlSpace(c) || c == '>') return 1;
      value->push_back(AsciiLower(static_cast<char>(c)));
      ++pos_;
    }
  }

  // "extracting a character encoding from a meta element" (content attribute).
  static bool ExtractFromContent(std::string_view s, std::string* enc) {
    size_t pos = 0;
    for (;;) {
      size_t at = std::string_view::npos;
      for (size_t i = pos; i + 7 <= s.size(); ++i) {
        if (EqualsIgnoreCase(s.substr(i, 7), "charset")) {
          at = i;
          break;
        }
      }
      if (at == std::string_view::npos) return false;
      pos = at + 7;
      while (pos < s.size() && IsHtmlSpace(static_cast<unsigned char>(s[pos]))) ++pos;
      if (pos >= s.size() || s[pos] != '=') continue;
      ++pos;
      while (pos < s.size() && IsHtmlSpace(static_cast<unsigned char>(s[pos]))) ++pos;
      if (pos >= s.size()) return false;
      if (s[pos] == '"' || s[pos] == '\'') {
        const size_t end = s.find(s[pos], pos + 1);
        if (end == std::string_view::npos) return false;
        *enc = CanonicalEncodingName(s.substr(pos + 1, end - pos - 1));
        return true;
      }
      size_t end = pos;
      while (end < s.size() && !IsHtmlSpace(static_cast<unsigned char>(s[end])) && s[end] != ';')
        ++end;
      *enc = CanonicalEncodingName(s.substr(pos, end - pos));
      return true;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

std::string CanonicalEncodingName(std::string_view label) {
  label = TrimAsciiWhitespace(label);
  if (label.empty() || label.size() > 32) return "";
  const std::string lower = AsciiLower(label);
  for (const Label& l : kLabels) {
    if (l.label == lower) return std::string(l.name);
  }
  return "";
}

std::string CharsetFromContentType(std::string_view ct) {
  size_t semi = ct.find(';');
  while (semi != std::string_view::npos) {
    ct.remove_prefix(semi + 1);
    semi = ct.find(';');
    std::string_view param = TrimAsciiWhitespace(ct.substr(0, semi));
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (!EqualsIgnoreCase(TrimAsciiWhitespace(param.substr(0, eq)), "charset")) continue;
    std::string_view v = TrimAsciiWhitespace(param.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"') {
      const size_t close = v.find('"', 1);
      v = v.substr(1, close == std::string_view::npos ? v.size() - 1 : close - 1);
    }
    return std::string(v);
  }
  return "";
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    bool incomplete;
    const int len = Utf8Sequence(p + i, s.size() - i, &incomplete);
    if (len < 0) return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

DecodedText DecodeHtmlToUtf8(std::string_view body, std::string_view http_charset,
                             size_t max_output_bytes) {
  DecodedText d;
  std::string enc;
  if (body.substr(0, 3) == "\xEF\xBB\xBF") {
    enc = "utf-8";
    body.remove_prefix(3);
  } else if (body.substr(0, 2) == "\xFE\xFF") {
    enc = "utf-16be";
    body.remove_prefix(2);
  } else if (body.substr(0, 2) == "\xFF\xFE") {
    enc = "utf-16le";
    body.remove_prefix(2);
  }
  if (!enc.empty()) d.source = "bom";

  if (enc.empty() && !http_charset.empty()) {
    const bool header = http_charset.find_first_of(";=/") != std::string_view::npos;
    enc = CanonicalEncodingName(header ? CharsetFromContentType(http_charset) : http_charset);
    if (!enc.empty()) d.source = "http";
  }
  if (enc.empty()) {
    enc = Prescanner(body.substr(0, 1024)).Run();
    if (!enc.empty()) d.source = "meta";
  }
  if (enc.empty()) {
    enc = LooksLikeUtf8(body) ? "utf-8" : "windows-1252";
    d.source = "default";
  }

  Output out(&d, max_output_bytes);
  if (enc == "utf-8") {
    DecodeUtf8(body, &out);
  } else if (enc == "windows-1252" || enc == "x-user-defined") {
    DecodeSingleByte(body, enc == "x-user-defined", &out);
  } else if (enc == "replacement") {
    // Encodings that were used for cross-site scripting decode to one U+FFFD.
    if (!body.empty()) out.Replacement();
  } else {
    const size_t unit = (enc == "utf-16le" || enc == "utf-16be") ? 2 : 1;
    const char* name = IconvName(enc);
    if (name == nullptr || !DecodeIconv(body, name, unit, &out)) {
      // No converter on this system: keep the text readable where it is ASCII.
      d.utf8.clear();
      d.truncated = false;
      enc = "windows-1252";
      DecodeSingleByte(body, false, &out);
      d.had_errors = true;
    }
  }
  d.encoding = enc;
  // iconv's output is UTF-8 by construction; this guards the invariant cheaply.
  if (!IsValidUtf8(d.utf8)) {
    std::string raw;
    raw.swap(d.utf8);
    const bool was_truncated = d.truncated;
    d.truncated = false;
    Output again(&d, max_output_bytes);
    DecodeUtf8(raw, &again);
    d.truncated = d.truncated || was_truncated;
    d.had_errors = true;
  }
  return d;
}

}  // namespace swarmcrawl
