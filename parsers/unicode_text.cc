#include "parsers/unicode_text.h"

#include <algorithm>
#include <iterator>

namespace swarmcrawl {
namespace {

constexpr CharClass kOther = CharClass::kOther;
constexpr CharClass kLetter = CharClass::kLetter;
constexpr CharClass kDigit = CharClass::kDigit;
constexpr CharClass kMark = CharClass::kMark;

struct Range {
  char32_t lo, hi;
  CharClass cls;
};

// Sorted, non-overlapping. Scripts whose blocks are mostly letters with few
// digits (Bengali to Sinhala) are listed block-wide with their digits split
// out: their vowel signs then count as letters, which only matters for
// IsCombiningMark.
constexpr Range kRanges[] = {
    {0x00AA, 0x00AA, kLetter}, {0x00B5, 0x00B5, kLetter}, {0x00BA, 0x00BA, kLetter},
    {0x00C0, 0x00D6, kLetter}, {0x00D8, 0x00F6, kLetter}, {0x00F8, 0x02C1, kLetter},
    {0x02C6, 0x02D1, kLetter}, {0x02E0, 0x02E4, kLetter}, {0x02EC, 0x02EC, kLetter},
    {0x02EE, 0x02EE, kLetter}, {0x0300, 0x036F, kMark},
    // Greek and Cyrillic.
    {0x0370, 0x0374, kLetter}, {0x0376, 0x0377, kLetter}, {0x037A, 0x037D, kLetter},
    {0x037F, 0x037F, kLetter}, {0x0386, 0x0386, kLetter}, {0x0388, 0x038A, kLetter},
    {0x038C, 0x038C, kLetter}, {0x038E, 0x03A1, kLetter}, {0x03A3, 0x03F5, kLetter},
    {0x03F7, 0x0481, kLetter}, {0x0483, 0x0489, kMark}, {0x048A, 0x052F, kLetter},
    // Armenian.
    {0x0531, 0x0556, kLetter}, {0x0559, 0x0559, kLetter}, {0x0560, 0x0588, kLetter},
    // Hebrew.
    {0x0591, 0x05BD, kMark}, {0x05BF, 0x05BF, kMark}, {0x05C1, 0x05C2, kMark},
    {0x05C4, 0x05C5, kMark}, {0x05C7, 0x05C7, kMark}, {0x05D0, 0x05EA, kLetter},
    {0x05EF, 0x05F2, kLetter},
    // Arabic.
    {0x0610, 0x061A, kMark}, {0x0620, 0x064A, kLetter}, {0x064B, 0x065F, kMark},
    {0x0660, 0x0669, kDigit}, {0x066E, 0x066F, kLetter}, {0x0670, 0x0670, kMark},
    {0x0671, 0x06D3, kLetter}, {0x06D5, 0x06D5, kLetter}, {0x06D6, 0x06DC, kMark},
    {0x06DF, 0x06E4, kMark}, {0x06E5, 0x06E6, kLetter}, {0x06E7, 0x06E8, kMark},
    {0x06EA, 0x06ED, kMark}, {0x06EE, 0x06EF, kLetter}, {0x06F0, 0x06F9, kDigit},
    {0x06FA, 0x06FC, kLetter}, {0x06FF, 0x06FF, kLetter}, {0x0750, 0x077F, kLetter},
    {0x08A0, 0x08C9, kLetter}, {0x08CA, 0x08FF, kMark},
    // Devanagari.
    {0x0900, 0x0903, kMark}, {0x0904, 0x0939, kLetter}, {0x093A, 0x093C, kMark},
    {0x093D, 0x093D, kLetter}, {0x093E, 0x094F, kMark}, {0x0950, 0x0950, kLetter},
    {0x0951, 0x0957, kMark}, {0x0958, 0x0961, kLetter}, {0x0962, 0x0963, kMark},
    {0x0966, 0x096F, kDigit}, {0x0971, 0x097F, kLetter},
    // Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Sinhala.
    {0x0980, 0x09E5, kLetter}, {0x09E6, 0x09EF, kDigit}, {0x09F0, 0x0A65, kLetter},
    {0x0A66, 0x0A6F, kDigit}, {0x0A70, 0x0AE5, kLetter}, {0x0AE6, 0x0AEF, kDigit},
    {0x0AF0, 0x0B65, kLetter}, {0x0B66, 0x0B6F, kDigit}, {0x0B70, 0x0BE5, kLetter},
    {0x0BE6, 0x0BEF, kDigit}, {0x0BF0, 0x0C65, kLetter}, {0x0C66, 0x0C6F, kDigit},
    {0x0C70, 0x0CE5, kLetter}, {0x0CE6, 0x0CEF, kDigit}, {0x0CF0, 0x0D65, kLetter},
    {0x0D66, 0x0D6F, kDigit}, {0x0D70, 0x0DE5, kLetter}, {0x0DE6, 0x0DEF, kDigit},
    {0x0DF0, 0x0DF3, kLetter},
    // Thai.
    {0x0E01, 0x0E30, kLetter}, {0x0E31, 0x0E31, kMark}, {0x0E32, 0x0E33, kLetter},
    {0x0E34, 0x0E3A, kMark}, {0x0E40, 0x0E46, kLetter}, {0x0E47, 0x0E4E, kMark},
    {0x0E50, 0x0E59, kDigit},
    // Georgian, Hangul Jamo.
    {0x10A0, 0x10C5, kLetter}, {0x10C7, 0x10C7, kLetter}, {0x10CD, 0x10CD, kLetter},
    {0x10D0, 0x10FA, kLetter}, {0x10FC, 0x11FF, kLetter},
    // Combining marks extended and supplement.
    {0x1AB0, 0x1AFF, kMark}, {0x1DC0, 0x1DFF, kMark},
    // Latin Extended Additional, Greek Extended.
    {0x1E00, 0x1FBC, kLetter}, {0x1FBE, 0x1FBE, kLetter}, {0x1FC2, 0x1FCC, kLetter},
    {0x1FD0, 0x1FDB, kLetter}, {0x1FE0, 0x1FEC, kLetter}, {0x1FF2, 0x1FFC, kLetter},
    {0x20D0, 0x20FF, kMark},
    // CJK: iteration marks, kana, bopomofo, compatibility jamo, ideographs, Hangul.
    {0x3005, 0x3007, kLetter}, {0x3041, 0x3096, kLetter}, {0x3099, 0x309A, kMark},
    {0x309D, 0x309F, kLetter}, {0x30A1, 0x30FA, kLetter}, {0x30FC, 0x30FF, kLetter},
    {0x3105, 0x312F, kLetter}, {0x3131, 0x318E, kLetter}, {0x31F0, 0x31FF, kLetter},
    {0x3400, 0x4DBF, kLetter}, {0x4E00, 0x9FFF, kLetter}, {0xAC00, 0xD7A3, kLetter},
    {0xD7B0, 0xD7FB, kLetter}, {0xF900, 0xFAFF, kLetter},
    // Presentation forms (ligatures, Hebrew, Arabic), half marks, full/half width.
    {0xFB00, 0xFB06, kLetter}, {0xFB1D, 0xFB4F, kLetter}, {0xFB50, 0xFD3D, kLetter},
    {0xFD50, 0xFDFB, kLetter}, {0xFE20, 0xFE2F, kMark}, {0xFE70, 0xFEFC, kLetter},
    {0xFF10, 0xFF19, kDigit}, {0xFF21, 0xFF3A, kLetter}, {0xFF41, 0xFF5A, kLetter},
    {0xFF66, 0xFFDC, kLetter},
    // Supplementary ideographic planes.
    {0x20000, 0x2FA1F, kLetter}, {0x30000, 0x323AF, kLetter},
};

bool IsApostrophe(char32_t c) { return c == '\'' || c == 0x2019; }

// Latin-1 (U+00C0..U+00FF) and Latin Extended-A (U+0100..U+017F) base
// letters of the characters with a canonical decomposition; '.' = none.
constexpr char kLatin1Base[] =
    "AAAAAA.CEEEEIIII.NOOOOO..UUUUY..aaaaaa.ceeeeiiii.nooooo..uuuuy.y";
constexpr char kLatinExtABase[] =
    "AaAaAaCcCcCcCcDd..EeEeEeEeEeGgGgGgGgHh..IiIiIiIiI...JjKk.LlLlLl."
    "...NnNnNn...OoOoOo..RrRrRrSsSsSsSsTtTt..UuUuUuUuUuUuWwYyYZzZzZz.";
static_assert(sizeof(kLatin1Base) == 64 + 1 && sizeof(kLatinExtABase) == 128 + 1);

}  // namespace

CharClass NonAsciiCharClass(char32_t c) {
  // First range with lo > c; the one before it is the only candidate.
  const Range* it = std::upper_bound(std::begin(kRanges), std::end(kRanges), c,
                                     [](char32_t v, const Range& r) { return v < r.lo; });
  if (it == std::begin(kRanges)) return kOther;
  --it;
  return c <= it->hi ? it->cls : kOther;
}

char32_t DecodeUtf8Multibyte(std::string_view s, size_t* pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + *pos;
  const size_t n = s.size() - *pos;
  const unsigned char b = p[0];
  // Unicode 15 table 3-7: the allowed range of the second byte depends on the
  // first; later bytes are always 80..BF.
  size_t need;
  char32_t c;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
    c = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    c = b & 0x0F;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    c = b & 0x07;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    *pos += 1;
    return kReplacementChar;
  }
  for (size_t k = 1; k <= need; ++k) {
    if (k >= n || p[k] < lo || p[k] > hi) {
      *pos += k;  // the maximal valid subpart is replaced as one unit
      return kReplacementChar;
    }
    c = (c << 6) | (p[k] & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  *pos += need + 1;
  return c;
}

void AppendUtf8(char32_t c, std::string* out) {
  if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = kReplacementChar;
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

size_t CountCodePoints(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) DecodeUtf8(s, &i);
  return count;
}

bool IsCjkNonAscii(char32_t c) {
  return (c >= 0x3005 && c <= 0x3007) || (c >= 0x3041 && c <= 0x3096) || (c >= 0x309D && c <= 0x30FA) ||
         (c >= 0x30FC && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF66 && c <= 0xFF9F) ||
         (c >= 0x20000 && c <= 0x2FA1F) || (c >= 0x30000 && c <= 0x323AF);
}

bool IsSpace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

char32_t ToLowerSimple(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c < 0x100) return (c >= 0xC0 && c <= 0xDE && c != 0xD7) ? c + 32 : c;
  if (c < 0x180) {
    // Latin Extended-A pairs capitals with the next code point, except that
    // U+0139..U+0148 and U+0179..U+017E start on odd ones.
    if (c == 0x130) return 'i';
    if (c == 0x178) return 0xFF;
    const bool odd_pairs = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if ((c <= 0x137 || (c >= 0x14A && c <= 0x177)) && c % 2 == 0) return c + 1;
    if (odd_pairs && c % 2 == 1) return c + 1;
    return c;
  }
  if (c >= 0x370 && c < 0x400) {
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB)) return c + 32;
    return c;
  }
  if (c >= 0x400 && c < 0x500) {
    if (c <= 0x40F) return c + 80;
    if (c <= 0x42F) return c + 32;
    if (c == 0x4C0) return 0x4CF;
    if (c >= 0x4C1 && c <= 0x4CE) return c % 2 == 1 ? c + 1 : c;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0) {
      return c % 2 == 0 ? c + 1 : c;
    }
  }
  return c;
}

char32_t StripLatinDiacritic(char32_t c) {
  char base = '.';
  if (c >= 0xC0 && c < 0x100) {
    base = kLatin1Base[c - 0xC0];
  } else if (c >= 0x100 && c < 0x180) {
    base = kLatinExtABase[c - 0x100];
  }
  return base == '.' ? c : static_cast<char32_t>(base);
}

std::string_view TrimSpace(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t next = begin;
    if (!IsSpace(DecodeUtf8(s, &next))) break;
    begin = next;
  }
  size_t end = s.size();
  while (end > begin) {
    // Start of the last code point: at most three continuation bytes back.
    size_t start = end - 1;
    while (start > begin && end - start < 4 &&
           (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
      --start;
    }
    size_t next = start;
    const char32_t c = DecodeUtf8(s, &next);
    if (next != end || !IsSpace(c)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

bool NextWord(std::string_view text, size_t* pos, WordSpan* word) {
  size_t i = *pos;
  const size_t n = text.size();
  char32_t c = 0;
  size_t start = i;
  // A word starts at a letter or digit; a stray mark belongs to nothing.
  while (i < n) {
    start = i;
    c = DecodeUtf8(text, &i);
    if (IsLetterOrDigit(c)) break;
  }
  if (!IsLetterOrDigit(c) || start >= n) return false;
  word->begin = start;
  word->code_points = 1;
  word->has_letter = IsLetter(c);
  const bool cjk = IsCjk(c);
  bool after_letter = word->has_letter;
  while (i < n) {
    size_t j = i;
    const char32_t d = DecodeUtf8(text, &j);
    if (IsCombiningMark(d)) {
      // Marks stay with the character before them, CJK included.
    } else if (cjk || IsCjk(d)) {
      break;
    } else if (IsLetterOrDigit(d)) {
      after_letter = IsLetter(d);
      word->has_letter |= after_letter;
    } else if (IsApostrophe(d) && after_letter && j < n) {
      size_t k = j;
      const char32_t e = DecodeUtf8(text, &k);
      if (!IsLetter(e) || IsCjk(e)) break;
      word->code_points += 1;  // the apostrophe; `e` is counted below
      j = k;
    } else {
      break;
    }
    ++word->code_points;
    i = j;
  }
  word->end = i;
  *pos = i;
  return true;
}

}  // namespace swarmcrawl
