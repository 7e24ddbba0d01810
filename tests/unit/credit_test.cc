// CreditBook: pending credit, verification by re-fetch (2 of 3), adaptive
// sampling, reputation, probation and the derived-field audit, on real
// SQLite with a manual clock, driven through Ingest as the coordinator does.
#include <doctest/doctest.h>

#include "coordinator/credit.h"
#include "coordinator/ledger.h"
#include "coordinator_env.h"
#include "parsers/language.h"
#include "parsers/quality.h"

namespace swarmcrawl {
namespace {

using coordinator_test::Env;

// A crawl on a.test with three contributors (A is env.key) and a credit book.
struct CreditEnv {
  Env env;
  SigningKey b, c;
  SigningKey ledger_key;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<CreditBook> credit;
  int batch = 0;

  explicit CreditEnv(VerificationOptions options, const std::string& extra = "")
      : env(R"({"name":"c","seeds":["http://a.test/"],"delay_ms":0,"response_time_factor":0)" +
            extra + "}") {
    REQUIRE(SigningKey::Generate(&b).ok());
    REQUIRE(SigningKey::Generate(&c).ok());
    REQUIRE(SigningKey::Generate(&ledger_key).ok());
    REQUIRE(Ledger::Open(env.store.db(), &ledger_key, LedgerOptions(), &ledger).ok());
    if (options.seed == 0) options.seed = 42;
    credit = std::make_unique<CreditBook>(env.store.db(), env.frontier.get(), ledger.get(), options);
    env.ingest = std::make_unique<Ingest>(&env.store, env.frontier.get(), &env.clock,
                                          Logger("test", LogLevel::kQuiet), credit.get());
    credit->SetOnline({A(), b.public_hex(), c.public_hex()});
    env.AnswerRobots("");
  }
  std::string A() const { return env.key.public_hex(); }

  std::optional<LeaseMsg> LeaseAs(const SigningKey& k, int64_t n = 10) {
    Transaction tx(env.store.db());
    auto l = env.frontier->NextLease("w-" + k.public_hex().substr(0, 8), k.public_hex(), n);
    tx.Commit();
    return l;
  }
  AckMsg SendAs(const SigningKey& k, const LeaseMsg& lease, std::vector<ResultEntry> entries) {
    ResultMsg m;
    m.batch_id = "b" + std::to_string(++batch);
    m.lease_id = lease.lease_id;
    m.entries = std::move(entries);
    m.signature = k.SignHex(ManifestBytes(k.public_hex(), m, lease.nonce));
    return env.ingest->Apply(k.public_hex(), m);
  }
  // A page entry with the given text (and its hash).
  static ResultEntry WithText(const TaskSpec& t, const std::string& text,
                              std::vector<std::string> links = {}) {
    ResultEntry e = coordinator_test::Page(t, std::move(links));
    e.text = text;
    e.text_sha256 = Sha256Hex(text);
    return e;
  }
  // Fetches the one queued task as `k` and answers it with `text`.
  void Answer(const SigningKey& k, const std::string& text, std::vector<std::string> links = {}) {
    auto l = LeaseAs(k, 1);
    REQUIRE(l);
    REQUIRE(l->kind == "page");
    REQUIRE(l->tasks.size() == 1);
    REQUIRE(SendAs(k, *l, {WithText(l->tasks[0], text, std::move(links))}).status == "accepted");
  }
  void Sweep() {
    Transaction tx(env.store.db());
    credit->Sweep(env.clock.NowMs());
    tx.Commit();
  }
  int64_t Int(const std::string& sql) { return env.Int(sql); }
  std::string Str(const std::string& sql) { return env.Str(sql); }
  int64_t LedgerCredit(const std::string& who) {
    return Int("SELECT COALESCE(SUM(credit),0) FROM ledger WHERE contributor='" + who + "'");
  }
};

VerificationOptions AlwaysCheck() {
  VerificationOptions o;
  o.new_rate = 1.0;
  o.window_ms = 60000;
  return o;
}

const std::string kArticle =
    "The harbour was quiet that morning. Fishing boats rocked against the pier, and the gulls "
    "circled above the market where the first crates of cod were being unloaded. Nobody in the "
    "town remembered a winter as mild as this one, and the old men on the bench said so to "
    "anyone who would listen.";

}  // namespace

TEST_CASE("credit: a page a second contributor fetches alike is accepted as verified, and both earn") {
  CreditEnv t(AlwaysCheck());
  t.Answer(t.env.key, kArticle);
  CHECK(t.Int("SELECT COUNT(*) FROM credit_items WHERE state='pending' AND kind='page'") == 1);
  CHECK(t.Int("SELECT COUNT(*) FROM checks WHERE state='open'") == 1);
  // The check is a page task like any other, never given to the page's author.
  CHECK_FALSE(t.LeaseAs(t.env.key).has_value());
  t.env.clock.Advance(250);  // the host is looked at again shortly, by someone else
  t.Answer(t.b, kArticle);
  CHECK(t.Str("SELECT state || '/' || verdict FROM checks") == "agreed/2 of 2 agree");
  CHECK(t.Str("SELECT reason FROM credit_items WHERE kind='page'") == "page:verified");
  CHECK(t.LedgerCredit(t.A()) == CreditPolicy().per_page);
  CHECK(t.LedgerCredit(t.b.public_hex()) == CreditPolicy().per_verification);
  CHECK(t.credit->TrustOf(t.A()).agreements == 1);
  CHECK(t.credit->TrustOf(t.b.public_hex()).agreements == 1);
  CHECK(t.credit->TrustOf(t.A()).reputation > 0.5);
  // The re-fetch stored no second record.
  CHECK(t.Int("SELECT COUNT(*) FROM records") == 1);
}

TEST_CASE("credit: a fabricated page loses 2 of 3, is withdrawn and fetched again, and its author forfeits what is pending") {
  CreditEnv t(AlwaysCheck());
  const std::string fake = "Buy cheap watches now, best prices, click here for the offer of the year.";
  // A holds another pending page (unchecked: nobody else was online for it)
  // before it is caught.
  t.Answer(t.env.key, fake, {"http://a.test/two"});
  t.credit->SetOnline({t.A()});
  auto l2 = t.LeaseAs(t.env.key, 10);
  REQUIRE(l2);
  const TaskSpec* two = nullptr;
  for (const auto& task : l2->tasks) {
    if (task.url == "http://a.test/two") two = &task;
  }
  REQUIRE(two != nullptr);
  REQUIRE(t.SendAs(t.env.key, *l2, {CreditEnv::WithText(*two, fake + " two")}).status == "accepted");
  t.credit->SetOnline({t.A(), t.b.public_hex(), t.c.public_hex()});
  CHECK(t.Int("SELECT COUNT(*) FROM credit_items WHERE contributor='" + t.A() + "' AND state='pending'") == 2);
  // B re-fetches "/": it disagrees, so C is asked too, and agrees with B.
  auto vb = t.LeaseAs(t.b, 1);
  REQUIRE(vb);
  REQUIRE(vb->tasks[0].url == "http://a.test/");
  REQUIRE(t.SendAs(t.b, *vb, {CreditEnv::WithText(vb->tasks[0], kArticle)}).status == "accepted");
  CHECK(t.Int("SELECT round FROM checks WHERE url='http://a.test/'") == 2);
  CHECK_FALSE(t.LeaseAs(t.b).has_value());  // round 2 avoids A and B
  t.env.clock.Advance(250);
  auto vc = t.LeaseAs(t.c, 1);
  REQUIRE(vc);
  REQUIRE(t.SendAs(t.c, *vc, {CreditEnv::WithText(vc->tasks[0], kArticle)}).status == "accepted");
  CHECK(t.Str("SELECT verdict FROM checks WHERE url='http://a.test/'") == "the re-fetches won, 3 answers");
  // Everything A had pending is rejected; A earned nothing, B and C did.
  CHECK(t.Int("SELECT COUNT(*) FROM credit_items WHERE contributor='" + t.A() + "' AND state='accepted'") == 0);
  CHECK(t.Str("SELECT reason FROM credit_items WHERE url='http://a.test/' AND kind='page'") == "rejected:outvoted");
  CHECK(t.Str("SELECT reason FROM credit_items WHERE url='http://a.test/two' AND kind<>'verify'") == "rejected:forfeit");
  CHECK(t.LedgerCredit(t.A()) == 0);
  CHECK(t.Int("SELECT COUNT(*) FROM ledger WHERE contributor='" + t.A() + "'") == 2);  // zero-credit entries say why
  CHECK(t.LedgerCredit(t.b.public_hex()) == CreditPolicy().per_verification);
  CHECK(t.LedgerCredit(t.c.public_hex()) == CreditPolicy().per_verification);
  // The dataset does not keep what the network refused: withdrawn, queued again.
  CHECK(t.Int("SELECT COUNT(*) FROM records WHERE withdrawn IS NOT NULL") == 2);
  CHECK(t.Str("SELECT state || '/' || reason FROM frontier WHERE url='http://a.test/' AND verify_id IS NULL") ==
        "queued/refetch");
  // A is now suspect: reputation down, every page of its checked from now on.
  const Trust ta = t.credit->TrustOf(t.A());
  CHECK(ta.disagreements == 1);
  CHECK(ta.reputation < 0.5);
  CHECK(t.credit->SampleRate(ta) == 1.0);
}

TEST_CASE("credit: an honest pair fetching a page that changes a little on every request agrees") {
  CreditEnv t(AlwaysCheck());
  t.Answer(t.env.key, kArticle + " Updated 12:00:01. Advertisement: Visit Bob's Bakery.");
  t.Answer(t.b, kArticle + " Updated 12:00:07. Advertisement: Try Acme Insurance.");
  CHECK(t.Str("SELECT state FROM checks") == "agreed");
  CHECK(t.LedgerCredit(t.A()) == CreditPolicy().per_page);
  CHECK(t.credit->TrustOf(t.A()).disagreements == 0);
}

TEST_CASE("credit: until two answers agree more contributors are asked, and the first agreeing pair decides") {
  VerificationOptions o = AlwaysCheck();
  o.max_answers = 4;
  CreditEnv t(o);
  SigningKey d;
  REQUIRE(SigningKey::Generate(&d).ok());
  t.credit->SetOnline({t.A(), t.b.public_hex(), t.c.public_hex(), d.public_hex()});
  const std::string fake = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi.";
  t.Answer(t.env.key, fake);                                                      // A: the page, made up
  t.Answer(t.b, "One two three four five six seven eight nine ten eleven twelve.");  // B: another lie
  CHECK(t.Int("SELECT round FROM checks") == 2);
  t.env.clock.Advance(250);
  t.Answer(t.c, kArticle);  // C: the real page; still no two alike
  CHECK(t.Int("SELECT round FROM checks") == 3);
  t.env.clock.Advance(250);
  t.Answer(d, kArticle);  // D agrees with C: C and D win, A and B lose
  CHECK(t.Str("SELECT state FROM checks") == "decided");
  CHECK(t.Str("SELECT reason FROM credit_items WHERE contributor='" + t.A() + "'") == "rejected:outvoted");
  CHECK(t.Str("SELECT reason FROM credit_items WHERE contributor='" + t.b.public_hex() + "'") == "rejected:outvoted");
  CHECK(t.LedgerCredit(t.c.public_hex()) == CreditPolicy().per_verification);
  CHECK(t.LedgerCredit(d.public_hex()) == CreditPolicy().per_verification);
  CHECK(t.credit->TrustOf(t.A()).disagreements == 1);
  CHECK(t.credit->TrustOf(t.b.public_hex()).disagreements == 1);
}

TEST_CASE("credit: a page nobody can confirm is unverifiable: no credit, and no blame") {
  VerificationOptions o = AlwaysCheck();
  o.max_answers = 3;
  CreditEnv t(o);
  t.Answer(t.env.key, "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi.");
  t.Answer(t.b, "One two three four five six seven eight nine ten eleven twelve thirteen.");
  t.env.clock.Advance(250);
  t.Answer(t.c, "Red orange yellow green blue indigo violet black white grey brown pink.");
  CHECK(t.Str("SELECT state || '/' || verdict FROM checks") == "inconclusive/no two of 3 agree");
  CHECK(t.Str("SELECT reason FROM credit_items WHERE kind='page'") == "rejected:unverifiable");
  CHECK(t.Int("SELECT COALESCE(SUM(credit),0) FROM ledger") == 0);
  for (const SigningKey* k : {&t.env.key, &t.b, &t.c}) {
    CHECK(t.credit->TrustOf(k->public_hex()).disagreements == 0);
  }
  // An unresolved disagreement whose check expires ends the same way.
  CreditEnv e(AlwaysCheck());
  e.Answer(e.env.key, "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi.");
  e.Answer(e.b, kArticle);
  e.credit->SetOnline({e.A(), e.b.public_hex()});  // no third contributor left
  e.env.clock.Advance(VerificationOptions().orphan_ms);
  e.Sweep();
  CHECK(e.Str("SELECT state FROM checks") == "expired");
  CHECK(e.Str("SELECT reason FROM credit_items WHERE kind='page'") == "rejected:unverifiable");
  CHECK(e.credit->TrustOf(e.A()).disagreements == 0);
}

TEST_CASE("credit: unchecked pages are accepted when their window closes, and probation caps a day's credit") {
  VerificationOptions o;
  o.new_rate = 0;  // nothing sampled
  o.window_ms = 5000;
  o.probation_daily_pages = 2;
  CreditEnv t(o);
  t.credit->NoteAgreement(t.A(), true);  // past the every-page stage of a fresh key
  t.Answer(t.env.key, kArticle, {"http://a.test/2", "http://a.test/3"});
  const char* others[] = {
      "Train timetables change on Sunday: the early service to the coast now leaves at six, and "
      "the last one back is an hour later than it used to be in the summer months.",
      "Our recipe for lentil soup needs onions, carrots, celery, red lentils, cumin and a little "
      "lemon juice; it keeps for three days and freezes well in small portions."};
  for (const char* text : others) {
    auto l = t.LeaseAs(t.env.key, 1);
    REQUIRE(l);
    REQUIRE(t.SendAs(t.env.key, *l, {CreditEnv::WithText(l->tasks[0], text)}).status == "accepted");
  }
  CHECK(t.Int("SELECT COUNT(*) FROM checks") == 0);
  t.env.clock.Advance(4999);
  t.Sweep();
  CHECK(t.Int("SELECT COUNT(*) FROM credit_items WHERE state='pending'") == 3);
  t.env.clock.Advance(1);
  t.Sweep();
  CHECK(t.Int("SELECT COUNT(*) FROM credit_items WHERE state='accepted'") == 3);
  // Three pages on probation, two a day: the third earned nothing.
  CHECK(t.LedgerCredit(t.A()) == 2 * CreditPolicy().per_page);
  CHECK(t.Int("SELECT COUNT(*) FROM credit_items WHERE units=0") == 1);
}

TEST_CASE("credit: the spec's credit policy prices pages, bytes and text") {
  VerificationOptions o;
  o.new_rate = 0;
  o.window_ms = 1000;
  CreditEnv t(o, R"(,"credit":{"per_page":7,"per_body_kib":3,"per_text_kib":0,"per_verification":1})");
  t.credit->NoteAgreement(t.A(), true);
  auto l = t.LeaseAs(t.env.key, 1);
  REQUIRE(l);
  ResultEntry e = CreditEnv::WithText(l->tasks[0], kArticle);
  e.body_bytes = 5 * 1024 + 10;
  REQUIRE(t.SendAs(t.env.key, *l, {e}).status == "accepted");
  t.env.clock.Advance(1000);
  t.Sweep();
  CHECK(t.LedgerCredit(t.A()) == 7 + 3 * 5);
}

TEST_CASE("credit: a duplicate earns nothing but is still checked, and copied text is caught") {
  CreditEnv t(AlwaysCheck());
  t.Answer(t.env.key, kArticle, {"http://a.test/copy"});
  t.Answer(t.b, kArticle);  // B verifies "/"
  // A answers /copy with the text of "/": an exact duplicate, zero credit...
  t.Answer(t.env.key, kArticle);
  CHECK(t.Str("SELECT kind || '/' || units FROM credit_items WHERE url='http://a.test/copy' AND kind<>'verify'") ==
        "duplicate/0");
  // ...and checked: the real /copy says something else, twice.
  t.Answer(t.b, "This page is about something else entirely: the copy room's opening hours and staff.");
  t.Answer(t.c, "This page is about something else entirely: the copy room's opening hours and staff.");
  CHECK(t.Str("SELECT reason FROM credit_items WHERE url='http://a.test/copy' AND kind='duplicate'") ==
        "rejected:outvoted");
  CHECK(t.Int("SELECT COUNT(*) FROM records WHERE url='http://a.test/copy' AND withdrawn IS NOT NULL") == 1);
  CHECK(t.credit->TrustOf(t.A()).disagreements == 1);
}

TEST_CASE("credit: derived fields that the text does not give are caught by the coordinator's own computation") {
  const std::string text = kArticle + "\n" + kArticle + " More about the harbour and the market.";
  nlohmann::json honest = {{"quality", QualityToJson(ComputeQuality(text))},
                           {"language", LanguageToJson(DetectLanguage(text, "en"))}};
  CHECK(CreditBook::AuditDerived(text, honest).empty());
  CHECK(CreditBook::AuditDerived(text, nlohmann::json::object()).empty());  // nothing claimed
  nlohmann::json inflated = honest;
  const double score = honest["quality"]["quality_score"].get<double>();
  inflated["quality"]["quality_score"] = score >= 0.5 ? score - 0.25 : score + 0.25;
  CHECK(CreditBook::AuditDerived(text, inflated) == "quality_score");
  nlohmann::json verdict = honest;
  verdict["quality"]["c4"]["passed"] = !honest["quality"]["c4"]["passed"].get<bool>();
  CHECK(CreditBook::AuditDerived(text, verdict) == "c4.passed");
  nlohmann::json lang = honest;
  lang["language"]["code"] = "fr";
  CHECK(CreditBook::AuditDerived(text, lang) == "language.code");

  // Through ingest: a sampled page whose claims are false is rejected at once.
  CreditEnv t(AlwaysCheck());
  auto l = t.LeaseAs(t.env.key, 1);
  REQUIRE(l);
  ResultEntry e = CreditEnv::WithText(l->tasks[0], text);
  e.extras = inflated;
  REQUIRE(t.SendAs(t.env.key, *l, {e}).status == "accepted");
  CHECK(t.Str("SELECT state || '/' || reason FROM credit_items") == "rejected/rejected:derived_mismatch");
  CHECK(t.Int("SELECT COUNT(*) FROM records WHERE withdrawn IS NOT NULL") == 1);
  CHECK(t.credit->TrustOf(t.A()).disagreements == 1);
}

TEST_CASE("credit: sampling is new_rate on probation, trusted_rate after trust_after agreements, and 1 for a suspect") {
  VerificationOptions o;
  o.new_rate = 0.5;
  o.trusted_rate = 0.03;
  o.trust_after = 20;
  CreditEnv t(o);
  Trust fresh;
  CHECK(t.credit->SampleRate(fresh) == 1.0);  // every page until a first agreement
  Trust agreed_once;
  agreed_once.agreements = 1;
  agreed_once.streak = 1;
  CHECK(t.credit->SampleRate(agreed_once) == 0.5);
  Trust trusted;
  trusted.streak = 20;
  CHECK(t.credit->SampleRate(trusted) == 0.03);
  Trust lost = trusted;
  lost.streak = 0;
  lost.disagreements = 1;
  CHECK(t.credit->SampleRate(lost) == 1.0);
  Trust penalized;
  penalized.penalties = 1;
  CHECK(t.credit->SampleRate(penalized) == 1.0);
  // Agreements build the streak; one disagreement resets it.
  const std::string who = t.b.public_hex();
  for (int i = 0; i < 20; ++i) t.credit->NoteAgreement(who, true);
  CHECK_FALSE(t.credit->TrustOf(who).probation);
  t.credit->NoteAgreement(who, false);
  CHECK(t.credit->TrustOf(who).probation);
  CHECK(t.credit->TrustOf(who).streak == 0);
  // Measured over many pages, a fresh contributor is sampled about half the time.
  VerificationOptions half = AlwaysCheck();
  half.new_rate = 0.5;
  CreditEnv m(half);
  m.credit->NoteAgreement(m.A(), true);  // past the first-agreement stage
  std::vector<std::string> links;
  for (int i = 0; i < 200; ++i) links.push_back("http://a.test/p" + std::to_string(i));
  m.Answer(m.env.key, kArticle, links);
  auto big = m.LeaseAs(m.env.key, 200);
  REQUIRE(big);
  std::vector<ResultEntry> entries;
  for (const auto& task : big->tasks) entries.push_back(CreditEnv::WithText(task, kArticle + task.url));
  REQUIRE(m.SendAs(m.env.key, *big, entries).status == "accepted");
  const int64_t checks = m.Int("SELECT COUNT(*) FROM checks");
  CHECK(checks > 60);
  CHECK(checks < 140);
}

TEST_CASE("credit: rejected batches lower the sender's reputation and make it suspect, lateness does not") {
  CreditEnv t(AlwaysCheck());
  auto l = t.LeaseAs(t.env.key, 1);
  REQUIRE(l);
  // B sends results for A's lease.
  REQUIRE(t.SendAs(t.b, *l, {CreditEnv::WithText(l->tasks[0], kArticle)}).reason == "lease_not_yours");
  CHECK(t.credit->TrustOf(t.b.public_hex()).penalties == 1);
  CHECK(t.credit->TrustOf(t.b.public_hex()).reputation < 0.5);
  // A sends a batch signed with the wrong key.
  ResultMsg forged;
  forged.batch_id = "forged";
  forged.lease_id = l->lease_id;
  forged.entries = {CreditEnv::WithText(l->tasks[0], kArticle)};
  forged.signature = t.c.SignHex(ManifestBytes(t.A(), forged, l->nonce));
  CHECK(t.env.ingest->Apply(t.A(), forged).reason == "bad_signature");
  CHECK(t.credit->TrustOf(t.A()).penalties == 1);
  CHECK(t.credit->SampleRate(t.credit->TrustOf(t.A())) == 1.0);
  CHECK(t.Int("SELECT COUNT(*) FROM credit_items") == 0);
}

TEST_CASE("credit: a check nobody online can take is given up, and its page settles with its window") {
  VerificationOptions o = AlwaysCheck();
  o.orphan_ms = 1000;
  o.window_ms = 3000;
  CreditEnv t(o);
  t.Answer(t.env.key, kArticle);
  CHECK(t.Int("SELECT COUNT(*) FROM checks WHERE state='open'") == 1);
  t.credit->SetOnline({t.A()});  // the others left
  t.env.clock.Advance(1000);
  t.Sweep();
  CHECK(t.Str("SELECT state FROM checks") == "expired");
  CHECK(t.Str("SELECT state || '/' || reason FROM frontier WHERE verify_id IS NOT NULL") ==
        "excluded/verification_expired");
  t.env.clock.Advance(2000);
  t.Sweep();
  CHECK(t.Str("SELECT reason FROM credit_items") == "page");
  CHECK(t.LedgerCredit(t.A()) == CreditPolicy().per_page);
}

TEST_CASE("credit: every settlement is one ledger entry, and the ledger verifies with the totals it recomputes") {
  CreditEnv t(AlwaysCheck());
  t.Answer(t.env.key, kArticle);
  t.Answer(t.b, kArticle);
  {
    Transaction tx(t.env.store.db());
    REQUIRE(t.ledger->CloseEpoch(t.env.clock.NowMs()).ok());
    tx.Commit();
  }
  VerifyReport report;
  REQUIRE(Ledger::Verify(t.env.store.db(), t.ledger_key.public_hex(), &report).ok());
  CHECK(report.entries == t.Int("SELECT COUNT(*) FROM credit_items WHERE state<>'pending'"));
  CHECK(report.totals[t.A()].credit == CreditPolicy().per_page);
  CHECK(report.totals[t.b.public_hex()].credit == CreditPolicy().per_verification);
}

}  // namespace swarmcrawl
