// Frontier: admission of URLs and the leasing of host batches to workers.
//
// Invariants (all enforced here, in SQLite, so they survive restarts):
//   - each canonical URL (tracking parameters removed) enters a crawl's
//     frontier at most once: UNIQUE(host_id, url_hash), where url_hash is a
//     64-bit hash of crawl and URL. A fixed-size cache of recently seen hashes
//     answers "seen?" for repeated links without touching SQLite, so memory
//     does not grow with the frontier;
//   - a new URL is first appended to an intake part (frontier_intake_<k>,
//     by host id in blocks of 64, and to that part's bounded in-memory key
//     set, so it is not admitted twice) and reaches the frontier table when
//     its part is merged in host order (FlushPart): random inserts into the
//     host-keyed indexes become one ordered pass over an eighth of their
//     leaves, and the unique index's check in that pass drops URLs the
//     frontier already had. Near a crawl's max_pages Admit looks each URL up
//     first instead, so the limit counts exactly; elsewhere `admitted` may
//     run ahead until the merge takes the dropped rows back. Intake rows
//     count in status (a known URL among them for at most one merge
//     interval) and keep their crawl from finishing; robots.txt rules that
//     arrive while URLs wait there are applied when they merge;
//   - frontier_counts holds each crawl's rows by state and reason: the merge
//     and AddVerification add what they insert, triggers follow changes;
//   - a host's fetch slot is held by at most one lease at a time, across all
//     workers, and is not handed out again before next_fetch_at (the host's
//     delay, grown by Crawl-delay, slow responses, errors and Retry-After);
//   - at most `ip_concurrency` hosts sharing a resolved IP address are leased
//     at once, and their leases' delays keep the address's mean request
//     interval at or above `ip_delay_ms` (addresses table, across crawls);
//   - a host's robots.txt (and /.well-known/tdmrep.json) is fetched as a
//     "robots" lease before any of its pages are leased, and again when the
//     copy is older than the crawl's robots_ttl_ms (at most 24 h); queued URLs
//     it disallows become excluded with reason "robots" (our token) or
//     "ai_robots" (an AI crawler's token, detail names it);
//   - every URL not fetched has a recorded reason (out_of_scope, max_depth,
//     max_pages, robots, ai_robots, excluded_pattern, not_included,
//     too_many_redirects, ...).
// Picking the next host is an index lookup per running crawl
// (hosts_ready: crawl, next_fetch_at), O(crawls * log hosts); leasing a host's
// URLs reads its queue index (frontier_queue: host_id, depth, id).
// Every mutating method expects to run inside the caller's transaction.
// Not thread-safe: owned by the coordinator's event-loop thread (or a CLI command).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "coordinator/crawl_spec.h"
#include "coordinator/store.h"
#include "core/clock.h"
#include "core/protocol.h"
#include "core/url.h"
#include "parsers/optout.h"
#include "parsers/robots.h"

namespace swarmcrawl {

struct LeaseLimits {
  int64_t max_tasks = 256;          // most URLs per page lease
  int64_t base_ttl_ms = 60000;      // lease lifetime before per-task allowances
  int64_t per_task_ttl_ms = 2000;   // added per task (fetch time budget)
  int64_t max_lease_span_ms = 120000;  // a lease never plans more than this much delay
  size_t seen_cache_entries = 1 << 20;  // recently seen URL hashes kept in memory (8 bytes each)
  // Newly admitted URLs wait in the intake (16 bytes of memory each) until
  // this many have gathered, or the oldest is intake_max_age_ms old, or a
  // worker would otherwise get no work; then they are merged in one sorted run.
  size_t intake_rows = 1 << 18;
  // After a lease expires its host rests this long (the worker's longest
  // fetch), so requests the lapsed worker still has in flight cannot overlap
  // the next lease's.
  int64_t expired_quiet_ms = 30000;
  int64_t intake_max_age_ms = 1000;
  // Within this many URLs of a crawl's max_pages, Admit looks each new URL
  // up in the frontier so the limit is counted exactly; further away the
  // merge's unique check finds the URLs the frontier already has.
  int64_t exact_admission_margin = 65536;
};

struct ActiveLease {
  int64_t id = 0;
  int64_t crawl_id = 0;
  int64_t host_id = 0;
  std::string host;
  std::string kind;
  std::string nonce;
  std::string worker_id;
  std::string contributor;
  int64_t pending = 0;
  std::string state;
};

// What one page-lease result tells about its host's health.
struct HostOutcome {
  int64_t successes = 0;        // responses that worked (stored, redirect, not_html, ...)
  int64_t errors = 0;           // failed fetches and error statuses
  int64_t response_ms_sum = 0;  // over responses, for the slow-host delay
  int64_t responses = 0;
  int64_t retry_after_ms = 0;   // largest Retry-After of a 429/503, 0 if none
  bool throttled = false;       // a 429 or 503 came back
  std::string ip;               // address the host answered from
};

class Frontier {
 public:
  Frontier(Store* store, const Clock* clock, LeaseLimits limits = LeaseLimits());

  // (Re)loads crawls from the store; call at start and whenever another process
  // may have changed the crawls table. Returns ids of crawls whose state changed.
  std::vector<int64_t> LoadCrawls();
  const CrawlInfo* crawl(int64_t id) const;

  // Adds seeds at depth 0 and the spec's sitemaps (used right after Store::InsertCrawl).
  void AddSeeds(int64_t crawl_id);
  // Admits discovered URLs (canonicalized and stripped of tracking parameters
  // here, whatever the worker did). `kind` is "page" or "sitemap". With
  // `sitemap_origin` set, the URLs come from a sitemap on that origin and
  // only URLs of the same origin are admitted (the sitemaps.org location
  // rule); *cross_host counts the rest. Returns how many were queued (far
  // from max_pages, a URL the frontier already has may be among them until
  // the merge drops it).
  // `via` (sitemaps only): the origin whose robots.txt named the sitemap; its
  // URLs may be listed by that sitemap too, wherever the sitemap lives.
  int64_t Admit(int64_t crawl_id, const std::vector<std::string>& urls, int64_t depth,
                int64_t redirects = 0, const std::string& kind = "page",
                const std::string& sitemap_origin = "", int64_t* cross_host = nullptr,
                const std::string& via = "");
  // Merges every intake part into the frontier in host order, applying
  // robots.txt rules learned since admission; returns the rows merged.
  int64_t Flush();
  // Merges one part that is full or whose oldest row is intake_max_age_ms
  // old, if any (one per call: the caller's loop spreads the pauses);
  // returns the rows merged.
  int64_t MaybeFlush();
  // Merges the part holding the oldest row; returns the rows merged.
  int64_t FlushOldest();
  size_t intake_size() const;
  // The canonical form the frontier stores for `url` in this crawl ("" if invalid).
  std::string CanonicalFor(int64_t crawl_id, const std::string& url);
  // Scope and robots verdict for a canonical URL ("" when it may be fetched).
  std::string Exclusion(int64_t crawl_id, const std::string& canonical_url);

  // Picks a ready host of a running crawl and leases up to max_tasks of its
  // URLs (or its robots.txt) to the worker. nullopt when nothing is ready.
  std::optional<LeaseMsg> NextLease(const std::string& worker_id, const std::string& contributor,
                                    int64_t max_tasks);
  std::optional<ActiveLease> GetLease(int64_t lease_id);
  // The worker made the lease's last request (RELEASE): frees the host's fetch
  // slot for page leases, after `retry_after_ms` if the server asked for a
  // pause. A robots lease keeps the slot until its result is ingested,
  // because no page of the host may be leased before its robots.txt is known.
  void FetchesDone(int64_t lease_id, int64_t retry_after_ms = 0);
  // Frees the host's fetch slot held by the lease (and its address's); idempotent.
  void ReleaseHost(int64_t lease_id);
  // Returns a lease's unfinished URLs to the queue and ends it (state expired/cancelled).
  void EndLease(int64_t lease_id, const std::string& state);
  // Marks a lease done when it has nothing pending.
  void FinishTasks(int64_t lease_id, int64_t count);
  // Leases past their expiry (returns their ids after requeueing them).
  std::vector<int64_t> ExpireLeases();
  std::vector<int64_t> ActiveLeasesOf(const std::string& worker_id);
  std::vector<int64_t> ActiveLeasesOfCrawl(int64_t crawl_id);
  // After a coordinator restart: leases whose workers do not come back within
  // `grace_ms` expire then; leases of a worker that says HELLO again are extended.
  void ShortenActiveLeases(int64_t grace_ms);
  void ExtendLeasesOf(const std::string& worker_id, const std::string& contributor);
  // Drops every in-memory cache and reloads from the store: after a rolled-back
  // transaction the caches (seen hashes, admitted counts, host ids, robots
  // rules) may hold changes the database does not.
  void Reload();

  // Result of a robots lease: robots.txt (task 1) and tdmrep.json (task 2)
  // statuses (0 = unreachable, -1 = not fetched) and bodies. Applied only
  // while the lease still holds the host's slot (a late result of an expired
  // lease is dropped).
  // `robots_error`: why robots.txt could not be fetched ("timeout",
  // "blocked_address: ..."), kept to explain an exclusion.
  void ApplyRobots(const ActiveLease& lease, int64_t robots_status, const std::string& robots_txt,
                   int64_t tdm_status, const std::string& tdmrep_json, int64_t retry_after_ms = 0,
                   const std::string& robots_error = "");
  // Adjusts the host's schedule after a page-lease result: slow responses
  // grow its delay, consecutive errors back it off exponentially, and a
  // 429/503 waits at least the server's Retry-After (capped by max_backoff_ms).
  void NoteHostOutcome(int64_t crawl_id, int64_t host_id, const HostOutcome& outcome);
  // TDMRep file policy for a URL of a host (reservation -1 when none).
  TdmPolicy TdmFor(int64_t crawl_id, int64_t host_id, const std::string& url);

  // Verification by re-fetch (coordinator/credit.h): queues `url` once more
  // on its host as a row carrying check `check_id` (round 1 or 2), never
  // leased to a contributor in `avoid` (comma-separated keys). The worker
  // cannot tell it from any other page task. Returns the row id.
  int64_t AddVerification(int64_t crawl_id, int64_t host_id, const std::string& url,
                          int64_t check_id, int round, const std::string& avoid);
  // Takes a still-queued verification row out of the queue (its check expired).
  void DropVerification(int64_t row_id);
  // Queues a finished URL again for a fresh fetch (its record was withdrawn).
  void Refetch(int64_t frontier_id);

  // Recrawl: puts up to `limit` URLs whose next visit is due back in the queue.
  int64_t RequeueDue(int64_t limit);
  // Crawls that have nothing queued or leased (and no recrawl policy) are
  // marked done; returns their names.
  std::vector<std::string> FinishIdleCrawls();
  bool AllCrawlsSettled();

 private:
  struct CrawlRuntime {
    CrawlInfo info;
    std::unique_ptr<Scope> scope;
    QueryFilter strip;
    int64_t admitted = 0;  // URLs ever queued (max_pages counts these)
    std::unordered_map<std::string, int64_t> host_ids;  // origin -> hosts.id (a bounded cache)
  };
  // A host's parsed robots.txt and tdmrep.json.
  struct HostPolicy {
    bool known = false;
    RobotsRules ours;
    std::vector<std::pair<std::string, RobotsRules>> ai;  // tokens with groups of their own
    TdmRepFile tdm;
    int64_t expires_at = 0;         // robots_expires_at: a refresh is due after it
    int64_t unavailable_status = -1;  // >= 0: robots.txt was given up on after this status
    std::string unavailable_error;    // why, when it could not be fetched at all
  };

  CrawlRuntime* runtime(int64_t crawl_id);
  const HostPolicy* Policy(int64_t crawl_id, int64_t host_id);
  // Policy() unless the copy has expired (nullptr then, as when unknown).
  const HostPolicy* FreshPolicy(int64_t crawl_id, int64_t host_id, int64_t now);
  // "" or the exclusion reason for a path; *detail names the AI token's rule.
  static std::string RobotsVerdict(const HostPolicy& policy, std::string_view path_query,
                                   std::string* detail);
  int64_t HostId(CrawlRuntime* rt, const std::string& origin, bool create);
  bool SeenRecently(uint64_t hash);
  // An intake key set: open addressing over (host_id, url_hash); hash 0 = empty.
  struct IntakeKey {
    int64_t host_id = 0;
    uint64_t hash = 0;
  };
  // Per crawl, rows in an intake part: all, queued, and queued without a
  // probe of the frontier at admission (the merge may find those known).
  struct IntakeCounts {
    int64_t rows = 0, queued = 0, unprobed = 0;
  };
  // The statements of an intake part. Db::Cached keys statements by the
  // address of their text, so IntakeSqlFor keeps them for the program's life.
  struct IntakeSql {
    std::string insert, merge, clear, count;
  };
  static const IntakeSql& IntakeSqlFor(int part);
  // One intake table (Store's IntakeTable) and what is known of its rows.
  // Hosts belong to parts in blocks of 64 ids, so one part's hosts lie in
  // runs of the host-keyed indexes.
  struct IntakePart {
    int index = 0;
    const IntakeSql* sql = nullptr;  // its statements' texts
    std::vector<IntakeKey> keys;  // capacity: twice part_rows_, a power of two
    size_t count = 0;
    int64_t since = 0;  // when its oldest row was admitted
    std::map<int64_t, IntakeCounts> per_crawl;
    bool filter_all = false;  // rows loaded from the table: check every host at merge
  };
  IntakePart& PartOf(int64_t host_id);
  static IntakeKey* IntakeSlot(IntakePart& part, int64_t host_id, uint64_t hash);
  // A crawl's intake rows over all parts.
  IntakeCounts IntakeOf(int64_t crawl_id) const;
  void LoadIntake();
  void ClearPart(IntakePart& part);
  int64_t FlushPart(IntakePart& part);
  IntakePart* OldestPart();  // nullptr when the intake is empty
  // Changes the crawl's admitted count in memory and in the store.
  void AddAdmitted(int64_t crawl_id, int64_t delta);
  // Adds n inserted rows to frontier_counts (changes are counted by triggers).
  void CountRows(int64_t crawl_id, const std::string& state, const std::string& reason, int64_t n);
  // A queued row robots.txt now disallows: why, and the rule or outage.
  struct Excluded {
    int64_t id;
    std::string reason, detail;
  };
  // Excludes the host's queued rows its robots.txt disallows.
  void FilterQueued(int64_t crawl_id, int64_t host_id);
  static void JudgeQueued(const HostPolicy& policy, int64_t id, std::string_view url,
                          std::vector<Excluded>* excluded);
  void ExcludeRows(int64_t host_id, const std::vector<Excluded>& excluded, int64_t now);
  std::optional<LeaseMsg> LeaseHost(CrawlRuntime* rt, int64_t host_id, const std::string& host,
                                    bool robots_due, int64_t delay, const std::string& ip,
                                    const std::string& worker_id, const std::string& contributor,
                                    int64_t max_tasks, int64_t now);

  Store* store_;
  Db* db_;
  const Clock* clock_;
  LeaseLimits limits_;
  std::map<int64_t, CrawlRuntime> crawls_;
  std::map<int64_t, HostPolicy> policies_;                       // hosts.id -> parsed rules
  std::unordered_set<int64_t> robots_unknown_;  // hosts whose robots.txt is not known yet
  // Hosts whose robots.txt arrived since their intake part was last merged.
  std::unordered_set<int64_t> robots_learned_;
  std::vector<uint64_t> seen_cache_;  // direct-mapped; 0 = empty
  std::vector<IntakePart> parts_;     // kIntakeParts of them
  size_t part_rows_ = 1;              // a part is merged when it holds this many rows
  size_t next_crawl_ = 0;             // round-robin start among running crawls
};

// 64-bit hash of a URL within a crawl (stable across builds and machines:
// it is stored in the database).
uint64_t UrlHash(int64_t crawl_id, std::string_view url);

}  // namespace swarmcrawl
