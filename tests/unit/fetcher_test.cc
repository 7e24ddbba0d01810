#include "worker/fetcher.h"

// The system cpp-httplib is a compiled library built with these features
// (see its pkg-config Cflags); the header must be read with the same ones or
// the class layouts disagree.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#endif
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// Every request in this file goes to 127.0.0.1 (or "localhost", which the
// guard refuses before any connection is made). Nothing leaves the machine.

namespace swarmcrawl {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

std::string Gzip(const std::string& in) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  out.resize(zs.total_out);
  return out;
}

const std::string& GzipText() {
  static const std::string text = [] {
    std::string s;
    for (int i = 0; i < 1000; ++i) s += "hello gzip world " + std::to_string(i) + "\n";
    return s;
  }();
  return text;
}

// cpp-httplib 0.11 listens with a backlog of 5, so a burst of new connections
// overflows the accept queue and the kernel drops handshakes, which clients
// only retry after 1 s, 3 s, ... The listening socket is not exposed, so it is
// found by its port; listen() on a listening socket just resizes the queue.
void RaiseListenBacklog(int port) {
  int raised = 0;
  for (int fd = 3; fd < 1024; ++fd) {
    sockaddr_in addr;
    socklen_t len = sizeof(addr);
    int listening = 0;
    socklen_t optlen = sizeof(listening);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || addr.sin_family != AF_INET)
      continue;
    if (ntohs(addr.sin_port) != port) continue;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) != 0 || listening == 0) continue;
    if (listen(fd, 512) == 0) ++raised;
  }
  REQUIRE(raised == 1);
}

// A cpp-httplib server on 127.0.0.1 with one handler per scenario.
class TestServer {
 public:
  TestServer() {
    // One request per connection: with keep-alive, each idle connection
    // libcurl caches would pin a server thread until its keep-alive timeout.
    server_.set_keep_alive_max_count(1);
    server_.new_task_queue = [] { return new httplib::ThreadPool(16); };
    server_.set_logger([this](const httplib::Request&, const httplib::Response&) { ++requests_; });

    server_.Get("/html", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("If-None-Match") == "\"v1\"" &&
          req.get_header_value("If-Modified-Since") == "Wed, 21 Oct 2015 07:28:00 GMT") {
        res.status = 304;
        return;
      }
      res.set_header("ETag", "\"v1\"");
      res.set_header("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT");
      res.set_content("<html><body>hello</body></html>", "Text/HTML; Charset=\"UTF-8\"");
    });
    server_.Get("/ua", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.get_header_value("User-Agent"), "text/plain");
    });
    server_.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("not here", "text/plain");
    });
    server_.Get("/broken", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_header("Retry-After", "120");
      res.set_content("try later", "text/plain");
    });
    server_.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.status = 301;
      res.set_header("Location", "/html?from=redirect");
      res.set_header("ETag", "\"redirect-etag\"");
      res.set_header("Retry-After", "5");
    });
    server_.Get("/loop/a", [](const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", "/loop/b");
    });
    server_.Get("/loop/b", [](const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", "/loop/a");
    });
    server_.Get("/to-file", [](const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", "file:///etc/passwd");
    });
    server_.Get("/gzip", [](const httplib::Request&, httplib::Response& res) {
      // Not a text type, so cpp-httplib does not compress it a second time.
      res.set_header("Content-Encoding", "gzip");
      res.set_content(Gzip(GzipText()), "application/octet-stream");
    });
    server_.Get("/gzip-bomb", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Encoding", "gzip");
      res.set_content(Gzip(std::string(8 << 20, '\0')), "application/octet-stream");
    });
    server_.Get("/bad-gzip", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Encoding", "gzip");
      res.set_content(std::string(1000, 'z'), "application/octet-stream");
    });
    server_.Get("/big", [this](const httplib::Request&, httplib::Response& res) {
      // Claims 1 GiB and streams it until the client hangs up.
      res.set_content_provider(size_t{1} << 30, "application/octet-stream",
                               [this](size_t, size_t length, httplib::DataSink& sink) {
                                 static const std::string chunk(64 << 10, 'x');
                                 if (stopping_) return false;
                                 big_bytes_sent_ += std::min(length, chunk.size());
                                 return sink.write(chunk.data(), std::min(length, chunk.size()));
                               });
    });
    server_.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      for (int i = 0; i < 150 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      res.set_content("finally", "text/plain");
    });
    server_.Get("/many-headers", [](const httplib::Request&, httplib::Response& res) {
      for (int i = 0; i < 100; ++i) res.set_header("X-Filler-" + std::to_string(i), std::string(1000, 'h'));
      res.set_content("ok", "text/plain");
    });
    server_.Get("/secret", [this](const httplib::Request&, httplib::Response& res) {
      ++secret_hits_;
      res.set_content("secret", "text/plain");
    });
    server_.Get(R"(/n/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("page " + req.matches[1].str(), "text/plain");
    });

    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    RaiseListenBacklog(port_);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the listen loop runs, so wait for it.
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(server_.is_running());
  }

  ~TestServer() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }
  int requests() const { return requests_; }
  int secret_hits() const { return secret_hits_; }
  size_t big_bytes_sent() const { return big_bytes_sent_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> secret_hits_{0};
  std::atomic<size_t> big_bytes_sent_{0};
};

// A TCP listener on 127.0.0.1 that answers each connection with fixed bytes,
// for responses cpp-httplib cannot be made to send.
class RawServer {
 public:
  explicit RawServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr;
    std::memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t len = sizeof(addr);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~RawServer() {
    stopping_ = true;
    thread_.join();
    close(fd_);
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  void Serve() {
    // At most 5 s in total, in short polls so that shutdown is prompt.
    for (int i = 0; i < 250 && !stopping_; ++i) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int conn = accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      // Read the request head (bounded) before answering.
      std::string request;
      char buf[4096];
      for (int j = 0; j < 100 && request.find("\r\n\r\n") == std::string::npos; ++j) {
        pollfd c{conn, POLLIN, 0};
        if (poll(&c, 1, 10) <= 0) continue;
        ssize_t n = recv(conn, buf, sizeof(buf), 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      (void)!send(conn, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      close(conn);
    }
  }

  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

FetchLimits LoopbackLimits() {
  FetchLimits limits;
  limits.allow_private_networks = true;
  limits.connect_timeout_ms = 2000;
  limits.total_timeout_ms = 5000;
  return limits;
}

FetchRequest Request(uint64_t id, std::string url, int max_redirects = 0) {
  FetchRequest r;
  r.id = id;
  r.url = std::move(url);
  r.user_agent = "swarmcrawl-test/1.0";
  r.max_redirects = max_redirects;
  return r;
}

// Drives `fetcher` until nothing is in flight (at most `budget_s`).
std::map<uint64_t, FetchResult> RunAll(Fetcher* fetcher, double budget_s = 8) {
  std::map<uint64_t, FetchResult> by_id;
  auto start = SteadyClock::now();
  std::vector<FetchResult> done;
  while (fetcher->in_flight() > 0 && SecondsSince(start) < budget_s) fetcher->Poll(100);
  fetcher->TakeCompleted(&done);
  for (FetchResult& r : done) {
    uint64_t id = r.id;
    CHECK(by_id.count(id) == 0);
    by_id[id] = std::move(r);
  }
  CHECK(fetcher->in_flight() == 0);
  return by_id;
}

FetchResult FetchOne(const FetchLimits& limits, FetchRequest request) {
  Fetcher fetcher(limits);
  uint64_t id = request.id;
  fetcher.Add(std::move(request));
  auto results = RunAll(&fetcher);
  REQUIRE(results.size() == 1);
  REQUIRE(results.count(id) == 1);
  return std::move(results[id]);
}

// A loopback port with nothing listening on it.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST_CASE("Fetcher returns a 200 with parsed headers and a decoded body") {
  TestServer server;
  int64_t before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  FetchResult r = FetchOne(LoopbackLimits(), Request(7, server.Url("/html")));
  CHECK(r.id == 7);
  CHECK(r.reason == "");
  CHECK(r.detail == "");
  CHECK(r.status == 200);
  CHECK(r.url == server.Url("/html"));
  CHECK(r.final_url == server.Url("/html"));
  CHECK(r.content_type == "text/html");
  CHECK(r.charset == "utf-8");
  CHECK(r.etag == "\"v1\"");
  CHECK(r.last_modified == "Wed, 21 Oct 2015 07:28:00 GMT");
  CHECK(r.location == "");
  CHECK(r.body == "<html><body>hello</body></html>");
  CHECK(r.wire_bytes > 0);
  CHECK(r.started_at_ms >= before_ms);
  CHECK(r.started_at_ms < before_ms + 10000);
  CHECK(r.elapsed_s >= 0);
  CHECK(r.elapsed_s < 5);
}

TEST_CASE("Fetcher sends the user agent and conditional headers") {
  TestServer server;
  FetchResult ua = FetchOne(LoopbackLimits(), Request(1, server.Url("/ua")));
  CHECK(ua.body == "swarmcrawl-test/1.0");

  FetchRequest cond = Request(2, server.Url("/html"));
  cond.if_none_match = "\"v1\"";
  cond.if_modified_since = "Wed, 21 Oct 2015 07:28:00 GMT";
  FetchResult r = FetchOne(LoopbackLimits(), cond);
  CHECK(r.reason == "");
  CHECK(r.status == 304);
  CHECK(r.body.empty());

  // A validator carrying a line break would inject a header; it is dropped.
  FetchRequest evil = Request(3, server.Url("/html"));
  evil.if_none_match = "\"v1\"\r\nX-Injected: 1";
  evil.if_modified_since = "Wed, 21 Oct 2015 07:28:00 GMT";
  FetchResult e = FetchOne(LoopbackLimits(), evil);
  CHECK(e.status == 200);
}

TEST_CASE("Fetcher returns error statuses as responses") {
  TestServer server;
  Fetcher fetcher(LoopbackLimits());
  fetcher.Add(Request(1, server.Url("/missing")));
  fetcher.Add(Request(2, server.Url("/broken")));
  auto results = RunAll(&fetcher);
  REQUIRE(results.size() == 2);
  CHECK(results[1].reason == "");
  CHECK(results[1].status == 404);
  CHECK(results[1].body == "not here");
  CHECK(results[2].reason == "");
  CHECK(results[2].status == 503);
  CHECK(results[2].retry_after == "120");
}

TEST_CASE("Fetcher returns a redirect as the result when max_redirects is 0") {
  TestServer server;
  FetchResult r = FetchOne(LoopbackLimits(), Request(1, server.Url("/redirect"), 0));
  CHECK(r.reason == "");
  CHECK(r.status == 301);
  CHECK(r.location == "/html?from=redirect");
  CHECK(r.etag == "\"redirect-etag\"");
  CHECK(r.final_url == server.Url("/redirect"));
}

TEST_CASE("Fetcher follows redirects and reports only the final response's headers") {
  TestServer server;
  FetchResult r = FetchOne(LoopbackLimits(), Request(1, server.Url("/redirect"), 3));
  CHECK(r.reason == "");
  CHECK(r.status == 200);
  CHECK(r.final_url == server.Url("/html?from=redirect"));
  CHECK(r.url == server.Url("/redirect"));
  CHECK(r.location == "");
  CHECK(r.etag == "\"v1\"");
  CHECK(r.retry_after == "");
  CHECK(r.content_type == "text/html");
  CHECK(r.body == "<html><body>hello</body></html>");
}

TEST_CASE("Fetcher stops a redirect loop") {
  TestServer server;
  FetchResult r = FetchOne(LoopbackLimits(), Request(1, server.Url("/loop/a"), 3));
  CHECK(r.reason == "too_many_redirects");
  CHECK(r.detail != "");
  // The first request plus three hops. The server counts a request after
  // answering it, so the last one may lag the client slightly.
  for (int i = 0; i < 100 && server.requests() < 4; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(server.requests() == 4);
}

TEST_CASE("Fetcher speaks only http and https, also across redirects") {
  TestServer server;
  FetchResult file = FetchOne(LoopbackLimits(), Request(1, "file:///etc/passwd"));
  CHECK(file.reason == "network_error");
  CHECK(file.body.empty());

  FetchResult ftp =
      FetchOne(LoopbackLimits(), Request(2, "ftp://127.0.0.1:" + std::to_string(server.port()) + "/"));
  CHECK(ftp.reason == "network_error");

  FetchResult hop = FetchOne(LoopbackLimits(), Request(3, server.Url("/to-file"), 3));
  CHECK(hop.reason == "network_error");
  CHECK(hop.body.find("root:") == std::string::npos);
}

TEST_CASE("Fetcher decodes a gzip body") {
  TestServer server;
  FetchResult r = FetchOne(LoopbackLimits(), Request(1, server.Url("/gzip")));
  CHECK(r.reason == "");
  CHECK(r.status == 200);
  CHECK(r.body == GzipText());
  CHECK(r.wire_bytes < GzipText().size());  // compressed on the wire
}

TEST_CASE("Fetcher rejects a body larger than the limit early") {
  TestServer server;
  FetchLimits limits = LoopbackLimits();
  limits.max_body_bytes = 100 << 10;
  auto start = SteadyClock::now();
  FetchResult r = FetchOne(limits, Request(1, server.Url("/big")));
  CHECK(SecondsSince(start) < 3);
  CHECK(r.reason == "too_large");
  CHECK(r.status == 200);
  CHECK(r.body.size() <= limits.max_body_bytes);
  CHECK(r.wire_bytes < (8u << 20));
  // The server noticed the hang-up long before producing its 1 GiB.
  CHECK(server.big_bytes_sent() < (size_t{1} << 28));
}

TEST_CASE("Fetcher keeps the first max_body_bytes of a longer body when asked to truncate") {
  // robots.txt is read up to a limit (RFC 9309 section 2.5): a longer file
  // is not an error, and the transfer still stops at the limit.
  TestServer server;
  FetchRequest req = Request(1, server.Url("/big"));
  req.max_body_bytes = (500 << 10) + 1;
  req.truncate_body = true;
  FetchResult r = FetchOne(LoopbackLimits(), req);
  CHECK(r.reason.empty());
  CHECK(r.status == 200);
  CHECK(r.truncated);
  CHECK(r.body.size() == (500u << 10) + 1);
  CHECK(server.big_bytes_sent() < (size_t{1} << 28));
  // A body under the limit is whole and not marked.
  FetchRequest small = Request(2, server.Url("/html"));
  small.max_body_bytes = 1 << 20;
  small.truncate_body = true;
  FetchResult whole = FetchOne(LoopbackLimits(), small);
  CHECK(whole.reason.empty());
  CHECK_FALSE(whole.truncated);
}

TEST_CASE("Fetcher counts the body limit after decompression") {
  TestServer server;
  FetchLimits limits = LoopbackLimits();
  limits.max_body_bytes = 64 << 10;
  FetchResult r = FetchOne(limits, Request(1, server.Url("/gzip-bomb")));
  CHECK(r.reason == "too_large");
  CHECK(r.body.size() <= limits.max_body_bytes);
}

TEST_CASE("Fetcher reports an undecodable body as bad_response") {
  TestServer server;
  FetchResult r = FetchOne(LoopbackLimits(), Request(1, server.Url("/bad-gzip")));
  CHECK(r.reason == "bad_response");
}

TEST_CASE("Fetcher rejects oversized response headers") {
  TestServer server;
  FetchLimits limits = LoopbackLimits();
  limits.max_header_bytes = 16 << 10;
  FetchResult r = FetchOne(limits, Request(1, server.Url("/many-headers")));
  CHECK(r.reason == "bad_response");
  CHECK(r.detail == "headers too large");

  limits.max_header_bytes = 256 << 10;
  FetchResult ok = FetchOne(limits, Request(2, server.Url("/many-headers")));
  CHECK(ok.reason == "");
  CHECK(ok.body == "ok");
}

TEST_CASE("Fetcher times out a slow response within the total timeout") {
  TestServer server;
  FetchLimits limits = LoopbackLimits();
  limits.total_timeout_ms = 300;
  auto start = SteadyClock::now();
  FetchResult r = FetchOne(limits, Request(1, server.Url("/slow")));
  double took = SecondsSince(start);
  CHECK(r.reason == "timeout");
  CHECK(took >= 0.25);
  CHECK(took < 1.5);
}

TEST_CASE("Fetcher maps connection failures") {
  FetchResult refused =
      FetchOne(LoopbackLimits(), Request(1, "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/"));
  CHECK(refused.reason == "connect_error");
  CHECK(refused.status == 0);

  TestServer server;
  // TLS to a plain-HTTP port fails in the handshake.
  FetchResult tls =
      FetchOne(LoopbackLimits(), Request(2, "https://127.0.0.1:" + std::to_string(server.port()) + "/html"));
  CHECK(tls.reason == "tls_error");
}

TEST_CASE("Fetcher maps malformed responses to bad_response") {
  SUBCASE("garbage status line") {
    RawServer raw("HTTP/1.1 abc nonsense\r\n\r\n");
    CHECK(FetchOne(LoopbackLimits(), Request(1, raw.Url("/"))).reason == "bad_response");
  }
  SUBCASE("no status line at all (HTTP/0.9)") {
    RawServer raw("<html>just a body</html>\n");
    CHECK(FetchOne(LoopbackLimits(), Request(1, raw.Url("/"))).reason == "bad_response");
  }
  SUBCASE("body shorter than Content-Length") {
    RawServer raw("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nshort");
    CHECK(FetchOne(LoopbackLimits(), Request(1, raw.Url("/"))).reason == "bad_response");
  }
  SUBCASE("broken chunked encoding") {
    RawServer raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    CHECK(FetchOne(LoopbackLimits(), Request(1, raw.Url("/"))).reason == "bad_response");
  }
}

TEST_CASE("Fetcher completes 200 concurrent transfers") {
  TestServer server;
  Fetcher fetcher(LoopbackLimits());
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i)
    fetcher.Add(Request(static_cast<uint64_t>(i + 1), server.Url("/n/" + std::to_string(i))));
  CHECK(fetcher.in_flight() == static_cast<size_t>(kCount));
  auto start = SteadyClock::now();
  auto results = RunAll(&fetcher);
  CHECK(SecondsSince(start) < 4);
  REQUIRE(results.size() == static_cast<size_t>(kCount));
  int ok = 0;
  for (int i = 0; i < kCount; ++i) {
    const FetchResult& r = results[static_cast<uint64_t>(i + 1)];
    if (r.reason.empty() && r.status == 200 && r.body == "page " + std::to_string(i)) ++ok;
  }
  CHECK(ok == kCount);
}

TEST_CASE("Fetcher refuses private addresses unless allowed") {
  TestServer server;
  FetchLimits limits = LoopbackLimits();
  limits.allow_private_networks = false;
  Fetcher fetcher(limits);
  fetcher.Add(Request(1, server.Url("/secret")));
  fetcher.Add(Request(2, "http://localhost:" + std::to_string(server.port()) + "/secret"));
  fetcher.Add(Request(3, "http://[::1]:" + std::to_string(server.port()) + "/secret"));
  fetcher.Add(Request(4, "http://0.0.0.0:" + std::to_string(server.port()) + "/secret"));
  auto results = RunAll(&fetcher);
  REQUIRE(results.size() == 4);
  for (auto& [id, r] : results) {
    INFO(id << " " << r.url << " " << r.detail);
    CHECK(r.reason == "blocked_address");
    CHECK(r.status == 0);
    CHECK(r.body.empty());
  }
  CHECK(server.secret_hits() == 0);
  CHECK(server.requests() == 0);

  FetchResult allowed = FetchOne(LoopbackLimits(), Request(5, server.Url("/secret")));
  CHECK(allowed.reason == "");
  CHECK(allowed.body == "secret");
  CHECK(server.secret_hits() == 1);
}

TEST_CASE("Fetcher::Poll returns after its timeout when idle") {
  Fetcher fetcher(LoopbackLimits());
  auto start = SteadyClock::now();
  fetcher.Poll(100);
  double took = SecondsSince(start);
  CHECK(took >= 0.08);
  CHECK(took < 1.0);
}

TEST_CASE("Fetcher::Wakeup from another thread ends a blocked Poll") {
  Fetcher fetcher(LoopbackLimits());
  auto start = SteadyClock::now();
  std::thread waker([&fetcher] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fetcher.Wakeup();
  });
  fetcher.Poll(5000);
  double took = SecondsSince(start);
  waker.join();
  CHECK(took < 2.0);
}

TEST_CASE("Fetcher::Poll returns when the extra fd becomes readable") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  Fetcher fetcher(LoopbackLimits());
  auto start = SteadyClock::now();
  std::thread writer([fd = fds[1]] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)!write(fd, "x", 1);
  });
  fetcher.Poll(5000, fds[0]);
  double took = SecondsSince(start);
  writer.join();
  close(fds[0]);
  close(fds[1]);
  CHECK(took < 2.0);
}

TEST_CASE("Fetcher::TakeCompleted appends to what the caller already holds") {
  TestServer server;
  Fetcher fetcher(LoopbackLimits());
  fetcher.Add(Request(1, server.Url("/n/1")));
  fetcher.Add(Request(2, server.Url("/n/2")));
  std::vector<FetchResult> out(1);
  out[0].id = 99;
  auto start = SteadyClock::now();
  while (out.size() < 3 && SecondsSince(start) < 5) {
    fetcher.Poll(100);
    fetcher.TakeCompleted(&out);
  }
  REQUIRE(out.size() == 3);
  CHECK(out[0].id == 99);
  std::vector<FetchResult> none;
  fetcher.TakeCompleted(&none);
  CHECK(none.empty());
}

}  // namespace
}  // namespace swarmcrawl
