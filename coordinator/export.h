// Export: a crawl's dataset records, filtered, as JSON Lines or WARC.
//
// Records are read from the store in id order (ids only grow, so an id is a
// resumable cursor). Filters: crawl (required), language codes, minimum
// quality score, dropping duplicates (records that point at an earlier
// record of their cluster), a fetched_at time range, and the schema:
// "web_page.v1" (default) or one of the structured schemas (article.v1,
// forum_thread.v1, social_post.v1, product.v1, recipe.v1, feed_item.v1,
// scholarly_article.v1).
// Every JSON line is a complete record of its schema (schemas/).
//
// WARC 1.1 export writes a warcinfo record, then per web_page record with a
// stored capture a request, a response and a metadata record (one gzip
// member each when compressed); records without a capture (crawled with
// store_bodies off) are counted and skipped.
//
// Output goes to PATH.part and is renamed to PATH only when complete, so an
// interrupted export never leaves a truncated file under the final name;
// ".zst" selects zstd and ".gz" gzip for JSON Lines, ".warc.gz" gzip members.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "coordinator/store.h"
#include "core/status.h"

namespace swarmcrawl {

struct ExportFilter {
  std::string crawl;
  std::vector<std::string> languages;  // empty: any; else record language codes ("en", "und")
  double min_quality = 0;              // records with a lower quality_score are skipped
  bool drop_duplicates = false;
  int64_t since_ms = 0;                // fetched_at >= since_ms (0: no bound)
  int64_t until_ms = 0;                // fetched_at <  until_ms (0: no bound)
  std::string schema = "web_page.v1";
  int64_t after_id = 0;                // only records with a larger id (a cursor)
  int64_t limit = 0;                   // at most this many (0: all)
};

// Milliseconds since the epoch from "2026-01-31", "2026-01-31T12:00:00Z" or a
// plain integer of milliseconds (the since/until bounds of a filter).
bool ParseTimeBound(const std::string& v, int64_t* ms);

// Checks the filter's fields; the error names the bad one.
Status ValidateExportFilter(const ExportFilter& filter);

// Calls `fn` with each matching record (a complete JSON object of its
// schema) in id order; `fn` returns false to stop early.
Status ForEachExportRecord(Store* store, const ExportFilter& filter,
                           const std::function<bool(const nlohmann::json&)>& fn);

enum class ExportFormat { kJsonl, kWarc };

struct ExportStats {
  int64_t records = 0;          // records written (JSON lines, or captures for WARC)
  int64_t without_capture = 0;  // WARC: records skipped for want of a stored body
  int64_t last_id = 0;          // id of the last record written
};

// Writes matching records to `out_path` ("-": standard output).
Status ExportRecords(Store* store, const ExportFilter& filter, ExportFormat format,
                     const std::string& out_path, ExportStats* stats);

}  // namespace swarmcrawl
