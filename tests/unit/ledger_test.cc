#include "coordinator/ledger.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/crypto.h"

namespace swarmcrawl {
namespace {

// A ledger on a real SQLite file in a temporary directory: 25 entries by
// three contributors, 10 per epoch, so epochs 1 (seq 1..10) and 2 (11..20)
// are closed and 21..25 are pending.
struct LedgerEnv {
  std::string dir;
  Db db;
  SigningKey key;
  std::unique_ptr<Ledger> ledger;

  explicit LedgerEnv(int64_t entries = 25, LedgerOptions options = Options()) {
    char tmpl[] = "/tmp/swarmcrawl-ledger-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    REQUIRE(Db::Open(dir + "/l.db", &db).ok());
    REQUIRE(SigningKey::FromSeedHex(std::string(64, '7'), &key).ok());
    REQUIRE(Ledger::Open(&db, &key, options, &ledger).ok());
    Transaction tx(&db);
    for (int64_t i = 1; i <= entries; ++i) {
      int64_t seq = 0;
      REQUIRE(ledger->Append(Entry(i), 1000 + i, &seq).ok());
      REQUIRE(seq == i);
    }
    tx.Commit();
  }
  ~LedgerEnv() {
    ledger.reset();
    db = Db();
    std::filesystem::remove_all(dir);
  }
  static LedgerOptions Options() {
    LedgerOptions o;
    o.entries_per_epoch = 10;
    o.epoch_ms = 1000000;
    return o;
  }
  // Entry i: contributor "alice" for i % 3 == 0, "bob" for 1, "carol" for 2;
  // credit i, except every 7th is a penalty of -2.
  static LedgerEntry Entry(int64_t i) {
    LedgerEntry e;
    const char* who[] = {"alice", "bob", "carol"};
    e.contributor = who[i % 3];
    e.task = "https://example.test/page/" + std::to_string(i);
    e.content = "sha256:" + Sha256Hex(std::to_string(i));
    e.credit = i % 7 == 0 ? -2 : i;
    e.reason = i % 7 == 0 ? "mismatch" : "page";
    return e;
  }
  Status Verify(VerifyReport* r) { return Ledger::Verify(&db, key.public_hex(), r); }
  std::string Blob(const std::string& sql) {
    Stmt s = db.Prepare(sql);
    REQUIRE(s.Step());
    return std::string(s.BlobView(0));
  }
};

std::string Be64(uint64_t v) {
  std::string out;
  for (int i = 56; i >= 0; i -= 8) out.push_back(static_cast<char>(v >> i));
  return out;
}
std::string Field(const std::string& s) { return Be64(s.size()) + s; }
std::string RawSha(const std::string& bytes) {
  std::string raw;
  REQUIRE(HexDecode(Sha256Hex(bytes), &raw));
  return raw;
}

TEST_CASE("appended entries chain from a zero genesis hash with the documented encoding") {
  LedgerEnv env;
  std::string prev(32, '\0');
  for (int64_t seq = 1; seq <= 25; ++seq) {
    Stmt s = env.db.Prepare(
        "SELECT at, contributor, task, content, credit, reason, prev_hash, hash FROM ledger "
        "WHERE seq=?");
    s.Bind(1, seq);
    REQUIRE(s.Step());
    const LedgerEntry e = LedgerEnv::Entry(seq);
    CHECK(s.Int(0) == 1000 + seq);
    CHECK(s.Text(1) == e.contributor);
    CHECK(s.Int(4) == e.credit);
    CHECK(std::string(s.BlobView(6)) == prev);
    // The encoding spelled out independently of the implementation.
    const std::string bytes = "swarmcrawl-ledger-v1\n" + Be64(seq) + Be64(1000 + seq) +
                              Field(e.contributor) + Field(e.task) + Field(e.content) +
                              Be64(static_cast<uint64_t>(e.credit)) + Field(e.reason) + prev;
    CHECK(std::string(s.BlobView(7)) == RawSha(bytes));
    prev = std::string(s.BlobView(7));
  }
  CHECK(env.ledger->last_seq() == 25);
  CHECK(env.ledger->last_epoch() == 2);
  CHECK(env.ledger->pending_entries() == 5);
}

TEST_CASE("a negative credit is encoded as 8-byte two's complement") {
  LedgerRecord r;
  r.seq = 1;
  r.at = 2;
  r.contributor = "c";
  r.credit = -2;
  r.prev_hash = std::string(32, '\0');
  std::string enc;
  EncodeLedgerEntry(r, &enc);
  const std::string expected = "swarmcrawl-ledger-v1\n" + Be64(1) + Be64(2) + Field("c") +
                               Field("") + Field("") + std::string(7, '\xff') + "\xfe" +
                               Field("") + std::string(32, '\0');
  CHECK(enc == expected);
}

TEST_CASE("epochs close every entries_per_epoch entries with a signed Merkle root") {
  LedgerEnv env;
  Stmt s = env.db.Prepare(
      "SELECT epoch, first_seq, last_seq, root, signature, signed_at FROM ledger_epochs ORDER BY epoch");
  for (int64_t epoch = 1; epoch <= 2; ++epoch) {
    REQUIRE(s.Step());
    CHECK(s.Int(0) == epoch);
    const int64_t first = (epoch - 1) * 10 + 1, last = epoch * 10;
    CHECK(s.Int(1) == first);
    CHECK(s.Int(2) == last);
    std::vector<std::string> hashes;
    for (int64_t q = first; q <= last; ++q) {
      hashes.push_back(env.Blob("SELECT hash FROM ledger WHERE seq=" + std::to_string(q)));
    }
    const std::string root(s.BlobView(3));
    CHECK(root == MerkleRoot(hashes));
    // Closed by the append of its last entry, at that entry's time.
    CHECK(s.Int(5) == 1000 + last);
    const std::string message = "swarmcrawl-epoch-v1\nepoch=" + std::to_string(epoch) +
                                "\nfirst_seq=" + std::to_string(first) + "\nlast_seq=" +
                                std::to_string(last) + "\nroot=" + HexEncode(root) +
                                "\nsigned_at=" + std::to_string(1000 + last) + "\n";
    CHECK(VerifySignature(env.key.public_hex(), message, s.Text(4)));
  }
  CHECK_FALSE(s.Step());
}

TEST_CASE("verify recomputes per-contributor totals, pending credit included") {
  LedgerEnv env;
  VerifyReport r;
  REQUIRE(env.Verify(&r).ok());
  CHECK(r.entries == 25);
  CHECK(r.epochs == 2);
  CHECK(r.pending_entries == 5);
  CHECK(r.head_hash == HexEncode(env.Blob("SELECT hash FROM ledger WHERE seq=25")));
  REQUIRE(r.totals.size() == 3);
  // alice: 3 6 9 12 15 18 21(-2) 24 -> 85; pending (21..25): 21(-2), 24.
  CHECK(r.totals["alice"].entries == 8);
  CHECK(r.totals["alice"].credit == 85);
  CHECK(r.totals["alice"].pending_entries == 2);
  CHECK(r.totals["alice"].pending_credit == 22);
  // bob: 1 4 7(-2) 10 13 16 19 22 25 -> 108; pending 22, 25.
  CHECK(r.totals["bob"].entries == 9);
  CHECK(r.totals["bob"].credit == 108);
  CHECK(r.totals["bob"].pending_credit == 47);
  // carol: 2 5 8 11 14(-2) 17 20 23 -> 84; pending 23.
  CHECK(r.totals["carol"].entries == 8);
  CHECK(r.totals["carol"].credit == 84);
  CHECK(r.totals["carol"].pending_entries == 1);
  CHECK(r.totals["carol"].pending_credit == 23);
  CHECK_FALSE(r.first_bad_seq.has_value());
  CHECK_FALSE(r.first_bad_epoch.has_value());
}

TEST_CASE("changing any byte of any column of any row fails verification naming that row") {
  LedgerEnv env;
  const char* int_columns[] = {"seq", "at", "credit"};
  const char* text_columns[] = {"contributor", "task", "content", "reason"};
  const char* blob_columns[] = {"prev_hash", "hash"};
  int checked = 0;
  auto expect_named = [&](int64_t seq_now, const std::string& what) {
    VerifyReport r;
    const Status s = env.Verify(&r);
    CAPTURE(what);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("ledger row seq=" + std::to_string(seq_now) + ":") == 0);
    CHECK(r.first_bad_seq == seq_now);
    ++checked;
  };
  for (int64_t seq = 1; seq <= 25; ++seq) {
    for (const char* col : int_columns) {
      Stmt get = env.db.Prepare(std::string("SELECT ") + col + " FROM ledger WHERE seq=?");
      get.Bind(1, seq);
      REQUIRE(get.Step());
      const int64_t v = get.Int(0);
      for (int b = 0; b < 8; ++b) {
        const int64_t changed =
            static_cast<int64_t>(static_cast<uint64_t>(v) ^ (uint64_t{0x80} << (8 * b)));
        env.db.Prepare(std::string("UPDATE ledger SET ") + col + "=? WHERE seq=?")
            .Bind(1, changed)
            .Bind(2, seq)
            .Run();
        const int64_t seq_now = std::string(col) == "seq" ? changed : seq;
        expect_named(seq_now, std::string(col) + " byte " + std::to_string(b) + " of seq " +
                                  std::to_string(seq));
        env.db.Prepare(std::string("UPDATE ledger SET ") + col + "=? WHERE seq=?")
            .Bind(1, v)
            .Bind(2, seq_now)
            .Run();
      }
    }
    for (const char* col : text_columns) {
      Stmt get = env.db.Prepare(std::string("SELECT ") + col + " FROM ledger WHERE seq=?");
      get.Bind(1, seq);
      REQUIRE(get.Step());
      const std::string v = get.Text(0);
      for (size_t i = 0; i < v.size(); ++i) {
        std::string changed = v;
        changed[i] ^= 0x01;  // stays ASCII: the change is content, not encoding
        env.db.Prepare(std::string("UPDATE ledger SET ") + col + "=? WHERE seq=?")
            .Bind(1, changed)
            .Bind(2, seq)
            .Run();
        expect_named(seq, std::string(col) + " byte " + std::to_string(i));
        env.db.Prepare(std::string("UPDATE ledger SET ") + col + "=? WHERE seq=?")
            .Bind(1, v)
            .Bind(2, seq)
            .Run();
      }
    }
    for (const char* col : blob_columns) {
      const std::string v =
          env.Blob(std::string("SELECT ") + col + " FROM ledger WHERE seq=" + std::to_string(seq));
      REQUIRE(v.size() == 32);
      for (size_t i = 0; i < v.size(); ++i) {
        std::string changed = v;
        changed[i] ^= 0x01;
        env.db.Prepare(std::string("UPDATE ledger SET ") + col + "=? WHERE seq=?")
            .BindBlob(1, changed)
            .Bind(2, seq)
            .Run();
        expect_named(seq, std::string(col) + " byte " + std::to_string(i));
        env.db.Prepare(std::string("UPDATE ledger SET ") + col + "=? WHERE seq=?")
            .BindBlob(1, v)
            .Bind(2, seq)
            .Run();
      }
    }
  }
  CHECK(checked > 25 * (24 + 64));
  VerifyReport r;
  CHECK(env.Verify(&r).ok());  // every change was undone
}

TEST_CASE("a deleted row fails verification naming its epoch") {
  for (int64_t seq : {1, 5, 10, 15, 20}) {
    LedgerEnv env;
    env.db.Prepare("DELETE FROM ledger WHERE seq=?").Bind(1, seq).Run();
    VerifyReport r;
    const Status s = env.Verify(&r);
    CAPTURE(seq);
    CHECK_FALSE(s.ok());
    const int64_t epoch = (seq - 1) / 10 + 1;
    CHECK(r.first_bad_epoch == epoch);
    CHECK(s.message().find("(epoch " + std::to_string(epoch) + ")") != std::string::npos);
  }
}

TEST_CASE("reordered rows fail verification naming the epoch") {
  LedgerEnv env;
  // Swap rows 13 and 14 (every column but seq).
  env.db.Exec(
      "CREATE TEMP TABLE t AS SELECT * FROM ledger WHERE seq IN (13, 14);"
      "UPDATE ledger SET (at, contributor, task, content, credit, reason, prev_hash, hash) = "
      "(SELECT at, contributor, task, content, credit, reason, prev_hash, hash FROM t "
      " WHERE t.seq = 27 - ledger.seq) WHERE seq IN (13, 14);");
  VerifyReport r;
  const Status s = env.Verify(&r);
  CHECK_FALSE(s.ok());
  CHECK(s.message() == "ledger row seq=13: hash mismatch (epoch 2)");
  CHECK(r.first_bad_epoch == 2);
}

TEST_CASE("altering any column of an epoch fails verification naming the epoch") {
  LedgerEnv env;
  for (int64_t epoch = 1; epoch <= 2; ++epoch) {
    const std::string where = " WHERE epoch=" + std::to_string(epoch);
    const std::string root = env.Blob("SELECT root FROM ledger_epochs" + where);
    for (size_t i = 0; i < root.size(); ++i) {
      std::string changed = root;
      changed[i] ^= 0x01;
      env.db.Prepare("UPDATE ledger_epochs SET root=?" + where).BindBlob(1, changed).Run();
      VerifyReport r;
      const Status s = env.Verify(&r);
      CHECK(s.message() == "epoch " + std::to_string(epoch) + ": root mismatch");
      CHECK(r.first_bad_epoch == epoch);
      env.db.Prepare("UPDATE ledger_epochs SET root=?" + where).BindBlob(1, root).Run();
    }
    Stmt get = env.db.Prepare("SELECT signature FROM ledger_epochs" + where);
    REQUIRE(get.Step());
    const std::string sig = get.Text(0);
    for (size_t i = 0; i < sig.size(); ++i) {
      std::string changed = sig;
      changed[i] = changed[i] == '0' ? '1' : '0';
      env.db.Prepare("UPDATE ledger_epochs SET signature=?" + where).Bind(1, changed).Run();
      VerifyReport r;
      const Status s = env.Verify(&r);
      CHECK(s.message() == "epoch " + std::to_string(epoch) + ": bad signature");
      env.db.Prepare("UPDATE ledger_epochs SET signature=?" + where).Bind(1, sig).Run();
    }
    for (const char* col : {"first_seq", "last_seq", "signed_at", "epoch"}) {
      Stmt g = env.db.Prepare(std::string("SELECT ") + col + " FROM ledger_epochs" + where);
      REQUIRE(g.Step());
      const int64_t v = g.Int(0);
      for (int b = 0; b < 8; ++b) {
        const int64_t changed =
            static_cast<int64_t>(static_cast<uint64_t>(v) ^ (uint64_t{0x80} << (8 * b)));
        env.db.Prepare(std::string("UPDATE ledger_epochs SET ") + col + "=?" + where)
            .Bind(1, changed)
            .Run();
        VerifyReport r;
        const Status s = env.Verify(&r);
        CAPTURE(col);
        CAPTURE(b);
        CHECK_FALSE(s.ok());
        CHECK(s.message().find("epoch ") == 0);
        const int64_t now = std::string(col) == "epoch" ? changed : epoch;
        env.db.Prepare(std::string("UPDATE ledger_epochs SET ") + col + "=? WHERE epoch=?")
            .Bind(1, v)
            .Bind(2, now)
            .Run();
      }
    }
  }
  env.db.Exec("DELETE FROM ledger_epochs WHERE epoch=1");
  VerifyReport r;
  const Status s = env.Verify(&r);
  CHECK(s.message() == "epoch 2: expected epoch 1");
}

TEST_CASE("an upper-case signature is not accepted as the same signature") {
  LedgerEnv env;
  env.db.Exec("UPDATE ledger_epochs SET signature=upper(signature) WHERE epoch=1");
  VerifyReport r;
  CHECK(env.Verify(&r).message() == "epoch 1: bad signature");
}

TEST_CASE("verify against another coordinator key fails on the first epoch") {
  LedgerEnv env;
  SigningKey other;
  REQUIRE(SigningKey::Generate(&other).ok());
  VerifyReport r;
  CHECK(Ledger::Verify(&env.db, other.public_hex(), &r).message() == "epoch 1: bad signature");
}

TEST_CASE("a rolled-back append does not fork the chain") {
  LedgerEnv env(5);
  {
    Transaction tx(&env.db);
    REQUIRE(env.ledger->Append(LedgerEnv::Entry(6), 2000).ok());
    REQUIRE(env.ledger->Append(LedgerEnv::Entry(7), 2001).ok());
    CHECK(env.ledger->last_seq() == 7);
  }  // rolled back
  {
    Transaction tx(&env.db);
    int64_t seq = 0;
    REQUIRE(env.ledger->Append(LedgerEnv::Entry(8), 2002, &seq).ok());
    CHECK(seq == 6);
    tx.Commit();
  }
  VerifyReport r;
  CHECK(env.Verify(&r).ok());
  CHECK(r.entries == 6);
}

TEST_CASE("a rolled-back epoch close is redone by the next close") {
  LedgerEnv env(9);
  {
    Transaction tx(&env.db);
    REQUIRE(env.ledger->Append(LedgerEnv::Entry(10), 2000).ok());  // closes epoch 1
    CHECK(env.ledger->last_epoch() == 1);
  }
  {
    Transaction tx(&env.db);
    REQUIRE(env.ledger->Append(LedgerEnv::Entry(10), 2001).ok());
    tx.Commit();
  }
  CHECK(env.ledger->last_epoch() == 1);
  VerifyReport r;
  CHECK(env.Verify(&r).ok());
  CHECK(r.epochs == 1);
  CHECK(r.pending_entries == 0);
}

TEST_CASE("epochs also close when their first entry is epoch_ms old") {
  LedgerOptions o;
  o.entries_per_epoch = 1000;
  o.epoch_ms = 500;
  LedgerEnv env(3, o);  // appended at 1001..1003
  bool closed = true;
  REQUIRE(env.ledger->MaybeCloseEpoch(1500, &closed).ok());
  CHECK_FALSE(closed);
  REQUIRE(env.ledger->MaybeCloseEpoch(1501, &closed).ok());
  CHECK(closed);
  CHECK(env.ledger->last_epoch() == 1);
  REQUIRE(env.ledger->MaybeCloseEpoch(5000, &closed).ok());
  CHECK_FALSE(closed);  // nothing pending
  // An append that finds its epoch old closes it too.
  REQUIRE(env.ledger->Append(LedgerEnv::Entry(4), 6000).ok());
  REQUIRE(env.ledger->Append(LedgerEnv::Entry(5), 6499).ok());
  CHECK(env.ledger->last_epoch() == 1);
  REQUIRE(env.ledger->Append(LedgerEnv::Entry(6), 6500).ok());
  CHECK(env.ledger->last_epoch() == 2);
  VerifyReport r;
  REQUIRE(env.Verify(&r).ok());
  CHECK(r.epochs == 2);
  CHECK(r.pending_entries == 0);
}

TEST_CASE("a reopened ledger continues the chain and the epochs") {
  LedgerEnv env(15);
  std::unique_ptr<Ledger> again;
  REQUIRE(Ledger::Open(&env.db, &env.key, LedgerEnv::Options(), &again).ok());
  CHECK(again->last_seq() == 15);
  CHECK(again->last_epoch() == 1);
  CHECK(again->pending_entries() == 5);
  for (int64_t i = 16; i <= 20; ++i) REQUIRE(again->Append(LedgerEnv::Entry(i), 3000).ok());
  CHECK(again->last_epoch() == 2);
  VerifyReport r;
  CHECK(env.Verify(&r).ok());
  CHECK(r.epochs == 2);
}

TEST_CASE("appends refuse invalid UTF-8, oversized fields and credits, and an empty contributor") {
  LedgerEnv env(0);
  LedgerEntry e = LedgerEnv::Entry(1);
  e.task = "bad \xff byte";
  CHECK(env.ledger->Append(e, 1).code() == "bad_field");
  e = LedgerEnv::Entry(1);
  e.content = std::string(kMaxLedgerFieldBytes + 1, 'x');
  CHECK(env.ledger->Append(e, 1).code() == "bad_field");
  e = LedgerEnv::Entry(1);
  e.credit = int64_t{1} << 53;
  CHECK(env.ledger->Append(e, 1).code() == "bad_field");
  e.credit = -(int64_t{1} << 53) + 1;
  CHECK(env.ledger->Append(e, 1).ok());
  e = LedgerEnv::Entry(1);
  e.contributor.clear();
  CHECK(env.ledger->Append(e, 1).code() == "bad_field");
  CHECK(env.ledger->last_seq() == 1);
  std::unique_ptr<Ledger> l;
  CHECK(Ledger::Open(&env.db, nullptr, LedgerOptions(), &l).code() == "bad_key");
}

TEST_CASE("an export verifies like the database and any altered line fails") {
  LedgerOptions o = LedgerEnv::Options();
  o.entries_per_epoch = 5;
  LedgerEnv env(12, o);  // epochs 1..5 and 6..10, 11 and 12 pending
  std::stringstream out;
  REQUIRE(Ledger::Export(&env.db, out).ok());
  const std::string text = out.str();
  VerifyReport from_db, from_file;
  REQUIRE(env.Verify(&from_db).ok());
  {
    std::istringstream in(text);
    REQUIRE(Ledger::VerifyExport(in, env.key.public_hex(), &from_file).ok());
  }
  CHECK(from_file.entries == from_db.entries);
  CHECK(from_file.epochs == from_db.epochs);
  CHECK(from_file.head_hash == from_db.head_hash);
  // alice: 3 6 9 12 (pending) -> 30; bob: 1 4 7(-2) 10 -> 13.
  CHECK(from_file.totals["alice"].credit == 30);
  CHECK(from_file.totals["alice"].pending_credit == 12);
  CHECK(from_file.totals["bob"].credit == 13);
  CHECK(from_file.totals["bob"].pending_entries == 0);
  CHECK(from_file.pending_entries == 2);

  std::vector<std::string> lines;
  std::istringstream split(text);
  for (std::string l; std::getline(split, l);) lines.push_back(l);
  // header, 12 entries, 2 epochs (each right after its last entry), end.
  REQUIRE(lines.size() == 16);
  CHECK(lines[0] == R"({"format":"swarmcrawl-ledger-export-v1"})");
  CHECK(lines[6].find(R"("type":"epoch")") != std::string::npos);
  CHECK(lines[12].find(R"("type":"epoch")") != std::string::npos);
  CHECK(lines[15].find(R"({"entries":12,"epochs":2,"head":")") == 0);
  auto verifies = [&](const std::vector<std::string>& ls) {
    std::string t;
    for (const std::string& l : ls) t += l + "\n";
    std::istringstream in(t);
    VerifyReport r;
    return Ledger::VerifyExport(in, env.key.public_hex(), &r).ok();
  };
  REQUIRE(verifies(lines));
  int altered = 0;
  for (size_t li = 0; li < lines.size(); ++li) {
    const auto original = nlohmann::json::parse(lines[li]);
    for (size_t i = 0; i < lines[li].size(); ++i) {
      auto ls = lines;
      ls[li][i] ^= 0x01;
      const auto parsed = nlohmann::json::parse(ls[li], nullptr, false);
      if (!parsed.is_discarded() && parsed == original) continue;  // same content
      CAPTURE(li);
      CAPTURE(i);
      CHECK_FALSE(verifies(ls));
      ++altered;
    }
    auto dropped = lines;
    dropped.erase(dropped.begin() + static_cast<long>(li));
    CHECK_FALSE(verifies(dropped));
  }
  CHECK(altered > 3000);
  auto swapped = lines;
  std::swap(swapped[3], swapped[4]);
  CHECK_FALSE(verifies(swapped));
  auto extra = lines;
  extra.push_back(lines[5]);
  CHECK_FALSE(verifies(extra));
}

TEST_CASE("verify export refuses overlong lines and empty input") {
  std::istringstream empty("");
  VerifyReport r;
  CHECK_FALSE(Ledger::VerifyExport(empty, std::string(64, 'a'), &r).ok());
  std::istringstream longline(std::string(2 << 20, '{'));
  CHECK(Ledger::VerifyExport(longline, std::string(64, 'a'), &r).message().find("1 MiB") !=
        std::string::npos);
}

}  // namespace
}  // namespace swarmcrawl
