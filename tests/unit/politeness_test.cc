// Politeness, robots.txt, opt-outs, sitemaps, canonical URLs, recrawl and
// frontier scale properties: Frontier and Ingest on a real SQLite file with a
// manual clock (see coordinator_env.h). Each test asserts behaviour that
// disappears if the feature it names is removed.
#include <doctest/doctest.h>

#include <functional>

#include "coordinator_env.h"

namespace swarmcrawl {
namespace {

using coordinator_test::Env;
using coordinator_test::Page;
using coordinator_test::ShortLeases;

std::string NextBatch() {
  static int n = 0;
  return "pol-" + std::to_string(++n);
}

AckMsg SendOk(Env& env, const LeaseMsg& lease, std::vector<ResultEntry> entries) {
  AckMsg ack = env.Send(lease, std::move(entries), NextBatch());
  CHECK(ack.status == "accepted");
  return ack;
}

void InTx(Env& env, const std::function<void()>& fn) {
  Transaction tx(env.store.db());
  fn();
  tx.Commit();
}

// A failed fetch with an HTTP error status.
ResultEntry Failure(const TaskSpec& t, int64_t status) {
  ResultEntry e;
  e.task_id = t.task_id;
  e.url = t.url;
  e.status = status;
  e.reason = "http_" + std::to_string(status);
  e.fetched_at = 1;
  return e;
}

// One task of a robots lease (1: robots.txt, 2: tdmrep.json).
ResultEntry RobotsEntry(int64_t task_id, const std::string& url, int64_t status,
                        const std::string& body) {
  ResultEntry e;
  e.task_id = task_id;
  e.url = url;
  e.status = status;
  if (status < 200 || status >= 300) e.reason = "http_" + std::to_string(status);
  e.robots_txt = body;
  e.text_sha256 = Sha256Hex(body);
  return e;
}

ResultEntry Sitemap(const TaskSpec& t, std::vector<std::string> urls,
                    std::vector<std::string> children = {}) {
  ResultEntry e;
  e.task_id = t.task_id;
  e.url = t.url;
  e.status = 200;
  e.reason = "sitemap";
  e.fetched_at = 1;
  e.content_type = "application/xml";
  e.outlinks = std::move(urls);
  e.sitemaps = std::move(children);
  return e;
}

const TaskSpec* TaskFor(const LeaseMsg& lease, const std::string& url) {
  for (const auto& t : lease.tasks) {
    if (t.url == url) return &t;
  }
  return nullptr;
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

// Leases until a lease of `origin` comes up; other hosts' leases are cancelled
// again (their URLs go back to the queue unchanged).
std::optional<LeaseMsg> LeaseOf(Env& env, const std::string& origin, int64_t n) {
  std::vector<int64_t> others;
  std::optional<LeaseMsg> found;
  for (int i = 0; i < 16 && !found; ++i) {
    auto l = env.Lease(n, "seek" + std::to_string(i));
    if (!l) break;
    if (l->host == origin) {
      found = std::move(l);
    } else {
      others.push_back(l->lease_id);
    }
  }
  InTx(env, [&] {
    for (int64_t id : others) env.frontier->EndLease(id, "cancelled");
  });
  return found;
}

// Every host of the crawl gets its robots.txt (empty) and one page fetched
// concurrently (their address is not known yet), each answering from `ip`
// and linking to two more URLs of its own. Returns those first page leases.
std::vector<LeaseMsg> HostsOnOneIp(Env& env, const std::string& ip, int hosts) {
  for (int i = 0; i < hosts; ++i) env.AnswerRobots("");
  std::vector<LeaseMsg> leases;
  for (int i = 0; i < hosts; ++i) {
    auto l = env.Lease(10, "first" + std::to_string(i));
    REQUIRE(l);
    REQUIRE(l->kind == "page");
    leases.push_back(*l);
  }
  for (const auto& l : leases) {
    ResultEntry e = Page(l.tasks[0], {l.host + "/1", l.host + "/2"});
    e.remote_ip = ip;
    SendOk(env, l, {e});
  }
  REQUIRE(env.Int("SELECT COUNT(*) FROM hosts WHERE ip=" + Quoted(ip) + " AND queued=2") == hosts);
  REQUIRE(env.Int("SELECT COUNT(*) FROM hosts WHERE lease_id IS NOT NULL") == 0);
  return leases;
}

std::vector<ResultEntry> PagesFrom(const LeaseMsg& l, const std::string& ip) {
  std::vector<ResultEntry> out;
  for (const auto& t : l.tasks) {
    out.push_back(Page(t));
    out.back().remote_ip = ip;
  }
  return out;
}

std::string Plan(Env& env, const std::string& sql) {
  Stmt s = env.store.db()->Prepare("EXPLAIN QUERY PLAN " + sql);
  std::string out;
  while (s.Step()) out += s.Text(3) + "\n";
  return out;
}

}  // namespace

// ---------------------------------------------------------------- per-IP limits

TEST_CASE("politeness: with ip_concurrency 1 a host sharing a leased address waits for its release") {
  Env env(R"({"name":"c","seeds":["http://a.test/","http://b.test/"],"delay_ms":0,
              "response_time_factor":0,"ip_concurrency":1})");
  HostsOnOneIp(env, "192.0.2.7", 2);
  auto held = env.Lease(10, "w1");
  REQUIRE(held);
  CHECK(held->kind == "page");
  CHECK(held->tasks.size() == 2);
  CHECK(env.Int("SELECT leases FROM addresses WHERE ip='192.0.2.7'") == 1);
  // The other host is ready by its own schedule, but its address is busy.
  CHECK_FALSE(env.Lease(10, "w2").has_value());
  env.clock.Advance(1000);
  CHECK_FALSE(env.Lease(10, "w2").has_value());  // time alone does not free the address
  SendOk(env, *held, PagesFrom(*held, "192.0.2.7"));
  CHECK(env.Int("SELECT leases FROM addresses WHERE ip='192.0.2.7'") == 0);
  env.clock.Advance(250);  // the busy host was put back by the address retry interval
  auto other = env.Lease(10, "w2");
  REQUIRE(other);
  CHECK(other->kind == "page");
  CHECK(other->host != held->host);
}

TEST_CASE("politeness: ip_concurrency 2 leases two hosts of one address at once, not three") {
  Env env(R"({"name":"c","seeds":["http://a.test/","http://b.test/","http://c.test/"],
              "delay_ms":0,"response_time_factor":0,"ip_concurrency":2})");
  HostsOnOneIp(env, "192.0.2.8", 3);
  auto first = env.Lease(10, "w1");
  auto second = env.Lease(10, "w2");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->host != second->host);
  CHECK(env.Int("SELECT leases FROM addresses WHERE ip='192.0.2.8'") == 2);
  CHECK_FALSE(env.Lease(10, "w3").has_value());
  SendOk(env, *first, PagesFrom(*first, "192.0.2.8"));
  env.clock.Advance(250);
  auto third = env.Lease(10, "w3");
  REQUIRE(third);
  CHECK(third->host != first->host);
  CHECK(third->host != second->host);
}

TEST_CASE("politeness: ip_delay_ms spaces leases of one address and sets delay_ms to ip_delay_ms times ip_concurrency") {
  Env env(R"({"name":"c","seeds":["http://a.test/","http://b.test/"],"delay_ms":0,
              "response_time_factor":0,"ip_concurrency":2,"ip_delay_ms":300})");
  const auto unknown_ip = HostsOnOneIp(env, "192.0.2.9", 2);
  for (const auto& l : unknown_ip) CHECK(l.delay_ms == 0);  // address not known yet
  auto first = env.Lease(10, "w1");
  REQUIRE(first);
  CHECK(first->delay_ms == 600);
  CHECK(env.Int("SELECT next_fetch_at FROM addresses WHERE ip='192.0.2.9'") ==
        env.clock.NowMs() + 300);
  CHECK_FALSE(env.Lease(10, "w2").has_value());  // one slot free, but not before ip_delay_ms
  env.clock.Advance(299);
  CHECK_FALSE(env.Lease(10, "w2").has_value());
  env.clock.Advance(1);
  auto second = env.Lease(10, "w2");
  REQUIRE(second);
  CHECK(second->host != first->host);
  CHECK(second->delay_ms == 600);
}

// ---------------------------------------------------------------- Retry-After

TEST_CASE("politeness: RELEASE with retry_after_ms keeps the host until then, capped by max_backoff_ms") {
  Env env(R"({"name":"c","seeds":["http://a.test/","http://a.test/2","http://a.test/3"],
              "delay_ms":0,"response_time_factor":0,"max_backoff_ms":60000})");
  env.AnswerRobots("");
  auto l = env.Lease(1);
  REQUIRE(l);
  REQUIRE(l->kind == "page");
  REQUIRE(l->tasks.size() == 1);
  InTx(env, [&] { env.frontier->FetchesDone(l->lease_id, 5000); });
  CHECK(env.Int("SELECT lease_id IS NULL FROM hosts") == 1);
  CHECK_FALSE(env.Lease(1, "w2").has_value());
  env.clock.Advance(4999);
  CHECK_FALSE(env.Lease(1, "w2").has_value());
  env.clock.Advance(1);
  auto l2 = env.Lease(1, "w2");
  REQUIRE(l2);
  InTx(env, [&] { env.frontier->FetchesDone(l2->lease_id, 10'000'000); });
  env.clock.Advance(59999);
  CHECK_FALSE(env.Lease(1, "w3").has_value());
  env.clock.Advance(1);
  CHECK(env.Lease(1, "w3").has_value());
}

TEST_CASE("politeness: a 429 with Retry-After backs the host off at least that long, capped by max_backoff_ms") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"response_time_factor":0,
              "max_backoff_ms":30000})");
  env.AnswerRobots("");
  auto l = env.Lease(10);
  REQUIRE(l);
  ResultEntry e = Failure(l->tasks[0], 429);
  e.retry_after_ms = 20000;
  SendOk(env, *l, {e});
  CHECK(env.Int("SELECT state='queued' AND attempts=1 FROM frontier") == 1);
  CHECK(env.Int("SELECT backoff_until FROM hosts") == env.clock.NowMs() + 20000);
  env.clock.Advance(19999);
  CHECK_FALSE(env.Lease(10).has_value());
  env.clock.Advance(1);
  auto l2 = env.Lease(10);
  REQUIRE(l2);
  ResultEntry e2 = Failure(l2->tasks[0], 429);
  e2.retry_after_ms = 10'000'000;  // far beyond max_backoff_ms
  SendOk(env, *l2, {e2});
  env.clock.Advance(29999);
  CHECK_FALSE(env.Lease(10).has_value());
  env.clock.Advance(1);
  CHECK(env.Lease(10).has_value());
}

TEST_CASE("politeness: a deferred entry requeues its URL without counting an attempt") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"response_time_factor":0,
              "max_attempts":1})");
  env.AnswerRobots("");
  for (int i = 0; i < 2; ++i) {
    auto l = env.Lease(10);
    REQUIRE(l);
    REQUIRE(l->tasks.size() == 1);
    ResultEntry e;
    e.task_id = l->tasks[0].task_id;
    e.url = l->tasks[0].url;
    e.reason = "deferred";
    SendOk(env, *l, {e});
    CHECK(env.Int("SELECT state='queued' AND attempts=0 AND lease_id IS NULL FROM frontier") == 1);
    CHECK(env.Int("SELECT queued FROM hosts") == 1);
    CHECK(env.Int("SELECT consecutive_errors FROM hosts") == 0);
  }
  auto l = env.Lease(10);
  REQUIRE(l);
  CHECK(SendOk(env, *l, {Page(l->tasks[0])}).stored == 1);
  CHECK(env.Int("SELECT state='done' AND attempts=1 FROM frontier") == 1);
}

// ---------------------------------------------------------------- error backoff

TEST_CASE("politeness: consecutive errors back a host off exponentially and a success resets") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"response_time_factor":0,
              "max_attempts":10})");
  env.AnswerRobots("");
  for (int i = 0; i < 3; ++i) {
    const int64_t expected = 500LL << i;  // 0.5 s, 1 s, 2 s
    auto l = env.Lease(10);
    REQUIRE(l);
    SendOk(env, *l, {Failure(l->tasks[0], 500)});
    CHECK(env.Int("SELECT consecutive_errors FROM hosts") == i + 1);
    env.clock.Advance(expected - 1);
    CHECK_FALSE(env.Lease(10).has_value());
    env.clock.Advance(1);
  }
  auto ok = env.Lease(10);
  REQUIRE(ok);
  SendOk(env, *ok, {Page(ok->tasks[0], {"http://a.test/next"})});
  CHECK(env.Int("SELECT consecutive_errors FROM hosts") == 0);
  auto next = env.Lease(10);
  REQUIRE(next);
  SendOk(env, *next, {Failure(next->tasks[0], 500)});
  CHECK(env.Int("SELECT consecutive_errors FROM hosts") == 1);
  env.clock.Advance(499);  // back to the first step, not 4 s
  CHECK_FALSE(env.Lease(10).has_value());
  env.clock.Advance(1);
  CHECK(env.Lease(10).has_value());
}

TEST_CASE("robots: a 429 robots.txt is retried like a 5xx, after its Retry-After, not taken as allow-all") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"robots_unavailable_ms":60000})");
  auto r = env.Lease(10);
  REQUIRE(r);
  REQUIRE(r->kind == "robots");
  ResultEntry busy = RobotsEntry(1, r->tasks[0].url, 429, "");
  busy.retry_after_ms = 5000;
  SendOk(env, *r, {busy});
  CHECK(env.Str("SELECT robots_state FROM hosts") == "unknown");
  CHECK(env.Int("SELECT robots_failures FROM hosts") == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='queued'") == 1);
  env.clock.Advance(4999);  // the first backoff step is 1 s, but the server asked for 5
  CHECK_FALSE(env.Lease(10).has_value());
  env.clock.Advance(1);
  auto r2 = env.Lease(10);
  REQUIRE(r2);
  REQUIRE(r2->kind == "robots");
  SendOk(env, *r2, {RobotsEntry(1, r2->tasks[0].url, 200, "User-agent: *\nAllow: /\n")});
  auto page = env.Lease(10);
  REQUIRE(page);
  CHECK(page->kind == "page");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='excluded'") == 0);
}

TEST_CASE("politeness: pages that are simply missing do not back their host off") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"response_time_factor":0})");
  env.AnswerRobots("");
  auto l = env.Lease(10);
  REQUIRE(l);
  SendOk(env, *l, {Page(l->tasks[0], {"http://a.test/gone", "http://a.test/next"})});
  auto l2 = env.Lease(10);
  REQUIRE(l2);
  REQUIRE(l2->tasks.size() == 2);
  SendOk(env, *l2, {Failure(l2->tasks[0], 404), Failure(l2->tasks[1], 404)});
  CHECK(env.Int("SELECT consecutive_errors FROM hosts") == 0);
  CHECK(env.Int("SELECT next_fetch_at FROM hosts") <= env.clock.NowMs());
}

// ---------------------------------------------------------------- slow hosts, Crawl-delay

TEST_CASE("politeness: a slow host's delay follows response_time_factor times its response time") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":100})");  // factor 2 by default
  env.AnswerRobots("");
  env.clock.Advance(100);
  auto l = env.Lease(10);
  REQUIRE(l);
  ResultEntry e = Page(l->tasks[0], {"http://a.test/1", "http://a.test/2", "http://a.test/3"});
  e.elapsed_ms = 400;
  SendOk(env, *l, {e});
  CHECK(env.Int("SELECT response_ms FROM hosts") == 400);
  CHECK(env.Int("SELECT delay_ms FROM hosts") == 800);
  env.clock.Advance(799);
  CHECK_FALSE(env.Lease(10).has_value());
  env.clock.Advance(1);
  auto l2 = env.Lease(10);
  REQUIRE(l2);
  CHECK(l2->delay_ms == 800);
  std::vector<ResultEntry> slower;
  for (const auto& t : l2->tasks) {
    slower.push_back(Page(t));
    slower.back().elapsed_ms = 1400;
  }
  SendOk(env, *l2, slower);
  // Moving average: 0.7 * 400 + 0.3 * 1400 = 700 ms.
  CHECK(env.Int("SELECT response_ms FROM hosts") == 700);
  CHECK(env.Int("SELECT delay_ms FROM hosts") == 1400);
}

TEST_CASE("politeness: the slow-host delay stops at max_crawl_delay_ms unless the base delay is larger") {
  struct Case {
    const char* spec;
    const char* robots;
    int64_t elapsed, delay;
  };
  const Case cases[] = {
      {R"({"name":"c","seeds":["http://a.test/"],"delay_ms":100,"max_crawl_delay_ms":500})", "",
       400, 500},
      {R"({"name":"c","seeds":["http://a.test/"],"delay_ms":1000,"max_crawl_delay_ms":500})", "",
       2000, 1000},
      {R"({"name":"c","seeds":["http://a.test/"],"delay_ms":100,"max_crawl_delay_ms":3000})",
       "User-agent: *\nCrawl-delay: 2\n", 2000, 3000},
  };
  for (const auto& c : cases) {
    CAPTURE(c.spec);
    Env env(c.spec);
    env.AnswerRobots(c.robots);
    env.clock.Advance(10000);
    auto l = env.Lease(10);
    REQUIRE(l);
    ResultEntry e = Page(l->tasks[0]);
    e.elapsed_ms = c.elapsed;
    SendOk(env, *l, {e});
    CHECK(env.Int("SELECT delay_ms FROM hosts") == c.delay);
  }
}

TEST_CASE("politeness: robots.txt Crawl-delay sets the host delay, clamped by max_crawl_delay_ms") {
  {
    Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":100})");
    env.AnswerRobots("User-agent: *\nCrawl-delay: 2\n");
    CHECK(env.Int("SELECT base_delay_ms FROM hosts") == 2000);
    CHECK(env.Int("SELECT delay_ms FROM hosts") == 2000);
    env.clock.Advance(1999);
    CHECK_FALSE(env.Lease(10).has_value());
    env.clock.Advance(1);
    auto l = env.Lease(10);
    REQUIRE(l);
    CHECK(l->delay_ms == 2000);
  }
  {
    Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":100,"max_crawl_delay_ms":1500})");
    env.AnswerRobots("User-agent: *\nCrawl-delay: 10\n");
    CHECK(env.Int("SELECT delay_ms FROM hosts") == 1500);
  }
  {
    Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":100})");
    env.AnswerRobots("User-agent: otherbot\nCrawl-delay: 10\n");  // not our group
    CHECK(env.Int("SELECT delay_ms FROM hosts") == 100);
  }
}

// ---------------------------------------------------------------- robots.txt lifecycle

TEST_CASE("robots: refreshed after robots_ttl_ms, a 5xx keeps the cached rules, new rules exclude queued URLs") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"response_time_factor":0,
              "robots_ttl_ms":5000,"max_attempts":1})");
  env.AnswerRobots("User-agent: *\nDisallow: /private/\n");
  CHECK(env.Int("SELECT robots_expires_at FROM hosts") == env.clock.NowMs() + 5000);
  auto l = env.Lease(1);
  REQUIRE(l);
  SendOk(env, *l, {Page(l->tasks[0], {"http://a.test/a", "http://a.test/b", "http://a.test/c/1",
                                      "http://a.test/private/p"})});
  CHECK(env.Str("SELECT reason FROM frontier WHERE url='http://a.test/private/p'") == "robots");
  env.clock.Advance(4999);
  auto fresh = env.Lease(1);
  REQUIRE(fresh);
  CHECK(fresh->kind == "page");
  SendOk(env, *fresh, {Page(fresh->tasks[0])});

  env.clock.Advance(1);
  auto refresh = env.Lease(10);
  REQUIRE(refresh);
  CHECK(refresh->kind == "robots");
  CHECK(refresh->tasks[0].url == "http://a.test/robots.txt");
  SendOk(env, *refresh, {RobotsEntry(1, refresh->tasks[0].url, 503, "")});
  // Still the cached copy (a first fetch failing like this would disallow everything).
  CHECK(env.Int("SELECT robots_status FROM hosts") == 200);
  CHECK(env.Str("SELECT robots_txt FROM hosts").find("Disallow: /private/") != std::string::npos);
  CHECK(env.Int("SELECT robots_expires_at FROM hosts") == env.clock.NowMs() + 5000);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='excluded'") == 1);
  auto after = env.Lease(1);
  REQUIRE(after);
  CHECK(after->kind == "page");
  SendOk(env, *after, {Page(after->tasks[0])});

  env.clock.Advance(5000);
  auto refresh2 = env.Lease(10);
  REQUIRE(refresh2);
  REQUIRE(refresh2->kind == "robots");
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/c/1'") == "queued");
  SendOk(env, *refresh2,
         {RobotsEntry(1, refresh2->tasks[0].url, 200, "User-agent: *\nDisallow: /c/\n")});
  CHECK(env.Str("SELECT state || '/' || reason || '/' || detail FROM frontier "
                "WHERE url='http://a.test/c/1'") == "excluded/robots/Disallow: /c/");
  CHECK(env.Int("SELECT queued FROM hosts") == 0);
  CHECK_FALSE(env.Lease(10).has_value());
}

TEST_CASE("robots: a 4xx robots.txt allows everything") {
  for (int64_t status : {404, 403}) {
    CAPTURE(status);
    Env env(R"({"name":"c","seeds":["http://a.test/","http://a.test/private/x"],"delay_ms":0})");
    auto r = env.Lease(10);
    REQUIRE(r);
    REQUIRE(r->kind == "robots");
    SendOk(env, *r, {RobotsEntry(1, r->tasks[0].url, status, "")});
    CHECK(env.Int("SELECT robots_status FROM hosts") == status);
    CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='excluded'") == 0);
    auto l = env.Lease(10);
    REQUIRE(l);
    CHECK(l->kind == "page");
    CHECK(l->tasks.size() == 2);
  }
}

TEST_CASE("robots: a 5xx robots.txt holds the host's URLs, is retried with backoff, and excludes them only after robots_unavailable_ms") {
  Env env(R"({"name":"c","seeds":["http://a.test/","http://a.test/x"],"delay_ms":0,
              "robots_unavailable_ms":10000})");
  auto robots = [&env](int64_t status) {
    auto r = env.Lease(10);
    REQUIRE(r);
    REQUIRE(r->kind == "robots");
    SendOk(env, *r, {RobotsEntry(1, r->tasks[0].url, status, "")});
  };
  robots(503);
  CHECK(env.Str("SELECT robots_state FROM hosts") == "unknown");
  CHECK(env.Int("SELECT robots_failures FROM hosts") == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='queued'") == 2);
  env.clock.Advance(999);  // retried after 1 s, then 2 s, 4 s, ...
  CHECK_FALSE(env.Lease(10).has_value());  // nothing of the host is leased meanwhile
  env.clock.Advance(1);
  robots(503);
  env.clock.Advance(1999);
  CHECK_FALSE(env.Lease(10).has_value());
  env.clock.Advance(1);
  robots(502);
  CHECK(env.Int("SELECT robots_failures FROM hosts") == 3);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='queued'") == 2);
  // Still down 10 s after the first failure: the URLs are excluded, with why.
  env.clock.Advance(4000);
  robots(503);  // the next 8 s step would pass the deadline: the last try falls on it
  env.clock.Advance(2999);
  CHECK_FALSE(env.Lease(10).has_value());
  env.clock.Advance(1);
  robots(503);
  CHECK(env.Str("SELECT robots_state FROM hosts") == "ready");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='excluded' AND reason='robots'") == 2);
  CHECK(env.Str("SELECT detail FROM frontier WHERE url='http://a.test/x'") == "robots.txt answered HTTP 503");
  CHECK(env.Int("SELECT queued FROM hosts") == 0);
  CHECK_FALSE(env.Lease(10).has_value());

  // An outage that ends in time loses nothing.
  Env flaky(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"robots_unavailable_ms":10000})");
  auto f1 = flaky.Lease(10);
  REQUIRE(f1);
  SendOk(flaky, *f1, {RobotsEntry(1, f1->tasks[0].url, 500, "")});
  flaky.clock.Advance(1000);
  auto f2 = flaky.Lease(10);
  REQUIRE(f2);
  REQUIRE(f2->kind == "robots");
  SendOk(flaky, *f2, {RobotsEntry(1, f2->tasks[0].url, 200, "")});
  CHECK(flaky.Int("SELECT robots_unavailable_since IS NULL FROM hosts") == 1);
  auto page = flaky.Lease(10);
  REQUIRE(page);
  CHECK(page->kind == "page");

  // Unreachable (no HTTP status) counts the same way; robots_unavailable_ms 0 gives up at once.
  Env down(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"robots_unavailable_ms":0})");
  auto r3 = down.Lease(10);
  REQUIRE(r3);
  ResultEntry timeout;
  timeout.task_id = 1;
  timeout.url = r3->tasks[0].url;
  timeout.reason = "timeout";
  SendOk(down, *r3, {timeout});
  CHECK(down.Int("SELECT COUNT(*) FROM frontier WHERE state='excluded' AND reason='robots'") == 1);
  CHECK(down.Str("SELECT detail FROM frontier") == "robots.txt unreachable (timeout)");
}

TEST_CASE("robots: a copy past its expiry does not exclude new URLs, which wait for the refresh") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"robots_ttl_ms":5000,
              "response_time_factor":0})");
  env.AnswerRobots("User-agent: *\nDisallow: /old/\n");
  auto l = env.Lease(10);
  REQUIRE(l);
  env.clock.Advance(6000);  // the copy expires while the page is out
  SendOk(env, *l, {Page(l->tasks[0], {"http://a.test/old/1"})});
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/old/1'") == "queued");
  auto r = env.Lease(10);
  REQUIRE(r);
  REQUIRE(r->kind == "robots");
  SendOk(env, *r, {RobotsEntry(1, r->tasks[0].url, 200, "User-agent: *\nAllow: /\n")});
  auto page = env.Lease(10);
  REQUIRE(page);
  CHECK(page->tasks[0].url == "http://a.test/old/1");  // the new copy allows it
}

TEST_CASE("robots: a late robots result from an expired lease does not apply") {
  const LeaseLimits limits = ShortLeases();
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})", limits);
  auto old = env.Lease(10);
  REQUIRE(old);
  REQUIRE(old->kind == "robots");
  env.clock.Advance(1001);
  env.ExpireLeases();
  const std::string disallow_all = "User-agent: *\nDisallow: /\n";
  // Nobody holds the host now: the late answer is refused.
  CHECK(env.Send(*old, {RobotsEntry(1, old->tasks[0].url, 200, disallow_all)}, NextBatch()).reason ==
        "lease_expired");
  CHECK(env.Str("SELECT robots_state FROM hosts") == "unknown");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='excluded'") == 0);
  auto current = env.Lease(10, "w2");
  REQUIRE(current);
  REQUIRE(current->kind == "robots");
  // Another lease holds the host: still refused.
  CHECK(env.Send(*old, {RobotsEntry(1, old->tasks[0].url, 200, disallow_all)}, NextBatch()).reason ==
        "lease_expired");
  CHECK(env.Str("SELECT robots_state FROM hosts") == "unknown");
  CHECK(env.Int("SELECT lease_id FROM hosts") == current->lease_id);
  SendOk(env, *current, {RobotsEntry(1, current->tasks[0].url, 200, "")});
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='excluded'") == 0);
  auto pages = env.Lease(10);
  REQUIRE(pages);
  CHECK(pages->kind == "page");
}

// ---------------------------------------------------------------- AI opt-outs, TDMRep

TEST_CASE("robots: a Disallow for an AI token excludes with reason ai_robots unless the token list is empty") {
  const std::string robots = "User-agent: GPTBot\nDisallow: /ai/\n";
  {
    Env env(R"({"name":"c","seeds":["http://a.test/","http://a.test/ai/x"],"delay_ms":0})");
    env.AnswerRobots(robots);
    CHECK(env.Str("SELECT state || '/' || reason FROM frontier WHERE url='http://a.test/ai/x'") ==
          "excluded/ai_robots");
    CHECK(env.Str("SELECT detail FROM frontier WHERE url='http://a.test/ai/x'").find("GPTBot") !=
          std::string::npos);
    auto l = env.Lease(10);
    REQUIRE(l);
    REQUIRE(l->tasks.size() == 1);
    CHECK(l->tasks[0].url == "http://a.test/");
    SendOk(env, *l, {Page(l->tasks[0], {"http://a.test/ai/y", "http://a.test/z"})});
    CHECK(env.Str("SELECT reason FROM frontier WHERE url='http://a.test/ai/y'") == "ai_robots");
    CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/z'") == "queued");
  }
  {
    Env env(R"({"name":"c","seeds":["http://a.test/","http://a.test/ai/x"],"delay_ms":0,
                "ai_robots_tokens":[]})");
    env.AnswerRobots(robots);
    CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/ai/x'") == "queued");
    auto l = env.Lease(10);
    REQUIRE(l);
    CHECK(l->tasks.size() == 2);
  }
}

TEST_CASE("tdmrep: the robots lease always fetches tdmrep.json and page tasks carry its policy") {
  Env env(R"({"name":"c","seeds":["http://a.test/","http://a.test/tdm/x"],"delay_ms":0})");
  // A robots lease carries both files, so a worker with room for one task waits.
  CHECK_FALSE(env.Lease(1).has_value());

  auto r = env.Lease(10);
  REQUIRE(r);
  REQUIRE(r->kind == "robots");
  REQUIRE(r->tasks.size() == 2);
  CHECK(r->tasks[0].task_id == 1);
  CHECK(r->tasks[1].task_id == 2);
  CHECK(r->tasks[1].url == "http://a.test/.well-known/tdmrep.json");
  const std::string tdm =
      R"([{"location":"/tdm/*","tdm-reservation":1,"tdm-policy":"https://policy.example/tdm.json"}])";
  SendOk(env, *r, {RobotsEntry(1, r->tasks[0].url, 404, ""), RobotsEntry(2, r->tasks[1].url, 200, tdm)});
  CHECK(env.Int("SELECT tdmrep_status FROM hosts") == 200);

  auto l = env.Lease(10);
  REQUIRE(l);
  REQUIRE(l->kind == "page");
  const TaskSpec* reserved = TaskFor(*l, "http://a.test/tdm/x");
  const TaskSpec* free = TaskFor(*l, "http://a.test/");
  REQUIRE(reserved);
  REQUIRE(free);
  CHECK(reserved->tdm_reservation == 1);
  CHECK(reserved->tdm_policy == "https://policy.example/tdm.json");
  CHECK(free->tdm_reservation == -1);
  CHECK(free->tdm_policy.empty());

  Env off(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"honor_tdmrep":false})");
  auto r2 = off.Lease(10);
  REQUIRE(r2);
  CHECK(r2->tasks.size() == 1);
}

// ---------------------------------------------------------------- sitemaps

TEST_CASE("sitemaps: spec and robots.txt sitemaps, same-origin entries, nesting limit, bad sitemaps") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"sitemaps":["http://a.test/sitemap.xml"],
              "allowed_hosts":["a.test","b.test"],"delay_ms":0,"response_time_factor":0})");
  CHECK(env.Str("SELECT kind || '/' || depth || '/' || state FROM frontier "
                "WHERE url='http://a.test/sitemap.xml'") == "sitemap/0/queued");
  env.AnswerRobots("User-agent: *\nAllow: /\nSitemap: http://a.test/sm2.xml\n");
  CHECK(env.Str("SELECT kind || '/' || depth || '/' || state FROM frontier "
                "WHERE url='http://a.test/sm2.xml'") == "sitemap/0/queued");

  auto l = env.Lease(10);
  REQUIRE(l);
  REQUIRE(l->kind == "page");
  const TaskSpec* home = TaskFor(*l, "http://a.test/");
  const TaskSpec* sm = TaskFor(*l, "http://a.test/sitemap.xml");
  const TaskSpec* sm2 = TaskFor(*l, "http://a.test/sm2.xml");
  REQUIRE(home);
  REQUIRE(sm);
  REQUIRE(sm2);
  CHECK(home->kind.empty());
  CHECK(sm->kind == "sitemap");
  CHECK(sm2->kind == "sitemap");
  ResultEntry bad;
  bad.task_id = sm2->task_id;
  bad.url = sm2->url;
  bad.status = 200;
  bad.reason = "bad_sitemap";
  bad.detail = "not a sitemap: unexpected root element <html>";
  SendOk(env, *l,
         {Page(*home),
          Sitemap(*sm, {"http://a.test/p1", "http://b.test/q", "http://a.test/p2"},
                  {"http://a.test/idx1.xml"}),
          bad});
  CHECK(env.Str("SELECT kind || '/' || depth || '/' || state FROM frontier "
                "WHERE url='http://a.test/p1'") == "page/1/queued");
  CHECK(env.Str("SELECT kind || '/' || depth || '/' || state FROM frontier "
                "WHERE url='http://a.test/p2'") == "page/1/queued");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://b.test/q'") == 0);
  CHECK(env.Str("SELECT state || '/' || reason FROM frontier WHERE url='http://a.test/sitemap.xml'") ==
        "done/sitemap");
  CHECK(env.Str("SELECT detail FROM frontier WHERE url='http://a.test/sitemap.xml'")
            .find("1 entries on other hosts ignored") != std::string::npos);
  CHECK(env.Str("SELECT kind || '/' || depth || '/' || state FROM frontier "
                "WHERE url='http://a.test/idx1.xml'") == "sitemap/1/queued");
  CHECK(env.Str("SELECT state || '/' || reason || '/' || detail FROM frontier "
                "WHERE url='http://a.test/sm2.xml'") ==
        "failed/bad_sitemap/not a sitemap: unexpected root element <html>");
  CHECK(env.Int("SELECT COUNT(*) FROM records") == 1);  // sitemaps store no record

  // The crawl goes on: idx1 (depth 1) names idx2 (depth 2), which names idx3 (too deep).
  auto l2 = env.Lease(10);
  REQUIRE(l2);
  const TaskSpec* idx1 = TaskFor(*l2, "http://a.test/idx1.xml");
  REQUIRE(idx1);
  CHECK(idx1->kind == "sitemap");
  std::vector<ResultEntry> entries;
  for (const auto& t : l2->tasks) {
    entries.push_back(t.kind == "sitemap" ? Sitemap(t, {}, {"http://a.test/idx2.xml"}) : Page(t));
  }
  SendOk(env, *l2, entries);
  CHECK(env.Str("SELECT kind || '/' || depth || '/' || state FROM frontier "
                "WHERE url='http://a.test/idx2.xml'") == "sitemap/2/queued");
  auto l3 = env.Lease(10);
  REQUIRE(l3);
  REQUIRE(l3->tasks.size() == 1);
  CHECK(l3->tasks[0].url == "http://a.test/idx2.xml");
  SendOk(env, *l3, {Sitemap(l3->tasks[0], {"http://a.test/p3"}, {"http://a.test/idx3.xml"})});
  CHECK(env.Str("SELECT state || '/' || reason FROM frontier WHERE url='http://a.test/idx3.xml'") ==
        "excluded/sitemap_nesting");
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/p3'") == "queued");
  CHECK(env.Str("SELECT state FROM crawls") == "running");
}

TEST_CASE("sitemaps: a sitemap named by robots.txt may live on another host and list URLs of that robots.txt's origin") {
  // cdn.test is outside the crawl's hosts: its sitemap is read all the same
  // (robots.txt named it), its own pages are not crawled.
  Env env(R"({"name":"c","seeds":["http://a.test/"],"allowed_hosts":["a.test","other.test"],
              "delay_ms":0,"response_time_factor":0})");
  env.AnswerRobots("Sitemap: http://cdn.test/a.xml\n");
  CHECK(env.Str("SELECT kind || '/' || via FROM frontier WHERE url='http://cdn.test/a.xml'") ==
        "sitemap/http://a.test");
  auto r = LeaseOf(env, "http://cdn.test", 10);
  REQUIRE(r);
  REQUIRE(r->kind == "robots");
  SendOk(env, *r, {RobotsEntry(1, r->tasks[0].url, 404, "")});
  auto s = LeaseOf(env, "http://cdn.test", 10);
  REQUIRE(s);
  REQUIRE(s->kind == "page");
  REQUIRE(s->tasks.size() == 1);
  CHECK(s->tasks[0].kind == "sitemap");
  SendOk(env, *s, {Sitemap(s->tasks[0], {"http://a.test/listed", "http://cdn.test/own",
                                         "http://other.test/x"})});
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/listed'") == "queued");
  CHECK(env.Str("SELECT state || '/' || reason FROM frontier WHERE url='http://cdn.test/own'") ==
        "excluded/out_of_scope");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://other.test/x'") == 0);
  CHECK(env.Str("SELECT detail FROM frontier WHERE url='http://cdn.test/a.xml'")
            .find("1 entries on other hosts ignored") != std::string::npos);
}

// ---------------------------------------------------------------- canonical URLs, tracking parameters

TEST_CASE("canonical: a page naming another in-scope URL as canonical is not stored, the canonical URL is queued") {
  const char* seeds = R"("seeds":["http://a.test/dup","http://a.test/self","http://a.test/ext"])";
  {
    Env env(std::string(R"({"name":"c",)") + seeds + R"(,"delay_ms":0})");
    env.AnswerRobots("");
    auto l = env.Lease(10);
    REQUIRE(l);
    REQUIRE(l->tasks.size() == 3);
    ResultEntry dup = Page(*TaskFor(*l, "http://a.test/dup"), {"http://a.test/linked"});
    dup.canonical = "http://a.test/canon";
    ResultEntry self = Page(*TaskFor(*l, "http://a.test/self"));
    self.canonical = "http://a.test/self?utm_source=feed";  // itself once tracking is stripped
    ResultEntry ext = Page(*TaskFor(*l, "http://a.test/ext"));
    ext.canonical = "http://b.test/x";  // out of scope: ignored
    CHECK(SendOk(env, *l, {dup, self, ext}).stored == 2);
    CHECK(env.Str("SELECT state || '/' || reason || '/' || detail FROM frontier "
                  "WHERE url='http://a.test/dup'") == "done/non_canonical/http://a.test/canon");
    CHECK(env.Int("SELECT COUNT(*) FROM records WHERE url='http://a.test/dup'") == 0);
    CHECK(env.Int("SELECT COUNT(*) FROM records WHERE url='http://a.test/self'") == 1);
    CHECK(env.Int("SELECT COUNT(*) FROM records WHERE url='http://a.test/ext'") == 1);
    CHECK(env.Str("SELECT state || '/' || depth FROM frontier WHERE url='http://a.test/canon'") ==
          "queued/0");
    CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/linked'") == "queued");
  }
  {
    Env env(std::string(R"({"name":"c",)") + seeds + R"(,"delay_ms":0,"follow_canonical":false})");
    env.AnswerRobots("");
    auto l = env.Lease(10);
    REQUIRE(l);
    ResultEntry dup = Page(*TaskFor(*l, "http://a.test/dup"));
    dup.canonical = "http://a.test/canon";
    CHECK(SendOk(env, *l, {dup}).stored == 1);
    CHECK(env.Int("SELECT COUNT(*) FROM records WHERE url='http://a.test/dup'") == 1);
    CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://a.test/canon'") == 0);
  }
}

TEST_CASE("frontier: tracking parameters are stripped so variants of one URL share a frontier row") {
  {
    Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})");
    env.AnswerRobots("");
    auto l = env.Lease(10);
    REQUIRE(l);
    SendOk(env, *l, {Page(l->tasks[0], {"http://a.test/x?utm_source=1&id=2",
                                        "http://a.test/x?id=2&fbclid=9"})});
    CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url LIKE 'http://a.test/x%'") == 1);
    CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://a.test/x?id=2'") == 1);
    CHECK(env.Int("SELECT queued FROM hosts") == 1);
  }
  {
    Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"strip_params":[]})");
    env.AnswerRobots("");
    auto l = env.Lease(10);
    REQUIRE(l);
    SendOk(env, *l, {Page(l->tasks[0], {"http://a.test/x?utm_source=1&id=2",
                                        "http://a.test/x?id=2&fbclid=9"})});
    CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url LIKE 'http://a.test/x%'") == 2);
  }
}

// ---------------------------------------------------------------- recrawl

TEST_CASE("recrawl: revisits with validators, adaptive interval, records only on change, never done") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"response_time_factor":0,
              "recrawl":{"interval_ms":10000,"min_interval_ms":5000,"max_interval_ms":60000}})");
  env.AnswerRobots("");
  auto finish_idle = [&env] {
    Transaction tx(env.store.db());
    auto done = env.frontier->FinishIdleCrawls();
    tx.Commit();
    return done;
  };
  auto requeue = [&env] {
    Transaction tx(env.store.db());
    const int64_t n = env.frontier->RequeueDue(100);
    tx.Commit();
    return n;
  };
  auto col = [&](const std::string& c) {
    return env.Int("SELECT " + c + " FROM frontier WHERE url='http://a.test/'");
  };

  auto l1 = env.Lease(10);
  REQUIRE(l1);
  ResultEntry v1 = Page(l1->tasks[0]);
  v1.etag = "\"v1\"";
  v1.last_modified = "Tue, 01 Jan 2030 00:00:00 GMT";
  CHECK(SendOk(env, *l1, {v1}).stored == 1);
  CHECK(col("interval_ms") == 10000);
  CHECK(col("next_visit_at") == env.clock.NowMs() + 10000);
  CHECK(finish_idle().empty());
  CHECK(env.Str("SELECT state FROM crawls") == "running");

  env.clock.Advance(9999);
  CHECK(requeue() == 0);
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/'") == "done");
  env.clock.Advance(1);
  CHECK(requeue() == 1);
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/'") == "queued");
  auto l2 = env.Lease(10);
  REQUIRE(l2);
  REQUIRE(l2->tasks.size() == 1);
  CHECK(l2->tasks[0].etag == "\"v1\"");
  CHECK(l2->tasks[0].last_modified == "Tue, 01 Jan 2030 00:00:00 GMT");
  // Changed text: a second record, the interval shrinks by 20%.
  ResultEntry v2 = Page(l2->tasks[0]);
  v2.text = "new text";
  v2.text_sha256 = Sha256Hex(v2.text);
  v2.etag = "\"v2\"";
  CHECK(SendOk(env, *l2, {v2}).stored == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM records") == 2);
  CHECK(env.Int("SELECT visit FROM records ORDER BY id DESC LIMIT 1") == 2);
  CHECK(env.Str("SELECT text FROM records ORDER BY id DESC LIMIT 1") == "new text");
  CHECK(col("interval_ms") == 8000);
  CHECK(col("next_visit_at") == env.clock.NowMs() + 8000);

  env.clock.Advance(8000);
  CHECK(requeue() == 1);
  auto l3 = env.Lease(10);
  REQUIRE(l3);
  CHECK(l3->tasks[0].etag == "\"v2\"");
  // 304: no record, the last record's fetched_at is refreshed, the interval grows by 40%.
  ResultEntry nm;
  nm.task_id = l3->tasks[0].task_id;
  nm.url = l3->tasks[0].url;
  nm.status = 304;
  nm.reason = "not_modified";
  nm.fetched_at = 1'700'000'777'000;
  AckMsg ack = SendOk(env, *l3, {nm});
  CHECK(ack.stored == 0);
  CHECK(ack.credited_pages == 0);
  CHECK(env.Int("SELECT COUNT(*) FROM records") == 2);
  CHECK(env.Int("SELECT fetched_at FROM records ORDER BY id DESC LIMIT 1") == 1'700'000'777'000);
  CHECK(col("interval_ms") == 11200);
  CHECK(col("next_visit_at") == env.clock.NowMs() + 11200);
  CHECK(env.Str("SELECT etag FROM frontier WHERE url='http://a.test/'") == "\"v2\"");
  CHECK(env.Str("SELECT state || '/' || reason FROM frontier WHERE url='http://a.test/'") ==
        "done/not_modified");

  // A 200 with the same text as the last record: no record either, interval grows.
  env.clock.Advance(11200);
  CHECK(requeue() == 1);
  auto l4 = env.Lease(10);
  REQUIRE(l4);
  ResultEntry same = Page(l4->tasks[0]);
  same.text = "new text";
  same.text_sha256 = Sha256Hex(same.text);
  CHECK(SendOk(env, *l4, {same}).stored == 0);
  CHECK(env.Int("SELECT COUNT(*) FROM records") == 2);
  CHECK(col("interval_ms") == 15680);

  CHECK(finish_idle().empty());
  CHECK(env.Str("SELECT state FROM crawls") == "running");
}

// ---------------------------------------------------------------- scale properties

TEST_CASE("frontier: a URL admitted twice, also after Reload, has one row") {
  // Far from max_pages (margin 0) the merge's unique check finds the known
  // URL; near it (a margin as large as the limit) Admit's own lookup does.
  for (const int64_t margin : {int64_t{0}, int64_t{1} << 40}) {
    CAPTURE(margin);
    LeaseLimits limits = coordinator_test::TestLimits();
    limits.exact_admission_margin = margin;
    Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})", limits);
    const std::vector<std::string> url = {"http://a.test/page?id=1"};
    int64_t first = 0, again = 0, reloaded = 0;
    InTx(env, [&] {
      first = env.frontier->Admit(env.crawl_id, url, 1);
      again = env.frontier->Admit(env.crawl_id, url, 1);
    });
    InTx(env, [&] {
      env.frontier->Reload();  // the seen-hash cache is empty now: only SQLite knows
      reloaded = env.frontier->Admit(env.crawl_id, url, 1);
      reloaded += env.frontier->Admit(env.crawl_id, {"http://a.test/page?id=1&utm_medium=x"}, 1);
      env.frontier->Flush();
    });
    CHECK(first == 1);
    CHECK(again == 0);
    if (margin > 0) CHECK(reloaded == 0);
    CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://a.test/page?id=1'") == 1);
    CHECK(env.Int("SELECT COUNT(*) FROM frontier") == 2);
    CHECK(env.Int("SELECT queued FROM hosts") == 2);
    CHECK(env.Int("SELECT admitted FROM crawls") == 2);
  }
}

TEST_CASE("frontier: URLs the merge finds known do not use up max_pages") {
  // Nothing is looked up at admission until the limit (margin 0), and the
  // intake is merged only when asked: `admitted` runs ahead with known URLs,
  // and reaching max_pages merges first so the limit is judged exactly.
  LeaseLimits limits = coordinator_test::TestLimits();
  limits.intake_rows = 1000;
  limits.exact_admission_margin = 0;
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"max_pages":5})", limits);
  const std::vector<std::string> known = {"http://a.test/1", "http://a.test/2", "http://a.test/3"};
  InTx(env, [&] {
    env.frontier->Admit(env.crawl_id, known, 1);
    env.frontier->Flush();
  });
  REQUIRE(env.Int("SELECT admitted FROM crawls") == 4);
  InTx(env, [&] {
    env.frontier->Reload();  // the seen-hash cache forgets them
    std::vector<std::string> again = known;
    again.push_back("http://a.test/new");
    env.frontier->Admit(env.crawl_id, again, 1);
    env.frontier->Flush();
  });
  CHECK(env.Int("SELECT COUNT(*) FROM frontier") == 5);
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/new'") == "queued");
  CHECK(env.Int("SELECT admitted FROM crawls") == 5);
  CHECK(env.Int("SELECT queued FROM hosts") == 5);
  // The limit is reached now: the next new URL is excluded for it.
  InTx(env, [&] {
    env.frontier->Admit(env.crawl_id, {"http://a.test/over"}, 1);
    env.frontier->Flush();
  });
  CHECK(env.Str("SELECT reason FROM frontier WHERE url='http://a.test/over'") == "max_pages");
  CHECK(env.Int("SELECT admitted FROM crawls") == 5);
}

TEST_CASE("frontier: the lease queries use the hosts_ready and frontier_queue indexes") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})");
  // Copied from Frontier::NextLease and Frontier::LeaseHost.
  const std::string pick =
      "SELECT id, host, robots_state, delay_ms, COALESCE(ip,''), COALESCE(robots_expires_at,0), "
      "next_fetch_at, response_ms FROM hosts WHERE crawl_id=? AND queued > 0 AND lease_id IS NULL AND "
      "next_fetch_at <= ? ORDER BY next_fetch_at LIMIT 1";
  const std::string tasks =
      "SELECT id, url, kind, COALESCE(etag,''), COALESCE(last_modified,'') FROM frontier "
      "WHERE host_id=? AND state='queued' ORDER BY depth, id LIMIT ?";
  const std::string pick_plan = Plan(env, pick);
  CAPTURE(pick_plan);
  CHECK(pick_plan.find("hosts_ready") != std::string::npos);
  CHECK(pick_plan.find("SCAN hosts") == std::string::npos);
  CHECK(pick_plan.find("TEMP B-TREE") == std::string::npos);
  const std::string task_plan = Plan(env, tasks);
  CAPTURE(task_plan);
  CHECK(task_plan.find("frontier_queue") != std::string::npos);
  CHECK(task_plan.find("SCAN frontier") == std::string::npos);
  CHECK(task_plan.find("TEMP B-TREE") == std::string::npos);
}

}  // namespace swarmcrawl

namespace swarmcrawl {

TEST_CASE("recrawl: a stored page that redirects on a revisit is not requeued again at once") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"response_time_factor":0,
              "recrawl":{"interval_ms":10000,"min_interval_ms":5000,"max_interval_ms":60000}})");
  env.AnswerRobots("");
  auto requeue = [&env] {
    Transaction tx(env.store.db());
    const int64_t n = env.frontier->RequeueDue(100);
    tx.Commit();
    return n;
  };
  auto l1 = env.Lease(10);
  REQUIRE(l1);
  CHECK(SendOk(env, *l1, {Page(l1->tasks[0])}).stored == 1);
  env.clock.Advance(10000);
  CHECK(requeue() == 1);
  auto l2 = env.Lease(10);
  REQUIRE(l2);
  ResultEntry moved;
  moved.task_id = l2->tasks[0].task_id;
  moved.url = l2->tasks[0].url;
  moved.status = 301;
  moved.reason = "redirect";
  moved.location = "http://a.test/moved";
  moved.fetched_at = 1;
  SendOk(env, *l2, {moved});
  CHECK(env.Str("SELECT state || '/' || reason FROM frontier WHERE url='http://a.test/'") ==
        "done/redirect");
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/moved'") == "queued");
  // The old URL's next visit was in the past: it must not come straight back.
  CHECK(requeue() == 0);
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/'") == "done");
  CHECK(env.Int("SELECT next_visit_at IS NULL FROM frontier WHERE url='http://a.test/'") == 1);
}

TEST_CASE("recrawl: a page disallowed by a refreshed robots.txt is not revisited") {
  Env env(R"({"name":"c","seeds":["http://a.test/","http://a.test/b"],"delay_ms":0,
              "response_time_factor":0,"robots_ttl_ms":5000,
              "recrawl":{"interval_ms":10000,"min_interval_ms":5000,"max_interval_ms":60000}})");
  env.AnswerRobots("");
  auto requeue = [&env] {
    Transaction tx(env.store.db());
    const int64_t n = env.frontier->RequeueDue(100);
    tx.Commit();
    return n;
  };
  auto l1 = env.Lease(1);
  REQUIRE(l1);
  REQUIRE(l1->tasks[0].url == "http://a.test/");
  CHECK(SendOk(env, *l1, {Page(l1->tasks[0])}).stored == 1);
  // robots.txt is refreshed (for the still queued /b) and now disallows "/" itself.
  env.clock.Advance(6000);
  auto r = env.Lease(10);
  REQUIRE(r);
  REQUIRE(r->kind == "robots");
  SendOk(env, *r, {RobotsEntry(1, r->tasks[0].url, 200, "User-agent: *\nDisallow: /$\n")});
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/b'") == "queued");
  auto lb = env.Lease(10);
  REQUIRE(lb);
  REQUIRE(lb->tasks.size() == 1);
  CHECK(lb->tasks[0].url == "http://a.test/b");
  SendOk(env, *lb, {Page(lb->tasks[0])});
  // "/" falls due while that robots.txt is still fresh: it must not be fetched.
  env.clock.Advance(4000);
  CHECK(env.Int("SELECT robots_expires_at > " + std::to_string(env.clock.NowMs()) + " FROM hosts") == 1);
  CHECK(requeue() == 0);
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/'") == "done");
  CHECK(env.Int("SELECT next_visit_at IS NULL FROM frontier WHERE url='http://a.test/'") == 1);
  CHECK_FALSE(env.Lease(10).has_value());
}

}  // namespace swarmcrawl
