#include "core/receipt.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "coordinator/ledger.h"
#include "core/crypto.h"

namespace swarmcrawl {
namespace {

// 25 entries, 10 per epoch (epochs 1 and 2 closed, 21..25 pending); "alice"
// has seq 3, 6, ..., 24 with credit seq, except seq 21, a penalty of -2.
struct ReceiptEnv {
  std::string dir;
  Db db;
  SigningKey key;
  std::unique_ptr<Ledger> ledger;

  ReceiptEnv() {
    char tmpl[] = "/tmp/swarmcrawl-receipt-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    REQUIRE(Db::Open(dir + "/r.db", &db).ok());
    REQUIRE(SigningKey::FromSeedHex(std::string(64, '3'), &key).ok());
    LedgerOptions o;
    o.entries_per_epoch = 10;
    o.epoch_ms = 1000000;
    REQUIRE(Ledger::Open(&db, &key, o, &ledger).ok());
    Transaction tx(&db);
    for (int64_t i = 1; i <= 25; ++i) {
      LedgerEntry e;
      e.contributor = i % 3 == 0 ? "alice" : "bob";
      e.task = "https://example.test/" + std::to_string(i);
      e.content = "sha256:" + Sha256Hex(std::to_string(i)).substr(0, 16);
      e.credit = i == 21 ? -2 : i;
      e.reason = i == 21 ? "mismatch" : "page";
      REQUIRE(ledger->Append(e, 5000 + i).ok());
    }
    tx.Commit();
  }
  ~ReceiptEnv() {
    ledger.reset();
    db = Db();
    std::filesystem::remove_all(dir);
  }
  nlohmann::json Receipt(const std::string& who) {
    nlohmann::json r;
    REQUIRE(BuildReceipt(&db, key.public_hex(), who, &r).ok());
    return r;
  }
};

TEST_CASE("the entry hash matches a vector computed by an independent implementation") {
  // Computed with Python's hashlib and struct from the format in docs/credits.md.
  LedgerRecord r;
  r.seq = 1;
  r.at = 1767225600000;
  r.contributor = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  r.task = "https://example.com/";
  r.content = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  r.credit = -3;
  r.reason = "mismatch";
  r.prev_hash = std::string(32, '\0');
  std::string enc;
  EncodeLedgerEntry(r, &enc);
  CHECK(enc.size() == 272);
  CHECK(HexEncode(ComputeLedgerEntryHash(r)) ==
        "02443849d4a4f54f7d6984c8bb2f6031aa9159393c36f9eda7beac000ec012ff");
}

TEST_CASE("a receipt verifies offline and reports proven and pending credit") {
  ReceiptEnv env;
  const nlohmann::json receipt = env.Receipt("alice");
  ReceiptSummary s;
  const Status st = VerifyReceipt(receipt, env.key.public_hex(), &s);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  CHECK(s.contributor == "alice");
  // Proven: 3 6 9 (epoch 1) and 12 15 18 (epoch 2).
  CHECK(s.proven_entries == 6);
  CHECK(s.proven_credit == 63);
  CHECK(s.epochs == 2);
  // Pending: 21 (-2) and 24.
  CHECK(s.pending_entries == 2);
  CHECK(s.pending_credit == 22);
  CHECK(receipt["entries"].size() == 6);
  CHECK(receipt["pending"].size() == 2);
  CHECK(receipt["entries"][0]["seq"] == 3);
  CHECK(receipt["entries"][0]["index"] == 2);
  CHECK(receipt["entries"][3]["epoch"] == 2);
  CHECK(receipt["entries"][3]["index"] == 1);  // seq 12 is the second of 11..20
  // A tree of 10 leaves: depth 4 for the first eight, 1 for the last two.
  CHECK(receipt["entries"][0]["proof"].size() == 4);
  // The serialized receipt, re-parsed, verifies too (what a worker gets).
  ReceiptSummary again;
  CHECK(VerifyReceipt(nlohmann::json::parse(receipt.dump()), env.key.public_hex(), &again).ok());
}

TEST_CASE("a contributor with no entries gets an empty receipt that verifies") {
  ReceiptEnv env;
  ReceiptSummary s;
  CHECK(VerifyReceipt(env.Receipt("nobody"), env.key.public_hex(), &s).ok());
  CHECK(s.proven_entries == 0);
  CHECK(s.pending_entries == 0);
}

TEST_CASE("altering any byte of a serialized receipt never passes with changed content") {
  ReceiptEnv env;
  const nlohmann::json receipt = env.Receipt("alice");
  const std::string text = receipt.dump();
  int rejected = 0, unparsable = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    for (unsigned char x : {0x01, 0x20}) {
      std::string changed = text;
      changed[i] = static_cast<char>(changed[i] ^ x);
      const auto parsed = nlohmann::json::parse(changed, nullptr, false);
      if (parsed.is_discarded()) {
        ++unparsable;
        continue;
      }
      if (parsed == receipt) continue;  // the same content spelled differently
      ReceiptSummary s;
      CAPTURE(i);
      CAPTURE(changed.substr(i > 20 ? i - 20 : 0, 40));
      CHECK_FALSE(VerifyReceipt(parsed, env.key.public_hex(), &s).ok());
      ++rejected;
    }
  }
  CHECK(rejected > 1000);
  CHECK(unparsable > 100);
}

TEST_CASE("a receipt checked against another coordinator key fails") {
  ReceiptEnv env;
  SigningKey other;
  REQUIRE(SigningKey::Generate(&other).ok());
  nlohmann::json receipt = env.Receipt("alice");
  ReceiptSummary s;
  CHECK_FALSE(VerifyReceipt(receipt, other.public_hex(), &s).ok());
  // Claiming the other key inside the receipt does not help: the roots are
  // not signed by it.
  receipt["coordinator"] = other.public_hex();
  const Status st = VerifyReceipt(receipt, other.public_hex(), &s);
  CHECK_FALSE(st.ok());
  CHECK(st.message() == "epoch 1: bad signature");
}

TEST_CASE("receipt entries cannot be moved, dropped from the totals or re-attributed") {
  ReceiptEnv env;
  const nlohmann::json receipt = env.Receipt("alice");
  ReceiptSummary s;
  {
    auto r = receipt;  // a pending entry claimed as proven is refused (no proof)
    r["entries"].push_back(r["pending"][0]);
    CHECK_FALSE(VerifyReceipt(r, env.key.public_hex(), &s).ok());
  }
  {
    auto r = receipt;  // dropping an entry breaks the totals
    r["entries"].erase(1);
    CHECK(VerifyReceipt(r, env.key.public_hex(), &s).message() == "totals do not match the entries");
  }
  {
    auto r = receipt;  // bob's entry, proven, inserted into alice's receipt
    const nlohmann::json bob = env.Receipt("bob");
    r["entries"].insert(r["entries"].begin(), bob["entries"][0]);
    CHECK_FALSE(VerifyReceipt(r, env.key.public_hex(), &s).ok());
  }
  {
    auto r = receipt;  // the whole receipt re-labelled as bob's
    r["contributor"] = "bob";
    CHECK_FALSE(VerifyReceipt(r, env.key.public_hex(), &s).ok());
  }
  {
    auto r = receipt;  // a penalty rewritten as a reward
    r["pending"][0]["credit"] = 21;
    r["totals"]["pending_credit"] = 45;
    CHECK(VerifyReceipt(r, env.key.public_hex(), &s).message() ==
          "pending entry seq=21: hash mismatch");
  }
  {
    auto r = receipt;  // upper-case hex is a different spelling, refused
    std::string h = r["entries"][0]["hash"];
    for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    r["entries"][0]["hash"] = h;
    CHECK_FALSE(VerifyReceipt(r, env.key.public_hex(), &s).ok());
  }
}

TEST_CASE("a receipt finds a contributor's entries across index buckets and epochs") {
  char tmpl[] = "/tmp/swarmcrawl-receipt-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  {
    Db db;
    REQUIRE(Db::Open(dir + "/big.db", &db).ok());
    SigningKey key;
    REQUIRE(SigningKey::Generate(&key).ok());
    std::unique_ptr<Ledger> ledger;
    REQUIRE(Ledger::Open(&db, &key, LedgerOptions(), &ledger).ok());  // 10,000 per epoch
    Transaction tx(&db);
    for (int64_t i = 1; i <= 35000; ++i) {
      LedgerEntry e;
      // "x" at 5, 16390 (second bucket of 16384) and 34000 (pending); a
      // contributor sharing x's 16-character prefix everywhere else.
      const bool mine = i == 5 || i == 16390 || i == 34000;
      e.contributor = mine ? "xxxxxxxxxxxxxxxx-me" : "xxxxxxxxxxxxxxxx-other";
      e.task = std::to_string(i);
      e.credit = mine ? 100 : 1;
      REQUIRE(ledger->Append(e, i).ok());
    }
    tx.Commit();
    nlohmann::json receipt;
    REQUIRE(BuildReceipt(&db, key.public_hex(), "xxxxxxxxxxxxxxxx-me", &receipt).ok());
    ReceiptSummary s;
    REQUIRE(VerifyReceipt(receipt, key.public_hex(), &s).ok());
    CHECK(s.proven_entries == 2);
    CHECK(s.pending_entries == 1);
    CHECK(s.proven_credit == 200);
    CHECK(s.epochs == 2);
    CHECK(receipt["entries"][1]["seq"] == 16390);
    CHECK(receipt["entries"][1]["epoch"] == 2);
    CHECK(receipt["entries"][1]["index"] == 6389);
    // 10,000 leaves: a 14-level audit path.
    CHECK(receipt["entries"][1]["proof"].size() == 14);
    CHECK(receipt["pending"][0]["seq"] == 34000);
    nlohmann::json limited;
    CHECK(BuildReceipt(&db, key.public_hex(), "xxxxxxxxxxxxxxxx-me", &limited, 2).code() ==
          "too_large");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("receipt verification survives malformed input without throwing") {
  ReceiptSummary s;
  const std::string key(64, 'a');
  for (const char* text :
       {"null", "[]", "{}", "1", "\"x\"",
        R"({"format":"swarmcrawl-receipt-v1","coordinator":1,"contributor":"a","epochs":[],"entries":[],"pending":[],"totals":{}})",
        R"({"format":"swarmcrawl-receipt-v1","coordinator":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","contributor":"a","epochs":[1],"entries":[null],"pending":{},"totals":[]})",
        R"({"format":"swarmcrawl-receipt-v1","coordinator":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","contributor":"a","epochs":[],"entries":[{"seq":18446744073709551615}],"pending":[],"totals":{}})"}) {
    CAPTURE(text);
    CHECK_FALSE(VerifyReceipt(nlohmann::json::parse(text), key, &s).ok());
  }
}

}  // namespace
}  // namespace swarmcrawl
