#include "coordinator/credit.h"

#include <algorithm>

#include "core/crypto.h"
#include "parsers/language.h"
#include "parsers/minhash.h"
#include "parsers/quality.h"

namespace swarmcrawl {

namespace {



constexpr int64_t kDayMs = 86'400'000;

}  // namespace

CreditBook::CreditBook(Db* db, Frontier* frontier, Ledger* ledger, VerificationOptions options)
    : db_(db), frontier_(frontier), ledger_(ledger), options_(options), dedup_(db) {
  rng_.seed(options_.seed != 0 ? options_.seed : std::random_device{}());
}

Trust CreditBook::TrustOf(const std::string& contributor) {
  Trust t;
  Stmt& s = db_->Cached(
      "SELECT agreements, disagreements, streak, penalties, reputation FROM trust WHERE contributor=?");
  s.Bind(1, contributor);
  if (s.Step()) {
    t.agreements = s.Int(0);
    t.disagreements = s.Int(1);
    t.streak = s.Int(2);
    t.penalties = s.Int(3);
    t.reputation = s.Double(4);
  }
  s.Reset();
  t.probation = t.streak < options_.trust_after;
  return t;
}

void CreditBook::SaveTrust(const std::string& contributor, const Trust& t) {
  db_->Cached(
         "INSERT INTO trust(contributor, agreements, disagreements, streak, penalties, reputation) "
         "VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(contributor) DO UPDATE SET agreements=?2, "
         "disagreements=?3, streak=?4, penalties=?5, reputation=?6")
      .Bind(1, contributor)
      .Bind(2, t.agreements)
      .Bind(3, t.disagreements)
      .Bind(4, t.streak)
      .Bind(5, t.penalties)
      .Bind(6, t.reputation)
      .Run();
}

double CreditBook::SampleRate(const Trust& t) const {
  if (t.streak >= options_.trust_after) return options_.trusted_rate;
  // A key's work is checked page by page until it has agreed once (BOINC
  // replicates a new host's first results), and again after it lost a check
  // or sent a bad batch.
  if (t.agreements == 0 || t.disagreements > 0 || t.penalties > 0) return 1.0;
  return options_.new_rate;
}

void CreditBook::NoteAgreement(const std::string& contributor, bool agreed) {
  Trust t = TrustOf(contributor);
  const double a = options_.reputation_alpha;
  t.reputation += a * ((agreed ? 1.0 : 0.0) - t.reputation);
  if (agreed) {
    ++t.agreements;
    ++t.streak;
  } else {
    ++t.disagreements;
    t.streak = 0;
  }
  SaveTrust(contributor, t);
}

void CreditBook::Penalize(const std::string& contributor, const std::string& /*why*/, int64_t) {
  Trust t = TrustOf(contributor);
  t.reputation *= 0.5;  // provable misbehaviour weighs more than one lost check
  ++t.penalties;
  t.streak = 0;
  SaveTrust(contributor, t);
}

int64_t CreditBook::InsertItem(const std::string& kind, int64_t crawl_id, int64_t frontier_id,
                               int64_t record_id, const std::string& contributor,
                               const std::string& url, const std::string& text_sha256,
                               uint64_t simhash, int64_t units, int64_t check_id, int64_t now) {
  Stmt& ins = db_->Cached(
      "INSERT INTO credit_items(contributor, crawl_id, kind, frontier_id, record_id, url, "
      "text_sha256, simhash, units, state, check_id, created_at, settle_after) "
      "VALUES(?,?,?,?,?,?,?,?,?,'pending',?,?,?)");
  ins.Bind(1, contributor).Bind(2, crawl_id).Bind(3, kind).Bind(4, frontier_id);
  if (record_id != 0) {
    ins.Bind(5, record_id);
  } else {
    ins.BindNull(5);
  }
  ins.Bind(6, url).Bind(7, text_sha256).Bind(8, static_cast<int64_t>(simhash)).Bind(9, units);
  if (check_id != 0) {
    ins.Bind(10, check_id);
  } else {
    ins.BindNull(10);
  }
  ins.Bind(11, now).Bind(12, now + options_.window_ms).Run();
  return db_->LastInsertId();
}

bool CreditBook::LoadItem(int64_t id, Item* out) {
  Stmt& s = db_->Cached(
      "SELECT id, crawl_id, frontier_id, COALESCE(record_id,0), units, COALESCE(check_id,0), "
      "contributor, kind, url, text_sha256, simhash FROM credit_items "
      "WHERE id=? AND state='pending'");
  s.Bind(1, id);
  const bool found = s.Step();
  if (found) {
    out->id = s.Int(0);
    out->crawl_id = s.Int(1);
    out->frontier_id = s.Int(2);
    out->record_id = s.Int(3);
    out->units = s.Int(4);
    out->check_id = s.Int(5);
    out->contributor = s.Text(6);
    out->kind = s.Text(7);
    out->url = s.Text(8);
    out->text_sha256 = s.Text(9);
    out->simhash = static_cast<uint64_t>(s.Int(10));
  }
  s.Reset();
  return found;
}

void CreditBook::OnStoredPage(const StoredPage& page, const CreditPolicy& policy, int64_t now) {
  Trust t = TrustOf(page.contributor);
  const std::string& text = page.text != nullptr ? *page.text : std::string();
  // body_bytes is the worker's claim (checked against the body when bodies
  // are stored); paid for up to 64 MiB, and no item can exceed what the
  // ledger represents exactly.
  const int64_t body_kib = std::clamp<int64_t>(page.body_bytes, 0, int64_t{64} << 20) / 1024;
  int64_t units = page.duplicate ? 0
                                 : policy.per_page + policy.per_body_kib * body_kib +
                                       policy.per_text_kib * static_cast<int64_t>(text.size() / 1024);
  units = std::min(units, kMaxLedgerCredit);
  if (t.probation && units > 0) {
    // A fresh key earns at most so much a day: a flood of new identities
    // cannot outrun verification.
    Stmt& day = db_->Cached(
        "INSERT INTO trust(contributor, day, day_pages) VALUES(?1, ?2, 1) "
        "ON CONFLICT(contributor) DO UPDATE SET day_pages=IIF(day=?2, day_pages+1, 1), day=?2 "
        "RETURNING day_pages");
    day.Bind(1, page.contributor).Bind(2, now / kDayMs);
    const int64_t pages_today = day.Step() ? day.Int(0) : 0;
    day.Reset();
    if (pages_today > options_.probation_daily_pages) units = 0;
  }
  const uint64_t simhash = page.simhash ? *page.simhash : SimHash64(NormalizeForDedup(text));
  Item item;
  item.kind = page.duplicate ? "duplicate" : "page";
  item.id = InsertItem(item.kind, page.crawl_id, page.frontier_id, page.record_id, page.contributor,
                       page.url, page.text_sha256, simhash, units, 0, now);
  item.crawl_id = page.crawl_id;
  item.frontier_id = page.frontier_id;
  item.record_id = page.record_id;
  item.contributor = page.contributor;
  item.url = page.url;
  item.text_sha256 = page.text_sha256;
  item.units = units;
  if (std::uniform_real_distribution<double>(0, 1)(rng_) >= SampleRate(t)) return;
  // Sampled. What the worker derived from the text is checked here, by the
  // coordinator itself; the text is checked against the web by re-fetch.
  if (page.extras != nullptr) {
    if (std::string why = AuditDerived(text, *page.extras); !why.empty()) {
      Settle(item, false, "rejected:derived_mismatch", now);
      NoteAgreement(page.contributor, false);
      Forfeit(page.contributor, item.id, now);
      return;
    }
  }
  const bool someone_else = std::any_of(online_.begin(), online_.end(),
                                        [&](const auto& c) { return c != page.contributor; });
  if (someone_else) OpenCheck(item, page.host_id, 1, page.contributor, now);
}

std::string CreditBook::AuditDerived(const std::string& text, const nlohmann::json& extras) {
  const nlohmann::json empty = nlohmann::json::object();
  auto part = [&](const char* key) -> const nlohmann::json& {
    auto it = extras.find(key);
    return it != extras.end() && it->is_object() ? *it : empty;
  };
  const nlohmann::json& claimed_quality = part("quality");
  // A worker that sent no derived fields claimed nothing (the record says
  // "unknown"); only what was claimed is held to the text.
  if (!claimed_quality.empty()) {
    const nlohmann::json ours = QualityToJson(ComputeQuality(text));
    if (claimed_quality.value("quality_score", -1.0) != ours.value("quality_score", -2.0)) {
      return "quality_score";
    }
    for (const char* verdict : {"gopher_quality", "gopher_repetition", "c4", "fineweb"}) {
      auto c = claimed_quality.find(verdict);
      if (c != claimed_quality.end() &&
          (!c->is_object() || c->value("passed", !ours[verdict].value("passed", false)) !=
                                  ours[verdict].value("passed", false))) {
        return std::string(verdict) + ".passed";
      }
    }
  }
  const nlohmann::json& claimed_lang = part("language");
  if (!claimed_lang.empty()) {
    const std::string declared = claimed_lang.value("declared", "");
    const LanguageGuess ours = DetectLanguage(text, declared);
    if (claimed_lang.value("code", "") != ours.code) return "language.code";
  }
  return "";
}

void CreditBook::OpenCheck(const Item& item, int64_t host_id, int round, const std::string& avoid,
                           int64_t now) {
  int64_t check_id = item.check_id;
  if (round == 1) {
    db_->Cached(
           "INSERT INTO checks(item_id, crawl_id, host_id, url, round, state, opened_at, deadline) "
           "VALUES(?,?,?,?,1,'open',?,?)")
        .Bind(1, item.id)
        .Bind(2, item.crawl_id)
        .Bind(3, host_id)
        .Bind(4, item.url)
        .Bind(5, now)
        .Bind(6, now + options_.window_ms)
        .Run();
    check_id = db_->LastInsertId();
    db_->Cached("UPDATE credit_items SET check_id=? WHERE id=?").Bind(1, check_id).Bind(2, item.id).Run();
  }
  const int64_t row = frontier_->AddVerification(item.crawl_id, host_id, item.url, check_id, round, avoid);
  db_->Cached("UPDATE checks SET frontier_id=?, round=?, opened_at=?, deadline=? WHERE id=?")
      .Bind(1, row)
      .Bind(2, round)
      .Bind(3, now)
      .Bind(4, now + options_.window_ms)
      .Bind(5, check_id)
      .Run();
}

bool CreditBook::Agree(const Item& a, const Item& b) const {
  if (a.text_sha256 == b.text_sha256) return true;
  return HammingDistance(a.simhash, b.simhash) <= options_.max_simhash_distance;
}

void CreditBook::OnVerifyAnswer(const VerifyAnswer& answer, const CreditPolicy& policy,
                                int64_t now) {
  Stmt& c = db_->Cached(
      "SELECT item_id, crawl_id, host_id, url, round, state FROM checks WHERE id=?");
  c.Bind(1, answer.check_id);
  if (!c.Step()) {
    c.Reset();
    return;
  }
  const int64_t orig_id = c.Int(0), crawl_id = c.Int(1), host_id = c.Int(2);
  const std::string url = c.Text(3);
  const int64_t round = c.Int(4);
  const bool open = c.TextView(5) == "open";
  c.Reset();
  if (answer.outcome == VerifyAnswer::Outcome::kFailed) {
    // A transient failure says nothing about the page: someone else tries
    // (the same round, avoiding the same contributors plus this one), a few
    // times; then the page's own credit settles when its window closes.
    if (!open) return;
    Stmt& tries = db_->Cached(
        "UPDATE checks SET attempts=attempts+1 WHERE id=? RETURNING attempts, "
        "(SELECT COALESCE(avoid,'') FROM frontier WHERE id=checks.frontier_id)");
    tries.Bind(1, answer.check_id);
    int64_t attempts = options_.max_check_attempts;
    std::string avoid;
    if (tries.Step()) {
      attempts = tries.Int(0);
      avoid = tries.Text(1);
    }
    tries.Reset();
    if (attempts < options_.max_check_attempts) {
      const int64_t row = frontier_->AddVerification(crawl_id, host_id, url, answer.check_id,
                                                     static_cast<int>(round) * 10 + static_cast<int>(attempts),
                                                     avoid + "," + answer.contributor);
      db_->Cached("UPDATE checks SET frontier_id=?, deadline=? WHERE id=?")
          .Bind(1, row)
          .Bind(2, now + options_.window_ms)
          .Bind(3, answer.check_id)
          .Run();
      return;
    }
    db_->Cached("UPDATE checks SET state='unanswered', verdict=? WHERE id=?")
        .Bind(1, "no verifier could fetch the page")
        .Bind(2, answer.check_id)
        .Run();
    // An earlier answer that disagreed stays unresolved: the page cannot be
    // paid as if it had been confirmed (nor anyone blamed).
    SettleUnresolved(answer.check_id, now);
    return;
  }
  Item v;
  v.contributor = answer.contributor;
  v.kind = "verify";
  v.url = url;
  v.crawl_id = crawl_id;
  v.frontier_id = answer.frontier_id;
  if (answer.outcome == VerifyAnswer::Outcome::kPage) {
    v.text_sha256 = answer.text_sha256;
    v.simhash = SimHash64(NormalizeForDedup(answer.text));
  } else {
    // No page where one was stored: it agrees with no text (and with another
    // verifier that found the same thing).
    v.text_sha256 = Sha256Hex("no page: " + answer.other);
    v.simhash = ~SimHash64(NormalizeForDedup(answer.other));
  }
  v.units = policy.per_verification;
  v.check_id = answer.check_id;
  v.id = InsertItem("verify", crawl_id, answer.frontier_id, 0, v.contributor, url, v.text_sha256,
                    v.simhash, v.units, answer.check_id, now);
  auto close = [&](const char* state, const std::string& verdict) {
    db_->Cached("UPDATE checks SET state=?, verdict=? WHERE id=?")
        .Bind(1, state)
        .Bind(2, verdict)
        .Bind(3, answer.check_id)
        .Run();
  };
  Item orig;
  if (!open || !LoadItem(orig_id, &orig)) {
    // Late, or the page's credit was settled another way: the fetch was
    // real work all the same.
    Settle(v, true, "verify", now);
    if (open) close("inconclusive", "the checked page was settled before the answer");
    return;
  }
  // Every answer so far: the page, then the verifiers in the order they came.
  std::vector<Item> answers = {orig};
  Stmt& prior = db_->Cached(
      "SELECT id FROM credit_items WHERE check_id=? AND kind='verify' AND state='pending' AND id<>? "
      "ORDER BY id");
  prior.Bind(1, answer.check_id).Bind(2, v.id);
  std::vector<int64_t> prior_ids;
  while (prior.Step()) prior_ids.push_back(prior.Int(0));
  prior.Reset();
  for (int64_t id : prior_ids) {
    Item p;
    if (LoadItem(id, &p)) answers.push_back(std::move(p));
  }
  // The first earlier answer the new one agrees with forms the deciding
  // pair: the answers that agree with it win, every other one loses.
  size_t match = answers.size();
  for (size_t i = 0; i < answers.size() && match == answers.size(); ++i) {
    if (Agree(answers[i], v)) match = i;
  }
  answers.push_back(v);
  if (match == answers.size() - 1) {
    // No two answers agree yet: one more contributor, one not asked so far.
    if (static_cast<int>(answers.size()) < options_.max_answers) {
      std::string avoid;
      for (const Item& a : answers) avoid += (avoid.empty() ? "" : ",") + a.contributor;
      orig.check_id = answer.check_id;
      OpenCheck(orig, host_id, static_cast<int>(round) + 1, avoid, now);
      return;
    }
    // Nobody could confirm the page: it earns nothing, and since nobody can
    // tell who was wrong, no one's reputation changes and no one is paid.
    close("inconclusive", "no two of " + std::to_string(answers.size()) + " agree");
    Settle(orig, false, "rejected:unverifiable", now, /*pay=*/false);
    for (size_t i = 1; i < answers.size(); ++i) Settle(answers[i], true, "verify:inconclusive", now, false);
    return;
  }
  const Item& anchor = answers[match];
  const bool page_wins = Agree(anchor, orig);
  close("decided", std::string(page_wins ? "the page" : "the re-fetches") + " won, " +
                       std::to_string(answers.size()) + " answers");
  if (answers.size() == 2) close("agreed", "2 of 2 agree");
  for (size_t i = 0; i < answers.size(); ++i) {
    const Item& a = answers[i];
    const bool wins = i == match || i + 1 == answers.size() || Agree(anchor, a);
    if (wins) {
      Settle(a, true, i == 0 ? a.kind + ":verified" : "verify", now);
      NoteAgreement(a.contributor, true);
    } else {
      Settle(a, false, "rejected:outvoted", now);
      NoteAgreement(a.contributor, false);
      Forfeit(a.contributor, a.id, now);
    }
  }
}

void CreditBook::SettleUnresolved(int64_t check_id, int64_t now) {
  // Answers that disagreed with the page and were never resolved: the page
  // is unverifiable (no credit, no blame), as after max_answers.
  std::vector<int64_t> answered;
  Stmt& verifies = db_->Cached(
      "SELECT id FROM credit_items WHERE check_id=? AND kind='verify' AND state='pending'");
  verifies.Bind(1, check_id);
  while (verifies.Step()) answered.push_back(verifies.Int(0));
  verifies.Reset();
  if (answered.empty()) return;
  Stmt& page = db_->Cached("SELECT item_id FROM checks WHERE id=?");
  page.Bind(1, check_id);
  const int64_t page_item = page.Step() ? page.Int(0) : 0;
  page.Reset();
  Item item;
  if (LoadItem(page_item, &item)) Settle(item, false, "rejected:unverifiable", now, false);
  for (int64_t id : answered) {
    if (LoadItem(id, &item)) Settle(item, true, "verify:inconclusive", now, false);
  }
}

void CreditBook::Settle(const Item& item, bool accepted, const std::string& reason, int64_t now,
                        bool pay) {
  LedgerEntry e;
  e.contributor = item.contributor;
  e.task = item.url;
  e.content = "sha256:" + item.text_sha256;
  e.credit = accepted && pay ? item.units : 0;
  e.reason = reason;
  int64_t seq = 0;
  if (Status s = ledger_->Append(e, now, &seq); !s.ok()) {
    throw SqliteError("ledger append failed: " + s.message());
  }
  // Once settled, units is what the ledger paid.
  db_->Cached(
         "UPDATE credit_items SET state=?, reason=?, settled_at=?, ledger_seq=?, units=? WHERE id=? "
         "AND state='pending'")
      .Bind(1, accepted ? "accepted" : "rejected")
      .Bind(2, reason)
      .Bind(3, now)
      .Bind(4, seq)
      .Bind(5, e.credit)
      .Bind(6, item.id)
      .Run();
  if (accepted || item.kind == "verify" || item.record_id == 0) return;
  // The dataset must not keep what the network refused to pay for: the
  // record is withdrawn (exports skip it) and its URL is fetched again.
  db_->Cached("UPDATE records SET withdrawn=? WHERE id=?").Bind(1, reason).Bind(2, item.record_id).Run();
  dedup_.Forget(item.crawl_id, item.record_id);
  frontier_->Refetch(item.frontier_id);
}

void CreditBook::Forfeit(const std::string& contributor, int64_t except_item, int64_t now) {
  std::vector<int64_t> ids;
  Stmt& s = db_->Cached(
      "SELECT id FROM credit_items WHERE contributor=? AND state='pending' AND id<>? ORDER BY id");
  s.Bind(1, contributor).Bind(2, except_item);
  while (s.Step()) ids.push_back(s.Int(0));
  s.Reset();
  for (int64_t id : ids) {
    Item item;
    if (LoadItem(id, &item)) Settle(item, false, "rejected:forfeit", now);
  }
}

int64_t CreditBook::Sweep(int64_t now, int64_t limit) {
  // Checks nobody answered in time: their rows leave the queue.
  std::vector<std::pair<int64_t, int64_t>> expired;  // check, frontier row
  Stmt& open = db_->Cached(
      "SELECT id, COALESCE(frontier_id,0) FROM checks WHERE state='open' AND deadline<=? LIMIT ?");
  open.Bind(1, now).Bind(2, limit);
  while (open.Step()) expired.emplace_back(open.Int(0), open.Int(1));
  open.Reset();
  if (online_.size() <= 2) {
    // Rounds have one or two contributors to avoid, so with three or more
    // online every check has someone to take it.
    Stmt& orphans = db_->Cached(
        "SELECT c.id, COALESCE(c.frontier_id,0), COALESCE(f.avoid,'') FROM checks c "
        "JOIN frontier f ON f.id=c.frontier_id WHERE c.state='open' AND c.opened_at<=? "
        "AND f.state='queued' LIMIT ?");
    orphans.Bind(1, now - options_.orphan_ms).Bind(2, limit);
    while (orphans.Step()) {
      const std::string avoid = orphans.Text(2);
      const bool someone = std::any_of(online_.begin(), online_.end(), [&](const auto& c) {
        return avoid.find(c) == std::string::npos;
      });
      if (!someone) expired.emplace_back(orphans.Int(0), orphans.Int(1));
    }
    orphans.Reset();
  }
  for (const auto& [check, row] : expired) {
    db_->Cached("UPDATE checks SET state='expired', verdict='no answer in time' WHERE id=?")
        .Bind(1, check)
        .Run();
    if (row != 0) frontier_->DropVerification(row);
    SettleUnresolved(check, now);
  }
  std::vector<int64_t> due;
  Stmt& s = db_->Cached(
      "SELECT i.id FROM credit_items i LEFT JOIN checks c ON c.id=i.check_id "
      "WHERE i.state='pending' AND i.settle_after<=? AND (c.id IS NULL OR c.state<>'open') "
      "ORDER BY i.settle_after LIMIT ?");
  s.Bind(1, now).Bind(2, limit);
  while (s.Step()) due.push_back(s.Int(0));
  s.Reset();
  int64_t settled = 0;
  for (int64_t id : due) {
    Item item;
    if (!LoadItem(id, &item)) continue;
    Settle(item, true, item.kind, now);
    ++settled;
  }
  return settled;
}

CreditSummary CreditBook::SummaryOf(const std::string& contributor) {
  CreditSummary out;
  Stmt& s = db_->Cached(
      "SELECT state, COUNT(*), COALESCE(SUM(units),0) FROM credit_items WHERE contributor=? "
      "GROUP BY state");
  s.Bind(1, contributor);
  while (s.Step()) {
    const std::string state = s.Text(0);
    if (state == "pending") {
      out.pending_items = s.Int(1);
      out.pending_credit = s.Int(2);
    } else if (state == "accepted") {
      out.accepted_items = s.Int(1);
    } else {
      out.rejected_items = s.Int(1);
    }
  }
  s.Reset();
  Stmt& a = db_->Cached(
      "SELECT COALESCE(SUM(l.credit),0) FROM credit_items i JOIN ledger l ON l.seq=i.ledger_seq "
      "WHERE i.contributor=? AND i.state='accepted'");
  a.Bind(1, contributor);
  if (a.Step()) out.accepted_credit = a.Int(0);
  a.Reset();
  return out;
}

}  // namespace swarmcrawl
