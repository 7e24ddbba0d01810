#include "core/crypto.h"

#include <cctype>

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace swarmcrawl {

std::string HexEncode(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 15];
  }
  return out;
}

static int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HexDecode(std::string_view hex, std::string* bytes) {
  if (hex.size() % 2 != 0) return false;
  bytes->resize(hex.size() / 2);
  for (size_t i = 0; i < bytes->size(); ++i) {
    const int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*bytes)[i] = static_cast<char>(hi * 16 + lo);
  }
  return true;
}

std::string RandomHex(size_t n) {
  std::string buf(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(n)) != 1) {
    // The CSPRNG failing means the process cannot produce safe nonces or keys at all.
    std::abort();
  }
  return HexEncode(buf);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}
std::string Sha256::FinishHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
}

std::string Fingerprint(std::string_view public_key_hex) {
  std::string raw;
  if (!HexDecode(public_key_hex, &raw)) return "invalid";
  const std::string h = Sha256Hex(raw).substr(0, 16);
  return h.substr(0, 4) + "-" + h.substr(4, 4) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4);
}

SigningKey::SigningKey() = default;
SigningKey::~SigningKey() { EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_)); }
SigningKey::SigningKey(SigningKey&& o) noexcept
    : pkey_(o.pkey_), seed_hex_(std::move(o.seed_hex_)), public_hex_(std::move(o.public_hex_)),
      name_(std::move(o.name_)) {
  o.pkey_ = nullptr;
}
SigningKey& SigningKey::operator=(SigningKey&& o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_));
    pkey_ = o.pkey_;
    o.pkey_ = nullptr;
    seed_hex_ = std::move(o.seed_hex_);
    public_hex_ = std::move(o.public_hex_);
    name_ = std::move(o.name_);
  }
  return *this;
}

Status SigningKey::FromSeedHex(std::string_view seed_hex, SigningKey* out) {
  std::string seed;
  if (!HexDecode(seed_hex, &seed) || seed.size() != 32) {
    return Status::Error("bad_key", "secret key must be 64 hex characters");
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (pkey == nullptr) return Status::Error("bad_key", "OpenSSL rejected the Ed25519 key");
  unsigned char pub[32];
  size_t pub_len = sizeof(pub);
  EVP_PKEY_get_raw_public_key(pkey, pub, &pub_len);
  SigningKey k;
  k.pkey_ = pkey;
  k.seed_hex_ = HexEncode(seed);
  k.public_hex_ = HexEncode(std::string_view(reinterpret_cast<char*>(pub), pub_len));
  *out = std::move(k);
  return Status::OK();
}

Status SigningKey::Generate(SigningKey* out) { return FromSeedHex(RandomHex(32), out); }

Status SigningKey::LoadFromFile(const std::string& path, SigningKey* out) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return Status::Error("io", "cannot read key file " + path + ": " + std::strerror(errno) +
                                   " (create one with: swarmcrawl keygen --out " + path + ")");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::Error("key_permissions", "key file " + path +
                                                " is readable by other users; run: chmod 600 " +
                                                path);
  }
  std::ifstream in(path);
  std::string line, secret, name;
  while (std::getline(in, line)) {
    if (line.rfind("secret:", 0) == 0) secret = line.substr(7);
    if (line.rfind("name:", 0) == 0) name = line.substr(5);
  }
  auto trim = [](std::string s) {
    const auto b = s.find_first_not_of(" \t\r");
    const auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  Status s = FromSeedHex(trim(secret), out);
  if (!s.ok()) return Status::Error("bad_key", path + ": " + s.message());
  out->name_ = trim(name);
  return Status::OK();
}

Status SigningKey::SaveToFile(const std::string& path, std::string_view display_name) const {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return Status::Error("io", "cannot create key file " + path + ": " + std::strerror(errno) +
                                   (errno == EEXIST ? " (refusing to overwrite a key)" : ""));
  }
  std::ostringstream text;
  text << "# swarmcrawl contributor key (Ed25519). Keep it secret: it is your identity and credit.\n"
       << "public: " << public_hex_ << "\n"
       << "fingerprint: " << Fingerprint(public_hex_) << "\n"
       << "secret: " << seed_hex_ << "\n";
  if (!display_name.empty()) text << "name: " << display_name << "\n";
  const std::string data = text.str();
  const bool ok = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
                  fsync(fd) == 0;
  close(fd);
  if (!ok) return Status::Error("io", "cannot write key file " + path);
  return Status::OK();
}

Status LoadOrCreateSigningKey(const std::string& path, std::string_view display_name,
                              SigningKey* key, bool* created) {
  struct stat st {};
  *created = false;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    if (Status s = SigningKey::Generate(key); !s.ok()) return s;
    if (Status s = key->SaveToFile(path, display_name); !s.ok()) return s;
    *created = true;
  }
  return SigningKey::LoadFromFile(path, key);
}

std::string SigningKey::SignHex(std::string_view message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[64];
  size_t sig_len = sizeof(sig);
  EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, static_cast<EVP_PKEY*>(pkey_));
  EVP_DigestSign(ctx, sig, &sig_len, reinterpret_cast<const unsigned char*>(message.data()),
                 message.size());
  EVP_MD_CTX_free(ctx);
  return HexEncode(std::string_view(reinterpret_cast<char*>(sig), sig_len));
}

bool VerifySignature(std::string_view public_key_hex, std::string_view message,
                     std::string_view signature_hex) {
  std::string pub, sig;
  if (!HexDecode(public_key_hex, &pub) || pub.size() != 32) return false;
  if (!HexDecode(signature_hex, &sig) || sig.size() != 64) return false;
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(pub.data()), pub.size());
  if (pkey == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool Base64Decode(std::string_view text, std::string* bytes) {
  if (text.size() % 4 != 0 || text.size() > (1u << 30)) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool pad_ok = c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text.back() == '=');
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || pad_ok)) return false;
  }
  bytes->assign(3 * (text.size() / 4), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes->data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return false;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  bytes->resize(static_cast<size_t>(n) - pad);
  return true;
}

std::string SigningKey::CurveSecretKey() const {
  std::string seed;
  if (!HexDecode(seed_hex_, &seed) || seed.size() != 32) return std::string();
  unsigned char h[SHA512_DIGEST_LENGTH];
  SHA512(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), h);
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  std::string out(reinterpret_cast<char*>(h), 32);
  OPENSSL_cleanse(h, sizeof(h));
  return out;
}

bool CurvePublicKeyOf(std::string_view ed25519_public_hex, std::string* x25519_public) {
  std::string raw;
  if (!HexDecode(ed25519_public_hex, &raw) || raw.size() != 32) return false;
  // y is the little-endian encoding with the sign bit of x cleared.
  unsigned char le[32];
  std::memcpy(le, raw.data(), 32);
  le[31] &= 0x7f;
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* p = BN_new();
  BIGNUM* y = BN_lebin2bn(le, 32, nullptr);
  BIGNUM* one = BN_new();
  BIGNUM* num = BN_new();
  BIGNUM* den = BN_new();
  BIGNUM* u = BN_new();
  bool ok = ctx && p && y && one && num && den && u;
  if (ok) {
    // p = 2^255 - 19
    ok = BN_set_word(p, 1) && BN_lshift(p, p, 255) && BN_sub_word(p, 19) && BN_set_word(one, 1) &&
         BN_cmp(y, p) < 0 && BN_mod_add(num, one, y, p, ctx) && BN_mod_sub(den, one, y, p, ctx) &&
         !BN_is_zero(den) && BN_mod_inverse(den, den, p, ctx) != nullptr &&
         BN_mod_mul(u, num, den, p, ctx);
  }
  unsigned char out[32];
  if (ok) ok = BN_bn2lebinpad(u, out, sizeof(out)) == 32;
  BN_free(u);
  BN_free(den);
  BN_free(num);
  BN_free(one);
  BN_free(y);
  BN_free(p);
  BN_CTX_free(ctx);
  if (!ok) return false;
  x25519_public->assign(reinterpret_cast<char*>(out), sizeof(out));
  return true;
}

}  // namespace swarmcrawl
