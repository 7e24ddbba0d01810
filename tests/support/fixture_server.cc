// fixture_server: serves a generated FixtureSite over HTTP for integration
// tests and the demo.
//
//   fixture_server --port P [--pages N] [--seed S] [--slow-ms MS]
//                  [--access-log FILE] [--port-file FILE] [--threads T]
//                  [--dir DIR]
//
// With --dir, the files of DIR are served instead of the generated site
// ("/" is DIR/index.html; a path with ".." or a missing file is 404). The
// Content-Type is the one DIR/_types.txt gives ("PATH TYPE..." per line),
// else by extension (.html text/html, .xml application/rss+xml, .txt
// text/plain, else application/octet-stream), without a charset parameter
// unless _types.txt names one: the pages declare their own.
//
// Binds 127.0.0.1 only. --port 0 picks a free port; the chosen port is then
// only known through --port-file, which is written (atomically, via rename)
// once the socket is bound and the site generated, so a caller that sees the
// file can connect at once. The site's absolute links use the bound port.
//
// Every request yields exactly one access-log line
//   METHOD TARGET STATUS USER-AGENT\n
// (TARGET includes the query; USER-AGENT is the rest of the line, "-" when
// absent). The line is written and flushed under a mutex before the response
// is sent, so a client holding a response can already count it in the log.
//
// SIGTERM and SIGINT are blocked in every thread and taken by a sigwait()
// thread that stops the server: no async-signal-unsafe work in a handler and
// no global state. In-flight requests finish, then the process exits 0.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include "tests/support/fixture_site.h"
#include "tests/support/server_util.h"

namespace {

using swarmcrawl::testing::FixtureOptions;
using swarmcrawl::testing::FixtureResponse;
using swarmcrawl::testing::FixtureSite;

// One line per request, safe to call from any server thread.
class AccessLog {
 public:
  AccessLog() = default;
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;
  ~AccessLog() {
    if (file_ != nullptr) std::fclose(file_);
  }

  bool Open(const std::string& path) {
    file_ = std::fopen(path.c_str(), "a");
    return file_ != nullptr;
  }

  void Write(const std::string& method, const std::string& target, int status,
             std::string user_agent) {
    if (file_ == nullptr) return;
    if (user_agent.empty()) user_agent = "-";
    // Keep one request per line whatever the client sends.
    for (char& c : user_agent) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::fprintf(file_, "%s %s %d %s\n", method.c_str(), target.c_str(), status,
                 user_agent.c_str());
    std::fflush(file_);
  }

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

std::optional<std::string> ReadWholeFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::string data;
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) data.append(buf, n);
  std::fclose(f);
  return data;
}

// Serves a directory (see --dir above).
class DirectorySite {
 public:
  explicit DirectorySite(std::string dir) : dir_(std::move(dir)) {
    if (auto types = ReadWholeFile(dir_ + "/_types.txt")) {
      size_t start = 0;
      while (start < types->size()) {
        size_t end = types->find('\n', start);
        if (end == std::string::npos) end = types->size();
        const std::string line = types->substr(start, end - start);
        const size_t sp = line.find(' ');
        if (sp != std::string::npos && !line.empty() && line[0] == '/') {
          types_[line.substr(0, sp)] = line.substr(sp + 1);
        }
        start = end + 1;
      }
    }
  }

  std::optional<FixtureResponse> Get(std::string path) const {
    if (const size_t q = path.find('?'); q != std::string::npos) path.resize(q);
    if (path.empty() || path[0] != '/' || path.find("..") != std::string::npos ||
        path.find("//") != std::string::npos || path.rfind("/_types.txt", 0) == 0) {
      return std::nullopt;
    }
    if (path.back() == '/') path += "index.html";
    std::optional<std::string> body = ReadWholeFile(dir_ + path);
    if (!body) return std::nullopt;
    FixtureResponse r{200, ContentType(path), std::move(*body), {}, 0};
    return r;
  }

 private:
  std::string ContentType(const std::string& path) const {
    if (auto it = types_.find(path); it != types_.end()) return it->second;
    auto ends = [&](const char* ext) {
      const size_t n = std::strlen(ext);
      return path.size() >= n && path.compare(path.size() - n, n, ext) == 0;
    };
    if (ends(".html")) return "text/html";
    if (ends(".xml")) return "application/rss+xml";
    if (ends(".txt")) return "text/plain";
    return "application/octet-stream";
  }

  std::string dir_;
  std::map<std::string, std::string> types_;
};

// Set on responses a handler has already logged, so the httplib logger (the
// fallback for requests no handler sees) does not log them twice.
constexpr char kLoggedHeader[] = "X-Fixture-Logged";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Serves the deterministic swarmcrawl fixture site on 127.0.0.1."};
  int port = -1;
  FixtureOptions options;
  std::string access_log_path;
  std::string port_file;
  int threads = 64;
  std::string serve_dir;
  app.add_option("--port", port, "TCP port on 127.0.0.1; 0 picks a free one")
      ->required()
      ->check(CLI::Range(0, 65535));
  app.add_option("--pages", options.pages, "Article pages to generate")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--seed", options.seed, "Seed of the generated content")->capture_default_str();
  app.add_option("--slow-ms", options.slow_ms, "Delay of the /slow/ pages")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  app.add_option("--access-log", access_log_path, "Append one line per request to this file");
  app.add_option("--port-file", port_file, "Write the bound port here once ready");
  app.add_option("--threads", threads, "Worker threads (slow pages hold one each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--dir", serve_dir, "Serve this directory's files instead of the generated site");
  bool changing = false;
  app.add_flag("--changing", changing,
               "HTML pages change a little on every request (a timestamp and a rotating ad "
               "after the first heading), like live pages");
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals before any thread exists so all threads inherit
  // the mask and only the sigwait() thread ever receives them.
  const sigset_t stop_signals = swarmcrawl::testing::BlockStopSignals();

  AccessLog access_log;
  if (!access_log_path.empty() && !access_log.Open(access_log_path)) {
    std::fprintf(stderr, "fixture_server: cannot open access log %s\n", access_log_path.c_str());
    return 1;
  }

  httplib::Server server;
  // No SO_REUSEPORT (a second server must fail to bind); raised backlog.
  int bound = swarmcrawl::testing::BindLoopback(server, port);
  if (bound <= 0) {
    std::fprintf(stderr, "fixture_server: cannot bind 127.0.0.1:%d\n", port);
    return 1;
  }

  options.host_port = "127.0.0.1:" + std::to_string(bound);
  const FixtureSite site(options);
  const std::optional<DirectorySite> dir_site =
      serve_dir.empty() ? std::nullopt : std::optional<DirectorySite>(DirectorySite(serve_dir));

  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Idle keep-alive connections pin a worker thread; release them sooner.
  server.set_keep_alive_timeout(2);

  // GET handlers also answer HEAD (httplib omits the body).
  std::atomic<int64_t> requests{0};
  server.Get(".*", [&site, &dir_site, &access_log, changing, &requests](const httplib::Request& req,
                                                                        httplib::Response& res) {
    const std::string& target = req.target.empty() ? req.path : req.target;
    // cpp-httplib answers "br" with brotli at quality 11 (~6 ms of CPU a
    // page), which made this test server the crawl's bottleneck; serve gzip
    // instead, as nginx does by default. (The hostile server still sends br.)
    auto& headers = const_cast<httplib::Request&>(req).headers;
    if (auto ae = headers.find("Accept-Encoding"); ae != headers.end()) {
      ae->second = ae->second.find("gzip") != std::string::npos ? "gzip" : "identity";
    }
    std::optional<FixtureResponse> r = dir_site ? dir_site->Get(target) : site.Get(target);
    if (!r) {
      res.status = 404;
      res.set_content("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
                      "<body><h1>Not Found</h1></body></html>\n",
                      "text/html; charset=utf-8");
    } else {
      if (r->delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(r->delay_ms));
      res.status = r->status;
      for (const auto& [name, value] : r->headers) res.set_header(name, value);
      // --changing: the end of the first paragraph after the first <h2>
      // (main content, not boilerplate) says when and to whom it was served.
      const size_t h2 = r->body.find("<h2");
      const size_t p_end = h2 == std::string::npos ? h2 : r->body.find("</p>", h2);
      if (changing && r->content_type.rfind("text/html", 0) == 0 && p_end != std::string::npos) {
        static const char* const kNames[] = {"Ada", "Brook", "Cyrus", "Dana", "Emil"};
        const int64_t n = ++requests;
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        r->body.insert(p_end, " Reading taken at " + std::to_string(now) + " for visitor " +
                                  std::to_string(n) + ", " + kNames[n % 5] + ".");
      }
      res.set_content(r->body, r->content_type.c_str());
    }
    res.set_header(kLoggedHeader, "1");
    access_log.Write(req.method, target, res.status, req.get_header_value("User-Agent"));
  });
  auto not_allowed = [&access_log](const httplib::Request& req, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("Method Not Allowed\n", "text/plain; charset=utf-8");
    res.set_header(kLoggedHeader, "1");
    access_log.Write(req.method, req.target.empty() ? req.path : req.target, res.status,
                     req.get_header_value("User-Agent"));
  };
  server.Post(".*", not_allowed);
  server.Put(".*", not_allowed);
  server.Patch(".*", not_allowed);
  server.Delete(".*", not_allowed);
  server.Options(".*", not_allowed);
  // Requests httplib answers itself (malformed, 400/413/414 ...) never reach a
  // handler; httplib's logger sees them, after the response is written.
  server.set_logger([&access_log](const httplib::Request& req, const httplib::Response& res) {
    if (res.has_header(kLoggedHeader)) return;
    access_log.Write(req.method.empty() ? "-" : req.method,
                     req.target.empty() ? (req.path.empty() ? "-" : req.path) : req.target,
                     res.status, req.get_header_value("User-Agent"));
  });

  if (!port_file.empty() && !swarmcrawl::testing::WritePortFile(port_file, bound)) {
    std::fprintf(stderr, "fixture_server: cannot write port file %s\n", port_file.c_str());
    return 1;
  }
  std::printf("fixture_server: listening on 127.0.0.1:%d (%zu expected HTML pages)\n", bound,
              site.ExpectedHtmlPaths().size());
  std::fflush(stdout);

  int exit_code = swarmcrawl::testing::ServeUntilStopped(server, stop_signals);
  std::printf("fixture_server: stopped\n");
  return exit_code;
}
