// Ingest: turns one signed result batch into stored records, frontier updates
// and credit, in exactly one SQLite transaction.
//
// Checks, in order (a failure rejects the whole batch, records the reason in
// `rejections`, stores nothing and credits nobody):
//   unknown_lease     the lease id was never issued
//   lease_not_yours   the lease was issued to another contributor
//   bad_signature     the Ed25519 signature does not verify over ManifestBytes()
//   hash_mismatch     an entry's text (or robots.txt) does not hash to its text_sha256
//   wrong_task        an entry names a task that is not part of the lease
//   lease_expired     the lease had expired (its URLs went back to the queue)
//   replay            the batch id was used for another lease, or the lease
//                     was already complete (old work sent again)
// Every rejection but lease_expired (lateness, not cheating) lowers the
// contributor's reputation: the session proved the key, so the batch is its.
// Idempotence: a batch id already accepted for the contributor is acknowledged
// as "duplicate" with its original counts and changes nothing. A task already
// finished through another lease is skipped (no second record, no credit).
// Credit: every stored page becomes a pending credit item (CreditBook; zero
// units for a duplicate of stored content), maybe checked by re-fetch; rows that carry a check are
// compared with the page instead of being stored. The credits table keeps
// the per-batch work summary: one page and its body bytes per stored record. A revisit
// whose text is unchanged (or a 304) stores nothing and earns nothing; it
// refreshes the last record's fetched_at. Opted-out pages (noindex, noai,
// tdm_reserved) and pages whose rel=canonical names another URL
// (non_canonical) are done without a record.
#pragma once

#include <map>
#include <string>

#include "coordinator/credit.h"
#include "coordinator/dedup.h"
#include "coordinator/frontier.h"
#include "coordinator/store.h"
#include "core/clock.h"
#include "core/json_schema.h"
#include "core/log.h"
#include "core/protocol.h"

namespace swarmcrawl {

struct IngestStats {
  int64_t batches = 0;
  int64_t rejected = 0;
  int64_t records = 0;
  int64_t entries = 0;
  int64_t duplicates = 0;       // records marked exact or near duplicates
  int64_t bad_captures = 0;     // bodies whose hash did not match body_sha256 (not stored)
  int64_t structured = 0;       // structured records stored
  int64_t invalid_structured = 0;  // structured records that broke their schema (dropped)
};

// The published schemas (schemas/*.v1.json, compiled in) that hold what
// workers send: the extras of a web_page record and each structured record.
class RecordSchemas {
 public:
  RecordSchemas();
  // "" when valid; otherwise the first violation, its JSON path named.
  std::string CheckExtras(const nlohmann::json& extras) const;
  std::string CheckStructured(const nlohmann::json& body) const;

 private:
  std::map<std::string, JsonSchema> extras_;
  std::map<std::string, JsonSchema> structured_;
};

class Ingest {
 public:
  // `credit` may be null (no credit items, no checks).
  Ingest(Store* store, Frontier* frontier, const Clock* clock, Logger log,
         CreditBook* credit = nullptr)
      : store_(store),
        frontier_(frontier),
        clock_(clock),
        log_(std::move(log)),
        dedup_(store->db()),
        credit_(credit) {}

  // Never throws; a storage failure is returned as an ACK with status "retry"
  // so the worker keeps the batch and sends it again. `contributor` is the
  // session's, which proved it holds the key (HELLO proof).
  AckMsg Apply(const std::string& contributor, const ResultMsg& batch);
  void NoteContributor(const std::string& contributor, const std::string& name);
  const IngestStats& stats() const { return stats_; }

 private:
  struct PageOutcome {
    int64_t stored = 0, bytes = 0, finished = 0;
  };
  AckMsg ApplyLocked(const std::string& contributor, const ResultMsg& batch);
  PageOutcome ApplyPages(const ActiveLease& lease, const CrawlInfo& crawl,
                         const std::string& contributor, const ResultMsg& batch, int64_t now);
  // Stores the record's WARC capture and structured records (`record_id` 0
  // for a feed's items, which belong to no web_page record).
  void StoreCaptureAndStructured(const ActiveLease& lease, const std::string& contributor,
                                 const ResultEntry& e, const std::string& url,
                                 int64_t record_id);
  AckMsg Reject(const std::string& contributor, const ResultMsg& batch, const std::string& reason);

  Store* store_;
  Frontier* frontier_;
  const Clock* clock_;
  Logger log_;
  IngestStats stats_;
  Deduplicator dedup_;
  CreditBook* credit_;
  RecordSchemas schemas_;
};

}  // namespace swarmcrawl
