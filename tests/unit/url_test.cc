#include "core/url.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace swarmcrawl {
namespace {

std::string Canon(std::string_view url) {
  std::string out;
  Status s = CanonicalizeUrl(url, &out);
  if (!s.ok()) return "ERROR " + s.code();
  return out;
}

std::string Resolve(std::string_view base, std::string_view ref) {
  std::string out;
  Status s = ResolveUrl(base, ref, &out);
  if (!s.ok()) return "ERROR " + s.code();
  return out;
}

TEST_CASE("CanonicalizeUrl lower-cases scheme and host but not the path") {
  CHECK(Canon("HTTP://WWW.Example.COM/Path/File.HTML") == "http://www.example.com/Path/File.HTML");
  CHECK(Canon("HtTpS://Example.com/") == "https://example.com/");
}

TEST_CASE("CanonicalizeUrl removes default ports and keeps others") {
  CHECK(Canon("http://example.com:80/a") == "http://example.com/a");
  CHECK(Canon("https://example.com:443/a") == "https://example.com/a");
  CHECK(Canon("http://example.com:443/a") == "http://example.com:443/a");
  CHECK(Canon("https://example.com:80/a") == "https://example.com:80/a");
  CHECK(Canon("http://example.com:8080/a") == "http://example.com:8080/a");
  CHECK(Canon("http://example.com:0080/a") == "http://example.com/a");
  CHECK(Canon("http://example.com:/a") == "http://example.com/a");
}

TEST_CASE("CanonicalizeUrl turns an empty path into /") {
  CHECK(Canon("http://example.com") == "http://example.com/");
  CHECK(Canon("http://example.com?x=1") == "http://example.com/?x=1");
}

TEST_CASE("CanonicalizeUrl removes dot segments") {
  CHECK(Canon("http://example.com/a/./b/../c") == "http://example.com/a/c");
  CHECK(Canon("http://example.com/../../x") == "http://example.com/x");
  CHECK(Canon("http://example.com/a/b/..") == "http://example.com/a/");
  // Escaped dots are unreserved characters: decoding them must not leave a
  // dot segment behind.
  CHECK(Canon("http://example.com/a/%2e%2E/b") == "http://example.com/b");
  CHECK(Canon("http://example.com/a/%2E/b") == "http://example.com/a/b");
  CHECK(Canon("http://example.com/a%2Eb") == "http://example.com/a.b");
}

TEST_CASE("CanonicalizeUrl normalizes percent-encoding") {
  // Unreserved characters are decoded.
  CHECK(Canon("http://example.com/%7euser/%41%62%2D%5F") == "http://example.com/~user/Ab-_");
  // Reserved ones stay encoded, with upper-case hex.
  CHECK(Canon("http://example.com/a%2fb%3fc?q=%2f%26") == "http://example.com/a%2Fb%3Fc?q=%2F%26");
  // Spaces, controls and non-ASCII bytes get encoded.
  CHECK(Canon("http://example.com/a b?c d") == "http://example.com/a%20b?c%20d");
  CHECK(Canon("http://example.com/\xC3\xA4?\xC3\xB6") == "http://example.com/%C3%A4?%C3%B6");
  CHECK(Canon("http://example.com/a\x01z") == "http://example.com/a%01z");
  CHECK(Canon("http://example.com/\"<>") == "http://example.com/%22%3C%3E");
  // A stray '%' is not an escape: it is escaped itself, which keeps
  // canonicalization idempotent next to escapes that get decoded.
  CHECK(Canon("http://example.com/100%") == "http://example.com/100%25");
  CHECK(Canon("http://example.com/%zz") == "http://example.com/%25zz");
  CHECK(Canon("http://example.com/%4%41") == "http://example.com/%254A");
  CHECK(Canon(Canon("http://example.com/%4%41")) == Canon("http://example.com/%4%41"));
  CHECK(Canon(Canon("http://example.com/%a%41")) == Canon("http://example.com/%a%41"));
}

TEST_CASE("CanonicalizeUrl drops the fragment, empty query and credentials") {
  CHECK(Canon("http://example.com/a#frag") == "http://example.com/a");
  CHECK(Canon("http://example.com/a?x=1#frag") == "http://example.com/a?x=1");
  CHECK(Canon("http://example.com/a?") == "http://example.com/a");
  CHECK(Canon("http://example.com/a?#f") == "http://example.com/a");
  CHECK(Canon("http://user:secret@example.com/a") == "http://example.com/a");
  CHECK(Canon("http://user@example.com:81/a") == "http://example.com:81/a");
}

TEST_CASE("CanonicalizeUrl trims whitespace and removes tabs and newlines") {
  CHECK(Canon("  http://example.com/a  ") == "http://example.com/a");
  CHECK(Canon("\thttp://exa\nmple.com/a\r\nb\n") == "http://example.com/ab");
}

TEST_CASE("CanonicalizeUrl converts IDN hosts to punycode") {
  CHECK(Canon("http://b\xC3\xBC" "cher.de/") == "http://xn--bcher-kva.de/");
  CHECK(Canon("http://B\xC3\x9C" "CHER.de/x") == "http://xn--bcher-kva.de/x");
  CHECK(Canon("http://xn--bcher-kva.de/") == "http://xn--bcher-kva.de/");
  CHECK(Canon("http://\xFF.de/") == "ERROR bad_url");
}

TEST_CASE("CanonicalizeUrl lower-cases upper-case and mixed-case Unicode hosts before punycode") {
  CHECK(Canon("http://M\xC3\x9CNCHEN.Example/") == "http://xn--mnchen-3ya.example/");
  CHECK(Canon("http://m\xC3\xBCnchen.example/") == "http://xn--mnchen-3ya.example/");
  // Greek capitals: ΑΘΗΝΑ.gr is αθηνα.gr.
  CHECK(Canon("http://\xCE\x91\xCE\x98\xCE\x97\xCE\x9D\xCE\x91.gr/") == "http://xn--mxaard0a.gr/");
  CHECK(Canon("http://\xCE\xB1\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1.gr/") == "http://xn--mxaard0a.gr/");
  // Ñandú.com: mixed case, two non-ASCII letters.
  CHECK(Canon("HTTP://\xC3\x91" "and\xC3\xBA.COM/P") == "http://xn--and-6ma2c.com/P");
  // A full-width 'A' maps to 'a' (UTS #46).
  CHECK(Canon("http://\xEF\xBC\xA1.com/") == "http://a.com/");
}

TEST_CASE("CanonicalizeUrl rejects invalid IDN hosts with bad_url") {
  // A label may not start with a combining mark (U+0308).
  CHECK(Canon("http://\xCC\x88" "a.de/") == "ERROR bad_url");
  // Not UTF-8: an encoded surrogate, an overlong '/', a lone continuation byte.
  CHECK(Canon("http://\xED\xA0\x80.com/") == "ERROR bad_url");
  CHECK(Canon("http://\xC0\xAF.com/") == "ERROR bad_url");
  CHECK(Canon("http://a\x80" "b.com/") == "ERROR bad_url");
  // Mapping can leave an empty label: U+200D is removed, U+3002 is a dot.
  CHECK(Canon("http://\xE2\x80\x8D.com/") == "ERROR bad_url");
  CHECK(Canon("http://\xE3\x80\x82.com/") == "ERROR bad_url");
  // ... while in the middle of a label, U+200B just disappears.
  CHECK(Canon("http://a\xE2\x80\x8B" "b.com/") == "http://ab.com/");
}

TEST_CASE("CanonicalizeUrl rejects hosts with empty labels or control bytes") {
  CHECK(Canon("http://.com/") == "ERROR bad_url");
  CHECK(Canon("http://a..b/") == "ERROR bad_url");
  CHECK(Canon("http://./") == "ERROR bad_url");
  CHECK(Canon("http://\x7F.com/") == "ERROR bad_url");
  // One trailing dot is a fully qualified name and stays.
  CHECK(Canon("http://example.com./") == "http://example.com./");
}

TEST_CASE("CanonicalizeUrl handles IPv6 literals") {
  CHECK(Canon("http://[::1]:80/x") == "http://[::1]/x");
  CHECK(Canon("http://[::1]:8080/x") == "http://[::1]:8080/x");
}

TEST_CASE("CanonicalizeUrl rejects other schemes and malformed URLs") {
  CHECK(Canon("ftp://example.com/") == "ERROR bad_scheme");
  CHECK(Canon("javascript:alert(1)") == "ERROR bad_scheme");
  CHECK(Canon("mailto:someone@example.com") == "ERROR bad_scheme");
  CHECK(Canon("data:text/html,hi") == "ERROR bad_scheme");
  CHECK(Canon("file:///etc/passwd") == "ERROR bad_scheme");
  CHECK(Canon("/relative/path") == "ERROR bad_url");
  CHECK(Canon("example.com/path") == "ERROR bad_url");
  CHECK(Canon("") == "ERROR bad_url");
  CHECK(Canon("http://") == "ERROR bad_url");
  CHECK(Canon("http://exa mple.com/") == "ERROR bad_url");
  CHECK(Canon("http://example.com:99999/") == "ERROR bad_url");
}

TEST_CASE("CanonicalizeUrl is idempotent") {
  const std::vector<std::string> inputs = {
      "HTTP://Example.COM:80/a/./b/../c%7e%2f?q=%e2%82%ac#f",
      "http://example.com/a/%2e%2E/%2e/b",
      "https://b\xC3\xBC" "cher.de:443/\xC3\xA4 x?\xC3\xB6 y",
      "http://example.com/%zz%2",
      "http://user:pw@[::1]:8080/x?",
      "http://example.com/a%252Fb",
  };
  for (const std::string& in : inputs) {
    CAPTURE(in);
    const std::string once = Canon(in);
    REQUIRE(once.rfind("ERROR", 0) != 0);
    CHECK(Canon(once) == once);
  }
}

TEST_CASE("ResolveUrl follows the RFC 3986 section 5.4.1 normal examples") {
  const std::string base = "http://a/b/c/d;p?q";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q"},  // fragment removed
      {"g#s", "http://a/b/c/g"},
      {"g?y#s", "http://a/b/c/g?y"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (const auto& [ref, want] : cases) {
    CAPTURE(ref);
    CHECK(Resolve(base, ref) == want);
  }
  CHECK(Resolve(base, "g:h") == "ERROR bad_scheme");
}

TEST_CASE("ResolveUrl follows the RFC 3986 section 5.4.2 abnormal examples") {
  const std::string base = "http://a/b/c/d;p?q";
  const std::vector<std::pair<std::string, std::string>> cases = {
      // More ".." than the path has segments.
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      // Dot segments that are not complete segments are kept.
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      // Unnecessary or nonsensical dot segments.
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      // Dot segments in the query are data, not path segments.
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      // The RFC keeps them in the fragment too: "http://a/b/c/g#s/./x". Our
      // results are canonical, so the fragment is dropped.
      {"g#s/./x", "http://a/b/c/g"},
      {"g#s/../x", "http://a/b/c/g"},
  };
  for (const auto& [ref, want] : cases) {
    CAPTURE(ref);
    CHECK(Resolve(base, ref) == want);
  }
  // "http:g": the RFC's strict parsers give "http:g" and backward-compatible
  // ones "http://a/b/c/g". A reference with a scheme is absolute for us and
  // libcurl 7.88 rejects "http:g" ("Unsupported number of slashes following
  // scheme"), so it is a bad_url; this matches the strict reading, whose
  // result has no host and could never be fetched.
  CHECK(Resolve(base, "http:g") == "ERROR bad_url");
  CHECK(Resolve(base, "https:g") == "ERROR bad_url");
}

TEST_CASE("ResolveUrl handles absolute references and canonicalizes them") {
  CHECK(Resolve("http://a/b", "HTTPS://Other.Example:443/x#y") == "https://other.example/x");
  CHECK(Resolve("https://a/b", "//cdn.example/x") == "https://cdn.example/x");
  CHECK(Resolve("http://a/b/c", "d e") == "http://a/b/d%20e");
  CHECK(Resolve("http://a/b/c", "\xC3\xA4") == "http://a/b/%C3%A4");
}

TEST_CASE("ResolveUrl rejects non-http references") {
  CHECK(Resolve("http://a/b", "javascript:void(0)") == "ERROR bad_scheme");
  CHECK(Resolve("http://a/b", "  JavaScript:void(0)") == "ERROR bad_scheme");
  CHECK(Resolve("http://a/b", "mailto:x@example.com") == "ERROR bad_scheme");
  CHECK(Resolve("http://a/b", "tel:+123") == "ERROR bad_scheme");
  CHECK(Resolve("http://a/b", "data:image/png;base64,AAAA") == "ERROR bad_scheme");
  CHECK(Resolve("http://a/b", "ftp://a/b") == "ERROR bad_scheme");
  CHECK(Resolve("ftp://a/b", "c") == "ERROR bad_scheme");
}

TEST_CASE("ResolveUrl trims whitespace and removes embedded tabs and newlines") {
  CHECK(Resolve("http://a/b/c", "  \n g/h \t") == "http://a/b/g/h");
  CHECK(Resolve("http://a/b/c", "g\n/\th") == "http://a/b/g/h");
  CHECK(Resolve("http://a/b/c", "   ") == "http://a/b/c");
  // The removal happens before the reference is classified, as in browsers.
  CHECK(Resolve("http://a/b/c", "java\nscript:alert(1)") == "ERROR bad_scheme");
  CHECK(Resolve("http://a/b/c", "/\n/evil.example/x") == "http://evil.example/x");
}

TEST_CASE("ResolveUrl uses a clean base: no fragment or credentials leak into results") {
  CHECK(Resolve("http://u:p@a/b/c?q#frag", "#x") == "http://a/b/c?q");
  CHECK(Resolve("http://u:p@a/b/c?q#frag", "d") == "http://a/b/d");
}

TEST_CASE("UrlResolver resolves many references against one base") {
  UrlResolver r;
  std::string out;
  CHECK(r.Resolve("x", &out).code() == "bad_url");  // no base yet
  REQUIRE(r.SetBase("HTTP://Example.com:80/dir/page.html?x=1").ok());
  REQUIRE(r.Resolve("other.html", &out).ok());
  CHECK(out == "http://example.com/dir/other.html");
  REQUIRE(r.Resolve("../up", &out).ok());
  CHECK(out == "http://example.com/up");
  REQUIRE(r.Resolve("?y=2", &out).ok());
  CHECK(out == "http://example.com/dir/page.html?y=2");
  REQUIRE(r.Resolve("#top", &out).ok());
  CHECK(out == "http://example.com/dir/page.html?x=1");
  CHECK(r.Resolve("javascript:x()", &out).code() == "bad_scheme");
  // The base is unchanged by earlier resolutions.
  REQUIRE(r.Resolve("a", &out).ok());
  CHECK(out == "http://example.com/dir/a");

  // A reference curl rejects does not disturb later resolutions.
  CHECK(r.Resolve("http://exa mple.com/", &out).code() == "bad_url");
  REQUIRE(r.Resolve("b", &out).ok());
  CHECK(out == "http://example.com/dir/b");

  // A failed SetBase leaves no base behind rather than the stale one.
  CHECK(r.SetBase("mailto:x@y").code() == "bad_scheme");
  CHECK(!r.Resolve("a", &out).ok());
  REQUIRE(r.SetBase("https://b\xC3\xBC" "cher.de/x/").ok());
  REQUIRE(r.Resolve("y", &out).ok());
  CHECK(out == "https://xn--bcher-kva.de/x/y");
}

TEST_CASE("SplitUrl returns the parts the frontier and robots.txt need") {
  UrlParts p;
  REQUIRE(SplitUrl("http://example.com/a/b?c=d", &p).ok());
  CHECK(p.scheme == "http");
  CHECK(p.host == "example.com");
  CHECK(p.port == 80);
  CHECK(p.authority == "example.com");
  CHECK(p.path_query == "/a/b?c=d");

  REQUIRE(SplitUrl("https://example.com:8443/", &p).ok());
  CHECK(p.scheme == "https");
  CHECK(p.port == 8443);
  CHECK(p.authority == "example.com:8443");
  CHECK(p.path_query == "/");

  REQUIRE(SplitUrl("https://example.com", &p).ok());
  CHECK(p.port == 443);
  CHECK(p.authority == "example.com");
  CHECK(p.path_query == "/");

  REQUIRE(SplitUrl("http://[::1]:8080/x", &p).ok());
  CHECK(p.host == "::1");
  CHECK(p.port == 8080);
  CHECK(p.authority == "[::1]:8080");
  CHECK(p.path_query == "/x");

  CHECK(SplitUrl("ftp://example.com/", &p).code() == "bad_scheme");
  CHECK(SplitUrl("nonsense", &p).code() == "bad_url");
}

// SplitUrl's fast path must accept only URLs that are their own canonical
// form and split them as the full parse does.
void CheckPlainSplit(std::string_view url) {
  UrlParts fast;
  if (!SplitPlainCanonicalUrl(url, &fast)) return;
  INFO(url);
  CHECK(Canon(url) == url);
  CHECK(fast.scheme + "://" + fast.authority + fast.path_query == url);
  CHECK(fast.host == fast.authority);
  CHECK(fast.port == (fast.scheme == "https" ? 443 : 80));
}

TEST_CASE("SplitUrl's fast path takes plainly canonical URLs only") {
  for (const char* url : {"http://example.com/", "https://a.b-c_d.example/x/y.html?q=1&r=a:b@c/d?e",
                          "http://h1.bench.test/news/2026/11/00004567-frontier-at-scale.html",
                          "https://x.org/a;b=c/~d/!$'()*+,=", "http://a/"}) {
    UrlParts p;
    INFO(url);
    CHECK(SplitPlainCanonicalUrl(url, &p));
    CheckPlainSplit(url);
  }
  // Each of these needs the full parse (and most are not canonical).
  for (const char* url :
       {"HTTP://example.com/", "http://Example.com/", "http://example.com", "http://example.com:80/",
        "http://example.com:8080/", "http://example.com./", "http://.example.com/",
        "http://a..b/", "http://1.2.3.4/", "http://0x7f.1/", "http://[::1]/", "http://ex%41mple.com/",
        "http://example.com/a%2Fb", "http://example.com/a/../b", "http://example.com/a/./b",
        "http://example.com/a/..", "http://example.com//a", "http://example.com/a?",
        "http://example.com/a#f", "http://example.com/a b", "http://example.com/a\\b",
        "http://user@example.com/", "http://example.com/\xC3\xA9", "ftp://example.com/", "http://",
        "http:///a", "http://example.com/a\"b", "http://example.com/<a>", "http://example.com/{a}"}) {
    UrlParts p;
    INFO(url);
    CHECK_FALSE(SplitPlainCanonicalUrl(url, &p));
  }
  // Random strings over URL bytes (seeded): whatever the fast path accepts
  // is canonical. Checked much further by the url fuzz target.
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::string host_bytes = "ab019-._:A%";
  const std::string path_bytes = "abAZ09-._~!$&'()*+,;=:@/?#%[] \\\"<>";
  int accepted = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string url = next() % 2 ? "http://" : "https://";
    for (size_t i = 0, len = next() % 8; i < len; ++i) url.push_back(host_bytes[next() % host_bytes.size()]);
    url.push_back('/');
    for (size_t i = 0, len = next() % 16; i < len; ++i) url.push_back(path_bytes[next() % path_bytes.size()]);
    UrlParts p;
    if (SplitPlainCanonicalUrl(url, &p)) ++accepted;
    CheckPlainSplit(url);
  }
  CHECK(accepted > 100);  // the property was exercised
}

std::string Strip(std::string_view url) { return StripQueryParams(url, QueryFilter::Default()); }

TEST_CASE("QueryFilter::Default drops tracking parameters and session ids") {
  const QueryFilter f = QueryFilter::Default();
  for (const char* name :
       {"utm_source", "utm_medium", "utm_campaign", "utm_", "gclid", "dclid", "gbraid", "wbraid",
        "fbclid", "msclkid", "yclid", "mc_cid", "mc_eid", "_ga", "_gl", "igshid", "twclid",
        "li_fat_id", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
        "wickedid", "spm", "jsessionid", "phpsessid", "sid", "sessionid", "session_id",
        "aspsessionid", "ASPSESSIONIDQAQBDRCS", "cfid", "cftoken"}) {
    CAPTURE(name);
    CHECK(f.Drops(name));
  }
  for (const char* name : {"id", "page", "q", "utm", "sidebar", "session", "gclid2", "ga", "s",
                           "xutm_source", ""}) {
    CAPTURE(name);
    CHECK_FALSE(f.Drops(name));
  }
  // Default() is what Parse() would make of its own names.
  QueryFilter parsed;
  REQUIRE(QueryFilter::Parse(f.names, &parsed).ok());
  CHECK(parsed.names == f.names);
  CHECK(f.names.size() == 31);
}

TEST_CASE("QueryFilter matches names case-insensitively and after percent-decoding") {
  const QueryFilter f = QueryFilter::Default();
  CHECK(f.Drops("UTM_Source"));
  CHECK(f.Drops("GCLID"));
  CHECK(f.Drops("JSessionID"));
  CHECK(f.Drops("utm%5Fsource"));
  CHECK(f.Drops("%75tm_source"));
  CHECK(f.Drops("%47%43%4C%49%44"));  // "GCLID"
  CHECK_FALSE(f.Drops("utm%5"));
  CHECK_FALSE(f.Drops("gclid%00"));
  // Entries set directly, not through Parse(), are compared ignoring case too.
  QueryFilter direct;
  direct.names = {"Ref", "X_*", "*", ""};
  CHECK(direct.Drops("ref"));
  CHECK(direct.Drops("x_y"));
  CHECK_FALSE(direct.Drops("other"));  // a lone '*' and an empty name match nothing
}

TEST_CASE("QueryFilter::Parse validates names and names the index of a bad one") {
  QueryFilter f;
  REQUIRE(QueryFilter::Parse({"Ref", "utm_*", "x-y.z~"}, &f).ok());
  CHECK(f.names == std::vector<std::string>{"ref", "utm_*", "x-y.z~"});
  CHECK(f.Drops("REF"));
  CHECK(f.Drops("utm_content"));
  CHECK_FALSE(f.Drops("utm"));

  REQUIRE(QueryFilter::Parse({}, &f).ok());
  CHECK(f.names.empty());
  CHECK_FALSE(f.Drops("utm_source"));

  const std::vector<std::vector<std::string>> bad = {
      {"ok", "ok2", ""},   {"ok", "ok2", "*"},       {"ok", "ok2", "a=b"},
      {"ok", "ok2", "a&b"}, {"ok", "ok2", "a#"},     {"ok", "ok2", "utm%5Fsource"},
      {"ok", "ok2", "u*tm"}, {"ok", "ok2", "utm**"}, {"ok", "ok2", "utm source"},
      {"ok", "ok2", "a\tb"}, {"ok", "ok2", "\xC3\xA4"}, {"ok", "ok2", std::string("a\0b", 3)},
  };
  for (const auto& names : bad) {
    CAPTURE(names.back());
    QueryFilter out;
    out.names = {"unchanged"};
    const Status s = QueryFilter::Parse(names, &out);
    CHECK(s.code() == "bad_field");
    CHECK(s.message().find("[2]") != std::string::npos);
    CHECK(out.names == std::vector<std::string>{"unchanged"});  // *out untouched on error
  }
}

TEST_CASE("StripQueryParams removes dropped parameters and keeps the order of the others") {
  CHECK(Strip("http://x.example/p?b=2&utm_source=x&a=1&gclid=y&c=3") ==
        "http://x.example/p?b=2&a=1&c=3");
  CHECK(Strip("http://x.example/p?z=1&y=2&x=3") == "http://x.example/p?z=1&y=2&x=3");
  CHECK(Strip("http://x.example/p?UTM_Source=a&Id=7&FBCLID=b") == "http://x.example/p?Id=7");
  CHECK(Strip("http://x.example/p?utm_source=a&utm_medium=b&utm_campaign=c&id=1") ==
        "http://x.example/p?id=1");
  // A value may contain '='; only the name before the first '=' counts.
  CHECK(Strip("http://x.example/p?q=a=b&utm_x=1=2") == "http://x.example/p?q=a=b");
  // A name that merely contains a tracking name is kept.
  CHECK(Strip("http://x.example/p?my_utm_source=1&sidebar=2") ==
        "http://x.example/p?my_utm_source=1&sidebar=2");
}

TEST_CASE("StripQueryParams removes the '?' when no parameter remains") {
  CHECK(Strip("http://x.example/p?utm_source=a&fbclid=b") == "http://x.example/p");
  CHECK(Strip("http://x.example/?gclid=1") == "http://x.example/");
  CHECK(Strip("http://x.example/p?utm_source=a&&") == "http://x.example/p");
}

TEST_CASE("StripQueryParams handles parameters without '=' and empty segments") {
  CHECK(Strip("http://x.example/p?utm_source&a") == "http://x.example/p?a");
  CHECK(Strip("http://x.example/p?gclid") == "http://x.example/p");
  CHECK(Strip("http://x.example/p?a&b") == "http://x.example/p?a&b");
  CHECK(Strip("http://x.example/p?=v&gclid=1") == "http://x.example/p?=v");
  // Nothing dropped: the URL is returned as it is, empty segments included.
  CHECK(Strip("http://x.example/p?a=1&&b=2") == "http://x.example/p?a=1&&b=2");
  // Something dropped: empty segments go too.
  CHECK(Strip("http://x.example/p?a=1&&gclid=2&&b=2&") == "http://x.example/p?a=1&b=2");
  // ';' is not a query separator.
  CHECK(Strip("http://x.example/p?a=1;utm_source=2") == "http://x.example/p?a=1;utm_source=2");
}

TEST_CASE("StripQueryParams matches percent-encoded names") {
  // Canonicalization already decodes %5F ('_' is unreserved) ...
  std::string canon;
  REQUIRE(CanonicalizeUrl("http://x.example/p?utm%5Fsource=1&a=2", &canon).ok());
  CHECK(canon == "http://x.example/p?utm_source=1&a=2");
  CHECK(Strip(canon) == "http://x.example/p?a=2");
  // ... and names are decoded before comparing anyway.
  CHECK(Strip("http://x.example/p?utm%5Fsource=1&a=2") == "http://x.example/p?a=2");
  CHECK(Strip("http://x.example/p?%67clid=1&a=2") == "http://x.example/p?a=2");
  // An encoded '=' is part of the name, not its end.
  CHECK(Strip("http://x.example/p?gclid%3D1&a=2") == "http://x.example/p?gclid%3D1&a=2");
}

TEST_CASE("StripQueryParams removes session-id path parameters") {
  CHECK(Strip("http://x.example/a;jsessionid=0A1B2C3D") == "http://x.example/a");
  CHECK(Strip("http://x.example/a;jsessionid=0A1B?x=1") == "http://x.example/a?x=1");
  CHECK(Strip("http://x.example/a;JSESSIONID=0A1B?x=1&utm_source=z") == "http://x.example/a?x=1");
  CHECK(Strip("http://x.example/a;jsessionid=1/b.html") == "http://x.example/a/b.html");
  CHECK(Strip("http://x.example/a;v=2;jsessionid=1;w=3") == "http://x.example/a;v=2;w=3");
  CHECK(Strip("http://x.example/;phpsessid=abc") == "http://x.example/");
  CHECK(Strip("http://x.example/a;aspsessionidQAQB=1") == "http://x.example/a");
  // Other path parameters, and tracking names that are not session ids, stay.
  CHECK(Strip("http://x.example/a;v=2") == "http://x.example/a;v=2");
  CHECK(Strip("http://x.example/a;utm_source=2") == "http://x.example/a;utm_source=2");
  CHECK(Strip("http://x.example/a;jsessionid") == "http://x.example/a;jsessionid");
  // Only session ids the filter drops.
  QueryFilter utm_only;
  REQUIRE(QueryFilter::Parse({"utm_*"}, &utm_only).ok());
  CHECK(StripQueryParams("http://x.example/a;jsessionid=1?utm_source=2", utm_only) ==
        "http://x.example/a;jsessionid=1");
  // Removing the parameter can expose a dot segment; the result is canonical.
  CHECK(Strip("http://x.example/a/..;jsessionid=1/b") == "http://x.example/b");
  // ';' in the authority is not a path parameter.
  CHECK(Strip("http://x.example:8080/p;sid=1") == "http://x.example:8080/p");
}

TEST_CASE("StripQueryParams: fragments are gone, an empty filter changes nothing") {
  std::string canon;
  REQUIRE(CanonicalizeUrl("http://x.example/p?utm_source=a#frag", &canon).ok());
  CHECK(canon == "http://x.example/p?utm_source=a");
  CHECK(Strip(canon) == "http://x.example/p");
  // Should a fragment be there, it is not taken for query parameters, and goes.
  CHECK(Strip("http://x.example/p?a=1#utm_source=2") == "http://x.example/p?a=1");
  CHECK(Strip("http://x.example/p?utm_source=1#a=2") == "http://x.example/p");
  CHECK(StripQueryParams("http://x.example/p?utm_source=1", QueryFilter()) ==
        "http://x.example/p?utm_source=1");
  CHECK(Strip("http://x.example/p") == "http://x.example/p");
  CHECK(Strip("http://x.example/p?") == "http://x.example/p?");  // not canonical; unchanged
}

TEST_CASE("StripQueryParams is idempotent and its results are canonical") {
  const std::vector<std::string> inputs = {
      "http://x.example/p?b=2&utm_source=x&a=1&gclid=y&c=3",
      "http://x.example/p?utm_source=a&fbclid=b",
      "http://x.example/a;jsessionid=1/b;sid=2?utm_x&&y=1&",
      "http://x.example/a/..;jsessionid=1/b?c=%2F",
      "https://b\xC3\xBC" "cher.de/\xC3\xA4?spm=1&\xC3\xB6=2",
      "http://x.example/a%252F?_ga=1&q=%41",
  };
  for (const std::string& in : inputs) {
    CAPTURE(in);
    std::string canon;
    REQUIRE(CanonicalizeUrl(in, &canon).ok());
    const std::string once = Strip(canon);
    CHECK(Strip(once) == once);
    std::string again;
    REQUIRE(CanonicalizeUrl(once, &again).ok());
    CHECK(again == once);
  }
}

}  // namespace
}  // namespace swarmcrawl
