// ingest_bench: what the coordinator spends per result batch, and the share
// of it that goes to signature checks (issue "verifiable contributor credit":
// signature checks must never be the coordinator's bottleneck).
//
// Drives the real Store, Frontier, Ingest, CreditBook and Ledger on a SQLite
// file, as the coordinator does: a crawl over --hosts hosts; a contributor
// takes page leases of up to 64 URLs and answers each with a signed batch of
// pages (each ~--words words of distinct text, 40 outlinks on its host, the
// worker's derived fields). The contributor is trusted (20 agreements), so
// pages are sampled for re-fetch at the trusted rate (3%), as in a steady
// crawl. Measured: Ingest::Apply time per batch and per page, and, on the same
// manifests, ManifestBytes + Ed25519 VerifySignature alone. Reports the
// share of ingest time that signature verification takes.
//
//   ingest_bench [--pages N] [--hosts N] [--words N] [--dir DIR]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "coordinator/credit.h"
#include "coordinator/frontier.h"
#include "coordinator/ingest.h"
#include "coordinator/ledger.h"
#include "coordinator/store.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "parsers/language.h"
#include "parsers/quality.h"

using namespace swarmcrawl;

namespace {

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "ingest_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

const char* const kWords[] = {
    "harbour", "market", "winter", "council", "river", "engine", "signal", "garden", "bridge",
    "lantern", "journal", "report", "village", "season", "crowd", "morning", "evening", "letter",
    "station", "teacher", "museum", "window", "mountain", "forest", "island", "summer", "ticket",
    "library", "kitchen", "doctor", "the", "of", "and", "to", "with", "that", "have", "be", "a", "in"};

std::string RandomText(std::mt19937_64* rng, int words) {
  std::string out;
  std::uniform_int_distribution<size_t> pick(0, std::size(kWords) - 1);
  for (int i = 0; i < words; ++i) {
    if (i > 0) out += (i % 14 == 0) ? ". " : " ";
    if (i % 70 == 0 && i > 0) out += "\n";
    out += kWords[pick(*rng)];
  }
  return out + ".";
}

}  // namespace

int main(int argc, char** argv) {
  int64_t pages = 20000, hosts = 200, words = 600;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--pages") pages = std::atoll(argv[i + 1]);
    else if (flag == "--hosts") hosts = std::atoll(argv[i + 1]);
    else if (flag == "--words") words = std::atoll(argv[i + 1]);
    else if (flag == "--dir") dir = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: ingest_bench [--pages N] [--hosts N] [--words N] [--dir DIR]\n");
      return 2;
    }
  }
  if (pages < 1 || hosts < 1 || words < 1) return 2;
  bool own_dir = false;
  if (dir.empty()) {
    char tmpl[] = "/tmp/ingest-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
    own_dir = true;
  }
  ManualClock clock(1'800'000'000'000);
  Store store;
  if (Status s = Store::Open(dir + "/coordinator.db", &store); !s.ok()) return Fail("open", s);
  std::string seeds;
  for (int64_t h = 0; h < hosts; ++h) {
    seeds += (h ? ",\"" : "\"") + std::string("http://h") + std::to_string(h) + ".bench.test/\"";
  }
  const std::string spec_json = "{\"name\":\"bench\",\"seeds\":[" + seeds +
                                "],\"allowed_domains\":[\"bench.test\"],\"delay_ms\":0,"
                                "\"max_pages\":1000000000,\"max_depth\":50,\"response_time_factor\":0}";
  CrawlSpec spec;
  if (Status s = ParseCrawlSpec(spec_json, &spec); !s.ok()) return Fail("spec", s);
  int64_t crawl_id = 0;
  if (Status s = store.InsertCrawl(spec, clock.NowMs(), &crawl_id); !s.ok()) return Fail("crawl", s);
  Frontier frontier(&store, &clock);
  frontier.LoadCrawls();
  SigningKey ledger_key, worker;
  if (Status s = SigningKey::Generate(&ledger_key); !s.ok()) return Fail("key", s);
  if (Status s = SigningKey::Generate(&worker); !s.ok()) return Fail("key", s);
  std::unique_ptr<Ledger> ledger;
  if (Status s = Ledger::Open(store.db(), &ledger_key, LedgerOptions(), &ledger); !s.ok()) return Fail("ledger", s);
  VerificationOptions vo;
  vo.seed = 7;
  CreditBook credit(store.db(), &frontier, ledger.get(), vo);
  Ingest ingest(&store, &frontier, &clock, Logger("bench", LogLevel::kWarn), &credit);
  SigningKey other;
  if (Status s = SigningKey::Generate(&other); !s.ok()) return Fail("key", s);
  credit.SetOnline({worker.public_hex(), other.public_hex()});
  {
    Transaction tx(store.db());
    frontier.AddSeeds(crawl_id);
    for (int i = 0; i < 20; ++i) credit.NoteAgreement(worker.public_hex(), true);  // trusted
    tx.Commit();
  }

  std::mt19937_64 rng(42);
  std::printf("ingest_bench: %lld pages, %lld hosts, ~%lld words a page, db %s\n",
              static_cast<long long>(pages), static_cast<long long>(hosts),
              static_cast<long long>(words), dir.c_str());
  std::chrono::steady_clock::duration apply_time{}, verify_time{};
  int64_t done = 0, batches = 0, stored = 0, robots = 0, bytes = 0;
  int64_t next_link = 0;
  while (done < pages) {
    std::optional<LeaseMsg> lease;
    {
      Transaction tx(store.db());
      lease = frontier.NextLease("w1", worker.public_hex(), 64);
      tx.Commit();
    }
    if (!lease) {
      clock.Advance(1000);
      continue;
    }
    ResultMsg batch;
    batch.batch_id = "b" + std::to_string(batches);
    batch.lease_id = lease->lease_id;
    for (const auto& t : lease->tasks) {
      ResultEntry e;
      e.task_id = t.task_id;
      e.url = t.url;
      e.status = 200;
      e.fetched_at = clock.NowMs();
      if (lease->kind == "robots") {
        e.status = t.task_id == 1 ? 200 : 404;
        if (t.task_id != 1) e.reason = "http_404";
        e.robots_txt = t.task_id == 1 ? "User-agent: *\nDisallow: /private/\n" : "";
        e.text_sha256 = Sha256Hex(e.robots_txt);
        batch.entries.push_back(std::move(e));
        continue;
      }
      e.content_type = "text/html";
      e.title = "Page " + std::to_string(t.task_id);
      e.text = RandomText(&rng, static_cast<int>(words));
      e.text_sha256 = Sha256Hex(e.text);
      e.markdown = e.text;
      e.body_bytes = static_cast<int64_t>(e.text.size() * 2);
      e.body_sha256 = Sha256Hex(e.text + "body");
      e.extras = {{"quality", QualityToJson(ComputeQuality(e.text))},
                  {"language", LanguageToJson(DetectLanguage(e.text, "en"))}};
      const std::string origin = t.url.substr(0, t.url.find('/', 8));
      for (int k = 0; k < 40; ++k) e.outlinks.push_back(origin + "/a/" + std::to_string(next_link++));
      bytes += e.body_bytes;
      batch.entries.push_back(std::move(e));
    }
    batch.signature = worker.SignHex(ManifestBytes(worker.public_hex(), batch, lease->nonce));
    // What ingest does for the signature, alone, on the same manifest.
    const auto v0 = std::chrono::steady_clock::now();
    const bool good = VerifySignature(worker.public_hex(), ManifestBytes(worker.public_hex(), batch, lease->nonce),
                                      batch.signature);
    verify_time += std::chrono::steady_clock::now() - v0;
    if (!good) return Fail("signature", Status::Error("bad", "own signature does not verify"));
    const auto a0 = std::chrono::steady_clock::now();
    const AckMsg ack = ingest.Apply(worker.public_hex(), batch);
    apply_time += std::chrono::steady_clock::now() - a0;
    if (ack.status != "accepted") return Fail("apply", Status::Error(ack.status, ack.reason));
    ++batches;
    if (lease->kind == "robots") {
      ++robots;
    } else {
      done += static_cast<int64_t>(lease->tasks.size());
      stored += ack.stored;
    }
    clock.Advance(10);
  }
  const double apply_s = Seconds(apply_time), verify_s = Seconds(verify_time);
  std::printf("batches: %lld (%lld robots leases), pages: %lld, stored: %lld, body bytes: %.1f MB\n",
              static_cast<long long>(batches), static_cast<long long>(robots),
              static_cast<long long>(done), static_cast<long long>(stored), bytes / 1e6);
  std::printf("ingest (Ingest::Apply): %.2f s, %.0f pages/s, %.3f ms per batch, %.1f us per page\n",
              apply_s, static_cast<double>(done) / apply_s,
              1e3 * apply_s / static_cast<double>(batches), 1e6 * apply_s / static_cast<double>(done));
  std::printf("signature checks (ManifestBytes + Ed25519 verify) on the same batches: %.3f s, "
              "%.1f us per batch\n",
              verify_s, 1e6 * verify_s / static_cast<double>(batches));
  std::printf("share of ingest time spent verifying signatures: %.1f%%\n", 100.0 * verify_s / apply_s);
  std::printf("SUMMARY pages=%lld batches=%lld ingest_s=%.3f pages_per_s=%.0f verify_s=%.4f "
              "verify_share_pct=%.2f\n",
              static_cast<long long>(done), static_cast<long long>(batches), apply_s,
              static_cast<double>(done) / apply_s, verify_s, 100.0 * verify_s / apply_s);
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
