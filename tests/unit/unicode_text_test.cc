#include "parsers/unicode_text.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "parsers/html_page.h"

namespace swarmcrawl {
namespace {

std::vector<char32_t> DecodeAll(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    const size_t before = i;
    out.push_back(DecodeUtf8(s, &i));
    REQUIRE(i > before);
  }
  return out;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  WordSpan w;
  while (NextWord(s, &pos, &w)) out.emplace_back(s.substr(w.begin, w.end - w.begin));
  return out;
}

using Cps = std::vector<char32_t>;
using Strs = std::vector<std::string>;

TEST_CASE("UTF-8 decoding reads one code point of each length") {
  CHECK(DecodeAll("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") == Cps{'a', 0xE9, 0x20AC, 0x1F600});
}

TEST_CASE("invalid UTF-8 decodes to U+FFFD per maximal valid subpart") {
  constexpr char32_t R = kReplacementChar;
  CHECK(DecodeAll("\x80") == Cps{R});                  // lone continuation byte
  CHECK(DecodeAll("\xE2\x82" "A") == Cps{R, 'A'});     // truncated 3-byte sequence: one unit
  CHECK(DecodeAll("\xC0\x80") == Cps{R, R});           // overlong: C0 is never valid
  CHECK(DecodeAll("\xED\xA0\x80") == Cps{R, R, R});    // surrogate U+D800
  CHECK(DecodeAll("\xF4\x90\x80\x80") == Cps{R, R, R, R});  // above U+10FFFF
  CHECK(DecodeAll("\xF0\x9F\x98") == Cps{R});          // truncated at the end
  CHECK(DecodeAll("\xFF" "b") == Cps{R, 'b'});
}

TEST_CASE("decoding then encoding equals SanitizeUtf8") {
  for (std::string_view s :
       {"plain", "caf\xC3\xA9", "\xE2\x82" "A\xC0\x80x", "\xED\xA0\x80\xF4\x90\x80\x80",
        "\xF0\x9F\x98", "\xF0\x9F\x98\x80\xFE\xFF", "a\xE0\x9F\x80z", "\xF1\x80\x80"}) {
    std::string round;
    for (char32_t c : DecodeAll(s)) AppendUtf8(c, &round);
    CHECK(round == SanitizeUtf8(s));
  }
}

TEST_CASE("random bytes decode like SanitizeUtf8 and split into well-formed words") {
  uint64_t state = 42;
  for (int round = 0; round < 500; ++round) {
    std::string s;
    const int len = static_cast<int>(state % 64);
    for (int i = 0; i < len; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const unsigned r = static_cast<unsigned>(state >> 33);
      // Half ASCII, half bytes >= 0x80 so multi-byte sequences form often.
      s.push_back(static_cast<char>(r % 2 ? 0x20 + r / 2 % 0x60 : 0x80 + r / 2 % 0x80));
    }
    CAPTURE(s);
    std::string round_trip;
    for (char32_t c : DecodeAll(s)) AppendUtf8(c, &round_trip);
    CHECK(round_trip == SanitizeUtf8(s));
    CHECK(CountCodePoints(s) == DecodeAll(s).size());

    size_t pos = 0, last_end = 0;
    WordSpan w;
    while (NextWord(s, &pos, &w)) {
      CHECK(w.begin >= last_end);
      CHECK(w.end > w.begin);
      CHECK(w.end <= s.size());
      CHECK(pos == w.end);
      CHECK(w.code_points == CountCodePoints(s.substr(w.begin, w.end - w.begin)));
      for (char32_t c : DecodeAll(s.substr(w.begin, w.end - w.begin))) {
        CHECK((IsWordChar(c) || c == '\'' || c == 0x2019));
      }
      last_end = w.end;
    }
    const std::string_view t = TrimSpace(s);
    CHECK(t.data() >= s.data());
    CHECK(t.data() + t.size() <= s.data() + s.size());
  }
}

TEST_CASE("encoding writes 1 to 4 bytes and replaces surrogates and out-of-range values") {
  std::string s;
  AppendUtf8('A', &s);
  AppendUtf8(0xE9, &s);
  AppendUtf8(0x20AC, &s);
  AppendUtf8(0x1F600, &s);
  CHECK(s == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  std::string bad;
  AppendUtf8(0xD800, &bad);
  AppendUtf8(0x110000, &bad);
  CHECK(bad == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("code points are counted with each invalid unit as one") {
  CHECK(CountCodePoints("") == 0);
  CHECK(CountCodePoints("h\xC3\xA9llo\xE2\x82\xAC") == 6);
  CHECK(CountCodePoints("ab\xFF\xE2\x82") == 4);
}

TEST_CASE("letters, digits and marks of the covered scripts are classified") {
  for (char32_t c : {U'a', U'Z', U'é', U'Ł', U'Ω', U'ж', U'Ж', U'ب', U'א', U'क', U'中', U'あ',
                     U'カ', U'한', U'ß', U'ǅ', U'ệ', U'Ա'}) {
    CAPTURE(static_cast<uint32_t>(c));
    CHECK(IsLetter(c));
    CHECK(IsWordChar(c));
    CHECK_FALSE(IsDigit(c));
  }
  for (char32_t c : {U'0', U'9', U'٣', U'३', U'５'}) {
    CAPTURE(static_cast<uint32_t>(c));
    CHECK(IsDigit(c));
    CHECK(IsLetterOrDigit(c));
    CHECK_FALSE(IsLetter(c));
  }
  for (char32_t c : {U' ', U'.', U',', U'€', U'—', U'×', U'÷', U'。', U'、', U'؟', U'।',
                     kReplacementChar}) {
    CAPTURE(static_cast<uint32_t>(c));
    CHECK_FALSE(IsWordChar(c));
  }
  // Combining acute, Devanagari vowel sign i, Arabic fatha.
  for (char32_t c : {U'\u0301', U'\u093F', U'\u064E'}) {
    CHECK(IsCombiningMark(c));
    CHECK(IsWordChar(c));
    CHECK_FALSE(IsLetterOrDigit(c));
  }
  CHECK(IsCjk(U'中'));
  CHECK(IsCjk(U'あ'));
  CHECK(IsCjk(U'カ'));
  CHECK(IsCjk(U'\U00020000'));
  CHECK_FALSE(IsCjk(U'한'));  // Hangul separates words with spaces
  CHECK_FALSE(IsCjk(U'a'));
  CHECK_FALSE(IsCjk(U'。'));
}

TEST_CASE("simple lower-casing covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic") {
  CHECK(ToLowerSimple('A') == 'a');
  CHECK(ToLowerSimple('z') == 'z');
  CHECK(ToLowerSimple(U'É') == U'é');
  CHECK(ToLowerSimple(U'Þ') == U'þ');
  CHECK(ToLowerSimple(U'×') == U'×');  // U+00D7 sits between the capitals
  CHECK(ToLowerSimple(U'ß') == U'ß');
  CHECK(ToLowerSimple(U'Ÿ') == U'ÿ');
  CHECK(ToLowerSimple(U'Ā') == U'ā');
  CHECK(ToLowerSimple(U'Ł') == U'ł');  // an odd-numbered capital
  CHECK(ToLowerSimple(U'Ž') == U'ž');
  CHECK(ToLowerSimple(U'Ŋ') == U'ŋ');
  CHECK(ToLowerSimple(U'İ') == U'i');
  CHECK(ToLowerSimple(U'ı') == U'ı');
  CHECK(ToLowerSimple(U'Σ') == U'σ');
  CHECK(ToLowerSimple(U'Ά') == U'ά');
  CHECK(ToLowerSimple(U'Ώ') == U'ώ');
  CHECK(ToLowerSimple(U'Ж') == U'ж');
  CHECK(ToLowerSimple(U'Ё') == U'ё');
  CHECK(ToLowerSimple(U'Ѣ') == U'ѣ');
  CHECK(ToLowerSimple(U'Ӂ') == U'ӂ');
  CHECK(ToLowerSimple(U'ж') == U'ж');
  CHECK(ToLowerSimple(U'中') == U'中');
}

TEST_CASE("Latin diacritics fold to the base letter only where Unicode decomposes them") {
  CHECK(StripLatinDiacritic(U'é') == 'e');
  CHECK(StripLatinDiacritic(U'Å') == 'A');
  CHECK(StripLatinDiacritic(U'ñ') == 'n');
  CHECK(StripLatinDiacritic(U'ÿ') == 'y');
  CHECK(StripLatinDiacritic(U'ő') == 'o');
  CHECK(StripLatinDiacritic(U'Ž') == 'Z');
  CHECK(StripLatinDiacritic(U'Ł') == U'Ł');  // no canonical decomposition
  CHECK(StripLatinDiacritic(U'ø') == U'ø');
  CHECK(StripLatinDiacritic(U'ß') == U'ß');
  CHECK(StripLatinDiacritic(U'ж') == U'ж');
}

TEST_CASE("trimming removes Unicode whitespace at both ends only") {
  CHECK(TrimSpace("\t  hi  there \xC2\xA0\xE3\x80\x80\r") == "hi  there");
  CHECK(TrimSpace(" \n ") == "");
  CHECK(TrimSpace("") == "");
  CHECK(TrimSpace("x\x80") == "x\x80");
}

TEST_CASE("words are runs of letters and digits, with inner apostrophes and single CJK characters") {
  CHECK(Words("Don't stop\xE2\x80\x94the 3 cats' toys, e-mail it\xE2\x80\x99s") ==
        Strs{"Don't", "stop", "the", "3", "cats", "toys", "e", "mail", "it\xE2\x80\x99s"});
  CHECK(Words("\xE4\xB8\xAD\xE6\x96\x87ok \xE3\x81\xB2\xE3\x82\x89") ==
        Strs{"\xE4\xB8\xAD", "\xE6\x96\x87", "ok", "\xE3\x81\xB2", "\xE3\x82\x89"});
  CHECK(Words("\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4") ==
        Strs{"\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7", "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4"});
  CHECK(Words("ab\xFF" "cd") == Strs{"ab", "cd"});
  CHECK(Words("'quoted' -- ...") == Strs{"quoted"});
  CHECK(Words("") == Strs{});
  CHECK(Words(" \xCC\x81 x") == Strs{"x"});  // a stray combining mark starts no word

  // "nai" + combining diaeresis + "ve": one word of 6 code points.
  size_t pos = 0;
  WordSpan w;
  REQUIRE(NextWord("nai\xCC\x88ve 42", &pos, &w));
  CHECK(w.code_points == 6);
  CHECK(w.has_letter);
  REQUIRE(NextWord("nai\xCC\x88ve 42", &pos, &w));
  CHECK(w.code_points == 2);
  CHECK_FALSE(w.has_letter);
  CHECK_FALSE(NextWord("nai\xCC\x88ve 42", &pos, &w));
}

}  // namespace
}  // namespace swarmcrawl
