#include "core/netguard.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

// Every address here is a literal that is only classified; nothing in this
// file opens a socket.

namespace swarmcrawl {
namespace {

bool Blocked(const std::string& ip) { return IsBlockedAddressLiteral(ip); }

TEST_CASE("IsBlockedAddressLiteral blocks every special-purpose IPv4 range, edges included") {
  const char* blocked[] = {
      "0.0.0.0",         "0.255.255.255",   "10.0.0.0",        "10.255.255.255", "100.64.0.0",
      "100.127.255.255", "127.0.0.1",       "127.255.255.254", "169.254.0.1",    "169.254.169.254",
      "172.16.0.0",      "172.31.255.255",  "192.0.0.1",       "192.0.0.255",    "192.0.2.1",
      "192.168.0.1",     "192.168.255.255", "198.18.0.1",      "198.19.255.255", "198.51.100.7",
      "203.0.113.9",     "224.0.0.1",       "239.255.255.250", "240.0.0.1",      "255.255.255.255",
      "192.88.99.1",  // 6to4 relay anycast
  };
  for (const char* ip : blocked) {
    INFO(ip);
    CHECK(Blocked(ip));
  }
}

TEST_CASE("IsBlockedAddressLiteral allows public IPv4, including neighbours of blocked ranges") {
  const char* allowed[] = {
      "8.8.8.8",        "1.1.1.1",     "93.184.216.34",   "1.0.0.0",       "9.255.255.255",   "11.0.0.0",
      "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",     "169.253.255.255", "169.255.0.0",
      "172.15.255.255", "172.32.0.0",  "192.0.1.0",       "192.0.3.0",     "192.167.255.255", "192.169.0.0",
      "198.17.255.255", "198.20.0.0",  "198.51.99.255",   "203.0.112.255", "223.255.255.255",
  };
  for (const char* ip : allowed) {
    INFO(ip);
    CHECK_FALSE(Blocked(ip));
  }
}

TEST_CASE("IsBlockedAddressLiteral blocks special-purpose IPv6 ranges") {
  const char* blocked[] = {
      "::",                // unspecified
      "::1",               // loopback
      "::7f00:1",          // IPv4-compatible (deprecated)
      "::808:808",         // IPv4-compatible, even with a public IPv4 inside
      "fc00::1",           // unique local
      "fdff:ffff::1",      // unique local
      "fd00:ec2::254",     // AWS metadata
      "fe80::1",           // link-local
      "febf:ffff::1",      // link-local, upper edge
      "fec0::1",           // site-local
      "ff02::1",           // multicast
      "ff0e::1",           // multicast
      "2001:db8::1",       // documentation
      "2001:db8:ffff::1",  // documentation
      "100::1",            // discard-only
      "64:ff9b:1::1",      // local-use NAT64
      "2001:0:4136:e378:8000:63bf:3fff:fdd2",  // Teredo (tunnels to an embedded IPv4 peer)
      "2001::1",           // Teredo prefix
      "[::1]",             // bracketed form as in URLs
  };
  for (const char* ip : blocked) {
    INFO(ip);
    CHECK(Blocked(ip));
  }
}

TEST_CASE("IsBlockedAddressLiteral judges IPv6 forms that embed IPv4 by the embedded address") {
  // IPv4-mapped.
  CHECK(Blocked("::ffff:127.0.0.1"));
  CHECK(Blocked("::ffff:169.254.169.254"));
  CHECK(Blocked("::ffff:10.1.2.3"));
  CHECK(Blocked("::ffff:a9fe:a9fe"));
  CHECK_FALSE(Blocked("::ffff:8.8.8.8"));
  // IPv4-translated (SIIT).
  CHECK(Blocked("::ffff:0:192.168.1.1"));
  CHECK_FALSE(Blocked("::ffff:0:1.1.1.1"));
  // NAT64 well-known prefix.
  CHECK(Blocked("64:ff9b::127.0.0.1"));
  CHECK(Blocked("64:ff9b::a9fe:a9fe"));
  CHECK_FALSE(Blocked("64:ff9b::8.8.8.8"));
  // 6to4.
  CHECK(Blocked("2002:7f00:1::1"));
  CHECK(Blocked("2002:c0a8:101::1"));
  CHECK_FALSE(Blocked("2002:808:808::1"));
}

TEST_CASE("IsBlockedAddressLiteral allows public IPv6") {
  const char* allowed[] = {"2606:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001::1",
                           "2001:db9::1",     "fbff:ffff::1",         "fe7f::1"};
  for (const char* ip : allowed) {
    INFO(ip);
    CHECK_FALSE(Blocked(ip));
  }
}

TEST_CASE("IsBlockedAddressLiteral fails closed on anything that is not an IP literal") {
  CHECK(Blocked(""));
  CHECK(Blocked("example.com"));
  CHECK(Blocked("127.1"));
  CHECK(Blocked("8.8.8.8.8"));
  CHECK(Blocked("fe80::1%eth0"));
  CHECK(Blocked("[8.8.8.8"));
  CHECK(Blocked(std::string("8.8.8.8\0", 8)));
}

TEST_CASE("IsBlockedAddress reads sockaddr_in and sockaddr_in6") {
  sockaddr_in v4;
  std::memset(&v4, 0, sizeof(v4));
  v4.sin_family = AF_INET;
  v4.sin_port = htons(80);
  REQUIRE(inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr) == 1);
  CHECK(IsBlockedAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4)));
  REQUIRE(inet_pton(AF_INET, "8.8.8.8", &v4.sin_addr) == 1);
  CHECK_FALSE(IsBlockedAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4)));
  // A truncated address cannot be judged, so it is refused.
  CHECK(IsBlockedAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4) - 1));

  sockaddr_in6 v6;
  std::memset(&v6, 0, sizeof(v6));
  v6.sin6_family = AF_INET6;
  REQUIRE(inet_pton(AF_INET6, "::ffff:192.168.0.1", &v6.sin6_addr) == 1);
  CHECK(IsBlockedAddress(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6)));
  REQUIRE(inet_pton(AF_INET6, "2606:4700::1111", &v6.sin6_addr) == 1);
  CHECK_FALSE(IsBlockedAddress(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6)));
  CHECK(IsBlockedAddress(reinterpret_cast<const sockaddr*>(&v6), sizeof(sockaddr_in)));

  sockaddr other;
  std::memset(&other, 0, sizeof(other));
  other.sa_family = AF_UNIX;
  CHECK(IsBlockedAddress(&other, sizeof(other)));
  CHECK(IsBlockedAddress(nullptr, 0));
}

}  // namespace
}  // namespace swarmcrawl
