// WorkerStatusServer: a contributor's own view of their worker, as JSON over
// HTTP (`swarmcrawl worker --status-port P`, docs/api.md "Worker status").
//
// GET /status (and /) answers: worker id, contributor fingerprint,
// coordinator, connected, uptime, pages / bytes / errors (by reason),
// pages per second over the last minute, batches awaiting acknowledgement,
// and credit pending / accepted as the coordinator last reported it.
// Listens on loopback by default: the status is the contributor's, not the
// world's. A sampler thread records the page count once a second for the
// rate; Stop (or the destructor) joins both threads.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "worker/worker.h"

namespace swarmcrawl {

struct WorkerStatusInfo {
  std::string worker_id;
  std::string contributor;  // hex public key
  std::string name;
  std::string coordinator;
};

class WorkerStatusServer {
 public:
  // `stats` is called from the server's threads; it must be thread-safe
  // (Worker::stats is).
  WorkerStatusServer(WorkerStatusInfo info, std::function<WorkerStats()> stats, const Clock* clock);
  ~WorkerStatusServer();
  WorkerStatusServer(const WorkerStatusServer&) = delete;
  WorkerStatusServer& operator=(const WorkerStatusServer&) = delete;

  Status Start(const std::string& host, int port);  // port 0: any free port
  void Stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swarmcrawl
