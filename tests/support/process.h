// Process helpers for integration tests that start real coordinator, worker
// and fixture_server processes.
//
// A Process owns one child: started in its own process group (so a test's
// Ctrl-C does not reach it and the whole group can be killed), with stdin
// from /dev/null and stdout+stderr appended to a log file. The child is
// SIGKILLed (its whole group) and reaped when the Process is destroyed while
// still running, so a failing test never leaks processes. As a second line of
// defence the child gets PR_SET_PDEATHSIG=SIGKILL: if the test binary dies,
// so do its children. Note that this fires when the *thread* that called
// Start() exits, so start long-lived children from the test's main thread.
//
// Setup failures (fork, pipe, mkdtemp, socket) throw std::runtime_error, which
// doctest reports as a failed test. Every wait is bounded by a timeout.
// Not thread-safe: use a Process from one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace swarmcrawl::testing {

class Process {
 public:
  // argv[0] is looked up in PATH when it has no '/'. `extra_env` entries are
  // "NAME=value" and override the inherited environment. If exec fails, the
  // child writes the reason to `log_file` and exits 127.
  static Process Start(const std::vector<std::string>& argv, const std::string& log_file,
                       const std::vector<std::string>& extra_env = {});

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  // Non-blocking: reaps the child if it has exited.
  bool running();
  // Sends `sig` to the child only (not its group).
  void Signal(int sig);
  // Waits up to `timeout` for the child to exit. Returns its exit code,
  // 128 + signal if a signal killed it, or -1 on timeout (still running).
  // Once the child is reaped, returns the same value on every call.
  int Wait(std::chrono::milliseconds timeout);

 private:
  explicit Process(pid_t pid) : pid_(pid) {}
  void KillAndReap();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
};

// A TCP port that was free on 127.0.0.1 a moment ago (bound to port 0, read
// back, closed). Another process may take it in between; callers that can
// should prefer fixture_server --port 0 --port-file.
int FreeTcpPort();

// Creates a new, unique directory /tmp/<prefix>XXXXXX and returns its path.
std::string MakeTempDir(const std::string& prefix);

// The whole file, or "" if it cannot be read (e.g. does not exist yet).
std::string ReadFile(const std::string& path);

// Polls `pred` every 20 ms until it returns true or `timeout` passes;
// returns pred's last value.
bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

struct RunResult {
  int exit_code;       // as Process::Wait: code, 128 + signal, or -1 on timeout
  std::string output;  // stdout and stderr, interleaved as written
};

// Runs a command to completion with stdout+stderr captured. After `timeout`
// the command's process group is SIGKILLed and exit_code is -1.
RunResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
              const std::vector<std::string>& extra_env = {});

}  // namespace swarmcrawl::testing
