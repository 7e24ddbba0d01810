// api_bench: the coordinator's HTTP API under load, measured from a client.
//
//   api_bench --url http://127.0.0.1:7180 --crawl NAME status --seconds 30 --rate 50
//     GETs /api/v1/crawls/NAME, /api/v1/crawls, /api/v1/stats and
//     /api/v1/workers in turn at --rate requests per second (bounded by
//     --seconds) and prints p50 / p90 / p99 / max latency per endpoint and
//     overall, plus how many records the crawl stored meanwhile (to show it
//     was writing).
//   api_bench --url ... --crawl NAME stream --runs 3
//     streams every record as JSON Lines (/api/v1/records, limit 1000000)
//     --runs times and prints MB/s and records/s of each run.
// Only loopback URLs are accepted. scripts/bench/api.sh drives both phases
// against a real crawl.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

void PrintLatencies(const std::string& name, const std::vector<double>& v) {
  std::printf("%-28s n=%-6zu p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n",
              name.c_str(), v.size(), Percentile(v, 0.5), Percentile(v, 0.9), Percentile(v, 0.99),
              v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()));
}

int64_t CrawlRecords(httplib::Client& c, const std::string& crawl) {
  auto r = c.Get("/api/v1/crawls/" + crawl);
  if (!r || r->status != 200) return -1;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  return j.is_object() ? j.value("records", int64_t{-1}) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"api_bench: HTTP API latency and streaming throughput"};
  std::string url = "http://127.0.0.1:7180", crawl;
  app.add_option("--url", url, "the coordinator's API (loopback only)")->capture_default_str();
  app.add_option("--crawl", crawl, "crawl name")->required();
  auto* status = app.add_subcommand("status", "status latency");
  double seconds = 30, rate = 50;
  status->add_option("--seconds", seconds)->capture_default_str()->check(CLI::Range(1.0, 3600.0));
  status->add_option("--rate", rate, "requests per second")->capture_default_str()->check(CLI::Range(1.0, 10000.0));
  auto* stream = app.add_subcommand("stream", "records streaming throughput");
  int runs = 3;
  stream->add_option("--runs", runs)->capture_default_str()->check(CLI::Range(1, 20));
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  if (url.rfind("http://127.", 0) != 0 && url.rfind("http://localhost", 0) != 0) {
    std::fprintf(stderr, "api_bench: only loopback URLs (http://127.x.x.x:PORT)\n");
    return 2;
  }
  httplib::Client client(url);
  client.set_read_timeout(600, 0);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);

  if (status->parsed()) {
    const std::vector<std::string> paths = {"/api/v1/crawls/" + crawl, "/api/v1/crawls",
                                            "/api/v1/stats", "/api/v1/workers"};
    std::map<std::string, std::vector<double>> lat;
    std::vector<double> all;
    int errors = 0;
    const int64_t records_before = CrawlRecords(client, crawl);
    const auto start = Clock::now();
    const auto period = std::chrono::duration<double>(1.0 / rate);
    const int64_t total = static_cast<int64_t>(seconds * rate);
    for (int64_t i = 0; i < total; ++i) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(i));
      std::this_thread::sleep_until(due);
      const std::string& p = paths[static_cast<size_t>(i) % paths.size()];
      const auto t0 = Clock::now();
      auto r = client.Get(p);
      const double ms = Ms(Clock::now() - t0);
      if (!r || r->status != 200) {
        ++errors;
        continue;
      }
      lat[p].push_back(ms);
      all.push_back(ms);
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const int64_t records_after = CrawlRecords(client, crawl);
    std::printf("status latency over %.1f s at %.0f req/s, %d errors; crawl stored %lld records "
                "meanwhile (%.1f records/s)\n",
                elapsed, rate, errors, static_cast<long long>(records_after - records_before),
                static_cast<double>(records_after - records_before) / elapsed);
    for (const auto& p : paths) PrintLatencies(p, lat[p]);
    PrintLatencies("all", all);
    return errors == 0 ? 0 : 1;
  }

  for (int run = 0; run < runs; ++run) {
    int64_t bytes = 0, lines = 0;
    int status_code = 0;
    const auto t0 = Clock::now();
    auto r = client.Get(
        "/api/v1/records?crawl=" + crawl + "&limit=1000000",
        [&](const httplib::Response& res) {
          status_code = res.status;
          return true;
        },
        [&](const char* data, size_t n) {
          bytes += static_cast<int64_t>(n);
          lines += std::count(data, data + n, '\n');
          return true;
        });
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!r || status_code != 200) {
      std::fprintf(stderr, "api_bench: records request failed (HTTP %d)\n", status_code);
      return 1;
    }
    std::printf("stream run %d: %lld records, %.1f MB in %.2f s = %.1f MB/s, %.0f records/s\n",
                run + 1, static_cast<long long>(lines), static_cast<double>(bytes) / 1e6, s,
                static_cast<double>(bytes) / 1e6 / s, static_cast<double>(lines) / s);
  }
  return 0;
}
