#include "coordinator/live_status.h"

namespace swarmcrawl {

void LiveStatus::Publish(int64_t now_ms, int64_t records, int64_t batches, int64_t rejected,
                         std::vector<WorkerLive> workers) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool first = current_.now_ms == 0;
  const int64_t dt = first ? 0 : now_ms - current_.now_ms;
  double rate = 0;
  if (dt > 0) rate = static_cast<double>(records - current_.records) * 1000.0 / dt;
  if (rate < 0) rate = 0;  // withdrawn records
  std::map<std::string, std::pair<int64_t, int64_t>> pages;
  for (auto& w : workers) {
    auto it = last_pages_.find(w.worker_id);
    if (it != last_pages_.end() && now_ms > it->second.first) {
      w.pages_per_s = static_cast<double>(w.pages - it->second.second) * 1000.0 /
                      (now_ms - it->second.first);
    }
    pages[w.worker_id] = {now_ms, w.pages};
  }
  last_pages_ = std::move(pages);
  if (first) current_.started_at_ms = now_ms;
  current_.now_ms = now_ms;
  current_.records = records;
  current_.batches = batches;
  current_.rejected = rejected;
  current_.interval_ms = dt;
  current_.pages_per_s = rate;
  current_.workers = std::move(workers);
  if (!first) {
    series_.push_back({now_ms, rate, records});
    while (series_.size() > history_) series_.pop_front();
  }
}

LiveSnapshot LiveStatus::Read() const {
  std::lock_guard<std::mutex> lock(mu_);
  LiveSnapshot s = current_;
  s.series.assign(series_.begin(), series_.end());
  return s;
}

bool LiveStatus::published() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_.now_ms != 0;
}

}  // namespace swarmcrawl
