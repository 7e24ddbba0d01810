#include "core/netguard.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace swarmcrawl {
namespace {

struct V4Range {
  uint32_t base;
  int prefix;
};

constexpr uint32_t V4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// Special-purpose ranges (RFC 6890 and friends) that are never a legitimate
// public web server.
constexpr V4Range kBlockedV4[] = {
    {V4(0, 0, 0, 0), 8},        // "this network"; 0.0.0.0 reaches localhost on Linux
    {V4(10, 0, 0, 0), 8},       // RFC 1918
    {V4(100, 64, 0, 0), 10},    // CGNAT shared space
    {V4(127, 0, 0, 0), 8},      // loopback
    {V4(169, 254, 0, 0), 16},   // link-local, incl. cloud metadata 169.254.169.254
    {V4(172, 16, 0, 0), 12},    // RFC 1918
    {V4(192, 0, 0, 0), 24},     // IETF protocol assignments
    {V4(192, 0, 2, 0), 24},     // TEST-NET-1
    {V4(192, 88, 99, 0), 24},   // deprecated 6to4 relay anycast (reaches a relay, not a site)
    {V4(192, 168, 0, 0), 16},   // RFC 1918
    {V4(198, 18, 0, 0), 15},    // benchmarking
    {V4(198, 51, 100, 0), 24},  // TEST-NET-2
    {V4(203, 0, 113, 0), 24},   // TEST-NET-3
    {V4(224, 0, 0, 0), 4},      // multicast
    {V4(240, 0, 0, 0), 4},      // reserved, incl. broadcast 255.255.255.255
};

bool IsBlockedV4(uint32_t addr) {
  for (const V4Range& r : kBlockedV4) {
    uint32_t mask = r.prefix == 0 ? 0 : ~uint32_t{0} << (32 - r.prefix);
    if ((addr & mask) == r.base) return true;
  }
  return false;
}

uint32_t LoadV4(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// True when the first `bits` bits of `a` equal those of `prefix`.
bool HasPrefix(const uint8_t a[16], const uint8_t prefix[16], int bits) {
  int full = bits / 8;
  if (std::memcmp(a, prefix, full) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (prefix[full] & mask);
}

bool IsBlockedV6(const uint8_t a[16]) {
  // Ranges that embed an IPv4 address reach whatever that address reaches
  // (the kernel, a NAT64 gateway or a 6to4 relay translates), so they are
  // judged by it.
  static constexpr uint8_t kMapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr uint8_t kTranslated[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
  static constexpr uint8_t kNat64[16] = {0, 0x64, 0xff, 0x9b};
  static constexpr uint8_t kSixToFour[16] = {0x20, 0x02};
  if (HasPrefix(a, kMapped, 96)) return IsBlockedV4(LoadV4(a + 12));
  if (HasPrefix(a, kTranslated, 96)) return IsBlockedV4(LoadV4(a + 12));
  if (HasPrefix(a, kNat64, 96)) return IsBlockedV4(LoadV4(a + 12));
  if (HasPrefix(a, kSixToFour, 16)) return IsBlockedV4(LoadV4(a + 2));

  struct V6Range {
    uint8_t base[16];
    int prefix;
  };
  static constexpr V6Range kBlocked[] = {
      {{0}, 96},                                   // ::, ::1 and deprecated IPv4-compatible
      {{0xfc}, 7},                                 // unique local, incl. AWS metadata fd00:ec2::254
      {{0xfe, 0x80}, 10},                          // link-local
      {{0xfe, 0xc0}, 10},                          // deprecated site-local
      {{0xff}, 8},                                 // multicast
      {{0x20, 0x01, 0x0d, 0xb8}, 32},              // documentation
      {{0x01, 0x00}, 64},                          // discard-only
      {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48},  // local-use NAT64
      {{0x20, 0x01, 0x00, 0x00}, 32},              // Teredo: tunnels to an embedded IPv4 peer
  };
  for (const V6Range& r : kBlocked) {
    if (HasPrefix(a, r.base, r.prefix)) return true;
  }
  return false;
}

}  // namespace

bool IsBlockedAddress(const struct sockaddr* sa, socklen_t len) {
  if (sa == nullptr) return true;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in;
    std::memcpy(&in, sa, sizeof(in));
    return IsBlockedV4(ntohl(in.sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6;
    std::memcpy(&in6, sa, sizeof(in6));
    return IsBlockedV6(in6.sin6_addr.s6_addr);
  }
  return true;
}

bool IsBlockedAddressLiteral(std::string_view ip) {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  // inet_pton stops at a NUL, which would let "8.8.8.8\0junk" pass.
  if (ip.find('\0') != std::string_view::npos) return true;
  std::string s(ip);
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return IsBlockedV4(ntohl(v4.s_addr));
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) return IsBlockedV6(v6.s6_addr);
  return true;
}

}  // namespace swarmcrawl
