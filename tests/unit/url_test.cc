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
      // Some abnormal examples (5.4.2) with unambiguous answers.
      {"../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {"..g", "http://a/b/c/..g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g;x=1/../y", "http://a/b/c/y"},
  };
  for (const auto& [ref, want] : cases) {
    CAPTURE(ref);
    CHECK(Resolve(base, ref) == want);
  }
  CHECK(Resolve(base, "g:h") == "ERROR bad_scheme");
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

}  // namespace
}  // namespace swarmcrawl
