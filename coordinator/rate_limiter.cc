#include "coordinator/rate_limiter.h"

#include <algorithm>

namespace swarmcrawl {

bool RateLimiter::Allow(const std::string& peer, int64_t now_ms) {
  if (now_ms - last_prune_ms_ > 60000) Prune(now_ms);
  auto [it, added] = buckets_.try_emplace(peer);
  Bucket& b = it->second;
  if (added) {
    b.tokens = burst_;
    b.at_ms = now_ms;
  } else {
    b.tokens = std::min(burst_, b.tokens + rate_ * static_cast<double>(now_ms - b.at_ms) / 1000.0);
    b.at_ms = now_ms;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

bool RateLimiter::ShouldWarn(const std::string& peer, int64_t now_ms) {
  auto it = buckets_.find(peer);
  if (it == buckets_.end() || now_ms - it->second.warned_ms < 1000) return false;
  it->second.warned_ms = now_ms;
  return true;
}

void RateLimiter::Prune(int64_t now_ms) {
  last_prune_ms_ = now_ms;
  std::erase_if(buckets_, [now_ms](const auto& kv) { return now_ms - kv.second.at_ms > 60000; });
}

}  // namespace swarmcrawl
