// NetGuard: decides whether the crawler may open a connection to an address.
//
// A crawler fetches URLs chosen by strangers (links on pages, redirects), so
// without a guard anyone can point it at the machine it runs on or the
// network around it: loopback admin ports, cloud metadata services
// (169.254.169.254, fd00:ec2::254), RFC 1918 / CGNAT / ULA networks, and so
// on (server-side request forgery). Checking host *names* is not enough: DNS
// can answer with any address and can change its answer between check and
// use. The fetcher therefore calls IsBlockedAddress() on the resolved address
// right before each socket is opened, which covers every DNS answer and every
// redirect hop.
//
// Blocked: IPv4 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
// 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24,
// 203.0.113/24, 224/4, 240/4 (which includes 255.255.255.255); IPv6 ::/96
// (unspecified, loopback, IPv4-compatible), fc00::/7, fe80::/10, fec0::/10,
// ff00::/8, 2001:db8::/32, 100::/64, 64:ff9b:1::/48. Addresses that embed an
// IPv4 address (::ffff:0:0/96 mapped, ::ffff:0:0:0/96 translated,
// 64:ff9b::/96 NAT64, 2002::/16 6to4) are judged by the embedded address.
// Anything that is not IPv4 or IPv6, or cannot be parsed, is blocked: the
// guard fails closed.
//
// Pure functions over their arguments; thread-safe.
#pragma once

#include <sys/socket.h>

#include <string_view>

namespace swarmcrawl {

// `sa` points at `len` bytes of a sockaddr_in or sockaddr_in6.
bool IsBlockedAddress(const struct sockaddr* sa, socklen_t len);

// `ip` is a numeric IPv4 ("10.0.0.1") or IPv6 ("::1", "[::1]") literal.
// Meant for tests and configuration checks; never resolves names.
bool IsBlockedAddressLiteral(std::string_view ip);

}  // namespace swarmcrawl
