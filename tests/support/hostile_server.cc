// hostile_server: an HTTP server on 127.0.0.1 that attacks its clients, for
// tests/integration/hostile_test.cc. Raw sockets, because a well-behaved HTTP
// library cannot misbehave on purpose. Virtual hosts by the Host header:
//
//   good.localhost      a small ordinary site: "/" links /p1.html .. /p5.html
//   hostile.localhost   "/" links every attack below (robots.txt allows all):
//     /slowloris      headers, then one body byte a second, forever
//     /endless        a chunked body that never ends
//     /gzip-bomb      64 MiB of zeros as ~64 KiB of gzip (also /br-bomb, /zstd-bomb)
//     /huge-headers   2 MiB of response headers
//     /loop-a         302 -> /loop-b -> /loop-a ...
//     /to-metadata    302 -> http://169.254.169.254/latest/meta-data/
//     /to-private     302 -> http://10.0.0.1/
//     /to-loopback6   302 -> http://[::1]:PORT/
//     /bad-chunked    a malformed chunk size
//     /invalid-utf8   a page with bytes that are not UTF-8
//     /deep           100,000 nested <div> elements
//     /huge-attr      an attribute of 5 MiB
//     /internal       a link to http://internal.test:PORT/ (the test maps
//                     that name to 10.0.0.1 with the worker's --resolve)
//   robotsredir.localhost  robots.txt redirects to 169.254.169.254
// Every request is appended to --request-log as "HOST PATH".
#include <arpa/inet.h>
#include <brotli/encode.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "tests/support/server_util.h"

namespace {

std::atomic<int> g_port{0};
std::mutex g_log_mu;
std::ofstream g_log;

bool SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string Response(int status, const std::string& type, const std::string& body,
                     const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : status == 302 ? " Found" : " Not Found") +
         "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body;
}

std::string Html(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title +
         "</title></head><body><main><article><h1>" + title + "</h1>" + body +
         "</article></main></body></html>";
}

std::string Para(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += "<p>This ordinary paragraph number " + std::to_string(i) +
           " talks about the harbour, the market and the weather, as ordinary pages do.</p>";
  }
  return out;
}

std::string Gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Brotli(const std::string& in) {
  size_t size = BrotliEncoderMaxCompressedSize(in.size());
  std::string out(size, '\0');
  BrotliEncoderCompress(9, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, in.size(),
                        reinterpret_cast<const uint8_t*>(in.data()), &size,
                        reinterpret_cast<uint8_t*>(out.data()));
  out.resize(size);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 19));
  return out;
}

struct Bombs {
  std::string gzip, br, zstd;
};

// Answers one request on `fd`; returns when the response is done or the client left.
void Serve(int fd, const Bombs& bombs) {
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    req.append(buf, static_cast<size_t>(n));
  }
  const size_t sp1 = req.find(' '), sp2 = req.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return;
  const std::string path = req.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string host;
  for (const char* h : {"\r\nHost: ", "\r\nhost: "}) {
    const size_t at = req.find(h);
    if (at != std::string::npos) host = req.substr(at + 8, req.find("\r\n", at + 8) - at - 8);
  }
  host = host.substr(0, host.find(':'));
  {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_log << host << " " << path << "\n" << std::flush;
  }
  const std::string port = std::to_string(g_port.load());
  const std::string text = "text/html; charset=utf-8";
  if (host == "good.localhost") {
    if (path == "/robots.txt") return (void)SendAll(fd, Response(404, "text/plain", "no robots.txt\n"));
    if (path == "/") {
      std::string links;
      for (int i = 1; i <= 5; ++i) links += "<p><a href=\"/p" + std::to_string(i) + ".html\">page " + std::to_string(i) + "</a></p>";
      return (void)SendAll(fd, Response(200, text, Html("Good home", Para(6) + links)));
    }
    if (path.rfind("/p", 0) == 0) return (void)SendAll(fd, Response(200, text, Html("Good " + path, Para(8))));
    return (void)SendAll(fd, Response(404, "text/plain", "not found\n"));
  }
  if (host == "robotsredir.localhost") {
    if (path == "/robots.txt") {
      return (void)SendAll(fd, Response(301, "text/plain", "", "Location: http://169.254.169.254/robots.txt\r\n"));
    }
    return (void)SendAll(fd, Response(200, text, Html("Behind a hostile robots.txt", Para(4))));
  }
  if (host == "internal.test") {
    // Never reached when the guard works: the name maps to 10.0.0.1.
    return (void)SendAll(fd, Response(200, text, Html("INTERNAL SERVICE", Para(2))));
  }
  // hostile.localhost
  if (path == "/robots.txt") return (void)SendAll(fd, Response(200, "text/plain", "User-agent: *\nAllow: /\n"));
  if (path == "/") {
    std::string links;
    for (const char* p : {"/slowloris", "/endless", "/gzip-bomb", "/br-bomb", "/zstd-bomb", "/huge-headers",
                          "/loop-a", "/to-metadata", "/to-private", "/to-loopback6", "/bad-chunked",
                          "/invalid-utf8", "/deep", "/huge-attr", "/internal"}) {
      links += std::string("<p><a href=\"") + p + "\">" + p + "</a></p>";
    }
    return (void)SendAll(fd, Response(200, text, Html("Hostile home", Para(4) + links)));
  }
  if (path == "/slowloris") {
    if (!SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")) return;
    for (int i = 0; i < 120; ++i) {
      if (!SendAll(fd, "<")) return;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return;
  }
  if (path == "/endless") {
    if (!SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
    const std::string chunk(65536, 'a');
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    for (int i = 0; i < 100000; ++i) {  // 6 GiB at most; the client hangs up long before
      if (!SendAll(fd, size + chunk + "\r\n")) return;
    }
    return;
  }
  if (path == "/gzip-bomb") return (void)SendAll(fd, Response(200, text, bombs.gzip, "Content-Encoding: gzip\r\n"));
  if (path == "/br-bomb") return (void)SendAll(fd, Response(200, text, bombs.br, "Content-Encoding: br\r\n"));
  if (path == "/zstd-bomb") return (void)SendAll(fd, Response(200, text, bombs.zstd, "Content-Encoding: zstd\r\n"));
  if (path == "/huge-headers") {
    std::string headers;
    for (int i = 0; headers.size() < (2u << 20); ++i) headers += "X-Junk-" + std::to_string(i) + ": " + std::string(200, 'j') + "\r\n";
    return (void)SendAll(fd, Response(200, text, Html("Headers", Para(1)), headers));
  }
  if (path == "/loop-a") return (void)SendAll(fd, Response(302, text, "", "Location: /loop-b\r\n"));
  if (path == "/loop-b") return (void)SendAll(fd, Response(302, text, "", "Location: /loop-a\r\n"));
  if (path == "/to-metadata") {
    return (void)SendAll(fd, Response(302, text, "", "Location: http://169.254.169.254/latest/meta-data/\r\n"));
  }
  if (path == "/to-private") return (void)SendAll(fd, Response(302, text, "", "Location: http://10.0.0.1/\r\n"));
  if (path == "/to-loopback6") {
    return (void)SendAll(fd, Response(302, text, "", "Location: http://[::1]:" + port + "/\r\n"));
  }
  if (path == "/bad-chunked") {
    return (void)SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "10\r\n<html><body>hi</\r\nzz-not-a-size\r\nmore\r\n0\r\n\r\n");
  }
  if (path == "/invalid-utf8") {
    return (void)SendAll(fd, Response(200, text, Html("Broken bytes", "<p>Caf\xE9 cr\xE8me \xFF\xFE and " + Para(5).substr(3))));
  }
  if (path == "/deep") {
    std::string body = Para(3);
    for (int i = 0; i < 100000; ++i) body += "<div>";
    body += "deep text";
    return (void)SendAll(fd, Response(200, text, Html("Deep", body)));
  }
  if (path == "/huge-attr") {
    return (void)SendAll(fd, Response(200, text, Html("Huge attribute", "<div title=\"" + std::string(5u << 20, 'x') + "\">" + Para(5) + "</div>")));
  }
  if (path == "/internal") {
    return (void)SendAll(fd, Response(200, text, Html("Internal link", Para(3) + "<p><a href=\"http://internal.test:" + port + "/\">internal</a></p>")));
  }
  SendAll(fd, Response(404, "text/plain", "not found\n"));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"An HTTP server on 127.0.0.1 that attacks its clients (tests only)."};
  int port = 0;
  std::string port_file, log_path;
  app.add_option("--port", port, "TCP port on 127.0.0.1; 0 picks a free one");
  app.add_option("--port-file", port_file, "write the bound port here once ready")->required();
  app.add_option("--request-log", log_path, "append \"HOST PATH\" per request")->required();
  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);
  g_log.open(log_path, std::ios::app);

  Bombs bombs;
  {
    const std::string zeros(64u << 20, '\0');
    bombs.gzip = Gzip(zeros);
    bombs.br = Brotli(zeros);
    bombs.zstd = Zstd(zeros);
  }
  const int srv = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(srv, 128) != 0) {
    std::perror("hostile_server: bind");
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(srv, reinterpret_cast<sockaddr*>(&addr), &len);
  g_port = ntohs(addr.sin_port);
  if (!swarmcrawl::testing::WritePortFile(port_file, g_port.load())) return 1;
  std::fprintf(stderr, "hostile_server: listening on 127.0.0.1:%d\n", g_port.load());
  std::atomic<int> open_connections{0};
  while (true) {
    const int fd = accept(srv, nullptr, nullptr);
    if (fd < 0) continue;
    if (open_connections.load() >= 256) {  // bounded: a test server, not a victim
      close(fd);
      continue;
    }
    ++open_connections;
    std::thread([fd, &bombs, &open_connections] {
      Serve(fd, bombs);
      close(fd);
      --open_connections;
    }).detach();
  }
}
