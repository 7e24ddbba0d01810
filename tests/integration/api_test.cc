// The coordinator's HTTP API, dashboard and `swarmcrawl pull`, over real HTTP
// against a real coordinator running a real crawl (docs/api.md).
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/integration/cluster.h"

namespace swarmcrawl::testing {

using json = nlohmann::json;

namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A cluster whose coordinator serves the API on a free port.
struct ApiCluster {
  explicit ApiCluster(ClusterOptions o, std::vector<std::string> extra = {})
      : port(FreeTcpPort()), c([&] {
          o.coordinator_args = {"--http", "127.0.0.1:" + std::to_string(port)};
          o.coordinator_args.insert(o.coordinator_args.end(), extra.begin(), extra.end());
          return o;
        }()),
        client("127.0.0.1", port) {
    client.set_read_timeout(30, 0);
  }

  void Start(int workers) {
    c.StartAll(workers);
    REQUIRE(WaitUntil([&] { return static_cast<bool>(client.Get("/api/v1/health")); },
                      std::chrono::seconds(10)));
  }

  std::string token() { return Trim(ReadFile(c.db_path() + ".api-token")); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  json GetJson(const std::string& path, int expect = 200, const httplib::Headers& h = {}) {
    auto r = client.Get(path, h);
    REQUIRE(r);
    INFO(path << " -> " << r->status << " " << r->body);
    CHECK(r->status == expect);
    json j = json::parse(r->body, nullptr, false);
    REQUIRE(j.is_object());
    return j;
  }

  int port;
  Cluster c;
  httplib::Client client;
};

std::vector<json> Lines(const std::string& body) {
  std::vector<json> out;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), line);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

TEST_CASE("the HTTP API answers its contract while a crawl runs") {
  ClusterOptions o;
  o.pages = 200;
  o.slow_ms = 0;
  ApiCluster a(o);
  a.Start(2);
  REQUIRE(a.c.WaitForRecords(40, std::chrono::seconds(60)));

  const json health = a.GetJson("/api/v1/health");
  CHECK(health["ok"] == true);
  CHECK(health["ledger_key"].get<std::string>().size() == 64);
  CHECK(health["curve_key"].get<std::string>().size() == 40);
  CHECK(health["now_ms"].get<int64_t>() > 0);

  const json crawls = a.GetJson("/api/v1/crawls");
  REQUIRE(crawls["crawls"].size() == 1);
  const json& it = crawls["crawls"][0];
  CHECK(it["name"] == "it");
  for (const char* k : {"done", "queued", "leased", "failed", "excluded"}) {
    CHECK(it["counts"].contains(k));
  }
  CHECK(it["counts"]["done"].get<int64_t>() > 0);
  CHECK(it["records"].get<int64_t>() >= 40);
  CHECK(a.GetJson("/api/v1/crawls/it")["name"] == "it");
  CHECK(a.GetJson("/api/v1/crawls/nope", 404)["error"]["code"] == "not_found");

  // Live state: both workers, with pages, and a rate series.
  REQUIRE(WaitUntil(
      [&] {
        const json w = a.GetJson("/api/v1/workers");
        int64_t pages = 0;
        for (const auto& x : w["workers"]) pages += x["pages"].get<int64_t>();
        return w["workers"].size() == 2 && pages > 0;
      },
      std::chrono::seconds(20)));
  const json workers = a.GetJson("/api/v1/workers");
  for (const auto& w : workers["workers"]) {
    CHECK(w["fingerprint"].get<std::string>().size() > 8);
    CHECK(w["name"].get<std::string>().rfind("contributor-", 0) == 0);
    CHECK(w.contains("reputation"));
    CHECK(w["last_seen_ms_ago"].get<int64_t>() < 10000);
  }
  REQUIRE(WaitUntil([&] { return a.GetJson("/api/v1/stats")["series"].size() >= 2; },
                    std::chrono::seconds(10)));
  const json stats = a.GetJson("/api/v1/stats");
  CHECK(stats["records"].get<int64_t>() >= 40);
  CHECK(stats["live"] == true);

  const json hosts = a.GetJson("/api/v1/hosts?crawl=it");
  REQUIRE(hosts["hosts"].size() == 1);
  CHECK(hosts["hosts"][0]["host"].get<std::string>() + "/" == a.c.base_url());
  CHECK(hosts["hosts"][0]["robots"] != "pending");
  CHECK(a.GetJson("/api/v1/errors?crawl=it").contains("reasons"));
  CHECK(a.GetJson("/api/v1/credits")["contributors"].size() == 2);
  CHECK(a.GetJson("/api/v1/ledger/epochs")["coordinator_key"] == health["ledger_key"]);

  // Records: JSON Lines in id order, a page at a time, resumable by cursor.
  auto page1 = a.client.Get("/api/v1/records?crawl=it&limit=10");
  REQUIRE(page1);
  CHECK(page1->status == 200);
  CHECK(page1->get_header_value("Content-Type") == "application/x-ndjson");
  const auto first = Lines(page1->body);
  REQUIRE(first.size() == 10);
  for (size_t i = 1; i < first.size(); ++i) CHECK(first[i]["id"] > first[i - 1]["id"]);
  CHECK(first[0]["schema"] == "web_page.v1");
  const int64_t cursor = first.back()["id"];
  auto page2 = a.client.Get("/api/v1/records?crawl=it&limit=10&after=" + std::to_string(cursor));
  REQUIRE(page2);
  const auto second = Lines(page2->body);
  REQUIRE(!second.empty());
  CHECK(second.front()["id"].get<int64_t>() > cursor);
  // Filters reach the query: an impossible quality bound yields nothing.
  auto none = a.client.Get("/api/v1/records?crawl=it&min_quality=1&lang=xx");
  REQUIRE(none);
  CHECK(none->status == 200);
  CHECK(none->body.empty());

  // Bad parameters are named.
  CHECK(a.GetJson("/api/v1/records?crawl=it&limit=abc", 400)["error"]["message"].get<std::string>().rfind("limit", 0) == 0);
  CHECK(a.GetJson("/api/v1/records?crawl=it&min_quality=2", 400)["error"]["message"].get<std::string>().find("min_quality") != std::string::npos);
  CHECK(a.GetJson("/api/v1/records?crawl=it&since=yesterday", 400)["error"]["message"].get<std::string>().rfind("since", 0) == 0);
  CHECK(a.GetJson("/api/v1/records", 400)["error"]["message"].get<std::string>().rfind("crawl", 0) == 0);
  CHECK(a.GetJson("/api/v1/records?crawl=nope", 404)["error"]["code"] == "not_found");

  // Full-text search finds a stored record by a word of its title.
  const std::string title = first[3]["title"];
  const std::string word = title.substr(0, title.find(' '));
  REQUIRE(word.size() >= 3);
  const json found = a.GetJson("/api/v1/search?crawl=it&limit=1000&q=" + word);
  bool hit = false;
  for (const auto& r : found["results"]) hit = hit || r["id"] == first[3]["id"];
  CHECK(hit);
  CHECK(a.GetJson("/api/v1/search?q=%22unbalanced", 400)["error"]["message"].get<std::string>().rfind("q", 0) == 0);

  // WARC download: gzip members of WARC records.
  auto warc = a.client.Get("/api/v1/warc?crawl=it&limit=5");
  REQUIRE(warc);
  CHECK(warc->status == 200);
  REQUIRE(warc->body.size() > 100);
  CHECK(static_cast<unsigned char>(warc->body[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(warc->body[1]) == 0x8b);
  CHECK(warc->get_header_value("X-Swarmcrawl-Records") == "5");

  // Prometheus text.
  auto metrics = a.client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("swarmcrawl_records_stored ") != std::string::npos);
  CHECK(metrics->body.find("swarmcrawl_crawl_urls{crawl=\"it\",state=\"done\"}") != std::string::npos);
  CHECK(metrics->body.find("swarmcrawl_workers_connected 2") != std::string::npos);

  // The dashboard is served from the binary.
  auto page = a.client.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("pages-chart") != std::string::npos);
  auto js = a.client.Get("/dashboard.js");
  REQUIRE(js);
  CHECK(js->get_header_value("Content-Type").rfind("text/javascript", 0) == 0);
  CHECK(a.GetJson("/api/v1/nothing-here", 404)["error"]["code"] == "not_found");
}

TEST_CASE("API writes need the bearer token, and with it crawls are submitted, paused, resumed and cancelled") {
  ClusterOptions o;
  o.pages = 300;
  o.slow_ms = 50;
  ApiCluster a(o);
  a.Start(1);
  const std::string token = a.token();
  REQUIRE(token.size() == 64);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  const httplib::Headers wrong = {{"Authorization", "Bearer " + std::string(64, 'x')}};

  auto no_token = a.client.Post("/api/v1/crawls/it/pause", "", "application/json");
  REQUIRE(no_token);
  CHECK(no_token->status == 401);
  auto bad_token = a.client.Post("/api/v1/crawls/it/pause", wrong, "", "application/json");
  REQUIRE(bad_token);
  CHECK(bad_token->status == 403);
  CHECK(a.GetJson("/api/v1/crawls/it")["state"] == "running");  // nothing changed

  auto paused = a.client.Post("/api/v1/crawls/it/pause", auth, "", "application/json");
  REQUIRE(paused);
  CHECK(paused->status == 200);
  CHECK(json::parse(paused->body)["state"] == "paused");
  // The coordinator takes the leases back: no active lease stays.
  CHECK(WaitUntil([&] { return a.c.QueryInt("SELECT COUNT(*) FROM leases WHERE state='active'") == 0; },
                  std::chrono::seconds(10)));
  auto resumed = a.client.Post("/api/v1/crawls/it/resume", auth, "", "application/json");
  REQUIRE(resumed);
  CHECK(json::parse(resumed->body)["state"] == "running");
  auto bogus = a.client.Post("/api/v1/crawls/it/explode", auth, "", "application/json");
  REQUIRE(bogus);
  CHECK(bogus->status == 404);

  // Submitting: a bad spec is refused with the field named, a good one is
  // created (and seeded), a second with the same name conflicts.
  auto bad = a.client.Post("/api/v1/crawls", auth, R"({"name": "second", "seeds": "nope"})",
                           "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(bad->body.find("seeds") != std::string::npos);
  const std::string spec = json{{"name", "second"},
                                {"seeds", {a.c.base_url()}},
                                {"max_pages", 5},
                                {"user_agent", "swarmcrawl-test/1.0"}}
                               .dump();
  auto unauth_submit = a.client.Post("/api/v1/crawls", spec, "application/json");
  REQUIRE(unauth_submit);
  CHECK(unauth_submit->status == 401);
  auto created = a.client.Post("/api/v1/crawls", auth, spec, "application/json");
  REQUIRE(created);
  INFO(created->body);
  CHECK(created->status == 201);
  CHECK(json::parse(created->body)["name"] == "second");
  CHECK(a.c.QueryInt("SELECT COUNT(*) FROM crawls WHERE name='second'") == 1);
  auto again = a.client.Post("/api/v1/crawls", auth, spec, "application/json");
  REQUIRE(again);
  CHECK(again->status == 409);
  auto cancelled = a.client.Post("/api/v1/crawls/second/cancel", auth, "", "application/json");
  REQUIRE(cancelled);
  CHECK(json::parse(cancelled->body)["state"] == "cancelled");
  auto resurrect = a.client.Post("/api/v1/crawls/second/resume", auth, "", "application/json");
  REQUIRE(resurrect);
  CHECK(resurrect->status == 409);  // a cancelled crawl stays cancelled
}

TEST_CASE("with a read token API reads need it while the dashboard page itself stays public") {
  const std::string dir = MakeTempDir("swarmcrawl-readtoken-");
  const std::string read_token = "read-" + std::string(40, 'r');
  std::ofstream(dir + "/read.token") << read_token << "\n";
  // A token others can read is refused at start...
  {
    ClusterOptions bad;
    bad.pages = 5;
    Cluster c(bad);
    c.StartSite();
    RunResult r = Run({SWARMCRAWL_BIN, "coordinator", "--db", c.db_path(), "--plaintext", "--bind",
                       c.coordinator_endpoint(), "--http", "127.0.0.1:0", "--api-read-token-file",
                       dir + "/read.token"},
                      std::chrono::seconds(20));
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("chmod 600") != std::string::npos);
  }
  REQUIRE(chmod((dir + "/read.token").c_str(), 0600) == 0);
  ClusterOptions o;
  o.pages = 20;
  ApiCluster a(o, {"--api-read-token-file", dir + "/read.token"});
  a.Start(1);
  CHECK(a.GetJson("/api/v1/crawls", 401)["error"]["code"] == "unauthorized");
  CHECK(a.GetJson("/api/v1/crawls", 200, {{"Authorization", "Bearer " + read_token}})["crawls"].size() == 1);
  CHECK(a.GetJson("/api/v1/crawls", 200, {{"Authorization", "Bearer " + a.token()}})["crawls"].size() == 1);
  auto m = a.client.Get("/metrics");
  REQUIRE(m);
  CHECK(m->status == 401);
  auto page = a.client.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
}

TEST_CASE("pull while the crawl writes, killed and resumed, yields every record exactly once") {
  ClusterOptions o;
  o.pages = 400;
  o.delay_ms = 10;  // the crawl must still be writing when the first pull is killed
  o.concurrency = 1;
  ApiCluster a(o);
  a.Start(1);
  REQUIRE(a.c.WaitForRecords(20, std::chrono::seconds(60)));
  const std::string out = a.c.dir() + "/pulled.jsonl";
  const std::vector<std::string> args = {SWARMCRAWL_BIN, "pull", "--from", a.url(), "--crawl", "it",
                                         "--out", out, "--page", "7", "--follow", "--poll-ms",
                                         "200", "--max-seconds", "240", "-q"};
  // First run: killed (SIGKILL) while the crawl is still writing.
  {
    Process p = Process::Start(args, a.c.dir() + "/pull1.log");
    REQUIRE(WaitUntil([&] { return ReadFile(out).size() > 20000; }, std::chrono::seconds(60)));
    p.Signal(SIGKILL);
    p.Wait(std::chrono::seconds(5));
  }
  const int64_t crawl_records_at_kill = a.c.QueryInt("SELECT COUNT(*) FROM records");
  CHECK(crawl_records_at_kill < 400);  // the crawl was still running
  // Leave a torn line, as a kill mid-write would.
  std::ofstream(out, std::ios::app) << "{\"schema\":\"web_page.v1\",\"id\":";
  // Second run: resumes and follows the crawl to its end.
  RunResult second = Run(args, std::chrono::seconds(300));
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  CHECK(second.output.find("after record") != std::string::npos);
  REQUIRE(a.c.WaitForCrawlDone(std::chrono::seconds(120)));
  // Once the crawl is done, one more (non-follow) pull adds nothing new.
  RunResult third = Run({SWARMCRAWL_BIN, "pull", "--from", a.url(), "--crawl", "it", "--out", out, "-q"},
                        std::chrono::seconds(60));
  REQUIRE(third.exit_code == 0);

  std::ifstream in(out);
  std::vector<int64_t> ids;
  for (std::string line; std::getline(in, line);) {
    const json j = json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), "torn or bad line: " << line.substr(0, 80));
    ids.push_back(j["id"].get<int64_t>());
  }
  const std::set<int64_t> unique(ids.begin(), ids.end());
  CHECK(unique.size() == ids.size());  // nothing written twice
  CHECK(static_cast<int64_t>(ids.size()) == a.c.QueryInt("SELECT COUNT(*) FROM records"));
  CHECK(std::is_sorted(ids.begin(), ids.end()));
}

TEST_CASE("the dashboard shows a live crawl in headless Chromium") {
  ClusterOptions o;
  o.pages = 2000;
  o.delay_ms = 25;  // ~40 pages/s: still crawling while the browser watches
  o.concurrency = 1;
  ApiCluster a(o);
  a.Start(2);
  REQUIRE(a.c.WaitForRecords(5, std::chrono::seconds(60)));
  const std::string shot = std::string(SWARMCRAWL_BUILD_DIR) + "/test-artifacts/dashboard.png";
  Run({"mkdir", "-p", std::string(SWARMCRAWL_BUILD_DIR) + "/test-artifacts"}, std::chrono::seconds(5));
  RunResult r = Run({"node", std::string(SWARMCRAWL_SOURCE_DIR) + "/tests/support/node/dashboard_check.mjs",
                     a.url() + "/", shot, "--min-change-seconds", "20"},
                    std::chrono::seconds(120));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string last = r.output.substr(r.output.rfind('{'));
  const json result = json::parse(last);
  CHECK(result["ok"] == true);
  CHECK(result["workers"].get<int>() >= 1);
  CHECK(result["records_after"].get<int64_t>() > result["records_before"].get<int64_t>());
  CHECK(ReadFile(shot).size() > 10000);  // a real PNG, kept as a test artifact
}

}  // namespace swarmcrawl::testing

namespace swarmcrawl::testing {

TEST_CASE("a worker's --status-port serves its own throughput, errors and credit as JSON") {
  ClusterOptions o;
  o.pages = 300;
  o.slow_ms = 20;
  o.concurrency = 2;
  Cluster c(o);
  c.StartSite();
  c.SubmitCrawl();
  c.StartCoordinator();
  const int port = FreeTcpPort();
  c.StartWorkerWithArgs(1, {"--status-port", std::to_string(port)});
  httplib::Client client("127.0.0.1", port);
  json first;
  REQUIRE(WaitUntil(
      [&] {
        auto r = client.Get("/status");
        if (!r || r->status != 200) return false;
        first = json::parse(r->body, nullptr, false);
        return first.is_object() && first["pages"].get<int64_t>() > 0 &&
               !first["credit"]["pending"].is_null();
      },
      std::chrono::seconds(60)));
  CHECK(first["connected"] == true);
  CHECK(first["worker_id"].get<std::string>().size() > 4);
  CHECK(first["contributor"].get<std::string>().size() == 64);
  CHECK(first["credit"]["credited_pages"].get<int64_t>() >= 0);
  CHECK(first.contains("errors_by_reason"));
  // The fixture site has failing pages: they show up by reason.
  REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(120)));
  auto last = client.Get("/status");
  REQUIRE(last);
  const json done = json::parse(last->body);
  CHECK(done["pages"].get<int64_t>() > first["pages"].get<int64_t>());
  CHECK(done["pages"].get<int64_t>() == c.QueryInt("SELECT COUNT(*) FROM records"));
  CHECK(done["errors"].get<int64_t>() > 0);
  int64_t by_reason = 0;
  for (const auto& [reason, n] : done["errors_by_reason"].items()) by_reason += n.get<int64_t>();
  CHECK(by_reason == done["errors"].get<int64_t>());
  CHECK(done["uptime_s"].get<int64_t>() >= 0);
}

}  // namespace swarmcrawl::testing
