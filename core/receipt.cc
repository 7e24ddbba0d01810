#include "core/receipt.h"

#include <map>
#include <vector>

#include "core/crypto.h"

namespace swarmcrawl {

using nlohmann::json;

namespace {

constexpr char kEntryMagic[] = "swarmcrawl-ledger-v1\n";
constexpr char kReceiptFormat[] = "swarmcrawl-receipt-v1";
// A proof longer than this cannot belong to a tree of at most 2^63 leaves.
constexpr size_t kMaxProofLength = 63;

void PutU64(uint64_t v, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutBytes(std::string_view s, std::string* out) {
  PutU64(s.size(), out);
  out->append(s);
}

bool GetInt(const json& j, const char* key, int64_t* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return false;
  if (it->is_number_unsigned()) {
    const uint64_t u = it->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(u);
  } else {
    *out = it->get<int64_t>();
  }
  return true;
}
bool GetString(const json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}
bool GetHex(const json& j, const char* key, size_t bytes, std::string* out) {
  auto it = j.find(key);
  return it != j.end() && DecodeStrictHex(*it, bytes, out);
}

// True when every key of object `j` is in `keys` or `extra`.
bool OnlyKeys(const json& j, std::initializer_list<const char*> keys,
              std::initializer_list<const char*> extra) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* k : keys) known = known || it.key() == k;
    for (const char* k : extra) known = known || it.key() == k;
    if (!known) return false;
  }
  return true;
}

bool AddChecked(int64_t* total, int64_t v) { return !__builtin_add_overflow(*total, v, total); }

}  // namespace

bool DecodeStrictHex(const json& j, size_t bytes, std::string* out) {
  if (!j.is_string()) return false;
  const std::string& s = j.get_ref<const std::string&>();
  if (s.size() != 2 * bytes) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return HexDecode(s, out);
}

void EncodeLedgerEntry(const LedgerRecord& r, std::string* out) {
  out->clear();
  out->append(kEntryMagic, sizeof(kEntryMagic) - 1);
  PutU64(static_cast<uint64_t>(r.seq), out);
  PutU64(static_cast<uint64_t>(r.at), out);
  PutBytes(r.contributor, out);
  PutBytes(r.task, out);
  PutBytes(r.content, out);
  PutU64(static_cast<uint64_t>(r.credit), out);
  PutBytes(r.reason, out);
  out->append(r.prev_hash);
}

void ComputeLedgerEntryHash(const LedgerRecord& r, Sha256Hasher* hasher, std::string* scratch,
                            char out[kHashBytes]) {
  EncodeLedgerEntry(r, scratch);
  hasher->Update(*scratch);
  hasher->Finish(out);
}

std::string ComputeLedgerEntryHash(const LedgerRecord& r) {
  Sha256Hasher h;
  std::string scratch;
  std::string out(kHashBytes, '\0');
  ComputeLedgerEntryHash(r, &h, &scratch, out.data());
  return out;
}

std::string EpochMessage(const EpochRecord& e) {
  return "swarmcrawl-epoch-v1\nepoch=" + std::to_string(e.epoch) +
         "\nfirst_seq=" + std::to_string(e.first_seq) + "\nlast_seq=" + std::to_string(e.last_seq) +
         "\nroot=" + HexEncode(e.root) + "\nsigned_at=" + std::to_string(e.signed_at) + "\n";
}

bool VerifyEpochSignature(const EpochRecord& e, std::string_view coordinator_public_hex) {
  // VerifySignature accepts either hex case; the formats admit only lower case.
  for (char c : e.signature) {
    if (c >= 'A' && c <= 'F') return false;
  }
  return VerifySignature(coordinator_public_hex, EpochMessage(e), e.signature);
}

json LedgerRecordToJson(const LedgerRecord& r) {
  return json{{"seq", r.seq},           {"at", r.at},
              {"contributor", r.contributor}, {"task", r.task},
              {"content", r.content},   {"credit", r.credit},
              {"reason", r.reason},     {"prev_hash", HexEncode(r.prev_hash)},
              {"hash", HexEncode(r.hash)}};
}

json EpochRecordToJson(const EpochRecord& e) {
  return json{{"epoch", e.epoch},         {"first_seq", e.first_seq},
              {"last_seq", e.last_seq},   {"root", HexEncode(e.root)},
              {"signature", e.signature}, {"signed_at", e.signed_at}};
}

Status LedgerRecordFromJson(const json& j, std::initializer_list<const char*> extra_keys,
                            LedgerRecord* out) {
  if (!j.is_object() ||
      !OnlyKeys(j, {"seq", "at", "contributor", "task", "content", "credit", "reason", "prev_hash",
                    "hash"},
                extra_keys)) {
    return Status::Error("bad_entry", "entry is not an object with exactly the entry keys");
  }
  LedgerRecord r;
  if (!GetInt(j, "seq", &r.seq) || !GetInt(j, "at", &r.at) ||
      !GetString(j, "contributor", &r.contributor) || !GetString(j, "task", &r.task) ||
      !GetString(j, "content", &r.content) || !GetInt(j, "credit", &r.credit) ||
      !GetString(j, "reason", &r.reason) || !GetHex(j, "prev_hash", kHashBytes, &r.prev_hash) ||
      !GetHex(j, "hash", kHashBytes, &r.hash)) {
    return Status::Error("bad_entry", "entry has a missing or malformed field");
  }
  *out = std::move(r);
  return Status::OK();
}

Status EpochRecordFromJson(const json& j, std::initializer_list<const char*> extra_keys,
                           EpochRecord* out) {
  if (!j.is_object() ||
      !OnlyKeys(j, {"epoch", "first_seq", "last_seq", "root", "signature", "signed_at"},
                extra_keys)) {
    return Status::Error("bad_epoch", "epoch is not an object with exactly the epoch keys");
  }
  EpochRecord e;
  std::string sig_raw;
  if (!GetInt(j, "epoch", &e.epoch) || !GetInt(j, "first_seq", &e.first_seq) ||
      !GetInt(j, "last_seq", &e.last_seq) || !GetHex(j, "root", kHashBytes, &e.root) ||
      !GetHex(j, "signature", 64, &sig_raw) || !GetInt(j, "signed_at", &e.signed_at)) {
    return Status::Error("bad_epoch", "epoch has a missing or malformed field");
  }
  e.signature = j["signature"].get<std::string>();
  if (e.epoch < 1 || e.first_seq < 1 || e.last_seq < e.first_seq) {
    return Status::Error("bad_epoch", "epoch " + std::to_string(e.epoch) + ": bad seq range");
  }
  *out = std::move(e);
  return Status::OK();
}

Status VerifyReceipt(const json& receipt, std::string_view coordinator_public_hex,
                     ReceiptSummary* summary) {
  auto fail = [](const std::string& msg) { return Status::Error("bad_receipt", msg); };
  try {
    if (!receipt.is_object() ||
        !OnlyKeys(receipt,
                  {"format", "coordinator", "contributor", "epochs", "entries", "pending", "totals"},
                  {}) ||
        receipt.size() != 7) {
      return fail("not a receipt object with exactly the receipt keys");
    }
    std::string format, coordinator_raw, contributor;
    if (!GetString(receipt, "format", &format) || format != kReceiptFormat) {
      return fail("unknown receipt format");
    }
    if (!GetHex(receipt, "coordinator", 32, &coordinator_raw)) return fail("bad coordinator key");
    if (receipt["coordinator"].get<std::string>() != coordinator_public_hex) {
      return fail("receipt is from coordinator " + receipt["coordinator"].get<std::string>() +
                  ", not the expected " + std::string(coordinator_public_hex));
    }
    if (!GetString(receipt, "contributor", &contributor) || contributor.empty()) {
      return fail("bad contributor");
    }
    const json& epochs = receipt["epochs"];
    const json& entries = receipt["entries"];
    const json& pending = receipt["pending"];
    const json& totals = receipt["totals"];
    if (!epochs.is_array() || !entries.is_array() || !pending.is_array() || !totals.is_object()) {
      return fail("epochs, entries and pending must be arrays, totals an object");
    }

    std::map<int64_t, EpochRecord> by_number;
    std::map<int64_t, bool> used;
    int64_t last_epoch = 0;
    for (const json& je : epochs) {
      EpochRecord e;
      Status s = EpochRecordFromJson(je, {}, &e);
      if (!s.ok()) return fail(s.message());
      const std::string where = "epoch " + std::to_string(e.epoch) + ": ";
      if (e.epoch <= last_epoch) return fail(where + "epochs out of order or repeated");
      if (!VerifyEpochSignature(e, coordinator_public_hex)) return fail(where + "bad signature");
      last_epoch = e.epoch;
      used[e.epoch] = false;
      by_number.emplace(e.epoch, std::move(e));
    }

    ReceiptSummary sum;
    sum.contributor = contributor;
    int64_t last_seq = 0;
    for (const json& jr : entries) {
      LedgerRecord r;
      Status s = LedgerRecordFromJson(jr, {"epoch", "index", "proof"}, &r);
      if (!s.ok()) return fail(s.message());
      const std::string where = "entry seq=" + std::to_string(r.seq) + ": ";
      int64_t epoch = 0, index = 0;
      if (!GetInt(jr, "epoch", &epoch) || !GetInt(jr, "index", &index) ||
          !jr.contains("proof") || !jr["proof"].is_array()) {
        return fail(where + "missing epoch, index or proof");
      }
      if (r.seq <= last_seq) return fail(where + "entries out of order or repeated");
      last_seq = r.seq;
      if (r.contributor != contributor) return fail(where + "belongs to another contributor");
      if (ComputeLedgerEntryHash(r) != r.hash) return fail(where + "hash mismatch");
      auto it = by_number.find(epoch);
      if (it == by_number.end()) return fail(where + "its epoch is not in the receipt");
      const EpochRecord& e = it->second;
      if (r.seq < e.first_seq || r.seq > e.last_seq || index != r.seq - e.first_seq) {
        return fail(where + "not at the stated position of epoch " + std::to_string(epoch));
      }
      const json& jp = jr["proof"];
      if (jp.size() > kMaxProofLength) return fail(where + "proof too long");
      std::vector<std::string> proof;
      for (const json& p : jp) {
        std::string raw;
        if (!DecodeStrictHex(p, kHashBytes, &raw)) return fail(where + "malformed proof");
        proof.push_back(std::move(raw));
      }
      const uint64_t tree_size = static_cast<uint64_t>(e.last_seq - e.first_seq) + 1;
      if (!VerifyInclusion(r.hash, static_cast<uint64_t>(index), tree_size, proof, e.root)) {
        return fail(where + "bad inclusion proof");
      }
      used[epoch] = true;
      ++sum.proven_entries;
      if (!AddChecked(&sum.proven_credit, r.credit)) return fail(where + "credit overflows");
    }
    for (const auto& [number, was_used] : used) {
      if (!was_used) return fail("epoch " + std::to_string(number) + ": not used by any entry");
    }
    // Pending entries come after every closed epoch the receipt shows.
    int64_t floor_seq = last_seq;
    if (!by_number.empty()) floor_seq = std::max(floor_seq, by_number.rbegin()->second.last_seq);
    for (const json& jr : pending) {
      LedgerRecord r;
      Status s = LedgerRecordFromJson(jr, {}, &r);
      if (!s.ok()) return fail(s.message());
      const std::string where = "pending entry seq=" + std::to_string(r.seq) + ": ";
      if (r.seq <= floor_seq) return fail(where + "out of order or inside a closed epoch");
      floor_seq = r.seq;
      if (r.contributor != contributor) return fail(where + "belongs to another contributor");
      if (ComputeLedgerEntryHash(r) != r.hash) return fail(where + "hash mismatch");
      ++sum.pending_entries;
      if (!AddChecked(&sum.pending_credit, r.credit)) return fail(where + "credit overflows");
    }
    int64_t pe = 0, pc = 0, ue = 0, uc = 0;
    if (!OnlyKeys(totals, {"proven_entries", "proven_credit", "pending_entries", "pending_credit"},
                  {}) ||
        !GetInt(totals, "proven_entries", &pe) || !GetInt(totals, "proven_credit", &pc) ||
        !GetInt(totals, "pending_entries", &ue) || !GetInt(totals, "pending_credit", &uc)) {
      return fail("malformed totals");
    }
    if (pe != sum.proven_entries || pc != sum.proven_credit || ue != sum.pending_entries ||
        uc != sum.pending_credit) {
      return fail("totals do not match the entries");
    }
    sum.epochs = static_cast<int64_t>(by_number.size());
    *summary = std::move(sum);
    return Status::OK();
  } catch (const json::exception& e) {
    return fail(std::string("malformed receipt: ") + e.what());
  }
}

}  // namespace swarmcrawl
