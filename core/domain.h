// PublicSuffixList: registrable domains ("eTLD+1") from the public suffix list.
//
// The registrable domain is the public suffix of a host plus one more label:
// "www.example.co.uk" -> "example.co.uk", "user.github.io" -> "user.github.io"
// (github.io is in the list's private section, which is used). It is the unit
// sites are owned in, so politeness and per-site limits can key on it.
//
// The list is libpsl's psl_latest(nullptr): the newer of Debian's file
// (/usr/share/publicsuffix/public_suffix_list.dafsa, package publicsuffix) and
// libpsl's built-in copy. Construction never fails; source() says which list
// is in use. Hosts are expected as canonical URLs have them: lower-case ASCII,
// IDNs in punycode, IPv6 literals with or without brackets. Like libpsl,
// unknown top-level domains are public suffixes (the list's implicit "*"
// rule): "localhost" is a public suffix and "a.localhost" is registrable.
//
// Lookups are const and thread-safe (libpsl contexts are read-only after
// loading). An instance owns its libpsl context: not copyable, movable; a
// moved-from instance has no list and answers with the last two labels.
#pragma once

#include <string>
#include <string_view>

struct psl_ctx_st;  // libpsl's psl_ctx_t

namespace swarmcrawl {

class PublicSuffixList {
 public:
  PublicSuffixList();
  ~PublicSuffixList();
  PublicSuffixList(const PublicSuffixList&) = delete;
  PublicSuffixList& operator=(const PublicSuffixList&) = delete;
  PublicSuffixList(PublicSuffixList&& other) noexcept;
  PublicSuffixList& operator=(PublicSuffixList&& other) noexcept;

  // "www.example.co.uk" -> "example.co.uk"; "example.com" -> "example.com";
  // a public suffix itself ("co.uk", "com", "localhost") or "" -> "";
  // IP literals (and hosts whose last label is numeric, which no public
  // suffix is) -> the host itself. ASCII upper case is lower-cased.
  std::string RegistrableDomain(std::string_view host) const;

  // True for "com", "co.uk", "github.io", "localhost"; false for
  // "example.com", IP literals and "".
  bool IsPublicSuffix(std::string_view host) const;

  // Where the list came from: a file path, or "built-in (...)".
  const std::string& source() const { return source_; }

 private:
  psl_ctx_st* ctx_ = nullptr;
  bool owned_ = false;  // ctx_ must be psl_free()d (it is not the built-in list)
  std::string source_;
};

}  // namespace swarmcrawl
