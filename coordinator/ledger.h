// The tamper-evident credit ledger: an append-only hash chain of credit
// entries in SQLite, closed into Ed25519-signed epochs whose Merkle roots let
// a contributor prove its entries offline (receipts, core/receipt.h).
//
// Tables:
//   ledger(seq, at, contributor, task, content, credit, reason, prev_hash, hash)
//   ledger_epochs(epoch, first_seq, last_seq, root, signature, signed_at)
// Invariants: seq runs 1, 2, 3... without gaps; each entry's prev_hash is the
// previous entry's hash (32 zero bytes for seq 1) and its hash is SHA-256 of
// its canonical encoding (core/receipt.h, docs/credits.md); epochs run 1, 2,
// 3..., each covering the seqs right after the previous one, and an epoch's
// root is the RFC 6962 Merkle root of its entries' hashes, signed by the
// coordinator key. Entries after the last epoch are pending: chained but not
// yet signed, so they can be proven only once their epoch closes.
//
// Ledger is not thread-safe and must be the only writer of these tables (the
// coordinator's). Append and MaybeCloseEpoch run inside the caller's
// Transaction (the caller holds it: one per ingest batch, so a batch's credit
// commits with its records or not at all). The chain head is cached in
// memory; every Append checks it against the table with two primary-key
// lookups and reloads it when a rolled-back transaction has made it stale, so
// a rollback can never fork the chain.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/merkle.h"
#include "core/receipt.h"
#include "core/sqlite.h"
#include "core/status.h"

namespace swarmcrawl {

struct LedgerOptions {
  int64_t entries_per_epoch = 10000;  // an epoch closes when it has this many entries...
  int64_t epoch_ms = 60000;  // ...or when its first entry is this old (checked by Append and MaybeCloseEpoch)
};

// What a caller credits; seq, at and the hashes are the ledger's.
struct LedgerEntry {
  std::string contributor;  // the contributor's public key hex
  std::string task;         // what was done (e.g. the canonical URL)
  std::string content;      // what it produced (e.g. "sha256:<hex>" of the record)
  int64_t credit = 0;       // negative for a penalty
  std::string reason;       // why ("page", "verified", "mismatch", ...)
};

// Text fields longer than this are refused; every text field must be valid UTF-8.
constexpr size_t kMaxLedgerFieldBytes = 16384;
// |credit| above this is refused, so that every JSON reader (including ones
// that hold numbers as doubles) reads credits exactly.
constexpr int64_t kMaxLedgerCredit = (int64_t{1} << 53) - 1;

struct ContributorTotal {
  int64_t entries = 0;
  int64_t credit = 0;
  int64_t pending_entries = 0;  // of those, not yet in a closed epoch
  int64_t pending_credit = 0;
};

struct VerifyReport {
  int64_t entries = 0;
  int64_t epochs = 0;
  int64_t pending_entries = 0;  // after the last closed epoch
  std::string head_hash;        // hex hash of the last entry
  std::map<std::string, ContributorTotal> totals;
  // Where verification failed, when it did and a row or an epoch is to blame.
  std::optional<int64_t> first_bad_seq;
  std::optional<int64_t> first_bad_epoch;
};

class Ledger {
 public:
  // Creates the tables if needed and loads the chain head. `db` and
  // `coordinator_key` must outlive the Ledger.
  static Status Open(Db* db, const SigningKey* coordinator_key, const LedgerOptions& options,
                     std::unique_ptr<Ledger>* out);

  // Appends one entry at time `now_ms` and writes its seq; closes the epoch
  // when it is full or old enough. The caller holds a Transaction.
  Status Append(const LedgerEntry& e, int64_t now_ms, int64_t* seq = nullptr);
  // Closes the pending epoch if its first entry is at least epoch_ms old.
  Status MaybeCloseEpoch(int64_t now_ms, bool* closed = nullptr);
  // Closes the pending epoch now if it has any entries (shutdown, tests).
  Status CloseEpoch(int64_t now_ms, bool* closed = nullptr);

  int64_t last_seq() const { return last_seq_; }
  int64_t last_epoch() const { return last_epoch_; }
  int64_t pending_entries() const { return last_seq_ - epoch_last_seq_; }

  // Recomputes every entry hash, the chain, every epoch root and signature and
  // the per-contributor totals from the tables alone. The error names the
  // first broken row ("ledger row seq=123: hash mismatch (epoch 2)") or epoch
  // ("epoch 4: root mismatch", "epoch 4: bad signature"); a row that was
  // altered is named before rows whose chaining it broke. Reads one snapshot.
  static Status Verify(Db* db, const std::string& coordinator_public_hex, VerifyReport* report);

  // JSON Lines for publication: a header line, the entries in seq order with
  // each epoch's line right after its last entry, and an end line (see
  // docs/credits.md). VerifyExport checks such a file with the same verifier
  // as Verify (no SQLite needed); lines longer than 1 MiB are refused.
  static Status Export(Db* db, std::ostream& out);
  static Status VerifyExport(std::istream& in, const std::string& coordinator_public_hex,
                             VerifyReport* report);

 private:
  Ledger(Db* db, const SigningKey* key, const LedgerOptions& options)
      : db_(db), key_(key), options_(options) {}
  void Reload();        // throws SqliteError
  void EnsureFresh();   // throws SqliteError
  void CloseLocked(int64_t now_ms);  // throws SqliteError

  Db* db_;
  const SigningKey* key_;
  LedgerOptions options_;
  int64_t last_seq_ = 0;
  std::string prev_hash_ = std::string(kHashBytes, '\0');
  int64_t last_epoch_ = 0;
  int64_t epoch_last_seq_ = 0;        // last seq of the last closed epoch
  int64_t first_pending_at_ = 0;      // `at` of seq epoch_last_seq_ + 1, when pending
  Sha256Hasher hasher_;
  std::string scratch_;
};

// The receipt of one contributor (format in core/receipt.h): every entry
// with its inclusion proof when its epoch is closed, pending otherwise.
// Refuses ("too_large") a contributor with more than `max_entries` entries.
Status BuildReceipt(Db* db, const std::string& coordinator_public_hex,
                    const std::string& contributor, nlohmann::json* receipt,
                    int64_t max_entries = 1000000);

}  // namespace swarmcrawl
