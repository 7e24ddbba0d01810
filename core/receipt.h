// The credit ledger's verifiable formats, and offline receipt verification.
//
// This is the part of the ledger a contributor (or anyone) needs to check
// the coordinator's claims without the coordinator's code or database: the
// canonical byte encoding and hash of a ledger entry, the message a
// coordinator signs to close an epoch, their JSON forms, and VerifyReceipt.
// docs/credits.md specifies all of it byte by byte.
//
// Entry hash (raw SHA-256) over, in order:
//   "swarmcrawl-ledger-v1\n", seq, at (8-byte big-endian two's complement),
//   contributor, task, content (each an 8-byte big-endian length, then the
//   bytes), credit (8-byte big-endian two's complement), reason
//   (length-prefixed), prev_hash (32 raw bytes; the first entry's is 32 zero bytes).
// Epoch signature (Ed25519, hex) over the text
//   "swarmcrawl-epoch-v1\nepoch=E\nfirst_seq=F\nlast_seq=L\nroot=<hex>\nsigned_at=T\n"
// with decimal integers, where root is the RFC 6962 Merkle root (core/merkle.h)
// of the entry hashes F..L taken as leaf hashes.
//
// In JSON, hashes, roots and signatures are lower-case hex (upper case is
// rejected so that every receipt has exactly one spelling), integers are JSON
// integers, and objects must have exactly the documented keys.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/merkle.h"
#include "core/status.h"

namespace swarmcrawl {

struct LedgerRecord {
  int64_t seq = 0;
  int64_t at = 0;  // ms since the epoch, the coordinator's clock
  std::string contributor;
  std::string task;
  std::string content;
  int64_t credit = 0;  // may be negative (a penalty)
  std::string reason;
  std::string prev_hash;  // raw 32 bytes
  std::string hash;       // raw 32 bytes, as claimed by the ledger
};

struct EpochRecord {
  int64_t epoch = 0;
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  std::string root;       // raw 32 bytes
  std::string signature;  // 128 lower-case hex characters
  int64_t signed_at = 0;
};

// Canonical bytes of the entry (everything above except `hash`).
void EncodeLedgerEntry(const LedgerRecord& r, std::string* out);
// SHA-256 of the canonical bytes; `hasher` and `scratch` are reused by hot loops.
void ComputeLedgerEntryHash(const LedgerRecord& r, Sha256Hasher* hasher, std::string* scratch,
                            char out[kHashBytes]);
std::string ComputeLedgerEntryHash(const LedgerRecord& r);

std::string EpochMessage(const EpochRecord& e);
bool VerifyEpochSignature(const EpochRecord& e, std::string_view coordinator_public_hex);

// JSON forms: {"seq","at","contributor","task","content","credit","reason",
// "prev_hash","hash"} and {"epoch","first_seq","last_seq","root","signature","signed_at"}.
nlohmann::json LedgerRecordToJson(const LedgerRecord& r);
nlohmann::json EpochRecordToJson(const EpochRecord& e);
// Strict parsers: every listed key present with the right type, no other key
// except those in `extra_keys` (which the caller checks).
Status LedgerRecordFromJson(const nlohmann::json& j, std::initializer_list<const char*> extra_keys,
                            LedgerRecord* out);
Status EpochRecordFromJson(const nlohmann::json& j, std::initializer_list<const char*> extra_keys,
                           EpochRecord* out);

// Lower-case hex of exactly `bytes` bytes.
bool DecodeStrictHex(const nlohmann::json& j, size_t bytes, std::string* out);

// A receipt (built by coordinator/ledger.h BuildReceipt):
//   {"format":"swarmcrawl-receipt-v1", "coordinator":<public key hex>,
//    "contributor":<key>, "epochs":[epoch objects, ascending, each used],
//    "entries":[entry object + "epoch", "index", "proof":[hex...]],  // in closed epochs
//    "pending":[entry objects],  // not yet in a closed epoch: unproven
//    "totals":{"proven_entries","proven_credit","pending_entries","pending_credit"}}
// Entries are in ascending seq order and every pending seq is above every
// proven one.
struct ReceiptSummary {
  std::string contributor;
  int64_t proven_entries = 0;
  int64_t proven_credit = 0;
  int64_t pending_entries = 0;  // listed, hashes checked, but not provable yet
  int64_t pending_credit = 0;
  int64_t epochs = 0;
};

// Checks every entry hash from its fields, every inclusion proof against its
// epoch's root, every epoch signature by `coordinator_public_hex`, and the
// totals. On error, names the first failing part ("entry seq=12: bad proof").
Status VerifyReceipt(const nlohmann::json& receipt, std::string_view coordinator_public_hex,
                     ReceiptSummary* summary);

}  // namespace swarmcrawl
