// Spool: result batches a worker has produced but the coordinator has not yet
// acknowledged, kept in SQLite so that a coordinator outage or a worker crash
// loses nothing.
//
// A batch is written (and committed) before it is first sent, and deleted only
// when an ACK for it arrives. On start, a worker re-sends every batch left in
// its spool; the coordinator's ingest is idempotent, so a batch sent twice is
// credited once. Entries are scoped by contributor key, so several workers of
// one contributor may share a file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/sqlite.h"
#include "core/status.h"

namespace swarmcrawl {

struct SpooledBatch {
  std::string batch_id;
  int64_t lease_id = 0;
  std::string body;  // the RESULT message body, as sent
};

class Spool {
 public:
  static Status Open(const std::string& path, const std::string& contributor, Spool* out);

  Status Put(const SpooledBatch& batch);
  Status Remove(const std::string& batch_id);
  Status LoadAll(std::vector<SpooledBatch>* out);
  int64_t Count();

 private:
  Db db_;
  std::string contributor_;
};

}  // namespace swarmcrawl
