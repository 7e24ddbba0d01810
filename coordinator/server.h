// CoordinatorServer: the coordinator's ZeroMQ ROUTER endpoint and event loop.
//
// One thread owns the socket, the Store, the Frontier and Ingest. Each loop
// turn it drains incoming messages, then: hands leases to sessions that have
// credit (round-robin, one lease per session per round), heartbeats idle
// sessions, drops sessions silent for heartbeat_ms * liveness (their leases go
// back to the queue), expires overdue leases, notices crawl state changes made
// by other processes (pause/resume/cancel/submit), and marks finished crawls done.
// The endpoint is CurveZMQ-encrypted unless `plaintext` is set; the server key
// pair is created on first start (mode 0600) and its public key is printed.
// A malformed message is answered with ERROR and logged; it never ends the loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "coordinator/admission.h"
#include "coordinator/credit.h"
#include "coordinator/rate_limiter.h"
#include "coordinator/frontier.h"
#include "coordinator/ingest.h"
#include "coordinator/ledger.h"
#include "coordinator/live_status.h"
#include "coordinator/store.h"
#include "core/clock.h"
#include "core/log.h"

namespace swarmcrawl {

struct CoordinatorOptions {
  std::string db_path = "swarmcrawl.db";
  std::vector<std::string> bind = {"tcp://127.0.0.1:7170"};
  bool plaintext = false;        // only for loopback tests and in-process use
  std::string curve_key_path;    // default: db_path + ".curve"
  int64_t heartbeat_ms = 1000;
  int64_t liveness = 5;
  bool exit_when_done = false;   // leave when every crawl is done or cancelled
  LeaseLimits lease_limits;
  std::string name = "swarmcrawl-coordinator";
  LogLevel log_level = LogLevel::kInfo;
  zmq::context_t* context = nullptr;  // shared context for inproc:// endpoints
  // The Ed25519 key that signs ledger epochs (created, mode 0600, on first
  // start); default: db_path + ".ledger-key".
  std::string ledger_key_path;
  LedgerOptions ledger;
  VerificationOptions verification;
  // Who may connect (CurveZMQ only; coordinator/admission.h).
  AdmissionMode admission = AdmissionMode::kOpen;
  std::string allowlist_path;
  // Per connection: messages per second (with a burst of twice that), and
  // leases held at once.
  double max_message_rate = 200;
  int64_t max_outstanding_leases = 64;
  // Where the loop publishes connected workers and rates about once a second
  // (for the HTTP API); not owned; may be null.
  LiveStatus* live = nullptr;
};

struct CurveKeyPair {
  std::string public_z85;
  std::string secret_z85;
};
// Loads the key pair from `path`, creating it (mode 0600) if absent.
Status LoadOrCreateCurveKeys(const std::string& path, CurveKeyPair* out, bool* created);

class CoordinatorServer {
 public:
  CoordinatorServer(CoordinatorOptions options, const Clock* clock);
  ~CoordinatorServer();

  Status Start();
  const std::string& public_key() const { return keys_.public_z85; }
  // Hex Ed25519 public key that verifies ledger epochs and receipts.
  std::string ledger_public_key() const { return ledger_key_.public_hex(); }
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  // Runs until `stop` is set, or (with exit_when_done) all crawls are settled.
  Status Run(const std::atomic<bool>& stop);

 private:
  struct Session {
    std::string routing_id;
    std::string worker_id;
    std::string contributor;
    std::string name;
    int64_t capacity = 0;
    int64_t credit = 0;
    int64_t last_recv = 0;
    int64_t last_send = 0;
    int64_t connected_at_ms = 0;  // wall clock
    int64_t pages = 0;            // records stored from its batches
    int64_t last_receipt = -1;    // mono ms of its last RECEIPT (they are costly)
    int64_t last_credit_note = -1;  // mono ms of the last ACK that carried credit totals
  };

  void DrainSocket();
  // `user_id`: the ZAP user id of the connection (empty in plaintext).
  void Handle(const std::string& routing_id, const std::vector<std::string_view>& frames,
              const std::string& user_id);
  void Send(const std::string& routing_id, std::string_view command, const nlohmann::json& body);
  void SendError(const std::string& routing_id, const std::string& code, const std::string& message,
                 const std::string& ref = "");
  void DropSession(const std::string& routing_id, const std::string& why, bool requeue);
  void Dispatch();
  void Housekeeping();
  void CancelCrawlLeases(int64_t crawl_id, const std::string& reason);
  void CancelLease(int64_t lease_id, const std::string& reason, const std::string& state);
  Session* SessionOfWorker(const std::string& worker_id);
  void NoteOnline();
  void CloseLedgerEpoch();
  void PublishLive();
  void HandleReceipt(const std::string& routing_id, Session& session, const nlohmann::json& body);

  CoordinatorOptions options_;
  const Clock* clock_;
  Logger log_;
  std::unique_ptr<zmq::context_t> own_context_;
  zmq::context_t* context_ = nullptr;
  std::unique_ptr<zmq::socket_t> socket_;
  CurveKeyPair keys_;
  std::vector<std::string> endpoints_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Frontier> frontier_;
  SigningKey ledger_key_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<CreditBook> credit_;
  std::unique_ptr<Admission> admission_;
  RateLimiter rate_limiter_{200, 400};
  std::unique_ptr<Ingest> ingest_;
  std::map<std::string, Session> sessions_;  // by ZeroMQ routing id
  int64_t data_version_ = -1;
  int64_t last_housekeeping_ = 0;
  int64_t last_dispatch_ = 0;
  int64_t last_progress_log_ = 0;
  int64_t last_publish_ = 0;
  int64_t records_at_start_ = 0;
  bool dispatch_needed_ = true;
  uint64_t dispatch_cursor_ = 0;
};

}  // namespace swarmcrawl
