// Canonical URLs and reference resolution, built on libcurl's URL API.
//
// A canonical URL is the one string the frontier stores per resource:
//   - scheme and host lower-cased; only http and https are accepted;
//   - the scheme's default port removed (http:80, https:443);
//   - dot segments removed, an empty path becomes "/";
//   - percent-encoding normalized: hex digits upper-cased, unreserved
//     characters (A-Z a-z 0-9 - . _ ~) decoded, bytes that must be encoded
//     (spaces, controls, non-ASCII) encoded;
//   - the fragment removed; an empty query ("?" alone) removed.
// Canonicalization is idempotent: Canonicalize(Canonicalize(u)) == Canonicalize(u).
// All functions are thread-safe and keep no global state.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace swarmcrawl {

struct UrlParts {
  std::string scheme;     // "http" or "https"
  std::string host;       // lower-case, no brackets for IPv6 literals
  int port = 0;           // explicit or default port
  std::string authority;  // host, plus ":port" when not the default; the politeness key
  std::string path_query; // path plus "?query" if any; what robots.txt matches against
};

// Writes the canonical form of an absolute http(s) URL to *out.
// Errors: "bad_url" (unparseable, relative, empty host), "bad_scheme".
Status CanonicalizeUrl(std::string_view url, std::string* out);

// Resolves `ref` against the absolute `base` (RFC 3986) and canonicalizes the result.
Status ResolveUrl(std::string_view base, std::string_view ref, std::string* out);

// The percent-encoding normalization applied to canonical paths and queries:
// escapes of unreserved characters decoded, hex digits upper-cased, bytes that
// may not appear raw (controls, space, non-ASCII, '"', '<', '>') escaped.
// robots.txt patterns go through it too, so rules and URLs compare alike.
std::string NormalizePercentEncoding(std::string_view s);

// Splits a canonical URL into its parts.
Status SplitUrl(std::string_view canonical_url, UrlParts* out);

// Resolves many references against one base efficiently (the base is parsed once).
// Not thread-safe: use one instance per thread.
class UrlResolver {
 public:
  UrlResolver();
  ~UrlResolver();
  UrlResolver(const UrlResolver&) = delete;
  UrlResolver& operator=(const UrlResolver&) = delete;

  Status SetBase(std::string_view base);
  Status Resolve(std::string_view ref, std::string* out) const;

 private:
  void* base_ = nullptr;  // the parsed base; its type is private to url.cc
};

}  // namespace swarmcrawl
