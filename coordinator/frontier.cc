#include "coordinator/frontier.h"

#include <algorithm>
#include <functional>

#include "core/crypto.h"
#include "core/url.h"

namespace swarmcrawl {

uint64_t UrlHash(std::string_view url) { return std::hash<std::string_view>()(url); }

static std::string OriginOf(const UrlParts& p) { return p.scheme + "://" + p.authority; }

Frontier::Frontier(Store* store, const Clock* clock, LeaseLimits limits)
    : store_(store), db_(store->db()), clock_(clock), limits_(limits) {}

std::vector<int64_t> Frontier::LoadCrawls() {
  std::vector<int64_t> changed;
  std::vector<CrawlInfo> all;
  if (!store_->ListCrawls(&all).ok()) return changed;
  for (auto& info : all) {
    auto it = crawls_.find(info.id);
    if (it != crawls_.end()) {
      if (it->second.info.state != info.state) changed.push_back(info.id);
      it->second.info.state = info.state;
      continue;
    }
    CrawlRuntime rt;
    rt.scope = std::make_unique<Scope>(info.spec);
    if (info.state == "running" || info.state == "paused") {
      Stmt s = db_->Prepare("SELECT url, state FROM frontier WHERE crawl_id=?");
      s.Bind(1, info.id);
      while (s.Step()) {
        rt.seen.insert(UrlHash(s.TextView(0)));
        if (s.TextView(1) != "excluded") ++rt.admitted;
      }
    }
    rt.info = std::move(info);
    changed.push_back(rt.info.id);
    crawls_.emplace(rt.info.id, std::move(rt));
  }
  return changed;
}

const CrawlInfo* Frontier::crawl(int64_t id) const {
  auto it = crawls_.find(id);
  return it == crawls_.end() ? nullptr : &it->second.info;
}

Frontier::CrawlRuntime* Frontier::runtime(int64_t crawl_id) {
  auto it = crawls_.find(crawl_id);
  return it == crawls_.end() ? nullptr : &it->second;
}

void Frontier::AddSeeds(int64_t crawl_id) {
  CrawlRuntime* rt = runtime(crawl_id);
  if (rt != nullptr) Admit(crawl_id, rt->info.spec.seeds, 0);
}

const RobotsRules* Frontier::Robots(int64_t crawl_id, const std::string& host) {
  auto key = std::make_pair(crawl_id, host);
  auto it = robots_.find(key);
  if (it != robots_.end()) return &it->second;
  Stmt s = db_->Prepare(
      "SELECT robots_state, robots_status, robots_txt FROM hosts WHERE crawl_id=? AND host=?");
  s.Bind(1, crawl_id).Bind(2, host);
  if (!s.Step() || s.TextView(0) != "ready") return nullptr;
  const int64_t status = s.IsNull(1) ? 0 : s.Int(1);
  RobotsRules rules;
  if (status >= 200 && status < 300) {
    const CrawlRuntime* rt = runtime(crawl_id);
    rules = RobotsRules::Parse(s.TextView(2), ProductToken(rt ? rt->info.spec.user_agent
                                                              : std::string(kDefaultUserAgent)));
  } else if (status < 400 || status >= 500) {
    rules = RobotsRules::DisallowAll();  // unreachable or 5xx: RFC 9309 section 2.3.1.4
  }
  return &robots_.emplace(key, std::move(rules)).first->second;
}

void Frontier::InsertRow(CrawlRuntime* rt, const std::string& url, const std::string& host,
                         int64_t depth, int64_t redirects, const std::string& state,
                         const std::string& reason) {
  const int64_t now = clock_->NowMs();
  Stmt& ins = db_->Cached(
      "INSERT OR IGNORE INTO frontier(crawl_id, url, host, depth, redirects, state, reason, "
      "discovered_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?)");
  ins.Bind(1, rt->info.id).Bind(2, url).Bind(3, host).Bind(4, depth).Bind(5, redirects);
  ins.Bind(6, state);
  if (reason.empty()) {
    ins.BindNull(7);
  } else {
    ins.Bind(7, reason);
  }
  ins.Bind(8, now).Bind(9, now).Run();
  if (db_->Changes() == 0 || state != "queued") return;
  db_->Cached(
         "INSERT INTO hosts(crawl_id, host, queued, delay_ms) VALUES(?,?,1,?) "
         "ON CONFLICT(crawl_id, host) DO UPDATE SET queued = queued + 1")
      .Bind(1, rt->info.id)
      .Bind(2, host)
      .Bind(3, rt->info.spec.delay_ms)
      .Run();
  ++rt->admitted;
}

int64_t Frontier::Admit(int64_t crawl_id, const std::vector<std::string>& urls, int64_t depth,
                        int64_t redirects) {
  CrawlRuntime* rt = runtime(crawl_id);
  if (rt == nullptr) return 0;
  const CrawlSpec& spec = rt->info.spec;
  int64_t queued = 0;
  std::string canon;
  for (const auto& url : urls) {
    const uint64_t h = UrlHash(url);
    if (rt->seen.count(h) != 0) continue;
    rt->seen.insert(h);
    // Workers send canonical URLs, but a worker is not trusted to: re-check.
    if (!CanonicalizeUrl(url, &canon).ok()) continue;
    if (canon != url && !rt->seen.insert(UrlHash(canon)).second) continue;
    UrlParts parts;
    // URLs the protocol could not carry are not worth a frontier row.
    if (canon.size() > kMaxUrlBytes || !SplitUrl(canon, &parts).ok() || parts.host.size() > 253) {
      continue;
    }
    const std::string origin = OriginOf(parts);
    std::string reason = rt->scope->Check(parts, canon);
    if (reason.empty() && depth > spec.max_depth) reason = "max_depth";
    if (reason.empty() && redirects > 5) reason = "too_many_redirects";
    if (reason.empty() && rt->admitted >= spec.max_pages) reason = "max_pages";
    if (reason.empty()) {
      const RobotsRules* robots = Robots(crawl_id, origin);
      if (robots != nullptr && !robots->Allowed(parts.path_query)) reason = "robots";
    }
    InsertRow(rt, canon, origin, depth, redirects, reason.empty() ? "queued" : "excluded", reason);
    if (reason.empty()) ++queued;
  }
  return queued;
}

std::optional<LeaseMsg> Frontier::NextLease(const std::string& worker_id,
                                            const std::string& contributor, int64_t max_tasks) {
  if (max_tasks <= 0) return std::nullopt;
  const int64_t now = clock_->NowMs();
  Stmt pick = db_->Prepare(R"sql(
    SELECT h.crawl_id, h.host, h.robots_state, h.delay_ms FROM hosts h
    JOIN crawls c ON c.id = h.crawl_id AND c.state = 'running'
    WHERE h.queued > 0 AND h.lease_id IS NULL AND h.next_fetch_at <= ?
    ORDER BY h.next_fetch_at LIMIT 1)sql");
  for (int attempt = 0; attempt < 8; ++attempt) {
    pick.Bind(1, now);
    if (!pick.Step()) {
      pick.Reset();
      return std::nullopt;
    }
    const int64_t crawl_id = pick.Int(0);
    const std::string host = pick.Text(1);
    const bool robots_known = pick.TextView(2) == "ready";
    const int64_t delay = pick.Int(3);
    pick.Reset();
    CrawlRuntime* rt = runtime(crawl_id);
    if (rt == nullptr) {  // a crawl another process just added: load it, then retry
      LoadCrawls();
      continue;
    }

    LeaseMsg lease;
    lease.nonce = RandomHex(16);
    lease.crawl = rt->info.name;
    lease.host = host;
    lease.user_agent = rt->info.spec.user_agent;
    lease.delay_ms = delay;
    lease.concurrency = rt->info.spec.concurrency;
    if (!robots_known) {
      lease.kind = "robots";
      lease.tasks.push_back({1, host + "/robots.txt"});
    } else {
      lease.kind = "page";
      int64_t n = std::min(max_tasks, limits_.max_tasks);
      if (delay > 0) n = std::min(n, std::max<int64_t>(1, limits_.max_lease_span_ms / delay));
      Stmt q = db_->Prepare(
          "SELECT id, url FROM frontier WHERE crawl_id=? AND host=? AND state='queued' "
          "ORDER BY depth, id LIMIT ?");
      q.Bind(1, crawl_id).Bind(2, host).Bind(3, n);
      while (q.Step()) lease.tasks.push_back({q.Int(0), q.Text(1)});
      if (lease.tasks.empty()) {
        // The queued counter drifted (it never should); repair it and try another host.
        db_->Prepare("UPDATE hosts SET queued=0 WHERE crawl_id=? AND host=?")
            .Bind(1, crawl_id)
            .Bind(2, host)
            .Run();
        continue;
      }
    }
    const int64_t n = static_cast<int64_t>(lease.tasks.size());
    const int64_t ttl = limits_.base_ttl_ms + n * (limits_.per_task_ttl_ms + delay);
    lease.expires_in_ms = ttl;
    db_->Prepare(
           "INSERT INTO leases(crawl_id, host, kind, nonce, worker_id, contributor, tasks, "
           "pending, issued_at, expires_at, state) VALUES(?,?,?,?,?,?,?,?,?,?, 'active')")
        .Bind(1, crawl_id)
        .Bind(2, host)
        .Bind(3, lease.kind)
        .Bind(4, lease.nonce)
        .Bind(5, worker_id)
        .Bind(6, contributor)
        .Bind(7, n)
        .Bind(8, n)
        .Bind(9, now)
        .Bind(10, now + ttl)
        .Run();
    lease.lease_id = db_->LastInsertId();
    if (lease.kind == "page") {
      Stmt mark = db_->Prepare(
          "UPDATE frontier SET state='leased', lease_id=?, updated_at=? WHERE id=?");
      for (const auto& t : lease.tasks) mark.Bind(1, lease.lease_id).Bind(2, now).Bind(3, t.task_id).Run();
    }
    db_->Prepare(
           "UPDATE hosts SET lease_id=?, queued=queued-? WHERE crawl_id=? AND host=?")
        .Bind(1, lease.lease_id)
        .Bind(2, lease.kind == "page" ? n : 0)
        .Bind(3, crawl_id)
        .Bind(4, host)
        .Run();
    return lease;
  }
  return std::nullopt;
}

std::optional<ActiveLease> Frontier::GetLease(int64_t lease_id) {
  Stmt s = db_->Prepare(
      "SELECT id, crawl_id, host, kind, nonce, worker_id, contributor, pending, state "
      "FROM leases WHERE id=?");
  s.Bind(1, lease_id);
  if (!s.Step()) return std::nullopt;
  ActiveLease l;
  l.id = s.Int(0);
  l.crawl_id = s.Int(1);
  l.host = s.Text(2);
  l.kind = s.Text(3);
  l.nonce = s.Text(4);
  l.worker_id = s.Text(5);
  l.contributor = s.Text(6);
  l.pending = s.Int(7);
  l.state = s.Text(8);
  return l;
}

void Frontier::FetchesDone(int64_t lease_id) {
  auto lease = GetLease(lease_id);
  if (lease && lease->kind == "page") ReleaseHost(lease_id);
}

void Frontier::ReleaseHost(int64_t lease_id) {
  db_->Prepare(
         "UPDATE hosts SET lease_id=NULL, next_fetch_at=MAX(next_fetch_at, ? + delay_ms) "
         "WHERE lease_id=?")
      .Bind(1, clock_->NowMs())
      .Bind(2, lease_id)
      .Run();
}

void Frontier::EndLease(int64_t lease_id, const std::string& state) {
  auto lease = GetLease(lease_id);
  if (!lease || lease->state != "active") return;
  const int64_t now = clock_->NowMs();
  const CrawlRuntime* rt = runtime(lease->crawl_id);
  const int64_t max_attempts = rt ? rt->info.spec.max_attempts : 3;
  // An expired lease counts as an attempt for each of its URLs, so a URL whose
  // results can never be delivered ends as failed instead of cycling forever.
  // lease_id is kept: a late result of this lease for a URL nobody else has
  // been given yet is still accepted (see Ingest).
  if (state == "expired") {
    db_->Prepare(
           "UPDATE frontier SET state='failed', reason='lease_expired', updated_at=?, "
           "attempts=attempts+1 WHERE lease_id=? AND state='leased' AND attempts+1>=?")
        .Bind(1, now)
        .Bind(2, lease_id)
        .Bind(3, max_attempts)
        .Run();
  }
  db_->Prepare(
         "UPDATE frontier SET state='queued', updated_at=?, attempts=attempts+? "
         "WHERE lease_id=? AND state='leased'")
      .Bind(1, now)
      .Bind(2, static_cast<int64_t>(state == "expired" ? 1 : 0))
      .Bind(3, lease_id)
      .Run();
  const int64_t requeued = db_->Changes();
  if (requeued > 0) {
    db_->Prepare("UPDATE hosts SET queued=queued+? WHERE crawl_id=? AND host=?")
        .Bind(1, static_cast<int64_t>(requeued))
        .Bind(2, lease->crawl_id)
        .Bind(3, lease->host)
        .Run();
  }
  ReleaseHost(lease_id);
  db_->Prepare("UPDATE leases SET state=? WHERE id=? AND state='active'")
      .Bind(1, state)
      .Bind(2, lease_id)
      .Run();
}

void Frontier::FinishTasks(int64_t lease_id, int64_t count) {
  db_->Prepare("UPDATE leases SET pending=MAX(0, pending-?) WHERE id=?")
      .Bind(1, count)
      .Bind(2, lease_id)
      .Run();
  db_->Prepare("UPDATE leases SET state='done' WHERE id=? AND pending=0 AND state='active'")
      .Bind(1, lease_id)
      .Run();
  if (db_->Changes() == 0) return;
  ReleaseHost(lease_id);
  // Defensive: a finished lease must not leave URLs marked leased to it.
  db_->Prepare("UPDATE frontier SET state='queued' WHERE lease_id=? AND state='leased'")
      .Bind(1, lease_id)
      .Run();
  if (const int64_t stray = db_->Changes(); stray > 0) {
    db_->Prepare(
           "UPDATE hosts SET queued=queued+? WHERE crawl_id=(SELECT crawl_id FROM leases WHERE "
           "id=?1) AND host=(SELECT host FROM leases WHERE id=?1)")
        .Bind(1, stray)
        .Bind(2, lease_id)
        .Run();
  }
}

std::vector<int64_t> Frontier::ExpireLeases() {
  std::vector<int64_t> ids;
  Stmt s = db_->Prepare("SELECT id FROM leases WHERE state='active' AND expires_at < ?");
  s.Bind(1, clock_->NowMs());
  while (s.Step()) ids.push_back(s.Int(0));
  s.Reset();
  for (int64_t id : ids) EndLease(id, "expired");
  return ids;
}

std::vector<int64_t> Frontier::ActiveLeasesOf(const std::string& worker_id) {
  std::vector<int64_t> ids;
  Stmt s = db_->Prepare("SELECT id FROM leases WHERE state='active' AND worker_id=?");
  s.Bind(1, worker_id);
  while (s.Step()) ids.push_back(s.Int(0));
  return ids;
}

std::vector<int64_t> Frontier::ActiveLeasesOfCrawl(int64_t crawl_id) {
  std::vector<int64_t> ids;
  Stmt s = db_->Prepare("SELECT id FROM leases WHERE state='active' AND crawl_id=?");
  s.Bind(1, crawl_id);
  while (s.Step()) ids.push_back(s.Int(0));
  return ids;
}

void Frontier::ShortenActiveLeases(int64_t grace_ms) {
  db_->Prepare("UPDATE leases SET expires_at=MIN(expires_at, ?) WHERE state='active'")
      .Bind(1, clock_->NowMs() + grace_ms)
      .Run();
}

void Frontier::ExtendLeasesOf(const std::string& worker_id, const std::string& contributor) {
  db_->Prepare(
         "UPDATE leases SET expires_at=MAX(expires_at, ?1 + ?2 + pending * (?3 + COALESCE("
         "(SELECT h.delay_ms FROM hosts h WHERE h.crawl_id=leases.crawl_id AND h.host=leases.host),"
         " 0))) WHERE state='active' AND worker_id=?4 AND contributor=?5")
      .Bind(1, clock_->NowMs())
      .Bind(2, limits_.base_ttl_ms)
      .Bind(3, limits_.per_task_ttl_ms)
      .Bind(4, worker_id)
      .Bind(5, contributor)
      .Run();
}

void Frontier::Reload() {
  crawls_.clear();
  robots_.clear();
  LoadCrawls();
}

void Frontier::ApplyRobots(int64_t crawl_id, const std::string& host, int64_t status,
                           const std::string& body) {
  CrawlRuntime* rt = runtime(crawl_id);
  if (rt == nullptr) return;
  {
    // A late result of an older robots lease must not overwrite a known robots.txt.
    Stmt known = db_->Prepare("SELECT robots_state FROM hosts WHERE crawl_id=? AND host=?");
    known.Bind(1, crawl_id).Bind(2, host);
    if (!known.Step() || known.TextView(0) == "ready") return;
  }
  const CrawlSpec& spec = rt->info.spec;
  const int64_t now = clock_->NowMs();
  const bool success = status >= 200 && status < 300;
  const bool missing = status >= 400 && status < 500;
  if (!success && !missing) {
    // 5xx or unreachable: disallow for now and retry with backoff; after
    // max_attempts failures the host stays fully disallowed (RFC 9309 2.3.1.4).
    Stmt f = db_->Prepare(
        "UPDATE hosts SET robots_failures=robots_failures+1 WHERE crawl_id=? AND host=? "
        "RETURNING robots_failures");
    f.Bind(1, crawl_id).Bind(2, host);
    const int64_t failures = f.Step() ? f.Int(0) : 1;
    f.Reset();
    if (failures < spec.max_attempts) {
      db_->Prepare("UPDATE hosts SET next_fetch_at=? WHERE crawl_id=? AND host=?")
          .Bind(1, now + std::min<int64_t>(1000LL << std::min<int64_t>(failures, 10), 600000))
          .Bind(2, crawl_id)
          .Bind(3, host)
          .Run();
      return;
    }
  }
  db_->Prepare(
         "UPDATE hosts SET robots_state='ready', robots_status=?, robots_txt=?, "
         "robots_fetched_at=?, robots_failures=0 WHERE crawl_id=? AND host=?")
      .Bind(1, status)
      .Bind(2, success ? body : std::string())
      .Bind(3, now)
      .Bind(4, crawl_id)
      .Bind(5, host)
      .Run();
  robots_.erase({crawl_id, host});
  const RobotsRules* rules = Robots(crawl_id, host);
  if (rules == nullptr) return;
  if (auto cd = rules->crawl_delay_seconds()) {
    const int64_t delay =
        std::max(spec.delay_ms, std::min(static_cast<int64_t>(*cd * 1000), spec.max_crawl_delay_ms));
    db_->Prepare("UPDATE hosts SET delay_ms=? WHERE crawl_id=? AND host=?")
        .Bind(1, delay)
        .Bind(2, crawl_id)
        .Bind(3, host)
        .Run();
  }
  std::vector<int64_t> disallowed;
  Stmt q = db_->Prepare(
      "SELECT id, url FROM frontier WHERE crawl_id=? AND host=? AND state='queued'");
  q.Bind(1, crawl_id).Bind(2, host);
  while (q.Step()) {
    UrlParts parts;
    if (!SplitUrl(q.TextView(1), &parts).ok() || !rules->Allowed(parts.path_query)) {
      disallowed.push_back(q.Int(0));
    }
  }
  q.Reset();
  Stmt ex = db_->Prepare(
      "UPDATE frontier SET state='excluded', reason='robots', updated_at=? WHERE id=?");
  for (int64_t id : disallowed) ex.Bind(1, now).Bind(2, id).Run();
  if (!disallowed.empty()) {
    db_->Prepare("UPDATE hosts SET queued=MAX(0, queued-?) WHERE crawl_id=? AND host=?")
        .Bind(1, static_cast<int64_t>(disallowed.size()))
        .Bind(2, crawl_id)
        .Bind(3, host)
        .Run();
  }
}

void Frontier::NoteHostOutcome(int64_t crawl_id, const std::string& host, bool error) {
  if (!error) {
    db_->Prepare("UPDATE hosts SET consecutive_errors=0 WHERE crawl_id=? AND host=? AND "
                 "consecutive_errors>0")
        .Bind(1, crawl_id)
        .Bind(2, host)
        .Run();
    return;
  }
  Stmt s = db_->Prepare(
      "UPDATE hosts SET consecutive_errors=consecutive_errors+1 WHERE crawl_id=? AND host=? "
      "RETURNING consecutive_errors");
  s.Bind(1, crawl_id).Bind(2, host);
  const int64_t errors = s.Step() ? s.Int(0) : 1;
  s.Reset();
  // Exponential backoff: 0.5 s, 1 s, 2 s, ... capped at 5 minutes.
  const int64_t backoff = std::min<int64_t>(500LL << std::min<int64_t>(errors - 1, 20), 300000);
  db_->Prepare("UPDATE hosts SET next_fetch_at=MAX(next_fetch_at, ?) WHERE crawl_id=? AND host=?")
      .Bind(1, clock_->NowMs() + backoff)
      .Bind(2, crawl_id)
      .Bind(3, host)
      .Run();
}

std::vector<std::string> Frontier::FinishIdleCrawls() {
  std::vector<std::string> finished;
  for (auto& [id, rt] : crawls_) {
    if (rt.info.state != "running") continue;
    Stmt s = db_->Prepare(
        "SELECT EXISTS(SELECT 1 FROM frontier WHERE crawl_id=?1 AND state IN ('queued','leased')) "
        "OR EXISTS(SELECT 1 FROM leases WHERE crawl_id=?1 AND state='active')");
    s.Bind(1, id);
    s.Step();
    const bool busy = s.Int(0) != 0;
    s.Reset();
    if (busy) continue;
    if (store_->SetCrawlState(rt.info.name, "done", clock_->NowMs()).ok()) {
      rt.info.state = "done";
      std::unordered_set<uint64_t>().swap(rt.seen);  // a done crawl admits nothing more
      finished.push_back(rt.info.name);
    }
  }
  return finished;
}

bool Frontier::AllCrawlsSettled() {
  for (const auto& [id, rt] : crawls_) {
    if (rt.info.state == "running" || rt.info.state == "paused") return false;
  }
  return true;
}

}  // namespace swarmcrawl
