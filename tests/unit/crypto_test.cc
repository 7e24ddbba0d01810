#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <zmq.h>

#include "core/crypto.h"

namespace swarmcrawl {

TEST_CASE("crypto: SHA-256 known answers") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  CHECK(h.FinishHex() == Sha256Hex("abc"));
}

TEST_CASE("crypto: Ed25519 RFC 8032 test vector 1") {
  SigningKey k;
  REQUIRE(SigningKey::FromSeedHex(
              "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", &k)
              .ok());
  CHECK(k.public_hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const std::string sig = k.SignHex("");
  CHECK(sig ==
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(VerifySignature(k.public_hex(), "", sig));
  CHECK_FALSE(VerifySignature(k.public_hex(), "x", sig));
  std::string bad = sig;
  bad[0] = bad[0] == 'e' ? 'f' : 'e';
  CHECK_FALSE(VerifySignature(k.public_hex(), "", bad));
  CHECK_FALSE(VerifySignature("zz", "", sig));
  CHECK_FALSE(VerifySignature(k.public_hex(), "", "00"));
}

TEST_CASE("crypto: key files are 0600, never overwritten, and refused when others can read them") {
  char tmpl[] = "/tmp/swarmcrawl-key-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string path = std::string(tmpl) + "/k.key";
  SigningKey k;
  REQUIRE(SigningKey::Generate(&k).ok());
  REQUIRE(k.SaveToFile(path, "alice").ok());
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(k.SaveToFile(path).ok());  // refuses to overwrite

  SigningKey loaded;
  REQUIRE(SigningKey::LoadFromFile(path, &loaded).ok());
  CHECK(loaded.public_hex() == k.public_hex());
  CHECK(loaded.name() == "alice");
  CHECK(VerifySignature(k.public_hex(), "m", loaded.SignHex("m")));

  chmod(path.c_str(), 0644);
  Status s = SigningKey::LoadFromFile(path, &loaded);
  CHECK(s.code() == "key_permissions");
  CHECK(s.message().find("chmod 600") != std::string::npos);
  CHECK(SigningKey::LoadFromFile(std::string(tmpl) + "/missing", &loaded).message().find("keygen") !=
        std::string::npos);
  unlink(path.c_str());
  rmdir(tmpl);
}

TEST_CASE("crypto: fingerprints are short, stable and distinct") {
  SigningKey a, b;
  REQUIRE(SigningKey::Generate(&a).ok());
  REQUIRE(SigningKey::Generate(&b).ok());
  CHECK(Fingerprint(a.public_hex()).size() == 19);
  CHECK(Fingerprint(a.public_hex()) == Fingerprint(a.public_hex()));
  CHECK(Fingerprint(a.public_hex()) != Fingerprint(b.public_hex()));
  CHECK(RandomHex(16).size() == 32);
  CHECK(RandomHex(16) != RandomHex(16));
}

}  // namespace swarmcrawl

namespace swarmcrawl {

TEST_CASE("a contributor's CurveZMQ key is derived from its Ed25519 key, and its public half from the public key alone") {
  for (int i = 0; i < 20; ++i) {
    SigningKey k;
    REQUIRE(SigningKey::Generate(&k).ok());
    const std::string secret = k.CurveSecretKey();
    REQUIRE(secret.size() == 32);
    // ZeroMQ computes the X25519 public key of the secret...
    char z85_secret[41], z85_public[41];
    REQUIRE(zmq_z85_encode(z85_secret, reinterpret_cast<const uint8_t*>(secret.data()), 32) != nullptr);
    REQUIRE(zmq_curve_public(z85_public, z85_secret) == 0);
    uint8_t from_zmq[32];
    REQUIRE(zmq_z85_decode(from_zmq, z85_public) != nullptr);
    // ...and the coordinator gets the same from the contributor's public key.
    std::string mapped;
    REQUIRE(CurvePublicKeyOf(k.public_hex(), &mapped));
    CHECK(mapped == std::string(reinterpret_cast<char*>(from_zmq), 32));
  }
  std::string out;
  CHECK_FALSE(CurvePublicKeyOf("zz", &out));
  CHECK_FALSE(CurvePublicKeyOf(std::string(62, 'a'), &out));
  // RFC 8032 test 1's public key maps to a fixed X25519 key (computed
  // independently with Python integers: u = (1 + y) * (1 - y)^(p-2) mod p).
  SigningKey rfc;
  REQUIRE(SigningKey::FromSeedHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", &rfc).ok());
  REQUIRE(CurvePublicKeyOf(rfc.public_hex(), &out));
  CHECK(HexEncode(out) == "d85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e");
}

}  // namespace swarmcrawl
