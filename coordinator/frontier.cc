#include "coordinator/frontier.h"

#include <algorithm>
#include <arpa/inet.h>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "core/crypto.h"
#include "core/strings.h"

namespace swarmcrawl {

namespace {

constexpr size_t kMaxCachedHosts = 200000;
constexpr size_t kMaxCachedPolicies = 20000;
constexpr int64_t kMaxSitemapNesting = 2;  // robots/spec sitemap -> index -> sitemap
constexpr int64_t kIpBusyRetryMs = 250;
constexpr int64_t kProbeLeaseTasks = 4;

std::string OriginOf(const UrlParts& p) { return p.scheme + "://" + p.authority; }

bool ValidIp(const std::string& ip) {
  unsigned char buf[sizeof(in6_addr)];
  return !ip.empty() && (inet_pton(AF_INET, ip.c_str(), buf) == 1 ||
                         inet_pton(AF_INET6, ip.c_str(), buf) == 1);
}

int64_t Backoff(int64_t errors, int64_t cap) {
  // 0.5 s, 1 s, 2 s, ... capped.
  return std::min<int64_t>(500LL << std::clamp<int64_t>(errors - 1, 0, 20), cap);
}

// The delay a host gets: its base (spec delay raised by Crawl-delay), grown to
// `factor` times its mean response time, but never past the crawl's cap on
// Crawl-delay unless the base itself is larger.
int64_t HostDelay(const CrawlSpec& spec, int64_t base, int64_t response_ms) {
  const int64_t grown = static_cast<int64_t>(spec.response_time_factor * static_cast<double>(response_ms));
  return std::max(base, std::min(grown, std::max(base, spec.max_crawl_delay_ms)));
}

}  // namespace

uint64_t UrlHash(int64_t crawl_id, std::string_view url) {
  // FNV-1a, then a SplitMix64 finalizer to spread the bits over the index.
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ULL;
  };
  for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(static_cast<uint64_t>(crawl_id) >> (8 * i)));
  for (unsigned char c : url) mix(c);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h == 0 ? 1 : h;
}

Frontier::Frontier(Store* store, const Clock* clock, LeaseLimits limits)
    : store_(store), db_(store->db()), clock_(clock), limits_(limits) {
  size_t n = 1;
  while (n < limits_.seen_cache_entries) n <<= 1;
  seen_cache_.assign(n, 0);
  // Each part holds its share of the intake; a merge empties one part.
  part_rows_ = std::max<size_t>(limits_.intake_rows / kIntakeParts, 1);
  n = 1;
  while (n < 2 * part_rows_) n <<= 1;
  parts_.resize(kIntakeParts);
  for (int i = 0; i < kIntakeParts; ++i) {
    IntakePart& part = parts_[static_cast<size_t>(i)];
    part.index = i;
    part.sql = &IntakeSqlFor(i);
    part.keys.assign(n, IntakeKey());
  }
  LoadIntake();
}

const Frontier::IntakeSql& Frontier::IntakeSqlFor(int part) {
  static const std::vector<IntakeSql> all = [] {
    std::vector<IntakeSql> v;
    for (int i = 0; i < kIntakeParts; ++i) {
      const std::string table = IntakeTable(i);
      v.push_back({"INSERT INTO " + table +
                       "(crawl_id, host_id, url_hash, url, kind, depth, redirects, state, reason, "
                       "detail, discovered_at, via) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                   "INSERT OR IGNORE INTO frontier(crawl_id, host_id, url_hash, url, kind, depth, "
                   "redirects, state, reason, detail, discovered_at, updated_at, via) "
                   "SELECT crawl_id, host_id, url_hash, url, kind, depth, redirects, state, reason, "
                   "detail, discovered_at, ?, via FROM " + table + " ORDER BY host_id, id "
                   "RETURNING id, crawl_id, host_id, state, COALESCE(reason, '')",
                   "DELETE FROM " + table,
                   "SELECT crawl_id, COUNT(*) FROM " + table + " WHERE state='queued' AND reason IS NULL "
                   "GROUP BY crawl_id"});
    }
    return v;
  }();
  return all[static_cast<size_t>(part)];
}

Frontier::IntakePart& Frontier::PartOf(int64_t host_id) {
  return parts_[static_cast<size_t>(host_id >> 6) % parts_.size()];
}

Frontier::IntakeKey* Frontier::IntakeSlot(IntakePart& part, int64_t host_id, uint64_t hash) {
  const size_t mask = part.keys.size() - 1;
  for (size_t i = (hash ^ static_cast<uint64_t>(host_id) * 0x9e3779b97f4a7c15ULL) & mask;;
       i = (i + 1) & mask) {
    IntakeKey& k = part.keys[i];
    if (k.hash == 0 || (k.hash == hash && k.host_id == host_id)) return &k;
  }
}

size_t Frontier::intake_size() const {
  size_t n = 0;
  for (const IntakePart& part : parts_) n += part.count;
  return n;
}

Frontier::IntakeCounts Frontier::IntakeOf(int64_t crawl_id) const {
  IntakeCounts sum;
  for (const IntakePart& part : parts_) {
    if (auto it = part.per_crawl.find(crawl_id); it != part.per_crawl.end()) {
      sum.rows += it->second.rows;
      sum.queued += it->second.queued;
      sum.unprobed += it->second.unprobed;
    }
  }
  return sum;
}

void Frontier::ClearPart(IntakePart& part) {
  if (part.count > 0) std::fill(part.keys.begin(), part.keys.end(), IntakeKey());
  part.count = 0;
  part.per_crawl.clear();
  part.filter_all = false;
}

void Frontier::LoadIntake() {
  for (IntakePart& part : parts_) {
    ClearPart(part);
    Stmt s = db_->Prepare("SELECT crawl_id, host_id, url_hash, discovered_at, state='queued' FROM " +
                          IntakeTable(part.index));
    part.since = clock_->NowMs();
    while (s.Step()) {
      // Whether a row was probed at admission is not stored: all count as
      // unprobed, so reaching max_pages merges them before judging.
      IntakeCounts& counts = part.per_crawl[s.Int(0)];
      ++counts.rows;
      if (s.Int(4) != 0) {
        ++counts.queued;
        ++counts.unprobed;
      }
      part.since = std::min(part.since, s.Int(3));
      // A table larger than the key set (a smaller limit, or the single
      // intake of an older version, since it was written) is counted in full.
      if (part.count >= part_rows_) continue;
      IntakeKey* k = IntakeSlot(part, s.Int(1), static_cast<uint64_t>(s.Int(2)));
      if (k->hash != 0) continue;
      *k = {s.Int(1), static_cast<uint64_t>(s.Int(2))};
      ++part.count;
    }
    s.Reset();
    // Which hosts learned robots.txt since these rows came is unknown.
    part.filter_all = part.count > 0;
    // An over-full table waits, counted as full, for the first merge inside
    // a transaction with the crawls loaded (whose robots.txt rules it needs).
  }
}

int64_t Frontier::Flush() {
  int64_t merged = 0;
  for (IntakePart& part : parts_) merged += FlushPart(part);
  return merged;
}

int64_t Frontier::FlushPart(IntakePart& part) {
  if (part.count == 0) return 0;
  const int64_t now = clock_->NowMs();
  // One pass in host order: each host's index leaves are visited once per
  // merge. Within a host, discovery order is kept (it is the lease order
  // within a depth: a sitemap's newest entries first, seeds as listed).
  // The unique index's check is the dedup for rows Admit did not probe: a
  // URL the frontier already has is ignored, and only inserted rows return.
  // Queued rows per crawl as the table holds them (another process, such as
  // a crawl submission, may have merged rows this Frontier counted).
  std::map<int64_t, int64_t> queued_before;
  Stmt& waiting = db_->Cached(part.sql->count.c_str());
  while (waiting.Step()) queued_before[waiting.Int(0)] = waiting.Int(1);
  waiting.Reset();
  Stmt& merge = db_->Cached(part.sql->merge.c_str());
  struct HostRows {
    int64_t crawl_id = 0, host_id = 0, queued = 0;
    std::vector<int64_t> recheck;  // queued rows to judge by robots.txt learned since admission
  };
  std::vector<HostRows> hosts;  // grouped by host as the rows return (in host order)
  std::map<int64_t, int64_t> queued_per_crawl;
  std::map<std::tuple<int64_t, std::string, std::string>, int64_t> not_queued;  // (crawl, state, reason)
  int64_t merged = 0;
  merge.Bind(1, now);
  while (merge.Step()) {
    ++merged;
    if (merge.TextView(3) != "queued" || !merge.TextView(4).empty()) {
      ++not_queued[{merge.Int(1), merge.Text(3), merge.Text(4)}];
      continue;
    }
    const int64_t host_id = merge.Int(2);
    if (hosts.empty() || hosts.back().host_id != host_id) hosts.push_back({merge.Int(1), host_id});
    HostRows& h = hosts.back();
    ++h.queued;
    ++queued_per_crawl[h.crawl_id];
    if (part.filter_all || robots_learned_.contains(host_id)) h.recheck.push_back(merge.Int(0));
  }
  merge.Reset();
  db_->Cached(part.sql->clear.c_str()).Run();
  // Unprobed rows the merge ignored were counted as admitted: take them back
  // (max_pages counts URLs that entered the frontier).
  for (const auto& [crawl_id, queued] : queued_before) {
    const int64_t ignored = queued - queued_per_crawl[crawl_id];
    if (ignored <= 0) continue;
    AddAdmitted(crawl_id, -ignored);
  }
  Stmt& bump = db_->Cached("UPDATE hosts SET queued=queued+? WHERE id=?");
  for (const HostRows& h : hosts) bump.Bind(1, h.queued).Bind(2, h.host_id).Run();
  for (const auto& [crawl_id, n] : queued_per_crawl) {
    if (n > 0) CountRows(crawl_id, "queued", "", n);
  }
  for (const auto& [key, n] : not_queued) CountRows(std::get<0>(key), std::get<1>(key), std::get<2>(key), n);
  // robots.txt arrived (or changed) for some hosts after URLs of theirs were
  // admitted: apply it to those URLs now, as FilterQueued did for the rows
  // merged before. After a reload nobody knows which hosts those were: all
  // merged rows are checked.
  Stmt& url = db_->Cached("SELECT url FROM frontier WHERE id=?");
  for (const HostRows& h : hosts) {
    if (h.recheck.empty()) continue;
    const HostPolicy* policy = FreshPolicy(h.crawl_id, h.host_id, now);
    if (policy == nullptr) continue;
    std::vector<Excluded> excluded;
    for (int64_t id : h.recheck) {
      url.Bind(1, id);
      if (url.Step()) JudgeQueued(*policy, id, url.TextView(0), &excluded);
      url.Reset();
    }
    ExcludeRows(h.host_id, excluded, now);
  }
  std::erase_if(robots_learned_, [&](int64_t host_id) { return &PartOf(host_id) == &part; });
  ClearPart(part);
  return merged;
}

void Frontier::CountRows(int64_t crawl_id, const std::string& state, const std::string& reason,
                         int64_t n) {
  db_->Cached("INSERT INTO frontier_counts VALUES(?,?,?,?) ON CONFLICT DO UPDATE SET n=n+excluded.n")
      .Bind(1, crawl_id)
      .Bind(2, state)
      .Bind(3, reason)
      .Bind(4, n)
      .Run();
}

Frontier::IntakePart* Frontier::OldestPart() {
  IntakePart* oldest = nullptr;
  for (IntakePart& part : parts_) {
    if (part.count > 0 && (oldest == nullptr || part.since < oldest->since)) oldest = &part;
  }
  return oldest;
}

int64_t Frontier::FlushOldest() {
  // A part whose rows were all known already merges nothing: try the next.
  while (IntakePart* part = OldestPart()) {
    if (const int64_t merged = FlushPart(*part); merged > 0) return merged;
  }
  return 0;
}

void Frontier::AddAdmitted(int64_t crawl_id, int64_t delta) {
  if (CrawlRuntime* rt = runtime(crawl_id)) rt->admitted = std::max<int64_t>(0, rt->admitted + delta);
  db_->Cached("UPDATE crawls SET admitted=MAX(0, admitted+?) WHERE id=?").Bind(1, delta).Bind(2, crawl_id).Run();
}

int64_t Frontier::MaybeFlush() {
  // One part per call, so parts that came due together are merged on
  // successive turns of the caller's loop, never in one long pause.
  for (IntakePart& part : parts_) {
    if (part.count >= part_rows_) return FlushPart(part);
  }
  IntakePart* oldest = OldestPart();
  if (oldest != nullptr && clock_->NowMs() - oldest->since >= limits_.intake_max_age_ms) {
    return FlushPart(*oldest);
  }
  return 0;
}

std::vector<int64_t> Frontier::LoadCrawls() {
  std::vector<int64_t> changed;
  std::vector<CrawlInfo> all;
  if (!store_->ListCrawls(&all).ok()) return changed;
  for (auto& info : all) {
    auto it = crawls_.find(info.id);
    if (it != crawls_.end()) {
      if (it->second.info.state != info.state) changed.push_back(info.id);
      it->second.info.state = info.state;
      // Another process (a crawl submission merging the intake) may have
      // corrected the count; callers hold no uncommitted admissions here.
      Stmt& s = db_->Cached("SELECT admitted FROM crawls WHERE id=?");
      s.Bind(1, info.id);
      if (s.Step()) it->second.admitted = s.Int(0);
      s.Reset();
      continue;
    }
    CrawlRuntime rt;
    rt.scope = std::make_unique<Scope>(info.spec);
    if (!QueryFilter::Parse(info.spec.strip_params, &rt.strip).ok()) rt.strip = QueryFilter();
    Stmt s = db_->Prepare("SELECT admitted FROM crawls WHERE id=?");
    s.Bind(1, info.id);
    if (s.Step()) rt.admitted = s.Int(0);
    s.Reset();
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
  if (rt == nullptr) return;
  Admit(crawl_id, rt->info.spec.seeds, 0);
  Admit(crawl_id, rt->info.spec.sitemaps, 0, 0, "sitemap");
}

bool Frontier::SeenRecently(uint64_t hash) {
  return seen_cache_[hash & (seen_cache_.size() - 1)] == hash;
}

int64_t Frontier::HostId(CrawlRuntime* rt, const std::string& origin, bool create) {
  if (auto it = rt->host_ids.find(origin); it != rt->host_ids.end()) return it->second;
  Stmt& find = db_->Cached("SELECT id FROM hosts WHERE crawl_id=? AND host=?");
  find.Bind(1, rt->info.id).Bind(2, origin);
  int64_t id = 0;
  if (find.Step()) id = find.Int(0);
  find.Reset();
  if (id == 0) {
    if (!create) return 0;
    db_->Cached("INSERT INTO hosts(crawl_id, host, delay_ms, base_delay_ms) VALUES(?,?,?,?)")
        .Bind(1, rt->info.id)
        .Bind(2, origin)
        .Bind(3, rt->info.spec.delay_ms)
        .Bind(4, rt->info.spec.delay_ms)
        .Run();
    id = db_->LastInsertId();
  }
  if (rt->host_ids.size() >= kMaxCachedHosts) rt->host_ids.clear();
  rt->host_ids.emplace(origin, id);
  return id;
}

const Frontier::HostPolicy* Frontier::Policy(int64_t crawl_id, int64_t host_id) {
  if (auto it = policies_.find(host_id); it != policies_.end()) return &it->second;
  const CrawlRuntime* rt = runtime(crawl_id);
  if (rt == nullptr || host_id == 0 || robots_unknown_.contains(host_id)) return nullptr;
  Stmt& s = db_->Cached(
      "SELECT robots_state, robots_status, robots_txt, tdmrep_status, tdmrep, robots_expires_at, "
      "COALESCE(robots_error,'') FROM hosts WHERE id=?");
  s.Bind(1, host_id);
  if (!s.Step() || s.TextView(0) != "ready") {
    s.Reset();
    // Remembered until ApplyRobots learns the host's robots.txt.
    if (robots_unknown_.size() >= kMaxCachedHosts) robots_unknown_.clear();
    robots_unknown_.insert(host_id);
    return nullptr;
  }
  HostPolicy p;
  p.known = true;
  const int64_t status = s.IsNull(1) ? 0 : s.Int(1);
  if (status >= 200 && status < 300) {
    const std::string_view txt = s.TextView(2);
    p.ours = RobotsRules::Parse(txt, ProductToken(rt->info.spec.user_agent));
    for (const auto& token : rt->info.spec.ai_robots_tokens) {
      RobotsRules r = RobotsRules::ParseExplicit(txt, AsciiLower(token));
      if (r.has_group()) p.ai.emplace_back(token, std::move(r));
    }
  } else if (status < 400 || status >= 500 || status == 429) {
    p.ours = RobotsRules::DisallowAll();  // unreachable, 5xx or 429: RFC 9309 section 2.3.1.4
    p.unavailable_status = status;
    p.unavailable_error = s.Text(6);
  }
  p.expires_at = s.IsNull(5) ? 0 : s.Int(5);
  const int64_t tdm_status = s.IsNull(3) ? 0 : s.Int(3);
  if (tdm_status >= 200 && tdm_status < 300 && !s.IsNull(4)) {
    TdmRepFile file;
    if (TdmRepFile::Parse(s.TextView(4), &file).ok()) p.tdm = std::move(file);
  }
  s.Reset();
  if (policies_.size() >= kMaxCachedPolicies) {
    // Evict the oldest tenth (host ids grow as hosts are found): the hosts a
    // crawl works on now stay parsed.
    policies_.erase(policies_.begin(), std::next(policies_.begin(), kMaxCachedPolicies / 10));
  }
  return &policies_.emplace(host_id, std::move(p)).first->second;
}

const Frontier::HostPolicy* Frontier::FreshPolicy(int64_t crawl_id, int64_t host_id, int64_t now) {
  // A copy past its expiry does not judge new URLs: they wait for the
  // refresh that their being queued brings about (FilterQueued).
  const HostPolicy* policy = Policy(crawl_id, host_id);
  return policy != nullptr && (policy->expires_at == 0 || policy->expires_at > now) ? policy : nullptr;
}

std::string Frontier::RobotsVerdict(const HostPolicy& policy, std::string_view path_query,
                                    std::string* detail) {
  if (const RobotsRule* rule = policy.ours.MatchingRule(path_query); rule && !rule->allow) {
    *detail = "Disallow: " + rule->pattern;
    return "robots";
  }
  for (const auto& [token, rules] : policy.ai) {
    if (const RobotsRule* rule = rules.MatchingRule(path_query); rule && !rule->allow) {
      *detail = "User-agent: " + token + " Disallow: " + rule->pattern;
      return "ai_robots";
    }
  }
  return "";
}

std::string Frontier::CanonicalFor(int64_t crawl_id, const std::string& url) {
  CrawlRuntime* rt = runtime(crawl_id);
  std::string canon;
  if (rt == nullptr || !CanonicalizeUrl(url, &canon).ok()) return "";
  return StripQueryParams(canon, rt->strip);
}

std::string Frontier::Exclusion(int64_t crawl_id, const std::string& canonical_url) {
  CrawlRuntime* rt = runtime(crawl_id);
  UrlParts parts;
  if (rt == nullptr || !SplitUrl(canonical_url, &parts).ok()) return "bad_url";
  std::string reason = rt->scope->Check(parts, canonical_url);
  if (!reason.empty()) return reason;
  const int64_t host_id = HostId(rt, OriginOf(parts), /*create=*/false);
  const HostPolicy* policy = host_id != 0 ? Policy(crawl_id, host_id) : nullptr;
  std::string detail;
  return policy != nullptr ? RobotsVerdict(*policy, parts.path_query, &detail) : "";
}

int64_t Frontier::Admit(int64_t crawl_id, const std::vector<std::string>& urls, int64_t depth,
                        int64_t redirects, const std::string& kind,
                        const std::string& sitemap_origin, int64_t* cross_host,
                        const std::string& via) {
  CrawlRuntime* rt = runtime(crawl_id);
  if (rt == nullptr) return 0;
  const CrawlSpec& spec = rt->info.spec;
  const int64_t now = clock_->NowMs();
  int64_t queued = 0;
  std::string canon;
  // A page's links name few hosts: within one call, each origin's host id and
  // each host's unknown robots.txt are looked up once (neither changes here).
  std::unordered_map<std::string, int64_t> call_hosts;
  std::unordered_set<int64_t> robots_unknown;
  Stmt& known = db_->Cached("SELECT 1 FROM frontier WHERE host_id=? AND url_hash=?");
  for (const auto& url : urls) {
    const uint64_t raw = UrlHash(crawl_id, url);
    if (SeenRecently(raw)) continue;
    auto remember = [this](uint64_t h) { seen_cache_[h & (seen_cache_.size() - 1)] = h; };
    // Workers send canonical URLs, but a worker is not trusted to: re-check.
    // One parse: the canonical URL is scheme://authority followed by path_query.
    UrlParts parts;
    if (!SplitUrl(url, &parts).ok()) {
      remember(raw);
      continue;
    }
    std::string origin = OriginOf(parts);
    canon.assign(origin).append(parts.path_query);
    if (std::string stripped = StripQueryParams(canon, rt->strip); stripped != canon) {
      canon = std::move(stripped);
      if (!SplitUrl(canon, &parts).ok()) {
        remember(raw);
        continue;
      }
      origin = OriginOf(parts);
    }
    // URLs the protocol could not carry are not worth a frontier row.
    if (canon.size() > kMaxUrlBytes || parts.host.size() > 253) {
      remember(raw);
      continue;
    }
    if (!sitemap_origin.empty() && origin != sitemap_origin && (via.empty() || origin != via)) {
      // Not remembered: the URL may still be found by a link or its own host's sitemap.
      if (cross_host != nullptr) ++*cross_host;
      continue;
    }
    remember(raw);
    const uint64_t hash = canon == url ? raw : UrlHash(crawl_id, canon);
    if (hash != raw) {
      if (SeenRecently(hash)) continue;
      remember(hash);
    }
    std::string detail;
    std::string reason = rt->scope->Check(parts, canon);
    // A sitemap that a host's robots.txt names may live anywhere (a CDN);
    // its entries are still held to that host (the `via` rule above).
    if (reason == "out_of_scope" && kind == "sitemap" && !via.empty()) reason.clear();
    if (reason.empty() && kind == "page" && depth > spec.max_depth) reason = "max_depth";
    if (reason.empty() && kind == "sitemap" && depth > kMaxSitemapNesting) {
      reason = "sitemap_nesting";
    }
    if (reason.empty() && redirects > 5) reason = "too_many_redirects";
    if (reason.empty() && rt->admitted >= spec.max_pages && IntakeOf(crawl_id).unprobed > 0) {
      // `admitted` may count unprobed intake rows the frontier already has:
      // the merge takes those back, so the limit is judged on exact numbers.
      Flush();
    }
    if (reason.empty() && rt->admitted >= spec.max_pages) reason = "max_pages";
    int64_t host_id = 0;
    if (reason != "out_of_scope") {
      auto [it, added] = call_hosts.try_emplace(origin, 0);
      if (added) it->second = HostId(rt, origin, /*create=*/true);
      host_id = it->second;
    }
    // A full part is merged first, so its key set always has free slots.
    IntakePart& part = PartOf(host_id);
    if (part.count >= part_rows_) FlushPart(part);
    IntakeKey* slot = IntakeSlot(part, host_id, hash);
    if (slot->hash != 0) continue;  // admitted already, waiting in the intake
    // Far from max_pages the merge's unique check finds URLs the frontier
    // already has (one index lookup per URL instead of two); near it, each
    // URL is looked up now so `admitted` stays exact.
    const bool probe = spec.max_pages - rt->admitted <= limits_.exact_admission_margin;
    if (probe) {
      known.Bind(1, host_id).Bind(2, static_cast<int64_t>(hash));
      const bool exists = known.Step();
      known.Reset();
      if (exists) continue;
    }
    if (reason.empty() && !robots_unknown.contains(host_id)) {
      if (const HostPolicy* policy = FreshPolicy(crawl_id, host_id, now)) {
        reason = RobotsVerdict(*policy, parts.path_query, &detail);
      } else {
        robots_unknown.insert(host_id);
      }
    }
    Stmt& ins = db_->Cached(part.sql->insert.c_str());
    ins.Bind(1, crawl_id).Bind(2, host_id).Bind(3, static_cast<int64_t>(hash)).Bind(4, canon);
    ins.Bind(5, kind).Bind(6, depth).Bind(7, redirects);
    ins.Bind(8, reason.empty() ? "queued" : "excluded");
    if (reason.empty()) {
      ins.BindNull(9);
    } else {
      ins.Bind(9, reason);
    }
    if (detail.empty()) {
      ins.BindNull(10);
    } else {
      ins.Bind(10, detail);
    }
    ins.Bind(11, now);
    if (kind == "sitemap" && !via.empty()) {
      ins.Bind(12, via);
    } else {
      ins.BindNull(12);
    }
    ins.Run();
    *slot = {host_id, hash};
    if (part.count++ == 0) part.since = now;
    IntakeCounts& counts = part.per_crawl[crawl_id];
    ++counts.rows;
    if (!reason.empty()) continue;
    ++counts.queued;
    if (!probe) ++counts.unprobed;
    ++rt->admitted;
    ++queued;
  }
  if (queued > 0) {
    // A delta, not the value: another process may correct the stored count.
    db_->Cached("UPDATE crawls SET admitted=admitted+? WHERE id=?").Bind(1, queued).Bind(2, crawl_id).Run();
  }
  for (IntakePart& p : parts_) {
    if (p.count >= part_rows_) FlushPart(p);
  }
  return queued;
}

std::optional<LeaseMsg> Frontier::NextLease(const std::string& worker_id,
                                            const std::string& contributor, int64_t max_tasks) {
  if (max_tasks <= 0) return std::nullopt;
  const int64_t now = clock_->NowMs();
  std::vector<CrawlRuntime*> running;
  for (auto& [id, rt] : crawls_) {
    if (rt.info.state == "running") running.push_back(&rt);
  }
  if (running.empty()) return std::nullopt;
  Stmt& pick = db_->Cached(
      "SELECT id, host, robots_state, delay_ms, COALESCE(ip,''), COALESCE(robots_expires_at,0), "
      "next_fetch_at, response_ms FROM hosts WHERE crawl_id=? AND queued > 0 AND lease_id IS NULL AND "
      "next_fetch_at <= ? ORDER BY next_fetch_at LIMIT 1");
  // Hosts on busy addresses are pushed back and the next one tried; many
  // virtual hosts on one address must not starve the rest of the crawl.
  for (int attempt = 0; attempt < 32; ++attempt) {
    // The most overdue host over all running crawls; ties go round-robin.
    CrawlRuntime* best = nullptr;
    int64_t best_at = INT64_MAX, host_id = 0, delay = 0, expires = 0, response_ms = 0;
    std::string host, ip;
    bool robots_known = false;
    for (size_t i = 0; i < running.size(); ++i) {
      CrawlRuntime* rt = running[(next_crawl_ + i) % running.size()];
      pick.Bind(1, rt->info.id).Bind(2, now);
      if (pick.Step() && pick.Int(6) < best_at) {
        best = rt;
        best_at = pick.Int(6);
        host_id = pick.Int(0);
        host = pick.Text(1);
        robots_known = pick.TextView(2) == "ready";
        delay = pick.Int(3);
        ip = pick.Text(4);
        expires = pick.Int(5);
        response_ms = pick.Int(7);
      }
      pick.Reset();
    }
    if (best == nullptr) {
      // Nothing ready among merged URLs: what waits in the intake may be.
      if (FlushOldest() > 0) continue;
      return std::nullopt;
    }
    ++next_crawl_;
    const CrawlSpec& spec = best->info.spec;
    if (!ip.empty()) {
      Stmt& addr = db_->Cached("SELECT leases, next_fetch_at FROM addresses WHERE ip=?");
      addr.Bind(1, ip);
      const bool busy = addr.Step() && (addr.Int(0) >= spec.ip_concurrency || addr.Int(1) > now);
      const int64_t free_at = busy ? std::max(now + kIpBusyRetryMs, addr.Int(1)) : 0;
      addr.Reset();
      if (busy) {
        db_->Cached("UPDATE hosts SET next_fetch_at=? WHERE id=?").Bind(1, free_at).Bind(2, host_id).Run();
        continue;
      }
    }
    const bool robots_due = !robots_known || (expires > 0 && expires <= now);
    // A robots lease carries tdmrep.json as its second task, and a lease
    // never exceeds the credit it answers: this worker must wait for room.
    if (robots_due && spec.honor_tdmrep && max_tasks < 2) return std::nullopt;
    // Slow start: until a host's response time is known, lease it a few URLs
    // only, so a slow host's delay has grown before a large batch is planned.
    const int64_t n = response_ms == 0 ? std::min<int64_t>(max_tasks, kProbeLeaseTasks) : max_tasks;
    auto lease = LeaseHost(best, host_id, host, robots_due, delay, ip, worker_id, contributor,
                           n, now);
    if (lease) return lease;
  }
  return std::nullopt;
}

std::optional<LeaseMsg> Frontier::LeaseHost(CrawlRuntime* rt, int64_t host_id,
                                            const std::string& host, bool robots_due,
                                            int64_t delay, const std::string& ip,
                                            const std::string& worker_id,
                                            const std::string& contributor, int64_t max_tasks,
                                            int64_t now) {
  const CrawlSpec& spec = rt->info.spec;
  LeaseMsg lease;
  lease.nonce = RandomHex(16);
  lease.crawl = rt->info.name;
  lease.host = host;
  lease.user_agent = spec.user_agent;
  lease.concurrency = spec.concurrency;
  lease.ai_tokens = spec.ai_robots_tokens;
  lease.keep_body = spec.store_bodies;
  if (!ip.empty()) {
    // ip_concurrency leases at this spacing keep the address's mean interval >= ip_delay_ms.
    delay = std::max(delay, spec.ip_delay_ms * spec.ip_concurrency);
  }
  lease.delay_ms = delay;
  if (robots_due) {
    lease.kind = "robots";
    lease.tasks.push_back({1, host + "/robots.txt"});
    // TDMRep's file rides along (NextLease only leases robots to a worker
    // with room for both).
    if (spec.honor_tdmrep) lease.tasks.push_back({2, host + "/.well-known/tdmrep.json"});
  } else {
    lease.kind = "page";
    int64_t n = std::min(max_tasks, limits_.max_tasks);
    if (delay > 0) n = std::min(n, std::max<int64_t>(1, limits_.max_lease_span_ms / delay));
    Stmt& q = db_->Cached(
        "SELECT id, url, kind, COALESCE(etag,''), COALESCE(last_modified,'') FROM frontier "
        "WHERE host_id=? AND state='queued' AND (avoid IS NULL OR instr(avoid, ?3)=0) "
        "ORDER BY depth, id LIMIT ?2");
    q.Bind(1, host_id).Bind(2, n).Bind(3, contributor);
    while (q.Step()) {
      TaskSpec t;
      t.task_id = q.Int(0);
      t.url = q.Text(1);
      if (q.TextView(2) == "sitemap") t.kind = "sitemap";
      t.etag = q.Text(3);
      t.last_modified = q.Text(4);
      lease.tasks.push_back(std::move(t));
    }
    q.Reset();
    if (lease.tasks.empty()) {
      Stmt& left = db_->Cached("SELECT EXISTS(SELECT 1 FROM frontier WHERE host_id=? AND state='queued')");
      left.Bind(1, host_id);
      const bool only_checks = left.Step() && left.Int(0) != 0;
      left.Reset();
      if (only_checks) {
        // Only re-fetch checks of this contributor's own pages are queued:
        // someone else must take them, so look again later.
        db_->Cached("UPDATE hosts SET next_fetch_at=? WHERE id=?")
            .Bind(1, now + kIpBusyRetryMs)
            .Bind(2, host_id)
            .Run();
      } else {
        // The queued counter drifted (it never should); repair it and try another host.
        db_->Cached("UPDATE hosts SET queued=0 WHERE id=?").Bind(1, host_id).Run();
      }
      return std::nullopt;
    }
    if (spec.honor_tdmrep) {
      for (auto& t : lease.tasks) {
        if (!t.kind.empty()) continue;
        const TdmPolicy p = TdmFor(rt->info.id, host_id, t.url);
        t.tdm_reservation = p.reservation;
        t.tdm_policy = p.policy;
      }
    }
  }
  const int64_t n = static_cast<int64_t>(lease.tasks.size());
  const int64_t ttl = limits_.base_ttl_ms + n * (limits_.per_task_ttl_ms + delay);
  lease.expires_in_ms = ttl;
  Stmt& insert = db_->Cached(
      "INSERT INTO leases(crawl_id, host, kind, nonce, worker_id, contributor, tasks, pending, "
      "issued_at, expires_at, ip, state) VALUES(?,?,?,?,?,?,?,?,?,?,?, 'active')");
  insert.Bind(1, rt->info.id).Bind(2, host).Bind(3, lease.kind).Bind(4, lease.nonce);
  insert.Bind(5, worker_id).Bind(6, contributor).Bind(7, n).Bind(8, n).Bind(9, now);
  insert.Bind(10, now + ttl);
  if (ip.empty()) {
    insert.BindNull(11);
  } else {
    insert.Bind(11, ip);
  }
  insert.Run();
  lease.lease_id = db_->LastInsertId();
  if (lease.kind == "page") {
    Stmt& mark = db_->Cached("UPDATE frontier SET state='leased', lease_id=?, updated_at=? WHERE id=?");
    for (const auto& t : lease.tasks) mark.Bind(1, lease.lease_id).Bind(2, now).Bind(3, t.task_id).Run();
  }
  db_->Cached("UPDATE hosts SET lease_id=?, queued=queued-? WHERE id=?")
      .Bind(1, lease.lease_id)
      .Bind(2, lease.kind == "page" ? n : 0)
      .Bind(3, host_id)
      .Run();
  if (!ip.empty()) {
    db_->Cached(
           "INSERT INTO addresses(ip, leases, next_fetch_at) VALUES(?1, 1, ?2) ON CONFLICT(ip) "
           "DO UPDATE SET leases=leases+1, next_fetch_at=?2")
        .Bind(1, ip)
        .Bind(2, now + spec.ip_delay_ms)
        .Run();
  }
  return lease;
}

int64_t Frontier::AddVerification(int64_t crawl_id, int64_t host_id, const std::string& url,
                                  int64_t check_id, int round, const std::string& avoid) {
  const int64_t now = clock_->NowMs();
  // Its own hash, so the row never collides with the URL's own row.
  const std::string key = "check:" + std::to_string(check_id) + ":" + std::to_string(round);
  db_->Cached(
         "INSERT INTO frontier(crawl_id, host_id, url_hash, url, kind, depth, state, reason, "
         "discovered_at, updated_at, verify_id, avoid) "
         "VALUES(?,?,?,?,'page',0,'queued','verification',?,?,?,?)")
      .Bind(1, crawl_id)
      .Bind(2, host_id)
      .Bind(3, static_cast<int64_t>(UrlHash(crawl_id, key)))
      .Bind(4, url)
      .Bind(5, now)
      .Bind(6, now)
      .Bind(7, check_id)
      .Bind(8, avoid)
      .Run();
  const int64_t row = db_->LastInsertId();
  db_->Cached("UPDATE hosts SET queued=queued+1 WHERE id=?").Bind(1, host_id).Run();
  CountRows(crawl_id, "queued", "verification", 1);
  return row;
}

void Frontier::DropVerification(int64_t row_id) {
  db_->Cached(
         "UPDATE frontier SET state='excluded', reason='verification_expired', updated_at=? "
         "WHERE id=? AND state='queued' AND verify_id IS NOT NULL")
      .Bind(1, clock_->NowMs())
      .Bind(2, row_id)
      .Run();
  if (db_->Changes() > 0) {
    db_->Cached("UPDATE hosts SET queued=MAX(0, queued-1) WHERE id=(SELECT host_id FROM frontier WHERE id=?)")
        .Bind(1, row_id)
        .Run();
  }
}

void Frontier::Refetch(int64_t frontier_id) {
  db_->Cached(
         "UPDATE frontier SET state='queued', reason='refetch', lease_id=NULL, text_sha256=NULL, "
         "etag=NULL, last_modified=NULL, updated_at=? WHERE id=? AND state='done'")
      .Bind(1, clock_->NowMs())
      .Bind(2, frontier_id)
      .Run();
  if (db_->Changes() == 0) return;
  Stmt& row = db_->Cached(
      "UPDATE hosts SET queued=queued+1 WHERE id=(SELECT host_id FROM frontier WHERE id=?1) "
      "RETURNING crawl_id");
  row.Bind(1, frontier_id);
  const int64_t crawl_id = row.Step() ? row.Int(0) : 0;
  row.Reset();
  // A crawl that finished while the withdrawn page's credit was pending is
  // not done any more: its dataset lacks that page until it is fetched again.
  CrawlRuntime* rt = runtime(crawl_id);
  if (rt != nullptr && rt->info.state == "done" &&
      store_->SetCrawlState(rt->info.name, "running", clock_->NowMs()).ok()) {
    rt->info.state = "running";
  }
}

std::optional<ActiveLease> Frontier::GetLease(int64_t lease_id) {
  Stmt& s = db_->Cached(
      "SELECT l.id, l.crawl_id, l.host, l.kind, l.nonce, l.worker_id, l.contributor, l.pending, "
      "l.state, COALESCE(h.id, 0) FROM leases l LEFT JOIN hosts h ON h.crawl_id=l.crawl_id AND "
      "h.host=l.host WHERE l.id=?");
  s.Bind(1, lease_id);
  if (!s.Step()) {
    s.Reset();
    return std::nullopt;
  }
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
  l.host_id = s.Int(9);
  s.Reset();
  return l;
}

void Frontier::FetchesDone(int64_t lease_id, int64_t retry_after_ms) {
  auto lease = GetLease(lease_id);
  if (!lease || lease->kind != "page") return;
  if (retry_after_ms > 0) {
    const CrawlRuntime* rt = runtime(lease->crawl_id);
    const int64_t cap = rt ? rt->info.spec.max_backoff_ms : 3'600'000;
    db_->Cached("UPDATE hosts SET next_fetch_at=MAX(next_fetch_at, ?) WHERE lease_id=?")
        .Bind(1, clock_->NowMs() + std::min(retry_after_ms, cap))
        .Bind(2, lease_id)
        .Run();
  }
  ReleaseHost(lease_id);
}

void Frontier::ReleaseHost(int64_t lease_id) {
  db_->Cached(
         "UPDATE hosts SET lease_id=NULL, next_fetch_at=MAX(next_fetch_at, ? + delay_ms) "
         "WHERE lease_id=?")
      .Bind(1, clock_->NowMs())
      .Bind(2, lease_id)
      .Run();
  if (db_->Changes() == 0) return;
  db_->Cached(
         "UPDATE addresses SET leases=MAX(0, leases-1) WHERE ip=(SELECT ip FROM leases WHERE id=?)")
      .Bind(1, lease_id)
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
    db_->Cached("UPDATE hosts SET queued=queued+? WHERE id=?")
        .Bind(1, requeued)
        .Bind(2, lease->host_id)
        .Run();
  }
  if (state == "expired") {
    // The lapsed worker may still have requests in flight (a partition, a
    // slow link): the host is left alone until they must have ended, so the
    // next lease cannot overlap them.
    db_->Cached("UPDATE hosts SET next_fetch_at=MAX(next_fetch_at, ?) WHERE lease_id=?")
        .Bind(1, now + limits_.expired_quiet_ms)
        .Bind(2, lease_id)
        .Run();
  }
  ReleaseHost(lease_id);
  db_->Prepare("UPDATE leases SET state=? WHERE id=? AND state='active'")
      .Bind(1, state)
      .Bind(2, lease_id)
      .Run();
}

void Frontier::FinishTasks(int64_t lease_id, int64_t count) {
  db_->Cached("UPDATE leases SET pending=MAX(0, pending-?) WHERE id=?")
      .Bind(1, count)
      .Bind(2, lease_id)
      .Run();
  db_->Cached("UPDATE leases SET state='done' WHERE id=? AND pending=0 AND state='active'")
      .Bind(1, lease_id)
      .Run();
  if (db_->Changes() == 0) return;
  ReleaseHost(lease_id);
  // Defensive: a finished lease must not leave URLs marked leased to it.
  db_->Cached("UPDATE frontier SET state='queued' WHERE lease_id=? AND state='leased'")
      .Bind(1, lease_id)
      .Run();
  if (const int64_t stray = db_->Changes(); stray > 0) {
    if (auto lease = GetLease(lease_id)) {
      db_->Cached("UPDATE hosts SET queued=queued+? WHERE id=?")
          .Bind(1, stray)
          .Bind(2, lease->host_id)
          .Run();
    }
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
  policies_.clear();
  robots_unknown_.clear();
  robots_learned_.clear();
  std::fill(seen_cache_.begin(), seen_cache_.end(), 0);
  LoadCrawls();
  LoadIntake();
}

void Frontier::ApplyRobots(const ActiveLease& lease, int64_t robots_status,
                           const std::string& robots_txt, int64_t tdm_status,
                           const std::string& tdmrep_json, int64_t retry_after_ms,
                           const std::string& robots_error) {
  CrawlRuntime* rt = runtime(lease.crawl_id);
  if (rt == nullptr || lease.host_id == 0) return;
  const int64_t host_id = lease.host_id;
  bool refresh = false;
  {
    // Only the lease holding the host's slot may set its robots.txt: a late
    // result of an expired lease could otherwise overwrite a newer copy.
    Stmt& holder = db_->Cached("SELECT robots_state, COALESCE(lease_id, 0) FROM hosts WHERE id=?");
    holder.Bind(1, host_id);
    const bool ours = holder.Step() && holder.Int(1) == lease.id;
    refresh = ours && holder.TextView(0) == "ready";
    holder.Reset();
    if (!ours) return;
  }
  const CrawlSpec& spec = rt->info.spec;
  const int64_t now = clock_->NowMs();
  const bool success = robots_status >= 200 && robots_status < 300;
  // 4xx: no robots.txt, everything allowed (RFC 9309 2.3.1.3) -- except 429,
  // which asks us to come back later: treated like a 5xx, as Google does.
  const bool missing = robots_status >= 400 && robots_status < 500 && robots_status != 429;
  const int64_t retry_ms = std::min<int64_t>(spec.robots_ttl_ms, 3'600'000);
  if (!success && !missing) {
    if (refresh) {
      // RFC 9309 2.3.1.4: a crawler may keep using its cached copy while the
      // server errs; try again within the hour.
      db_->Cached("UPDATE hosts SET robots_expires_at=? WHERE id=?")
          .Bind(1, now + std::max(retry_ms, retry_after_ms))
          .Bind(2, host_id)
          .Run();
      policies_.erase(host_id);  // its expiry moved
      return;
    }
    // 5xx, 429 or unreachable: everything is disallowed for now (RFC 9309
    // 2.3.1.4) -- the host's URLs wait, none is leased -- and robots.txt is
    // tried again with backoff (1 s doubling to 10 min, at least the
    // server's Retry-After). Only an outage longer than robots_unavailable_ms
    // ends in exclusion, with the reason recorded.
    Stmt& f = db_->Cached(
        "UPDATE hosts SET robots_failures=robots_failures+1, "
        "robots_unavailable_since=COALESCE(robots_unavailable_since, ?1), robots_error=?3 WHERE id=?2 "
        "RETURNING robots_failures, robots_unavailable_since");
    f.Bind(1, now).Bind(2, host_id);
    if (robots_error.empty()) {
      f.BindNull(3);
    } else {
      f.Bind(3, robots_error.substr(0, 300));
    }
    int64_t failures = 1, since = now;
    if (f.Step()) {
      failures = f.Int(0);
      since = f.Int(1);
    }
    f.Reset();
    if (now - since < spec.robots_unavailable_ms) {
      const int64_t backoff = std::min<int64_t>(1000LL << std::min<int64_t>(failures - 1, 10), 600000);
      // The last try falls on the outage deadline itself.
      const int64_t retry_at =
          std::max(now + 1, std::min(now + std::max(backoff, retry_after_ms), since + spec.robots_unavailable_ms));
      db_->Cached("UPDATE hosts SET next_fetch_at=? WHERE id=?").Bind(1, retry_at).Bind(2, host_id).Run();
      return;
    }
  }
  Stmt& set = db_->Cached(
      "UPDATE hosts SET robots_state='ready', robots_status=?, robots_txt=?, robots_fetched_at=?, "
      "robots_expires_at=?, robots_failures=0, robots_unavailable_since=NULL, tdmrep_status=?, "
      "tdmrep=? WHERE id=?");
  set.Bind(1, robots_status).Bind(2, success ? robots_txt : std::string()).Bind(3, now);
  set.Bind(4, now + (success || missing ? spec.robots_ttl_ms : retry_ms));
  if (tdm_status < 0) {
    set.BindNull(5).BindNull(6);
  } else {
    set.Bind(5, tdm_status).Bind(6, tdm_status >= 200 && tdm_status < 300 ? tdmrep_json : std::string());
  }
  set.Bind(7, host_id).Run();
  policies_.erase(host_id);
  robots_unknown_.erase(host_id);
  robots_learned_.insert(host_id);
  const HostPolicy* policy = Policy(lease.crawl_id, host_id);
  if (policy == nullptr) return;
  int64_t base = spec.delay_ms;
  if (auto cd = policy->ours.crawl_delay_seconds()) {
    base = std::max(spec.delay_ms, std::min(static_cast<int64_t>(*cd * 1000), spec.max_crawl_delay_ms));
  }
  Stmt& delay = db_->Cached(
      "UPDATE hosts SET base_delay_ms=? WHERE id=? RETURNING response_ms");
  delay.Bind(1, base).Bind(2, host_id);
  const int64_t response_ms = delay.Step() ? delay.Int(0) : 0;
  delay.Reset();
  db_->Cached("UPDATE hosts SET delay_ms=? WHERE id=?")
      .Bind(1, HostDelay(spec, base, response_ms))
      .Bind(2, host_id)
      .Run();
  FilterQueued(lease.crawl_id, host_id);
  if (success && !refresh) {
    // A copy: Admit may evict this host's cached policy.
    const std::vector<std::string> sitemaps = policy->ours.sitemaps();
    Admit(lease.crawl_id, sitemaps, 0, 0, "sitemap", "", nullptr, lease.host);
  }
}

void Frontier::JudgeQueued(const HostPolicy& policy, int64_t id, std::string_view url,
                           std::vector<Excluded>* excluded) {
  UrlParts parts;
  std::string detail;
  if (!SplitUrl(url, &parts).ok()) {
    excluded->push_back({id, "bad_url", ""});
    return;
  }
  std::string reason = RobotsVerdict(policy, parts.path_query, &detail);
  if (reason.empty()) return;
  // An outage that outlasted robots_unavailable_ms says so in each URL's detail.
  if (policy.unavailable_status >= 0) {
    detail = policy.unavailable_status == 0
                 ? "robots.txt unreachable"
                 : "robots.txt answered HTTP " + std::to_string(policy.unavailable_status);
    if (!policy.unavailable_error.empty()) detail += " (" + policy.unavailable_error + ")";
  }
  excluded->push_back({id, std::move(reason), std::move(detail)});
}

void Frontier::ExcludeRows(int64_t host_id, const std::vector<Excluded>& excluded, int64_t now) {
  if (excluded.empty()) return;
  Stmt& ex = db_->Cached(
      "UPDATE frontier SET state='excluded', reason=?, detail=?, updated_at=? WHERE id=?");
  for (const auto& e : excluded) ex.Bind(1, e.reason).Bind(2, e.detail).Bind(3, now).Bind(4, e.id).Run();
  db_->Cached("UPDATE hosts SET queued=MAX(0, queued-?) WHERE id=?")
      .Bind(1, static_cast<int64_t>(excluded.size()))
      .Bind(2, host_id)
      .Run();
}

void Frontier::FilterQueued(int64_t crawl_id, int64_t host_id) {
  const HostPolicy* policy = Policy(crawl_id, host_id);
  if (policy == nullptr) return;
  std::vector<Excluded> excluded;
  Stmt q = db_->Prepare("SELECT id, url FROM frontier WHERE host_id=? AND state='queued'");
  q.Bind(1, host_id);
  while (q.Step()) JudgeQueued(*policy, q.Int(0), q.TextView(1), &excluded);
  q.Reset();
  ExcludeRows(host_id, excluded, clock_->NowMs());
}

TdmPolicy Frontier::TdmFor(int64_t crawl_id, int64_t host_id, const std::string& url) {
  const HostPolicy* policy = Policy(crawl_id, host_id);
  UrlParts parts;
  if (policy == nullptr || policy->tdm.size() == 0 || !SplitUrl(url, &parts).ok()) return TdmPolicy();
  return policy->tdm.Lookup(parts.path_query);
}

void Frontier::NoteHostOutcome(int64_t crawl_id, int64_t host_id, const HostOutcome& o) {
  const CrawlRuntime* rt = runtime(crawl_id);
  if (rt == nullptr || host_id == 0) return;
  const CrawlSpec& spec = rt->info.spec;
  const int64_t now = clock_->NowMs();
  if (ValidIp(o.ip)) {
    db_->Cached("UPDATE hosts SET ip=?1 WHERE id=?2 AND (ip IS NULL OR ip<>?1)")
        .Bind(1, o.ip)
        .Bind(2, host_id)
        .Run();
  }
  if (o.responses > 0) {
    // Exponential moving average of response time; the delay follows it.
    // At least 1 ms, so 0 keeps meaning "not measured yet" (slow start).
    Stmt& r = db_->Cached(
        "UPDATE hosts SET response_ms=MAX(1, CASE WHEN response_ms=0 THEN ?1 "
        "ELSE (response_ms*7 + ?1*3)/10 END) WHERE id=?2 RETURNING response_ms, base_delay_ms");
    r.Bind(1, o.response_ms_sum / o.responses).Bind(2, host_id);
    int64_t response_ms = 0, base = spec.delay_ms;
    if (r.Step()) {
      response_ms = r.Int(0);
      base = r.Int(1);
    }
    r.Reset();
    db_->Cached("UPDATE hosts SET delay_ms=? WHERE id=?")
        .Bind(1, HostDelay(spec, base, response_ms))
        .Bind(2, host_id)
        .Run();
  }
  int64_t wait = 0;
  if (o.successes > 0 && !o.throttled) {
    db_->Cached("UPDATE hosts SET consecutive_errors=0 WHERE id=? AND consecutive_errors>0")
        .Bind(1, host_id)
        .Run();
  } else if (o.errors > 0 || o.throttled) {
    Stmt& s = db_->Cached(
        "UPDATE hosts SET consecutive_errors=consecutive_errors+1 WHERE id=? "
        "RETURNING consecutive_errors");
    s.Bind(1, host_id);
    const int64_t errors = s.Step() ? s.Int(0) : 1;
    s.Reset();
    wait = Backoff(errors, spec.max_backoff_ms);
  }
  if (o.throttled) wait = std::max(wait, std::min(o.retry_after_ms, spec.max_backoff_ms));
  if (wait > 0) {
    db_->Cached("UPDATE hosts SET next_fetch_at=MAX(next_fetch_at, ?), backoff_until=? WHERE id=?")
        .Bind(1, now + wait)
        .Bind(2, now + wait)
        .Bind(3, host_id)
        .Run();
  }
}

int64_t Frontier::RequeueDue(int64_t limit) {
  const int64_t now = clock_->NowMs();
  struct Due {
    int64_t id, host_id, crawl_id;
    std::string url;
  };
  std::vector<Due> due;
  Stmt& s = db_->Cached(
      "SELECT id, host_id, crawl_id, url FROM frontier WHERE next_visit_at IS NOT NULL AND "
      "state='done' AND next_visit_at <= ? ORDER BY next_visit_at LIMIT ?");
  s.Bind(1, now).Bind(2, limit);
  while (s.Step()) due.push_back({s.Int(0), s.Int(1), s.Int(2), s.Text(3)});
  s.Reset();
  std::map<int64_t, int64_t> per_host;
  for (const auto& d : due) {
    const CrawlRuntime* rt = runtime(d.crawl_id);
    bool stop = rt == nullptr || (rt->info.state != "running" && rt->info.state != "paused");
    if (!stop) {
      // robots.txt may have been refreshed since the last visit, and only
      // queued URLs were filtered then: a URL it now disallows (or reserves
      // for AI tokens) is not revisited.
      const HostPolicy* policy = Policy(d.crawl_id, d.host_id);
      UrlParts parts;
      std::string detail;
      stop = policy != nullptr && SplitUrl(d.url, &parts).ok() &&
             !RobotsVerdict(*policy, parts.path_query, &detail).empty();
    }
    if (stop) {
      // The crawl ended, or robots.txt forbids the URL now: it is not revisited.
      db_->Cached("UPDATE frontier SET next_visit_at=NULL WHERE id=?").Bind(1, d.id).Run();
      continue;
    }
    db_->Cached("UPDATE frontier SET state='queued', attempts=0, updated_at=? WHERE id=?")
        .Bind(1, now)
        .Bind(2, d.id)
        .Run();
    ++per_host[d.host_id];
  }
  for (const auto& [host_id, n] : per_host) {
    db_->Cached("UPDATE hosts SET queued=queued+? WHERE id=?").Bind(1, n).Bind(2, host_id).Run();
  }
  int64_t total = 0;
  for (const auto& [h, n] : per_host) total += n;
  return total;
}

std::vector<std::string> Frontier::FinishIdleCrawls() {
  std::vector<std::string> finished;
  for (auto& [id, rt] : crawls_) {
    if (rt.info.state != "running" || rt.info.spec.recrawl.enabled) continue;
    if (IntakeOf(id).rows > 0) {
      continue;  // URLs still wait in the intake
    }
    // Open re-fetch checks can still withdraw a page (and queue it again).
    Stmt s = db_->Prepare(
        "SELECT EXISTS(SELECT 1 FROM frontier WHERE crawl_id=?1 AND state IN ('queued','leased')) "
        "OR EXISTS(SELECT 1 FROM leases WHERE crawl_id=?1 AND state='active') "
        "OR EXISTS(SELECT 1 FROM checks WHERE crawl_id=?1 AND state='open')");
    s.Bind(1, id);
    s.Step();
    const bool busy = s.Int(0) != 0;
    s.Reset();
    if (busy) continue;
    if (store_->SetCrawlState(rt.info.name, "done", clock_->NowMs()).ok()) {
      rt.info.state = "done";
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
