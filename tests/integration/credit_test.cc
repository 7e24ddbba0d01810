// Contributor credit end to end: two honest worker processes and five
// adversarial peers (tests/integration/fake_worker.h) in one crawl, against
// a real coordinator; then the ledger and receipts through the CLI.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/clock.h"
#include "core/sqlite.h"
#include "tests/integration/cluster.h"
#include "tests/integration/fake_worker.h"

namespace swarmcrawl::testing {
namespace {

using nlohmann::json;

struct Adversary {
  std::string name;
  SigningKey key;
  std::unique_ptr<FakeWorker> w;
  std::string pub() const { return key.public_hex(); }
};

void Join(Cluster& c, Adversary* a) {
  a->w = std::make_unique<FakeWorker>(c.coordinator_endpoint(), c.coordinator_key(), a->key);
  REQUIRE(a->w->Hello(a->key, a->name, 16).command == "WELCOME");
}

// A lease of at most `credit` tasks, retrying while others hold the host.
LeaseMsg LeaseFor(Adversary* a, int64_t credit) {
  INFO(a->name << " asks for work");
  a->w->Send("REQUEST", Encode(RequestMsg{credit}));
  Envelope env = a->w->Recv(30000);
  INFO(env.command << " " << env.body.dump());
  REQUIRE(env.command == "LEASE");
  LeaseMsg lease;
  REQUIRE(DecodeLease(env.body, &lease).ok());
  return lease;
}

std::vector<ResultEntry> Honest(const LeaseMsg& l) {
  std::vector<ResultEntry> out;
  for (const auto& t : l.tasks) out.push_back(FetchHonestly(l, t));
  return out;
}

std::string LedgerKeyOf(const Cluster& c) {
  SigningKey k;
  REQUIRE(SigningKey::LoadFromFile(c.db_path() + ".ledger-key", &k).ok());
  return k.public_hex();
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

TEST_CASE("adversarial contributors earn nothing for bad work and lose reputation, honest ones are credited in full") {
  ClusterOptions o;
  // Small leases at a 60 ms pace: the crawl lasts long enough, and the host
  // changes hands often enough, for every adversary to get work.
  o.pages = 600;
  o.delay_ms = 50;
  o.lease_size = 8;
  o.coordinator_args = {"--verify-window-ms", "8000", "--epoch-ms", "300", "--expired-quiet-ms", "1000"};
  Cluster c(o);
  c.StartSite();
  c.SubmitCrawl();
  c.StartCoordinator();
  c.StartWorker(1);
  c.StartWorker(2);
  // The honest workers read robots.txt and the first pages: the adversaries
  // join a crawl in full swing and get pages.
  REQUIRE(WaitUntil([&] { return c.QueryInt("SELECT COUNT(*) FROM records") >= 20; },
                    std::chrono::seconds(30)));
  // Each adversary (re)joins right before it acts: an idle peer that does
  // not answer heartbeats is dropped after a second.
  Adversary fab{"fabricator"}, dup{"duplicator"}, rep{"replayer"}, forger{"forger"}, thief{"thief"};
  for (Adversary* a : {&fab, &dup, &rep, &forger, &thief}) REQUIRE(SigningKey::Generate(&a->key).ok());

  // The fabricator makes pages up.
  Join(c, &fab);
  for (int i = 0; i < 4; ++i) {
    LeaseMsg l = LeaseFor(&fab, 3);
    std::vector<ResultEntry> entries;
    for (const auto& t : l.tasks) {
      entries.push_back(l.kind == "robots"
                            ? FetchHonestly(l, t)
                            : PageEntry(t, "Fabricated text for " + t.url +
                                               ": miracle diets, lottery tips and cheap watches."));
    }
    CHECK(SendResult(*fab.w, SignedBatch(fab.key, fab.pub(), l, entries, "fab-" + std::to_string(i)))
              .status == "accepted");
  }

  // The duplicator answers every page with a copy of the home page.
  LeaseMsg home_lease;
  home_lease.kind = "page";
  home_lease.user_agent = "swarmcrawl-test/1.0";
  TaskSpec home_task;
  home_task.task_id = 1;
  home_task.url = c.base_url();
  const std::string home_text = FetchHonestly(home_lease, home_task).text;
  REQUIRE(!home_text.empty());
  Join(c, &dup);
  for (int i = 0; i < 4; ++i) {
    LeaseMsg l = LeaseFor(&dup, 3);
    std::vector<ResultEntry> entries;
    for (const auto& t : l.tasks) {
      entries.push_back(l.kind == "robots" ? FetchHonestly(l, t) : PageEntry(t, home_text));
    }
    CHECK(SendResult(*dup.w, SignedBatch(dup.key, dup.pub(), l, entries, "dup-" + std::to_string(i)))
              .status == "accepted");
  }

  // The replayer does one honest batch, then sends it again three ways.
  Join(c, &rep);
  LeaseMsg first = LeaseFor(&rep, 2);
  const ResultMsg honest = SignedBatch(rep.key, rep.pub(), first, Honest(first), "rep-1");
  const AckMsg ack1 = SendResult(*rep.w, honest);
  REQUIRE(ack1.status == "accepted");
  const AckMsg again = SendResult(*rep.w, honest);  // the same batch: acknowledged, not paid twice
  CHECK(again.status == "duplicate");
  CHECK(again.credited_pages == ack1.credited_pages);
  CHECK(SendResult(*rep.w, SignedBatch(rep.key, rep.pub(), first, honest.entries, "rep-2")).reason.rfind("replay", 0) == 0);
  LeaseMsg second = LeaseFor(&rep, 2);
  ResultMsg moved = honest;  // the old manifest on a new lease: its signature names the old one
  moved.lease_id = second.lease_id;
  moved.batch_id = "rep-3";
  CHECK(SendResult(*rep.w, moved).reason == "bad_signature");
  CHECK(SendResult(*rep.w, SignedBatch(rep.key, rep.pub(), second, Honest(second), "rep-4")).status == "accepted");

  // The forger signs with a key that is not its own, then leaves.
  SigningKey other;
  REQUIRE(SigningKey::Generate(&other).ok());
  Join(c, &forger);
  LeaseMsg fl = LeaseFor(&forger, 2);
  CHECK(SendResult(*forger.w, SignedBatch(other, forger.pub(), fl, Honest(fl), "forged")).reason == "bad_signature");
  forger.w->Send("BYE", json{{"reason", "done"}});

  // The thief answers an honest worker's lease.
  Join(c, &thief);
  const int64_t victim_lease = c.QueryInt(
      "SELECT id FROM leases WHERE kind='page' AND contributor NOT IN (" + Quote(fab.pub()) + "," +
      Quote(dup.pub()) + "," + Quote(rep.pub()) + "," + Quote(forger.pub()) + "," +
      Quote(thief.pub()) + ") ORDER BY id DESC LIMIT 1");
  REQUIRE(victim_lease > 0);
  LeaseMsg stolen;
  stolen.lease_id = victim_lease;
  TaskSpec st;
  st.task_id = c.QueryInt("SELECT MIN(id) FROM frontier");
  st.url = c.base_url();
  CHECK(SendResult(*thief.w, SignedBatch(thief.key, thief.pub(), stolen, {PageEntry(st, "stolen")}, "steal"))
            .reason == "lease_not_yours");

  // The crawl ends, every check is decided and every window closes.
  REQUIRE(WaitUntil(
      [&] {
        return c.QueryInt("SELECT state='done' FROM crawls") == 1 &&
               c.QueryInt("SELECT COUNT(*) FROM checks WHERE state='open'") == 0 &&
               c.QueryInt("SELECT COUNT(*) FROM credit_items WHERE state='pending'") == 0;
      },
      std::chrono::seconds(180)));

  // Everything a liar sent -- pages and the re-fetches it answered for
  // others' checks (verification rows are leased first) -- earned nothing.
  auto accepted = [&](const Adversary& a) {
    return c.QueryInt("SELECT COALESCE(SUM(credit),0) FROM ledger WHERE contributor=" + Quote(a.pub()));
  };
  auto trust = [&](const Adversary& a, const char* col) {
    return c.QueryInt("SELECT COALESCE(" + std::string(col) + ",0) FROM trust WHERE contributor=" + Quote(a.pub()));
  };
  auto reputation_below_half = [&](const Adversary& a) {
    return c.QueryInt("SELECT reputation < 0.5 FROM trust WHERE contributor=" + Quote(a.pub())) == 1;
  };
  for (Adversary* a : {&fab, &dup}) {
    INFO(a->name);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM credit_items WHERE contributor=" + Quote(a->pub())) > 0);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM credit_items WHERE state='pending' AND contributor=" + Quote(a->pub())) == 0);
    // The duplicator's copy of the home page is the truth for the home page
    // itself (a verification of it may come its way): only that may pay.
    const int64_t honest_units =
        a == &dup ? c.QueryInt("SELECT COALESCE(SUM(units),0) FROM credit_items WHERE state='accepted' AND "
                               "url=" + Quote(c.base_url()) + " AND contributor=" + Quote(a->pub()))
                  : 0;
    std::string paid;
    for (const auto& [item, units] : c.QueryCounts("SELECT kind || ' ' || url, units FROM credit_items WHERE "
                                                   "state='accepted' AND contributor=" + Quote(a->pub()))) {
      paid += item + "=" + std::to_string(units) + " ";
    }
    INFO("accepted items: " << paid);
    CHECK(accepted(*a) == honest_units);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM records WHERE withdrawn IS NULL AND contributor=" + Quote(a->pub())) == 0);
    CHECK(trust(*a, "disagreements") >= 1);
    CHECK(reputation_below_half(*a));
  }
  for (Adversary* a : {&forger, &thief}) {
    INFO(a->name);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM credit_items WHERE contributor=" + Quote(a->pub())) == 0);
    CHECK(trust(*a, "penalties") >= 1);
    CHECK(reputation_below_half(*a));
  }
  // The replayer was paid once for the honest work and never for a replay.
  CHECK(c.QueryInt("SELECT COUNT(*) FROM credit_items WHERE kind<>'verify' AND contributor=" + Quote(rep.pub())) ==
        c.QueryInt("SELECT COUNT(*) FROM records WHERE contributor=" + Quote(rep.pub())));
  CHECK(trust(rep, "penalties") >= 2);
  CHECK(reputation_below_half(rep));  // its honest pages were verified, but replays cost more

  // Honest workers: every item accepted, credited in full, never penalized.
  const auto honest_keys = c.QueryCounts("SELECT key, 1 FROM contributors WHERE name LIKE 'contributor-%'");
  REQUIRE(honest_keys.size() == 2);
  for (const auto& [key, one] : honest_keys) {
    INFO(key);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM credit_items WHERE contributor=" + Quote(key)) > 0);
    CHECK(c.QueryInt("SELECT COUNT(*) FROM credit_items WHERE state<>'accepted' AND contributor=" + Quote(key)) == 0);
    CHECK(c.QueryInt("SELECT COALESCE(SUM(credit),0) FROM ledger WHERE contributor=" + Quote(key)) ==
          c.QueryInt("SELECT SUM(units) FROM credit_items WHERE contributor=" + Quote(key)));
    CHECK(c.QueryInt("SELECT COALESCE(disagreements,0) + COALESCE(penalties,0) FROM trust WHERE contributor=" + Quote(key)) == 0);
  }
  // The dataset is whole: every page the site serves has a record nobody withdrew.
  const auto kept = c.QueryCounts(
      "SELECT SUBSTR(url, INSTR(SUBSTR(url, 8), '/') + 7), 1 FROM records WHERE withdrawn IS NULL GROUP BY 1");
  for (const auto& path : c.site().ExpectedHtmlPaths()) {
    INFO(path);
    CHECK(kept.count(path) == 1);
  }

  // The CLI: the credit table, the ledger, and receipts.
  RunResult credits = c.Cli({"credits", "--db", c.db_path(), "--json"});
  REQUIRE(credits.exit_code == 0);
  const json table = json::parse(credits.output);
  for (const auto& row : table) {
    if (row["contributor"] == fab.pub() || row["contributor"] == forger.pub()) CHECK(row["trust"] == "suspect");
    if (row["name"].get<std::string>().rfind("contributor-", 0) == 0) CHECK(row["credit_accepted"].get<int64_t>() > 0);
  }
  const std::string ledger_key = LedgerKeyOf(c);
  RunResult verify = c.Cli({"ledger", "verify", "--db", c.db_path()});
  INFO(verify.output);
  CHECK(verify.exit_code == 0);
  CHECK(verify.output.find("ledger ok") != std::string::npos);
  const std::string exported = c.dir() + "/ledger.jsonl";
  REQUIRE(c.Cli({"ledger", "export", "--db", c.db_path(), "--out", exported}).exit_code == 0);
  CHECK(c.Cli({"ledger", "verify", exported, "--coordinator-key", ledger_key}).exit_code == 0);
  {
    // One changed byte of one row, in a copy: verification names the row.
    const std::string copy = c.dir() + "/tampered.db";
    Db live;
    REQUIRE(Db::Open(c.db_path(), &live).ok());
    live.Exec("VACUUM INTO '" + copy + "'");
    Db bad;
    REQUIRE(Db::Open(copy, &bad).ok());
    bad.Exec("UPDATE ledger SET credit=credit+1 WHERE seq=3");
    RunResult broken = c.Cli({"ledger", "verify", "--db", copy, "--coordinator-key", ledger_key});
    CHECK(broken.exit_code != 0);
    CHECK(broken.output.find("seq=3") != std::string::npos);
  }
  const std::string receipt = c.dir() + "/receipt.json";
  RunResult got = c.Cli({"receipt", "get", "--coordinator", c.coordinator_endpoint(), "--coordinator-key",
                         c.coordinator_key(), "--key", c.dir() + "/contributor-1.key", "--out", receipt});
  INFO(got.output);
  REQUIRE(got.exit_code == 0);
  RunResult ok = c.Cli({"receipt", "verify", receipt, "--coordinator-key", ledger_key});
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.find("receipt ok") != std::string::npos);
  CHECK(c.Cli({"receipt", "verify", receipt, "--coordinator-key", std::string(64, 'a')}).exit_code != 0);
  std::string text;
  {
    std::ifstream in(receipt);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t at = text.find("\"credit\": ");
  REQUIRE(at != std::string::npos);
  text[at + 10] = text[at + 10] == '9' ? '8' : '9';  // one digit of one credit
  std::ofstream(receipt, std::ios::trunc) << text;
  CHECK(c.Cli({"receipt", "verify", receipt, "--coordinator-key", ledger_key}).exit_code != 0);
}

TEST_CASE("an honest pair fetching pages that change on every request is not penalized") {
  ClusterOptions o;
  o.pages = 30;
  o.changing_pages = true;
  o.coordinator_args = {"--verify-new-rate", "1", "--verify-window-ms", "60000"};
  Cluster c(o);
  c.StartAll(2);
  REQUIRE(WaitUntil(
      [&] {
        return c.QueryInt("SELECT state='done' FROM crawls") == 1 &&
               c.QueryInt("SELECT COUNT(*) FROM checks WHERE state='open'") == 0;
      },
      std::chrono::seconds(120)));
  // Every stored page was re-fetched by the other worker; the two copies
  // differ (a timestamp, a rotating ad) and still agree.
  const int64_t agreed = c.QueryInt("SELECT COUNT(*) FROM checks WHERE state='agreed'");
  CHECK(agreed >= 20);
  CHECK(c.QueryInt(
            "SELECT COUNT(*) FROM checks c JOIN credit_items p ON p.id=c.item_id "
            "JOIN credit_items v ON v.check_id=c.id AND v.kind='verify' "
            "WHERE c.state='agreed' AND p.text_sha256<>v.text_sha256") >= 20);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM checks WHERE state IN ('decided','inconclusive')") == 0);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM credit_items WHERE state='rejected'") == 0);
  CHECK(c.QueryInt("SELECT COALESCE(SUM(disagreements),0) FROM trust") == 0);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM records WHERE withdrawn IS NOT NULL") == 0);
}

}  // namespace swarmcrawl::testing
