// Politeness, sitemaps, opt-outs, canonical URLs and recrawl, end to end:
// a real coordinator and three real workers crawl the multi-host site
// (tests/support/multihost_site.h), whose server logs every request with its
// start and end time per host name.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "core/url.h"
#include "tests/integration/cluster.h"
#include "tests/support/multihost_site.h"

namespace swarmcrawl::testing {
namespace {

bool IsWellKnown(const std::string& target) {
  return target.rfind("/robots", 0) == 0 || target == "/real-robots.txt" ||
         target.rfind("/.well-known/", 0) == 0;
}

std::string PathOf(const std::string& url) {
  UrlParts p;
  return SplitUrl(url, &p).ok() ? p.path_query : "";
}

// Largest number of requests in flight at once among `reqs` (intervals
// [start, end]; a request starting the millisecond another ended does not overlap).
int MaxInFlight(const std::vector<LoggedRequest>& reqs) {
  std::vector<std::pair<int64_t, int>> events;
  for (const auto& r : reqs) {
    events.emplace_back(r.start_ms, +1);
    events.emplace_back(r.end_ms, -1);
  }
  std::sort(events.begin(), events.end());  // at equal times, ends (-1) sort first
  int now = 0, most = 0;
  for (const auto& [t, d] : events) most = std::max(most, now += d);
  return most;
}

// Stored record URLs of a host, as paths.
std::set<std::string> StoredPaths(Cluster& c, const std::string& host) {
  std::set<std::string> out;
  for (const auto& [url, n] : c.QueryCounts("SELECT url, COUNT(*) FROM records GROUP BY url")) {
    if (url.find("://" + host + ".localhost:") != std::string::npos) out.insert(PathOf(url));
  }
  return out;
}

std::map<std::string, int64_t> ReasonsOf(Cluster& c, const std::string& host) {
  return c.QueryCounts(
      "SELECT SUBSTR(url, INSTR(SUBSTR(url, 8), '/') + 7) || ' ' || state || '/' || "
      "COALESCE(reason, ''), COUNT(*) FROM frontier WHERE url LIKE 'http://" + host +
      ".localhost:%' GROUP BY 1");
}

std::set<std::string> Fated(const std::string& host, MultihostFate fate) {
  const auto v = MultihostPathsWithFate(host, fate);
  return {v.begin(), v.end()};
}

}  // namespace

TEST_CASE("three workers never exceed the concurrency or delay of a host or the limit of an address") {
  ClusterOptions o;
  o.multihost = true;
  o.hosts = {"a", "b", "c", "slow", "busy", "down", "norobots", "robotsloop", "robotsgarbage",
             "robotsredirect"};
  o.delay_ms = 150;
  o.concurrency = 1;
  o.slow_ms = 250;
  o.retry_after_s = 2;
  // robots.txt down for longer than 3 s: its host's URLs are given up on.
  o.spec_extra = "\"ip_concurrency\": 3, \"max_attempts\": 3, \"robots_unavailable_ms\": 3000";
  Cluster c(o);
  c.StartAll(3);
  REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(240)));
  const auto log = c.RequestLog();
  REQUIRE(log.size() > 100);

  std::map<std::string, std::vector<LoggedRequest>> by_host;
  for (const auto& r : log) by_host[r.host].push_back(r);
  for (auto& [host, reqs] : by_host) {
    INFO("host " << host);
    std::sort(reqs.begin(), reqs.end(),
              [](const auto& x, const auto& y) { return x.start_ms < y.start_ms; });
    // Concurrency 1 across all workers: no two requests to a host overlap.
    CHECK(MaxInFlight(reqs) <= 1);
    // And never faster than the delay (robots.txt redirect hops are one fetch).
    std::vector<LoggedRequest> fetches;
    for (const auto& r : reqs) {
      const bool hop = (r.target.rfind("/robots", 0) == 0 && r.target != "/robots.txt") ||
                       r.target == "/real-robots.txt";
      if (!hop) fetches.push_back(r);
    }
    for (size_t i = 1; i < fetches.size(); ++i) {
      INFO(fetches[i - 1].target << " then " << fetches[i].target);
      // The worker spaces its requests from when each went out; the server
      // logs when it has read one, which for a new connection on a loaded
      // machine can lag by a few tens of milliseconds (accept, thread
      // start). Without the delay the gap would be a few milliseconds.
      CHECK(fetches[i].start_ms - fetches[i - 1].start_ms >= o.delay_ms - 25);
    }
  }

  // Every host is on 127.0.0.1: at most ip_concurrency leases (of one request
  // each) at a time over all of them. robots.txt fetches of hosts whose
  // address is not known yet are the documented exception, so pages only.
  std::vector<LoggedRequest> pages;
  for (const auto& r : log) {
    if (!IsWellKnown(r.target)) pages.push_back(r);
  }
  CHECK(MaxInFlight(pages) <= 3);
  CHECK(MaxInFlight(pages) >= 2);  // the limit is not a serialization

  // 429 with Retry-After: 2 (seconds) and 503 with an HTTP-date: the host is
  // left alone at least that long after the answer.
  auto& busy = by_host["busy.localhost"];
  for (const char* path : {"/p3.html", "/p6.html"}) {
    INFO("busy " << path);
    auto it = std::find_if(busy.begin(), busy.end(), [&](const LoggedRequest& r) {
      return r.target == path && (r.status == 429 || r.status == 503);
    });
    REQUIRE(it != busy.end());
    REQUIRE(it + 1 != busy.end());
    CHECK((it + 1)->start_ms - it->end_ms >= o.retry_after_s * 1000 - 50);
  }
  CHECK(StoredPaths(c, "busy").count("/p3.html") == 1);  // retried later, then stored
  CHECK(StoredPaths(c, "busy").count("/p6.html") == 1);

  // A slow host's delay grows with its response time (factor 2 by default).
  CHECK(c.QueryInt("SELECT delay_ms FROM hosts WHERE host LIKE 'http://slow.localhost:%'") >= 400);
  // Only "/" is known at first; the lease for its nine links comes after its
  // response time is known, so those requests are spaced by the grown delay.
  int spaced = 0;
  const auto& slow = by_host["slow.localhost"];
  for (size_t i = 1; i < slow.size(); ++i) {
    if (slow[i].target.rfind("/p", 0) == 0 && slow[i].start_ms - slow[i - 1].start_ms >= 400) ++spaced;
  }
  CHECK(spaced >= 5);

  // robots.txt answering 503 blocks the host: no page is ever requested;
  // robots.txt is retried with backoff (1 s, then 2 s, or later when the
  // shared address is busy) until the outage has lasted
  // robots_unavailable_ms, then the URLs are excluded, saying why.
  std::vector<int64_t> down_robots;
  for (const auto& r : by_host["down.localhost"]) {
    CHECK(IsWellKnown(r.target));
    if (r.target == "/robots.txt") down_robots.push_back(r.start_ms);
  }
  REQUIRE(down_robots.size() >= 2);
  CHECK(down_robots[1] - down_robots[0] >= 1000 - 50);
  CHECK(down_robots.back() - down_robots.front() >= 3000 - 50);
  CHECK(ReasonsOf(c, "down").count("/ excluded/robots") == 1);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE detail='robots.txt answered HTTP 503'") >= 1);
  // A 404 robots.txt allows everything.
  CHECK(StoredPaths(c, "norobots").count("/private/x.html") == 1);
  // More than five redirects: robots.txt unavailable, everything allowed.
  CHECK(StoredPaths(c, "robotsloop") == std::set<std::string>{"/", "/p1.html"});
  // Binary garbage has no rules.
  CHECK(StoredPaths(c, "robotsgarbage") == std::set<std::string>{"/", "/p1.html"});
  // A redirected robots.txt is followed and applied.
  CHECK(StoredPaths(c, "robotsredirect") == std::set<std::string>{"/", "/p1.html"});
  CHECK(ReasonsOf(c, "robotsredirect").count("/secret/s.html excluded/robots") == 1);
  for (const auto& r : by_host["robotsredirect.localhost"]) CHECK(r.target != "/secret/s.html");

  // The polite pages are all there, each fetched once.
  for (const char* h : {"a", "b", "c", "slow"}) {
    INFO(h);
    const auto want = MultihostStoredPaths(h);
    CHECK(StoredPaths(c, h) == std::set<std::string>(want.begin(), want.end()));
  }
  CHECK(c.QueryInt("SELECT SUM(leases) FROM addresses") == 0);  // every address slot returned
}

TEST_CASE("sitemaps and AI opt-outs and canonical URLs decide what is fetched and stored") {
  ClusterOptions o;
  o.multihost = true;
  o.hosts = {"sitemap", "optout", "canon"};
  o.sitemaps = MultihostSpecSitemaps();
  o.delay_ms = 20;
  o.concurrency = 2;
  Cluster c(o);
  c.StartAll(3);
  REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(180)));
  const auto log = c.RequestLog();
  std::map<std::string, std::set<std::string>> requested;
  for (const auto& r : log) requested[r.host].insert(r.target);

  {
    INFO("sitemaps");
    // Found only through robots.txt's sitemap index (gzip and text), and
    // through the RSS and Atom feeds of the spec: nothing links to them.
    const auto stored = StoredPaths(c, "sitemap");
    for (const auto& p : Fated("sitemap", MultihostFate::kStored)) {
      INFO(p);
      CHECK(stored.count(p) == 1);
    }
    CHECK(stored.count("/orphan/g1.html") == 1);
    CHECK(stored.count("/orphan/t1.html") == 1);
    CHECK(stored.count("/orphan/r1.html") == 1);
    CHECK(stored.count("/orphan/a1.html") == 1);
    // robots.txt still applies to URLs from sitemaps.
    CHECK(requested["sitemap.localhost"].count("/blocked/t3.html") == 0);
    const auto reasons = ReasonsOf(c, "sitemap");
    CHECK(reasons.count("/blocked/t3.html excluded/robots") == 1);
    // A malformed sitemap is an error with its reason; the crawl went on.
    CHECK(reasons.count("/sitemap-bad.xml failed/bad_sitemap") == 1);
    CHECK(reasons.count("/sitemap_index.xml done/sitemap") == 1);
    // A sitemap listing other hosts' URLs does not get them admitted.
    CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE url LIKE 'http://elsewhere.localhost%'") == 0);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE url LIKE '%/sitemap-other.xml' AND "
                     "detail LIKE '%other hosts ignored%'") == 1);
  }

  {
    INFO("opt-outs");
    const auto stored = StoredPaths(c, "optout");
    const auto want = MultihostStoredPaths("optout");
    CHECK(stored == std::set<std::string>(want.begin(), want.end()));
    const auto reasons = ReasonsOf(c, "optout");
    CHECK(reasons.count("/xrobots-noai.html done/noai") == 1);
    CHECK(reasons.count("/meta-noai.html done/noai") == 1);
    CHECK(reasons.count("/xrobots-noindex.html done/noindex") == 1);
    CHECK(reasons.count("/meta-noindex.html done/noindex") == 1);
    CHECK(reasons.count("/tdm-header.html done/tdm_reserved") == 1);
    CHECK(reasons.count("/tdm-meta.html done/tdm_reserved") == 1);
    CHECK(reasons.count("/tdm-file/doc.html done/tdm_reserved") == 1);
    CHECK(reasons.count("/ai-blocked/page.html excluded/ai_robots") == 1);
    // The recorded policy: where the reservation came from and its policy URL.
    CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE url LIKE '%/tdm-file/doc.html' AND "
                     "detail LIKE '%tdmrep.json%' AND detail LIKE '%https://optout.localhost/policy.json%'") == 1);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE url LIKE '%/ai-blocked/page.html' AND "
                     "detail LIKE '%GPTBot%'") == 1);
    CHECK(requested["optout.localhost"].count("/ai-blocked/page.html") == 0);
    CHECK(requested["optout.localhost"].count("/only-via-nofollow.html") == 0);
    // Absent from the export, present in the crawl report.
    const std::string out = c.dir() + "/export.jsonl";
    REQUIRE(c.Cli({"export", "--db", c.db_path(), "--crawl", "it", "--out", out}).exit_code == 0);
    std::istringstream lines(ReadFile(out));
    std::string line;
    int exported = 0;
    std::set<std::string> exported_optout;
    while (std::getline(lines, line)) {
      const auto rec = nlohmann::json::parse(line);
      const std::string url = rec["url"];
      ++exported;
      if (url.find("://optout.localhost:") != std::string::npos) exported_optout.insert(PathOf(url));
    }
    CHECK(exported_optout == std::set<std::string>(want.begin(), want.end()));
    for (const auto& p : Fated("optout", MultihostFate::kNotStored)) CHECK(exported_optout.count(p) == 0);
    CHECK(exported == c.QueryInt("SELECT COUNT(*) FROM records"));
    RunResult status = c.Cli({"crawl", "status", "it", "--db", c.db_path()});
    INFO(status.output);
    CHECK(status.output.find("noai") != std::string::npos);
    CHECK(status.output.find("tdm_reserved") != std::string::npos);
    CHECK(status.output.find("ai_robots") != std::string::npos);
  }

  {
    INFO("canonical URLs");
    const auto stored = StoredPaths(c, "canon");
    const auto want = MultihostStoredPaths("canon");
    CHECK(stored == std::set<std::string>(want.begin(), want.end()));
    // Two tracking-parameter variants: one URL, one record, one request
    // (plus one per verification re-fetch of it, docs/credits.md).
    CHECK(c.QueryInt("SELECT COUNT(*) FROM frontier WHERE verify_id IS NULL AND "
                     "url LIKE 'http://canon.localhost:%/article.html%'") == 1);
    const int64_t checks = c.QueryInt(
        "SELECT COUNT(*) FROM frontier WHERE verify_id IS NOT NULL AND state='done' AND "
        "url LIKE 'http://canon.localhost:%/article.html%'");
    int article_requests = 0;
    for (const auto& r : log) {
      if (r.host == "canon.localhost" && r.target.rfind("/article.html", 0) == 0) ++article_requests;
    }
    CHECK(article_requests == 1 + checks);
    const auto reasons = ReasonsOf(c, "canon");
    CHECK(reasons.count("/dup.html done/non_canonical") == 1);
    CHECK(reasons.count("/r1.html done/redirect") == 1);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM records WHERE url LIKE '%/main.html'") == 1);
  }
}

TEST_CASE("recrawl revisits with conditional GET and stores only changed content") {
  ClusterOptions o;
  o.multihost = true;
  o.hosts = {"recrawl"};
  o.delay_ms = 50;
  o.spec_extra =
      "\"recrawl\": {\"interval_ms\": 1500, \"min_interval_ms\": 1000, \"max_interval_ms\": 4000}";
  Cluster c(o);
  c.StartAll(2);
  // Requests for a path; `status` 0: any. (Verification re-fetches of new
  // contributors' pages, docs/credits.md, are plain GETs and count as 200s.)
  auto requests = [&](const std::string& path, int status) {
    int n = 0;
    for (const auto& r : c.RequestLog()) n += r.target == path && (status == 0 || r.status == status) ? 1 : 0;
    return n;
  };
  // Revisits send the validators and get 304.
  REQUIRE(WaitUntil([&] { return requests("/static.html", 304) >= 2 && requests("/changing.html", 0) >= 3; },
                    std::chrono::seconds(60)));
  // Give the last results time to be ingested.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(c.QueryInt("SELECT COUNT(*) FROM records WHERE url LIKE '%/static.html'") == 1);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM records WHERE url LIKE '%/changing.html'") >= 2);
  // The unchanged page's record was refreshed by the revisits.
  CHECK(c.QueryInt("SELECT MAX(fetched_at) > MIN(stored_at) FROM records WHERE url LIKE '%/static.html'") == 1);
  // Unchanged: interval grew from 1500 (x1.4, capped at 4000); changed: shrank toward 1000.
  CHECK(c.QueryInt("SELECT interval_ms FROM frontier WHERE verify_id IS NULL AND url LIKE '%/static.html'") > 1500);
  CHECK(c.QueryInt("SELECT interval_ms FROM frontier WHERE verify_id IS NULL AND url LIKE '%/changing.html'") < 1500);
  // A crawl with a recrawl policy keeps running.
  CHECK(c.QueryInt("SELECT state='running' FROM crawls WHERE name='it'") == 1);
}

}  // namespace swarmcrawl::testing
