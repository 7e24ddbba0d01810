#include "core/merkle.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/crypto.h"

namespace swarmcrawl {
namespace {

std::string Raw(const std::string& hex) {
  std::string out;
  REQUIRE(HexDecode(hex, &out));
  return out;
}

std::string Sha(const std::string& bytes) { return Raw(Sha256Hex(bytes)); }

// Reference implementation written straight from RFC 6962 section 2.1, over
// the leaf data, recursive and slow on purpose.
size_t LargestPowerOfTwoBelow(size_t n) {
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
std::string RefMth(const std::vector<std::string>& d, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 0) return Sha("");
  if (n == 1) return Sha(std::string(1, '\0') + d[begin]);
  const size_t k = LargestPowerOfTwoBelow(n);
  return Sha(std::string(1, '\1') + RefMth(d, begin, begin + k) + RefMth(d, begin + k, end));
}
std::vector<std::string> RefPath(size_t m, const std::vector<std::string>& d, size_t begin,
                                 size_t end) {
  const size_t n = end - begin;
  if (n <= 1) return {};
  const size_t k = LargestPowerOfTwoBelow(n);
  std::vector<std::string> p;
  if (m < k) {
    p = RefPath(m, d, begin, begin + k);
    p.push_back(RefMth(d, begin + k, end));
  } else {
    p = RefPath(m - k, d, begin + k, end);
    p.push_back(RefMth(d, begin, begin + k));
  }
  return p;
}

// The eight inputs of the Certificate Transparency reference test suite.
std::vector<std::string> CtInputs() {
  return {std::string(""),
          std::string(1, '\x00'),
          std::string(1, '\x10'),
          std::string("\x20\x21", 2),
          std::string("\x30\x31", 2),
          std::string("\x40\x41\x42\x43", 4),
          std::string("\x50\x51\x52\x53\x54\x55\x56\x57", 8),
          std::string("\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16)};
}

std::vector<std::string> LeafHashes(const std::vector<std::string>& data, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(MerkleLeafHash(data[i]));
  return out;
}

std::vector<std::string> Data(size_t n) {
  std::vector<std::string> d;
  for (size_t i = 0; i < n; ++i) d.push_back("leaf " + std::to_string(i));
  return d;
}

TEST_CASE("leaf and node hashes carry the RFC 6962 domain prefixes") {
  CHECK(MerkleLeafHash("abc") == Sha(std::string(1, '\0') + "abc"));
  const std::string a(32, 'a'), b(32, 'b');
  CHECK(MerkleNodeHash(a, b) == Sha("\x01" + a + b));
  CHECK(MerkleNodeHash(a, b) != MerkleNodeHash(b, a));
}

TEST_CASE("roots of the empty tree and of one leaf follow the RFC definitions") {
  CHECK(HexEncode(MerkleRoot({})) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // SHA-256 of the single byte 0x00: the leaf hash of the empty string.
  CHECK(HexEncode(MerkleRoot({MerkleLeafHash("")})) ==
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST_CASE("roots match the Certificate Transparency reference vectors") {
  // Published with the CT reference implementation for the inputs above.
  const char* expected[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  const auto in = CtInputs();
  for (size_t n = 1; n <= 8; ++n) {
    CAPTURE(n);
    CHECK(HexEncode(MerkleRoot(LeafHashes(in, n))) == expected[n - 1]);
    CHECK(HexEncode(RefMth(in, 0, n)) == expected[n - 1]);
  }
}

TEST_CASE("roots of 1, 2, 3, 5 and 7 leaves agree with the recursive RFC definition") {
  const auto d = Data(7);
  for (size_t n : {1u, 2u, 3u, 5u, 7u}) {
    CAPTURE(n);
    CHECK(MerkleRoot(LeafHashes(d, n)) == RefMth(d, 0, n));
  }
  // Spelled out for three leaves: node(node(l0, l1), l2).
  const auto l = LeafHashes(d, 3);
  CHECK(MerkleRoot(l) == MerkleNodeHash(MerkleNodeHash(l[0], l[1]), l[2]));
  // Five leaves: node(node(node(l0,l1), node(l2,l3)), l4).
  const auto l5 = LeafHashes(d, 5);
  CHECK(MerkleRoot(l5) == MerkleNodeHash(MerkleNodeHash(MerkleNodeHash(l5[0], l5[1]),
                                                        MerkleNodeHash(l5[2], l5[3])),
                                         l5[4]));
}

TEST_CASE("proofs equal the RFC audit paths and every index of trees of 1 to 33 leaves verifies") {
  const auto d = Data(33);
  for (size_t n = 1; n <= 33; ++n) {
    const auto leaves = LeafHashes(d, n);
    const std::string root = MerkleRoot(leaves);
    REQUIRE(root == RefMth(d, 0, n));
    const MerkleTree tree(leaves);
    REQUIRE(tree.root() == root);
    for (size_t i = 0; i < n; ++i) {
      CAPTURE(n);
      CAPTURE(i);
      const auto proof = InclusionProof(leaves, i);
      CHECK(proof == RefPath(i, d, 0, n));
      CHECK(tree.Proof(i) == proof);
      CHECK(VerifyInclusion(leaves[i], i, n, proof, root));
      // The same proof does not prove the leaf at another index or tree size.
      if (n > 1) CHECK_FALSE(VerifyInclusion(leaves[i], (i + 1) % n, n, proof, root));
      CHECK_FALSE(VerifyInclusion(leaves[i], n, n, proof, root));
    }
  }
}

TEST_CASE("any flipped byte of a proof, a root or a leaf fails verification") {
  const auto d = Data(13);
  const auto leaves = LeafHashes(d, 13);
  const std::string root = MerkleRoot(leaves);
  for (size_t i = 0; i < leaves.size(); ++i) {
    const auto proof = InclusionProof(leaves, i);
    REQUIRE(VerifyInclusion(leaves[i], i, 13, proof, root));
    for (size_t p = 0; p < proof.size(); ++p) {
      for (size_t b = 0; b < kHashBytes; ++b) {
        auto bad = proof;
        bad[p][b] ^= 0x01;
        CHECK_FALSE(VerifyInclusion(leaves[i], i, 13, bad, root));
      }
    }
    for (size_t b = 0; b < kHashBytes; ++b) {
      std::string bad_root = root, bad_leaf = leaves[i];
      bad_root[b] ^= 0x80;
      bad_leaf[b] ^= 0x80;
      CHECK_FALSE(VerifyInclusion(leaves[i], i, 13, proof, bad_root));
      CHECK_FALSE(VerifyInclusion(bad_leaf, i, 13, proof, root));
    }
    // Dropping, adding or truncating a proof element fails too.
    if (!proof.empty()) {
      auto shorter = proof;
      shorter.pop_back();
      CHECK_FALSE(VerifyInclusion(leaves[i], i, 13, shorter, root));
      auto cut = proof;
      cut[0].pop_back();
      CHECK_FALSE(VerifyInclusion(leaves[i], i, 13, cut, root));
    }
    auto longer = proof;
    longer.push_back(root);
    CHECK_FALSE(VerifyInclusion(leaves[i], i, 13, longer, root));
  }
}

TEST_CASE("the incremental root builder matches the full tree at every size") {
  const auto d = Data(70);
  const auto leaves = LeafHashes(d, 70);
  MerkleRootBuilder b;
  CHECK(b.Root() == MerkleRoot({}));
  for (size_t n = 1; n <= leaves.size(); ++n) {
    b.Add(leaves[n - 1]);
    CAPTURE(n);
    CHECK(b.size() == n);
    CHECK(b.Root() == RefMth(d, 0, n));
  }
  b.Clear();
  b.Add(leaves[0]);
  CHECK(b.Root() == leaves[0]);
}

TEST_CASE("the reusable hasher gives the same digest as a fresh one for each message") {
  Sha256Hasher h;
  h.Update("abc");
  CHECK(HexEncode(h.Finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  h.Update("ab");
  h.Update("c");
  CHECK(HexEncode(h.Finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace swarmcrawl
