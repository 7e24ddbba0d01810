// Frontier and Ingest on a real SQLite file, with a manual clock.
#include <doctest/doctest.h>

#include "coordinator_env.h"
#include "coordinator/crawl_control.h"

namespace swarmcrawl {
using coordinator_test::Env;
using coordinator_test::Page;
using coordinator_test::ShortLeases;

TEST_CASE("frontier: robots.txt is leased first, then pages, and disallowed URLs are excluded") {
  Env env(R"({"name":"c","seeds":["http://a.test/","http://a.test/private/x"],"delay_ms":0,"concurrency":4})");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='queued'") == 2);
  env.AnswerRobots("User-agent: *\nDisallow: /private/\n");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='excluded' AND reason='robots'") == 1);
  auto l = env.Lease(10);
  REQUIRE(l);
  CHECK(l->kind == "page");
  REQUIRE(l->tasks.size() == 1);
  CHECK(l->tasks[0].url == "http://a.test/");
  // New links to disallowed paths never enter the queue.
  REQUIRE(env.Send(*l, {Page(l->tasks[0], {"http://a.test/private/y", "http://a.test/ok",
                                           "http://b.test/out", "http://a.test/ok"})},
                   "b1").status == "accepted");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://a.test/private/y' AND reason='robots'") == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://b.test/out' AND reason='out_of_scope'") == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://a.test/ok' AND state='queued'") == 1);
}

TEST_CASE("frontier: a host is leased to one worker at a time and not before its delay") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":500})");
  env.AnswerRobots("");
  env.clock.Advance(1000);
  auto l = env.Lease(10);
  REQUIRE(l);
  std::vector<std::string> links;
  for (int i = 0; i < 20; ++i) links.push_back("http://a.test/p" + std::to_string(i));
  // While the host is held, nobody else gets it.
  CHECK_FALSE(env.Lease(10, "w2").has_value());
  REQUIRE(env.Send(*l, {Page(l->tasks[0], links)}, "b1").status == "accepted");
  // The lease is done and the host released, but its delay has not passed yet.
  CHECK_FALSE(env.Lease(10, "w2").has_value());
  env.clock.Advance(499);
  CHECK_FALSE(env.Lease(10, "w2").has_value());
  env.clock.Advance(2);
  auto l2 = env.Lease(5, "w2");
  REQUIRE(l2);
  CHECK(l2->tasks.size() == 5);  // never more than the credit asked for
  CHECK(l2->delay_ms == 500);
}

TEST_CASE("frontier: an expired lease returns its URLs to the queue, and its late result is refused") {
  const LeaseLimits limits = ShortLeases();
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})", limits);
  env.AnswerRobots("");
  auto l = env.Lease(10);
  REQUIRE(l);
  env.clock.Advance(1001);
  {
    Transaction tx(env.store.db());
    CHECK(env.frontier->ExpireLeases().size() == 1);
    tx.Commit();
  }
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='queued'") == 1);
  CHECK(env.Int("SELECT queued FROM hosts") == 1);
  // The slow worker's result arrives after expiry: refused with a reason,
  // and the URL stays queued for the next lease.
  const AckMsg late = env.Send(*l, {Page(l->tasks[0])}, "late");
  CHECK(late.status == "rejected");
  CHECK(late.reason == "lease_expired");
  CHECK(env.Int("SELECT COUNT(*) FROM rejections WHERE reason='lease_expired'") == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM records") == 0);
  CHECK(env.Int("SELECT queued FROM hosts") == 1);
  auto again = env.Lease(10);
  REQUIRE(again.has_value());
  CHECK(again->tasks[0].task_id == l->tasks[0].task_id);
}

TEST_CASE("ingest: idempotent re-sends, credit per stored record, retries then failure") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"max_attempts":2,
              "response_time_factor":0})");
  env.AnswerRobots("");
  auto l = env.Lease(10);
  REQUIRE(l);
  std::vector<std::string> links = {"http://a.test/1", "http://a.test/2", "http://a.test/3"};
  AckMsg a = env.Send(*l, {Page(l->tasks[0], links)}, "b1");
  CHECK(a.status == "accepted");
  CHECK(a.credited_pages == 1);
  AckMsg again = env.Send(*l, {Page(l->tasks[0], links)}, "b1");
  CHECK(again.status == "duplicate");
  CHECK(env.Int("SELECT COUNT(*) FROM records") == 1);
  CHECK(env.Int("SELECT SUM(pages) FROM credits") == 1);

  auto l2 = env.Lease(10);
  REQUIRE(l2);
  REQUIRE(l2->tasks.size() == 3);
  ResultEntry ok = Page(l2->tasks[0]);
  ResultEntry gone;
  gone.task_id = l2->tasks[1].task_id;
  gone.url = l2->tasks[1].url;
  gone.status = 404;
  gone.reason = "http_404";
  ResultEntry flaky;
  flaky.task_id = l2->tasks[2].task_id;
  flaky.url = l2->tasks[2].url;
  flaky.status = 503;
  flaky.reason = "http_503";
  CHECK(env.Send(*l2, {ok, gone, flaky}, "b2").credited_pages == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE reason='http_404' AND state='failed'") == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE reason='http_503' AND state='queued'") == 1);
  env.clock.Advance(600000);  // past the host's error backoff
  auto l3 = env.Lease(10);
  REQUIRE(l3);
  REQUIRE(l3->tasks.size() == 1);
  flaky.task_id = l3->tasks[0].task_id;
  env.Send(*l3, {flaky}, "b3");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE reason='http_503' AND state='failed'") == 1);
  // Credit equals stored records.
  CHECK(env.Int("SELECT SUM(pages) FROM credits") == env.Int("SELECT COUNT(*) FROM records"));
  CHECK(env.Int("SELECT SUM(bytes) FROM credits") == env.Int("SELECT SUM(body_bytes) FROM records"));
}

TEST_CASE("ingest: rejected batches change nothing") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})");
  env.AnswerRobots("");
  auto l = env.Lease(10);
  REQUIRE(l);
  ResultMsg m;
  m.batch_id = "forged";
  m.lease_id = l->lease_id;
  m.entries = {Page(l->tasks[0], {"http://a.test/new"})};
  SigningKey other;
  REQUIRE(SigningKey::Generate(&other).ok());
  m.signature = other.SignHex(ManifestBytes(env.key.public_hex(), m, l->nonce));
  AckMsg ack = env.ingest->Apply(env.key.public_hex(), m);
  CHECK(ack.status == "rejected");
  CHECK(ack.reason == "bad_signature");
  CHECK(env.Int("SELECT COUNT(*) FROM records") == 0);
  CHECK(env.Int("SELECT COUNT(*) FROM credits") == 0);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://a.test/new'") == 0);
  CHECK(env.Int("SELECT state='leased' FROM frontier WHERE url='http://a.test/'") == 1);
  ResultMsg wrong = m;
  wrong.batch_id = "wrong-task";
  wrong.entries[0].task_id = 999999;
  wrong.signature = env.key.SignHex(ManifestBytes(env.key.public_hex(), wrong, l->nonce));
  CHECK(env.ingest->Apply(env.key.public_hex(), wrong).reason.rfind("wrong_task", 0) == 0);

  // The real owner can still use that batch id afterwards.
  m.signature = env.key.SignHex(ManifestBytes(env.key.public_hex(), m, l->nonce));
  CHECK(env.ingest->Apply(env.key.public_hex(), m).status == "accepted");
  // Sending the same work again under a new batch id is a replay.
  ResultMsg again = m;
  again.batch_id = "again";
  again.signature = env.key.SignHex(ManifestBytes(env.key.public_hex(), again, l->nonce));
  CHECK(env.ingest->Apply(env.key.public_hex(), again).reason.rfind("replay", 0) == 0);
  CHECK(env.Int("SELECT COUNT(*) FROM records") == 1);
  ResultMsg unknown = m;
  unknown.batch_id = "unknown";
  unknown.lease_id = 424242;
  CHECK(env.ingest->Apply(env.key.public_hex(), unknown).reason == "unknown_lease");
}

TEST_CASE("frontier: limits exclude with reasons, and a crawl with nothing left is done") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"max_depth":1,"max_pages":3,
              "exclude":["\\.pdf$"],"response_time_factor":0})");
  env.AnswerRobots("");
  auto l = env.Lease(10);
  REQUIRE(l);
  env.Send(*l, {Page(l->tasks[0], {"http://a.test/1", "http://a.test/2", "http://a.test/3",
                                   "http://a.test/x.pdf"})},
           "b1");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE reason='max_pages'") == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE reason='excluded_pattern'") == 1);
  auto l2 = env.Lease(10);
  REQUIRE(l2);
  std::vector<ResultEntry> entries;
  for (const auto& t : l2->tasks) entries.push_back(Page(t, {"http://a.test/deeper"}));
  env.Send(*l2, entries, "b2");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE reason='max_depth'") == 1);
  Transaction tx(env.store.db());
  auto done = env.frontier->FinishIdleCrawls();
  tx.Commit();
  CHECK(done == std::vector<std::string>{"c"});
  CrawlStatus st;
  REQUIRE(env.store.GetStatus("c", &st).ok());
  CHECK(st.info.state == "done");
  CHECK(st.records == 3);
  CHECK(st.by_reason["excluded/max_depth"] == 1);
}

}  // namespace swarmcrawl

namespace swarmcrawl {

TEST_CASE("frontier: RELEASE of a robots lease keeps the host until robots.txt is ingested") {
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})");
  auto robots = env.Lease(10);
  REQUIRE(robots);
  REQUIRE(robots->kind == "robots");
  {
    Transaction tx(env.store.db());
    env.frontier->FetchesDone(robots->lease_id);
    tx.Commit();
  }
  CHECK_FALSE(env.Lease(10, "w2").has_value());  // no second robots lease, no page lease
  ResultEntry e;
  e.task_id = 1;
  e.url = robots->tasks[0].url;
  e.status = 404;
  e.reason = "http_404";
  CHECK(env.Send(*robots, {e}, "r1").status == "accepted");
  auto pages = env.Lease(10, "w2");
  REQUIRE(pages);
  CHECK(pages->kind == "page");  // 404 robots.txt: everything allowed
  {
    Transaction tx(env.store.db());
    env.frontier->FetchesDone(pages->lease_id);  // a page lease frees the host at once
    tx.Commit();
  }
  CHECK(env.Int("SELECT lease_id IS NULL FROM hosts") == 1);
}

}  // namespace swarmcrawl

namespace swarmcrawl {

TEST_CASE("frontier: each expiry counts as an attempt and ends in failed/lease_expired") {
  const LeaseLimits limits = ShortLeases();
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"max_attempts":2})", limits);
  env.AnswerRobots("");
  for (int i = 0; i < 2; ++i) {
    auto l = env.Lease(10);
    REQUIRE(l);
    env.clock.Advance(1001);
    env.ExpireLeases();
  }
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE state='failed' AND reason='lease_expired'") == 1);
  CHECK(env.Int("SELECT queued FROM hosts") == 0);
  CHECK_FALSE(env.Lease(10).has_value());
  Transaction tx(env.store.db());
  CHECK(env.frontier->FinishIdleCrawls() == std::vector<std::string>{"c"});
  tx.Commit();
}

TEST_CASE("ingest: a late result for a URL re-leased to someone else stores and credits nothing") {
  const LeaseLimits limits = ShortLeases();
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})", limits);
  env.AnswerRobots("");
  auto first = env.Lease(10, "w1");
  REQUIRE(first);
  env.clock.Advance(1001);
  env.ExpireLeases();
  auto second = env.Lease(10, "w2");
  REQUIRE(second);
  REQUIRE(second->tasks[0].task_id == first->tasks[0].task_id);
  AckMsg late = env.Send(*first, {Page(first->tasks[0])}, "late");
  CHECK(late.status == "rejected");
  CHECK(late.reason == "lease_expired");
  CHECK(env.Int("SELECT COUNT(*) FROM records") == 0);
  CHECK(env.Int("SELECT state='leased' FROM frontier WHERE id=" +
                std::to_string(first->tasks[0].task_id)) == 1);
  AckMsg current = env.Send(*second, {Page(second->tasks[0])}, "current");
  CHECK(current.stored == 1);
  CHECK(env.Int("SELECT SUM(pages) FROM credits") == 1);
}

TEST_CASE("frontier: a late robots result cannot overwrite a known robots.txt") {
  const LeaseLimits limits = ShortLeases();
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"max_attempts":1})", limits);
  auto old_lease = env.Lease(10);
  REQUIRE(old_lease);
  env.clock.Advance(1001);
  env.ExpireLeases();
  env.AnswerRobots("User-agent: *\nAllow: /\n");
  ResultEntry failed;
  failed.task_id = 1;
  failed.url = old_lease->tasks[0].url;
  failed.reason = "timeout";
  env.Send(*old_lease, {failed}, "late-robots");
  CHECK(env.Int("SELECT robots_status FROM hosts") == 200);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE reason='robots'") == 0);
  CHECK(env.Lease(10).has_value());
}

}  // namespace swarmcrawl

namespace swarmcrawl {
namespace {

coordinator_test::Env IntakeEnv(const std::string& spec, size_t rows, int64_t age_ms) {
  LeaseLimits limits = coordinator_test::TestLimits();
  limits.intake_rows = rows;
  limits.intake_max_age_ms = age_ms;
  return coordinator_test::Env(spec, limits);
}

std::vector<std::string> Links(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

}  // namespace

TEST_CASE("frontier intake: new URLs wait, count as queued, keep the crawl running, and merge by size, age or demand") {
  // Room for 4 rows per intake part (one host's rows all share a part).
  auto env = IntakeEnv(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"response_time_factor":0})",
                       4 * kIntakeParts, 1000);
  // The seed waits in the intake; a worker asking for work merges it.
  CHECK(env.Int("SELECT COUNT(*) FROM frontier") == 0);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake") == 1);
  CrawlStatus st;
  REQUIRE(env.store.GetStatus("c", &st).ok());
  CHECK(st.by_state["queued"] == 1);
  env.AnswerRobots("User-agent: *\nDisallow: /private/\n");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake") == 0);
  auto l = env.Lease(10);
  REQUIRE(l);
  // Three new links (and a repeat) wait; nothing is merged below 4 rows.
  REQUIRE(env.Send(*l, {Page(l->tasks[0], {"http://a.test/1", "http://a.test/2", "http://a.test/1",
                                           "http://a.test/private/x"})}, "b1").status == "accepted");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake") == 3);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake WHERE reason='robots'") == 1);
  CHECK(env.frontier->intake_size() == 3);
  CrawlStatus later;
  REQUIRE(env.store.GetStatus("c", &later).ok());
  CHECK(later.by_state["queued"] == 2);
  CHECK(later.by_reason["excluded/robots"] == 1);
  // Not idle: the URLs in the intake are still to do.
  {
    Transaction tx(env.store.db());
    CHECK(env.frontier->FinishIdleCrawls().empty());
    CHECK(env.frontier->MaybeFlush() == 0);  // young and small
    env.clock.Advance(1000);
    CHECK(env.frontier->MaybeFlush() == 3);  // old enough
    tx.Commit();
  }
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake") == 0);
  CHECK(env.Int("SELECT queued FROM hosts") == 2);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://a.test/1'") == 1);
  // The same URLs again: known to the frontier, not admitted twice.
  auto l2 = env.Lease(10);
  REQUIRE(l2);
  REQUIRE(env.Send(*l2, {Page(l2->tasks[0], {"http://a.test/1"}), Page(l2->tasks[1], Links("http://a.test/n", 5))},
                   "b2").status == "accepted");
  // Five new links: the fourth filled the intake, which merged before the fifth.
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url LIKE 'http://a.test/n%'") == 4);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake") == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE url='http://a.test/1'") == 1);
  CHECK(env.Int("SELECT SUM(queued) FROM hosts") ==
        env.Int("SELECT COUNT(*) FROM frontier WHERE state='queued'"));
}

TEST_CASE("frontier intake: robots.txt that arrives while URLs wait is applied when they merge") {
  auto env = IntakeEnv(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})", 1000, 60000);
  auto r = env.Lease(10);  // merges the seed, leases robots.txt
  REQUIRE(r);
  REQUIRE(r->kind == "robots");
  // URLs of the host are admitted while its robots.txt is unknown...
  {
    Transaction tx(env.store.db());
    env.frontier->Admit(env.crawl_id, {"http://a.test/private/a", "http://a.test/public/b"}, 1);
    tx.Commit();
  }
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake WHERE state='queued'") == 2);
  ResultEntry e;
  e.task_id = 1;
  e.url = r->tasks[0].url;
  e.status = 200;
  e.robots_txt = "User-agent: *\nDisallow: /private/\n";
  e.text_sha256 = Sha256Hex(e.robots_txt);
  REQUIRE(env.Send(*r, {e}, "robots").status == "accepted");
  // ...and robots.txt, known now, decides when they merge.
  {
    Transaction tx(env.store.db());
    env.frontier->Flush();
    tx.Commit();
  }
  CHECK(env.Str("SELECT reason FROM frontier WHERE url='http://a.test/private/a'") == "robots");
  CHECK(env.Str("SELECT state FROM frontier WHERE url='http://a.test/public/b'") == "queued");
  auto l = env.Lease(10);
  REQUIRE(l);
  for (const auto& t : l->tasks) CHECK(t.url.find("/private/") == std::string::npos);
}

TEST_CASE("frontier intake: each part merges on its own, with its hosts' robots.txt") {
  // 70 rows per part; hosts go to parts in blocks of 64 ids (a.test is 1).
  auto env = IntakeEnv(R"({"name":"c","seeds":["http://a.x.test/"],"allowed_domains":["x.test"],"delay_ms":0})",
                       70 * kIntakeParts, 60000);
  std::vector<std::string> homes;
  for (int h = 2; h <= 130; ++h) homes.push_back("http://h" + std::to_string(h) + ".x.test/");
  {
    Transaction tx(env.store.db());
    env.frontier->Admit(env.crawl_id, homes, 1);
    tx.Commit();
  }
  // Part 0 holds hosts 1..63, part 1 hosts 64..127, part 2 hosts 128..130.
  REQUIRE(env.Int("SELECT MAX(id) FROM hosts") == 130);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake_0") == 63);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake_1") == 64);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake_2") == 3);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier") == 0);
  // robots.txt of host 128 (part 2) is learned while its URLs wait.
  const std::string host128 = env.Str("SELECT host FROM hosts WHERE id=128");
  {
    Transaction tx(env.store.db());
    env.frontier->Admit(env.crawl_id, {host128 + "/private/x"}, 1);
    env.store.db()->Prepare("UPDATE hosts SET robots_state='ready', robots_status=200, robots_txt="
                            "'User-agent: *' || char(10) || 'Disallow: /private/', robots_expires_at=1e15 WHERE id=128")
        .Run();
    // Host 64's part fills up: it merges alone.
    env.frontier->Admit(env.crawl_id, Links(env.Str("SELECT host FROM hosts WHERE id=64") + "/p", 6), 1);
    tx.Commit();
  }
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake_1") == 0);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier") == 70);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier WHERE host_id < 64 OR host_id > 127") == 0);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake_0") == 63);
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake_2") == 4);
  CHECK(env.frontier->intake_size() == 67);
  CHECK(env.Int("SELECT SUM(queued) FROM hosts") == 70);
  // The rest merges when asked; host 128's robots.txt judges its waiting URL.
  {
    Transaction tx(env.store.db());
    env.frontier->Reload();  // the cached policy of host 128 is gone too
    CHECK(env.frontier->Flush() == 67);
    tx.Commit();
  }
  CHECK(env.Str("SELECT reason FROM frontier WHERE url='" + host128 + "/private/x'") == "robots");
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake") == 0);
  CHECK(env.Int("SELECT SUM(queued) FROM hosts") == env.Int("SELECT COUNT(*) FROM frontier WHERE state='queued'"));
}

TEST_CASE("frontier intake: a crawl submitted meanwhile merges the intake without skewing admitted") {
  // Known URLs wait unprobed in the running coordinator's intake; submitting
  // another crawl (the API or CLI, with a Frontier of its own) merges them.
  LeaseLimits limits = coordinator_test::TestLimits();
  limits.intake_rows = 1000 * kIntakeParts;
  limits.exact_admission_margin = 0;
  coordinator_test::Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})", limits);
  const std::vector<std::string> urls = Links("http://a.test/k", 5);
  {
    Transaction tx(env.store.db());
    env.frontier->Admit(env.crawl_id, urls, 1);
    env.frontier->Flush();
    tx.Commit();
  }
  {
    Transaction tx(env.store.db());
    env.frontier->Reload();  // forgets the seen hashes: the five come again, unprobed
    std::vector<std::string> again = urls;
    again.push_back("http://a.test/new");
    env.frontier->Admit(env.crawl_id, again, 1);
    tx.Commit();
  }
  std::string name;
  bool existed = false;
  REQUIRE(SubmitCrawl(&env.store, R"({"name":"other","seeds":["http://b.test/"]})", &env.clock, &name,
                      &existed).ok());
  CHECK(env.Int("SELECT COUNT(*) FROM frontier_intake") == 0);
  {
    Transaction tx(env.store.db());
    env.frontier->LoadCrawls();  // as the coordinator's loop does when another process commits
    env.frontier->MaybeFlush();
    env.frontier->Flush();
    env.frontier->Admit(env.crawl_id, {"http://a.test/later"}, 1);
    env.frontier->Flush();
    tx.Commit();
  }
  const int64_t rows = env.Int("SELECT COUNT(*) FROM frontier WHERE crawl_id=" + std::to_string(env.crawl_id));
  CHECK(rows == 8);  // seed, k0..k4, new, later
  CHECK(env.Int("SELECT admitted FROM crawls WHERE id=" + std::to_string(env.crawl_id)) == rows);
  CHECK(env.Int("SELECT queued FROM hosts WHERE host='http://a.test'") == rows);
}

TEST_CASE("frontier intake: parts that come due together merge on successive calls") {
  auto env = IntakeEnv(R"({"name":"c","seeds":["http://a.x.test/"],"allowed_domains":["x.test"],"delay_ms":0})",
                       70 * kIntakeParts, 1000);
  std::vector<std::string> homes;
  for (int h = 2; h <= 130; ++h) homes.push_back("http://h" + std::to_string(h) + ".x.test/");
  Transaction tx(env.store.db());
  env.frontier->Admit(env.crawl_id, homes, 1);
  CHECK(env.frontier->MaybeFlush() == 0);  // nothing full, nothing old
  env.clock.Advance(1000);
  // All three parts are a second old: one merge per call, never all at once.
  CHECK(env.frontier->MaybeFlush() == 63);
  CHECK(env.frontier->intake_size() == 67);
  CHECK(env.frontier->MaybeFlush() == 64);
  CHECK(env.frontier->MaybeFlush() == 3);
  CHECK(env.frontier->MaybeFlush() == 0);
  tx.Commit();
  CHECK(env.Int("SELECT COUNT(*) FROM frontier") == 130);
}

TEST_CASE("store: a version 6 database gets intake parts and frontier counts") {
  char tmpl[] = "/tmp/swarmcrawl-migrate-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl, path = dir + "/c.db";
  {
    Store store;
    REQUIRE(Store::Open(path, &store).ok());
    CrawlSpec spec;
    REQUIRE(ParseCrawlSpec(R"({"name":"c","seeds":["http://a.test/"]})", &spec).ok());
    int64_t crawl_id = 0;
    REQUIRE(store.InsertCrawl(spec, 0, &crawl_id).ok());
    Db* db = store.db();
    // Version 6's layout: one frontier_intake table, no parts, no view, no counts.
    db->Exec("DROP TRIGGER frontier_count_update");
    db->Exec("DROP TRIGGER frontier_count_delete");
    db->Exec("DROP TABLE frontier_counts");
    db->Exec("DROP INDEX frontier_reason");
    db->Exec("CREATE INDEX frontier_state ON frontier(crawl_id, state)");
    for (const char* row : {"1, 'http://a.test/1', 'queued', NULL", "2, 'http://a.test/2', 'excluded', 'robots'",
                            "3, 'http://a.test/3', 'excluded', 'robots'"}) {
      db->Exec(std::string("INSERT INTO frontier(crawl_id, host_id, url_hash, url, state, reason, depth, "
                           "discovered_at, updated_at) VALUES(1, 1, ") + row + ", 0, 0, 0)");
    }
    db->Exec("DROP VIEW frontier_intake");
    for (int part = 1; part < kIntakeParts; ++part) db->Exec("DROP TABLE " + IntakeTable(part));
    db->Exec("ALTER TABLE " + IntakeTable(0) + " RENAME TO frontier_intake");
    db->Exec("INSERT INTO frontier_intake(crawl_id, host_id, url_hash, url, kind, depth, redirects, "
             "state, discovered_at) VALUES(1, 1, 7, 'http://a.test/waiting', 'page', 1, 0, 'queued', 0)");
    db->Exec("UPDATE meta SET value='6' WHERE key='schema_version'");
  }
  {
    Store store;
    REQUIRE(Store::Open(path, &store).ok());
    Stmt s = store.db()->Prepare("SELECT (SELECT value FROM meta WHERE key='schema_version'), "
                                 "(SELECT url FROM frontier_intake_0), (SELECT COUNT(*) FROM frontier_intake)");
    REQUIRE(s.Step());
    CHECK(s.Text(0) == "7");
    CHECK(s.Text(1) == "http://a.test/waiting");
    CHECK(s.Int(2) == 1);
    Stmt counts = store.db()->Prepare("SELECT state || '/' || reason || '=' || n FROM frontier_counts ORDER BY 1");
    std::string all;
    while (counts.Step()) all += counts.Text(0) + " ";
    CHECK(all == "excluded/robots=2 queued/=1 ");
    Stmt index = store.db()->Prepare("SELECT COUNT(*) FROM sqlite_master WHERE name='frontier_state'");
    REQUIRE(index.Step());
    CHECK(index.Int(0) == 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("frontier intake: a rollback or a restart loses no admitted URL and admits none twice") {
  auto env = IntakeEnv(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})", 1000, 60000);
  {
    Transaction tx(env.store.db());
    env.frontier->Admit(env.crawl_id, Links("http://a.test/k", 3), 1);
    tx.Commit();
  }
  {
    // Admitted, then rolled back (a failed ingest): gone from table and memory.
    Transaction tx(env.store.db());
    env.frontier->Admit(env.crawl_id, Links("http://a.test/r", 2), 1);
  }
  env.frontier->Reload();
  CHECK(env.frontier->intake_size() == 4);  // the seed and k0..k2
  {
    Transaction tx(env.store.db());
    CHECK(env.frontier->Admit(env.crawl_id, {"http://a.test/k1", "http://a.test/r0"}, 1) == 1);
    tx.Commit();
  }
  // A new Frontier on the same database (a coordinator restart) reads the intake back.
  LeaseLimits limits = coordinator_test::TestLimits();
  limits.intake_rows = 1000;
  Frontier restarted(&env.store, &env.clock, limits);
  restarted.LoadCrawls();
  CHECK(restarted.intake_size() == 5);
  {
    Transaction tx(env.store.db());
    CHECK(restarted.Admit(env.crawl_id, {"http://a.test/k2", "http://a.test/r0", "http://a.test/new"}, 1) == 1);
    restarted.Flush();
    tx.Commit();
  }
  CHECK(env.Int("SELECT COUNT(*) FROM frontier") == 6);
  CHECK(env.Int("SELECT COUNT(DISTINCT url) FROM frontier") == 6);
  CHECK(env.Int("SELECT queued FROM hosts") == 6);
}

TEST_CASE("frontier: after a lease expires its host rests expired_quiet_ms before the next lease") {
  LeaseLimits limits = coordinator_test::ShortLeases();
  limits.expired_quiet_ms = 30000;
  Env env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0})", limits);
  env.AnswerRobots("");
  auto l = env.Lease(10);
  REQUIRE(l);
  env.clock.Advance(1001);
  env.ExpireLeases();
  // The lapsed worker may still be fetching: nobody else gets the host yet.
  env.clock.Advance(29999);
  CHECK_FALSE(env.Lease(10, "w2").has_value());
  env.clock.Advance(1);
  auto again = env.Lease(10, "w2");
  REQUIRE(again);
  CHECK(again->tasks[0].task_id == l->tasks[0].task_id);
}

}  // namespace swarmcrawl
