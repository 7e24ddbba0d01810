// LiveStatus: what only the running coordinator knows (connected workers,
// pages per second), published for readers on other threads (the HTTP API).
//
// The coordinator's event loop calls Publish about once a second with a
// fresh snapshot; readers take a copy under the mutex. Rates are computed
// here from successive snapshots, so the loop only counts. The rate history
// is a ring of `history` points (default 10 minutes at one point a second).
// Thread-safe; owns no socket and no database.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace swarmcrawl {

struct WorkerLive {
  std::string worker_id;
  std::string contributor;  // hex Ed25519 public key
  std::string name;
  int64_t capacity = 0;
  int64_t active_leases = 0;
  int64_t pages = 0;            // records stored from this session's batches
  int64_t connected_at_ms = 0;  // wall clock
  int64_t last_seen_ms = 0;     // wall clock of its last message
  double pages_per_s = 0;       // filled in by Publish
};

struct RatePoint {
  int64_t t = 0;  // wall clock, ms
  double pages_per_s = 0;
  int64_t records = 0;
};

struct LiveSnapshot {
  int64_t now_ms = 0;           // when it was published
  int64_t started_at_ms = 0;
  int64_t records = 0;          // records in the store
  int64_t batches = 0;          // batches accepted since start
  int64_t rejected = 0;         // batches rejected since start
  double pages_per_s = 0;       // over the last interval
  int64_t interval_ms = 0;
  std::vector<WorkerLive> workers;
  std::vector<RatePoint> series;  // oldest first
};

class LiveStatus {
 public:
  explicit LiveStatus(size_t history = 600) : history_(history) {}

  // `workers[i].pages` are running totals; per-worker rates come from the
  // previous snapshot of the same worker_id.
  void Publish(int64_t now_ms, int64_t records, int64_t batches, int64_t rejected,
               std::vector<WorkerLive> workers);

  LiveSnapshot Read() const;
  bool published() const;

 private:
  mutable std::mutex mu_;
  size_t history_;
  LiveSnapshot current_;
  std::deque<RatePoint> series_;
  std::map<std::string, std::pair<int64_t, int64_t>> last_pages_;  // worker -> (t, pages)
};

}  // namespace swarmcrawl
