#include "tests/support/process.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace swarmcrawl::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxRunOutput = 64 << 20;  // a runaway command cannot eat the test's memory

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error(what + ": " + strerror(errno));
}

// Everything exec needs, built before fork(): in the child of a
// multi-threaded parent only async-signal-safe calls are allowed, so the
// child must not allocate.
struct ExecSpec {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;
  bool has_slash = false;
};

ExecSpec PrepareExec(const std::vector<std::string>& argv,
                     const std::vector<std::string>& extra_env) {
  if (argv.empty() || argv[0].empty()) throw std::runtime_error("Process: empty argv");
  ExecSpec spec;
  spec.args = argv;
  auto name_of = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    bool overridden = std::any_of(extra_env.begin(), extra_env.end(), [&](const std::string& x) {
      return name_of(x) == name_of(kv);
    });
    if (!overridden) spec.env.push_back(std::move(kv));
  }
  spec.env.insert(spec.env.end(), extra_env.begin(), extra_env.end());
  for (std::string& a : spec.args) spec.argv.push_back(a.data());
  spec.argv.push_back(nullptr);
  for (std::string& e : spec.env) spec.envp.push_back(e.data());
  spec.envp.push_back(nullptr);
  spec.has_slash = argv[0].find('/') != std::string::npos;
  return spec;
}

void WriteAll(int fd, const char* s) {
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

// Runs in the forked child: async-signal-safe calls only.
[[noreturn]] void ExecChild(const ExecSpec& spec, int out_fd, pid_t parent) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  // Keep the test's sockets and pipes out of the child: a child holding a
  // listening socket or a pipe end would change what the test observes.
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 4096; ++fd) close(fd);
  }
  // The exec'd program should start with default signal handling whatever
  // the test binary changed.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) signal(sig, SIG_DFL);
  if (spec.has_slash) {
    execve(spec.argv[0], spec.argv.data(), spec.envp.data());
  } else {
    execvpe(spec.argv[0], spec.argv.data(), spec.envp.data());
  }
  WriteAll(STDERR_FILENO, "Process: cannot exec ");
  WriteAll(STDERR_FILENO, spec.argv[0]);
  WriteAll(STDERR_FILENO, errno == ENOENT ? ": not found\n" : ": exec failed\n");
  _exit(127);
}

pid_t Spawn(const ExecSpec& spec, int out_fd) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) Fail("fork");
  if (pid == 0) ExecChild(spec, out_fd, parent);
  // Also set the group from the parent, so it exists by the time we return
  // whichever process runs first (EACCES after the child's exec is harmless).
  setpgid(pid, pid);
  return pid;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Non-blocking reap: true (and *code set) once `pid` has exited.
bool TryReap(pid_t pid, int* code) {
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == pid) {
    *code = DecodeStatus(status);
    return true;
  }
  if (r < 0 && errno != EINTR) {  // ECHILD: not ours, or already reaped
    *code = -1;
    return true;
  }
  return false;
}

// SIGKILLs the group led by `pid` and reaps the leader. SIGKILL cannot be
// caught, so the bound is generous and only guards against a kernel hang.
int KillGroupAndReap(pid_t pid) {
  if (kill(-pid, SIGKILL) != 0) kill(pid, SIGKILL);
  int code = -1;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!TryReap(pid, &code) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return code;
}

}  // namespace

Process Process::Start(const std::vector<std::string>& argv, const std::string& log_file,
                       const std::vector<std::string>& extra_env) {
  ExecSpec spec = PrepareExec(argv, extra_env);
  int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) Fail("Process: cannot open log " + log_file);
  pid_t pid;
  try {
    pid = Spawn(spec, fd);
  } catch (...) {
    close(fd);
    throw;
  }
  close(fd);
  return Process(pid);
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      reaped_(other.reaped_),
      exit_code_(other.exit_code_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    reaped_ = other.reaped_;
    exit_code_ = other.exit_code_;
  }
  return *this;
}

Process::~Process() { KillAndReap(); }

void Process::KillAndReap() {
  if (pid_ > 0 && running()) {
    exit_code_ = KillGroupAndReap(pid_);
    reaped_ = true;
  }
}

bool Process::running() {
  if (pid_ <= 0 || reaped_) return false;
  if (TryReap(pid_, &exit_code_)) reaped_ = true;
  return !reaped_;
}

void Process::Signal(int sig) {
  if (pid_ > 0 && !reaped_) kill(pid_, sig);
}

int Process::Wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_code_;
}

int FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Fail("FreeTcpPort: socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    Fail("FreeTcpPort: bind");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string MakeTempDir(const std::string& prefix) {
  if (prefix.find('/') != std::string::npos) {
    throw std::runtime_error("MakeTempDir: prefix must not contain '/': " + prefix);
  }
  std::string tmpl = "/tmp/" + prefix + "XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) Fail("MakeTempDir " + tmpl);
  return tmpl;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    bool value = pred();
    auto now = Clock::now();
    if (value || now >= deadline) return value;
    std::this_thread::sleep_for(
        std::min<Clock::duration>(std::chrono::milliseconds(20), deadline - now));
  }
}

RunResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
              const std::vector<std::string>& extra_env) {
  ExecSpec spec = PrepareExec(argv, extra_env);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) Fail("Run: pipe");
  pid_t pid;
  try {
    pid = Spawn(spec, fds[1]);
  } catch (...) {
    close(fds[0]);
    close(fds[1]);
    throw;
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);

  RunResult result{-1, ""};
  const auto deadline = Clock::now() + timeout;
  // A background grandchild may keep the pipe open after the command exits;
  // give the output a short grace period, then stop reading.
  const auto kGrace = std::chrono::milliseconds(200);
  bool eof = false, exited = false, timed_out = false;
  Clock::time_point exited_at{};
  char buf[65536];
  while (!(eof && exited)) {
    auto now = Clock::now();
    if (exited && now >= exited_at + kGrace) break;
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    if (!eof) {
      pollfd p{fds[0], POLLIN, 0};
      poll(&p, 1, 20);
      while (true) {
        ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n > 0) {
          if (result.output.size() < kMaxRunOutput) result.output.append(buf, static_cast<size_t>(n));
          continue;
        }
        if (n == 0) eof = true;
        break;  // EAGAIN, EINTR or EOF
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!exited && TryReap(pid, &result.exit_code)) {
      exited = true;
      exited_at = Clock::now();
    }
  }
  if (timed_out) {
    KillGroupAndReap(pid);
    result.exit_code = -1;
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0 && result.output.size() < kMaxRunOutput) {
      result.output.append(buf, static_cast<size_t>(n));
    }
  }
  close(fds[0]);
  return result;
}

}  // namespace swarmcrawl::testing
