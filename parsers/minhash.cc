#include "parsers/minhash.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>

#include "parsers/unicode_text.h"

namespace swarmcrawl {
namespace {

constexpr int kMaxSignatureSize = 4096;
constexpr int kMaxNgram = 64;
constexpr int kSimHashNgram = 3;

// Calls fn(hash) for the hash of every n-word shingle of `s` (words are
// separated by spaces), or of the whole text between its first and last
// word once when it has fewer than n words. Streams: keeps only the start
// offsets of the last n words.
template <typename Fn>
void ForEachShingleHash(std::string_view s, int n, Fn fn) {
  const size_t un = static_cast<size_t>(n);
  std::vector<size_t> starts(un);  // ring buffer
  size_t words = 0, first_begin = 0, last_end = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    const size_t b = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (words == 0) first_begin = b;
    last_end = i;
    starts[words % un] = b;
    ++words;
    if (words >= un) {
      const size_t shingle_begin = starts[words % un];  // the word n-1 before this one
      fn(Mix64(Fnv1a64(s.substr(shingle_begin, i - shingle_begin))));
    }
  }
  if (words < un) fn(Mix64(Fnv1a64(s.substr(first_begin, last_end - first_begin))));
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return Mix64(state_ += 0x9e3779b97f4a7c15ULL); }

 private:
  uint64_t state_;
};

bool ValidParams(const MinHashParams& p) {
  return p.bands >= 1 && p.rows >= 1 && p.ngram >= 1 && p.ngram <= kMaxNgram &&
         p.rows <= kMaxSignatureSize &&
         p.bands <= kMaxSignatureSize / p.rows;
}

}  // namespace

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::string NormalizeForDedup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  WordSpan w;
  while (NextWord(text, &pos, &w)) {
    if (!out.empty()) out.push_back(' ');
    bool in_number = false;
    for (size_t i = w.begin; i < w.end;) {
      const char32_t c = DecodeUtf8(text, &i);
      if (IsDigit(c)) {
        if (!in_number) out.push_back('0');
        in_number = true;
        continue;
      }
      in_number = false;
      if (IsLetter(c)) AppendUtf8(ToLowerSimple(StripLatinDiacritic(c)), &out);
      // Marks and apostrophes are dropped.
    }
  }
  return out;
}

std::vector<uint64_t> MinHashSignature(std::string_view normalized, const MinHashParams& params) {
  if (!ValidParams(params)) return {};
  const size_t k = static_cast<size_t>(params.bands) * static_cast<size_t>(params.rows);
  std::vector<uint64_t> a(k), b(k);
  SplitMix64 rng(params.seed);
  for (size_t i = 0; i < k; ++i) {
    a[i] = rng.Next() | 1;
    b[i] = rng.Next();
  }
  std::vector<uint64_t> sig(k, std::numeric_limits<uint64_t>::max());
  // Shingles in blocks of kBlock: each permutation's row is then loaded and
  // stored once per block instead of once per shingle.
  constexpr size_t kBlock = 8;
  uint64_t block[kBlock];
  size_t filled = 0;
  auto flush = [&]() {
    for (size_t i = 0; i < k; ++i) {
      const uint64_t ai = a[i], bi = b[i];
      uint64_t m = sig[i];
      for (size_t j = 0; j < filled; ++j) m = std::min(m, ai * block[j] + bi);
      sig[i] = m;
    }
    filled = 0;
  };
  ForEachShingleHash(normalized, params.ngram, [&](uint64_t h) {
    block[filled++] = h;
    if (filled == kBlock) flush();
  });
  flush();
  return sig;
}

std::vector<std::string> LshBandKeys(const std::vector<uint64_t>& sig,
                                     const MinHashParams& params) {
  if (!ValidParams(params) ||
      sig.size() != static_cast<size_t>(params.bands) * static_cast<size_t>(params.rows)) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::vector<std::string> keys;
  keys.reserve(params.bands);
  std::string bytes;
  for (int band = 0; band < params.bands; ++band) {
    bytes.clear();
    for (int r = 0; r < params.rows; ++r) {
      const uint64_t v = sig[static_cast<size_t>(band) * params.rows + r];
      for (int byte = 0; byte < 8; ++byte) bytes.push_back(static_cast<char>(v >> (8 * byte)));
    }
    const uint64_t h = Fnv1a64(bytes);
    std::string key = "b" + std::to_string(band) + ":";
    for (int shift = 60; shift >= 0; shift -= 4) key.push_back(kHex[(h >> shift) & 0xF]);
    keys.push_back(std::move(key));
  }
  return keys;
}

double EstimatedJaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.size() != b.size() || a.empty()) return 0.0;
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return static_cast<double>(same) / static_cast<double>(a.size());
}

uint64_t SimHash64(std::string_view normalized) {
  std::array<int64_t, 64> votes{};
  ForEachShingleHash(normalized, kSimHashNgram, [&](uint64_t h) {
    for (int bit = 0; bit < 64; ++bit) votes[bit] += static_cast<int64_t>((h >> bit) & 1) * 2 - 1;
  });
  uint64_t out = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (votes[bit] > 0) out |= uint64_t{1} << bit;
  }
  return out;
}

int HammingDistance(uint64_t a, uint64_t b) { return std::popcount(a ^ b); }

}  // namespace swarmcrawl
