// End-to-end crawls: a real fixture HTTP server, a real coordinator process and
// two real worker processes talking CurveZMQ over loopback TCP.
#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

#include "tests/integration/cluster.h"

namespace swarmcrawl::testing {
namespace {

// Every expected page has exactly one record, and nothing else has one.
void CheckCompleteDataset(Cluster& c) {
  const auto expected = c.site().ExpectedHtmlPaths();
  const std::set<std::string> want(expected.begin(), expected.end());
  const std::set<std::string> got = c.RecordPaths();
  std::vector<std::string> missing, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  INFO("missing: " << (missing.empty() ? "" : missing.front()) << " (" << missing.size() << ")");
  INFO("extra: " << (extra.empty() ? "" : extra.front()) << " (" << extra.size() << ")");
  CHECK(missing.empty());
  CHECK(extra.empty());
  CHECK(c.QueryInt("SELECT COUNT(*) FROM records") == static_cast<int64_t>(want.size()));
  CHECK(c.QueryInt("SELECT COUNT(*) FROM (SELECT url FROM records GROUP BY url HAVING COUNT(*)>1)") == 0);
}

void CheckCreditsMatchRecords(Cluster& c) {
  const auto credited = c.QueryCounts("SELECT contributor, SUM(pages) FROM credits GROUP BY contributor");
  const auto records = c.QueryCounts("SELECT contributor, COUNT(*) FROM records GROUP BY contributor");
  CHECK(credited == records);
  const auto bytes_credited = c.QueryCounts("SELECT contributor, SUM(bytes) FROM credits GROUP BY contributor");
  const auto bytes_records = c.QueryCounts("SELECT contributor, SUM(body_bytes) FROM records GROUP BY contributor");
  CHECK(bytes_credited == bytes_records);
}

}  // namespace

TEST_CASE("a crawl fetches every reachable in-scope page exactly once and nothing else") {
  Cluster c(ClusterOptions{});
  c.StartAll(2);
  REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(300)));

  CheckCompleteDataset(c);

  // From the server's side: each expected request exactly once (pages answering
  // 5xx may be retried up to max_attempts = 2), robots.txt fetched, /private/ never.
  const auto access = c.AccessCounts();
  const auto expected_requests = c.site().ExpectedRequestPaths();
  // Verification by re-fetch (docs/credits.md) fetches sampled pages once
  // more, on another contributor's worker: those requests are expected too.
  std::map<std::string, int64_t> checks;
  for (const auto& [url, n] : c.QueryCounts(
           "SELECT url, COUNT(*) FROM frontier WHERE verify_id IS NOT NULL AND state='done' "
           "GROUP BY url")) {
    checks["/" + url.substr(c.base_url().size())] = n;
  }
  std::set<std::string> allowed(expected_requests.begin(), expected_requests.end());
  allowed.insert("/.well-known/tdmrep.json");  // TDMRep is read with robots.txt
  for (const auto& path : expected_requests) {
    INFO("path " << path);
    auto it = access.find(path);
    REQUIRE(it != access.end());
    if (path.find("/broken/") == std::string::npos) {
      CHECK(it->second == 1 + (checks.count(path) ? checks.at(path) : 0));
    } else {
      CHECK(it->second <= 2);
    }
  }
  for (const auto& [path, n] : access) {
    INFO("unexpected request " << path);
    CHECK(allowed.count(path) == 1);
    CHECK(path.rfind("/private/", 0) != 0);
  }
  for (const auto& p : c.site().RobotsDisallowedPaths()) CHECK(access.count(p) == 0);
  CHECK(access.at("/robots.txt") == 1);
  CHECK(access.at("/.well-known/tdmrep.json") == 1);

  // Every exclusion and failure has its reason.
  const auto reasons = c.QueryCounts(
      "SELECT state || '/' || COALESCE(reason,''), COUNT(*) FROM frontier GROUP BY 1");
  CHECK(reasons.count("excluded/robots") == 1);
  CHECK(reasons.count("excluded/out_of_scope") == 1);
  CHECK(reasons.count("failed/http_404") == 1);
  CHECK(reasons.count("failed/http_500") == 1);
  CHECK(reasons.count("done/redirect") == 1);
  CHECK(reasons.count("done/not_html") == 1);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE state IN ('failed','excluded') AND reason IS NULL") == 0);

  CheckCreditsMatchRecords(c);
  // Both contributors did work, and each is credited only for its own records.
  CHECK(c.QueryInt("SELECT COUNT(DISTINCT contributor) FROM credits") == 2);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM rejections") == 0);

  // Export: one valid web_page.v1 line per record, checked by a real JSON Schema validator.
  const std::string out = c.dir() + "/it.jsonl";
  RunResult ex = c.Cli({"export", "--db", c.db_path(), "--crawl", "it", "--out", out});
  INFO(ex.output);
  REQUIRE(ex.exit_code == 0);
  RunResult v = Run({"python3", std::string(SWARMCRAWL_SOURCE_DIR) + "/tests/support/validate_jsonl.py",
                     std::string(SWARMCRAWL_SOURCE_DIR) + "/schemas/web_page.v1.json", out},
                    std::chrono::seconds(120));
  INFO(v.output);
  CHECK(v.exit_code == 0);
  CHECK(v.output.find("valid " + std::to_string(c.site().ExpectedHtmlPaths().size()) + " ") !=
        std::string::npos);

  // The credits table the operator sees agrees.
  RunResult cr = c.Cli({"credits", "--db", c.db_path()});
  CHECK(cr.exit_code == 0);
  CHECK(cr.output.find("contributor-1") != std::string::npos);
  CHECK(cr.output.find("contributor-2") != std::string::npos);
}

TEST_CASE("SIGKILL of a worker mid-crawl loses nothing: its lease is re-issued") {
  ClusterOptions o;
  o.lease_size = 32;
  Cluster c(o);
  c.StartAll(2);
  REQUIRE(c.WaitForRecords(100, std::chrono::seconds(60)));
  c.KillWorker(1);
  REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(300)));
  CheckCompleteDataset(c);
  CheckCreditsMatchRecords(c);
}

TEST_CASE("SIGKILL of the coordinator, then a restart, completes the crawl without duplicates") {
  ClusterOptions o;
  o.lease_size = 32;
  Cluster c(o);
  c.StartAll(2);
  REQUIRE(c.WaitForRecords(150, std::chrono::seconds(60)));
  c.KillCoordinator();
  // What the coordinator had committed (and so may have acknowledged) before dying.
  const std::set<std::string> before = c.RecordPaths();
  const int64_t batches_before = c.QueryInt("SELECT COUNT(*) FROM batches");
  CHECK(batches_before > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // workers notice, spool, retry
  c.StartCoordinator();
  REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(300)));
  CheckCompleteDataset(c);
  CheckCreditsMatchRecords(c);
  const std::set<std::string> after = c.RecordPaths();
  CHECK(std::includes(after.begin(), after.end(), before.begin(), before.end()));
  CHECK(c.QueryInt("SELECT COUNT(*) FROM batches") >= batches_before);
}

TEST_CASE("an unreachable coordinator: the worker says so, retries with backoff, then joins") {
  ClusterOptions o;
  Cluster c(o);
  c.StartSite();
  c.SubmitCrawl();
  // Start the coordinator first only to create its key, then stop it.
  c.StartCoordinator();
  c.KillCoordinator();
  c.StartWorker(1);
  const std::string log = c.dir() + "/worker-1.log";
  REQUIRE(WaitUntil([&] { return ReadFile(log).find("retrying in") != std::string::npos; },
                    std::chrono::seconds(20)));
  c.StartCoordinator();
  REQUIRE(WaitUntil([&] { return ReadFile(log).find("connected to") != std::string::npos; },
                    std::chrono::seconds(60)));
  c.StartWorker(2);
  REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(300)));
  CheckCompleteDataset(c);
}

TEST_CASE("oversized responses are recorded as too_large and the crawl goes on") {
  ClusterOptions o;
  o.worker_args = {"--max-body-bytes", "50000"};  // only the 3000-link page is bigger
  Cluster c(o);
  c.StartAll(1);
  REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(300)));
  const int64_t too_large =
      c.QueryInt("SELECT COUNT(*) FROM frontier WHERE state='failed' AND reason='too_large'");
  const int64_t records = c.QueryInt("SELECT COUNT(*) FROM records");
  CHECK(too_large > 0);
  CHECK(records > 0);
  // Nothing is left hanging and nothing went unexplained: every URL is settled,
  // and each failure carries its reason.
  CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE state IN ('queued','leased')") == 0);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE state='failed' AND reason IS NULL") == 0);
  CHECK(c.QueryInt("SELECT MAX(body_bytes) FROM records") <= 50000);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE url LIKE '%/weird/many-links.html' "
                   "AND state='failed' AND reason='too_large'") == 1);
  const auto expected = c.site().ExpectedHtmlPaths();
  const std::set<std::string> want(expected.begin(), expected.end());
  for (const auto& p : c.RecordPaths()) CHECK(want.count(p) == 1);
}

}  // namespace swarmcrawl::testing
