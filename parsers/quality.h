// Quality signals of a page's plain text, and the verdicts of the Gopher,
// C4 and FineWeb heuristic filters computed from them (definitions and
// thresholds of /work/shared/specs/dataset-quality.md, as implemented by
// datatrove, which FineWeb runs; deviations are listed below).
//
// Input is the extracted text, one block per line. Bytes that are not valid
// UTF-8 count as U+FFFD. ComputeQuality is a pure function, O(n) expected in
// the text size (hash tables, no sorting) and allocates O(words).
//
// Units and definitions shared by every signal:
//  - characters are code points;
//  - a line is a '\n'-separated piece with surrounding whitespace trimmed;
//    whitespace-only lines are not lines (they only separate paragraphs);
//  - a paragraph is a run of lines between blank lines when the text has a
//    blank line between two lines (Gopher's "\n\n" paragraphs); otherwise
//    every line is a paragraph, because our extractor writes one block per
//    line and never blank lines;
//  - a word is what NextWord (parsers/unicode_text.h) finds: a run of
//    letters, digits and marks, apostrophes inside words kept; each CJK
//    ideograph or kana is one word. Words therefore never consist of
//    symbols only, so Gopher's "non-symbol words" are all words;
//  - a sentence ends at . ! ? (or another script's full stop, see
//    IsTerminal in quality.cc) followed by whitespace or the end of the line,
//    or at 。！？ anywhere; the rest of a line with a word in it is one more
//    sentence. (FineWeb uses NLTK's Punkt here; abbreviations like "e.g."
//    therefore count as sentence ends.)
//
// Deviations from datatrove, on purpose:
//  - top n-gram fractions count only an n-gram that occurs at least twice
//    (datatrove charges a once-seen n-gram, which fails any text shorter
//    than about ten words on top_2gram);
//  - n-grams are compared word by word, through 64-bit hashes of the words
//    (datatrove compares the words glued together without a separator);
//  - stop words are matched case-insensitively;
//  - a line ending in a closing quote or bracket after terminal punctuation
//    (`He said "yes."`) ends in terminal punctuation;
//  - C4's bad-words rule is not applied (the word list is not vendored);
//  - C4 splits lines on every Unicode line break, FineWeb on '\n': here
//    every filter uses '\n'.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace swarmcrawl {

// The outcome of one filter: `failed_rule` names the first rule (in the
// filter's own order, listed with QualityToJson) that rejected the text.
struct QualityVerdict {
  bool passed = false;
  std::string failed_rule;  // empty iff passed
};

struct QualitySignals {
  // Sizes.
  int64_t char_count = 0;       // code points of the whole text, newlines included
  int64_t word_count = 0;
  int64_t line_count = 0;
  int64_t paragraph_count = 0;
  int64_t sentence_count = 0;   // over all lines
  double mean_word_length = 0;  // code points per word

  // Gopher quality. Ratios with words below are per word (0 without words);
  // ratios with lines are per line (0 without lines).
  double hash_to_word_ratio = 0;      // '#' characters per word
  double ellipsis_to_word_ratio = 0;  // ("..." non-overlapping + "…") per word
  double symbol_to_word_ratio = 0;    // ('#' + ellipses) per word
  int64_t stop_word_count = 0;        // occurrences of the, be, to, of, and, that, have, with
  double stop_word_ratio = 0;         // stop_word_count per word
  double bullet_lines_ratio = 0;      // lines starting with - * • ‣ ⁃ ◦ ● ▪ ▫ ■ □ ▶ ◀ –
  double ellipsis_lines_ratio = 0;    // lines ending with "..." or "…"
  double alpha_words_ratio = 0;       // words with at least one letter

  // Gopher repetition. "fraction" = share of the elements; "char_fraction"
  // = characters of the repeats (second and later occurrences) over
  // char_count.
  double duplicate_line_fraction = 0;
  double duplicate_line_char_fraction = 0;
  double duplicate_paragraph_fraction = 0;
  double duplicate_paragraph_char_fraction = 0;
  // [n-2] for n = 2, 3, 4: characters of the most frequent word n-gram
  // (its words and the n-1 spaces between them) times its occurrences, over
  // char_count; 0 if no n-gram occurs twice.
  std::array<double, 3> top_ngram_char_fraction{};
  // [n-5] for n = 5..10: characters of the words of every n-gram occurrence
  // that repeats an earlier one, scanning left to right and skipping past a
  // repeat so overlapping repeats are counted once (datatrove's
  // find_all_duplicate), over char_count.
  std::array<double, 6> duplicated_ngram_char_fraction{};

  // C4 (per line, in this order: a word over 1000 characters, citation
  // markers [1] [edit] [citation needed] removed, no terminal . ? ! " ' or
  // ending in "...", fewer than 3 words, "javascript", policy phrases
  // "terms of use", "privacy policy", "cookie policy", "uses cookies",
  // "use of cookies", "use cookies"; case-insensitive). Each line is counted
  // under the first rule that drops it.
  int64_t c4_lines_long_word = 0;
  int64_t c4_lines_no_terminal_punctuation = 0;
  int64_t c4_lines_too_few_words = 0;
  int64_t c4_lines_javascript = 0;
  int64_t c4_lines_policy = 0;
  int64_t c4_lines_kept = 0;
  int64_t c4_sentence_count = 0;  // sentences in the kept lines
  bool c4_lorem_ipsum = false;    // "lorem ipsum" in a line past the too-few-words rule
  bool c4_curly_bracket = false;  // '{' in a line past the javascript rule

  // FineWeb.
  double terminal_punctuation_lines_ratio = 0;  // lines ending in terminal punctuation
  double short_line_ratio = 0;                  // lines of at most 30 characters
  double char_dup_ratio = 0;  // characters of repeated lines over non-'\n' characters
  double newline_to_word_ratio = 0;             // '\n' characters per word

  QualityVerdict gopher_quality;
  QualityVerdict gopher_repetition;
  QualityVerdict c4;
  QualityVerdict fineweb;
  // Share of the four verdicts that passed: 0, 0.25, 0.5, 0.75 or 1. A coarse
  // order for filtering records, not a calibrated probability.
  double quality_score = 0;
};

QualitySignals ComputeQuality(std::string_view text);

// The record's "quality" object, version 1. Ratios are rounded to 4 decimals.
// Keys (all always present):
//   version                              1
//   char_count, word_count, line_count, paragraph_count, sentence_count,
//   mean_word_length, hash_to_word_ratio, ellipsis_to_word_ratio,
//   symbol_to_word_ratio, stop_word_count, stop_word_ratio,
//   bullet_lines_ratio, ellipsis_lines_ratio, alpha_words_ratio,
//   duplicate_line_fraction, duplicate_line_char_fraction,
//   duplicate_paragraph_fraction, duplicate_paragraph_char_fraction,
//   c4_lines_long_word, c4_lines_no_terminal_punctuation,
//   c4_lines_too_few_words, c4_lines_javascript, c4_lines_policy,
//   c4_lines_kept, c4_sentence_count, c4_lorem_ipsum, c4_curly_bracket,
//   terminal_punctuation_lines_ratio, short_line_ratio, char_dup_ratio,
//   newline_to_word_ratio              the fields of the same name
//   top_2gram_char_fraction .. top_4gram_char_fraction
//                                        top_ngram_char_fraction[0..2]
//   duplicated_5gram_char_fraction .. duplicated_10gram_char_fraction
//                                        duplicated_ngram_char_fraction[0..5]
//   gopher_quality, gopher_repetition, c4, fineweb
//                                        {"passed": bool, "failed_rule": string}
//   quality_score                        the field of the same name
//
// Rules, in the order they are tried, failing when:
//   gopher_quality: min_words (word_count < 50), max_words (> 100,000),
//     min_mean_word_length (< 3), max_mean_word_length (> 10),
//     max_hash_to_word_ratio (> 0.1), max_ellipsis_to_word_ratio (> 0.1),
//     max_bullet_lines_ratio (> 0.9), max_ellipsis_lines_ratio (> 0.3),
//     min_alpha_words_ratio (< 0.8), min_stop_words (stop_word_count < 2)
//   gopher_repetition: min_words (no word at all),
//     max_duplicate_paragraph_fraction (> 0.3),
//     max_duplicate_paragraph_char_fraction (> 0.2),
//     max_duplicate_line_fraction (> 0.3), max_duplicate_line_char_fraction
//     (> 0.2), max_top_{2,3,4}gram_char_fraction (> 0.2, 0.18, 0.16),
//     max_duplicated_{5..10}gram_char_fraction (> 0.15, 0.14, 0.13, 0.12,
//     0.11, 0.10)
//   c4: lorem_ipsum or curly_bracket (whichever line comes first),
//     min_sentences (c4_sentence_count < 5)
//   fineweb: min_words (no word at all),
//     min_terminal_punctuation_lines_ratio (<= 0.12),
//     max_short_line_ratio (>= 0.67), max_char_dup_ratio (>= 0.01),
//     max_newline_to_word_ratio (> 0.3)
// FineWeb itself runs gopher_repetition, gopher_quality, C4 without its
// terminal-punctuation line rule, then fineweb.
nlohmann::json QualityToJson(const QualitySignals& q);

}  // namespace swarmcrawl
