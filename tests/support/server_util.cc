#include "tests/support/server_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

namespace swarmcrawl::testing {

bool WritePortFile(const std::string& path, int port) {
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = std::fprintf(f, "%d\n", port) > 0;
  ok = (std::fclose(f) == 0) && ok;
  return ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

void RaiseListenBacklog(int port) {
  for (int fd = 3; fd < 1024; ++fd) {
    int listening = 0;
    socklen_t len = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_in addr{};
    socklen_t addr_len = sizeof(addr);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) == 0 &&
        addr.sin_family == AF_INET && ntohs(addr.sin_port) == port) {
      ::listen(fd, 1024);
    }
  }
}

sigset_t BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

int BindLoopback(httplib::Server& server, int port) {
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Small responses go out at once (no Nagle/delayed-ACK stall of ~40 ms on
  // keep-alive connections), and connections are reused as a real server's.
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000);
  int bound = port == 0 ? server.bind_to_any_port("127.0.0.1")
                        : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) return -1;
  RaiseListenBacklog(bound);
  return bound;
}

int ServeUntilStopped(httplib::Server& server, const sigset_t& stop_signals) {
  std::atomic<bool> listen_returned{false};
  std::atomic<bool> got_signal{false};
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    got_signal = true;
    // stop() is a no-op until listen_after_bind() has started running (and
    // must not be repeated), so wait for that; bounded at 30 s.
    for (int i = 0; i < 3000 && !listen_returned; ++i) {
      if (server.is_running()) {
        server.stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  bool ok = server.listen_after_bind();
  listen_returned = true;
  if (!got_signal) {
    // The server ended on its own: wake the stopper with a signal it waits for
    // (blocked everywhere, so it stays pending until sigwait takes it).
    kill(getpid(), SIGTERM);
  }
  stopper.join();
  return ok || got_signal ? 0 : 1;
}

}  // namespace swarmcrawl::testing
