// Clock: the source of time, injected so tests can control it.
//
// NowMs() is wall-clock milliseconds since the Unix epoch (what gets stored
// and shown); MonoMs() is a monotonic millisecond counter (what timeouts,
// heartbeats and pacing are measured with). SystemClock is the real one;
// ManualClock only moves when a test advances it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace swarmcrawl {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
  virtual int64_t MonoMs() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t MonoMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(); }
  int64_t MonoMs() const override { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace swarmcrawl
