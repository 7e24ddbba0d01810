// Test helpers shared by the coordinator unit tests: Frontier and Ingest on a
// real SQLite file in a temporary directory, driven by a ManualClock.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/frontier.h"
#include "coordinator/ingest.h"
#include "coordinator/store.h"
#include "core/crypto.h"

namespace swarmcrawl {
namespace coordinator_test {

// Limits for tests that read the frontier table right after admitting URLs:
// every new URL is merged at once (intake_rows 1), and an expired lease's
// host may be leased again at once. The intake and the quiet period have
// tests of their own that set these back.
inline LeaseLimits TestLimits() {
  LeaseLimits limits;
  limits.intake_rows = 1;
  limits.expired_quiet_ms = 0;
  return limits;
}

struct Env {
  std::string dir;
  ManualClock clock;
  Store store;
  std::unique_ptr<Frontier> frontier;
  std::unique_ptr<Ingest> ingest;
  int64_t crawl_id = 0;
  SigningKey key;

  explicit Env(const std::string& spec_json, LeaseLimits limits = TestLimits()) {
    char tmpl[] = "/tmp/swarmcrawl-coord-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    REQUIRE(Store::Open(dir + "/c.db", &store).ok());
    CrawlSpec spec;
    REQUIRE(ParseCrawlSpec(spec_json, &spec).ok());
    REQUIRE(store.InsertCrawl(spec, clock.NowMs(), &crawl_id).ok());
    frontier = std::make_unique<Frontier>(&store, &clock, limits);
    frontier->LoadCrawls();
    frontier->AddSeeds(crawl_id);
    ingest = std::make_unique<Ingest>(&store, frontier.get(), &clock, Logger("test", LogLevel::kQuiet));
    REQUIRE(SigningKey::Generate(&key).ok());
  }
  ~Env() {
    // Every test that uses an Env also checks, whatever it did, that the
    // frontier's kept counts (frontier_counts) match its rows.
    if (std::uncaught_exceptions() == 0) {
      CHECK(Rows("SELECT crawl_id, state, reason, n FROM frontier_counts WHERE n != 0 ORDER BY 1, 2, 3") ==
            Rows("SELECT crawl_id, state, COALESCE(reason, ''), COUNT(*) FROM frontier GROUP BY 1, 2, 3 "
                 "ORDER BY 1, 2, 3"));
    }
    std::filesystem::remove_all(dir);
  }

  // The rows of a four-column query, one "a b c d" line each.
  std::string Rows(const std::string& sql) {
    std::string out;
    Stmt s = store.db()->Prepare(sql);
    while (s.Step()) {
      for (int i = 0; i < 4; ++i) out += (i > 0 ? " " : "") + s.Text(i);
      out += "\n";
    }
    return out;
  }

  int64_t Int(const std::string& sql) {
    Stmt s = store.db()->Prepare(sql);
    return s.Step() ? s.Int(0) : -1;
  }
  // First column of the first row as text ("<none>" when there is no row, "<null>" for NULL).
  std::string Str(const std::string& sql) {
    Stmt s = store.db()->Prepare(sql);
    if (!s.Step()) return "<none>";
    return s.IsNull(0) ? "<null>" : s.Text(0);
  }
  void ExpireLeases() {
    Transaction tx(store.db());
    frontier->ExpireLeases();
    tx.Commit();
  }
  std::optional<LeaseMsg> Lease(int64_t n, const std::string& worker = "w1") {
    Transaction tx(store.db());
    auto l = frontier->NextLease(worker, key.public_hex(), n);
    tx.Commit();
    return l;
  }
  AckMsg Send(const LeaseMsg& lease, std::vector<ResultEntry> entries, const std::string& batch) {
    ResultMsg m;
    m.batch_id = batch;
    m.lease_id = lease.lease_id;
    m.entries = std::move(entries);
    m.signature = key.SignHex(ManifestBytes(key.public_hex(), m, lease.nonce));
    return ingest->Apply(key.public_hex(), m);
  }
  void AnswerRobots(const std::string& robots_txt) {
    auto l = Lease(10);
    REQUIRE(l);
    REQUIRE(l->kind == "robots");
    ResultEntry e;
    e.task_id = 1;
    e.url = l->tasks[0].url;
    e.status = 200;
    e.robots_txt = robots_txt;
    e.text_sha256 = Sha256Hex(robots_txt);
    REQUIRE(Send(*l, {e}, "robots-" + std::to_string(l->lease_id)).status == "accepted");
  }
};

// Leases that expire 1 s after issue, whatever their size.
inline LeaseLimits ShortLeases() {
  LeaseLimits limits = TestLimits();
  limits.base_ttl_ms = 1000;
  limits.per_task_ttl_ms = 0;
  return limits;
}

inline ResultEntry Page(const TaskSpec& t, std::vector<std::string> links = {}) {
  ResultEntry e;
  e.task_id = t.task_id;
  e.url = t.url;
  e.status = 200;
  e.fetched_at = 1;
  e.content_type = "text/html";
  e.text = "text of " + t.url;
  e.text_sha256 = Sha256Hex(e.text);
  e.body_bytes = 100;
  e.body_sha256 = Sha256Hex("b");
  e.outlinks = std::move(links);
  return e;
}

}  // namespace coordinator_test
}  // namespace swarmcrawl
