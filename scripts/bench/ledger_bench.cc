// ledger_bench: the credit ledger at scale (coordinator/ledger.h).
//
// Appends --entries entries (default 1,000,000) in transactions of --tx
// (default 1000) into a fresh SQLite file opened as the coordinator opens its
// store (core/sqlite.h: WAL, synchronous=NORMAL), with the default epoch size
// (10,000 entries, so one Ed25519 signature per 10,000 appends). Entries look
// like ingest's: a 64-hex contributor key (--contributors keys, default
// entries/1000, round robin, so each has 1000 entries), a ~60-byte URL, a
// "sha256:<64 hex>" content hash, credit 1, reason "page". Then measures
// Ledger::Verify of the whole file, Export + VerifyExport, and BuildReceipt +
// VerifyReceipt for one contributor. Targets: >= 50,000 appends/s; verify in
// seconds.
//
//   ledger_bench [--entries N] [--tx N] [--contributors N] [--dir DIR]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "coordinator/ledger.h"
#include "core/crypto.h"
#include "core/receipt.h"

using namespace swarmcrawl;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "ledger_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t entries = 1000000, per_tx = 1000, contributors = 0;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--entries") entries = std::atoll(argv[i + 1]);
    else if (flag == "--tx") per_tx = std::atoll(argv[i + 1]);
    else if (flag == "--contributors") contributors = std::atoll(argv[i + 1]);
    else if (flag == "--dir") dir = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: ledger_bench [--entries N] [--tx N] [--contributors N] [--dir DIR]\n");
      return 2;
    }
  }
  if (entries < 1 || per_tx < 1) return 2;
  if (contributors <= 0) contributors = std::max<int64_t>(1, entries / 1000);
  bool own_dir = false;
  if (dir.empty()) {
    char tmpl[] = "/tmp/ledger-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
    own_dir = true;
  }
  const std::string path = dir + "/ledger.db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");

  Db db;
  Status s = Db::Open(path, &db);
  if (!s.ok()) return Fail("open", s);
  SigningKey key;
  s = SigningKey::Generate(&key);
  if (!s.ok()) return Fail("key", s);
  std::unique_ptr<Ledger> ledger;
  s = Ledger::Open(&db, &key, LedgerOptions(), &ledger);
  if (!s.ok()) return Fail("ledger", s);

  std::vector<std::string> keys;
  for (int64_t c = 0; c < contributors; ++c) keys.push_back(Sha256Hex("contributor " + std::to_string(c)));

  std::printf("ledger_bench: %lld entries, %lld per transaction, %lld contributors, file %s\n",
              static_cast<long long>(entries), static_cast<long long>(per_tx),
              static_cast<long long>(contributors), path.c_str());
  const auto t0 = std::chrono::steady_clock::now();
  int64_t now_ms = 1'800'000'000'000;
  LedgerEntry e;
  e.credit = 1;
  e.reason = "page";
  for (int64_t done = 0; done < entries;) {
    try {
      Transaction tx(&db);
      for (int64_t k = 0; k < per_tx && done < entries; ++k, ++done) {
        e.contributor = keys[static_cast<size_t>(done % contributors)];
        e.task = "https://www.example-" + std::to_string(done % 5000) + ".test/articles/" +
                 std::to_string(done) + "/index.html";
        e.content = "sha256:" + keys[static_cast<size_t>((done * 7) % contributors)];
        s = ledger->Append(e, now_ms);
        if (!s.ok()) return Fail("append", s);
      }
      tx.Commit();
    } catch (const SqliteError& ex) {
      return Fail("transaction", Status::Error("io", ex.what()));
    }
    ++now_ms;  // a millisecond per batch: epochs close by count, not by time
  }
  const double append_s = Seconds(t0);
  std::printf("append: %.2f s, %.0f entries/s (target >= 50000), %lld epochs closed\n", append_s,
              static_cast<double>(entries) / append_s, static_cast<long long>(ledger->last_epoch()));

  auto t1 = std::chrono::steady_clock::now();
  VerifyReport report;
  s = Ledger::Verify(&db, key.public_hex(), &report);
  if (!s.ok()) return Fail("verify", s);
  const double verify_s = Seconds(t1);
  std::printf("verify: %.2f s for %lld entries and %lld epochs (%.0f entries/s), %zu contributors\n",
              verify_s, static_cast<long long>(report.entries), static_cast<long long>(report.epochs),
              static_cast<double>(report.entries) / verify_s, report.totals.size());

  t1 = std::chrono::steady_clock::now();
  const std::string export_path = dir + "/ledger.jsonl";
  {
    std::ofstream out(export_path, std::ios::binary);
    s = Ledger::Export(&db, out);
    if (!s.ok()) return Fail("export", s);
  }
  const double export_s = Seconds(t1);
  t1 = std::chrono::steady_clock::now();
  {
    std::ifstream in(export_path, std::ios::binary);
    VerifyReport r2;
    s = Ledger::VerifyExport(in, key.public_hex(), &r2);
    if (!s.ok()) return Fail("verify export", s);
  }
  const double verify_export_s = Seconds(t1);
  std::printf("export: %.2f s, %.1f MB; verify export: %.2f s\n", export_s,
              static_cast<double>(std::filesystem::file_size(export_path)) / 1e6, verify_export_s);

  t1 = std::chrono::steady_clock::now();
  nlohmann::json receipt;
  s = BuildReceipt(&db, key.public_hex(), keys[0], &receipt);
  if (!s.ok()) return Fail("receipt", s);
  const double build_s = Seconds(t1);
  const std::string text = receipt.dump();
  t1 = std::chrono::steady_clock::now();
  ReceiptSummary sum;
  s = VerifyReceipt(nlohmann::json::parse(text), key.public_hex(), &sum);
  if (!s.ok()) return Fail("verify receipt", s);
  const double check_s = Seconds(t1);
  std::printf("receipt: %lld proven + %lld pending entries over %lld epochs, %.1f KB; build %.3f s, "
              "parse+verify %.3f s\n",
              static_cast<long long>(sum.proven_entries), static_cast<long long>(sum.pending_entries),
              static_cast<long long>(sum.epochs), static_cast<double>(text.size()) / 1e3, build_s,
              check_s);
  db = Db();
  std::printf("database: %.1f MB\n",
              static_cast<double>(std::filesystem::file_size(path)) / 1e6);
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
