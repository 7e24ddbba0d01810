// CreditBook: contributor credit from the first pending unit to the ledger
// entry, with verification by re-fetch and reputation (docs/credits.md).
//
// Lifecycle of a credit item (table credit_items):
//   pending  created at ingest for every stored page (zero units for a
//            duplicate of stored content) and every verification answer;
//            settles after `window_ms` unless a check is open on it;
//   accepted the window closed, or a check agreed with it; its credit is
//            appended to the ledger (reason "page", "page:verified", "verify");
//   rejected a check decided against it, or its contributor lost a check and
//            forfeited everything still pending; a zero-credit ledger entry
//            records the reason, and a rejected page's record is withdrawn
//            from the dataset and its URL queued again.
// Every settlement is exactly one ledger entry, so the ledger is the whole
// history and contributor totals can be recomputed from it alone.
//
// Checks (table checks): a sampled page is re-issued, as a frontier row
// carrying the check's id (Frontier::AddVerification), to a contributor other
// than its author. Agreement: same text hash, or SimHash distance of the
// normalized texts at most `max_simhash_distance` (pages that change a
// little between fetches). Until two answers agree, the next round asks a
// contributor not asked yet; the first agreeing pair decides: the answers
// that agree with it win, every other one loses (rejected, reputation down,
// its contributor forfeits what it has pending). Usually that is 2 of 2, or
// 2 of 3. After max_answers answers with no two alike, the page is
// unverifiable: no credit for it or its re-fetches, and no blame. A check
// that outlives every available verifier expires the same way once it has a
// disagreement (none yet: the page settles with its window).
// Sampling adapts per contributor (BOINC-style): every page until the first
// agreement, `new_rate` until `trust_after` agreements in a row,
// `trusted_rate` after; a lost check or a bad batch resets the streak and
// brings back checking every page. Reputation is an exponential moving average of
// agreement (1) and lost checks or provable misbehaviour (0). A contributor
// on probation (streak below trust_after) earns credit for at most
// `probation_daily_pages` pages per UTC day.
//
// Not thread-safe; every method runs inside the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <functional>
#include <random>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "coordinator/crawl_spec.h"
#include "coordinator/dedup.h"
#include "coordinator/frontier.h"
#include "coordinator/ledger.h"
#include "core/sqlite.h"

namespace swarmcrawl {

struct VerificationOptions {
  double new_rate = 0.5;        // share of a new contributor's pages re-fetched
  double trusted_rate = 0.03;   // ... once trusted
  int64_t trust_after = 20;     // agreements in a row that make a contributor trusted
  int64_t window_ms = 300000;   // pending time before an unchecked page is accepted
  // A check that nobody online may take (everyone connected already took
  // part) for this long is given up, so crawls do not wait out the window.
  int64_t orphan_ms = 20000;
  int max_simhash_distance = 12;  // of 64 bits: the texts still agree
  int max_check_attempts = 3;     // re-fetches of a check that failed transiently before giving up
  int max_answers = 5;            // the page and up to 4 re-fetches; no two alike: unverifiable
  int64_t probation_daily_pages = 5000;  // credited pages per UTC day while on probation
  double reputation_alpha = 0.1;  // weight of the newest observation in the moving average
  uint64_t seed = 0;              // 0: from std::random_device
};

struct Trust {
  int64_t agreements = 0;
  int64_t disagreements = 0;
  int64_t streak = 0;      // agreements since the last lost check
  int64_t penalties = 0;   // provably bad batches (bad content, replays, forgeries)
  double reputation = 0.5;
  bool probation = true;
};

struct CreditSummary {
  int64_t pending_items = 0, pending_credit = 0;
  int64_t accepted_items = 0, accepted_credit = 0;
  int64_t rejected_items = 0;
};

// A stored record, as ingest hands it to the credit book. Pointers are
// borrowed for the call.
struct StoredPage {
  int64_t crawl_id = 0, host_id = 0, frontier_id = 0, record_id = 0;
  std::string contributor, url, text_sha256;
  const std::string* text = nullptr;
  int64_t body_bytes = 0;
  bool duplicate = false;  // of an already-stored record: zero credit, still checked
  const nlohmann::json* extras = nullptr;  // the worker's derived fields (quality, language)
  // SimHash64(NormalizeForDedup(*text)) when the caller has it (dedup does).
  std::optional<uint64_t> simhash;
};

// What a verification answer said about its page.
struct VerifyAnswer {
  std::string contributor;
  int64_t check_id = 0;
  int64_t frontier_id = 0;  // the verification row
  // What the re-fetch found: kPage (a page: its text is compared), kOther
  // (a definite answer that is no page -- a 404, a redirect, not HTML, an
  // opt-out -- which contradicts the stored page), kFailed (a transient
  // failure -- 5xx, timeout, network -- that says nothing: the check is
  // re-issued to someone else, up to max_check_attempts times).
  enum class Outcome { kPage, kOther, kFailed };
  Outcome outcome = Outcome::kFailed;
  std::string other;        // kOther: what came back instead ("http_404", "redirect", ...)
  std::string text;
  std::string text_sha256;
};

class CreditBook {
 public:
  // Creates the tables if needed. All pointers must outlive the CreditBook.
  CreditBook(Db* db, Frontier* frontier, Ledger* ledger, VerificationOptions options);

  // Contributors other than the page's author who can take a check right now
  // (the server's connected sessions). Without one, nothing is sampled.
  void SetOnline(std::set<std::string> contributors) { online_ = std::move(contributors); }

  // A stored page: a pending credit item (zero credit for a duplicate),
  // maybe a check. A sampled page also has its derived fields recomputed
  // here: a quality score, filter verdict or language that the text does not
  // give is fabricated, and the page is rejected at once (AuditDerived).
  void OnStoredPage(const StoredPage& page, const CreditPolicy& policy, int64_t now);
  // A verification row came back (whatever its outcome).
  void OnVerifyAnswer(const VerifyAnswer& answer, const CreditPolicy& policy, int64_t now);
  // A batch the contributor provably sent was refused (bad content, replay,
  // a forged signature, a stolen lease): reputation halves, and the
  // contributor is a suspect (every page checked) until it earns trust again.
  void Penalize(const std::string& contributor, const std::string& why, int64_t now);
  void NoteAgreement(const std::string& contributor, bool agreed);

  // Settles pending items whose window has closed and expires checks nobody
  // answered in time. Returns how many items settled.
  int64_t Sweep(int64_t now, int64_t limit = 10000);

  Trust TrustOf(const std::string& contributor);
  CreditSummary SummaryOf(const std::string& contributor);
  // trusted_rate once trusted (trust_after agreements in a row); otherwise
  // 1 (every page) until the contributor's first agreement and for one that
  // lost a check or was penalized, new_rate for the rest of probation.
  double SampleRate(const Trust& t) const;
  // "" when quality_score, the four filter verdicts and the language code in
  // `extras` are what the coordinator computes from `text`; else what differs.
  static std::string AuditDerived(const std::string& text, const nlohmann::json& extras);

 private:
  struct Item {
    int64_t id = 0, crawl_id = 0, frontier_id = 0, record_id = 0, units = 0, check_id = 0;
    std::string contributor, kind, url, text_sha256;
    uint64_t simhash = 0;
  };
  int64_t InsertItem(const std::string& kind, int64_t crawl_id, int64_t frontier_id,
                     int64_t record_id, const std::string& contributor, const std::string& url,
                     const std::string& text_sha256, uint64_t simhash, int64_t units,
                     int64_t check_id, int64_t now);
  bool LoadItem(int64_t id, Item* out);
  // Appends the item's ledger entry (its units, or 0 when rejected or !pay).
  void Settle(const Item& item, bool accepted, const std::string& reason, int64_t now,
              bool pay = true);
  // A check that ends without a decision: unverifiable if someone disagreed.
  void SettleUnresolved(int64_t check_id, int64_t now);
  // Rejects everything the contributor still has pending (a lost check).
  void Forfeit(const std::string& contributor, int64_t except_item, int64_t now);
  void OpenCheck(const Item& item, int64_t host_id, int round, const std::string& avoid,
                 int64_t now);
  bool Agree(const Item& a, const Item& b) const;
  void SaveTrust(const std::string& contributor, const Trust& t);

  Db* db_;
  Frontier* frontier_;
  Ledger* ledger_;
  VerificationOptions options_;
  Deduplicator dedup_;
  std::mt19937_64 rng_;
  std::set<std::string> online_;
};

}  // namespace swarmcrawl
