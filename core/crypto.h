// Hashing and contributor identity: SHA-256 and Ed25519 (OpenSSL).
//
// A contributor is an Ed25519 key pair. The public key travels as 64 lower-case
// hex characters; its fingerprint (first 16 hex of SHA-256 of the raw public key,
// grouped by 4) is what people read. Key files hold the secret seed and are
// created owner-read/write only (0600); LoadFromFile refuses a key file that
// group or others can read, because anyone who can read it can claim the credit.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace swarmcrawl {

std::string Sha256Hex(std::string_view data);
// Streaming SHA-256 for data that arrives in pieces.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  std::string FinishHex();  // the object must not be used afterwards

 private:
  void* ctx_;  // EVP_MD_CTX*
};

std::string Fingerprint(std::string_view public_key_hex);

class SigningKey {
 public:
  SigningKey();
  ~SigningKey();
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;

  static Status Generate(SigningKey* out);
  static Status FromSeedHex(std::string_view seed_hex, SigningKey* out);
  // Refuses files readable by group/others ("key_permissions").
  static Status LoadFromFile(const std::string& path, SigningKey* out);
  // Writes the key with mode 0600; refuses to overwrite an existing file.
  Status SaveToFile(const std::string& path, std::string_view display_name = "") const;

  bool valid() const { return pkey_ != nullptr; }
  const std::string& public_hex() const { return public_hex_; }
  const std::string& name() const { return name_; }
  // Ed25519 signature of `message`, 128 hex characters.
  std::string SignHex(std::string_view message) const;
  // The X25519 secret key (32 raw bytes) of the same key pair (RFC 8032
  // section 5.1.5: the clamped first half of SHA-512 of the seed). A worker's
  // CurveZMQ transport key, so the coordinator can tell which contributor a
  // connection belongs to before any message (allowlist admission).
  std::string CurveSecretKey() const;

 private:
  void* pkey_ = nullptr;  // EVP_PKEY*
  std::string seed_hex_;
  std::string public_hex_;
  std::string name_;
};

// Loads the key at `path`, or creates it there (mode 0600) when the file does
// not exist; *created says which.
Status LoadOrCreateSigningKey(const std::string& path, std::string_view display_name,
                              SigningKey* key, bool* created);

// The X25519 public key (32 raw bytes) that corresponds to an Ed25519 public
// key (the birational map u = (1 + y) / (1 - y) mod 2^255 - 19); false when
// the hex is not a valid 32-byte key. Equals the public key of
// SigningKey::CurveSecretKey() for the same contributor.
bool CurvePublicKeyOf(std::string_view ed25519_public_hex, std::string* x25519_public);

// True when `signature_hex` is a valid Ed25519 signature of `message` by `public_key_hex`.
bool VerifySignature(std::string_view public_key_hex, std::string_view message,
                     std::string_view signature_hex);

std::string HexEncode(std::string_view bytes);
bool HexDecode(std::string_view hex, std::string* bytes);
// Standard base64 (RFC 4648 section 4, with padding). Decoding rejects
// anything that is not canonical base64.
std::string Base64Encode(std::string_view bytes);
bool Base64Decode(std::string_view text, std::string* bytes);
// Random bytes from OpenSSL's CSPRNG, hex encoded.
std::string RandomHex(size_t bytes);

}  // namespace swarmcrawl
