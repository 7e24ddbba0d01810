// Fetcher: many concurrent HTTP transfers in one thread (libcurl multi).
//
// Add() queues a request; Poll() drives every transfer for at most
// `timeout_ms` (waking early for `extra_fd` readiness or Wakeup() from another
// thread) and moves finished transfers to the completed list; TakeCompleted()
// hands them over. Every request ends in exactly one FetchResult: either a
// response (any status) or an error `reason`.
//
// Limits a hostile server cannot exceed: body size (aborted past max_body_bytes,
// counted after decompression), header size, redirects (per request),
// connect/total timeouts and a low-speed abort. Unless allow_private_networks
// is set, a connection to a loopback, private, link-local, CGNAT, multicast,
// unspecified or metadata address is refused at connect time, which covers DNS
// answers and every redirect hop. Only http and https are ever spoken.
//
// Not thread-safe except Wakeup(); owned and driven by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swarmcrawl {

struct FetchLimits {
  size_t max_body_bytes = 10 << 20;
  size_t max_header_bytes = 64 << 10;
  long connect_timeout_ms = 10000;
  long total_timeout_ms = 30000;
  long low_speed_bytes_per_s = 512;  // abort when slower than this ...
  long low_speed_seconds = 10;       // ... for this long
  bool allow_private_networks = false;
  // Non-public addresses allowed anyway, as numeric literals ("127.0.0.1"):
  // a local test site, without opening every private network.
  std::vector<std::string> allowed_addresses;
  // Name resolution overrides, "HOST:PORT:ADDRESS" as curl's --resolve (for
  // tests and debugging). The address is still checked like any DNS answer.
  std::vector<std::string> resolve;
};

struct FetchRequest {
  uint64_t id = 0;
  std::string url;
  std::string user_agent;
  int max_redirects = 0;  // 0: a 3xx is returned as the result
  size_t max_body_bytes = 0;  // 0: FetchLimits::max_body_bytes
  // Keep the first max_body_bytes of a longer body and end the transfer
  // there as a success (truncated set), rather than failing with too_large:
  // robots.txt is read up to a limit (RFC 9309 section 2.5).
  bool truncate_body = false;
  std::string if_none_match;      // optional conditional-GET validators
  std::string if_modified_since;
};

struct FetchResult {
  uint64_t id = 0;
  std::string url;        // as requested
  std::string final_url;  // after redirects (== url when none were followed)
  long status = 0;        // HTTP status; 0 when no response
  std::string content_type;  // lower-cased media type without parameters, e.g. "text/html"
  std::string charset;       // from Content-Type parameters, lower-cased; may be empty
  std::string location;      // Location header of a 3xx, as sent
  std::string etag, last_modified, retry_after;
  std::vector<std::string> x_robots_tag;  // every X-Robots-Tag header value (at most 32)
  std::string tdm_reservation, tdm_policy;  // TDMRep headers
  std::string primary_ip;    // address of the server that answered
  // The final response's status line and header lines as received (CRLFs
  // kept, ending with the blank line), for WARC response records.
  std::string response_head;
  std::string body;          // decoded (decompressed) body, at most max_body_bytes
  bool truncated = false;    // truncate_body cut the body at max_body_bytes
  uint64_t wire_bytes = 0;   // bytes received on the wire (headers + body)
  int64_t started_at_ms = 0;  // wall clock, ms since epoch
  double elapsed_s = 0;
  // From Add() until the last request (after any redirects followed) went
  // out: connection set-up, redirect hops and queueing inside libcurl.
  // Politeness spaces requests from this moment.
  double sent_after_s = 0;
  // Empty on a response. Otherwise one of: "too_large", "timeout", "dns_error",
  // "connect_error", "blocked_address", "too_many_redirects", "tls_error",
  // "bad_response", "network_error".
  std::string reason;
  std::string detail;  // libcurl's message, for logs
};

class Fetcher {
 public:
  explicit Fetcher(const FetchLimits& limits);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  void Add(FetchRequest request);
  // Drives transfers; returns within about timeout_ms. extra_fd (if >= 0) is
  // polled for readability too (e.g. a ZeroMQ socket's ZMQ_FD).
  void Poll(int timeout_ms, int extra_fd = -1);
  void TakeCompleted(std::vector<FetchResult>* out);
  size_t in_flight() const;
  // Thread-safe: makes a blocked Poll() return early.
  void Wakeup();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swarmcrawl
