#include "core/url.h"

#include "core/strings.h"

#include <curl/curl.h>
#include <locale.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace swarmcrawl {
namespace {

struct CurluDeleter {
  void operator()(CURLU* h) const { curl_url_cleanup(h); }
};
using CurluPtr = std::unique_ptr<CURLU, CurluDeleter>;

// Owns a string returned by curl_url_get().
class CurlString {
 public:
  CurlString() = default;
  CurlString(const CurlString&) = delete;
  CurlString& operator=(const CurlString&) = delete;
  ~CurlString() { curl_free(p_); }
  char** addr() { return &p_; }
  std::string_view view() const {
    return p_ == nullptr ? std::string_view() : std::string_view(p_);
  }

 private:
  char* p_ = nullptr;
};

// libcurl converts IDN host names with idn2_lookup_ul(), which reads the
// input in the *locale's* charset; under the default "C" locale every
// non-ASCII host fails. Switching only this thread's LC_CTYPE to UTF-8 for
// the duration of the call leaves the process locale untouched.
class ScopedUtf8Ctype {
 public:
  ScopedUtf8Ctype() : loc_(newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0))) {
    if (loc_ != static_cast<locale_t>(0)) old_ = uselocale(loc_);
  }
  ScopedUtf8Ctype(const ScopedUtf8Ctype&) = delete;
  ScopedUtf8Ctype& operator=(const ScopedUtf8Ctype&) = delete;
  ~ScopedUtf8Ctype() {
    if (loc_ != static_cast<locale_t>(0)) {
      uselocale(old_);
      freelocale(loc_);
    }
  }

 private:
  locale_t loc_;
  locale_t old_ = static_cast<locale_t>(0);
};

inline bool IsAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

constexpr char kHex[] = "0123456789ABCDEF";

inline void AppendEscaped(unsigned char c, std::string* out) {
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

inline bool IsUnreserved(unsigned char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Bytes that may not appear raw in a canonical path or query.
inline bool MustEscape(unsigned char c) {
  return c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>';
}

// Appends `in` to *out after the WHATWG input clean-up (strip leading and
// trailing C0 controls and spaces, drop every tab and newline), escaping the
// remaining spaces and controls, which curl would otherwise reject. Escaping
// them here gives the same result the path/query normalization would.
void CleanInput(std::string_view in, std::string* out) {
  size_t b = 0, e = in.size();
  while (b < e && static_cast<unsigned char>(in[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(in[e - 1]) <= 0x20) --e;
  out->reserve(out->size() + e - b);
  for (size_t i = b; i < e; ++i) {
    const unsigned char c = in[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c <= 0x20 || c == 0x7f) {
      AppendEscaped(c, out);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

// If `s` starts with an RFC 3986 scheme followed by ':', stores it in *scheme.
bool LeadingScheme(std::string_view s, std::string_view* scheme) {
  if (s.empty() || !IsAlpha(s[0])) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (c == ':') {
      *scheme = s.substr(0, i);
      return true;
    }
    if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

bool IsHttpScheme(std::string_view scheme) {
  return EqualsIgnoreCase(scheme, "http") || EqualsIgnoreCase(scheme, "https");
}

Status BadScheme(std::string_view scheme) {
  return Status::Error("bad_scheme", "only http and https URLs are crawled, not '" +
                                         std::string(scheme.substr(0, 32)) + ":'");
}

Status FromCurl(CURLUcode rc) {
  if (rc == CURLUE_UNSUPPORTED_SCHEME) {
    return Status::Error("bad_scheme", "only http and https URLs are crawled");
  }
  if (rc == CURLUE_OUT_OF_MEMORY) return Status::Error("bad_url", "out of memory");
  return Status::Error("bad_url", curl_url_strerror(rc));
}

// Appends `in` with its percent-encoding normalized. Returns true if an
// escaped '.' was decoded, because that can create a dot segment after curl
// has already removed them.
bool AppendNormalized(std::string_view in, std::string* out) {
  bool decoded_dot = false;
  const size_t n = in.size();
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = in[i];
    if (c == '%') {
      const int hi = i + 2 < n ? HexDigitValue(in[i + 1]) : -1;
      const int lo = i + 2 < n ? HexDigitValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        // A '%' that starts no escape is itself escaped, so that decoding a
        // neighbouring escape can never create a new one ("%4%41" -> "%254A"):
        // without this, canonicalization would not be idempotent.
        out->append("%25");
        continue;
      }
      {
        const unsigned char v = static_cast<unsigned char>(hi * 16 + lo);
        if (IsUnreserved(v)) {
          out->push_back(static_cast<char>(v));
          decoded_dot |= (v == '.');
        } else {
          AppendEscaped(v, out);
        }
        i += 2;
        continue;
      }
    }
    if (MustEscape(c)) {
      AppendEscaped(c, out);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  return decoded_dot;
}

// True if `path` has a "." or ".." segment.
bool HasDotSegment(std::string_view path) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '/' || i + 1 >= path.size() || path[i + 1] != '.') continue;
    size_t j = i + 2;
    if (j < path.size() && path[j] == '.') ++j;
    if (j == path.size() || path[j] == '/') return true;
  }
  return false;
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// curl accepts host names that no resolver does and that would put raw bytes
// into a canonical URL: empty labels (".com", "a..b"; IDN mapping can produce
// them, e.g. from a lone U+200D or an ideographic full stop) and control
// bytes. A single trailing dot (a fully qualified name) is fine.
Status CheckHost(std::string_view host) {
  if (host.front() == '[') return Status::OK();  // an IPv6 literal, validated by curl
  for (const unsigned char c : host) {
    if (c <= 0x20 || c == 0x7f) return Status::Error("bad_url", "control character in host name");
    // curl percent-decodes the host: a decoded '%', '/', '@', ':' ... would
    // make the canonical string parse as another URL. DNS names (and the
    // underscores some use) are letters, digits, '-', '_' and dots.
    const bool name_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!name_char) {
      return Status::Error("bad_url", std::string("character '") + static_cast<char>(c) +
                                          "' in host name");
    }
  }
  if (host.front() == '.' || host.find("..") != std::string_view::npos) {
    return Status::Error("bad_url", "empty label in host name");
  }
  return Status::OK();
}

// True when `host` looks numeric (starts with a digit, only hex digits, 'x'
// and dots) but is not a dotted quad curl would print unchanged.
bool MayBeUnnormalizedIpv4(std::string_view host) {
  if (host.empty() || host.front() < '0' || host.front() > '9') return false;
  int parts = 1;
  bool plain = true;  // four decimal parts without leading zeros
  size_t part_begin = 0;
  for (size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    if (c == '.') {
      ++parts;
      part_begin = i + 1;
      continue;
    }
    if (c >= '0' && c <= '9') {
      if (i == part_begin + 1 && host[part_begin] == '0') plain = false;
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != 'x' && c != 'X') return false;
    plain = false;
  }
  return !(plain && parts == 4);
}

// Output of the parsed-handle -> canonical string step. `host` keeps the
// brackets of an IPv6 literal.
struct Canonical {
  bool https = false;
  std::string host;
  int port = 0;
  bool default_port = true;
};

Status Assemble(CURLU* h, std::string* out, Canonical* parts, int depth);

// Parses the absolute URL `url` into `h` (replacing its contents) and
// assembles the canonical form.
Status ParseInto(CURLU* h, const char* url, std::string* out, Canonical* parts, int depth) {
  // No CURLU_NON_SUPPORT_SCHEME: curl itself refuses schemes it does not know.
  const CURLUcode rc = curl_url_set(h, CURLUPART_URL, url, 0);
  if (rc != CURLUE_OK) return FromCurl(rc);
  return Assemble(h, out, parts, depth);
}

Status ParseAndAssemble(const char* url, std::string* out, Canonical* parts, int depth) {
  CurluPtr h(curl_url());
  if (!h) return Status::Error("bad_url", "out of memory");
  return ParseInto(h.get(), url, out, parts, depth);
}

Status Assemble(CURLU* h, std::string* out, Canonical* parts, int depth) {
  CurlString scheme, host, port, path, query;
  CURLUcode rc = curl_url_get(h, CURLUPART_SCHEME, scheme.addr(), 0);
  if (rc != CURLUE_OK) return FromCurl(rc);
  if (!IsHttpScheme(scheme.view())) return BadScheme(scheme.view());
  const bool https = EqualsIgnoreCase(scheme.view(), "https");

  rc = curl_url_get(h, CURLUPART_HOST, host.addr(), 0);
  if (rc != CURLUE_OK) return FromCurl(rc);
  if (!IsAscii(host.view())) {
#ifdef CURLU_PUNYCODE
    CurlString puny;
    {
      ScopedUtf8Ctype utf8;
      rc = curl_url_get(h, CURLUPART_HOST, puny.addr(), CURLU_PUNYCODE);
    }
    if (rc != CURLUE_OK) {
      return Status::Error("bad_url", "invalid internationalized host name");
    }
    std::swap(*host.addr(), *puny.addr());
#else
    return Status::Error("bad_url", "internationalized host names need libcurl >= 7.88");
#endif
  }
  if (host.view().empty()) return Status::Error("bad_url", "empty host");
  if (Status s = CheckHost(host.view()); !s.ok()) return s;

  int port_number = https ? 443 : 80;
  bool default_port = true;
  rc = curl_url_get(h, CURLUPART_PORT, port.addr(), 0);
  if (rc == CURLUE_OK) {
    // curl has validated the port and printed it in decimal without leading zeros.
    int p = 0;
    for (char c : port.view()) p = p * 10 + (c - '0');
    if (p != port_number) {
      port_number = p;
      default_port = false;
    }
  } else if (rc != CURLUE_NO_PORT) {
    return FromCurl(rc);
  }

  rc = curl_url_get(h, CURLUPART_PATH, path.addr(), 0);
  if (rc != CURLUE_OK) return FromCurl(rc);
  rc = curl_url_get(h, CURLUPART_QUERY, query.addr(), 0);
  if (rc != CURLUE_OK && rc != CURLUE_NO_QUERY) return FromCurl(rc);

  out->clear();
  out->reserve(scheme.view().size() + host.view().size() + path.view().size() +
               query.view().size() + 16);
  out->append(https ? "https://" : "http://");
  const size_t host_begin = out->size();
  for (char c : host.view()) out->push_back(AsciiLower(c));
  const size_t host_end = out->size();
  if (!default_port) {
    out->push_back(':');
    out->append(port.view());
  }
  const size_t path_begin = out->size();
  bool decoded_dot = false;
  if (path.view().empty()) {
    out->push_back('/');
  } else {
    decoded_dot = AppendNormalized(path.view(), out);
  }
  const size_t path_end = out->size();
  if (!query.view().empty()) {
    out->push_back('?');
    AppendNormalized(query.view(), out);
  }

  // "%2E%2E" decoded to ".." is a dot segment curl never saw; one more round
  // removes it (the second round cannot decode any further dots).
  // Likewise a percent-encoded host curl decoded ("%32223" -> "2223") after
  // its IPv4 normalization ran: a second round turns it into 0.0.8.175, so the
  // canonical form is a fixed point.
  const std::string_view canon_host = std::string_view(*out).substr(host_begin, host_end - host_begin);
  if (depth == 0 && ((decoded_dot && HasDotSegment(std::string_view(*out).substr(path_begin, path_end - path_begin))) ||
                     MayBeUnnormalizedIpv4(canon_host))) {
    const std::string again = *out;
    return ParseAndAssemble(again.c_str(), out, parts, depth + 1);
  }

  if (parts != nullptr) {
    parts->https = https;
    parts->host.assign(*out, host_begin, host_end - host_begin);
    parts->port = port_number;
    parts->default_port = default_port;
  }
  return Status::OK();
}

Status Canonicalize(std::string_view url, std::string* out, Canonical* parts) {
  std::string clean;
  CleanInput(url, &clean);
  std::string_view scheme;
  if (!LeadingScheme(clean, &scheme)) {
    return Status::Error("bad_url", "not an absolute URL (no scheme)");
  }
  if (!IsHttpScheme(scheme)) return BadScheme(scheme);
  return ParseAndAssemble(clean.c_str(), out, parts, 0);
}

// What a UrlResolver keeps about its base: the canonical string with the
// offsets reference resolution needs, and a handle reused for every parse.
// The RFC 3986 merge is a string concatenation on the canonical base, and
// curl parses the result. Letting curl resolve instead (curl_url_dup() of a
// parsed base, then curl_url_set() of the reference) costs about 2.7 times
// as much, mostly because curl 7.88 re-serializes the whole base URL for
// every relative reference.
struct ResolverBase {
  std::string url;
  size_t scheme_end = 0;   // the ':' after the scheme
  size_t path_begin = 0;   // the '/' starting the path
  size_t dir_end = 0;      // just past the path's last '/'
  size_t query_begin = 0;  // the '?' or url.size()
  CurluPtr scratch;
};

// Lower-cases ASCII and decodes %XX escapes (stray '%' kept) of a query or
// path parameter name.
std::string DecodeName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%' && i + 2 < name.size()) {
      const int hi = HexDigitValue(name[i + 1]);
      const int lo = HexDigitValue(name[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(AsciiLower(static_cast<char>(hi * 16 + lo)));
        i += 2;
        continue;
      }
    }
    out.push_back(AsciiLower(name[i]));
  }
  return out;
}

// True if the decoded, lower-cased `name` matches the filter entry `entry`
// (compared ignoring ASCII case; a trailing '*' makes it a prefix). An empty
// entry or a lone '*' matches nothing.
bool EntryMatches(std::string_view entry, std::string_view name) {
  const bool prefix = !entry.empty() && entry.back() == '*';
  if (prefix) entry.remove_suffix(1);
  if (entry.empty()) return false;
  if (prefix ? name.size() < entry.size() : name.size() != entry.size()) return false;
  for (size_t i = 0; i < entry.size(); ++i) {
    if (AsciiLower(entry[i]) != name[i]) return false;
  }
  return true;
}

// The session-id names whose path-parameter form (";jsessionid=...") is
// removed too, when the filter drops them.
constexpr std::string_view kSessionIdNames[] = {
    "jsessionid", "phpsessid", "sid", "sessionid", "session_id", "aspsessionid*", "cfid", "cftoken",
};

bool IsSessionIdName(std::string_view decoded_name) {
  for (const std::string_view entry : kSessionIdNames) {
    if (EntryMatches(entry, decoded_name)) return true;
  }
  return false;
}

// Appends `path` to *out without the ";name=value" parameters of session-id
// names the filter drops. Returns true if any was removed.
bool StripPathParams(std::string_view path, const QueryFilter& filter, std::string* out) {
  bool changed = false;
  size_t i = 0;
  while (i < path.size()) {
    const size_t semi = path.find(';', i);
    if (semi == std::string_view::npos) {
      out->append(path.substr(i));
      break;
    }
    out->append(path.substr(i, semi - i));
    // The parameter runs to the next ';' or '/'.
    size_t end = path.find_first_of(";/", semi + 1);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view param = path.substr(semi + 1, end - semi - 1);
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos) {
      const std::string_view name = param.substr(0, eq);
      if (IsSessionIdName(DecodeName(name)) && filter.Drops(name)) {
        changed = true;
        i = end;
        continue;
      }
    }
    out->append(path.substr(semi, end - semi));
    i = end;
  }
  return changed;
}

// Appends the '&'-separated parameters of `query` the filter keeps, in order,
// skipping empty ones. Returns true if any parameter was dropped.
bool StripParams(std::string_view query, const QueryFilter& filter, std::string* out) {
  bool changed = false;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view param = query.substr(start, amp - start);
    if (filter.Drops(param.substr(0, param.find('=')))) {
      changed = true;
    } else if (!param.empty()) {
      if (!out->empty()) out->push_back('&');
      out->append(param);
    }
    start = amp + 1;
  }
  return changed;
}

}  // namespace

QueryFilter QueryFilter::Default() {
  QueryFilter f;
  f.names = {
      "utm_*",     "gclid",      "dclid",   "gbraid",      "wbraid",     "fbclid",
      "msclkid",   "yclid",      "mc_cid",  "mc_eid",      "_ga",        "_gl",
      "igshid",    "twclid",     "li_fat_id", "_hsenc",    "_hsmi",      "mkt_tok",
      "oly_anon_id", "oly_enc_id", "vero_id", "wickedid",  "spm",
      // Session ids.
      "jsessionid", "phpsessid", "sid",     "sessionid",   "session_id", "aspsessionid*",
      "cfid",      "cftoken",
  };
  return f;
}

Status QueryFilter::Parse(const std::vector<std::string>& names, QueryFilter* out) {
  QueryFilter f;
  f.names.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    const std::string where = "query filter name [" + std::to_string(i) + "]";
    if (name.empty() || name == "*") {
      return Status::Error("bad_field", where + " is empty: give a parameter name or a prefix "
                                                "followed by '*', such as \"utm_*\"");
    }
    for (size_t j = 0; j < name.size(); ++j) {
      const unsigned char c = name[j];
      if (c == '*' && j + 1 == name.size()) continue;
      if (c <= 0x20 || c >= 0x7f || c == '&' || c == '=' || c == '#' || c == '%' || c == '*') {
        std::string what;
        if (c > 0x20 && c < 0x7f) {
          what = std::string("'") + static_cast<char>(c) + "'";
        } else {
          what = "byte 0x";
          what.push_back(kHex[c >> 4]);
          what.push_back(kHex[c & 15]);
        }
        return Status::Error(
            "bad_field",
            where + " has " + what + " at offset " + std::to_string(j) +
                ": names are printable ASCII, given decoded, without '&', '=', '#' or '%', and "
                "'*' only at the end");
      }
    }
    f.names.push_back(AsciiLower(name));
  }
  *out = std::move(f);
  return Status::OK();
}

bool QueryFilter::Drops(std::string_view param_name) const {
  if (param_name.empty() || names.empty()) return false;
  const std::string decoded = DecodeName(param_name);
  for (const std::string& entry : names) {
    if (EntryMatches(entry, decoded)) return true;
  }
  return false;
}

std::string StripQueryParams(std::string_view canonical_url, const QueryFilter& filter) {
  // Canonical URLs have no fragment; should one be there, it goes.
  const std::string_view url = canonical_url.substr(0, canonical_url.find('#'));
  if (filter.names.empty()) return std::string(url);
  const size_t q = url.find('?');
  const std::string_view head = url.substr(0, q);
  const std::string_view query =
      q == std::string_view::npos ? std::string_view() : url.substr(q + 1);
  // The path starts at the first '/' after "scheme://".
  const size_t sep = head.find("://");
  size_t path_begin = sep == std::string_view::npos ? 0 : head.find('/', sep + 3);
  if (path_begin == std::string_view::npos) path_begin = head.size();

  std::string out(head.substr(0, path_begin));
  out.reserve(url.size());
  const bool path_changed = StripPathParams(head.substr(path_begin), filter, &out);
  std::string kept;
  const bool query_changed = StripParams(query, filter, &kept);
  if (!path_changed && !query_changed) return std::string(url);
  if (query_changed) {
    if (!kept.empty()) out.append("?").append(kept);
  } else if (q != std::string_view::npos) {
    out.append("?").append(query);
  }
  if (path_changed) {
    // Removing a parameter can expose a dot segment ("/..;jsessionid=x/")
    // or empty the path; canonicalizing again restores the invariants.
    std::string canonical;
    if (CanonicalizeUrl(out, &canonical).ok()) return canonical;
  }
  return out;
}

std::string NormalizePercentEncoding(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  AppendNormalized(s, &out);
  return out;
}

Status CanonicalizeUrl(std::string_view url, std::string* out) {
  return Canonicalize(url, out, nullptr);
}

Status ResolveUrl(std::string_view base, std::string_view ref, std::string* out) {
  UrlResolver resolver;
  Status s = resolver.SetBase(base);
  if (!s.ok()) return s;
  return resolver.Resolve(ref, out);
}

namespace {

// Path and query bytes canonicalization leaves as they are and that need no
// context to judge: RFC 3986 unreserved characters and sub-delimiters, ':',
// '@', '/' and (in the query) '?'. Not '%' (escapes are normalized), not '#'.
bool IsPlainPathByte(unsigned char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '!' ||
         c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' ||
         c == ',' || c == ';' || c == '=' || c == ':' || c == '@' || c == '/';
}

}  // namespace

bool SplitPlainCanonicalUrl(std::string_view url, UrlParts* out) {
  size_t i;
  bool https;
  if (url.starts_with("http://")) {
    i = 7;
    https = false;
  } else if (url.starts_with("https://")) {
    i = 8;
    https = true;
  } else {
    return false;
  }
  // A lower-case DNS name starting with a letter (so never an IPv4 form curl
  // would rewrite), no empty label, no trailing dot, no port.
  const size_t host_begin = i;
  if (i >= url.size() || url[i] < 'a' || url[i] > 'z') return false;
  for (; i < url.size() && url[i] != '/'; ++i) {
    const char c = url[i];
    const bool name_char = (c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' || c == '_';
    if (!name_char && !(c == '.' && url[i - 1] != '.')) return false;
  }
  const std::string_view host = url.substr(host_begin, i - host_begin);
  if (i == url.size() || host.back() == '.' || host.size() > 253) return false;
  // The path: plain bytes, no dot segment, no empty segment.
  const size_t path_begin = i;
  for (; i < url.size() && url[i] != '?'; ++i) {
    const unsigned char c = url[i];
    if (!IsPlainPathByte(c)) return false;
    if (c == '/' && i > path_begin && url[i - 1] == '/') return false;
  }
  if (HasDotSegment(url.substr(path_begin, i - path_begin))) return false;
  if (i < url.size()) {
    // A query, not empty (canonicalization drops a bare '?').
    if (++i == url.size()) return false;
    for (; i < url.size(); ++i) {
      const unsigned char c = url[i];
      if (!IsPlainPathByte(c) && c != '?') return false;
    }
  }
  out->scheme = https ? "https" : "http";
  out->port = https ? 443 : 80;
  out->host.assign(host);
  out->authority.assign(host);
  out->path_query.assign(url.substr(path_begin));
  return true;
}

Status SplitUrl(std::string_view canonical_url, UrlParts* out) {
  if (SplitPlainCanonicalUrl(canonical_url, out)) return Status::OK();
  std::string canonical;
  Canonical parts;
  Status s = Canonicalize(canonical_url, &canonical, &parts);
  if (!s.ok()) return s;
  out->scheme = parts.https ? "https" : "http";
  out->port = parts.port;
  out->authority = parts.host;
  if (!parts.default_port) {
    out->authority.push_back(':');
    out->authority.append(std::to_string(parts.port));
  }
  std::string_view host = parts.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  out->host.assign(host);
  // The path starts at the first '/' after "scheme://".
  const size_t path_begin = canonical.find('/', out->scheme.size() + 3);
  out->path_query.assign(canonical, path_begin, std::string::npos);
  return Status::OK();
}

UrlResolver::UrlResolver() = default;

UrlResolver::~UrlResolver() { delete static_cast<ResolverBase*>(base_); }

Status UrlResolver::SetBase(std::string_view base) {
  delete static_cast<ResolverBase*>(base_);
  base_ = nullptr;
  auto b = std::make_unique<ResolverBase>();
  Status s = Canonicalize(base, &b->url, nullptr);
  if (!s.ok()) return s;
  b->scratch.reset(curl_url());
  if (!b->scratch) return Status::Error("bad_url", "out of memory");
  // The canonical form is "scheme://authority/path[?query]".
  const std::string& u = b->url;
  b->scheme_end = u.find(':');
  b->path_begin = u.find('/', b->scheme_end + 3);
  b->query_begin = std::min(u.find('?', b->path_begin), u.size());
  b->dir_end = u.rfind('/', b->query_begin - 1) + 1;
  base_ = b.release();
  return Status::OK();
}

Status UrlResolver::Resolve(std::string_view ref, std::string* out) const {
  const auto* b = static_cast<const ResolverBase*>(base_);
  if (b == nullptr) return Status::Error("bad_url", "no base URL set");
  std::string target;
  target.reserve(b->url.size() + ref.size() + 8);
  CleanInput(ref, &target);
  std::string_view scheme;
  if (LeadingScheme(target, &scheme)) {
    if (!IsHttpScheme(scheme)) return BadScheme(scheme);
  } else if (target.empty() || target[0] == '#') {
    *out = b->url;  // the base itself; its fragment is dropped anyway
    return Status::OK();
  } else {
    // RFC 3986 section 5.2.2 on a canonical base: the reference replaces
    // everything from a point that depends only on how it starts. curl then
    // parses the result, removing dot segments.
    size_t keep;
    if (target[0] == '/') {
      keep = (target.size() > 1 && target[1] == '/') ? b->scheme_end + 1 : b->path_begin;
    } else if (target[0] == '?') {
      keep = b->query_begin;
    } else {
      keep = b->dir_end;
    }
    target.insert(0, b->url, 0, keep);
  }
  return ParseInto(b->scratch.get(), target.c_str(), out, nullptr, 0);
}

}  // namespace swarmcrawl
