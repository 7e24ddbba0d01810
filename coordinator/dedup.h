// Deduplicator: exact and near-duplicate detection across a whole crawl, at
// ingest, on the coordinator's SQLite store.
//
// Exact duplicates share the SHA-256 of their normalized text
// (NormalizeForDedup: lower-case, punctuation dropped, whitespace collapsed).
// Near duplicates are found as FineWeb does: a MinHash signature of word
// 5-grams (14 bands x 8 rows), locality-sensitive hashing on the bands
// (records sharing any band key are candidates), then the candidates'
// estimated Jaccard similarity from their stored signatures, kept when at
// least the crawl's threshold. The signature is computed here from the text,
// never taken from a worker, so a worker cannot hide a duplicate.
//
// A duplicate points at its cluster's first record: the first record of a
// cluster has duplicate_of NULL, and every later member names that record
// (one hop, never a chain). Tables: dedup_exact, dedup_bands,
// dedup_signatures (see coordinator/store.cc). Work per record: one exact
// lookup, 14 band lookups (at most kMaxCandidatesPerBand rows each), and one
// signature comparison per distinct candidate.
//
// Used by one thread inside the caller's transaction; holds no state of its
// own beyond cached statements in the Db.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/sqlite.h"

namespace swarmcrawl {

struct DedupVerdict {
  std::string norm_sha256;     // hex; empty when the text has no words
  int64_t duplicate_of = 0;    // cluster's first record; 0: not a duplicate
  std::string kind;            // "exact", "near" or ""
  double similarity = 0;       // estimated Jaccard to the matched record (1 for exact)
  std::vector<uint64_t> signature;
  std::vector<std::string> band_keys;
  uint64_t simhash = 0;        // SimHash64 of the normalized text (the credit book's check)
};

class Deduplicator {
 public:
  static constexpr int kMaxCandidatesPerBand = 8;

  explicit Deduplicator(Db* db) : db_(db) {}

  // Computes the verdict for `text`, a visit of frontier row `frontier_id`,
  // against the records already indexed for the crawl. Earlier visits of the
  // same URL are not duplicates of it: a recrawl's changed version is kept
  // as its own record. Reads only.
  DedupVerdict Check(int64_t crawl_id, int64_t frontier_id, std::string_view text,
                     double near_threshold);
  // Indexes the stored record `record_id` under its verdict's keys (the first
  // record holding an exact hash keeps it).
  void Index(int64_t crawl_id, int64_t record_id, const DedupVerdict& verdict);
  // Removes a withdrawn record from the index, so a later honest copy of the
  // same text is not a duplicate of a record the dataset no longer has.
  void Forget(int64_t crawl_id, int64_t record_id);

 private:
  // The cluster root of `record_id` and the frontier row it is a visit of.
  void Lookup(int64_t record_id, int64_t* root, int64_t* frontier_id);
  Db* db_;
};

}  // namespace swarmcrawl
