// swarmcrawl pull: copies a crawl's records from a coordinator's HTTP API
// into a JSON Lines file, resumably.
//
// The output file is its own cursor: records arrive in id order, and on
// start the id of the file's last complete line is where pulling resumes (a
// torn last line, from a kill mid-write, is cut off first). So an
// interrupted pull, run again with the same arguments, writes every record
// exactly once. With `follow`, it keeps polling until the crawl is done or
// cancelled and everything is pulled.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace swarmcrawl {

struct PullOptions {
  std::string from;   // http://HOST:PORT of the coordinator's API
  std::string crawl;
  std::string token;  // read token, if the API needs one
  std::string out;    // JSON Lines file, appended to
  // Filters, passed through as query parameters (docs/api.md).
  std::string schema, lang, since, until;
  double min_quality = 0;
  bool drop_duplicates = false;
  int64_t page = 10000;      // records per request
  bool follow = false;       // keep polling until the crawl is settled
  int64_t poll_ms = 2000;
  int64_t max_seconds = 0;   // 0: no limit (bounds follow mode)
  bool quiet = false;
};

struct PullStats {
  int64_t resumed_after = 0;  // cursor found in an existing file
  int64_t records = 0;        // records written by this run
  int64_t bytes = 0;
  int64_t requests = 0;
};

Status Pull(const PullOptions& options, PullStats* stats);

}  // namespace swarmcrawl
