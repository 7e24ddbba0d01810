// Near-duplicate fingerprints of page text: MinHash with LSH band keys, as
// FineWeb deduplicates (word 5-gram shingles, 14 bands x 8 rows = 112 64-bit
// hashes), and a 64-bit SimHash for checking that a re-fetched page is still
// (nearly) the same.
//
// Everything is deterministic across machines, compilers and runs: no
// std::hash, no randomness. The hashes are
//   Fnv1a64(s): 64-bit FNV-1a, offset basis 0xcbf29ce484222325, prime
//               0x100000001b3, over the bytes of s (published reference
//               values: "" -> 0xcbf29ce484222325, "a" -> 0xaf63dc4c8601ec8c,
//               "foobar" -> 0x85944171f73967e8);
//   Mix64(x):   the SplitMix64 finalizer (x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
//               x ^= x >> 27; x *= 0x94d049bb133111eb; x ^= x >> 31), a bijection
//               that spreads FNV's weak low bits over the whole word.
// A shingle's hash is Mix64(Fnv1a64(shingle)), the shingle being its words
// joined by single spaces (a substring of the normalized text). Permutation i
// of the signature is (a_i * h + b_i) mod 2^64 with a_i odd, a bijection
// whose high bits, which decide the minimum, are Dietzfelbinger's universal
// multiply-add-shift hash. (datasketch reduces modulo 2^61 - 1 instead,
// which takes a 128-bit product and was twice as slow here.) a_i is a
// SplitMix64 output | 1 and b_i the next output, the generator seeded with
// `seed` (state += 0x9e3779b97f4a7c15, output Mix64(state)).
//
// Inputs need not be valid UTF-8: NormalizeForDedup decodes invalid bytes as
// U+FFFD (which separates words) and its output is always valid UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swarmcrawl {

uint64_t Fnv1a64(std::string_view s);
uint64_t Mix64(uint64_t x);

// Lower-cases (ToLowerSimple), folds Latin diacritics (StripLatinDiacritic,
// combining marks dropped), drops apostrophes inside words, replaces each
// run of digits with "0" (as datatrove's simplify_text, so changed dates and
// counters do not change the fingerprint) and joins the words (NextWord in
// parsers/unicode_text.h) with single spaces. Punctuation, symbols and
// whitespace only separate words. CJK characters are words of their own.
std::string NormalizeForDedup(std::string_view text);

struct MinHashParams {
  int bands = 14;
  int rows = 8;   // hashes per band; a signature has bands * rows values
  int ngram = 5;  // words per shingle
  uint64_t seed = 0x5357524d43524157ULL;  // "SWRMCRAW"
};

// MinHash signature of normalized text (NormalizeForDedup): bands * rows
// values, each the minimum over the text's word n-grams of one permutation.
// A text with fewer than `ngram` words (the empty text included) is one
// shingle. Empty if a parameter is below 1, ngram exceeds 64 or bands * rows
// exceeds 4096.
// O(words * bands * rows).
std::vector<uint64_t> MinHashSignature(std::string_view normalized,
                                       const MinHashParams& params = MinHashParams());

// One LSH key per band, "b<band>:<16 lower-case hex>", the hex being Fnv1a64
// of the band's rows as little-endian bytes. Two texts are candidate
// duplicates when they share a key. Empty if `sig` does not have
// bands * rows values.
std::vector<std::string> LshBandKeys(const std::vector<uint64_t>& sig,
                                     const MinHashParams& params = MinHashParams());

// Share of positions where the signatures agree: an estimate of the Jaccard
// similarity of the two shingle sets. 0 when the sizes differ or both are empty.
double EstimatedJaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

// Charikar SimHash of normalized text over word 3-gram features (a text with
// fewer than 3 words is one feature), each feature hashed as a shingle is.
// Similar texts get hashes a small Hamming distance apart.
uint64_t SimHash64(std::string_view normalized);

int HammingDistance(uint64_t a, uint64_t b);

}  // namespace swarmcrawl
