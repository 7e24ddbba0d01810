// Merkle trees over SHA-256 in the style of RFC 6962 (Certificate Transparency).
//
// leaf hash = SHA-256(0x00 || data), interior node = SHA-256(0x01 || left || right),
// and a tree of n > 1 leaves splits at k, the largest power of two smaller than
// n: MTH(D[0:n]) = node(MTH(D[0:k]), MTH(D[k:n])). The root of zero leaves is
// SHA-256 of the empty string; the root of one leaf is that leaf's hash.
// Inclusion proofs are RFC 6962's audit paths (sibling hashes from the leaf up)
// and are checked with RFC 9162's verification algorithm, which needs only the
// index, the tree size, the proof and the root.
//
// All hashes here are raw 32-byte strings (not hex). Nothing recurses: trees
// are built level by level, so time is O(n) and memory O(n) for a full tree,
// O(log n) for MerkleRootBuilder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swarmcrawl {

constexpr size_t kHashBytes = 32;

// SHA-256 with raw output and one reusable OpenSSL context: the ledger hashes
// millions of short messages, and creating a context per message would cost
// more than the hashing. Not thread-safe; use one per thread.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::string_view data);
  // Writes the 32-byte digest and resets the hasher for the next message.
  void Finish(char out[kHashBytes]);
  std::string Finish();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

std::string MerkleLeafHash(std::string_view data);
std::string MerkleNodeHash(std::string_view left, std::string_view right);

// `leaf_hashes` are raw 32-byte leaf hashes (already MerkleLeafHash'ed or, as
// in the ledger, hashes that carry their own domain prefix).
std::string MerkleRoot(const std::vector<std::string>& leaf_hashes);

// Audit path of leaf `index`; empty when index is out of range or the tree has
// one leaf.
std::vector<std::string> InclusionProof(const std::vector<std::string>& leaf_hashes, size_t index);

// True when `proof` shows that `leaf_hash` is leaf `index` of the tree of
// `tree_size` leaves whose root is `root`. Rejects any proof of the wrong
// length, any element that is not 32 bytes, and index >= tree_size.
bool VerifyInclusion(std::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                     const std::vector<std::string>& proof, std::string_view root);

// A whole tree kept level by level, for answering many proofs over one tree
// (a receipt proves many entries of one epoch) in O(log n) each.
class MerkleTree {
 public:
  explicit MerkleTree(const std::vector<std::string>& leaf_hashes);
  uint64_t size() const { return size_; }
  const std::string& root() const { return root_; }
  std::vector<std::string> Proof(uint64_t index) const;

 private:
  uint64_t size_ = 0;
  // levels_[0] holds the leaves, 32 bytes each, concatenated; each next level
  // pairs the one below, an odd last node moving up unchanged (which yields
  // exactly RFC 6962's split at the largest power of two).
  std::vector<std::string> levels_;
  std::string root_;
};

// The root of a tree that arrives one leaf at a time, with O(log n) memory:
// keeps the roots of the perfect subtrees of the leaves so far (the binary
// decomposition of the size) and folds them right to left for Root().
class MerkleRootBuilder {
 public:
  void Add(std::string_view leaf_hash);
  std::string Root();
  uint64_t size() const { return size_; }
  void Clear();

 private:
  struct Subtree {
    uint64_t leaves;
    std::string hash;
  };
  std::vector<Subtree> stack_;
  uint64_t size_ = 0;
  Sha256Hasher hasher_;
};

}  // namespace swarmcrawl
