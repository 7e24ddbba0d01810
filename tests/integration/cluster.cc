#include "tests/integration/cluster.h"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/url.h"

namespace swarmcrawl::testing {

Cluster::Cluster(ClusterOptions options) : options_(options) {
  dir_ = MakeTempDir("swarmcrawl-it");
  db_ = dir_ + "/coordinator.db";
  coord_port_ = FreeTcpPort();
}

Cluster::~Cluster() {
  for (auto& [i, w] : workers_) w.reset();
  coordinator_.reset();
  site_proc_.reset();
  // Logs and databases stay for inspection only when asked for.
  if (std::getenv("SWARMCRAWL_KEEP_TEST_DIRS") == nullptr) std::filesystem::remove_all(dir_);
}

void Cluster::StartAll(int workers) {
  StartSite();
  SubmitCrawl();
  StartCoordinator();
  for (int i = 1; i <= workers; ++i) StartWorker(i);
}

void Cluster::StartSite() {
  const std::string port_file = dir_ + "/site.port";
  if (options_.hostile) {
    site_proc_ = std::make_unique<Process>(Process::Start(
        {HOSTILE_SERVER_BIN, "--port", "0", "--port-file", port_file, "--request-log",
         dir_ + "/requests.log"},
        dir_ + "/site.log"));
    REQUIRE(WaitUntil([&] { return !ReadFile(port_file).empty(); }, std::chrono::seconds(20)));
    site_port_ = std::stoi(ReadFile(port_file));
    return;
  }
  if (options_.multihost) {
    site_proc_ = std::make_unique<Process>(Process::Start(
        {MULTIHOST_SERVER_BIN, "--port", "0", "--port-file", port_file, "--request-log",
         dir_ + "/requests.log", "--slow-ms", std::to_string(options_.slow_ms), "--retry-after",
         std::to_string(options_.retry_after_s)},
        dir_ + "/site.log"));
    REQUIRE(WaitUntil([&] { return !ReadFile(port_file).empty(); }, std::chrono::seconds(10)));
    site_port_ = std::stoi(ReadFile(port_file));
    return;
  }
  std::vector<std::string> argv = {
      FIXTURE_SERVER_BIN, "--port", "0", "--port-file", port_file, "--pages",
      std::to_string(options_.pages), "--seed", std::to_string(options_.seed), "--slow-ms",
      std::to_string(options_.slow_ms), "--access-log", dir_ + "/access.log"};
  if (!options_.fixture_dir.empty()) {
    argv.push_back("--dir");
    argv.push_back(options_.fixture_dir);
  }
  if (options_.changing_pages) argv.push_back("--changing");
  site_proc_ = std::make_unique<Process>(Process::Start(argv, dir_ + "/site.log"));
  REQUIRE(WaitUntil([&] { return !ReadFile(port_file).empty(); }, std::chrono::seconds(10)));
  site_port_ = std::stoi(ReadFile(port_file));
  FixtureOptions fo;
  fo.pages = options_.pages;
  fo.seed = options_.seed;
  fo.slow_ms = options_.slow_ms;
  fo.host_port = "127.0.0.1:" + std::to_string(site_port_);
  site_ = std::make_unique<FixtureSite>(fo);
}

RunResult Cluster::Cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SWARMCRAWL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, std::chrono::seconds(60));
}

void Cluster::SubmitCrawl() {
  const std::string spec = dir_ + "/spec.json";
  std::string seeds = "\"" + base_url() + "\"";
  std::string extra;
  if (options_.hostile) {
    const std::string p = std::to_string(site_port_);
    seeds = "\"http://hostile.localhost:" + p + "/\", \"http://good.localhost:" + p +
            "/\", \"http://robotsredir.localhost:" + p + "/\"";
    // The inward targets are in scope on purpose: what must stop them is the
    // worker's address check, not the crawl's scope.
    extra = ", \"allowed_hosts\": [\"hostile.localhost\", \"good.localhost\", \"robotsredir.localhost\", "
            "\"169.254.169.254\", \"10.0.0.1\", \"[::1]\", \"internal.test\"], \"response_time_factor\": 0";
    if (!options_.spec_extra.empty()) extra += ", " + options_.spec_extra;
  } else if (options_.multihost) {
    seeds.clear();
    for (const auto& h : options_.hosts) seeds += (seeds.empty() ? "\"" : ", \"") + HostUrl(h, "/") + "\"";
    std::string maps;
    for (const auto& p : options_.sitemaps) {
      maps += (maps.empty() ? "\"" : ", \"") + HostUrl("sitemap", p) + "\"";
    }
    extra = ", \"sitemaps\": [" + maps + "], \"allowed_domains\": [\"localhost\"]";
    if (!options_.spec_extra.empty()) extra += ", " + options_.spec_extra;
  } else {
    // One host at full speed: its slow pages must not slow the whole crawl.
    extra = ", \"response_time_factor\": 0";
    std::string maps;
    for (const auto& p : options_.sitemaps) maps += (maps.empty() ? "\"" : ", \"") + base_url() + p.substr(1) + "\"";
    if (!maps.empty()) extra += ", \"sitemaps\": [" + maps + "]";
    if (!options_.spec_extra.empty()) extra += ", " + options_.spec_extra;
  }
  std::ofstream(spec) << "{\"name\": \"it\", \"seeds\": [" << seeds
                      << "], \"delay_ms\": " << options_.delay_ms << extra
                      << ", \"concurrency\": " << options_.concurrency
                      << ", \"max_depth\": 50, \"max_attempts\": 2, "
                         "\"user_agent\": \"swarmcrawl-test/1.0\"}";
  RunResult r = Cli({"crawl", "submit", spec, "--db", db_});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

void Cluster::StartCoordinator() {
  std::vector<std::string> argv = {SWARMCRAWL_BIN,  "coordinator", "--db", db_, "--bind",
                                   coordinator_endpoint(), "--heartbeat-ms",
                                   std::to_string(options_.heartbeat_ms), "--lease-size",
                                   std::to_string(options_.lease_size), "--lease-ttl-ms", "20000"};
  if (options_.plaintext) argv.push_back("--plaintext");
  argv.insert(argv.end(), options_.coordinator_args.begin(), options_.coordinator_args.end());
  coordinator_ = std::make_unique<Process>(Process::Start(argv, dir_ + "/coordinator.log"));
  if (!options_.plaintext) {
    REQUIRE(WaitUntil([&] { return coordinator_key().size() == 40; }, std::chrono::seconds(10)));
  }
}

std::string Cluster::coordinator_key() {
  std::istringstream in(ReadFile(db_ + ".curve"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("public: ", 0) == 0) return line.substr(8);
  }
  return "";
}

void Cluster::StartWorker(int index) { StartWorkerWithArgs(index, {}); }

void Cluster::StartWorkerWithArgs(int index, const std::vector<std::string>& extra) {
  const std::string i = std::to_string(index);
  std::vector<std::string> argv = {
      SWARMCRAWL_BIN, "worker", "--coordinator", coordinator_endpoint(), "--key",
      dir_ + "/contributor-" + i + ".key", "--name", "contributor-" + i, "--spool",
      dir_ + "/worker-" + i + ".db", "--no-progress", "--threads", "2", "--timeout", "10"};
  if (options_.strict_network) {
    argv.insert(argv.end(), {"--allow-address", "127.0.0.1"});
  } else {
    argv.push_back("--allow-private-networks");
  }
  if (options_.plaintext) {
    argv.push_back("--plaintext");
  } else {
    argv.push_back("--coordinator-key");
    argv.push_back(coordinator_key());
  }
  argv.insert(argv.end(), options_.worker_args.begin(), options_.worker_args.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  workers_[index] = std::make_unique<Process>(Process::Start(argv, dir_ + "/worker-" + i + ".log"));
}

void Cluster::KillCoordinator() {
  coordinator_->Signal(SIGKILL);
  coordinator_->Wait(std::chrono::seconds(10));
}

void Cluster::KillWorker(int index) {
  workers_[index]->Signal(SIGKILL);
  workers_[index]->Wait(std::chrono::seconds(10));
}

int64_t Cluster::QueryInt(const std::string& sql) {
  Db db;
  REQUIRE(Db::Open(db_, &db).ok());
  Stmt s = db.Prepare(sql);
  return s.Step() ? s.Int(0) : -1;
}

std::map<std::string, int64_t> Cluster::QueryCounts(const std::string& sql) {
  Db db;
  REQUIRE(Db::Open(db_, &db).ok());
  std::map<std::string, int64_t> out;
  Stmt s = db.Prepare(sql);
  while (s.Step()) out[s.Text(0)] = s.Int(1);
  return out;
}

std::vector<LoggedRequest> Cluster::RequestLog() {
  std::vector<LoggedRequest> out;
  std::istringstream in(ReadFile(dir_ + "/requests.log"));
  std::string method;
  LoggedRequest r;
  while (in >> r.host >> r.start_ms >> r.end_ms >> method >> r.target >> r.status) out.push_back(r);
  return out;
}

bool Cluster::WaitForCrawlDone(std::chrono::seconds timeout) {
  return WaitUntil([&] { return QueryInt("SELECT state='done' FROM crawls WHERE name='it'") == 1; },
                   timeout);
}

bool Cluster::WaitForRecords(int64_t n, std::chrono::seconds timeout) {
  return WaitUntil([&] { return QueryInt("SELECT COUNT(*) FROM records") >= n; }, timeout);
}

std::set<std::string> Cluster::RecordPaths() {
  Db db;
  REQUIRE(Db::Open(db_, &db).ok());
  std::set<std::string> out;
  Stmt s = db.Prepare("SELECT url FROM records");
  while (s.Step()) {
    UrlParts p;
    REQUIRE(SplitUrl(s.Text(0), &p).ok());
    out.insert(p.path_query);
  }
  return out;
}

std::map<std::string, int> Cluster::AccessCounts() {
  std::map<std::string, int> counts;
  std::istringstream in(ReadFile(dir_ + "/access.log"));
  std::string method, path, status, rest;
  while (in >> method >> path >> status) {
    std::getline(in, rest);
    if (method == "GET") ++counts[path];
  }
  return counts;
}

std::vector<std::string> Cluster::HostileLog() {
  std::vector<std::string> out;
  std::istringstream in(ReadFile(dir_ + "/requests.log"));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace swarmcrawl::testing
