// A real worker against a server that attacks it (tests/support/hostile_server.cc):
// every attack ends in a recorded reason within bounded time and memory,
// nothing is fetched from a non-public address, and the same worker goes on
// crawling the ordinary host next door.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/integration/cluster.h"

namespace swarmcrawl::testing {
namespace {

int64_t PeakRssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

}  // namespace

TEST_CASE("a hostile server cannot crash, hang, exhaust or aim a worker inward, and the worker crawls on") {
  ClusterOptions o;
  o.hostile = true;
  o.strict_network = true;
  o.spec_extra = "\"robots_unavailable_ms\": 2000, \"max_attempts\": 1";
  Cluster c(o);
  c.StartSite();
  c.SubmitCrawl();
  c.StartCoordinator();
  // internal.test resolves to a private address, as a hostile DNS answer would.
  c.StartWorkerWithArgs(1, {"--resolve", "internal.test:" + std::to_string(c.site_port()) + ":10.0.0.1"});
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(150)));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds < 120);

  auto row = [&](const std::string& url) {
    const auto rows = c.QueryCounts("SELECT state || '/' || COALESCE(reason,''), 1 FROM frontier "
                                    "WHERE verify_id IS NULL AND url='" + url + "'");
    return rows.empty() ? std::string("<missing>") : rows.begin()->first;
  };
  auto detail = [&](const std::string& url) {
    const auto rows = c.QueryCounts("SELECT COALESCE(detail,''), 1 FROM frontier WHERE verify_id IS NULL AND url='" + url + "'");
    return rows.empty() ? std::string() : rows.begin()->first;
  };
  const std::string port = std::to_string(c.site_port());
  const std::string h = "http://hostile.localhost:" + port;
  CHECK(row(h + "/slowloris") == "failed/timeout");
  CHECK(row(h + "/endless") == "failed/too_large");
  for (const char* bomb : {"/gzip-bomb", "/br-bomb", "/zstd-bomb"}) {
    INFO(bomb);
    CHECK(row(h + bomb) == "failed/too_large");
  }
  CHECK(row(h + "/huge-headers") == "failed/bad_response");
  CHECK(row(h + "/bad-chunked") == "failed/bad_response");
  // The loop ends: each hop once, each a recorded redirect.
  CHECK(row(h + "/loop-a") == "done/redirect");
  CHECK(row(h + "/loop-b") == "done/redirect");
  // Hostile bytes still make records, saying what the limits cut.
  CHECK(row(h + "/invalid-utf8") == "done/");
  CHECK(row(h + "/deep") == "done/");
  CHECK(row(h + "/huge-attr") == "done/");
  CHECK(c.QueryInt("SELECT COUNT(*) FROM records WHERE url='" + h + "/deep' AND extras LIKE '%nesting_depth%'") == 1);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM records WHERE url='" + h + "/invalid-utf8' AND extras LIKE '%\"had_errors\":true%'") == 1);
  // Inward redirects, a hostile robots.txt redirect and a name that resolves
  // to a private address: refused at connect time, with the reason recorded.
  for (const std::string& inward : {std::string("http://169.254.169.254/latest/meta-data/"),
                                    std::string("http://10.0.0.1/"), "http://[::1]:" + port + "/",
                                    "http://internal.test:" + port + "/",
                                    "http://robotsredir.localhost:" + port + "/"}) {
    INFO(inward);
    CHECK(row(inward) == "excluded/robots");
    CHECK(detail(inward).find("blocked_address") != std::string::npos);
  }
  // Nothing behind those names was ever served (the server would have logged it).
  for (const auto& line : c.HostileLog()) {
    INFO(line);
    CHECK(line.rfind("internal.test ", 0) != 0);
    CHECK(line.find("meta-data") == std::string::npos);
  }
  // The same worker crawled the ordinary host in full.
  const std::string g = "http://good.localhost:" + port;
  for (const char* p : {"/", "/p1.html", "/p2.html", "/p3.html", "/p4.html", "/p5.html"}) {
    INFO(p);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM records WHERE url='" + g + p + "'") == 1);
  }
  // Bounded memory: 64 MiB bombs, a 5 MiB attribute and 100,000-deep nesting
  // did not blow the worker up.
  const int64_t peak = PeakRssKiB(c.WorkerPid(1));
  INFO("worker VmHWM " << peak << " KiB");
  CHECK(peak > 0);
  CHECK(peak < 400 * 1024);
}

}  // namespace swarmcrawl::testing
