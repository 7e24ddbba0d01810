#include "coordinator/http_api.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "coordinator/crawl_control.h"
#include "coordinator/export.h"
#include "coordinator/store.h"
#include "core/crypto.h"
#include "core/protocol.h"
#include "core/strings.h"

namespace swarmcrawl {

// The dashboard's files, compiled in from dashboard/ (see CMakeLists.txt).
std::string_view EmbeddedDashboardFile(std::string_view name);

namespace {

using json = nlohmann::json;

constexpr const char* kVersion = "0.1.0";
constexpr int64_t kRecordsPageDefault = 1000;
constexpr int64_t kRecordsPageMax = 1000000;
constexpr int64_t kRecordsBatch = 512;
constexpr int64_t kForgetAfterMs = 60000;  // cached views nobody asked for this long are dropped  // records read per pooled-connection turn

// An HTTP-level error carried out of a handler.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

void SendJson(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(DumpJson(body), "application/json");
}

void SendError(httplib::Response& res, const ApiError& e) {
  SendJson(res, {{"error", {{"code", e.code}, {"message", e.message}}}}, e.status);
}

ApiError BadParam(const std::string& name, const std::string& what) {
  return {400, "bad_parameter", name + ": " + what};
}

ApiError FromStatus(const Status& s) {
  if (s.code() == "not_found") return {404, "not_found", s.message()};
  if (s.code() == "io") return {500, "io", s.message()};
  if (s.code() == "bad_filter") return {400, "bad_parameter", s.message()};
  return {400, s.code(), s.message()};
}

int64_t IntParam(const httplib::Request& req, const std::string& name, int64_t def, int64_t lo,
                 int64_t hi) {
  if (!req.has_param(name)) return def;
  const std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
    throw BadParam(name, "expected a non-negative integer");
  }
  const int64_t n = std::stoll(v);
  if (n < lo || n > hi) {
    throw BadParam(name, "expected " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return n;
}

bool BoolParam(const httplib::Request& req, const std::string& name) {
  if (!req.has_param(name)) return false;
  const std::string v = req.get_param_value(name);
  if (v == "1" || v == "true" || v.empty()) return true;
  if (v == "0" || v == "false") return false;
  throw BadParam(name, "expected true or false");
}

// Constant-time comparison of a presented token with the configured one;
// both are hashed first, so not even the token's length shows in the timing.
bool TokenMatches(const std::string& presented, const std::string& expected) {
  if (expected.empty() || presented.empty()) return false;
  const std::string a = Sha256Hex(presented), b = Sha256Hex(expected);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string BearerToken(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  constexpr size_t kPrefix = 7;  // "Bearer " (the scheme is case-insensitive)
  if (h.size() <= kPrefix || !EqualsIgnoreCase(std::string_view(h).substr(0, kPrefix), "bearer ")) {
    return "";
  }
  return h.substr(kPrefix);
}

std::string ContentTypeOf(std::string_view name) {
  if (name.size() >= 5 && name.substr(name.size() - 5) == ".html") return "text/html; charset=utf-8";
  if (name.size() >= 4 && name.substr(name.size() - 4) == ".css") return "text/css; charset=utf-8";
  if (name.size() >= 3 && name.substr(name.size() - 3) == ".js") {
    return "text/javascript; charset=utf-8";
  }
  return "application/octet-stream";
}

// Prometheus label values: backslash, quote and newline escaped.
std::string PromLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

struct HttpApi::Impl {
  HttpApiOptions options;
  const Clock* clock;
  httplib::Server server;
  std::thread thread;
  int port = 0;

  // Pooled read connections (each a Store on the same file).
  std::mutex pool_mu;
  std::condition_variable pool_cv;
  std::vector<std::unique_ptr<Store>> idle;
  int open_connections = 0;

  // Crawl status and credit totals are kept fresh by a refresher thread
  // (every status_ttl_ms, for what was asked in the last minute), so a
  // status request never waits for the counting queries, however large the
  // crawl or busy the writer.
  struct CachedStatus {
    json body;
    int64_t last_asked = 0;
  };
  std::mutex cache_mu;
  std::condition_variable cache_cv;
  bool stopping = false;
  std::map<std::string, CachedStatus> status_cache;
  // A value computed on first request and renewed by the refresher while
  // someone asked for it in the last minute. Guarded by cache_mu.
  template <typename T>
  struct Cached {
    T value;
    bool valid = false;
    int64_t asked = 0;
  };
  Cached<std::map<std::string, CreditRow>> credits;  // all crawls, by contributor
  Cached<std::vector<std::string>> crawl_names;
  std::thread refresher;

  // Holds a pooled connection for the scope of a request (or a batch).
  class Conn {
   public:
    explicit Conn(Impl* impl) : impl_(impl) { store_ = impl_->Acquire(); }
    ~Conn() { impl_->Release(std::move(store_)); }
    Store* operator->() { return store_.get(); }
    Store* get() { return store_.get(); }

   private:
    Impl* impl_;
    std::unique_ptr<Store> store_;
  };

  std::unique_ptr<Store> Acquire() {
    std::unique_lock<std::mutex> lock(pool_mu);
    pool_cv.wait(lock, [&] { return !idle.empty() || open_connections < options.max_connections; });
    if (!idle.empty()) {
      auto s = std::move(idle.back());
      idle.pop_back();
      return s;
    }
    ++open_connections;
    lock.unlock();
    auto store = std::make_unique<Store>();
    if (Status s = Store::Open(options.db_path, store.get()); !s.ok()) {
      std::lock_guard<std::mutex> relock(pool_mu);
      --open_connections;
      pool_cv.notify_one();
      throw ApiError{503, "unavailable", "cannot open the database: " + s.message()};
    }
    return store;
  }

  void Release(std::unique_ptr<Store> store) {
    if (!store) return;
    std::lock_guard<std::mutex> lock(pool_mu);
    idle.push_back(std::move(store));
    pool_cv.notify_one();
  }

  // --- auth -------------------------------------------------------------------
  bool Authorized(const httplib::Request& req, bool write, httplib::Response& res) {
    const std::string token = BearerToken(req);
    if (write) {
      if (options.write_token.empty()) {
        SendError(res, {403, "writes_disabled",
                        "this coordinator has no API write token configured"});
        return false;
      }
      if (TokenMatches(token, options.write_token)) return true;
    } else {
      if (options.read_token.empty()) return true;
      if (TokenMatches(token, options.read_token) || TokenMatches(token, options.write_token)) {
        return true;
      }
    }
    res.set_header("WWW-Authenticate", "Bearer");
    SendError(res, {token.empty() ? 401 : 403, token.empty() ? "unauthorized" : "forbidden",
                    token.empty() ? std::string("send Authorization: Bearer <token>")
                                  : std::string("the token is not valid for this request")});
    return false;
  }

  // Wraps a handler: auth, then errors (ApiError, SqliteError, anything) as JSON.
  template <typename Fn>
  httplib::Server::Handler Route(bool write, Fn fn) {
    return [this, write, fn](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      if (!Authorized(req, write, res)) return;
      try {
        fn(req, res);
      } catch (const ApiError& e) {
        SendError(res, e);
      } catch (const SqliteError& e) {
        SendError(res, {500, "io", e.what()});
      } catch (const std::exception& e) {
        SendError(res, {500, "internal", e.what()});
      }
    };
  }

  // --- crawls -----------------------------------------------------------------
  json ComputeStatus(const std::string& name) {
    CrawlStatus st;
    Status s;
    {
      Conn conn(this);
      s = conn->GetStatus(name, &st);
    }
    if (!s.ok()) throw FromStatus(s);
    return CrawlStatusJson(st);
  }

  // The status of crawl `name`: computed on the first request, then served
  // from the cache the refresher keeps (at most status_ttl_ms plus one
  // refresh old).
  json CrawlStatusCached(const std::string& name) {
    const int64_t now = clock->MonoMs();
    {
      std::lock_guard<std::mutex> lock(cache_mu);
      if (auto it = status_cache.find(name); it != status_cache.end()) {
        it->second.last_asked = now;
        return it->second.body;
      }
    }
    json body = ComputeStatus(name);
    std::lock_guard<std::mutex> lock(cache_mu);
    status_cache[name] = CachedStatus{body, now};
    return body;
  }

  // After a write: the next read computes afresh.
  void Forget(const std::string& name) {
    std::lock_guard<std::mutex> lock(cache_mu);
    status_cache.erase(name);
    crawl_names.valid = false;
  }

  std::map<std::string, CreditRow> ComputeCredits() {
    std::vector<CreditRow> rows;
    {
      Conn conn(this);
      if (Status s = conn->Credits(&rows); !s.ok()) throw FromStatus(s);
    }
    std::map<std::string, CreditRow> out;
    for (auto& r : rows) out[r.contributor] = std::move(r);
    return out;
  }

  void Refresh() {
    std::unique_lock<std::mutex> lock(cache_mu);
    while (!stopping) {
      cache_cv.wait_for(lock, std::chrono::milliseconds(options.status_ttl_ms), [&] { return stopping; });
      if (stopping) break;
      const int64_t now = clock->MonoMs();
      std::vector<std::string> names;
      for (auto it = status_cache.begin(); it != status_cache.end();) {
        if (now - it->second.last_asked > kForgetAfterMs) {
          it = status_cache.erase(it);
        } else {
          names.push_back(it->first);
          ++it;
        }
      }
      lock.unlock();
      std::map<std::string, json> fresh;
      for (const auto& name : names) {
        try {
          fresh[name] = ComputeStatus(name);
        } catch (...) {
          // Gone or unreadable for now: the next request finds out.
        }
      }
      lock.lock();
      for (auto& [name, body] : fresh) {
        if (auto it = status_cache.find(name); it != status_cache.end()) it->second.body = std::move(body);
      }
      Renew(&crawl_names, [this] { return ComputeCrawlNames(); }, now, &lock);
      Renew(&credits, [this] { return ComputeCredits(); }, now, &lock);
    }
  }

  // Called with `lock` held; computes without it.
  template <typename T, typename Fn>
  void Renew(Cached<T>* c, Fn compute, int64_t now, std::unique_lock<std::mutex>* lock) {
    if (!c->valid || now - c->asked > kForgetAfterMs) return;
    lock->unlock();
    std::optional<T> fresh;
    try {
      fresh = compute();
    } catch (...) {
      // Unreadable for now: keep the last value.
    }
    lock->lock();
    if (fresh && c->valid) c->value = std::move(*fresh);  // not if a write dropped it meanwhile
  }

  template <typename T, typename Fn>
  T Get(Cached<T>* c, Fn compute) {
    {
      std::lock_guard<std::mutex> lock(cache_mu);
      c->asked = clock->MonoMs();
      if (c->valid) return c->value;
    }
    T value = compute();
    std::lock_guard<std::mutex> lock(cache_mu);
    c->value = value;
    c->valid = true;
    return value;
  }

  // Crawl names, cached like crawl status (a submit or state change through
  // this API forgets them at once; one through the CLI shows within a refresh).
  std::vector<std::string> CrawlNames() {
    return Get(&crawl_names, [this] { return ComputeCrawlNames(); });
  }

  std::vector<std::string> ComputeCrawlNames() {
    std::vector<CrawlInfo> crawls;
    Conn conn(this);
    if (Status s = conn->ListCrawls(&crawls); !s.ok()) throw FromStatus(s);
    std::vector<std::string> names;
    for (const auto& c : crawls) names.push_back(c.name);
    return names;
  }

  int64_t CrawlId(Store* store, const std::string& name) {
    if (name.empty()) throw BadParam("crawl", "required");
    CrawlInfo info;
    if (Status s = store->FindCrawl(name, &info); !s.ok()) throw FromStatus(s);
    return info.id;
  }

  void ListCrawls(const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const auto& name : CrawlNames()) {
      try {
        out.push_back(CrawlStatusCached(name));
      } catch (const ApiError& e) {
        if (e.status != 404) throw;  // deleted meanwhile
      }
    }
    SendJson(res, {{"crawls", out}});
  }

  void SubmitCrawlRequest(const httplib::Request& req, httplib::Response& res) {
    std::string name;
    bool existed = false;
    Status s;
    {
      Conn conn(this);
      s = SubmitCrawl(conn.get(), req.body, clock, &name, &existed);
    }
    if (!s.ok()) {
      if (s.code() == "io") throw FromStatus(s);
      throw ApiError{400, "bad_spec", s.message() + " (nothing was submitted)"};
    }
    if (existed) throw ApiError{409, "exists", "a crawl named " + name + " already exists"};
    Forget(name);
    res.set_header("Location", "/api/v1/crawls/" + name);
    SendJson(res, CrawlStatusCached(name), 201);
  }

  void ChangeCrawl(const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    const std::string verb = req.matches[2];
    std::string state;
    if (!CrawlStateForVerb(verb, &state)) throw ApiError{404, "not_found", "no action " + verb};
    Status s;
    {
      Conn conn(this);
      CrawlInfo info;
      if (Status f = conn->FindCrawl(name, &info); !f.ok()) throw FromStatus(f);
      s = conn->SetCrawlState(name, state, clock->NowMs());
    }
    if (!s.ok()) {
      if (s.code() == "io") throw FromStatus(s);
      throw ApiError{409, "bad_transition", s.message()};
    }
    Forget(name);
    SendJson(res, CrawlStatusCached(name));
  }

  // --- hosts and errors -----------------------------------------------------
  void Hosts(const httplib::Request& req, httplib::Response& res) {
    const int64_t limit = IntParam(req, "limit", 100, 1, 10000);
    const int64_t offset = IntParam(req, "offset", 0, 0, 1000000000);
    const int64_t now = clock->NowMs();
    Conn conn(this);
    const int64_t crawl_id = CrawlId(conn.get(), req.get_param_value("crawl"));
    Stmt s = conn->db()->Prepare(R"sql(
        SELECT host, queued, lease_id IS NOT NULL, delay_ms, response_ms, next_fetch_at,
               robots_state, robots_status, robots_unavailable_since, consecutive_errors,
               backoff_until, ip, COALESCE(robots_error,'')
        FROM hosts WHERE crawl_id=? ORDER BY lease_id IS NULL, queued DESC, id LIMIT ? OFFSET ?)sql");
    s.Bind(1, crawl_id).Bind(2, limit).Bind(3, offset);
    json hosts = json::array();
    while (s.Step()) {
      std::string robots = "pending";
      if (s.Text(6) == "ready") {
        const int64_t code = s.IsNull(7) ? 0 : s.Int(7);
        robots = code >= 200 && code < 300 ? "rules" : code >= 400 && code < 500 ? "allow_all" : "ready";
      } else if (!s.IsNull(8)) {
        robots = "unavailable";
      }
      json h = {{"host", s.Text(0)},
                {"queued", s.Int(1)},
                {"leased", s.Int(2) != 0},
                {"delay_ms", s.Int(3)},
                {"response_ms", s.Int(4)},
                {"next_fetch_in_ms", std::max<int64_t>(0, s.Int(5) - now)},
                {"robots", robots},
                {"consecutive_errors", s.Int(9)},
                {"backoff_ms", std::max<int64_t>(0, s.Int(10) - now)},
                {"ip", s.IsNull(11) ? json(nullptr) : json(s.Text(11))}};
      if (!s.TextView(12).empty()) h["robots_error"] = s.Text(12);
      hosts.push_back(std::move(h));
    }
    SendJson(res, {{"crawl", req.get_param_value("crawl")}, {"hosts", hosts}});
  }

  void Errors(const httplib::Request& req, httplib::Response& res) {
    const int64_t limit = IntParam(req, "limit", 50, 1, 1000);
    const int64_t recent = IntParam(req, "recent", 3, 0, 100);
    Conn conn(this);
    const int64_t crawl_id = CrawlId(conn.get(), req.get_param_value("crawl"));
    Stmt s = conn->db()->Prepare(R"sql(
        SELECT state, reason, n FROM frontier_counts
        WHERE crawl_id=? AND state IN ('failed','excluded') AND reason != '' AND n > 0
        ORDER BY n DESC LIMIT ?)sql");
    s.Bind(1, crawl_id).Bind(2, limit);
    Stmt r = conn->db()->Prepare(R"sql(
        SELECT url, updated_at, COALESCE(detail,'') FROM frontier
        WHERE crawl_id=? AND state=? AND reason=? ORDER BY updated_at DESC LIMIT ?)sql");
    json reasons = json::array();
    while (s.Step()) {
      const std::string state = s.Text(0), reason = s.Text(1);
      json list = json::array();
      r.Bind(1, crawl_id).Bind(2, state).Bind(3, reason).Bind(4, recent);
      while (r.Step()) {
        list.push_back({{"url", r.Text(0)}, {"at", r.Int(1)}, {"detail", r.Text(2)}});
      }
      r.Reset();
      reasons.push_back({{"reason", state + "/" + reason},
                         {"state", state},
                         {"count", s.Int(2)},
                         {"recent", list}});
    }
    SendJson(res, {{"crawl", req.get_param_value("crawl")}, {"reasons", reasons}});
  }

  // --- live state -------------------------------------------------------------
  LiveSnapshot Live() const {
    return options.live != nullptr ? options.live->Read() : LiveSnapshot{};
  }

  // Every contributor's credit row, cached like crawl status.
  std::map<std::string, CreditRow> CreditsByContributor() {
    return Get(&credits, [this] { return ComputeCredits(); });
  }

  void Workers(const httplib::Request&, httplib::Response& res) {
    const LiveSnapshot live = Live();
    const auto credits = CreditsByContributor();
    const int64_t now = clock->NowMs();
    json out = json::array();
    for (const auto& w : live.workers) {
      json j = {{"worker_id", w.worker_id},
                {"contributor", w.contributor},
                {"fingerprint", Fingerprint(w.contributor)},
                {"name", w.name},
                {"capacity", w.capacity},
                {"active_leases", w.active_leases},
                {"pages", w.pages},
                {"pages_per_s", w.pages_per_s},
                {"connected_ms", w.connected_at_ms},
                {"last_seen_ms_ago", std::max<int64_t>(0, now - w.last_seen_ms)}};
      if (auto it = credits.find(w.contributor); it != credits.end()) {
        j["reputation"] = it->second.reputation;
        j["trust"] = TrustLabel(it->second, options.trust_after);
        j["credit_accepted"] = it->second.credit_accepted;
        j["credit_pending"] = it->second.credit_pending;
      }
      out.push_back(std::move(j));
    }
    SendJson(res, {{"now_ms", now}, {"workers", out}});
  }

  void Stats(const httplib::Request&, httplib::Response& res) {
    const LiveSnapshot live = Live();
    json series = json::array();
    for (const auto& p : live.series) {
      series.push_back({{"t", p.t}, {"pages_per_s", p.pages_per_s}, {"records", p.records}});
    }
    SendJson(res, {{"now_ms", clock->NowMs()},
                   {"live", live.now_ms != 0},
                   {"published_at", live.now_ms},
                   {"started_at", live.started_at_ms},
                   {"records", live.records},
                   {"batches", live.batches},
                   {"rejected_batches", live.rejected},
                   {"workers", live.workers.size()},
                   {"pages_per_s", live.pages_per_s},
                   {"interval_ms", live.interval_ms},
                   {"series", series}});
  }

  void Credits(const httplib::Request& req, httplib::Response& res) {
    const int64_t limit = IntParam(req, "limit", 100, 1, 100000);
    std::vector<CreditRow> rows;
    {
      Conn conn(this);
      if (Status s = conn->Credits(&rows, req.get_param_value("crawl")); !s.ok()) {
        throw FromStatus(s);
      }
    }
    json out = json::array();
    for (const auto& r : rows) {
      if (static_cast<int64_t>(out.size()) >= limit) break;
      json j = CreditRowJson(r, options.trust_after);
      j["rank"] = out.size() + 1;
      out.push_back(std::move(j));
    }
    SendJson(res, {{"contributors", out}});
  }

  void LedgerEpochs(const httplib::Request& req, httplib::Response& res) {
    const int64_t limit = IntParam(req, "limit", 100, 1, 10000);
    const int64_t before = IntParam(req, "before", INT64_MAX / 2, 0, INT64_MAX / 2);
    Conn conn(this);
    Stmt s = conn->db()->Prepare(
        "SELECT epoch, first_seq, last_seq, hex(root), signature, signed_at FROM ledger_epochs "
        "WHERE epoch<? ORDER BY epoch DESC LIMIT ?");
    s.Bind(1, before).Bind(2, limit);
    json epochs = json::array();
    while (s.Step()) {
      std::string root = s.Text(3);
      std::transform(root.begin(), root.end(), root.begin(), ::tolower);
      epochs.push_back({{"epoch", s.Int(0)},
                        {"first_seq", s.Int(1)},
                        {"last_seq", s.Int(2)},
                        {"root", root},
                        {"signature", s.Text(4)},
                        {"signed_at", s.Int(5)}});
    }
    Stmt n = conn->db()->Prepare("SELECT COUNT(*), COALESCE(MAX(seq),0) FROM ledger");
    n.Step();
    SendJson(res, {{"coordinator_key", options.ledger_public_key},
                   {"entries", n.Int(0)},
                   {"last_seq", n.Int(1)},
                   {"epochs", epochs}});
  }

  // --- records, WARC, search ------------------------------------------------
  ExportFilter FilterFrom(const httplib::Request& req) {
    ExportFilter f;
    f.crawl = req.get_param_value("crawl");
    if (f.crawl.empty()) throw BadParam("crawl", "required");
    if (req.has_param("schema")) f.schema = req.get_param_value("schema");
    if (req.has_param("lang")) {
      std::string langs = req.get_param_value("lang");
      size_t start = 0;
      while (start <= langs.size()) {
        const size_t comma = std::min(langs.find(',', start), langs.size());
        if (comma > start) f.languages.push_back(langs.substr(start, comma - start));
        start = comma + 1;
      }
    }
    if (req.has_param("min_quality")) {
      const std::string v = req.get_param_value("min_quality");
      char* end = nullptr;
      f.min_quality = std::strtod(v.c_str(), &end);
      if (v.empty() || end == nullptr || *end != '\0' || !std::isfinite(f.min_quality)) {
        throw BadParam("min_quality", "expected a number between 0 and 1");
      }
    }
    f.drop_duplicates = BoolParam(req, "drop_duplicates");
    for (const char* bound : {"since", "until"}) {
      if (!req.has_param(bound)) continue;
      int64_t ms = 0;
      if (!ParseTimeBound(req.get_param_value(bound), &ms)) {
        throw BadParam(bound, "expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or milliseconds");
      }
      (std::string(bound) == "since" ? f.since_ms : f.until_ms) = ms;
    }
    f.after_id = IntParam(req, "after", 0, 0, INT64_MAX / 2);
    if (Status s = ValidateExportFilter(f); !s.ok()) throw ApiError{400, "bad_parameter", s.message()};
    {
      Conn conn(this);
      CrawlId(conn.get(), f.crawl);  // 404 before the stream starts
    }
    return f;
  }

  // Streams up to `limit` records after the cursor as JSON Lines, reading
  // kRecordsBatch records per turn so no connection is held while the client
  // is slow. The last record's "id" is the cursor for the next request;
  // X-Swarmcrawl-Limit says how many were asked for (fewer lines: the end).
  void Records(const httplib::Request& req, httplib::Response& res) {
    ExportFilter base = FilterFrom(req);
    const int64_t limit = IntParam(req, "limit", kRecordsPageDefault, 1, kRecordsPageMax);
    res.set_header("X-Swarmcrawl-Limit", std::to_string(limit));
    struct Cursor {
      int64_t after;
      int64_t left;
      bool done = false;
    };
    auto cursor = std::make_shared<Cursor>(Cursor{base.after_id, limit});
    res.set_chunked_content_provider(
        "application/x-ndjson",
        [this, base, cursor](size_t, httplib::DataSink& sink) {
          if (cursor->done || cursor->left <= 0) {
            sink.done();
            return true;
          }
          ExportFilter f = base;
          f.after_id = cursor->after;
          f.limit = std::min<int64_t>(kRecordsBatch, cursor->left);
          std::string chunk;
          int64_t n = 0;
          Status s;
          try {
            Conn conn(this);
            s = ForEachExportRecord(conn.get(), f, [&](const json& rec) {
              chunk += DumpJson(rec);
              chunk.push_back('\n');
              cursor->after = rec.value("id", cursor->after);
              ++n;
              return true;
            });
          } catch (...) {
            return false;  // ends the response early; the client sees a short read
          }
          if (!s.ok()) return false;
          cursor->left -= n;
          if (n < f.limit) cursor->done = true;
          if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) return false;
          if (cursor->done || cursor->left <= 0) sink.done();
          return true;
        });
  }

  void Warc(const httplib::Request& req, httplib::Response& res) {
    ExportFilter f = FilterFrom(req);
    f.limit = IntParam(req, "limit", 0, 0, INT64_MAX / 2);
    const std::string path = options.temp_dir + "/swarmcrawl-api-" + RandomHex(8) + ".warc.gz";
    ExportStats stats;
    Status s;
    {
      Conn conn(this);
      s = ExportRecords(conn.get(), f, ExportFormat::kWarc, path, &stats);
    }
    if (!s.ok()) {
      unlink(path.c_str());
      throw FromStatus(s);
    }
    auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
    unlink(path.c_str());  // the open stream keeps the data until it is closed
    if (!*file) throw ApiError{500, "io", "cannot read the WARC file back"};
    res.set_header("Content-Disposition", "attachment; filename=\"" + f.crawl + ".warc.gz\"");
    res.set_header("X-Swarmcrawl-Records", std::to_string(stats.records));
    res.set_header("X-Swarmcrawl-Last-Id", std::to_string(stats.last_id));
    res.set_chunked_content_provider(
        "application/warc", [file](size_t, httplib::DataSink& sink) {
          char buf[1 << 16];
          file->read(buf, sizeof(buf));
          const std::streamsize got = file->gcount();
          if (got > 0 && !sink.write(buf, static_cast<size_t>(got))) return false;
          if (!*file) sink.done();
          return true;
        });
  }

  void Search(const httplib::Request& req, httplib::Response& res) {
    const std::string q = req.get_param_value("q");
    if (q.empty() || q.size() > 1024) throw BadParam("q", "expected 1..1024 characters");
    const int64_t limit = IntParam(req, "limit", 20, 1, 1000);
    Conn conn(this);
    const std::string crawl = req.get_param_value("crawl");
    const int64_t crawl_id = crawl.empty() ? 0 : CrawlId(conn.get(), crawl);
    json results = json::array();
    try {
      Stmt s = conn->db()->Prepare(R"sql(
          SELECT r.id, c.name, r.url, r.title, r.language, r.fetched_at,
                 snippet(records_fts, 1, '[', ']', '…', 16), bm25(records_fts)
          FROM records_fts JOIN records r ON r.id=records_fts.rowid JOIN crawls c ON c.id=r.crawl_id
          WHERE records_fts MATCH ?1 AND (?2=0 OR r.crawl_id=?2) AND r.withdrawn IS NULL
          ORDER BY bm25(records_fts) LIMIT ?3)sql");
      s.Bind(1, q).Bind(2, crawl_id).Bind(3, limit);
      while (s.Step()) {
        results.push_back({{"id", s.Int(0)},
                           {"crawl", s.Text(1)},
                           {"url", s.Text(2)},
                           {"title", s.Text(3)},
                           {"language", s.Text(4)},
                           {"fetched_at", s.Int(5)},
                           {"snippet", s.Text(6)},
                           {"score", -s.Double(7)}});
      }
    } catch (const SqliteError& e) {
      // A busy or failing database is ours; anything else here is the FTS5
      // query syntax ("syntax error near ...", "unterminated string", ...).
      const std::string what = e.what();
      for (const char* ours : {"locked", "busy", "I/O", "disk", "memory", "corrupt"}) {
        if (what.find(ours) != std::string::npos) throw;
      }
      throw BadParam("q", "not a valid search query (" + what + ")");
    }
    SendJson(res, {{"query", q}, {"results", results}});
  }

  // --- metrics and health -----------------------------------------------------
  void Metrics(const httplib::Request&, httplib::Response& res) {
    const LiveSnapshot live = Live();
    std::string out;
    auto metric = [&](const std::string& name, const char* type, const char* help) {
      out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    };
    auto sample = [&](const std::string& name, const std::string& labels, double v) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g", v);
      out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + buf + "\n";
    };
    metric("swarmcrawl_records_stored", "gauge", "Dataset records in the store.");
    sample("swarmcrawl_records_stored", "", static_cast<double>(live.records));
    metric("swarmcrawl_pages_per_second", "gauge", "Records stored per second, last interval.");
    sample("swarmcrawl_pages_per_second", "", live.pages_per_s);
    metric("swarmcrawl_workers_connected", "gauge", "Worker sessions connected.");
    sample("swarmcrawl_workers_connected", "", static_cast<double>(live.workers.size()));
    metric("swarmcrawl_batches_accepted_total", "counter", "Result batches accepted since start.");
    sample("swarmcrawl_batches_accepted_total", "", static_cast<double>(live.batches));
    metric("swarmcrawl_batches_rejected_total", "counter", "Result batches rejected since start.");
    sample("swarmcrawl_batches_rejected_total", "", static_cast<double>(live.rejected));
    metric("swarmcrawl_crawl_urls", "gauge", "Frontier URLs per crawl and state.");
    std::string per_crawl;
    std::vector<json> statuses;
    for (const auto& name : CrawlNames()) {
      try {
        statuses.push_back(CrawlStatusCached(name));
      } catch (const ApiError&) {
      }
    }
    for (const auto& st : statuses) {
      const std::string crawl = "crawl=\"" + PromLabel(st["name"].get<std::string>()) + "\"";
      for (const auto& [state, n] : st["counts"].items()) {
        sample("swarmcrawl_crawl_urls", crawl + ",state=\"" + state + "\"", n.get<double>());
      }
    }
    for (const char* key : {"records", "bytes", "hosts", "active_leases", "opted_out"}) {
      const std::string name = std::string("swarmcrawl_crawl_") + key;
      metric(name, "gauge", (std::string("Per crawl: ") + key + ".").c_str());
      for (const auto& st : statuses) {
        sample(name, "crawl=\"" + PromLabel(st["name"].get<std::string>()) + "\"",
               st[key].get<double>());
      }
    }
    res.set_header("Cache-Control", "no-store");
    res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
  }

  void Health(const httplib::Request&, httplib::Response& res) {
    const LiveSnapshot live = Live();
    SendJson(res, {{"ok", true},
                   {"coordinator", options.coordinator_name},
                   {"version", kVersion},
                   {"now_ms", clock->NowMs()},
                   {"live", live.now_ms != 0},
                   {"started_at", live.started_at_ms},
                   {"ledger_key", options.ledger_public_key},
                   {"curve_key", options.curve_public_key},
                   {"reads_need_token", !options.read_token.empty()}});
  }

  void Dashboard(const httplib::Request& req, httplib::Response& res) {
    std::string name = req.matches.size() > 1 ? std::string(req.matches[1]) : "index.html";
    if (name.empty()) name = "index.html";
    const std::string_view body = EmbeddedDashboardFile(name);
    if (body.empty()) {
      SendError(res, {404, "not_found", "no such file"});
      return;
    }
    // The page and its script only ever talk to this origin.
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; connect-src 'self'; "
                   "frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(std::string(body), ContentTypeOf(name).c_str());
  }

  static void NoStore(httplib::Response& res) { res.set_header("Cache-Control", "no-store"); }

  void Register() {
    using R = httplib::Request;
    using W = httplib::Response;
#define SWC_READ(method) Route(false, [this](const R& q, W& s) { method(q, s); })
#define SWC_WRITE(method) Route(true, [this](const R& q, W& s) { method(q, s); })
    // Health is public: it holds nothing secret (the keys it shows are the
    // ones workers and receipt checkers need) and monitors must reach it.
    server.Get("/api/v1/health", [this](const R& q, W& s) {
      NoStore(s);
      Health(q, s);
    });
    server.Get("/api/v1/crawls", SWC_READ(ListCrawls));
    server.Post("/api/v1/crawls", SWC_WRITE(SubmitCrawlRequest));
    server.Get(R"(/api/v1/crawls/([^/]+))", Route(false, [this](const R& q, W& s) {
                 SendJson(s, CrawlStatusCached(q.matches[1]));
               }));
    server.Post(R"(/api/v1/crawls/([^/]+)/([a-z]+))", SWC_WRITE(ChangeCrawl));
    server.Get("/api/v1/hosts", SWC_READ(Hosts));
    server.Get("/api/v1/errors", SWC_READ(Errors));
    server.Get("/api/v1/workers", SWC_READ(Workers));
    server.Get("/api/v1/stats", SWC_READ(Stats));
    server.Get("/api/v1/credits", SWC_READ(Credits));
    server.Get("/api/v1/ledger/epochs", SWC_READ(LedgerEpochs));
    server.Get("/api/v1/records", SWC_READ(Records));
    server.Get("/api/v1/warc", SWC_READ(Warc));
    server.Get("/api/v1/search", SWC_READ(Search));
    server.Get("/metrics", SWC_READ(Metrics));
#undef SWC_READ
#undef SWC_WRITE
    // The dashboard itself is public (it holds no data); its API calls carry
    // the read token, if one is needed.
    auto dash = [this](const R& q, W& s) { Dashboard(q, s); };
    server.Get("/", dash);
    server.Get(R"(/dashboard/([a-z]+\.(?:html|css|js)))", dash);
    server.Get(R"(/([a-z]+\.(?:html|css|js)))", dash);
    server.set_error_handler([](const R&, W& s) {
      if (s.body.empty()) {
        SendError(s, {s.status, s.status == 404 ? "not_found" : "http_error",
                      s.status == 404 ? "no such endpoint" : "request failed"});
      }
    });
    server.set_payload_max_length(1 << 20);  // crawl specs are small
    server.set_tcp_nodelay(true);  // small JSON answers must not wait for delayed ACKs
    server.set_read_timeout(10, 0);
    server.set_write_timeout(30, 0);
    server.set_keep_alive_max_count(1000);
  }
};

HttpApi::HttpApi(HttpApiOptions options, const Clock* clock) : impl_(new Impl) {
  impl_->options = std::move(options);
  impl_->clock = clock;
}

HttpApi::~HttpApi() { Stop(); }

Status HttpApi::Start() {
  impl_->Register();
  if (impl_->options.port == 0) {
    impl_->port = impl_->server.bind_to_any_port(impl_->options.host);
  } else if (impl_->server.bind_to_port(impl_->options.host, impl_->options.port)) {
    impl_->port = impl_->options.port;
  } else {
    impl_->port = -1;
  }
  if (impl_->port <= 0) {
    return Status::Error("io", "cannot listen for HTTP on " + impl_->options.host + ":" +
                                   std::to_string(impl_->options.port));
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  impl_->refresher = std::thread([this] { impl_->Refresh(); });
  return Status::OK();
}

void HttpApi::Stop() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->cache_mu);
    impl_->stopping = true;
  }
  impl_->cache_cv.notify_all();
  if (impl_->refresher.joinable()) impl_->refresher.join();
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

int HttpApi::port() const { return impl_->port; }

Status LoadOrCreateToken(const std::string& path, std::string* token, bool* created) {
  *created = false;
  std::ifstream in(path);
  if (in) {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      return Status::Error("key_permissions", "token file " + path +
                                                  " is readable by other users; run: chmod 600 " +
                                                  path);
    }
    std::getline(in, *token);
    while (!token->empty() && std::isspace(static_cast<unsigned char>(token->back()))) token->pop_back();
    size_t start = 0;
    while (start < token->size() && std::isspace(static_cast<unsigned char>((*token)[start]))) ++start;
    token->erase(0, start);
    if (token->size() < 16) {
      return Status::Error("bad_token", path + ": a token needs at least 16 characters");
    }
    for (char c : *token) {
      if (c < 0x21 || c > 0x7e) {
        return Status::Error("bad_token", path + ": a token is printable ASCII without spaces");
      }
    }
    return Status::OK();
  }
  *token = RandomHex(32);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status::Error("io", "cannot create " + path);
  const std::string line = *token + "\n";
  const bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!ok) return Status::Error("io", "cannot write " + path);
  *created = true;
  return Status::OK();
}

}  // namespace swarmcrawl
