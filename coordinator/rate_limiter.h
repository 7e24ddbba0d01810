// RateLimiter: a token bucket per peer (ZeroMQ routing id), so one connection
// cannot flood the coordinator's single event loop. Each peer may send
// `burst` messages at once and `rate` per second after that; a peer not heard
// from for a minute is forgotten (the table stays as small as the set of
// active connections). Not thread-safe; times are the caller's monotonic ms.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace swarmcrawl {

class RateLimiter {
 public:
  RateLimiter(double rate_per_s, double burst) : rate_(rate_per_s), burst_(burst) {}

  // True when `peer` may send one more message at `now_ms` (and takes a token).
  bool Allow(const std::string& peer, int64_t now_ms);
  // True at most once a second per peer while it is being refused: whether
  // to tell it so (an ERROR reply), without answering every dropped message.
  bool ShouldWarn(const std::string& peer, int64_t now_ms);
  size_t peers() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_ms = 0;
    int64_t warned_ms = -1000000;
  };
  void Prune(int64_t now_ms);

  double rate_, burst_;
  std::unordered_map<std::string, Bucket> buckets_;
  int64_t last_prune_ms_ = 0;
};

}  // namespace swarmcrawl
