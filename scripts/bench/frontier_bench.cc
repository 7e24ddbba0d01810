// frontier_bench: the coordinator's Frontier at scale (issue "Frontier at
// scale: 10 million URLs in one crawl").
//
// Measures, with the real Store (SQLite WAL file, the coordinator's PRAGMAs)
// and the real Frontier:
//   1. insert-with-dedup: offered links/s and new frontier rows/s until --urls
//      new rows exist, with the process's VmRSS/VmHWM at every --report-every
//      rows (default 1,000,000);
//   2. lease selection with --hosts hosts (default 100,000): NextLease latency
//      percentiles, the cost of the host-pick query alone, and EXPLAIN QUERY
//      PLAN of the pick, task and host-lookup queries.
//
// Workload (deterministic for a given --seed):
//   - one crawl: seeds ["http://h0.bench.test/"], allowed_domains
//     ["bench.test"], delay_ms 100, max_pages 1e9, max_depth 20; hosts are
//     h<N>.bench.test for N < --hosts. By default robots.txt is unknown
//     during the load (a crawl's first hours: admission looks the host's
//     robots state up and finds nothing to apply). With --robots-ready every
//     host is created first and given a ~0.5 KB robots.txt (status 200, rules
//     for * and three AI crawlers, none matching the workload's URLs), so
//     admission parses and applies real rules, as in a crawl's steady state.
//   - links arrive like a crawl's discovered links: one transaction per result
//     batch, exactly as coordinator/ingest.cc does it (BEGIN IMMEDIATE, one
//     Frontier::Admit(crawl, page.outlinks, depth + 1) per page, COMMIT). A batch
//     is --pages-per-tx pages (default 64) of one host, like the results of
//     one lease; the host is drawn uniformly at random per batch.
//   - each page offers 50 absolute links (what a worker sends):
//       40 same-host:  12 navigation links shared by every page of the host
//                      (/, /about/, /contact/, /section/0..8/: duplicates after
//                      the host's first page), 2 pagination links
//                      (/section/S/?page=P, S < 9, P < 50), 2 tag links
//                      (/tag/T/, T < 200), 10 links to articles the host has
//                      not linked before (new rows) and 14 to older articles
//                      of the same host (duplicates, often beyond the seen
//                      cache, so SQLite's unique index decides);
//       10 cross-host: to uniformly random other hosts, 5 to the home page
//                      (one in four with utm_source/utm_medium tracking
//                      parameters, which canonicalization strips) and 5 to an
//                      article id < 1000 of that host.
//     in random order (document order mixes them). Article URLs look like http://h123.bench.test/news/2026/11/00004567-frontier-at-scale.html
//     (~70 bytes). So "offered" counts duplicates, as a crawl's outlinks do.
//   - link strings are generated before BEGIN; the reported rates time only
//     BEGIN..Admit..COMMIT (the frontier's work). Wall time is reported too.
//   - the load stops at --urls new rows or after --max-seconds, whichever
//     comes first (a time stop is reported as such).
// Lease phase (after the load): every host h<N> for N < --hosts is made to
// exist (its home page admitted; INSERT OR IGNORE for those already there),
// then all hosts get robots.txt known (robots_state 'ready', status 404 =
// allow all, expiring in 10 years) and a measured response time (response_ms
// 100, so leases are full-size rather than 4-URL slow-start probes). Then
// --leases times: NextLease(worker, contributor, 64) in its own transaction
// (timed: the call, and the call plus COMMIT), followed (untimed) by what the
// worker's results would do: RELEASE (FetchesDone), the leased URLs marked
// done, FinishTasks. A ManualClock advances 1 ms per lease.
//
// The database lives in --dir (default: a new mkdtemp directory under /tmp),
// removed at the end unless --keep.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "coordinator/frontier.h"
#include "coordinator/store.h"
#include "core/clock.h"

using namespace swarmcrawl;

namespace {

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Mem {
  long rss_kb = 0;
  long hwm_kb = 0;
};

Mem ReadMem() {
  Mem m;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kb = std::stol(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_kb = std::stol(line.substr(6));
  }
  return m;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

int64_t CacheUsedBytes(Db* db) {
  int cur = 0, hi = 0;
  sqlite3_db_status(db->handle(), SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0);
  return cur;
}

std::string PragmaText(Db* db, const std::string& name) {
  Stmt s = db->Prepare("PRAGMA " + name);
  return s.Step() ? s.Text(0) : "?";
}

int64_t QueryInt(Db* db, const std::string& sql) {
  Stmt s = db->Prepare(sql);
  return s.Step() ? s.Int(0) : -1;
}

std::string Plan(Db* db, const std::string& sql) {
  Stmt s = db->Prepare("EXPLAIN QUERY PLAN " + sql);
  std::string out;
  while (s.Step()) out += "    " + s.Text(3) + "\n";
  return out;
}

// Per prepared statement of the connection: runs, and steps that scanned a
// whole table or index ("full scans"), sorted, or built an automatic index
// since the last call (the counters are reset). Frontier's hot statements are
// cached, so they are all here.
void PrintStatementStats(Db* db, const char* phase) {
  struct Row {
    std::string sql;
    int runs, fullscan, sort, autoindex;
  };
  std::vector<Row> rows;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db->handle(), nullptr); s != nullptr;
       s = sqlite3_next_stmt(db->handle(), s)) {
    Row r{sqlite3_sql(s) ? sqlite3_sql(s) : "", sqlite3_stmt_status(s, SQLITE_STMTSTATUS_RUN, 1),
          sqlite3_stmt_status(s, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1),
          sqlite3_stmt_status(s, SQLITE_STMTSTATUS_SORT, 1),
          sqlite3_stmt_status(s, SQLITE_STMTSTATUS_AUTOINDEX, 1)};
    if (r.runs > 0) rows.push_back(std::move(r));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.runs > b.runs; });
  std::printf("statements run during the %s (runs, full-scan steps, sorts, automatic-index rows):\n", phase);
  for (const auto& r : rows) {
    std::printf("  %10d %6d %4d %4d  %.100s%s\n", r.runs, r.fullscan, r.sort, r.autoindex, r.sql.c_str(),
                r.sql.size() > 100 ? "..." : "");
  }
}

void ResetStatementStats(Db* db) {
  for (sqlite3_stmt* s = sqlite3_next_stmt(db->handle(), nullptr); s != nullptr;
       s = sqlite3_next_stmt(db->handle(), s)) {
    for (int op : {SQLITE_STMTSTATUS_RUN, SQLITE_STMTSTATUS_FULLSCAN_STEP, SQLITE_STMTSTATUS_SORT,
                   SQLITE_STMTSTATUS_AUTOINDEX}) {
      sqlite3_stmt_status(s, op, 1);
    }
  }
}

// The robots.txt every host gets with --robots-ready (plus a Sitemap line
// naming the host): rules for everyone and two AI crawlers' groups, none of
// which disallows a URL of the workload.
constexpr const char* kRobotsTxt =
    "# robots.txt for a news site\n"
    "User-agent: *\n"
    "Disallow: /admin/\n"
    "Disallow: /search\n"
    "Disallow: /cart/\n"
    "Disallow: /account/\n"
    "Disallow: /*?sessionid=\n"
    "Disallow: /*.pdf$\n"
    "Allow: /search/about\n"
    "\n"
    "User-agent: GPTBot\n"
    "Disallow: /\n"
    "\n"
    "User-agent: CCBot\n"
    "Disallow: /\n"
    "\n"
    "User-agent: Google-Extended\n"
    "Disallow: /news/archive/\n"
    "\n";

double MiB(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// The links one page offers; see the workload description at the top.
class LinkGen {
 public:
  LinkGen(int64_t hosts, uint64_t seed) : hosts_(hosts), rng_(seed), articles_(hosts, 0) {}

  int64_t RandomHost() { return Uniform(hosts_); }

  void Page(int64_t h, std::vector<std::string>* out) {
    out->clear();
    char buf[256];
    auto add = [&](int n) { out->emplace_back(buf, static_cast<size_t>(n)); };
    static const char* kNav[] = {"", "about/", "contact/"};
    for (const char* p : kNav) add(std::snprintf(buf, sizeof buf, "http://h%" PRId64 ".bench.test/%s", h, p));
    for (int s = 0; s < 9; ++s) {
      add(std::snprintf(buf, sizeof buf, "http://h%" PRId64 ".bench.test/section/%d/", h, s));
    }
    for (int i = 0; i < 2; ++i) {
      add(std::snprintf(buf, sizeof buf, "http://h%" PRId64 ".bench.test/section/%d/?page=%d", h,
                        static_cast<int>(Uniform(9)), static_cast<int>(Uniform(50))));
    }
    for (int i = 0; i < 2; ++i) {
      add(std::snprintf(buf, sizeof buf, "http://h%" PRId64 ".bench.test/tag/%d/", h,
                        static_cast<int>(Uniform(200))));
    }
    int64_t& next = articles_[static_cast<size_t>(h)];
    for (int i = 0; i < 10; ++i) add(Article(buf, sizeof buf, h, next++));
    for (int i = 0; i < 14; ++i) add(Article(buf, sizeof buf, h, Uniform(next)));
    for (int i = 0; i < 10; ++i) {
      int64_t k = Uniform(hosts_ - 1);
      if (k >= h) ++k;
      if (i < 5) {
        if (Uniform(4) == 0) {
          add(std::snprintf(buf, sizeof buf,
                            "http://h%" PRId64 ".bench.test/?utm_source=h%" PRId64 "&utm_medium=link",
                            k, h));
        } else {
          add(std::snprintf(buf, sizeof buf, "http://h%" PRId64 ".bench.test/", k));
        }
      } else {
        add(Article(buf, sizeof buf, k, Uniform(1000)));
      }
    }
    // Document order interleaves navigation, article and external links.
    std::shuffle(out->begin(), out->end(), rng_);
  }

 private:
  int64_t Uniform(int64_t n) {
    return n <= 1 ? 0 : static_cast<int64_t>(rng_() % static_cast<uint64_t>(n));
  }
  static int Article(char* buf, size_t size, int64_t h, int64_t id) {
    static const char* kSlugs[] = {"frontier-at-scale", "local-news-roundup", "weather-this-week",
                                   "city-council-votes", "interview", "review-of-the-year"};
    return std::snprintf(buf, size, "http://h%" PRId64 ".bench.test/news/%d/%02d/%08" PRId64 "-%s.html",
                         h, 2020 + static_cast<int>(id % 7), 1 + static_cast<int>(id % 12), id,
                         kSlugs[id % 6]);
  }

  int64_t hosts_;
  std::mt19937_64 rng_;
  std::vector<int64_t> articles_;  // per host: articles linked so far
};

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

Percentiles Summarize(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / static_cast<double>(v.size());
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Frontier at scale: insert-with-dedup rate, RSS and lease selection cost"};
  int64_t urls = 1'000'000, hosts = 100'000, pages_per_tx = 64, leases = 20'000;
  int64_t report_every = 1'000'000, max_seconds = 1800, delay_ms = 100;
  uint64_t seed = 42;
  std::string dir;
  std::vector<std::string> pragmas;
  bool keep = false, no_lease = false, robots_ready = false, real_time = false;
  app.add_option("--urls", urls, "stop the load at this many new frontier rows")->check(CLI::PositiveNumber);
  app.add_option("--max-seconds", max_seconds, "stop the load after this long in any case")
      ->check(CLI::PositiveNumber);
  app.add_option("--hosts", hosts, "synthetic hosts h<N>.bench.test")->check(CLI::Range(int64_t{2}, int64_t{100'000'000}));
  app.add_option("--pages-per-tx", pages_per_tx, "pages per result batch (transaction)")
      ->check(CLI::PositiveNumber);
  app.add_option("--leases", leases, "NextLease calls timed in the lease phase");
  app.add_option("--report-every", report_every, "print rates and RSS every N new rows")
      ->check(CLI::PositiveNumber);
  app.add_option("--delay-ms", delay_ms, "the crawl spec's delay_ms");
  app.add_option("--seed", seed, "workload random seed");
  app.add_option("--dir", dir, "directory for the database (default: mkdtemp under /tmp)");
  app.add_option("--pragma", pragmas,
                 "extra PRAGMA run after Store::Open, e.g. --pragma cache_size=-65536 (experiments)");
  LeaseLimits limits;
  app.add_option("--intake-rows", limits.intake_rows, "new URLs gathered before a sorted merge (LeaseLimits::intake_rows)")
      ->check(CLI::PositiveNumber);
  app.add_option("--exact-admission-margin", limits.exact_admission_margin,
                 "probe the frontier at admission within this many URLs of max_pages "
                 "(LeaseLimits::exact_admission_margin; 2000000000 = always, the pre-merge-dedup behaviour)");
  app.add_option("--intake-max-age-ms", limits.intake_max_age_ms,
                 "merge an intake part once its oldest URL is this old (LeaseLimits::intake_max_age_ms)");
  app.add_flag("--real-time", real_time,
               "advance the crawl clock by each batch's measured time and merge by age after each "
               "batch, as the coordinator's loop does (default: 1 ms per batch, merges by size)");
  app.add_flag("--keep", keep, "keep the database directory");
  app.add_flag("--no-lease", no_lease, "skip the lease phase");
  app.add_flag("--robots-ready", robots_ready,
               "create every host with a known robots.txt before the load (a crawl's steady state)");
  CLI11_PARSE(app, argc, argv);

  bool made_dir = false;
  if (dir.empty()) {
    char tmpl[] = "/tmp/swarmcrawl-frontier-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = tmpl;
    made_dir = true;
  } else {
    std::filesystem::create_directories(dir);
  }
  const std::string db_path = dir + "/frontier.db";
  if (std::filesystem::exists(db_path)) {
    std::fprintf(stderr, "frontier_bench: %s exists; use an empty --dir\n", db_path.c_str());
    return 2;
  }
  auto cleanup = [&] {
    if (keep) {
      std::printf("kept: %s\n", dir.c_str());
    } else if (made_dir) {
      std::filesystem::remove_all(dir);
    } else {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
    }
  };

  ManualClock clock;
  Store store;
  if (Status s = Store::Open(db_path, &store); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  Db* db = store.db();
  for (const auto& p : pragmas) db->Exec("PRAGMA " + p);
  const std::string spec_json =
      R"({"name":"bench","seeds":["http://h0.bench.test/"],"allowed_domains":["bench.test"],)"
      R"("delay_ms":)" + std::to_string(delay_ms) +
      R"(,"max_pages":1000000000,"max_depth":20})";
  CrawlSpec spec;
  if (Status s = ParseCrawlSpec(spec_json, &spec); !s.ok()) {
    std::fprintf(stderr, "spec: %s\n", s.ToString().c_str());
    return 1;
  }
  int64_t crawl_id = 0;
  if (Status s = store.InsertCrawl(spec, clock.NowMs(), &crawl_id); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  Frontier frontier(&store, &clock, limits);
  frontier.LoadCrawls();
  {
    Transaction tx(db);
    frontier.AddSeeds(crawl_id);
    frontier.Flush();
    tx.Commit();
  }

  std::printf("frontier_bench: db %s\n", db_path.c_str());
  std::printf("spec: %s\n", spec_json.c_str());
  std::printf("sqlite %s: page_size %s, cache_size %s (negative = KiB), mmap_size %s, journal_mode %s, "
              "synchronous %s (1 = NORMAL), wal_autocheckpoint %s, temp_store %s\n",
              sqlite3_libversion(), PragmaText(db, "page_size").c_str(),
              PragmaText(db, "cache_size").c_str(), PragmaText(db, "mmap_size").c_str(),
              PragmaText(db, "journal_mode").c_str(), PragmaText(db, "synchronous").c_str(),
              PragmaText(db, "wal_autocheckpoint").c_str(), PragmaText(db, "temp_store").c_str());
  std::printf("frontier: seen-hash cache %zu entries (%.1f MiB); intake merged every %zu new rows "
              "(key set %.1f MiB)\n",
              limits.seen_cache_entries, MiB(static_cast<int64_t>(limits.seen_cache_entries * 8)),
              limits.intake_rows, MiB(static_cast<int64_t>(limits.intake_rows * 32)));
  std::printf("workload: %" PRId64 " hosts, %" PRId64 " pages per transaction, 50 links per page; "
              "stop at %" PRId64 " new rows or %" PRId64 " s\n",
              hosts, pages_per_tx, urls, max_seconds);
  // Every host h<N> exists: its home page admitted (INSERT OR IGNORE for those there).
  auto admit_home_pages = [&] {
    std::vector<std::string> homes;
    for (int64_t h = 0; h < hosts; h += 1000) {
      homes.clear();
      char buf[64];
      for (int64_t k = h; k < std::min(hosts, h + 1000); ++k) {
        homes.emplace_back(buf, static_cast<size_t>(std::snprintf(buf, sizeof buf, "http://h%" PRId64 ".bench.test/", k)));
      }
      Transaction tx(db);
      frontier.Admit(crawl_id, homes, 1);
      frontier.Flush();
      tx.Commit();
    }
  };
  // robots.txt known for every host (as after its robots lease), expiring in 10 years.
  auto set_robots = [&](int64_t status, bool with_body) {
    Transaction tx(db);
    Stmt set = db->Prepare(std::string("UPDATE hosts SET robots_state='ready', robots_status=?2, robots_txt=") +
                           (with_body ? "?3 || 'Sitemap: ' || host || '/sitemap.xml\n'" : "''") +
                           ", robots_fetched_at=?1, robots_expires_at=?1 + 315360000000");
    set.Bind(1, clock.NowMs()).Bind(2, status);
    if (with_body) set.Bind(3, std::string_view(kRobotsTxt));
    set.Run();
    tx.Commit();
    frontier.Reload();
  };
  if (robots_ready) {
    const auto t0 = SteadyClock::now();
    admit_home_pages();
    set_robots(200, true);
    std::printf("robots-ready: %" PRId64 " hosts created and given a %zu-byte robots.txt before the load "
                "(%.1f s, not timed)\n",
                hosts, std::strlen(kRobotsTxt) + 40, Seconds(SteadyClock::now() - t0));
  }
  const Mem start_mem = ReadMem();
  std::printf("start: VmRSS %.1f MiB, VmHWM %.1f MiB\n\n", start_mem.rss_kb / 1024.0,
              start_mem.hwm_kb / 1024.0);

  // ---------------------------------------------------------------- load
  std::printf("%12s %13s %9s %9s | %12s %11s | %12s %11s | %8s %8s %8s %9s\n", "new rows",
              "offered", "tx s", "wall s", "offered/s", "new rows/s", "offered/s", "new rows/s",
              "VmRSS", "VmHWM", "sqlcache", "db+wal");
  std::printf("%12s %13s %9s %9s | %24s | %24s | %8s %8s %8s %9s\n", "", "", "", "",
              "---- this interval ----", "----- cumulative -----", "MiB", "MiB", "MiB", "MiB");
  LinkGen gen(hosts, seed);
  std::vector<std::vector<std::string>> pages(static_cast<size_t>(pages_per_tx));
  auto frontier_rows = [db] { return QueryInt(db, "SELECT COALESCE(MAX(id), 0) FROM frontier"); };
  int64_t inserted = frontier_rows();  // the seed
  int64_t offered = 0, batches = 0;
  SteadyClock::duration tx_time{};
  const auto wall_start = SteadyClock::now();
  int64_t next_report = report_every;
  int64_t last_inserted = inserted, last_offered = 0;
  SteadyClock::duration last_tx{};
  bool time_stop = false;
  std::vector<std::string> report_lines;
  std::vector<double> tx_ms;  // per transaction (one result batch), BEGIN..COMMIT
  while (inserted < urls) {
    if (Seconds(SteadyClock::now() - wall_start) >= static_cast<double>(max_seconds)) {
      time_stop = true;
      break;
    }
    const int64_t h = gen.RandomHost();
    for (auto& p : pages) gen.Page(h, &p);  // links in random order, as on a page
    const int64_t depth = 1 + batches % 10;
    const auto t0 = SteadyClock::now();
    {
      Transaction tx(db);
      for (const auto& p : pages) frontier.Admit(crawl_id, p, depth + 1);
      tx.Commit();
    }
    if (real_time) {
      // The coordinator's loop: housekeeping merges by age after each batch.
      clock.Advance(std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                             SteadyClock::now() - t0).count()));
      Transaction tx(db);
      frontier.MaybeFlush();
      tx.Commit();
    } else {
      clock.Advance(1);
    }
    const auto dt = SteadyClock::now() - t0;
    tx_time += dt;
    tx_ms.push_back(Seconds(dt) * 1e3);
    ++batches;
    for (const auto& p : pages) offered += static_cast<int64_t>(p.size());
    // Merged rows are counted exactly (ids are sequential and nothing is
    // deleted); the intake may still hold URLs its merge will find known
    // (far from max_pages Admit leaves that check to the merge), so before a
    // report or the stop the intake is merged (timed: it is frontier work).
    if (frontier_rows() + static_cast<int64_t>(frontier.intake_size()) < std::min(next_report, urls)) continue;
    {
      const auto f0 = SteadyClock::now();
      Transaction tx(db);
      frontier.Flush();
      tx.Commit();
      tx_time += SteadyClock::now() - f0;
    }
    inserted = frontier_rows();
    if (inserted >= next_report || inserted >= urls) {
      const Mem m = ReadMem();
      const double it = Seconds(tx_time - last_tx), ct = Seconds(tx_time);
      char line[512];
      std::snprintf(line, sizeof line,
                    "%12" PRId64 " %13" PRId64 " %9.1f %9.1f | %12.0f %11.0f | %12.0f %11.0f | %8.1f %8.1f %8.1f %9.0f",
                    inserted, offered, ct, Seconds(SteadyClock::now() - wall_start),
                    static_cast<double>(offered - last_offered) / it,
                    static_cast<double>(inserted - last_inserted) / it,
                    static_cast<double>(offered) / ct, static_cast<double>(inserted) / ct,
                    m.rss_kb / 1024.0, m.hwm_kb / 1024.0, MiB(CacheUsedBytes(db)),
                    MiB(FileSize(db_path) + FileSize(db_path + "-wal")));
      std::printf("%s\n", line);
      std::fflush(stdout);
      report_lines.push_back(line);
      last_inserted = inserted;
      last_offered = offered;
      last_tx = tx_time;
      while (next_report <= inserted) next_report += report_every;
    }
  }
  {
    // What is still in the intake is merged, and timed as part of the load.
    const auto t0 = SteadyClock::now();
    Transaction tx(db);
    frontier.Flush();
    tx.Commit();
    tx_time += SteadyClock::now() - t0;
    std::printf("final merge of the intake: %.2f s\n", Seconds(SteadyClock::now() - t0));
  }
  const double load_tx_s = Seconds(tx_time);
  const double load_wall_s = Seconds(SteadyClock::now() - wall_start);
  const Mem load_mem = ReadMem();
  std::printf("\nload %s: %" PRId64 " new rows from %" PRId64 " offered links (%.1f%% new) in %" PRId64
              " transactions; frontier time %.1f s, wall %.1f s (link generation included)\n",
              time_stop ? "STOPPED BY --max-seconds" : "done", inserted, offered,
              100.0 * static_cast<double>(inserted) / static_cast<double>(std::max<int64_t>(offered, 1)),
              batches, load_tx_s, load_wall_s);

  const Percentiles txp = Summarize(tx_ms);
  std::printf("transaction (%" PRId64 " pages' Admit + COMMIT, incl. WAL checkpoints): p50 %.1f ms, p99 %.1f ms, "
              "max %.1f ms\n",
              pages_per_tx, txp.p50, txp.p99, txp.max);

  PrintStatementStats(db, "load");

  // Consistency: every counted row exists once, and the hosts' queued counters add up.
  const int64_t rows = QueryInt(db, "SELECT COUNT(*) FROM frontier");
  const int64_t queued_rows = QueryInt(db, "SELECT COUNT(*) FROM frontier WHERE crawl_id=" + std::to_string(crawl_id) + " AND state='queued'");
  const int64_t queued_sum = QueryInt(db, "SELECT SUM(queued) FROM hosts");
  const int64_t host_rows = QueryInt(db, "SELECT COUNT(*) FROM hosts");
  const int64_t queued_kept = QueryInt(db, "SELECT COALESCE(SUM(n), 0) FROM frontier_counts WHERE state='queued'");
  const bool consistent = rows == inserted && queued_rows == queued_sum && queued_rows == queued_kept;
  std::printf("check: frontier rows %" PRId64 " (counted %" PRId64 "), queued %" PRId64
              ", SUM(hosts.queued) %" PRId64 ", frontier_counts queued %" PRId64 ", hosts %" PRId64 " -> %s\n",
              rows, inserted, queued_rows, queued_sum, queued_kept, host_rows, consistent ? "ok" : "MISMATCH");
  {
    // What `swarmcrawl status` and the API's status do at this size.
    const auto t0 = SteadyClock::now();
    CrawlStatus status;
    const bool ok = store.GetStatus("bench", &status).ok();
    std::printf("crawl status (Store::GetStatus) at %" PRId64 " rows: %.1f ms%s\n", rows,
                Seconds(SteadyClock::now() - t0) * 1e3, ok ? "" : " (FAILED)");
  }

  // ---------------------------------------------------------------- plans
  const std::string pick_sql =
      "SELECT id, host, robots_state, delay_ms, COALESCE(ip,''), COALESCE(robots_expires_at,0), "
      "next_fetch_at, response_ms FROM hosts WHERE crawl_id=? AND queued > 0 AND lease_id IS NULL AND "
      "next_fetch_at <= ? ORDER BY next_fetch_at LIMIT 1";  // copied from Frontier::NextLease
  const std::string tasks_sql =
      "SELECT id, url, kind, COALESCE(etag,''), COALESCE(last_modified,'') FROM frontier "
      "WHERE host_id=? AND state='queued' ORDER BY depth, id LIMIT ?";  // Frontier::LeaseHost
  const std::string host_sql = "SELECT id FROM hosts WHERE crawl_id=? AND host=?";  // Frontier::HostId
  const std::string dedup_sql =
      "SELECT 1 FROM frontier WHERE host_id=? AND url_hash=?";  // what INSERT OR IGNORE probes
  std::printf("\nEXPLAIN QUERY PLAN, host pick (Frontier::NextLease):\n%s", Plan(db, pick_sql).c_str());
  std::printf("EXPLAIN QUERY PLAN, tasks of a host (Frontier::LeaseHost):\n%s", Plan(db, tasks_sql).c_str());
  std::printf("EXPLAIN QUERY PLAN, host id (Frontier::HostId):\n%s", Plan(db, host_sql).c_str());
  std::printf("EXPLAIN QUERY PLAN, dedup probe (UNIQUE(host_id, url_hash)):\n%s", Plan(db, dedup_sql).c_str());

  Percentiles call{}, with_commit{}, pick{};
  int64_t lease_hosts = 0, leased = 0, tasks = 0;
  if (!no_lease && leases > 0) {
    // Every host exists and has its robots.txt; see the top of the file.
    const auto prep0 = SteadyClock::now();
    admit_home_pages();
    if (!robots_ready) set_robots(404, false);
    {
      Transaction tx(db);
      db->Exec("UPDATE hosts SET response_ms=100");
      tx.Commit();
    }
    lease_hosts = QueryInt(db, "SELECT COUNT(*) FROM hosts WHERE queued > 0 AND lease_id IS NULL");
    std::printf("\nlease phase: %" PRId64 " hosts with queued URLs, all robots-ready (setup %.1f s)\n",
                lease_hosts, Seconds(SteadyClock::now() - prep0));

    // The pick query alone, as NextLease runs it (cached statement, one row).
    {
      std::vector<double> us;
      Stmt s = db->Prepare(pick_sql);
      for (int i = 0; i < 20000; ++i) {
        const auto t0 = SteadyClock::now();
        s.Bind(1, crawl_id).Bind(2, clock.NowMs() + i);
        const bool row = s.Step();
        s.Reset();
        us.push_back(Seconds(SteadyClock::now() - t0) * 1e6);
        if (!row) break;
      }
      pick = Summarize(us);
    }

    std::vector<double> call_us, commit_us;
    const std::string contributor(64, 'a');
    ResetStatementStats(db);
    for (int64_t i = 0; i < leases; ++i) {
      const auto t0 = SteadyClock::now();
      std::optional<LeaseMsg> lease;
      SteadyClock::time_point t1;
      {
        Transaction tx(db);
        lease = frontier.NextLease("bench-worker", contributor, 64);
        t1 = SteadyClock::now();
        tx.Commit();
      }
      const auto t2 = SteadyClock::now();
      call_us.push_back(Seconds(t1 - t0) * 1e6);
      commit_us.push_back(Seconds(t2 - t0) * 1e6);
      clock.Advance(1);
      if (!lease) continue;
      ++leased;
      tasks += static_cast<int64_t>(lease->tasks.size());
      // Untimed: what the worker's RELEASE and results would do.
      Transaction tx(db);
      frontier.FetchesDone(lease->lease_id);
      db->Cached("UPDATE frontier SET state='done', updated_at=? WHERE lease_id=? AND state='leased'")
          .Bind(1, clock.NowMs())
          .Bind(2, lease->lease_id)
          .Run();
      frontier.FinishTasks(lease->lease_id, static_cast<int64_t>(lease->tasks.size()));
      tx.Commit();
    }
    call = Summarize(call_us);
    with_commit = Summarize(commit_us);
    PrintStatementStats(db, "leases (NextLease, then untimed FetchesDone, URLs marked done, FinishTasks)");
    std::printf("host pick query alone: p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us\n", pick.p50,
                pick.p90, pick.p99, pick.max);
    std::printf("NextLease (%" PRId64 " calls, %" PRId64 " leases, %.1f tasks/lease): p50 %.1f us, p90 %.1f us, "
                "p99 %.1f us, max %.1f us, mean %.1f us\n",
                leases, leased, leased ? static_cast<double>(tasks) / static_cast<double>(leased) : 0.0,
                call.p50, call.p90, call.p99, call.max, call.mean);
    std::printf("NextLease + COMMIT: p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us, mean %.1f us\n",
                with_commit.p50, with_commit.p90, with_commit.p99, with_commit.max, with_commit.mean);
  }

  const Mem end_mem = ReadMem();
  const int64_t db_bytes = FileSize(db_path) + FileSize(db_path + "-wal");
  std::printf("\nend: VmRSS %.1f MiB, VmHWM %.1f MiB, SQLite page cache %.1f MiB, db+wal %.0f MiB\n",
              end_mem.rss_kb / 1024.0, end_mem.hwm_kb / 1024.0, MiB(CacheUsedBytes(db)), MiB(db_bytes));
  // One machine-readable line for scripts/bench/frontier.sh.
  std::printf("SUMMARY urls=%" PRId64 " inserted=%" PRId64 " offered=%" PRId64 " tx_s=%.1f wall_s=%.1f "
              "offered_per_s=%.0f inserted_per_s=%.0f rss_mib=%.1f hwm_mib=%.1f load_rss_mib=%.1f "
              "db_mib=%.0f hosts=%" PRId64 " lease_hosts=%" PRId64 " leases=%" PRId64
              " pick_p50_us=%.1f pick_p99_us=%.1f lease_p50_us=%.1f lease_p99_us=%.1f "
              "lease_commit_p50_us=%.1f lease_commit_p99_us=%.1f tx_p50_ms=%.1f tx_p99_ms=%.1f tx_max_ms=%.1f "
              "time_stop=%d consistent=%d\n",
              urls, inserted, offered, load_tx_s, load_wall_s,
              static_cast<double>(offered) / load_tx_s, static_cast<double>(inserted) / load_tx_s,
              end_mem.rss_kb / 1024.0, end_mem.hwm_kb / 1024.0, load_mem.rss_kb / 1024.0, MiB(db_bytes),
              host_rows, lease_hosts, leased, pick.p50, pick.p99, call.p50, call.p99, with_commit.p50,
              with_commit.p99, txp.p50, txp.p99, txp.max, time_stop ? 1 : 0, consistent ? 1 : 0);
  cleanup();
  return consistent ? 0 : 3;
}
