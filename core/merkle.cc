#include "core/merkle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>

namespace swarmcrawl {

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  // Without a context no hash can be computed at all, and returning wrong
  // digests silently would defeat the ledger.
  if (ctx_ == nullptr) std::abort();
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}
Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Hasher::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

void Sha256Hasher::Finish(char out[kHashBytes]) {
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(out), &len);
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
}

std::string Sha256Hasher::Finish() {
  std::string out(kHashBytes, '\0');
  Finish(out.data());
  return out;
}

namespace {

const char kLeafPrefix = 0x00;
const char kNodePrefix = 0x01;

void Node(Sha256Hasher* h, std::string_view left, std::string_view right, char out[kHashBytes]) {
  h->Update(std::string_view(&kNodePrefix, 1));
  h->Update(left);
  h->Update(right);
  h->Finish(out);
}

std::string EmptyRoot() {
  Sha256Hasher h;
  return h.Finish();
}

// One level up: pairs nodes, an odd last node moves up unchanged.
std::string NextLevel(Sha256Hasher* h, const std::string& level) {
  const size_t n = level.size() / kHashBytes;
  std::string up((n + 1) / 2 * kHashBytes, '\0');
  for (size_t i = 0; i + 1 < n; i += 2) {
    Node(h, std::string_view(level).substr(i * kHashBytes, kHashBytes),
         std::string_view(level).substr((i + 1) * kHashBytes, kHashBytes),
         up.data() + (i / 2) * kHashBytes);
  }
  if (n % 2 == 1) up.replace((n / 2) * kHashBytes, kHashBytes, level, (n - 1) * kHashBytes, kHashBytes);
  return up;
}

}  // namespace

std::string MerkleLeafHash(std::string_view data) {
  Sha256Hasher h;
  h.Update(std::string_view(&kLeafPrefix, 1));
  h.Update(data);
  return h.Finish();
}

std::string MerkleNodeHash(std::string_view left, std::string_view right) {
  Sha256Hasher h;
  std::string out(kHashBytes, '\0');
  Node(&h, left, right, out.data());
  return out;
}

MerkleTree::MerkleTree(const std::vector<std::string>& leaf_hashes) : size_(leaf_hashes.size()) {
  if (size_ == 0) {
    root_ = EmptyRoot();
    return;
  }
  std::string leaves;
  leaves.reserve(size_ * kHashBytes);
  for (const std::string& l : leaf_hashes) {
    // A malformed leaf is padded/cut to 32 bytes so the level layout stays
    // fixed-width; such a tree's root simply matches no honest root.
    std::string fixed = l.substr(0, kHashBytes);
    fixed.resize(kHashBytes, '\0');
    leaves += fixed;
  }
  levels_.push_back(std::move(leaves));
  Sha256Hasher h;
  while (levels_.back().size() > kHashBytes) levels_.push_back(NextLevel(&h, levels_.back()));
  root_ = levels_.back();
}

std::vector<std::string> MerkleTree::Proof(uint64_t index) const {
  std::vector<std::string> proof;
  if (index >= size_) return proof;
  for (size_t l = 0; l + 1 < levels_.size(); ++l) {
    const uint64_t n = levels_[l].size() / kHashBytes;
    const uint64_t sibling = index ^ 1;
    if (sibling < n) proof.push_back(levels_[l].substr(sibling * kHashBytes, kHashBytes));
    index /= 2;
  }
  return proof;
}

std::string MerkleRoot(const std::vector<std::string>& leaf_hashes) {
  MerkleRootBuilder b;
  for (const std::string& l : leaf_hashes) b.Add(l);
  return b.Root();
}

std::vector<std::string> InclusionProof(const std::vector<std::string>& leaf_hashes, size_t index) {
  return MerkleTree(leaf_hashes).Proof(index);
}

bool VerifyInclusion(std::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                     const std::vector<std::string>& proof, std::string_view root) {
  if (index >= tree_size || leaf_hash.size() != kHashBytes || root.size() != kHashBytes) return false;
  // RFC 9162 section 2.1.3.2.
  uint64_t fn = index, sn = tree_size - 1;
  char r[kHashBytes];
  std::copy(leaf_hash.begin(), leaf_hash.end(), r);
  Sha256Hasher h;
  for (const std::string& p : proof) {
    if (p.size() != kHashBytes || sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      char out[kHashBytes];
      Node(&h, p, std::string_view(r, kHashBytes), out);
      std::copy(out, out + kHashBytes, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      char out[kHashBytes];
      Node(&h, std::string_view(r, kHashBytes), p, out);
      std::copy(out, out + kHashBytes, r);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && std::string_view(r, kHashBytes) == root;
}

void MerkleRootBuilder::Add(std::string_view leaf_hash) {
  stack_.push_back(Subtree{1, std::string(leaf_hash)});
  ++size_;
  while (stack_.size() >= 2 && stack_[stack_.size() - 1].leaves == stack_[stack_.size() - 2].leaves) {
    Subtree right = std::move(stack_.back());
    stack_.pop_back();
    Subtree& left = stack_.back();
    char out[kHashBytes];
    Node(&hasher_, left.hash, right.hash, out);
    left.hash.assign(out, kHashBytes);
    left.leaves *= 2;
  }
}

std::string MerkleRootBuilder::Root() {
  if (stack_.empty()) return EmptyRoot();
  std::string r = stack_.back().hash;
  for (size_t i = stack_.size() - 1; i-- > 0;) {
    char out[kHashBytes];
    Node(&hasher_, stack_[i].hash, r, out);
    r.assign(out, kHashBytes);
  }
  return r;
}

void MerkleRootBuilder::Clear() {
  stack_.clear();
  size_ = 0;
}

}  // namespace swarmcrawl
