#include "parsers/quality.h"

#include <doctest/doctest.h>

#include <array>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "parsers/unicode_text.h"

namespace swarmcrawl {
namespace {

constexpr char kGoodArticle[] =
    "The river that runs through the old town has flooded three times in the last decade, "
    "and each time the water reached the market square within a few hours.\n"
    "Engineers from the regional authority have now proposed a series of low walls along the "
    "eastern bank, together with a pumping station that would move water back into the main "
    "channel during heavy storms.\n"
    "Residents who attended the public meeting on Tuesday were broadly supportive, although "
    "several shop owners asked how long the construction work would block access to their "
    "businesses.\n"
    "The council expects to publish a detailed timetable in the spring. If the plan is "
    "approved, work could begin before the end of next year and finish within eighteen months.\n";

// Processor time, not wall time: the test machine may be busy with other work.
double CpuSecondsSince(std::clock_t start) {
  return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
}

TEST_CASE("every signal of a tiny text matches a hand computation") {
  // Lines: "The cat sat." (12 chars) twice and "- a dog ran..." (14 chars);
  // 40 characters with the two newlines; words The cat sat The cat sat a dog ran.
  const QualitySignals q = ComputeQuality("The cat sat.\nThe cat sat.\n- a dog ran...");
  CHECK(q.char_count == 40);
  CHECK(q.word_count == 9);
  CHECK(q.line_count == 3);
  CHECK(q.paragraph_count == 3);  // no blank line: one paragraph per line
  CHECK(q.sentence_count == 3);
  CHECK(q.mean_word_length == doctest::Approx(25.0 / 9));
  CHECK(q.hash_to_word_ratio == 0);
  CHECK(q.ellipsis_to_word_ratio == doctest::Approx(1.0 / 9));
  CHECK(q.symbol_to_word_ratio == doctest::Approx(1.0 / 9));
  CHECK(q.stop_word_count == 2);  // "The" twice, case-insensitive; "a" is not one
  CHECK(q.stop_word_ratio == doctest::Approx(2.0 / 9));
  CHECK(q.bullet_lines_ratio == doctest::Approx(1.0 / 3));
  CHECK(q.ellipsis_lines_ratio == doctest::Approx(1.0 / 3));
  CHECK(q.alpha_words_ratio == 1.0);
  CHECK(q.duplicate_line_fraction == doctest::Approx(1.0 / 3));
  CHECK(q.duplicate_line_char_fraction == doctest::Approx(12.0 / 40));
  CHECK(q.duplicate_paragraph_fraction == doctest::Approx(1.0 / 3));
  CHECK(q.duplicate_paragraph_char_fraction == doctest::Approx(12.0 / 40));
  // "The cat" and "cat sat" occur twice; the first one wins: (3+1+3) * 2.
  CHECK(q.top_ngram_char_fraction[0] == doctest::Approx(14.0 / 40));
  // "The cat sat" twice: (3+1+3+1+3) * 2.
  CHECK(q.top_ngram_char_fraction[1] == doctest::Approx(22.0 / 40));
  CHECK(q.top_ngram_char_fraction[2] == 0);  // every 4-gram occurs once
  for (double f : q.duplicated_ngram_char_fraction) CHECK(f == 0);
  CHECK(q.terminal_punctuation_lines_ratio == 1.0);
  CHECK(q.short_line_ratio == 1.0);
  CHECK(q.char_dup_ratio == doctest::Approx(12.0 / 38));
  CHECK(q.newline_to_word_ratio == doctest::Approx(2.0 / 9));
  CHECK(q.c4_lines_kept == 2);
  CHECK(q.c4_lines_no_terminal_punctuation == 1);  // ends in "..."
  CHECK(q.c4_sentence_count == 2);

  CHECK(q.gopher_quality.failed_rule == "min_words");
  CHECK(q.gopher_repetition.failed_rule == "max_duplicate_paragraph_fraction");
  CHECK(q.c4.failed_rule == "min_sentences");
  CHECK(q.fineweb.failed_rule == "max_short_line_ratio");
  CHECK(q.quality_score == 0);

  const nlohmann::json j = QualityToJson(q);
  CHECK(j["version"] == 1);
  CHECK(j["word_count"] == 9);
  CHECK(j["mean_word_length"] == 2.7778);
  CHECK(j["top_2gram_char_fraction"] == 0.35);
  CHECK(j["top_3gram_char_fraction"] == 0.55);
  CHECK(j["duplicated_10gram_char_fraction"] == 0);
  CHECK(j["gopher_quality"] == nlohmann::json({{"passed", false}, {"failed_rule", "min_words"}}));
  CHECK(j["c4"]["failed_rule"] == "min_sentences");
  CHECK(j["quality_score"] == 0.0);
}

TEST_CASE("blank lines separate paragraphs when the text has them") {
  // Paragraphs "A b c." | "A b c.\nD e." | "A b c."; 27 characters.
  const QualitySignals q = ComputeQuality("A b c.\n\nA b c.\nD e.\n\nA b c.");
  CHECK(q.char_count == 27);
  CHECK(q.line_count == 4);
  CHECK(q.paragraph_count == 3);
  CHECK(q.duplicate_paragraph_fraction == doctest::Approx(1.0 / 3));
  CHECK(q.duplicate_paragraph_char_fraction == doctest::Approx(6.0 / 27));
  CHECK(q.duplicate_line_fraction == doctest::Approx(2.0 / 4));
  CHECK(q.duplicate_line_char_fraction == doctest::Approx(12.0 / 27));
}

TEST_CASE("a good English article passes every filter") {
  const QualitySignals q = ComputeQuality(kGoodArticle);
  CHECK(q.word_count > 100);
  CHECK(q.line_count == 4);
  CHECK(q.sentence_count == 5);
  CHECK(q.c4_sentence_count == 5);
  CHECK(q.c4_lines_kept == 4);
  CHECK(q.terminal_punctuation_lines_ratio == 1.0);
  CHECK(q.duplicate_line_fraction == 0);
  CHECK(q.gopher_quality.passed);
  CHECK(q.gopher_quality.failed_rule.empty());
  CHECK(q.gopher_repetition.passed);
  CHECK(q.c4.passed);
  CHECK(q.fineweb.passed);
  CHECK(q.quality_score == 1.0);
}

TEST_CASE("a repeated phrase fails gopher_repetition on the top 2-gram") {
  // One line: "buy cheap pills now" (19 chars) 30 times, 599 characters. The
  // 2-grams "buy cheap", "cheap pills", "pills now" each occur 30 times; the
  // first, "buy cheap" (9 chars), wins: 270 / 599.
  std::string text;
  for (int i = 0; i < 30; ++i) text += (i ? " " : "") + std::string("buy cheap pills now");
  const QualitySignals q = ComputeQuality(text);
  CHECK(q.char_count == 599);
  CHECK(q.duplicate_line_fraction == 0);
  CHECK(q.top_ngram_char_fraction[0] == doctest::Approx(270.0 / 599));
  CHECK(q.gopher_repetition.failed_rule == "max_top_2gram_char_fraction");
  CHECK_FALSE(q.gopher_repetition.passed);
}

TEST_CASE("repeated lines fail gopher_repetition on the duplicate paragraph fraction") {
  std::string text = kGoodArticle;
  for (int i = 0; i < 4; ++i) text += "Subscribe to our newsletter for the latest local news.\n";
  const QualitySignals q = ComputeQuality(text);
  // 8 lines, 3 of them repeats of the first newsletter line.
  CHECK(q.line_count == 8);
  CHECK(q.duplicate_line_fraction == doctest::Approx(3.0 / 8));
  CHECK(q.gopher_repetition.failed_rule == "max_duplicate_paragraph_fraction");
  CHECK(q.gopher_quality.passed);  // repetition is not a quality-filter matter
}

// datatrove's n-gram statistics written directly over word strings, to
// check the pruned, hashed implementation against.
struct DirectNgrams {
  std::array<double, 3> top{};
  std::array<double, 6> duplicated{};
};

DirectNgrams ComputeNgramsDirectly(std::string_view text) {
  std::vector<std::string> words;
  size_t pos = 0;
  WordSpan w;
  while (NextWord(text, &pos, &w)) words.emplace_back(text.substr(w.begin, w.end - w.begin));
  const double chars = static_cast<double>(CountCodePoints(text));
  auto gram = [&words](size_t i, size_t n) {
    return std::vector<std::string>(words.begin() + i, words.begin() + i + n);
  };
  auto length = [](const std::vector<std::string>& g) {
    size_t total = 0;
    for (const auto& x : g) total += CountCodePoints(x);
    return total;
  };
  DirectNgrams out;
  for (size_t n = 2; n <= 10 && n <= words.size(); ++n) {
    const size_t m = words.size() - n + 1;
    if (n <= 4) {
      std::map<std::vector<std::string>, std::pair<size_t, size_t>> counts;  // count, first
      for (size_t i = 0; i < m; ++i) {
        auto [it, inserted] = counts.try_emplace(gram(i, n), 0, i);
        ++it->second.first;
      }
      size_t best = 0, best_first = 0;
      for (const auto& [g, cf] : counts) {
        if (cf.first > best || (cf.first == best && cf.second < best_first)) {
          best = cf.first;
          best_first = cf.second;
        }
      }
      if (best >= 2) out.top[n - 2] = (length(gram(best_first, n)) + n - 1) * best / chars;
    } else {
      std::set<std::vector<std::string>> unique;
      size_t repeated = 0;
      for (size_t i = 0; i < m;) {
        auto g = gram(i, n);
        if (unique.count(g)) {
          repeated += length(g);
          i += n;
        } else {
          unique.insert(std::move(g));
          ++i;
        }
      }
      out.duplicated[n - 5] = repeated / chars;
    }
  }
  return out;
}

TEST_CASE("the pruned n-gram scan agrees with a direct implementation of datatrove's") {
  // Few distinct words, so n-grams of every length repeat, overlap and tie.
  constexpr const char* kWords[] = {"a", "bb", "a", "ccc", "dd", "bb", "a"};
  uint64_t state = 99;
  for (int round = 0; round < 200; ++round) {
    std::string text;
    const int n = static_cast<int>(state % 120);
    for (int i = 0; i < n; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const unsigned r = static_cast<unsigned>(state >> 33);
      text += kWords[r % 7];
      text += (r / 7) % 9 == 0 ? "\n" : " ";
    }
    CAPTURE(text);
    const QualitySignals q = ComputeQuality(text);
    const DirectNgrams d = ComputeNgramsDirectly(text);
    for (size_t i = 0; i < 3; ++i) CHECK(q.top_ngram_char_fraction[i] == doctest::Approx(d.top[i]));
    for (size_t i = 0; i < 6; ++i) {
      CHECK(q.duplicated_ngram_char_fraction[i] == doctest::Approx(d.duplicated[i]));
    }
  }
}

TEST_CASE("a long phrase repeated inside distinct lines fails on duplicated 5-grams") {
  // Three lines of 8 unique filler words, the same 12-word phrase, 8 more
  // fillers; every word has 5 letters. Each line is 28 words, 167 chars; 503
  // in all. datatrove's scan charges the 2nd and 3rd phrase 10 words each
  // (it jumps 5 words per repeat and the last two words start no repeated
  // 5-gram): 2 * 10 * 5 = 100 characters.
  const std::string phrase =
      "alpha bravo candy delta eagle fancy gamma hotel index joker kilos lemon";
  int filler = 0;
  auto fillers = [&filler](int n) {
    std::string s;
    for (int i = 0; i < n; ++i, ++filler) {
      s += std::string(i ? " " : "") + "f" + static_cast<char>('a' + filler / 26 % 26) +
           static_cast<char>('a' + filler % 26) + "xy";
    }
    return s;
  };
  std::string text;
  for (int line = 0; line < 3; ++line) {
    if (line) text += "\n";
    text += fillers(8) + " " + phrase + " " + fillers(8);
  }
  const QualitySignals q = ComputeQuality(text);
  CHECK(q.char_count == 503);
  CHECK(q.word_count == 84);
  CHECK(q.duplicate_line_fraction == 0);
  CHECK(q.top_ngram_char_fraction[0] == doctest::Approx(33.0 / 503));  // "alpha bravo" x3
  CHECK(q.top_ngram_char_fraction[2] == doctest::Approx(69.0 / 503));  // 23 chars x3
  CHECK(q.duplicated_ngram_char_fraction[0] == doctest::Approx(100.0 / 503));
  // 6-grams: each repeat is two jumps of 6 words, the whole phrase.
  CHECK(q.duplicated_ngram_char_fraction[1] == doctest::Approx(120.0 / 503));
  CHECK(q.gopher_repetition.failed_rule == "max_duplicated_5gram_char_fraction");
}

TEST_CASE("lorem ipsum fails C4, and C4's line rules are counted") {
  std::string text = kGoodArticle;
  text +=
      "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
      "incididunt ut labore et dolore magna aliqua.\n";
  QualitySignals q = ComputeQuality(text);
  CHECK(q.c4_lorem_ipsum);
  CHECK_FALSE(q.c4.passed);
  CHECK(q.c4.failed_rule == "lorem_ipsum");

  const QualitySignals rules = ComputeQuality(
      std::string(kGoodArticle) +
      "Home\n"                                                   // no terminal punctuation
      "Read more.\n"                                             // 2 words
      "Please enable JavaScript to view the comments.\n"         // javascript
      "This site uses cookies to improve your experience.\n"     // policy
      "The bridge was built in 1887 and rebuilt in 1952.[1]\n"   // kept: citation removed
      "Tickets cost ten dollars...\n");                          // ellipsis
  CHECK(rules.c4_lines_no_terminal_punctuation == 2);
  CHECK(rules.c4_lines_too_few_words == 1);
  CHECK(rules.c4_lines_javascript == 1);
  CHECK(rules.c4_lines_policy == 1);
  CHECK(rules.c4_lines_kept == 5);
  CHECK(rules.c4_sentence_count == 6);
  CHECK_FALSE(rules.c4_lorem_ipsum);
  CHECK(rules.c4.passed);

  const QualitySignals curly = ComputeQuality(
      std::string(kGoodArticle) + "Write the template as {name} and it will be filled in.\n");
  CHECK(curly.c4_curly_bracket);
  CHECK(curly.c4.failed_rule == "curly_bracket");
}

TEST_CASE("empty and blank text fail every filter without dividing by zero") {
  for (const char* text : {"", "\n\n \t\n", "### ... ---"}) {
    CAPTURE(text);
    const QualitySignals q = ComputeQuality(text);
    CHECK(q.word_count == 0);
    CHECK(q.mean_word_length == 0);
    CHECK(q.alpha_words_ratio == 0);
    CHECK(q.newline_to_word_ratio == 0);
    CHECK(q.gopher_quality.failed_rule == "min_words");
    CHECK(q.gopher_repetition.failed_rule == "min_words");
    CHECK(q.c4.failed_rule == "min_sentences");
    CHECK(q.fineweb.failed_rule == "min_words");
    CHECK(q.quality_score == 0);
    const std::string dumped = QualityToJson(q).dump();
    CHECK(dumped.find("nan") == std::string::npos);
    CHECK(dumped.find("null") == std::string::npos);
  }
  CHECK(ComputeQuality("").char_count == 0);
  CHECK(ComputeQuality("").line_count == 0);
}

TEST_CASE("invalid UTF-8 counts as replacement characters that separate words") {
  // a b U+FFFD c d ' ' U+FFFD(E2 82): 7 characters, words "ab" and "cd".
  const QualitySignals q = ComputeQuality("ab\xFF" "cd \xE2\x82");
  CHECK(q.char_count == 7);
  CHECK(q.word_count == 2);
  CHECK(q.line_count == 1);
  CHECK_NOTHROW(QualityToJson(q).dump());
}

TEST_CASE("CJK ideographs are one word each and full-width stops end sentences") {
  // 我们今天去公园散步。天气很好！
  const QualitySignals q = ComputeQuality(
      "\xE6\x88\x91\xE4\xBB\xAC\xE4\xBB\x8A\xE5\xA4\xA9\xE5\x8E\xBB\xE5\x85\xAC\xE5\x9B\xAD"
      "\xE6\x95\xA3\xE6\xAD\xA5\xE3\x80\x82\xE5\xA4\xA9\xE6\xB0\x94\xE5\xBE\x88\xE5\xA5\xBD"
      "\xEF\xBC\x81");
  CHECK(q.word_count == 13);
  CHECK(q.char_count == 15);
  CHECK(q.mean_word_length == 1.0);
  CHECK(q.sentence_count == 2);
  CHECK(q.terminal_punctuation_lines_ratio == 1.0);
}

TEST_CASE("closing quotes after a stop still end a line in terminal punctuation") {
  const QualitySignals q =
      ComputeQuality("He said \"we will rebuild the bridge.\"\nNo punctuation here\n");
  CHECK(q.terminal_punctuation_lines_ratio == 0.5);
  CHECK(q.sentence_count == 2);
}

TEST_CASE("4 MB of text is scored well under a second") {
  // Realistic prose repeated with a counter, plus one exact copy of the
  // whole block: the repetition pass sees many repeated n-grams.
  std::string text;
  for (int i = 0; text.size() < 2 * 1000 * 1000; ++i) {
    text += "Item " + std::to_string(i) + ": ";
    text += kGoodArticle;
  }
  text += text;
  const std::clock_t start = std::clock();
  const QualitySignals q = ComputeQuality(text);
  const double seconds = CpuSecondsSince(start);
  MESSAGE("ComputeQuality of " << text.size() << " bytes: " << seconds * 1e3 << " CPU ms");
  CHECK(q.word_count > 600000);
  CHECK_FALSE(q.gopher_repetition.passed);
  CHECK(seconds < 2.0);  // ~0.2 s optimized; generous for sanitizer builds
}

TEST_CASE("random bytes keep shares in [0, 1] and verdicts consistent") {
  // Bytes drawn mostly from characters the rules look at, plus UTF-8 lead
  // and continuation bytes in any order.
  constexpr char kAlphabet[] = "ab .!?#-*[]{}'\"\n\n\t1\xC3\xA9\xE2\x80\xA6\xE4\xB8\xAD\xF0\x9F\xFF";
  uint64_t state = 12345;
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const int len = static_cast<int>(state % 400);
    for (int i = 0; i < len; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text.push_back(kAlphabet[(state >> 33) % (sizeof(kAlphabet) - 1)]);
    }
    CAPTURE(text);
    const QualitySignals q = ComputeQuality(text);
    for (double share :
         {q.stop_word_ratio, q.bullet_lines_ratio, q.ellipsis_lines_ratio, q.alpha_words_ratio,
          q.duplicate_line_fraction, q.duplicate_line_char_fraction,
          q.duplicate_paragraph_fraction, q.duplicate_paragraph_char_fraction,
          q.terminal_punctuation_lines_ratio, q.short_line_ratio, q.char_dup_ratio}) {
      CHECK(share >= 0);
      CHECK(share <= 1);
    }
    for (double f : q.duplicated_ngram_char_fraction) CHECK((f >= 0 && f <= 1));
    for (double f : q.top_ngram_char_fraction) CHECK(f >= 0);  // overlapping repeats may pass 1
    CHECK(q.line_count <= q.char_count);
    CHECK(q.c4_lines_kept + q.c4_lines_long_word + q.c4_lines_no_terminal_punctuation +
              q.c4_lines_too_few_words + q.c4_lines_javascript + q.c4_lines_policy ==
          q.line_count);
    for (const QualityVerdict* v : {&q.gopher_quality, &q.gopher_repetition, &q.c4, &q.fineweb}) {
      CHECK(v->passed == v->failed_rule.empty());
    }
    CHECK_NOTHROW(QualityToJson(q).dump());
  }
}

}  // namespace
}  // namespace swarmcrawl
