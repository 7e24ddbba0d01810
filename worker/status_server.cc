#include "worker/status_server.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/protocol.h"

namespace swarmcrawl {

namespace {
constexpr int64_t kRateWindowMs = 60000;
}  // namespace

struct WorkerStatusServer::Impl {
  WorkerStatusInfo info;
  std::function<WorkerStats()> stats;
  const Clock* clock;
  httplib::Server server;
  std::thread serve_thread, sample_thread;
  int port = 0;
  int64_t started_ms = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::deque<std::pair<int64_t, int64_t>> samples;  // (mono ms, pages)

  void Sample() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      const int64_t now = clock->MonoMs();
      const int64_t pages = stats().pages;
      samples.emplace_back(now, pages);
      while (!samples.empty() && now - samples.front().first > kRateWindowMs) samples.pop_front();
      cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; });
    }
  }

  nlohmann::json Snapshot() {
    const WorkerStats s = stats();
    const int64_t now = clock->MonoMs();
    double rate = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!samples.empty() && now > samples.front().first) {
        rate = static_cast<double>(s.pages - samples.front().second) * 1000.0 /
               static_cast<double>(now - samples.front().first);
      }
    }
    auto optional = [](int64_t v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(v); };
    return {{"worker_id", info.worker_id},
            {"contributor", info.contributor},
            {"fingerprint", Fingerprint(info.contributor)},
            {"name", info.name},
            {"coordinator", info.coordinator},
            {"connected", s.connected},
            {"uptime_s", (now - started_ms) / 1000},
            {"pages", s.pages},
            {"bytes", s.bytes},
            {"entries", s.entries},
            {"leases", s.leases},
            {"pages_per_s", rate},
            {"errors", s.errors},
            {"errors_by_reason", s.errors_by_reason},
            {"batches_unacknowledged", s.unacked},
            {"batches_rejected", s.rejected},
            {"credit",
             {{"credited_pages", s.credited},
              {"pending", optional(s.credit_pending)},
              {"accepted", optional(s.credit_accepted)},
              {"items_rejected", optional(s.items_rejected)}}}};
  }
};

WorkerStatusServer::WorkerStatusServer(WorkerStatusInfo info, std::function<WorkerStats()> stats,
                                       const Clock* clock)
    : impl_(new Impl) {
  impl_->info = std::move(info);
  impl_->stats = std::move(stats);
  impl_->clock = clock;
}

WorkerStatusServer::~WorkerStatusServer() { Stop(); }

Status WorkerStatusServer::Start(const std::string& host, int port) {
  Impl* impl = impl_.get();
  impl->started_ms = impl->clock->MonoMs();
  auto handler = [impl](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(DumpJson(impl->Snapshot()), "application/json");
  };
  impl->server.Get("/status", handler);
  impl->server.Get("/", handler);
  impl->port = port == 0 ? impl->server.bind_to_any_port(host)
                         : (impl->server.bind_to_port(host, port) ? port : -1);
  if (impl->port <= 0) {
    return Status::Error("io", "cannot listen on " + host + ":" + std::to_string(port) +
                                   " for --status-port");
  }
  impl->serve_thread = std::thread([impl] { impl->server.listen_after_bind(); });
  impl->sample_thread = std::thread([impl] { impl->Sample(); });
  return Status::OK();
}

void WorkerStatusServer::Stop() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->sample_thread.joinable()) impl_->sample_thread.join();
  if (impl_->serve_thread.joinable()) {
    impl_->server.stop();
    impl_->serve_thread.join();
  }
}

int WorkerStatusServer::port() const { return impl_->port; }

}  // namespace swarmcrawl
