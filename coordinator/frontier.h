// Frontier: admission of URLs and the leasing of host batches to workers.
//
// Invariants (all enforced here, in SQLite, so they survive restarts):
//   - each canonical URL enters a crawl's frontier at most once (UNIQUE(crawl,url));
//     a 64-bit hash set per crawl answers "seen?" for the ~40 links per page
//     without touching SQLite;
//   - a host's fetch slot is held by at most one lease at a time, across all
//     workers, and is not handed out again before next_fetch_at (the host's delay);
//   - a host's robots.txt is fetched (as a "robots" lease) before any of its pages
//     are leased, and queued URLs it disallows become excluded with reason "robots";
//   - every URL not fetched has a recorded reason (out_of_scope, max_depth,
//     max_pages, robots, excluded_pattern, not_included, too_many_redirects, ...).
// Every mutating method expects to run inside the caller's transaction.
// Not thread-safe: owned by the coordinator's event-loop thread (or a CLI command).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "coordinator/crawl_spec.h"
#include "coordinator/store.h"
#include "core/clock.h"
#include "core/protocol.h"
#include "parsers/robots.h"

namespace swarmcrawl {

struct LeaseLimits {
  int64_t max_tasks = 256;          // most URLs per page lease
  int64_t base_ttl_ms = 60000;      // lease lifetime before per-task allowances
  int64_t per_task_ttl_ms = 2000;   // added per task (fetch time budget)
  int64_t max_lease_span_ms = 120000;  // a lease never plans more than this much delay
};

struct ActiveLease {
  int64_t id = 0;
  int64_t crawl_id = 0;
  std::string host;
  std::string kind;
  std::string nonce;
  std::string worker_id;
  std::string contributor;
  int64_t pending = 0;
  std::string state;
};

class Frontier {
 public:
  Frontier(Store* store, const Clock* clock, LeaseLimits limits = LeaseLimits());

  // (Re)loads crawls from the store; call at start and whenever another process
  // may have changed the crawls table. Returns ids of crawls whose state changed.
  std::vector<int64_t> LoadCrawls();
  const CrawlInfo* crawl(int64_t id) const;

  // Adds seeds at depth 0 (used right after Store::InsertCrawl).
  void AddSeeds(int64_t crawl_id);
  // Admits discovered URLs (already canonical per the worker; re-checked here).
  // Returns how many were queued.
  int64_t Admit(int64_t crawl_id, const std::vector<std::string>& urls, int64_t depth,
                int64_t redirects = 0);

  // Picks a ready host of a running crawl and leases up to max_tasks of its
  // URLs (or its robots.txt) to the worker. nullopt when nothing is ready.
  std::optional<LeaseMsg> NextLease(const std::string& worker_id, const std::string& contributor,
                                    int64_t max_tasks);
  std::optional<ActiveLease> GetLease(int64_t lease_id);
  // The worker made the lease's last request (RELEASE): frees the host's fetch
  // slot for page leases. A robots lease keeps it until its result is ingested,
  // because no page of the host may be leased before its robots.txt is known.
  void FetchesDone(int64_t lease_id);
  // Frees the host's fetch slot held by the lease; idempotent.
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
  // transaction the caches (seen set, admitted counts, robots rules) may hold
  // changes the database does not.
  void Reload();

  // robots.txt outcome for a host (status 0 = unreachable).
  void ApplyRobots(int64_t crawl_id, const std::string& host, int64_t status,
                   const std::string& body);
  // Pushes the host's next fetch time out after an error (exponential) or a
  // server's Retry-After; resets after a success.
  void NoteHostOutcome(int64_t crawl_id, const std::string& host, bool error);

  // Crawls that have nothing queued or leased are marked done; returns their names.
  std::vector<std::string> FinishIdleCrawls();
  bool AllCrawlsSettled();

 private:
  struct CrawlRuntime {
    CrawlInfo info;
    std::unique_ptr<Scope> scope;
    std::unordered_set<uint64_t> seen;
    int64_t admitted = 0;  // URLs ever queued (max_pages counts these)
  };

  CrawlRuntime* runtime(int64_t crawl_id);
  const RobotsRules* Robots(int64_t crawl_id, const std::string& host);
  void InsertRow(CrawlRuntime* rt, const std::string& url, const std::string& host,
                 int64_t depth, int64_t redirects, const std::string& state,
                 const std::string& reason);

  Store* store_;
  Db* db_;
  const Clock* clock_;
  LeaseLimits limits_;
  std::map<int64_t, CrawlRuntime> crawls_;
  std::map<std::pair<int64_t, std::string>, RobotsRules> robots_;
};

uint64_t UrlHash(std::string_view url);

}  // namespace swarmcrawl
