// HttpApi: the coordinator's HTTP interface (docs/api.md, schemas/openapi.json)
// and the dashboard it serves.
//
// JSON throughout, under /api/v1: health, crawls (list, submit, status,
// pause, resume, cancel), workers, hosts, errors, stats, credits, ledger
// epochs, records (JSON Lines, streamed, cursor = the last record id),
// WARC download, full-text search; Prometheus text at /metrics; the
// dashboard (compiled in from dashboard/) at /.
//
// Invariants:
//  - The API never shares the event loop's SQLite connection: it reads
//    through its own pooled connections (WAL readers never block the
//    writer), and it changes crawls only through the database, like the CLI
//    (coordinator/crawl_control.h); the loop picks the change up.
//  - Live state (connected workers, rates) comes from LiveStatus only.
//  - Every write (POST) needs `Authorization: Bearer <write token>`; with a
//    read token set, every read needs the read or the write token. Tokens
//    are compared in constant time. No token configured: writes are refused.
//  - Errors are {"error": {"code", "message"}} with a 4xx/5xx status; a bad
//    query parameter is named in the message.
//  - Crawl status and credit totals are computed on first request, then kept
//    fresh by a refresher thread every `status_ttl_ms` (for what was asked in
//    the last minute): a status read never waits for the counting queries,
//    and its answer is at most status_ttl_ms plus one refresh old.
// Runs its own threads (cpp-httplib's pool); Start/Stop from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "coordinator/live_status.h"
#include "core/clock.h"
#include "core/status.h"

namespace swarmcrawl {

struct HttpApiOptions {
  std::string db_path;
  std::string host = "127.0.0.1";
  int port = 7180;                  // 0: any free port (see HttpApi::port)
  std::string write_token;          // empty: every write is refused
  std::string read_token;           // empty: reads are public
  std::string coordinator_name = "swarmcrawl-coordinator";
  std::string ledger_public_key;    // hex Ed25519, shown by /health and /ledger
  std::string curve_public_key;     // Z85, shown by /health (workers need it)
  int64_t trust_after = 20;         // for the credits' trust labels
  int64_t status_ttl_ms = 1000;
  int max_connections = 16;         // pooled SQLite connections
  std::string temp_dir = "/tmp";    // WARC downloads are built here, then streamed
  const LiveStatus* live = nullptr; // not owned; may be null (no live data)
};

class HttpApi {
 public:
  HttpApi(HttpApiOptions options, const Clock* clock);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds and starts serving on a background thread; fails when the address
  // cannot be bound.
  Status Start();
  void Stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a bearer token from `path` (first line, surrounding space removed),
// or creates it (32 random bytes as hex, mode 0600) when the file is absent.
Status LoadOrCreateToken(const std::string& path, std::string* token, bool* created);

}  // namespace swarmcrawl
