// Cluster: a real crawl network for integration tests, all on 127.0.0.1.
//
// Starts the fixture HTTP server, a coordinator process (CurveZMQ unless
// plaintext is asked for) and worker processes, each with its own contributor
// key and spool; every process is SIGKILLed and reaped when the Cluster goes
// away, and its directory removed (set SWARMCRAWL_KEEP_TEST_DIRS to keep logs
// and databases). Reads the coordinator's SQLite file directly for assertions.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/sqlite.h"
#include "tests/support/fixture_site.h"
#include "tests/support/process.h"

namespace swarmcrawl::testing {

struct ClusterOptions {
  int pages = 600;
  uint64_t seed = 7;
  int slow_ms = 200;
  int64_t delay_ms = 0;
  int64_t concurrency = 8;
  int64_t heartbeat_ms = 200;
  int64_t lease_size = 64;
  bool plaintext = false;
  std::vector<std::string> worker_args;  // extra flags for every worker
  // Serve the multi-host site (tests/support/multihost_site.h) instead of the
  // fixture site; seeds are then "/" of `hosts`, and `spec_extra` (JSON
  // members, e.g. "\"ip_concurrency\": 2") is added to the crawl spec.
  bool multihost = false;
  std::vector<std::string> hosts;
  // Paths ("/feed.xml") of spec sitemaps: on sitemap.localhost (multihost), else on the site.
  std::vector<std::string> sitemaps;
  std::string spec_extra;
  // Serve this directory (fixture_server --dir) instead of the generated site.
  std::string fixture_dir;
  int retry_after_s = 2;
  bool changing_pages = false;  // fixture_server --changing
  // Serve the hostile site (tests/support/hostile_server.cc) instead; its
  // seeds and hosts (and the inward redirect targets) make up the crawl.
  bool hostile = false;
  // Workers may reach 127.0.0.1 only (--allow-address), not every private
  // network (--allow-private-networks).
  bool strict_network = false;
  std::vector<std::string> coordinator_args;  // extra flags for the coordinator
};

// One request as multihost_server logged it.
struct LoggedRequest {
  std::string host;  // "a.localhost"
  int64_t start_ms = 0, end_ms = 0;
  std::string target;
  int status = 0;
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options);
  ~Cluster();

  // Site, crawl, coordinator and `workers` workers: a running crawl.
  void StartAll(int workers);
  void StartSite();
  void SubmitCrawl();
  void StartCoordinator();
  void StartWorker(int index);  // keys and spools are per index, so a restart reuses them
  void StartWorkerWithArgs(int index, const std::vector<std::string>& extra);
  pid_t WorkerPid(int index) const { return workers_.at(index)->pid(); }
  void KillCoordinator();
  void KillWorker(int index);

  // Polls the database until the crawl is done (true) or the timeout passes.
  bool WaitForCrawlDone(std::chrono::seconds timeout);
  bool WaitForRecords(int64_t n, std::chrono::seconds timeout);

  int64_t QueryInt(const std::string& sql);
  std::map<std::string, int64_t> QueryCounts(const std::string& sql);  // 2 columns: key, count
  std::set<std::string> RecordPaths();  // paths of stored records' URLs
  // GET requests per path in the site's access log (the probe is not logged).
  std::map<std::string, int> AccessCounts();

  const FixtureSite& site() const { return *site_; }
  const std::string& dir() const { return dir_; }
  const std::string& db_path() const { return db_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(site_port_) + "/"; }
  // "http://NAME.localhost:PORT" + path, on the multi-host site.
  std::string HostUrl(const std::string& name, const std::string& path) const {
    return "http://" + name + ".localhost:" + std::to_string(site_port_) + path;
  }
  std::vector<LoggedRequest> RequestLog();  // multi-host site only
  // "HOST PATH" lines of the hostile server's request log.
  std::vector<std::string> HostileLog();
  int site_port() const { return site_port_; }
  RunResult Cli(const std::vector<std::string>& args);
  std::string coordinator_endpoint() const {
    return "tcp://127.0.0.1:" + std::to_string(coord_port_);
  }
  std::string coordinator_key();

 private:
  ClusterOptions options_;
  std::string dir_;
  std::string db_;
  int site_port_ = 0;
  int coord_port_ = 0;
  std::unique_ptr<FixtureSite> site_;
  std::unique_ptr<Process> site_proc_;
  std::unique_ptr<Process> coordinator_;
  std::map<int, std::unique_ptr<Process>> workers_;
};

}  // namespace swarmcrawl::testing
