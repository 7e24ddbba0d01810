#include "parsers/quality.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "core/strings.h"
#include "parsers/minhash.h"
#include "parsers/unicode_text.h"

namespace swarmcrawl {
namespace {

constexpr int kQualityVersion = 1;

// Gopher quality (Rae et al. 2021).
constexpr int64_t kGopherMinWords = 50;
constexpr int64_t kGopherMaxWords = 100000;
constexpr double kGopherMinMeanWordLength = 3;
constexpr double kGopherMaxMeanWordLength = 10;
constexpr double kGopherMaxSymbolWordRatio = 0.1;
constexpr double kGopherMaxBulletLinesRatio = 0.9;
constexpr double kGopherMaxEllipsisLinesRatio = 0.3;
constexpr double kGopherMinAlphaWordsRatio = 0.8;
constexpr int64_t kGopherMinStopWords = 2;

// Gopher repetition.
constexpr double kMaxDupLineFraction = 0.3;
constexpr double kMaxDupParagraphFraction = 0.3;
constexpr double kMaxDupLineCharFraction = 0.2;
constexpr double kMaxDupParagraphCharFraction = 0.2;
constexpr double kMaxTopNgram[3] = {0.20, 0.18, 0.16};                  // n = 2..4
constexpr double kMaxDupNgram[6] = {0.15, 0.14, 0.13, 0.12, 0.11, 0.10};  // n = 5..10

// C4 (Raffel et al. 2020).
constexpr int64_t kC4MinSentences = 5;
constexpr int64_t kC4MinWordsPerLine = 3;
constexpr size_t kC4MaxWordLength = 1000;
constexpr std::string_view kC4PolicyPhrases[] = {"terms of use",   "privacy policy",
                                                 "cookie policy",  "uses cookies",
                                                 "use of cookies", "use cookies"};

// FineWeb custom filter.
constexpr double kFineWebMinLinePunctRatio = 0.12;
constexpr double kFineWebMaxShortLineRatio = 0.67;
constexpr size_t kFineWebShortLineLength = 30;
constexpr double kFineWebMaxCharDupRatio = 0.01;
constexpr double kFineWebMaxNewlineRatio = 0.3;

constexpr std::string_view kStopWords[] = {"the", "be", "to", "of", "and", "that", "have", "with"};

// Sentence-ending punctuation of the scripts we cover (datatrove's
// TERMINAL_PUNCTUATION, its main entries).
bool IsTerminal(char32_t c) {
  switch (c) {
    case '.': case '!': case '?':
    case 0x0589: case 0x061E: case 0x061F: case 0x06D4: case 0x0700: case 0x0701:
    case 0x0702: case 0x07F9: case 0x0964: case 0x0965: case 0x104A: case 0x104B:
    case 0x1362: case 0x1367: case 0x1368: case 0x166E: case 0x17D4: case 0x17D5:
    case 0x1803: case 0x1809: case 0x203C: case 0x203D: case 0x2047: case 0x2048:
    case 0x2049: case 0x2E2E: case 0x2E3C: case 0x3002: case 0xFE52: case 0xFE56:
    case 0xFE57: case 0xFF01: case 0xFF0E: case 0xFF1F: case 0xFF61:
      return true;
    default:
      return false;
  }
}

// Full-width stops end a sentence without a following space.
bool IsFullWidthStop(char32_t c) {
  return c == 0x3002 || c == 0xFF01 || c == 0xFF0E || c == 0xFF1F || c == 0xFF61;
}

// Closing quotes and brackets that may follow a sentence's final stop.
bool IsCloser(char32_t c) {
  switch (c) {
    case '"': case '\'': case ')': case ']': case 0x00BB: case 0x2019: case 0x201D:
    case 0x300D: case 0x300F: case 0xFF09:
      return true;
    default:
      return false;
  }
}

bool IsBullet(char32_t c) {
  switch (c) {
    case '-': case '*': case 0x2013: case 0x2022: case 0x2023: case 0x2043: case 0x25A0:
    case 0x25A1: case 0x25AA: case 0x25AB: case 0x25B6: case 0x25C0: case 0x25CF: case 0x25E6:
      return true;
    default:
      return false;
  }
}

struct LineScan {
  size_t code_points = 0;
  char32_t first = 0;
  int64_t sentences = 0;
  bool terminal_end = false;  // ends in terminal punctuation, closers allowed after it
};

enum class Kind { kWord, kStop, kFullWidthStop, kCloser, kSpace, kOther };

Kind KindOf(char32_t c) {
  if (c < 0x80) {
    if (IsWordChar(c)) return Kind::kWord;
    switch (c) {
      case '.': case '!': case '?': return Kind::kStop;
      case '"': case '\'': case ')': case ']': return Kind::kCloser;
      case ' ': case '\t': case '\n': case '\v': case '\f': case '\r': return Kind::kSpace;
      default: return Kind::kOther;
    }
  }
  if (IsWordChar(c)) return Kind::kWord;
  if (IsTerminal(c)) return IsFullWidthStop(c) ? Kind::kFullWidthStop : Kind::kStop;
  if (IsCloser(c)) return Kind::kCloser;
  return IsSpace(c) ? Kind::kSpace : Kind::kOther;
}

// One pass over a trimmed line.
LineScan ScanLine(std::string_view s) {
  LineScan out;
  bool pending = false;      // a word character since the last sentence end
  bool after_stop = false;   // inside a run of stops and closers that follows a word
  for (size_t i = 0; i < s.size();) {
    const char32_t c = DecodeUtf8(s, &i);
    if (out.code_points++ == 0) out.first = c;
    switch (KindOf(c)) {
      case Kind::kWord:
        pending = true;
        after_stop = out.terminal_end = false;
        break;
      case Kind::kFullWidthStop:
        out.sentences += pending;
        pending = false;
        out.terminal_end = true;
        break;
      case Kind::kStop:
        after_stop |= pending;
        out.terminal_end = true;
        break;
      case Kind::kCloser:
        break;
      case Kind::kSpace:
        if (after_stop) {
          ++out.sentences;
          pending = after_stop = false;
        }
        out.terminal_end = false;
        break;
      case Kind::kOther:
        after_stop = out.terminal_end = false;
        break;
    }
  }
  if (pending) ++out.sentences;
  return out;
}

bool EndsWithEllipsis(std::string_view s) {
  return s.ends_with("...") || s.ends_with("\u2026");
}

bool IsStopWord(std::string_view w) {
  if (w.size() < 2 || w.size() > 4) return false;
  char buf[4];
  for (size_t i = 0; i < w.size(); ++i) buf[i] = AsciiLower(w[i]);
  const std::string_view lower(buf, w.size());
  for (std::string_view s : kStopWords) {
    if (s == lower) return true;
  }
  return false;
}

// C4's citation markers: [digits], [edit], [citation needed].
std::string RemoveCitations(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '[') {
      size_t j = i + 1;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      size_t skip = 0;
      if (j < s.size() && s[j] == ']') {
        skip = j + 1 - i;
      } else if (s.substr(i).starts_with("[edit]")) {
        skip = 6;
      } else if (s.substr(i).starts_with("[citation needed]")) {
        skip = 17;
      }
      if (skip > 0) {
        i += skip;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

// Maps each n-gram to the position of its first occurrence. Keys are the
// n-gram hashes h[pos] (already well mixed), compared in full; a slot holds
// the position and the key's high half as a tag, 8 bytes, so the table for
// 600,000 words is 8 MB. Open addressing, linear probing, load <= 2/3.
class FirstOccurrenceTable {
 public:
  explicit FirstOccurrenceTable(const std::vector<uint64_t>& h) : h_(h) {}

  // Empties the table, sized for `expected` keys. Memory is kept between
  // rounds; only the part in use is cleared.
  void Reset(size_t expected) {
    size_t cap = 16;
    while (cap < expected + expected / 2) cap *= 2;
    mask_ = cap - 1;
    if (slots_.size() < cap) slots_.resize(cap);
    std::fill(slots_.begin(), slots_.begin() + cap, Slot{0, 0});
  }

  // The first added position whose n-gram equals the one at `pos`; adds
  // `pos` and returns it when there is none.
  uint32_t FindOrAdd(uint32_t pos) {
    const uint64_t key = h_[pos];
    const uint32_t tag = static_cast<uint32_t>(key >> 32);
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.pos_plus_one == 0) {
        s = Slot{pos + 1, tag};
        return pos;
      }
      if (s.tag == tag && h_[s.pos_plus_one - 1] == key) return s.pos_plus_one - 1;
    }
  }

 private:
  struct Slot {
    uint32_t pos_plus_one;  // 0 = empty
    uint32_t tag;
  };
  const std::vector<uint64_t>& h_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// Word n-gram repetition, n = 2..10. A position can start a repeated
// n-gram only if the (n-1)-grams at it and at the next position repeat, so
// each round looks only at positions the previous round marked: on prose
// that is a small share of the words.
void NgramRepetition(const std::vector<uint64_t>& word_hash, const std::vector<uint32_t>& word_len,
                     double char_count, QualitySignals* q) {
  const size_t n_words = word_hash.size();
  if (n_words < 2 || n_words >= UINT32_MAX) return;  // positions are 32-bit
  std::vector<uint64_t> prefix(n_words + 1, 0);  // prefix sums of word lengths
  for (size_t i = 0; i < n_words; ++i) prefix[i + 1] = prefix[i] + word_len[i];
  std::vector<uint64_t> h(word_hash);              // hash of the n-gram at each position
  std::vector<uint8_t> repeated(n_words + 1, 1);   // (n-1)-gram at i occurs twice or more
  repeated[n_words] = 0;
  std::vector<uint32_t> count(n_words);  // occurrences, at an n-gram's first position
  FirstOccurrenceTable table(h);
  for (size_t n = 2; n <= 10 && n <= n_words; ++n) {
    const size_t m = n_words - n + 1;  // n-grams
    size_t candidates = 0;
    for (size_t i = 0; i < m; ++i) {
      h[i] = Mix64(h[i] + word_hash[i + n - 1] * 0x9e3779b97f4a7c15ULL);
      candidates += repeated[i] && repeated[i + 1];
    }
    table.Reset(candidates);
    uint32_t best_count = 0, best_pos = 0;
    size_t repeats = 0;  // positions whose n-gram occurs twice or more
    // repeated[] is rewritten in place: position i is read (i and i+1) before
    // anything at or after i is written, and a later position only marks the
    // earlier first occurrence of its n-gram.
    for (size_t i = 0; i < m; ++i) {
      const bool candidate = repeated[i] && repeated[i + 1];
      repeated[i] = 0;
      if (!candidate) continue;
      const uint32_t first = table.FindOrAdd(static_cast<uint32_t>(i));
      if (first == i) {
        count[i] = 1;
        continue;
      }
      const uint32_t c = ++count[first];
      repeats += c == 2 ? 2 : 1;
      repeated[i] = 1;
      repeated[first] = 1;
      if (c > best_count || (c == best_count && first < best_pos)) {
        best_count = c;
        best_pos = first;
      }
    }
    for (size_t i = m; i <= n_words; ++i) repeated[i] = 0;

    if (n <= 4) {
      if (best_count >= 2) {
        const double chars = static_cast<double>(prefix[best_pos + n] - prefix[best_pos] + n - 1);
        q->top_ngram_char_fraction[n - 2] = chars * best_count / char_count;
      }
      continue;
    }
    // datatrove's find_all_duplicate: an n-gram seen before adds its words'
    // characters and the scan jumps past it. N-grams that occur once are
    // never seen again, so only repeated positions need the table.
    uint64_t dup_chars = 0;
    table.Reset(repeats);
    for (size_t i = 0; i < m;) {
      if (!repeated[i]) {
        ++i;
        continue;
      }
      if (table.FindOrAdd(static_cast<uint32_t>(i)) != i) {
        dup_chars += prefix[i + n] - prefix[i];
        i += n;
      } else {
        ++i;
      }
    }
    q->duplicated_ngram_char_fraction[n - 5] = static_cast<double>(dup_chars) / char_count;
  }
}

// Fills the trimmed non-blank lines and the paragraphs (spans from a run's
// first line to its last); returns whether a blank line separates two lines.
bool SplitLines(std::string_view text, std::vector<std::string_view>* lines,
                std::vector<std::string_view>* paragraphs) {
  bool blank_between_lines = false;
  size_t para_begin = 0, para_end = 0;
  bool in_para = false, blank_pending = false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = TrimSpace(text.substr(start, end - start));
    if (line.empty()) {
      blank_pending = in_para;
    } else {
      const size_t b = static_cast<size_t>(line.data() - text.data());
      if (blank_pending) {
        paragraphs->push_back(text.substr(para_begin, para_end - para_begin));
        blank_between_lines = true;
        in_para = false;
        blank_pending = false;
      }
      if (!in_para) para_begin = b;
      in_para = true;
      para_end = b + line.size();
      lines->push_back(line);
    }
    start = end + 1;
  }
  if (in_para) paragraphs->push_back(text.substr(para_begin, para_end - para_begin));
  return blank_between_lines;
}

// C4's line filter on one line with `words` words, the longest `longest`
// code points long: counts the line under the first rule that drops it, or
// as kept with its sentences, and records the first page-level rule hit.
void C4Line(std::string_view line, int64_t words, size_t longest, QualitySignals* q,
            std::string* page_failure) {
  if (longest > kC4MaxWordLength) {
    ++q->c4_lines_long_word;
    return;
  }
  std::string cleaned_storage;
  std::string_view cleaned = line;
  if (line.find('[') != std::string_view::npos) {
    cleaned_storage = RemoveCitations(line);
    cleaned = TrimSpace(cleaned_storage);
  }
  const char last = cleaned.empty() ? '\0' : cleaned.back();
  if (!(last == '.' || last == '?' || last == '!' || last == '"' || last == '\'') ||
      cleaned.ends_with("...")) {
    ++q->c4_lines_no_terminal_punctuation;
    return;
  }
  if (words < kC4MinWordsPerLine) {
    ++q->c4_lines_too_few_words;
    return;
  }
  const std::string lower = AsciiLower(cleaned);
  if (lower.find("lorem ipsum") != std::string::npos) {
    q->c4_lorem_ipsum = true;
    if (page_failure->empty()) *page_failure = "lorem_ipsum";
  }
  if (lower.find("javascript") != std::string::npos) {
    ++q->c4_lines_javascript;
    return;
  }
  if (cleaned.find('{') != std::string_view::npos) {
    q->c4_curly_bracket = true;
    if (page_failure->empty()) *page_failure = "curly_bracket";
  }
  for (std::string_view p : kC4PolicyPhrases) {
    if (lower.find(p) != std::string::npos) {
      ++q->c4_lines_policy;
      return;
    }
  }
  ++q->c4_lines_kept;
  q->c4_sentence_count += ScanLine(cleaned).sentences;
}

// Repeats (second and later occurrences) among `items`: their number and
// their characters.
struct Repeats {
  int64_t count = 0;
  int64_t chars = 0;
};

Repeats FindRepeats(const std::vector<std::string_view>& items) {
  Repeats r;
  std::unordered_set<std::string_view> seen;
  seen.reserve(items.size());
  for (std::string_view s : items) {
    if (!seen.insert(s).second) {
      ++r.count;
      r.chars += static_cast<int64_t>(CountCodePoints(s));
    }
  }
  return r;
}

double Ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

QualityVerdict Pass() { return QualityVerdict{true, ""}; }
QualityVerdict Fail(std::string rule) { return QualityVerdict{false, std::move(rule)}; }

QualityVerdict GopherQuality(const QualitySignals& q) {
  if (q.word_count < kGopherMinWords) return Fail("min_words");
  if (q.word_count > kGopherMaxWords) return Fail("max_words");
  if (q.mean_word_length < kGopherMinMeanWordLength) return Fail("min_mean_word_length");
  if (q.mean_word_length > kGopherMaxMeanWordLength) return Fail("max_mean_word_length");
  if (q.hash_to_word_ratio > kGopherMaxSymbolWordRatio) return Fail("max_hash_to_word_ratio");
  if (q.ellipsis_to_word_ratio > kGopherMaxSymbolWordRatio) {
    return Fail("max_ellipsis_to_word_ratio");
  }
  if (q.bullet_lines_ratio > kGopherMaxBulletLinesRatio) return Fail("max_bullet_lines_ratio");
  if (q.ellipsis_lines_ratio > kGopherMaxEllipsisLinesRatio) {
    return Fail("max_ellipsis_lines_ratio");
  }
  if (q.alpha_words_ratio < kGopherMinAlphaWordsRatio) return Fail("min_alpha_words_ratio");
  if (q.stop_word_count < kGopherMinStopWords) return Fail("min_stop_words");
  return Pass();
}

QualityVerdict GopherRepetition(const QualitySignals& q) {
  if (q.word_count == 0) return Fail("min_words");
  if (q.duplicate_paragraph_fraction > kMaxDupParagraphFraction) {
    return Fail("max_duplicate_paragraph_fraction");
  }
  if (q.duplicate_paragraph_char_fraction > kMaxDupParagraphCharFraction) {
    return Fail("max_duplicate_paragraph_char_fraction");
  }
  if (q.duplicate_line_fraction > kMaxDupLineFraction) return Fail("max_duplicate_line_fraction");
  if (q.duplicate_line_char_fraction > kMaxDupLineCharFraction) {
    return Fail("max_duplicate_line_char_fraction");
  }
  for (int n = 2; n <= 4; ++n) {
    if (q.top_ngram_char_fraction[n - 2] > kMaxTopNgram[n - 2]) {
      return Fail("max_top_" + std::to_string(n) + "gram_char_fraction");
    }
  }
  for (int n = 5; n <= 10; ++n) {
    if (q.duplicated_ngram_char_fraction[n - 5] > kMaxDupNgram[n - 5]) {
      return Fail("max_duplicated_" + std::to_string(n) + "gram_char_fraction");
    }
  }
  return Pass();
}

QualityVerdict FineWeb(const QualitySignals& q) {
  if (q.word_count == 0) return Fail("min_words");
  if (q.terminal_punctuation_lines_ratio <= kFineWebMinLinePunctRatio) {
    return Fail("min_terminal_punctuation_lines_ratio");
  }
  if (q.short_line_ratio >= kFineWebMaxShortLineRatio) return Fail("max_short_line_ratio");
  if (q.char_dup_ratio >= kFineWebMaxCharDupRatio) return Fail("max_char_dup_ratio");
  if (q.newline_to_word_ratio > kFineWebMaxNewlineRatio) return Fail("max_newline_to_word_ratio");
  return Pass();
}

double Round4(double v) { return std::round(v * 1e4) / 1e4; }

nlohmann::json VerdictJson(const QualityVerdict& v) {
  return {{"passed", v.passed}, {"failed_rule", v.failed_rule}};
}

}  // namespace

QualitySignals ComputeQuality(std::string_view text) {
  QualitySignals q;
  q.char_count = static_cast<int64_t>(CountCodePoints(text));
  const int64_t newlines = std::count(text.begin(), text.end(), '\n');

  std::vector<std::string_view> lines;       // trimmed, non-blank
  std::vector<std::string_view> paragraphs;  // runs of lines, if blank lines separate them
  const bool blank_between_lines = SplitLines(text, &lines, &paragraphs);
  q.line_count = static_cast<int64_t>(lines.size());
  q.paragraph_count = static_cast<int64_t>(blank_between_lines ? paragraphs.size() : lines.size());

  std::vector<uint64_t> word_hash;
  std::vector<uint32_t> word_len;
  // Prose has a word per 6 bytes or so; reserving untouched memory is free.
  word_hash.reserve(text.size() / 4 + 1);
  word_len.reserve(text.size() / 4 + 1);
  int64_t word_chars = 0, alpha_words = 0;
  int64_t bullet_lines = 0, ellipsis_lines = 0, terminal_lines = 0, short_lines = 0;
  std::string c4_failure;  // first page-level C4 rule, in line order
  for (std::string_view line : lines) {
    const LineScan scan = ScanLine(line);
    q.sentence_count += scan.sentences;
    bullet_lines += IsBullet(scan.first);
    ellipsis_lines += EndsWithEllipsis(line);
    terminal_lines += scan.terminal_end;
    short_lines += scan.code_points <= kFineWebShortLineLength;

    int64_t line_words = 0;
    size_t longest = 0;
    size_t pos = 0;
    WordSpan w;
    while (NextWord(line, &pos, &w)) {
      const std::string_view word = line.substr(w.begin, w.end - w.begin);
      ++line_words;
      word_chars += static_cast<int64_t>(w.code_points);
      alpha_words += w.has_letter;
      q.stop_word_count += IsStopWord(word);
      longest = std::max(longest, w.code_points);
      word_hash.push_back(Mix64(Fnv1a64(word)));
      word_len.push_back(static_cast<uint32_t>(std::min<size_t>(w.code_points, UINT32_MAX)));
    }
    q.word_count += line_words;

    C4Line(line, line_words, longest, &q, &c4_failure);
  }

  const double words = static_cast<double>(q.word_count);
  const double n_lines = static_cast<double>(q.line_count);
  const double chars = static_cast<double>(q.char_count);
  q.mean_word_length = Ratio(static_cast<double>(word_chars), words);

  int64_t hashes = 0, ellipses = 0, dots = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : '\0';
    if (c == '.') {
      ++dots;
      continue;
    }
    ellipses += dots / 3;  // Python's str.count("..."): non-overlapping
    dots = 0;
    hashes += c == '#';
    // U+2026 is E2 80 A6; A6 is never a first byte.
    ellipses += c == '\xA6' && i >= 2 && text[i - 2] == '\xE2' && text[i - 1] == '\x80';
  }
  q.hash_to_word_ratio = Ratio(static_cast<double>(hashes), words);
  q.ellipsis_to_word_ratio = Ratio(static_cast<double>(ellipses), words);
  q.symbol_to_word_ratio = Ratio(static_cast<double>(hashes + ellipses), words);
  q.stop_word_ratio = Ratio(static_cast<double>(q.stop_word_count), words);
  q.bullet_lines_ratio = Ratio(static_cast<double>(bullet_lines), n_lines);
  q.ellipsis_lines_ratio = Ratio(static_cast<double>(ellipsis_lines), n_lines);
  q.alpha_words_ratio = Ratio(static_cast<double>(alpha_words), words);

  const Repeats line_repeats = FindRepeats(lines);
  q.duplicate_line_fraction = Ratio(static_cast<double>(line_repeats.count), n_lines);
  q.duplicate_line_char_fraction = Ratio(static_cast<double>(line_repeats.chars), chars);
  const Repeats para_repeats = blank_between_lines ? FindRepeats(paragraphs) : line_repeats;
  q.duplicate_paragraph_fraction =
      Ratio(static_cast<double>(para_repeats.count), static_cast<double>(q.paragraph_count));
  q.duplicate_paragraph_char_fraction = Ratio(static_cast<double>(para_repeats.chars), chars);
  if (q.char_count > 0) NgramRepetition(word_hash, word_len, chars, &q);

  q.terminal_punctuation_lines_ratio = Ratio(static_cast<double>(terminal_lines), n_lines);
  q.short_line_ratio = Ratio(static_cast<double>(short_lines), n_lines);
  q.char_dup_ratio =
      Ratio(static_cast<double>(line_repeats.chars), static_cast<double>(q.char_count - newlines));
  q.newline_to_word_ratio = Ratio(static_cast<double>(newlines), words);

  q.gopher_quality = GopherQuality(q);
  q.gopher_repetition = GopherRepetition(q);
  if (!c4_failure.empty()) {
    q.c4 = Fail(c4_failure);
  } else if (q.c4_sentence_count < kC4MinSentences) {
    q.c4 = Fail("min_sentences");
  } else {
    q.c4 = Pass();
  }
  q.fineweb = FineWeb(q);
  q.quality_score = (q.gopher_quality.passed + q.gopher_repetition.passed + q.c4.passed +
                     q.fineweb.passed) / 4.0;
  return q;
}

nlohmann::json QualityToJson(const QualitySignals& q) {
  nlohmann::json j = {
      {"version", kQualityVersion},
      {"char_count", q.char_count},
      {"word_count", q.word_count},
      {"line_count", q.line_count},
      {"paragraph_count", q.paragraph_count},
      {"sentence_count", q.sentence_count},
      {"mean_word_length", Round4(q.mean_word_length)},
      {"hash_to_word_ratio", Round4(q.hash_to_word_ratio)},
      {"ellipsis_to_word_ratio", Round4(q.ellipsis_to_word_ratio)},
      {"symbol_to_word_ratio", Round4(q.symbol_to_word_ratio)},
      {"stop_word_count", q.stop_word_count},
      {"stop_word_ratio", Round4(q.stop_word_ratio)},
      {"bullet_lines_ratio", Round4(q.bullet_lines_ratio)},
      {"ellipsis_lines_ratio", Round4(q.ellipsis_lines_ratio)},
      {"alpha_words_ratio", Round4(q.alpha_words_ratio)},
      {"duplicate_line_fraction", Round4(q.duplicate_line_fraction)},
      {"duplicate_line_char_fraction", Round4(q.duplicate_line_char_fraction)},
      {"duplicate_paragraph_fraction", Round4(q.duplicate_paragraph_fraction)},
      {"duplicate_paragraph_char_fraction", Round4(q.duplicate_paragraph_char_fraction)},
      {"c4_lines_long_word", q.c4_lines_long_word},
      {"c4_lines_no_terminal_punctuation", q.c4_lines_no_terminal_punctuation},
      {"c4_lines_too_few_words", q.c4_lines_too_few_words},
      {"c4_lines_javascript", q.c4_lines_javascript},
      {"c4_lines_policy", q.c4_lines_policy},
      {"c4_lines_kept", q.c4_lines_kept},
      {"c4_sentence_count", q.c4_sentence_count},
      {"c4_lorem_ipsum", q.c4_lorem_ipsum},
      {"c4_curly_bracket", q.c4_curly_bracket},
      {"terminal_punctuation_lines_ratio", Round4(q.terminal_punctuation_lines_ratio)},
      {"short_line_ratio", Round4(q.short_line_ratio)},
      {"char_dup_ratio", Round4(q.char_dup_ratio)},
      {"newline_to_word_ratio", Round4(q.newline_to_word_ratio)},
      {"gopher_quality", VerdictJson(q.gopher_quality)},
      {"gopher_repetition", VerdictJson(q.gopher_repetition)},
      {"c4", VerdictJson(q.c4)},
      {"fineweb", VerdictJson(q.fineweb)},
      {"quality_score", q.quality_score},
  };
  for (int n = 2; n <= 4; ++n) {
    j["top_" + std::to_string(n) + "gram_char_fraction"] = Round4(q.top_ngram_char_fraction[n - 2]);
  }
  for (int n = 5; n <= 10; ++n) {
    j["duplicated_" + std::to_string(n) + "gram_char_fraction"] =
        Round4(q.duplicated_ngram_char_fraction[n - 5]);
  }
  return j;
}

}  // namespace swarmcrawl
