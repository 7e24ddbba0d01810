#include "parsers/minhash.h"

#include <doctest/doctest.h>

#include <ctime>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "parsers/html_page.h"

namespace swarmcrawl {
namespace {

constexpr const char* kVocabulary[] = {
    "city",     "council",  "voted",    "budget",   "school",   "river",    "bridge",
    "repair",   "summer",   "traffic",  "station",  "library",  "market",   "farmers",
    "weather",  "storm",    "rain",     "water",    "energy",   "price",    "housing",
    "rent",     "workers",  "union",    "contract", "hospital", "doctors",  "patients",
    "research", "study",    "students", "teachers", "parents",  "children", "park",
    "festival", "music",    "artists",  "museum",   "history",  "mayor",    "police",
    "report",   "safety",   "road",     "cyclists", "buses",    "train",    "airport",
    "flights",  "tourism",  "hotel",    "restaurants", "food",  "local",    "business",
    "owners",   "taxes",    "plan",     "project",  "million",  "dollars",  "funding",
    "state",    "federal",  "grant",    "election", "candidate", "campaign", "debate",
    "residents", "neighborhood", "meeting", "public", "comment", "proposal", "vote",
    "the",      "a",        "of",       "and",      "to",       "in",       "for",
    "on",       "with",     "new",      "last",     "next",     "year",     "week",
    "said",     "would",    "could",    "after",    "before",   "while",    "during"};
constexpr size_t kVocabularySize = sizeof(kVocabulary) / sizeof(kVocabulary[0]);

// A deterministic news-like article: `words` words in paragraphs of about 60
// words, a dateline and an advertisement line in the middle.
std::string Article(uint64_t seed, int words, const std::string& dateline, const std::string& ad) {
  uint64_t state = seed;
  auto next = [&state]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  std::string text = dateline + "\n";
  int sentence_left = 0;
  for (int i = 0; i < words; ++i) {
    if (i > 0 && i % 60 == 0) text += "\n";
    if (i == words / 2) text += ad + "\n";
    std::string w = kVocabulary[next() % kVocabularySize];
    if (sentence_left == 0) {
      w[0] = static_cast<char>(w[0] - 32);
      sentence_left = 8 + static_cast<int>(next() % 10);
    }
    text += w;
    text += (--sentence_left == 0) ? ". " : " ";
  }
  return text;
}

// Processor time, not wall time: the test machine may be busy with other work.
double CpuSecondsSince(std::clock_t start) {
  return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
}

TEST_CASE("FNV-1a 64 matches the published reference values") {
  CHECK(Fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(Fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(Fnv1a64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("Mix64 is the SplitMix64 finalizer") {
  // SplitMix64 seeded with 0 outputs Mix64(k * golden) for k = 1, 2, ...:
  // its published first outputs.
  CHECK(Mix64(0x9e3779b97f4a7c15ULL) == 0xe220a8397b1dcdafULL);
  CHECK(Mix64(0x9e3779b97f4a7c15ULL * 2) == 0x6e789e6aa1b965f4ULL);
  CHECK(Mix64(0) == 0);
}

TEST_CASE("normalization lower-cases, folds diacritics, drops punctuation and collapses numbers") {
  CHECK(NormalizeForDedup("  Hello, WORLD!\n\tCaf\xC3\xA9 \xE2\x80\x94 2024-05-01  don't \xC3\x89T\xC3\x89") ==
        "hello world cafe 0 0 0 dont ete");
  CHECK(NormalizeForDedup("\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2, \xCE\x9A\xCE\x91\xCE\x9B\xCE\x97!") ==
        "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xCE\xBA\xCE\xB1\xCE\xBB\xCE\xB7");  // привет καλη
  CHECK(NormalizeForDedup("\xE4\xB8\xAD\xE6\x96\x87\xEF\xBC\x8C\xE6\xB5\x8B\xE8\xAF\x95") ==
        "\xE4\xB8\xAD \xE6\x96\x87 \xE6\xB5\x8B \xE8\xAF\x95");  // 中文，测试 -> 中 文 测 试
  CHECK(NormalizeForDedup("room 101b, v2.5") == "room 0b v0 0");
  CHECK(NormalizeForDedup("ab\xFF" "cd\xE2\x82") == "ab cd");
  CHECK(NormalizeForDedup("... !!! ---") == "");
  CHECK(NormalizeForDedup("") == "");
}

TEST_CASE("normalization of random bytes is valid UTF-8 and idempotent") {
  constexpr char kAlphabet[] =
      "aZ 9.'\xE2\x80\x99\xC3\x89\xC4\xB0\xCC\x81\xE4\xB8\xAD\xD0\x81\xCE\x86\xF0\x9F\x80\xFF";
  uint64_t state = 777;
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const int len = static_cast<int>(state % 200);
    for (int i = 0; i < len; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text.push_back(kAlphabet[(state >> 33) % (sizeof(kAlphabet) - 1)]);
    }
    CAPTURE(text);
    const std::string once = NormalizeForDedup(text);
    CHECK(SanitizeUtf8(once) == once);
    CHECK(NormalizeForDedup(once) == once);
    CHECK(once.find("  ") == std::string::npos);
    CHECK((once.empty() || (once.front() != ' ' && once.back() != ' ')));
  }
}

TEST_CASE("signatures have bands * rows values and match an independent computation") {
  const std::vector<uint64_t> sig = MinHashSignature("hello world");
  REQUIRE(sig.size() == 112);
  // Expected values from a Python implementation of the algorithm documented
  // in minhash.h: one shingle "hello world", default seed.
  CHECK(sig[0] == 0xa2030efbe4c20500ULL);
  CHECK(sig[111] == 0x644329de82c59a1aULL);
  const std::vector<std::string> keys = LshBandKeys(sig);
  REQUIRE(keys.size() == 14);
  CHECK(keys[0] == "b0:a8aefa727a000331");
  CHECK(keys[13] == "b13:84f44113493eab1d");

  // Six words give two 5-word shingles; the minimum is over both.
  CHECK(MinHashSignature("one two three four five six")[0] == 0x0a35395e7355342eULL);
}

TEST_CASE("identical texts give identical signatures and band keys") {
  const std::string a = NormalizeForDedup(Article(1, 600, "Published 2024-03-05", "Ad: buy now"));
  const std::string b = NormalizeForDedup(Article(1, 600, "Published 2024-03-05", "Ad: buy now"));
  CHECK(MinHashSignature(a) == MinHashSignature(b));
  CHECK(LshBandKeys(MinHashSignature(a)) == LshBandKeys(MinHashSignature(b)));
  CHECK(EstimatedJaccard(MinHashSignature(a), MinHashSignature(b)) == 1.0);
  CHECK(SimHash64(a) == SimHash64(b));
  for (const std::string& key : LshBandKeys(MinHashSignature(a))) {
    CHECK(key.size() == key.find(':') + 17);
    CHECK(key[0] == 'b');
  }
}

TEST_CASE("a near-duplicate article shares band keys, a different article does not") {
  const std::string original = NormalizeForDedup(Article(
      7, 600, "Published March 5, 2024 10:42 UTC by Staff",
      "Advertisement: Save 20% on SuperWidget Pro today, offer ends Friday"));
  const std::string edited = NormalizeForDedup(Article(
      7, 600, "Published March 6, 2024 08:15 UTC by Staff",
      "Sponsored: Try the MegaGadget streaming box free for thirty days"));
  const std::string other = NormalizeForDedup(Article(
      99, 600, "Published March 5, 2024 10:42 UTC by Staff",
      "Advertisement: Save 20% on SuperWidget Pro today, offer ends Friday"));
  REQUIRE(original != edited);

  const auto sig_original = MinHashSignature(original);
  const auto sig_edited = MinHashSignature(edited);
  const auto sig_other = MinHashSignature(other);
  const auto keys_original = LshBandKeys(sig_original);
  const auto keys_edited = LshBandKeys(sig_edited);
  const auto keys_other = LshBandKeys(sig_other);

  const std::set<std::string> original_set(keys_original.begin(), keys_original.end());
  int shared_near = 0, shared_other = 0;
  for (const auto& k : keys_edited) shared_near += original_set.count(k);
  for (const auto& k : keys_other) shared_other += original_set.count(k);
  CHECK(shared_near >= 1);
  CHECK(shared_other == 0);
  CHECK(EstimatedJaccard(sig_original, sig_edited) > 0.8);
  CHECK(EstimatedJaccard(sig_original, sig_other) < 0.2);

  const int near = HammingDistance(SimHash64(original), SimHash64(edited));
  const int far = HammingDistance(SimHash64(original), SimHash64(other));
  MESSAGE("simhash distance near=" << near << " far=" << far);
  CHECK(near <= 10);
  CHECK(far >= 20);
}

TEST_CASE("short texts are one shingle and bad parameters give nothing") {
  const auto a = MinHashSignature("just three words");
  const auto b = MinHashSignature("just three words");
  const auto c = MinHashSignature("just three other");
  CHECK(a == b);
  CHECK(a != c);
  CHECK(MinHashSignature("").size() == 112);  // the empty text is one (empty) shingle

  MinHashParams small;
  small.bands = 2;
  small.rows = 3;
  small.ngram = 2;
  const auto s = MinHashSignature("a b c d", small);
  CHECK(s.size() == 6);
  CHECK(LshBandKeys(s, small).size() == 2);
  CHECK(LshBandKeys(s).empty());  // 6 values do not make 14 bands of 8

  MinHashParams bad;
  bad.rows = 0;
  CHECK(MinHashSignature("a b c", bad).empty());
  bad = MinHashParams();
  bad.bands = 100000;
  CHECK(MinHashSignature("a b c", bad).empty());
  CHECK(EstimatedJaccard({1, 2}, {1, 2, 3}) == 0.0);
  CHECK(EstimatedJaccard({}, {}) == 0.0);
  CHECK(EstimatedJaccard({1, 2, 3, 4}, {1, 9, 3, 9}) == 0.5);
}

TEST_CASE("Hamming distance counts differing bits") {
  CHECK(HammingDistance(0, 0) == 0);
  CHECK(HammingDistance(0, ~uint64_t{0}) == 64);
  CHECK(HammingDistance(0b1011, 0b0110) == 3);
}

TEST_CASE("a 100 KB text is fingerprinted in a few milliseconds") {
  std::string text;
  for (uint64_t seed = 1; text.size() < 100 * 1000; ++seed) text += Article(seed, 600, "", "");
  const std::string normalized = NormalizeForDedup(text);
  const std::clock_t start = std::clock();
  const auto sig = MinHashSignature(normalized);
  const double seconds = CpuSecondsSince(start);
  MESSAGE("MinHash signature of " << normalized.size() << " normalized bytes: " << seconds * 1e3
                                  << " CPU ms");
  CHECK(sig.size() == 112);
  CHECK(seconds < 0.5);  // a few ms optimized; generous for sanitizer builds
}

}  // namespace
}  // namespace swarmcrawl
