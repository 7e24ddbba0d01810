// Canonical URLs and reference resolution, built on libcurl's URL API.
//
// A canonical URL is the one string the frontier stores per resource:
//   - scheme and host lower-cased; only http and https are accepted;
//   - the scheme's default port removed (http:80, https:443);
//   - dot segments removed, an empty path becomes "/";
//   - percent-encoding normalized: hex digits upper-cased, unreserved
//     characters (A-Z a-z 0-9 - . _ ~) decoded, bytes that must be encoded
//     (spaces, controls, non-ASCII) encoded;
//   - the fragment removed; an empty query ("?" alone) removed;
//   - hosts with empty labels (".com", "a..b") or control bytes rejected.
// Canonicalization is idempotent: Canonicalize(Canonicalize(u)) == Canonicalize(u).
// All functions are thread-safe and keep no global state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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
// SplitUrl's fast path: splits `url` without parsing it when it is plainly
// canonical (lower-case http(s) scheme and host name starting with a letter,
// default port, path and query of bytes canonicalization never changes, no
// dot or empty segment); returns false, touching nothing, otherwise. Every
// URL it accepts is its own canonical form (tests and the URL fuzzer check).
bool SplitPlainCanonicalUrl(std::string_view url, UrlParts* out);

// Query parameters to drop from canonical URLs: tracking parameters and
// session ids, which make one resource look like many to the frontier.
//
// A name is matched case-insensitively against the parameter name after
// percent-decoding ("UTM%5Fsource" is "utm_source"); a trailing '*' makes it a
// prefix ("utm_*"). Names are stored lower-cased. Default() is: utm_*, gclid,
// dclid, gbraid, wbraid, fbclid, msclkid, yclid, mc_cid, mc_eid, _ga, _gl,
// igshid, twclid, li_fat_id, _hsenc, _hsmi, mkt_tok, oly_anon_id, oly_enc_id,
// vero_id, wickedid, spm, and the session ids jsessionid, phpsessid, sid,
// sessionid, session_id, aspsessionid*, cfid, cftoken.
// An empty filter drops nothing. Immutable use is thread-safe.
struct QueryFilter {
  std::vector<std::string> names;

  static QueryFilter Default();
  // Validates configured names into *out. Each must be non-empty printable
  // ASCII without '&', '=', '#', '%' or whitespace, with '*' allowed only as
  // the last character of a longer name. Error "bad_field" names the index.
  static Status Parse(const std::vector<std::string>& names, QueryFilter* out);
  // True if a parameter named `param_name` (as it appears in the URL,
  // percent-encoded or not) is dropped.
  bool Drops(std::string_view param_name) const;
};

// Removes the parameters the filter drops from the query of a canonical URL,
// keeping the order of the others and removing the '?' if none remain (when
// anything is removed, empty "&&" segments go too). Also removes path
// parameters such as ";jsessionid=ABC" whose name is a session id
// (jsessionid, phpsessid, sid, sessionid, session_id, aspsessionid*, cfid,
// cftoken) that the filter drops. Idempotent; the result is canonical. A URL
// with nothing to remove is returned unchanged.
std::string StripQueryParams(std::string_view canonical_url, const QueryFilter& filter);

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
