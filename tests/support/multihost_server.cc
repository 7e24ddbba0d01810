// multihost_server: serves the MultihostSite (tests/support/multihost_site.h)
// over HTTP, one virtual host per Host header, for integration tests of
// politeness, robots.txt, sitemaps, AI opt-outs, canonical URLs and recrawls.
//
//   multihost_server --port P [--port-file FILE] [--request-log FILE]
//                    [--threads T] [--retry-after S] [--slow-ms MS]
//
// Binds 127.0.0.1 only; clients reach host NAME as http://NAME.localhost:P/.
// --port 0 picks a free port, known through --port-file, written atomically
// once the socket is bound and the site generated (absolute URLs in robots.txt,
// sitemaps and feeds use the bound port). Refuses to start if the site table
// fails MultihostCheckTable().
//
// Every request yields exactly one request-log line
//   HOST START_MS END_MS METHOD TARGET STATUS\n
// HOST is the Host header without its port, lower-cased ("-" when absent);
// START_MS and END_MS are wall-clock (system_clock) milliseconds since the
// epoch taken when the handler starts and just before it returns, so they
// bracket all its work including the host's sleep; TARGET includes the query.
// Unknown hosts are logged too (404). The line is written and flushed under a
// mutex before the response is sent. Requests httplib answers itself (400,
// 413, ...) are logged after the fact with START_MS == END_MS.
//
// SIGTERM and SIGINT stop the server (sigwait thread, see server_util.h);
// in-flight requests finish, then the process exits 0.
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include "tests/support/multihost_site.h"
#include "tests/support/server_util.h"

namespace {

using swarmcrawl::testing::MultihostOptions;
using swarmcrawl::testing::MultihostRequest;
using swarmcrawl::testing::MultihostResponse;
using swarmcrawl::testing::MultihostSite;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Keeps one request per line and one field per word whatever the client sends.
std::string LogField(std::string s) {
  if (s.empty()) return "-";
  for (char& c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') c = '_';
  }
  return s;
}

// The Host header without its port, lower-cased; "" when absent.
std::string HostOf(const httplib::Request& req) {
  std::string h = req.get_header_value("Host");
  if (!h.empty() && h[0] == '[') {
    size_t end = h.find(']');
    if (end != std::string::npos) h.resize(end + 1);
  } else {
    size_t colon = h.rfind(':');
    if (colon != std::string::npos) h.resize(colon);
  }
  for (char& c : h) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return h;
}

std::string TargetOf(const httplib::Request& req) {
  return req.target.empty() ? req.path : req.target;
}

class RequestLog {
 public:
  RequestLog() = default;
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;
  ~RequestLog() {
    if (file_ != nullptr) std::fclose(file_);
  }

  bool Open(const std::string& path) {
    file_ = std::fopen(path.c_str(), "a");
    return file_ != nullptr;
  }

  void Write(const std::string& host, int64_t start_ms, int64_t end_ms, const std::string& method,
             const std::string& target, int status) {
    if (file_ == nullptr) return;
    std::string h = LogField(host), m = LogField(method), t = LogField(target);
    std::lock_guard<std::mutex> lock(mu_);
    std::fprintf(file_, "%s %lld %lld %s %s %d\n", h.c_str(), static_cast<long long>(start_ms),
                 static_cast<long long>(end_ms), m.c_str(), t.c_str(), status);
    std::fflush(file_);
  }

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

// Set on responses a handler has already logged, so the httplib logger (the
// fallback for requests no handler sees) does not log them twice.
constexpr char kLoggedHeader[] = "X-Multihost-Logged";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Serves the swarmcrawl multi-host test site (NAME.localhost) on 127.0.0.1."};
  int port = -1;
  MultihostOptions options;
  std::string port_file;
  std::string request_log_path;
  int threads = 64;
  app.add_option("--port", port, "TCP port on 127.0.0.1; 0 picks a free one")
      ->required()
      ->check(CLI::Range(0, 65535));
  app.add_option("--port-file", port_file, "Write the bound port here once ready");
  app.add_option("--request-log", request_log_path, "Append one line per request to this file");
  app.add_option("--threads", threads, "Worker threads (sleeping responses hold one each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--retry-after", options.retry_after_s, "Retry-After seconds of busy.localhost")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  app.add_option("--slow-ms", options.slow_ms, "Delay of every slow.localhost response")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  CLI11_PARSE(app, argc, argv);

  const sigset_t stop_signals = swarmcrawl::testing::BlockStopSignals();

  std::vector<std::string> problems = swarmcrawl::testing::MultihostCheckTable();
  if (!problems.empty()) {
    for (const std::string& p : problems) std::fprintf(stderr, "multihost_server: %s\n", p.c_str());
    return 1;
  }

  RequestLog request_log;
  if (!request_log_path.empty() && !request_log.Open(request_log_path)) {
    std::fprintf(stderr, "multihost_server: cannot open request log %s\n",
                 request_log_path.c_str());
    return 1;
  }

  httplib::Server server;
  int bound = swarmcrawl::testing::BindLoopback(server, port);
  if (bound <= 0) {
    std::fprintf(stderr, "multihost_server: cannot bind 127.0.0.1:%d\n", port);
    return 1;
  }
  options.port = bound;
  MultihostSite site(options);

  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Idle keep-alive connections pin a worker thread; release them sooner.
  server.set_keep_alive_timeout(2);

  // GET handlers also answer HEAD (httplib omits the body).
  server.Get(".*", [&site, &request_log](const httplib::Request& req, httplib::Response& res) {
    const int64_t start = NowMs();
    MultihostRequest r;
    r.host = HostOf(req);
    r.target = TargetOf(req);
    r.if_none_match = req.get_header_value("If-None-Match");
    r.if_modified_since = req.get_header_value("If-Modified-Since");
    r.now_ms = start;
    MultihostResponse out = site.Handle(r);
    if (out.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(out.delay_ms));
    res.status = out.status;
    for (const auto& [name, value] : out.headers) res.set_header(name, value);
    if (!out.body.empty() || !out.content_type.empty()) {
      res.set_content(out.body, out.content_type.c_str());
    }
    res.set_header(kLoggedHeader, "1");
    request_log.Write(r.host, start, NowMs(), req.method, r.target, res.status);
  });
  auto not_allowed = [&request_log](const httplib::Request& req, httplib::Response& res) {
    const int64_t start = NowMs();
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("Method Not Allowed\n", "text/plain; charset=utf-8");
    res.set_header(kLoggedHeader, "1");
    request_log.Write(HostOf(req), start, NowMs(), req.method, TargetOf(req), res.status);
  };
  server.Post(".*", not_allowed);
  server.Put(".*", not_allowed);
  server.Patch(".*", not_allowed);
  server.Delete(".*", not_allowed);
  server.Options(".*", not_allowed);
  // Requests httplib answers itself (malformed, 400/413/414 ...) never reach a
  // handler; httplib's logger sees them, after the response is written.
  server.set_logger([&request_log](const httplib::Request& req, const httplib::Response& res) {
    if (res.has_header(kLoggedHeader)) return;
    const int64_t now = NowMs();
    request_log.Write(HostOf(req), now, now, req.method, TargetOf(req), res.status);
  });

  if (!port_file.empty() && !swarmcrawl::testing::WritePortFile(port_file, bound)) {
    std::fprintf(stderr, "multihost_server: cannot write port file %s\n", port_file.c_str());
    return 1;
  }
  std::printf("multihost_server: listening on 127.0.0.1:%d (%zu hosts: http://NAME.localhost:%d/)\n",
              bound, site.hosts().size(), bound);
  std::fflush(stdout);

  int exit_code = swarmcrawl::testing::ServeUntilStopped(server, stop_signals);
  std::printf("multihost_server: stopped\n");
  return exit_code;
}
