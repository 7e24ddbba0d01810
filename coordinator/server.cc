#include "coordinator/server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include "core/crypto.h"
#include "core/wire.h"

namespace swarmcrawl {

using nlohmann::json;

namespace {

constexpr int64_t kHelloProofMaxSkewMs = 600000;
// A receipt travels in one message (kMaxMessageBytes); about 1.5 KB an entry
// with its proof. Larger histories are read from the ledger export.
constexpr int64_t kMaxReceiptEntries = 15000;
constexpr int64_t kReceiptIntervalMs = 2000;
constexpr int64_t kCreditNoteIntervalMs = 5000;

bool IsLowerHex(const std::string& s, size_t len) {
  return s.size() == len &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

Status LoadOrCreateCurveKeys(const std::string& path, CurveKeyPair* out, bool* created) {
  *created = false;
  std::ifstream in(path);
  if (in) {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      return Status::Error("key_permissions", "coordinator key file " + path +
                                                  " is readable by other users; run: chmod 600 " +
                                                  path);
    }
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("public:", 0) == 0) out->public_z85 = line.substr(line.find(':') + 2);
      if (line.rfind("secret:", 0) == 0) out->secret_z85 = line.substr(line.find(':') + 2);
    }
    if (out->public_z85.size() != 40 || out->secret_z85.size() != 40) {
      return Status::Error("bad_key", "coordinator key file " + path +
                                          " is damaged; move it away to create a new one");
    }
    return Status::OK();
  }
  char pub[41], sec[41];
  if (zmq_curve_keypair(pub, sec) != 0) {
    return Status::Error("curve", "this libzmq has no CURVE support; install libzmq5 with "
                                  "libsodium or use --plaintext on loopback only");
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return Status::Error("io", "cannot create coordinator key file " + path + ": " +
                                   std::strerror(errno));
  }
  const std::string text = "# swarmcrawl coordinator CurveZMQ key pair. Keep secret.\npublic: " +
                           std::string(pub) + "\nsecret: " + std::string(sec) + "\n";
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  if (!ok) return Status::Error("io", "cannot write " + path);
  out->public_z85 = pub;
  out->secret_z85 = sec;
  *created = true;
  return Status::OK();
}

CoordinatorServer::CoordinatorServer(CoordinatorOptions options, const Clock* clock)
    : options_(std::move(options)), clock_(clock), log_("coordinator", options_.log_level) {}

CoordinatorServer::~CoordinatorServer() = default;

Status CoordinatorServer::Start() {
  store_ = std::make_unique<Store>();
  if (Status s = Store::Open(options_.db_path, store_.get()); !s.ok()) return s;
  frontier_ = std::make_unique<Frontier>(store_.get(), clock_, options_.lease_limits);
  const std::string ledger_key_path =
      options_.ledger_key_path.empty() ? options_.db_path + ".ledger-key" : options_.ledger_key_path;
  bool created = false;
  if (Status s = LoadOrCreateSigningKey(ledger_key_path, "swarmcrawl ledger", &ledger_key_, &created);
      !s.ok()) {
    return s;
  }
  if (created) log_.Info("created the ledger signing key in " + ledger_key_path);
  log_.Info("ledger key (verifies epochs and receipts): " + ledger_key_.public_hex());
  if (Status s = Ledger::Open(store_->db(), &ledger_key_, options_.ledger, &ledger_); !s.ok()) {
    return s;
  }
  try {
    credit_ = std::make_unique<CreditBook>(store_->db(), frontier_.get(), ledger_.get(),
                                           options_.verification);
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
  ingest_ = std::make_unique<Ingest>(store_.get(), frontier_.get(), clock_, log_, credit_.get());
  try {
    Stmt count = store_->db()->Prepare("SELECT COUNT(*) FROM records");
    count.Step();
    records_at_start_ = count.Int(0);
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
  try {
    frontier_->LoadCrawls();
    // Workers that held leases before a restart get a grace period to say HELLO again.
    Transaction tx(store_->db());
    // Long enough for a worker in its longest reconnect backoff (30 s) plus a HELLO.
    frontier_->ShortenActiveLeases(
        std::max<int64_t>(options_.heartbeat_ms * options_.liveness * 2, 40000));
    tx.Commit();
    data_version_ = store_->db()->DataVersion();
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }

  if (options_.context != nullptr) {
    context_ = options_.context;
  } else {
    own_context_ = std::make_unique<zmq::context_t>(1);
    context_ = own_context_.get();
  }
  try {
    if (!options_.plaintext) {
      // The ZAP handler must be listening before the first connection.
      if (Status s = Admission::Start(context_, options_.admission, options_.allowlist_path, log_,
                                      &admission_);
          !s.ok()) {
        return s;
      }
    }
    socket_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::router);
    socket_->set(zmq::sockopt::linger, 0);
    // Hard ceiling in libzmq; the protocol's own, smaller limit gets an ERROR reply.
    socket_->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes * 2));
    socket_->set(zmq::sockopt::sndhwm, 10000);
    socket_->set(zmq::sockopt::rcvhwm, 10000);
    if (!options_.plaintext) {
      const std::string key_path = options_.curve_key_path.empty()
                                       ? options_.db_path + ".curve"
                                       : options_.curve_key_path;
      bool created = false;
      if (Status s = LoadOrCreateCurveKeys(key_path, &keys_, &created); !s.ok()) return s;
      if (created) log_.Info("created coordinator key pair in " + key_path);
      socket_->set(zmq::sockopt::curve_server, 1);
      socket_->set(zmq::sockopt::curve_secretkey, keys_.secret_z85);
      socket_->set(zmq::sockopt::zap_domain, "swarmcrawl");
    }
    for (const auto& ep : options_.bind) {
      socket_->bind(ep);
      endpoints_.push_back(socket_->get(zmq::sockopt::last_endpoint));
    }
  } catch (const zmq::error_t& e) {
    return Status::Error("bind", std::string("cannot listen: ") + e.what() +
                                     " (is another coordinator using this address? choose "
                                     "another with --bind)");
  }
  for (const auto& ep : endpoints_) {
    log_.Info("listening on " + ep + (options_.plaintext ? " (PLAINTEXT)" : " (CurveZMQ)"));
  }
  if (!options_.plaintext) {
    log_.Info("coordinator public key: " + keys_.public_z85);
    log_.Info(admission_->mode() == AdmissionMode::kOpen
                  ? std::string("admission: open (any contributor key; new keys on probation)")
                  : "admission: allowlist (" + std::to_string(admission_->allowed()) + " contributors)");
  }
  rate_limiter_ = RateLimiter(options_.max_message_rate, 2 * options_.max_message_rate);
  try {
    // What `swarmcrawl credits` needs to label trust as this coordinator does.
    store_->db()->Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('trust_after', ?)")
        .Bind(1, std::to_string(options_.verification.trust_after))
        .Run();
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
  return Status::OK();
}

void CoordinatorServer::Send(const std::string& routing_id, std::string_view command,
                             const json& body) {
  const std::string encoded = DumpJson(body);
  if (!SendMessage(*socket_, routing_id, {kProtocolSignature, command, encoded})) {
    log_.Warn("could not send " + std::string(command) + " (peer gone or its queue is full)");
  }
  auto it = sessions_.find(routing_id);
  if (it != sessions_.end()) it->second.last_send = clock_->MonoMs();
}

void CoordinatorServer::SendError(const std::string& routing_id, const std::string& code,
                                  const std::string& message, const std::string& ref) {
  log_.Warn("error to peer: " + code + ": " + message);
  Send(routing_id, "ERROR", Encode(ErrorMsg{code, message, ref}));
}

CoordinatorServer::Session* CoordinatorServer::SessionOfWorker(const std::string& worker_id) {
  for (auto& [rid, s] : sessions_) {
    if (s.worker_id == worker_id) return &s;
  }
  return nullptr;
}

void CoordinatorServer::NoteOnline() {
  std::set<std::string> online;
  for (const auto& [rid, s] : sessions_) online.insert(s.contributor);
  credit_->SetOnline(std::move(online));
}

void CoordinatorServer::HandleReceipt(const std::string& routing_id, Session& session,
                                      const json& body) {
  // A receipt reads whole ledger epochs on the event loop: one per session
  // every kReceiptIntervalMs, so receipts cannot starve everyone else.
  const int64_t now = clock_->MonoMs();
  if (session.last_receipt >= 0 && now - session.last_receipt < kReceiptIntervalMs) {
    return SendError(routing_id, "rate_limited",
                     "one RECEIPT per " + std::to_string(kReceiptIntervalMs / 1000) +
                         " s per connection; try again later",
                     "RECEIPT");
  }
  session.last_receipt = now;
  // Ledger entries are public (the whole ledger can be exported), so any
  // session may ask for any contributor's receipt; its own by default.
  std::string contributor = session.contributor;
  if (auto c = body.find("contributor"); c != body.end()) {
    if (!c->is_string() || !IsLowerHex(c->get_ref<const std::string&>(), 64)) {
      return SendError(routing_id, "bad_field", "RECEIPT.contributor must be 64 hex digits", "RECEIPT");
    }
    contributor = c->get<std::string>();
  }
  json receipt;
  Status s = BuildReceipt(store_->db(), ledger_key_.public_hex(), contributor, &receipt,
                          kMaxReceiptEntries);
  if (!s.ok()) return SendError(routing_id, s.code(), s.message(), "RECEIPT");
  Send(routing_id, "RECEIPT", json{{"receipt", std::move(receipt)}});
}

void CoordinatorServer::DrainSocket() {
  std::vector<zmq::message_t> frames;
  for (int i = 0; i < 1000 && ReceiveMessage(*socket_, 8, &frames); ++i) {
    const std::string routing_id = frames[0].to_string();
    const int64_t now = clock_->MonoMs();
    if (!rate_limiter_.Allow(routing_id, now)) {
      // Dropped; the peer hears why at most once a second.
      if (rate_limiter_.ShouldWarn(routing_id, now)) {
        SendError(routing_id, "rate_limited",
                  "more than " + std::to_string(static_cast<int64_t>(options_.max_message_rate)) +
                      " messages per second; messages were dropped");
      }
      continue;
    }
    std::string user_id;
    if (!options_.plaintext && frames.size() > 1) {
      // Connection metadata rides on the frames the peer sent, not on the
      // routing id the ROUTER socket prepends.
      const char* uid = zmq_msg_gets(frames[1].handle(), "User-Id");
      if (uid != nullptr) user_id = uid;
    }
    std::vector<std::string_view> views = FrameViews(frames);
    views.erase(views.begin());
    try {
      Handle(routing_id, views, user_id);
    } catch (const std::exception& e) {
      // Last line of defence: a bug in one handler must not stop the coordinator.
      log_.Error(std::string("internal error handling a message: ") + e.what());
      SendError(routing_id, "internal", "the coordinator failed to process the message");
    }
  }
}

void CoordinatorServer::Handle(const std::string& routing_id,
                               const std::vector<std::string_view>& views,
                               const std::string& user_id) {
  Envelope env;
  if (Status s = DecodeEnvelope(views, &env); !s.ok()) {
    return SendError(routing_id, s.code(), s.message());
  }
  const int64_t now = clock_->MonoMs();
  auto it = sessions_.find(routing_id);
  if (env.command == "HELLO") {
    HelloMsg hello;
    if (Status s = DecodeHello(env.body, &hello); !s.ok()) {
      return SendError(routing_id, s.code(), s.message(), "HELLO");
    }
    if (Session* old = SessionOfWorker(hello.worker_id);
        old != nullptr && old->contributor != hello.contributor) {
      return SendError(routing_id, "worker_id_conflict",
                       "worker id " + hello.worker_id + " belongs to another contributor", "HELLO");
    }
    if (!options_.plaintext) {
      // The connection's CurveZMQ key is the one derived from the contributor
      // key (docs/protocol.md, "Transport keys"), so only the key's holder can
      // even open a session in its name; the allowlist admitted exactly that.
      std::string derived;
      const bool bound = admission_->mode() == AdmissionMode::kAllowlist
                             ? user_id == hello.contributor
                             : CurvePublicKeyOf(hello.contributor, &derived) && HexEncode(derived) == user_id;
      if (bound && !admission_->Allows(hello.contributor)) {
        return SendError(routing_id, "not_allowed",
                         "this contributor key is not on the coordinator's allowlist", "HELLO");
      }
      if (!bound) {
        return SendError(routing_id, "bad_transport_key",
                         "this connection's CurveZMQ key is not the one derived from contributor " +
                             Fingerprint(hello.contributor) + " (docs/protocol.md, Transport keys)",
                         "HELLO");
      }
    }
    // Every session proves it holds the contributor key, so whatever is sent
    // on it is that contributor's doing. A proof more than ten minutes off
    // the coordinator's clock is stale (or replayed); a wrong one is an impostor.
    const int64_t skew = std::abs(clock_->NowMs() - hello.at_ms);
    if (skew > kHelloProofMaxSkewMs ||
        !VerifySignature(hello.contributor,
                         HelloProofBytes(hello.contributor, hello.worker_id, hello.at_ms),
                         hello.proof)) {
      return SendError(routing_id, "bad_proof",
                       skew > kHelloProofMaxSkewMs
                           ? "HELLO proof is stale (check the worker's clock)"
                           : "HELLO proof does not verify against the contributor key",
                       "HELLO");
    }
    // Only a proven HELLO replaces the session it reconnects (a forged one
    // must not be able to end a real contributor's session).
    if (Session* old = SessionOfWorker(hello.worker_id); old != nullptr && old->routing_id != routing_id) {
      sessions_.erase(old->routing_id);
    }
    Session s;
    s.routing_id = routing_id;
    s.worker_id = hello.worker_id;
    s.contributor = hello.contributor;
    s.name = hello.name;
    s.capacity = hello.capacity;
    s.last_recv = now;
    s.connected_at_ms = clock_->NowMs();
    sessions_[routing_id] = s;
    NoteOnline();
    ingest_->NoteContributor(hello.contributor, hello.name);
    try {
      Transaction tx(store_->db());
      frontier_->ExtendLeasesOf(hello.worker_id, hello.contributor);
      tx.Commit();
    } catch (const SqliteError& e) {
      log_.Warn(std::string("cannot extend leases: ") + e.what());
    }
    log_.Info("worker " + hello.worker_id + " joined (contributor " +
              Fingerprint(hello.contributor) + (hello.name.empty() ? "" : ", " + hello.name) +
              ", capacity " + std::to_string(hello.capacity) + ")");
    WelcomeMsg w{RandomHex(8), options_.heartbeat_ms, options_.liveness, options_.name};
    Send(routing_id, "WELCOME", Encode(w));
    return;
  }
  if (it == sessions_.end()) {
    if (env.command == "BYE" || env.command == "ERROR") return;
    // Also answers a HEARTBEAT: after a coordinator restart this is how an idle
    // worker learns at once that it must introduce itself again.
    return SendError(routing_id, "not_welcome", "send HELLO first", env.command);
  }
  Session& session = it->second;
  session.last_recv = now;
  if (env.command == "HEARTBEAT") return;
  if (env.command == "REQUEST") {
    RequestMsg req;
    if (Status s = DecodeRequest(env.body, &req); !s.ok()) {
      return SendError(routing_id, s.code(), s.message(), "REQUEST");
    }
    session.credit = std::min(session.capacity, session.credit + req.credit);
    dispatch_needed_ = true;
    return;
  }
  if (env.command == "RESULT") {
    ResultMsg result;
    if (Status s = DecodeResult(env.body, &result); !s.ok()) {
      // If the batch can be named, refuse it for good with an ACK, so the worker
      // drops it instead of re-sending a batch that can never be accepted.
      if (!result.batch_id.empty()) {
        log_.Warn("rejected malformed batch " + result.batch_id + ": " + s.message());
        AckMsg ack;
        ack.batch_id = result.batch_id;
        ack.status = "rejected";
        ack.reason = s.message();
        return Send(routing_id, "ACK", Encode(ack));
      }
      return SendError(routing_id, s.code(), s.message(), "RESULT");
    }
    AckMsg ack = ingest_->Apply(session.contributor, result);
    session.pages += ack.stored;
    // Now and then an ACK tells the worker its credit totals (its status page
    // shows them); summing them costs a query, so not on every ACK.
    if (session.last_credit_note < 0 || now - session.last_credit_note >= kCreditNoteIntervalMs) {
      session.last_credit_note = now;
      try {
        const CreditSummary c = credit_->SummaryOf(session.contributor);
        ack.credit_accepted = c.accepted_credit;
        ack.credit_pending = c.pending_credit;
        ack.items_rejected = c.rejected_items;
      } catch (const SqliteError& e) {
        log_.Warn(std::string("cannot sum credit: ") + e.what());
      }
    }
    Send(routing_id, "ACK", Encode(ack));
    dispatch_needed_ = true;
    return;
  }
  if (env.command == "RELEASE") {
    int64_t lease_id = 0, retry_after_ms = 0;
    if (Status s = DecodeLeaseRef("RELEASE", env.body, &lease_id, nullptr, &retry_after_ms);
        !s.ok()) {
      return SendError(routing_id, s.code(), s.message(), "RELEASE");
    }
    try {
      auto lease = frontier_->GetLease(lease_id);
      if (!lease || lease->worker_id != session.worker_id) {
        return SendError(routing_id, "unknown_lease", "no such lease of yours", "RELEASE");
      }
      Transaction tx(store_->db());
      frontier_->FetchesDone(lease_id, retry_after_ms);
      tx.Commit();
    } catch (const SqliteError& e) {
      log_.Warn(std::string("release failed: ") + e.what());
    }
    dispatch_needed_ = true;
    return;
  }
  if (env.command == "RECEIPT") return HandleReceipt(routing_id, session, env.body);
  if (env.command == "BYE") {
    DropSession(routing_id, "said goodbye", /*requeue=*/true);
    return;
  }
  if (env.command == "ERROR") {
    ErrorMsg err;
    DecodeError(env.body, &err);
    log_.Warn("worker " + session.worker_id + " reported " + err.code + ": " + err.message);
    return;
  }
  SendError(routing_id, "unknown_command", "unknown command " + env.command, env.command);
}

void CoordinatorServer::DropSession(const std::string& routing_id, const std::string& why,
                                    bool requeue) {
  auto it = sessions_.find(routing_id);
  if (it == sessions_.end()) return;
  const std::string worker_id = it->second.worker_id;
  log_.Info("worker " + worker_id + " left: " + why);
  sessions_.erase(it);
  NoteOnline();
  if (!requeue) return;
  try {
    Transaction tx(store_->db());
    // A worker that said goodbye has stopped its transfers; a silent one may
    // still be fetching (its hosts then rest, Frontier::EndLease).
    const char* state = why == "said goodbye" ? "cancelled" : "expired";
    for (int64_t id : frontier_->ActiveLeasesOf(worker_id)) frontier_->EndLease(id, state);
    tx.Commit();
  } catch (const SqliteError& e) {
    log_.Error(std::string("cannot requeue leases: ") + e.what());
  }
  dispatch_needed_ = true;
}

void CoordinatorServer::CancelLease(int64_t lease_id, const std::string& reason,
                                    const std::string& state) {
  auto lease = frontier_->GetLease(lease_id);
  if (!lease) return;
  frontier_->EndLease(lease_id, state);
  if (Session* s = SessionOfWorker(lease->worker_id); s != nullptr) {
    Send(s->routing_id, "CANCEL", json{{"lease_id", lease_id}, {"reason", reason}});
  }
}

void CoordinatorServer::CancelCrawlLeases(int64_t crawl_id, const std::string& reason) {
  try {
    Transaction tx(store_->db());
    for (int64_t id : frontier_->ActiveLeasesOfCrawl(crawl_id)) CancelLease(id, reason, "cancelled");
    tx.Commit();
  } catch (const SqliteError& e) {
    log_.Error(std::string("cannot cancel leases: ") + e.what());
  }
}

void CoordinatorServer::Dispatch() {
  // Round-robin: one lease per session per round, starting after the session
  // served first last time, so no worker starves another.
  std::vector<Session*> order;
  for (auto& [rid, s] : sessions_) order.push_back(&s);
  if (order.empty()) return;
  std::rotate(order.begin(), order.begin() + static_cast<long>(dispatch_cursor_++ % order.size()),
              order.end());
  for (int round = 0; round < 64; ++round) {
    bool any = false;
    for (Session* sp : order) {
      Session& s = *sp;
      const std::string& rid = s.routing_id;
      if (s.credit <= 0) continue;
      std::optional<LeaseMsg> lease;
      // A connection holds at most max_outstanding_leases leases at once.
      if (static_cast<int64_t>(frontier_->ActiveLeasesOf(s.worker_id).size()) >=
          options_.max_outstanding_leases) {
        continue;
      }
      try {
        Transaction tx(store_->db());
        lease = frontier_->NextLease(s.worker_id, s.contributor, s.credit);
        tx.Commit();
      } catch (const SqliteError& e) {
        log_.Error(std::string("cannot lease: ") + e.what());
        frontier_->Reload();
        return;
      }
      if (!lease) continue;  // nothing ready for this worker (others may fit)
      s.credit -= static_cast<int64_t>(lease->tasks.size());
      log_.Debug("lease " + std::to_string(lease->lease_id) + " (" + lease->kind + ", " +
                 std::to_string(lease->tasks.size()) + " tasks, " + lease->host + ") to " +
                 s.worker_id);
      Send(rid, "LEASE", Encode(*lease));
      any = true;
    }
    if (!any) return;
  }
}

void CoordinatorServer::Housekeeping() {
  const int64_t now = clock_->MonoMs();
  // Crawls submitted, paused, resumed or cancelled by another process.
  try {
    const int64_t v = store_->db()->DataVersion();
    if (v != data_version_) {
      data_version_ = v;
      for (int64_t id : frontier_->LoadCrawls()) {
        const CrawlInfo* c = frontier_->crawl(id);
        if (c == nullptr) continue;
        log_.Info("crawl " + c->name + " is " + c->state);
        if (c->state == "paused" || c->state == "cancelled") CancelCrawlLeases(id, c->state);
      }
      dispatch_needed_ = true;
    }
  } catch (const SqliteError& e) {
    log_.Warn(std::string("cannot reload crawls: ") + e.what());
  }
  // Silent workers: their leases return to the queue.
  std::vector<std::string> silent;
  for (auto& [rid, s] : sessions_) {
    if (now - s.last_recv > options_.heartbeat_ms * options_.liveness) silent.push_back(rid);
    if (now - s.last_send >= options_.heartbeat_ms) Send(rid, "HEARTBEAT", json::object());
  }
  for (const auto& rid : silent) DropSession(rid, "silent (no heartbeat)", /*requeue=*/true);
  try {
    Transaction tx(store_->db());
    for (int64_t id : frontier_->ExpireLeases()) {
      log_.Info("lease " + std::to_string(id) + " expired; its URLs are queued again");
      auto lease = frontier_->GetLease(id);
      if (lease) {
        if (Session* s = SessionOfWorker(lease->worker_id); s != nullptr) {
          Send(s->routing_id, "CANCEL", json{{"lease_id", id}, {"reason", "expired"}});
        }
      }
      dispatch_needed_ = true;
    }
    if (frontier_->RequeueDue(10000) > 0) dispatch_needed_ = true;  // recrawls due
    const int64_t wall = clock_->NowMs();
    if (credit_->Sweep(wall) > 0) dispatch_needed_ = true;  // withdrawn pages are queued again
    if (Status s = ledger_->MaybeCloseEpoch(wall); !s.ok()) {
      log_.Error("cannot close a ledger epoch: " + s.message());
    }
    if (frontier_->MaybeFlush() > 0) dispatch_needed_ = true;  // newly admitted URLs
    for (const auto& name : frontier_->FinishIdleCrawls()) log_.Info("crawl " + name + " is done");
    tx.Commit();
  } catch (const SqliteError& e) {
    log_.Error(std::string("housekeeping failed: ") + e.what());
    frontier_->Reload();
  }
  if (now - last_progress_log_ >= 10000) {
    last_progress_log_ = now;
    const auto& st = ingest_->stats();
    log_.Info(std::to_string(sessions_.size()) + " workers, " + std::to_string(st.batches) +
              " batches, " + std::to_string(st.records) + " records, " +
              std::to_string(st.rejected) + " rejected");
  }
}

Status CoordinatorServer::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    zmq::pollitem_t items[] = {{static_cast<void*>(*socket_), 0, ZMQ_POLLIN, 0},
                               {admission_ ? static_cast<void*>(admission_->socket()) : nullptr, 0,
                                ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, admission_ ? 2 : 1, std::chrono::milliseconds(dispatch_needed_ ? 0 : 20));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) return Status::Error("zmq", e.what());
    }
    if (admission_) admission_->Serve();
    DrainSocket();
    const int64_t now = clock_->MonoMs();
    // Hosts become ready as their delay passes, so dispatch on a timer as well.
    if (dispatch_needed_ || now - last_dispatch_ >= 20) {
      dispatch_needed_ = false;
      last_dispatch_ = now;
      Dispatch();
    }
    if (options_.live != nullptr && now - last_publish_ >= 1000) {
      last_publish_ = now;
      PublishLive();
    }
    if (now - last_housekeeping_ >= 250) {
      last_housekeeping_ = now;
      if (admission_ && admission_->MaybeReload()) {
        // Keys taken off the allowlist lose their sessions now, not at their next connect.
        std::vector<std::string> removed;
        for (const auto& [rid, sess] : sessions_) {
          if (!admission_->Allows(sess.contributor)) removed.push_back(rid);
        }
        for (const auto& rid : removed) {
          SendError(rid, "not_allowed", "this contributor key was removed from the allowlist");
          DropSession(rid, "removed from the allowlist", /*requeue=*/true);
        }
      }
      Housekeeping();
      if (options_.exit_when_done && frontier_->AllCrawlsSettled()) {
        log_.Info("all crawls are settled; saying goodbye to workers");
        for (auto& [rid, s] : sessions_) Send(rid, "BYE", json{{"reason", "shutdown"}});
        CloseLedgerEpoch();
        return Status::OK();
      }
    }
  }
  for (auto& [rid, s] : sessions_) Send(rid, "BYE", json{{"reason", "shutdown"}});
  CloseLedgerEpoch();
  return Status::OK();
}

void CoordinatorServer::PublishLive() {
  const int64_t mono = clock_->MonoMs();
  const int64_t wall = clock_->NowMs();
  std::vector<WorkerLive> workers;
  workers.reserve(sessions_.size());
  for (const auto& [rid, s] : sessions_) {
    WorkerLive w;
    w.worker_id = s.worker_id;
    w.contributor = s.contributor;
    w.name = s.name;
    w.capacity = s.capacity;
    w.pages = s.pages;
    w.connected_at_ms = s.connected_at_ms;
    w.last_seen_ms = wall - (mono - s.last_recv);
    try {
      w.active_leases = static_cast<int64_t>(frontier_->ActiveLeasesOf(s.worker_id).size());
    } catch (const SqliteError&) {
    }
    workers.push_back(std::move(w));
  }
  const auto& st = ingest_->stats();
  options_.live->Publish(wall, records_at_start_ + st.records, st.batches, st.rejected,
                         std::move(workers));
}

void CoordinatorServer::CloseLedgerEpoch() {
  // Whatever is pending gets signed, so receipts can prove it after shutdown.
  try {
    Transaction tx(store_->db());
    if (Status s = ledger_->CloseEpoch(clock_->NowMs()); !s.ok()) {
      log_.Error("cannot close the ledger epoch: " + s.message());
      return;
    }
    tx.Commit();
  } catch (const SqliteError& e) {
    log_.Error(std::string("cannot close the ledger epoch: ") + e.what());
  }
}

}  // namespace swarmcrawl
