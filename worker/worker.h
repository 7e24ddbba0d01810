// Worker: a contributor's crawler process. Connects to a coordinator, takes
// leases, fetches, parses, signs and returns results.
//
// Threads: the loop thread owns the ZeroMQ DEALER socket, the Fetcher (libcurl
// multi) and the spool; a ThreadPool parses pages. Protocol behaviour:
//   - HELLO with the contributor key and a worker id that stays the same across
//     reconnects; WELCOME sets heartbeat interval and liveness;
//   - credit-based flow control: the worker only ever announces credit for
//     tasks it has room for, so it never holds more than `capacity` tasks;
//   - inside a lease: at most `concurrency` requests in flight to the host and
//     consecutive request starts at least `delay_ms` apart; RELEASE when the
//     lease's last request has finished (the host may then be leased again);
//   - every result batch is signed (Ed25519 over the manifest), written to the
//     spool, then sent; it leaves the spool only when ACKed;
//   - heartbeats both ways; when the coordinator is silent for heartbeat *
//     liveness, the worker reconnects with exponential backoff (1 s .. 30 s),
//     keeps working on the leases it holds, and re-sends unacknowledged batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/status.h"
#include "parsers/html_page.h"
#include "worker/fetcher.h"

namespace swarmcrawl {

struct WorkerOptions {
  std::string coordinator = "tcp://127.0.0.1:7170";
  std::string coordinator_key;  // Z85 CurveZMQ public key; required unless plaintext
  bool plaintext = false;
  std::string spool_path = "swarmcrawl-worker.db";
  std::string name;             // shown to the coordinator
  size_t threads = 0;           // parse threads; 0 = all cores
  int64_t capacity = 512;       // most tasks held at once
  int64_t batch_entries = 64;   // entries per result batch
  int64_t batch_flush_ms = 250; // a partial batch is sent after this long
  FetchLimits fetch_limits;
  HtmlLimits html_limits;
  bool exit_on_bye = false;     // exit when the coordinator says BYE (else reconnect later)
  int progress = -1;            // 1: live progress line, 0: log lines, -1: line if stderr is a TTY
  LogLevel log_level = LogLevel::kInfo;
  zmq::context_t* context = nullptr;  // shared context for inproc:// endpoints
};

struct WorkerStats {
  int64_t pages = 0;        // stored pages (records produced)
  int64_t bytes = 0;        // body bytes of those pages
  int64_t entries = 0;      // all result entries
  int64_t errors = 0;       // entries with a failure reason
  int64_t credited = 0;     // pages the coordinator credited (from ACKs)
  int64_t rejected = 0;     // batches the coordinator rejected
  int64_t leases = 0;
  std::map<std::string, int64_t> errors_by_reason;
  bool connected = false;   // welcomed by the coordinator and not silent since
  int64_t unacked = 0;      // batches sent (or spooled) and not yet acknowledged
  // The contributor's credit totals in units, as the coordinator last told
  // them in an ACK (-1: not told yet).
  int64_t credit_accepted = -1;
  int64_t credit_pending = -1;
  int64_t items_rejected = -1;
};

class Worker {
 public:
  Worker(WorkerOptions options, SigningKey key, const Clock* clock);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  Status Start();
  // Runs until `stop` is set or (with exit_on_bye) the coordinator says BYE.
  Status Run(const std::atomic<bool>& stop);
  WorkerStats stats() const;  // thread-safe
  const std::string& worker_id() const;
  const std::string& contributor() const;  // hex public key

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swarmcrawl
