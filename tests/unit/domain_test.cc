#include "core/domain.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace swarmcrawl {
namespace {

// One list for the whole file: loading it reads a 54 KB file.
const PublicSuffixList& List() {
  static const PublicSuffixList list;
  return list;
}

TEST_CASE("PublicSuffixList says where its list came from") {
  CAPTURE(List().source());
  CHECK_FALSE(List().source().empty());
  CHECK(List().source().rfind("none", 0) != 0);
}

TEST_CASE("RegistrableDomain: ICANN suffixes, one and two labels") {
  CHECK(List().RegistrableDomain("www.example.co.uk") == "example.co.uk");
  CHECK(List().RegistrableDomain("a.b.example.co.uk") == "example.co.uk");
  CHECK(List().RegistrableDomain("example.co.uk") == "example.co.uk");
  CHECK(List().RegistrableDomain("example.com") == "example.com");
  CHECK(List().RegistrableDomain("www.example.com") == "example.com");
  CHECK(List().RegistrableDomain("deep.sub.example.com") == "example.com");
}

TEST_CASE("RegistrableDomain of a public suffix itself is empty") {
  CHECK(List().RegistrableDomain("co.uk") == "");
  CHECK(List().RegistrableDomain("com") == "");
  CHECK(List().RegistrableDomain("uk") == "");
  CHECK(List().RegistrableDomain("github.io") == "");
  CHECK(List().RegistrableDomain("") == "");
}

TEST_CASE("RegistrableDomain uses the list's private section") {
  CHECK(List().RegistrableDomain("user.github.io") == "user.github.io");
  CHECK(List().RegistrableDomain("www.user.github.io") == "user.github.io");
  CHECK(List().RegistrableDomain("other.github.io") == "other.github.io");
}

TEST_CASE("unknown top-level domains are public suffixes (the implicit '*' rule)") {
  // "localhost" is not in the list; libpsl treats every unknown TLD as a
  // public suffix, so localhost has no registrable domain and each of its
  // subdomains is one of its own.
  CHECK(List().IsPublicSuffix("localhost"));
  CHECK(List().RegistrableDomain("localhost") == "");
  CHECK(List().RegistrableDomain("a.localhost") == "a.localhost");
  CHECK(List().RegistrableDomain("b.a.localhost") == "a.localhost");
  CHECK(List().RegistrableDomain("a.b.c.example.invalid") == "example.invalid");
}

TEST_CASE("RegistrableDomain of an IP literal is the IP itself") {
  CHECK(List().RegistrableDomain("192.168.0.1") == "192.168.0.1");
  CHECK(List().RegistrableDomain("127.0.0.1") == "127.0.0.1");
  CHECK(List().RegistrableDomain("::1") == "::1");
  CHECK(List().RegistrableDomain("[::1]") == "[::1]");
  CHECK(List().RegistrableDomain("2001:db8::1") == "2001:db8::1");
  CHECK(List().RegistrableDomain("::ffff:1.2.3.4") == "::ffff:1.2.3.4");
  // No public suffix is numeric: such hosts are not split either.
  CHECK(List().RegistrableDomain("999.999.999.999") == "999.999.999.999");
  CHECK_FALSE(List().IsPublicSuffix("192.168.0.1"));
  CHECK_FALSE(List().IsPublicSuffix("::1"));
  CHECK_FALSE(List().IsPublicSuffix("[::1]"));
}

TEST_CASE("RegistrableDomain works on punycode hosts") {
  CHECK(List().RegistrableDomain("xn--bcher-kva.de") == "xn--bcher-kva.de");
  CHECK(List().RegistrableDomain("www.xn--bcher-kva.de") == "xn--bcher-kva.de");
  // xn--p1ai is .рф, an IDN top-level domain.
  CHECK(List().RegistrableDomain("www.xn--80ak6aa92e.xn--p1ai") == "xn--80ak6aa92e.xn--p1ai");
  CHECK(List().IsPublicSuffix("xn--p1ai"));
}

TEST_CASE("RegistrableDomain lower-cases ASCII") {
  CHECK(List().RegistrableDomain("WWW.Example.CO.UK") == "example.co.uk");
  CHECK(List().IsPublicSuffix("CO.UK"));
}

TEST_CASE("IsPublicSuffix") {
  CHECK(List().IsPublicSuffix("com"));
  CHECK(List().IsPublicSuffix("co.uk"));
  CHECK(List().IsPublicSuffix("github.io"));
  CHECK_FALSE(List().IsPublicSuffix("example.com"));
  CHECK_FALSE(List().IsPublicSuffix("example.co.uk"));
  CHECK_FALSE(List().IsPublicSuffix("user.github.io"));
  CHECK_FALSE(List().IsPublicSuffix(""));
}

TEST_CASE("PublicSuffixList is movable and usable from several threads") {
  PublicSuffixList a;
  const std::string source = a.source();
  PublicSuffixList b(std::move(a));
  CHECK(b.source() == source);
  CHECK(b.RegistrableDomain("www.example.co.uk") == "example.co.uk");
  PublicSuffixList c;
  c = std::move(b);
  CHECK(c.RegistrableDomain("www.example.co.uk") == "example.co.uk");
  // A moved-from list still answers, with the last two labels.
  CHECK(b.RegistrableDomain("www.example.com") == "example.com");  // NOLINT(bugprone-use-after-move)

  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&c, &results, t] {
      std::string r;
      for (int i = 0; i < 200; ++i) r = c.RegistrableDomain("a.b.example.co.uk");
      results[t] = r;
    });
  }
  for (std::thread& th : threads) th.join();
  for (const std::string& r : results) CHECK(r == "example.co.uk");
}

}  // namespace
}  // namespace swarmcrawl
