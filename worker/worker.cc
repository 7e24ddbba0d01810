#include "worker/worker.h"

#include <unistd.h>

#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/protocol.h"
#include "core/strings.h"
#include "parsers/robots.h"
#include "core/wire.h"
#include "core/thread_pool.h"
#include "parsers/robots.h"
#include "worker/page_processor.h"
#include "worker/spool.h"

namespace swarmcrawl {

using nlohmann::json;

namespace {

constexpr int64_t kHelloTimeoutMs = 5000;
constexpr int64_t kMaxBackoffMs = 30000;
constexpr int64_t kResendAfterMs = 30000;
constexpr size_t kMaxSitemapBodyBytes = 50u << 20;

struct LeaseState {
  LeaseMsg msg;
  int64_t deadline = 0;     // monotonic ms; after it the coordinator may re-issue the tasks
  size_t next_task = 0;
  int64_t in_flight = 0;
  int64_t next_start = 0;   // monotonic ms
  size_t finished = 0;      // entries produced (or tasks dropped by CANCEL)
  bool cancelled = false;
  bool released = false;
  int64_t retry_after_ms = 0;  // the host said 429/503: tell the coordinator on RELEASE
  std::vector<ResultEntry> ready;
  int64_t first_ready = 0;
};

// Entries that are not errors although nothing is stored: the fetch worked
// and the page said where to go, what it is, or that it opted out.
bool IsFetchOutcome(const std::string& reason) {
  return reason == "redirect" || reason == "not_html" || reason == "noindex" ||
         reason == "noai" || reason == "tdm_reserved" || reason == "not_modified" ||
         reason == "sitemap";
}

struct InFlight {
  int64_t lease_id;
  size_t task_index;
  int64_t added_at = 0;  // monotonic ms
};


}  // namespace

struct Worker::Impl {
  Impl(WorkerOptions o, SigningKey k, const Clock* c)
      : options(std::move(o)), key(std::move(k)), clock(c), log("worker", options.log_level),
        fetcher(options.fetch_limits) {}

  WorkerOptions options;
  SigningKey key;
  const Clock* clock;
  Logger log;
  Fetcher fetcher;
  // Read-only after construction, so parse-pool threads share it.
  const ParserRegistry registry = DefaultParserRegistry();
  std::unique_ptr<ThreadPool> pool;
  Spool spool;
  std::string worker_id;
  std::string contributor;  // hex public key
  std::unique_ptr<zmq::context_t> own_context;
  zmq::context_t* context = nullptr;
  std::unique_ptr<zmq::socket_t> socket;

  enum class Conn { kDisconnected, kHelloSent, kConnected };
  Conn conn = Conn::kDisconnected;
  int64_t conn_since = 0;
  int64_t backoff_ms = 1000;
  int64_t reconnect_at = 0;
  int64_t heartbeat_ms = 1000;
  int64_t liveness = 5;
  int64_t last_recv = 0;
  int64_t last_send = 0;
  bool said_unreachable = false;

  std::map<int64_t, LeaseState> leases;
  std::map<uint64_t, InFlight> in_flight;
  uint64_t next_fetch_id = 1;
  int64_t held = 0;         // tasks received and not finished
  int64_t outstanding = 0;  // credit announced and not yet used by the coordinator
  int64_t freed = 0;        // finished tasks not yet re-announced as credit
  uint64_t batch_seq = 0;
  std::map<std::string, int64_t> unacked;  // batch id -> last send time

  std::mutex done_mu;
  std::deque<std::pair<int64_t, ResultEntry>> done;  // from the parse pool
  std::atomic<int64_t> parsing{0};

  mutable std::mutex stats_mu;
  WorkerStats stats;
  int64_t started_mono = 0;
  int64_t last_progress = 0;
  bool progress_line = false;
  bool exit_now = false;

  Status Start();
  Status Run(const std::atomic<bool>& stop);
  void Connect();
  void Disconnect(const std::string& why);
  void Send(std::string_view command, const json& body);
  void SendRaw(std::string_view command, const std::string& body);
  void DrainSocket();
  void Handle(const Envelope& env);
  void OnWelcome(const WelcomeMsg& w);
  void OnLease(LeaseMsg lease);
  void StartFetches(int64_t now);
  void CollectFetches();
  void CollectParsed(int64_t now);
  void FlushBatches(int64_t now, bool force);
  void FinishTasks(int64_t n);
  void StopLease(LeaseState* st);
  void DeferRest(LeaseState* st, int64_t retry_after_ms, int64_t now);
  void AnnounceCredit(bool force);
  void ResendUnacked(int64_t now, bool all);
  void Progress(int64_t now, bool final);
  int NextTimeout(int64_t now) const;
};

Worker::Worker(WorkerOptions options, SigningKey key, const Clock* clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(key), clock)) {}
Worker::~Worker() = default;
Status Worker::Start() { return impl_->Start(); }
Status Worker::Run(const std::atomic<bool>& stop) { return impl_->Run(stop); }
const std::string& Worker::worker_id() const { return impl_->worker_id; }
const std::string& Worker::contributor() const { return impl_->contributor; }
WorkerStats Worker::stats() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mu);
  return impl_->stats;
}

Status Worker::Impl::Start() {
  if (!key.valid()) return Status::Error("bad_key", "the worker has no contributor key");
  if (!options.plaintext && options.coordinator_key.size() != 40) {
    return Status::Error("bad_key",
                         "--coordinator-key must be the coordinator's 40-character public key "
                         "(printed when the coordinator starts), or pass --plaintext for a "
                         "loopback test");
  }
  if (Status s = Spool::Open(options.spool_path, key.public_hex(), &spool); !s.ok()) return s;
  worker_id = "w" + RandomHex(8);
  contributor = key.public_hex();
  const size_t threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  pool = std::make_unique<ThreadPool>(threads);
  if (options.context != nullptr) {
    context = options.context;
  } else {
    own_context = std::make_unique<zmq::context_t>(1);
    context = own_context.get();
  }
  progress_line = options.progress == 1 || (options.progress == -1 && isatty(STDERR_FILENO));
  std::vector<SpooledBatch> left;
  spool.LoadAll(&left);
  for (const auto& b : left) unacked[b.batch_id] = 0;
  if (!left.empty()) {
    log.Info(std::to_string(left.size()) + " unacknowledged batches in the spool will be re-sent");
  }
  log.Info("worker " + worker_id + " for contributor " + Fingerprint(key.public_hex()) + ", " +
           std::to_string(threads) + " parse threads, capacity " +
           std::to_string(options.capacity));
  return Status::OK();
}

void Worker::Impl::Connect() {
  socket = std::make_unique<zmq::socket_t>(*context, zmq::socket_type::dealer);
  socket->set(zmq::sockopt::linger, 0);
  socket->set(zmq::sockopt::sndhwm, 1000);
  socket->set(zmq::sockopt::rcvhwm, 1000);
  socket->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes * 2));
  if (!options.plaintext) SetCurveClientKeys(*socket, options.coordinator_key, key);
  socket->connect(options.coordinator);
  HelloMsg hello;
  hello.contributor = key.public_hex();
  hello.worker_id = worker_id;
  hello.name = options.name.empty() ? key.name() : options.name;
  hello.software = "swarmcrawl/0.1.0";
  hello.capacity = options.capacity;
  hello.at_ms = clock->NowMs();
  hello.proof = key.SignHex(HelloProofBytes(hello.contributor, hello.worker_id, hello.at_ms));
  conn = Conn::kHelloSent;
  conn_since = clock->MonoMs();
  Send("HELLO", Encode(hello));
}

void Worker::Impl::Disconnect(const std::string& why) {
  socket.reset();
  conn = Conn::kDisconnected;
  const int64_t now = clock->MonoMs();
  reconnect_at = now + backoff_ms;
  if (!said_unreachable || why != "no answer") {
    log.Warn("coordinator at " + options.coordinator + ": " + why + "; retrying in " +
             std::to_string(backoff_ms / 1000) + " s (results are kept in the spool)");
  }
  said_unreachable = why == "no answer";
  backoff_ms = std::min(backoff_ms * 2, kMaxBackoffMs);
}

void Worker::Impl::SendRaw(std::string_view command, const std::string& body) {
  if (!socket) return;
  if (!SendMessage(*socket, {}, {kProtocolSignature, command, body})) {
    log.Warn("could not send " + std::string(command) + "; it will be retried");
  }
  last_send = clock->MonoMs();
}

void Worker::Impl::Send(std::string_view command, const json& body) {
  SendRaw(command, DumpJson(body));
}

void Worker::Impl::OnWelcome(const WelcomeMsg& w) {
  conn = Conn::kConnected;
  heartbeat_ms = w.heartbeat_ms;
  liveness = w.liveness;
  backoff_ms = 1000;
  said_unreachable = false;
  log.Info("connected to " + options.coordinator + " (" + w.coordinator + ")");
  // A new session starts with no credit on the coordinator's side.
  outstanding = 0;
  freed = 0;
  const int64_t room = options.capacity - held;
  if (room > 0) {
    Send("REQUEST", Encode(RequestMsg{room}));
    outstanding = room;
  }
  ResendUnacked(clock->MonoMs(), /*all=*/true);
}

void Worker::Impl::OnLease(LeaseMsg lease) {
  const int64_t n = static_cast<int64_t>(lease.tasks.size());
  if (held + n > options.capacity || leases.count(lease.lease_id) != 0) {
    // The coordinator broke flow control; refuse rather than overload the machine.
    Send("ERROR", Encode(ErrorMsg{"over_credit", "lease exceeds announced credit", "LEASE"}));
    return;
  }
  held += n;
  outstanding = std::max<int64_t>(0, outstanding - n);
  LeaseState st;
  st.deadline = clock->MonoMs() + lease.expires_in_ms;
  st.msg = std::move(lease);
  {
    std::lock_guard<std::mutex> lock(stats_mu);
    ++stats.leases;
  }
  leases.emplace(st.msg.lease_id, std::move(st));
}

void Worker::Impl::Handle(const Envelope& env) {
  last_recv = clock->MonoMs();
  if (env.command == "WELCOME") {
    WelcomeMsg w;
    if (Status s = DecodeWelcome(env.body, &w); !s.ok()) {
      log.Warn("bad WELCOME: " + s.message());
      return;
    }
    OnWelcome(w);
  } else if (env.command == "LEASE") {
    LeaseMsg lease;
    if (Status s = DecodeLease(env.body, &lease); !s.ok()) {
      log.Warn("bad LEASE: " + s.message());
      Send("ERROR", Encode(ErrorMsg{s.code(), s.message(), "LEASE"}));
      return;
    }
    OnLease(std::move(lease));
  } else if (env.command == "ACK") {
    AckMsg ack;
    if (Status s = DecodeAck(env.body, &ack); !s.ok()) {
      log.Warn("bad ACK: " + s.message());
      return;
    }
    if (ack.status == "retry") {
      auto it = unacked.find(ack.batch_id);
      if (it != unacked.end()) it->second = clock->MonoMs() - kResendAfterMs + 1000;  // ~1 s
      return;
    }
    std::lock_guard<std::mutex> lock(stats_mu);
    if (ack.credit_accepted >= 0) stats.credit_accepted = ack.credit_accepted;
    if (ack.credit_pending >= 0) stats.credit_pending = ack.credit_pending;
    if (ack.items_rejected >= 0) stats.items_rejected = ack.items_rejected;
    if (unacked.erase(ack.batch_id) == 0) return;
    stats.unacked = static_cast<int64_t>(unacked.size());
    spool.Remove(ack.batch_id);
    if (ack.status == "rejected") {
      ++stats.rejected;
      log.Error("coordinator rejected batch " + ack.batch_id + ": " + ack.reason);
    } else if (ack.status == "accepted") {
      stats.credited += ack.credited_pages;
    }
  } else if (env.command == "CANCEL") {
    int64_t lease_id = 0;
    std::string reason;
    if (!DecodeLeaseRef("CANCEL", env.body, &lease_id, &reason).ok()) return;
    auto it = leases.find(lease_id);
    if (it == leases.end()) return;
    StopLease(&it->second);
    log.Info("lease " + std::to_string(lease_id) + " cancelled: " + reason);
  } else if (env.command == "HEARTBEAT") {
    // last_recv already updated
  } else if (env.command == "ERROR") {
    ErrorMsg err;
    DecodeError(env.body, &err);
    if (err.code == "not_welcome") {
      // The coordinator restarted and forgot us: introduce ourselves again.
      socket.reset();
      Connect();
      return;
    }
    log.Warn("coordinator error " + err.code + ": " + err.message);
  } else if (env.command == "BYE") {
    const auto it = env.body.find("reason");
    const std::string reason = it != env.body.end() && it->is_string() ? it->get<std::string>() : "";
    log.Info("coordinator said goodbye (" + reason + ")");
    if (options.exit_on_bye) {
      exit_now = true;
    } else {
      Disconnect("said goodbye");
    }
  } else {
    Send("ERROR", Encode(ErrorMsg{"unknown_command", "unknown command " + env.command, env.command}));
  }
}

void Worker::Impl::DrainSocket() {
  std::vector<zmq::message_t> frames;
  for (int i = 0; socket && i < 1000 && ReceiveMessage(*socket, 8, &frames); ++i) {
    Envelope env;
    if (Status s = DecodeEnvelope(FrameViews(frames), &env); !s.ok()) {
      log.Warn("bad message from coordinator: " + s.ToString());
      continue;
    }
    try {
      Handle(env);
    } catch (const std::exception& e) {
      // A message we failed to handle must not stop the worker.
      log.Error(std::string("error handling ") + env.command + ": " + e.what());
    }
    if (exit_now) return;
  }
}

void Worker::Impl::StartFetches(int64_t now) {
  for (auto& [id, st] : leases) {
    // Past its expiry the coordinator may have given these URLs to another
    // worker; fetching them now could break the host's politeness.
    if (!st.cancelled && now > st.deadline && st.next_task < st.msg.tasks.size()) {
      log.Warn("lease " + std::to_string(id) + " expired before it was done; dropping " +
               std::to_string(st.msg.tasks.size() - st.next_task) + " unstarted tasks");
      StopLease(&st);
    }
    while (st.next_task < st.msg.tasks.size() && st.in_flight < st.msg.concurrency &&
           now >= st.next_start) {
      const size_t index = st.next_task++;
      const TaskSpec& task = st.msg.tasks[index];
      FetchRequest req;
      req.id = next_fetch_id++;
      req.url = task.url;
      req.user_agent = st.msg.user_agent;
      // robots.txt: RFC 9309 says follow at least five redirects; sitemaps
      // are read wherever they moved. Page redirects go back to the frontier.
      req.max_redirects = st.msg.kind == "robots" || task.kind == "sitemap" ? 5 : 0;
      // A sitemap may be 50 MB (sitemaps.org); pages keep the worker's limit.
      if (task.kind == "sitemap") {
        req.max_body_bytes = std::max(options.fetch_limits.max_body_bytes, kMaxSitemapBodyBytes);
      }
      if (st.msg.kind == "robots" && task.task_id == 1) {
        // robots.txt is parsed up to kMaxRobotsBytes (one byte more tells a
        // longer file, whose cut last line is dropped); a longer file is
        // not an error (RFC 9309 section 2.5).
        req.max_body_bytes = kMaxRobotsBytes + 1;
        req.truncate_body = true;
      }
      req.if_none_match = task.etag;
      req.if_modified_since = task.last_modified;
      in_flight[req.id] = {id, index, clock->MonoMs()};
      fetcher.Add(std::move(req));
      ++st.in_flight;
      st.next_start = now + st.msg.delay_ms;
    }
    if (!st.released && st.next_task == st.msg.tasks.size() && st.in_flight == 0) {
      st.released = true;
      json release = {{"lease_id", id}};
      if (st.retry_after_ms > 0) release["retry_after_ms"] = st.retry_after_ms;
      if (conn == Conn::kConnected) Send("RELEASE", release);
    }
  }
}

void Worker::Impl::CollectFetches() {
  std::vector<FetchResult> results;
  fetcher.TakeCompleted(&results);
  for (auto& r : results) {
    auto it = in_flight.find(r.id);
    if (it == in_flight.end()) continue;
    InFlight f = std::move(it->second);
    in_flight.erase(it);
    auto lit = leases.find(f.lease_id);
    if (lit == leases.end()) continue;
    LeaseState& st = lit->second;
    --st.in_flight;
    // The delay runs from when the request actually went out: a new
    // connection's set-up must not eat into the host's delay.
    st.next_start = std::max(st.next_start, f.added_at + static_cast<int64_t>(std::ceil(r.sent_after_s * 1000)) +
                                                st.msg.delay_ms);
    auto ctx = std::make_shared<TaskContext>();
    ctx->lease_kind = st.msg.kind;
    ctx->task = st.msg.tasks[f.task_index];
    ctx->product_token = ProductToken(st.msg.user_agent);
    ctx->ai_tokens = st.msg.ai_tokens;
    ctx->registry = &registry;
    ctx->keep_body = st.msg.keep_body;
    if (st.msg.kind == "page" && r.reason.empty() && (r.status == 429 || r.status == 503)) {
      // The server asked us to slow down: stop this lease and hand its
      // unstarted tasks back instead of fetching them on schedule.
      DeferRest(&st, ParseRetryAfterMs(r.retry_after, r.started_at_ms), clock->MonoMs());
    }
    auto shared = std::make_shared<FetchResult>(std::move(r));
    ++parsing;
    pool->Submit([this, shared, ctx, f] {
      ResultEntry e = ProcessFetch(*shared, *ctx, options.html_limits);
      {
        std::lock_guard<std::mutex> lock(done_mu);
        done.emplace_back(f.lease_id, std::move(e));
      }
      --parsing;
      fetcher.Wakeup();
    });
  }
}

void Worker::Impl::CollectParsed(int64_t now) {
  std::deque<std::pair<int64_t, ResultEntry>> batch;
  {
    std::lock_guard<std::mutex> lock(done_mu);
    batch.swap(done);
  }
  for (auto& [lease_id, e] : batch) {
    auto it = leases.find(lease_id);
    if (it == leases.end()) continue;
    {
      std::lock_guard<std::mutex> lock(stats_mu);
      ++stats.entries;
      if (it->second.msg.kind != "page") {
        // robots.txt fetches are overhead, not pages
      } else if (e.reason.empty()) {
        ++stats.pages;
        stats.bytes += e.body_bytes;
      } else if (!IsFetchOutcome(e.reason)) {
        ++stats.errors;
        ++stats.errors_by_reason[e.reason];
      }
    }
    if (it->second.ready.empty()) it->second.first_ready = now;
    it->second.ready.push_back(std::move(e));
    ++it->second.finished;
    FinishTasks(1);
  }
}

// Tasks not started are dropped; those in flight still report (the
// coordinator accepts them if nobody else has been given them meanwhile).
void Worker::Impl::StopLease(LeaseState* st) {
  const size_t dropped = st->msg.tasks.size() - st->next_task;
  st->next_task = st->msg.tasks.size();
  st->finished += dropped;
  st->cancelled = true;
  st->released = true;
  FinishTasks(static_cast<int64_t>(dropped));
}

// Unstarted tasks become "deferred" entries: the coordinator requeues them
// without counting an attempt, and the host waits out the server's request.
void Worker::Impl::DeferRest(LeaseState* st, int64_t retry_after_ms, int64_t now) {
  st->retry_after_ms = std::max<int64_t>({st->retry_after_ms, retry_after_ms, 1});
  const int64_t wall = clock->NowMs();
  for (; st->next_task < st->msg.tasks.size(); ++st->next_task) {
    const TaskSpec& task = st->msg.tasks[st->next_task];
    ResultEntry e;
    e.task_id = task.task_id;
    e.url = task.url;
    e.reason = "deferred";
    e.detail = "host asked to slow down (429/503)";
    e.fetched_at = wall;
    if (st->ready.empty()) st->first_ready = now;
    st->ready.push_back(std::move(e));
    ++st->finished;
    FinishTasks(1);
  }
}

void Worker::Impl::FinishTasks(int64_t n) {
  held -= n;
  freed += n;
}

void Worker::Impl::AnnounceCredit(bool force) {
  if (conn != Conn::kConnected || freed <= 0) return;
  // Announce in chunks so a busy worker does not send one REQUEST per task.
  if (!force && freed < std::max<int64_t>(1, options.capacity / 8)) return;
  const int64_t room = std::min(freed, options.capacity - held - outstanding);
  freed = 0;
  if (room <= 0) return;
  Send("REQUEST", Encode(RequestMsg{room}));
  outstanding += room;
}

void Worker::Impl::FlushBatches(int64_t now, bool force) {
  for (auto it = leases.begin(); it != leases.end();) {
    LeaseState& st = it->second;
    const bool complete = st.finished == st.msg.tasks.size();
    // A robots lease is answered in one batch: the coordinator settles it on
    // the robots.txt entry, and a later tdmrep.json entry would come too late.
    const bool whole_only = st.msg.kind == "robots";
    while (!st.ready.empty() &&
           (force || complete ||
            (!whole_only && (static_cast<int64_t>(st.ready.size()) >= options.batch_entries ||
                             now - st.first_ready >= options.batch_flush_ms)))) {
      ResultMsg msg;
      msg.lease_id = st.msg.lease_id;
      msg.batch_id = worker_id + "-" + std::to_string(++batch_seq);
      // Cut by count and by size, so no batch nears the protocol's message limit.
      size_t n = 0, bytes = 0;
      while (n < st.ready.size() && n < static_cast<size_t>(options.batch_entries)) {
        const ResultEntry& e = st.ready[n];
        size_t size = 512 + e.text.size() + e.title.size() + e.robots_txt.size() +
                      e.markdown.size() + e.http_head.size() + e.body_gzip.size() * 4 / 3 +
                      (e.extras.empty() ? 0 : DumpJson(e.extras).size());
        for (const auto& l : e.outlinks) size += l.size() + 4;
        if (n > 0 && bytes + size > kMaxBatchBytes) break;
        bytes += size;
        ++n;
      }
      msg.entries.assign(std::make_move_iterator(st.ready.begin()),
                         std::make_move_iterator(st.ready.begin() + static_cast<long>(n)));
      st.ready.erase(st.ready.begin(), st.ready.begin() + static_cast<long>(n));
      st.first_ready = now;
      msg.signature = key.SignHex(ManifestBytes(key.public_hex(), msg, st.msg.nonce));
      SpooledBatch sb{msg.batch_id, msg.lease_id, DumpJson(Encode(msg))};
      if (Status s = spool.Put(sb); !s.ok()) log.Error(s.ToString());
      unacked[sb.batch_id] = now;
      if (conn == Conn::kConnected) SendRaw("RESULT", sb.body);
    }
    if (complete && st.ready.empty() && st.in_flight == 0) {
      it = leases.erase(it);
    } else {
      ++it;
    }
  }
}

void Worker::Impl::ResendUnacked(int64_t now, bool all) {
  if (conn != Conn::kConnected) return;
  std::vector<std::string> due;
  for (const auto& [id, sent] : unacked) {
    if (all || now - sent >= kResendAfterMs) due.push_back(id);
  }
  if (due.empty()) return;
  std::vector<SpooledBatch> stored;
  if (!spool.LoadAll(&stored).ok()) return;
  std::set<std::string> in_spool;
  for (const auto& b : stored) in_spool.insert(b.batch_id);
  for (const auto& id : due) {
    if (in_spool.count(id) == 0) unacked.erase(id);  // nothing left to send for it
  }
  for (const auto& b : stored) {
    auto it = unacked.find(b.batch_id);
    if (it == unacked.end()) {
      unacked[b.batch_id] = now;  // left by an earlier run of this contributor
    } else if (!all && now - it->second < kResendAfterMs) {
      continue;
    }
    unacked[b.batch_id] = now;
    SendRaw("RESULT", b.body);
  }
}

void Worker::Impl::Progress(int64_t now, bool final) {
  const int64_t every = progress_line ? 500 : 10000;
  if (!final && now - last_progress < every) return;
  last_progress = now;
  WorkerStats s;
  {
    std::lock_guard<std::mutex> lock(stats_mu);
    s = stats;
  }
  const double secs = std::max<int64_t>(1, now - started_mono) / 1000.0;
  char line[256];
  std::snprintf(line, sizeof(line),
                "%lld pages, %s, %.1f pages/s, %lld errors, %lld credited, %zu leases, %zu unacked",
                static_cast<long long>(s.pages), HumanBytes(static_cast<double>(s.bytes)).c_str(),
                s.pages / secs, static_cast<long long>(s.errors),
                static_cast<long long>(s.credited), leases.size(), unacked.size());
  if (progress_line) {
    std::string out = "\r\033[K" + std::string(line) + (final ? "\n" : "");
    [[maybe_unused]] auto n = write(STDERR_FILENO, out.data(), out.size());
  } else {
    log.Info(line);
  }
}

int Worker::Impl::NextTimeout(int64_t now) const {
  int64_t t = 50;
  for (const auto& [id, st] : leases) {
    if (!st.ready.empty() && st.msg.kind != "robots") {
      t = std::min(t, std::max<int64_t>(0, st.first_ready + options.batch_flush_ms - now));
    }
    if (st.next_task < st.msg.tasks.size() && st.in_flight < st.msg.concurrency) {
      t = std::min(t, std::max<int64_t>(0, st.next_start - now));
    }
  }
  return static_cast<int>(t);
}

Status Worker::Impl::Run(const std::atomic<bool>& stop) {
  started_mono = clock->MonoMs();
  reconnect_at = started_mono;
  while (!stop.load() && !exit_now) {
    int64_t now = clock->MonoMs();
    if (conn == Conn::kDisconnected && now >= reconnect_at) {
      try {
        Connect();
      } catch (const zmq::error_t& e) {
        Disconnect(std::string("cannot connect: ") + e.what());
      }
    }
    DrainSocket();
    if (exit_now) break;
    int fd = -1;
    int timeout = NextTimeout(now);
    if (socket) {
      // ZMQ_FD is edge-triggered: reading ZMQ_EVENTS re-arms it, and a message
      // that is already queued must not wait for the next edge.
      fd = socket->get(zmq::sockopt::fd);
      if (socket->get(zmq::sockopt::events) & ZMQ_POLLIN) timeout = 0;
    }
    fetcher.Poll(timeout, fd);
    DrainSocket();
    if (exit_now) break;
    now = clock->MonoMs();
    CollectFetches();
    CollectParsed(now);
    StartFetches(now);
    FlushBatches(now, false);
    {
      std::lock_guard<std::mutex> lock(stats_mu);
      stats.connected = conn == Conn::kConnected;
      stats.unacked = static_cast<int64_t>(unacked.size());
    }
    AnnounceCredit(leases.empty());
    if (conn == Conn::kHelloSent && now - conn_since > kHelloTimeoutMs) {
      Disconnect("no answer");
    } else if (conn == Conn::kConnected) {
      if (now - last_recv > heartbeat_ms * liveness) {
        Disconnect("silent for " + std::to_string(now - last_recv) + " ms");
      } else if (now - last_send >= heartbeat_ms) {
        Send("HEARTBEAT", json::object());
      }
      ResendUnacked(now, false);
    }
    Progress(now, false);
  }
  // Leave cleanly: start nothing new, but spool (and send, if connected) every
  // result already produced, so finished work is not thrown away.
  pool.reset();  // runs the queued parse jobs, then joins the threads
  const int64_t now = clock->MonoMs();
  CollectParsed(now);
  FlushBatches(now, /*force=*/true);
  if (socket && conn == Conn::kConnected && !exit_now) Send("BYE", json{{"reason", "stopping"}});
  Progress(now, true);
  return Status::OK();
}

}  // namespace swarmcrawl
