// Store: the coordinator's durable state in one SQLite file (WAL).
//
// Tables (created by Open, migrated by schema version in `meta`):
//   crawls        one row per submitted crawl spec, with its state
//                 (running | paused | cancelled | done)
//   frontier      each canonical URL once per crawl: state (queued | leased |
//                 done | failed | excluded), depth, host, attempts and the
//                 reason when excluded or failed
//   hosts         per crawl and host: queued count, the lease holding its fetch
//                 slot, next allowed fetch time, robots.txt state and rules
//   leases        host batches handed to workers, with nonce, holder and expiry
//   records       web_page.v1 dataset records, one per visit that changed the
//                 text, with extras (metadata, language, quality, encoding)
//                 and their duplicate verdict (coordinator/dedup.h)
//   captures      response head and gzip body per record, for WARC export
//   structured    records of other schemas (product.v1, feed_item.v1, ...)
//   dedup_*       exact-hash, LSH band and MinHash signature indexes
//   contributors  public keys seen, with fingerprint and display name
//   batches       accepted result batches per contributor (idempotent re-sends)
//   rejections    refused result batches and why
//   credits       credited pages and bytes per accepted batch
// Store is used by one thread at a time; other processes (the CLI) may open
// the same file concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "coordinator/crawl_spec.h"
#include "core/sqlite.h"
#include "core/status.h"

namespace swarmcrawl {

struct CrawlInfo {
  int64_t id = 0;
  std::string name;
  std::string state;
  CrawlSpec spec;
  int64_t created_at = 0;
  int64_t finished_at = 0;
};

struct CrawlStatus {
  CrawlInfo info;
  std::map<std::string, int64_t> by_state;   // frontier state -> count
  std::map<std::string, int64_t> by_reason;  // "state/reason" -> count for non-empty reasons
  int64_t records = 0;
  int64_t bytes = 0;
  int64_t active_leases = 0;
  int64_t hosts = 0;
};

struct CreditRow {
  std::string contributor;
  std::string fingerprint;
  std::string name;
  int64_t pages = 0;             // stored records (work done, whatever its credit)
  int64_t bytes = 0;
  int64_t batches = 0;
  int64_t rejected_batches = 0;
  // Credit (coordinator/credit.h): units accepted into the ledger, units
  // still pending their verification window, and items rejected.
  int64_t credit_accepted = 0;
  int64_t credit_pending = 0;
  int64_t items_rejected = 0;
  // Trust: checks agreed and lost, agreements in a row, provably bad batches,
  // and the moving average of agreement.
  int64_t agreements = 0;
  int64_t disagreements = 0;
  int64_t streak = 0;
  int64_t penalties = 0;
  double reputation = 0.5;
};

// The frontier intake's tables (coordinator/frontier.h): part k of
// kIntakeParts is frontier_intake_<k>; the view frontier_intake unites them.
constexpr int kIntakeParts = 8;
inline std::string IntakeTable(int part) { return "frontier_intake_" + std::to_string(part); }

class Store {
 public:
  static Status Open(const std::string& path, Store* out);

  Db* db() { return &db_; }

  // Validates nothing (the spec is already parsed); fails if the name exists.
  // Seeds are added to the frontier by Frontier::AddSeeds in the same process.
  Status InsertCrawl(const CrawlSpec& spec, int64_t now_ms, int64_t* crawl_id);
  Status ListCrawls(std::vector<CrawlInfo>* out);
  Status FindCrawl(const std::string& name, CrawlInfo* out);
  // Allowed transitions: running<->paused, running|paused->cancelled, running->done.
  Status SetCrawlState(const std::string& name, const std::string& state, int64_t now_ms);
  Status GetStatus(const std::string& name, CrawlStatus* out);
  Status Credits(std::vector<CreditRow>* out, const std::string& crawl_name = "");

 private:
  void Migrate();
  Db db_;
};

CrawlInfo ReadCrawlRow(Stmt& s);  // columns: id, name, state, spec, created_at, finished_at

}  // namespace swarmcrawl
