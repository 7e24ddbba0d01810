// Shared plumbing of the test HTTP servers (fixture_server, multihost_server):
// loopback binding without SO_REUSEPORT, a raised listen backlog, the atomic
// port file and a sigwait()-based shutdown.
#pragma once

#include <signal.h>

#include <string>

#include <httplib.h>

namespace swarmcrawl::testing {

// Writes "PORT\n" to `path` through a temporary file and rename(), so a poller
// never reads a partial number. False on any I/O error.
bool WritePortFile(const std::string& path, int port);

// httplib 0.11 listens with a backlog of 5, compiled into the shared library;
// a crawler opening dozens of connections at once would see SYNs dropped and
// retried a second later. On Linux, listen() on a listening socket just
// updates its backlog, so find our socket and raise it. Best effort.
void RaiseListenBacklog(int port);

// Blocks SIGTERM and SIGINT in the calling thread and returns that set. Call
// it before any thread exists so every thread inherits the mask and only the
// sigwait() thread of ServeUntilStopped() ever receives them.
sigset_t BlockStopSignals();

// Binds `server` to 127.0.0.1:`port` (0 picks a free port) with SO_REUSEADDR
// but not SO_REUSEPORT (httplib's default also sets SO_REUSEPORT, which would
// let a second server bind the same port and silently share the traffic;
// tests want a clean "address in use" instead), then raises the listen
// backlog. Returns the bound port, or -1.
int BindLoopback(httplib::Server& server, int port);

// Serves until a signal of `stop_signals` arrives (in-flight requests finish)
// or the server ends on its own. Returns the process exit code: 0 after a
// signal or a clean end, 1 if listening failed.
int ServeUntilStopped(httplib::Server& server, const sigset_t& stop_signals);

}  // namespace swarmcrawl::testing
