// Unicode helpers for text statistics: UTF-8 decoding and encoding, a few
// character classes, simple lower-casing and the word scanner that quality
// signals and near-duplicate hashing share.
//
// Everything is free of locale state and deterministic. The character
// classes are ranges, not the full Unicode database: they cover Latin
// (ASCII, Latin-1, Extended-A/B, IPA, Extended Additional), Greek, Cyrillic,
// Armenian, Hebrew, Arabic, Devanagari and the other Indic scripts, Thai,
// Georgian, Hangul, kana and CJK ideographs, which is what the crawl meets.
// Characters outside the ranges are treated as neither letters nor digits.
//
// Decoding never fails: an invalid sequence decodes to U+FFFD and consumes
// its maximal valid subpart (at least one byte), the same unit SanitizeUtf8
// (parsers/html_page.h) replaces, so decoding then re-encoding a string gives
// exactly SanitizeUtf8 of it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace swarmcrawl {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// DecodeUtf8 for a lead byte >= 0x80.
char32_t DecodeUtf8Multibyte(std::string_view s, size_t* pos);

// Decodes the code point at s[*pos] (requires *pos < s.size()) and advances
// *pos past it, by at least one byte. ASCII is decoded inline.
inline char32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const unsigned char b = static_cast<unsigned char>(s[*pos]);
  if (b < 0x80) {
    ++*pos;
    return b;
  }
  return DecodeUtf8Multibyte(s, pos);
}

// Appends the UTF-8 encoding of `c`; surrogates and values above U+10FFFF
// are written as U+FFFD, so the output is always valid UTF-8.
void AppendUtf8(char32_t c, std::string* out);

// Code points in `s`, counting each invalid sequence as one (its U+FFFD).
size_t CountCodePoints(std::string_view s);

// The class of a code point; the Is* predicates below are what callers use.
// Inline so that ASCII, most of the text, never leaves the caller.
enum class CharClass : unsigned char { kOther, kLetter, kDigit, kMark };
CharClass NonAsciiCharClass(char32_t c);  // c >= 0x80
inline CharClass ClassOf(char32_t c) {
  if (c >= 0x80) return NonAsciiCharClass(c);
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return CharClass::kLetter;
  return (c >= '0' && c <= '9') ? CharClass::kDigit : CharClass::kOther;
}

// Alphabetic: letters, syllables, ideographs.
inline bool IsLetter(char32_t c) { return ClassOf(c) == CharClass::kLetter; }
// Decimal digits of the covered scripts.
inline bool IsDigit(char32_t c) { return ClassOf(c) == CharClass::kDigit; }
// Marks that belong to the preceding letter.
inline bool IsCombiningMark(char32_t c) { return ClassOf(c) == CharClass::kMark; }
inline bool IsLetterOrDigit(char32_t c) {
  const CharClass k = ClassOf(c);
  return k == CharClass::kLetter || k == CharClass::kDigit;
}
// Part of a word: a letter, a digit or a combining mark.
inline bool IsWordChar(char32_t c) { return ClassOf(c) != CharClass::kOther; }
// Han ideographs and kana: scripts written without spaces between words.
bool IsCjkNonAscii(char32_t c);
inline bool IsCjk(char32_t c) { return c >= 0x3005 && IsCjkNonAscii(c); }
// Unicode White_Space (ASCII whitespace, NEL, NBSP, the U+2000 spaces, line
// and paragraph separators, ideographic space ...).
bool IsSpace(char32_t c);

// Lower case of ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic (U+0400
// to U+04FF) capitals; every other code point is returned unchanged. One code
// point to one code point, so lengths in code points are preserved.
char32_t ToLowerSimple(char32_t c);

// Base letter of a Latin-1 or Latin Extended-A letter that Unicode decomposes
// canonically ("é" -> 'e', "Ž" -> 'Z'); letters with no decomposition ("Ł",
// "ø", "ß") and all other code points are unchanged. What NFD followed by
// dropping the marks gives, for these blocks. Used to fold diacritics for
// near-duplicate detection.
char32_t StripLatinDiacritic(char32_t c);

// `s` without leading and trailing IsSpace characters.
std::string_view TrimSpace(std::string_view s);

// A word: a letter or digit followed by the maximal run of word characters
// after it, except that
//  - an apostrophe (' or U+2019) between two letters stays inside the word
//    ("don't" is one word), and
//  - every CJK character (IsCjk) is a word on its own (with the marks after
//    it), because those scripts do not separate words by spaces.
// Anything else (spaces, punctuation, symbols, U+FFFD, a mark with no letter
// before it) separates words.
struct WordSpan {
  size_t begin = 0;        // byte offsets into the scanned text
  size_t end = 0;
  size_t code_points = 0;  // length in code points
  bool has_letter = false; // at least one IsLetter character
};

// Finds the next word in `text` at or after byte offset *pos. Returns false
// when there is none; otherwise fills *word and sets *pos to word->end.
bool NextWord(std::string_view text, size_t* pos, WordSpan* word);

}  // namespace swarmcrawl
