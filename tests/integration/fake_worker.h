// FakeWorker: a hand-written SWC/1 peer on a real ZeroMQ DEALER socket
// (CurveZMQ), as a worker in another language would be, for protocol and
// adversarial tests. It does only what a test tells it to, so it can also
// misbehave: fabricate pages, replay batches, forge signatures.
// FetchHonestly() does a task's real work with the worker's own pipeline
// (Fetcher + ProcessFetch), so an adversary can mix honest and bad results.
#pragma once

#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/crypto.h"
#include "core/protocol.h"

namespace swarmcrawl::testing {

class FakeWorker {
 public:
  // Connects with the transport key derived from `key`, as workers must.
  FakeWorker(const std::string& endpoint, const std::string& server_key, const SigningKey& key);
  // Connects with a fresh, unrelated transport key (which HELLO must refuse).
  FakeWorker(const std::string& endpoint, const std::string& server_key);

  void SendFrames(const std::vector<std::string>& frames);
  void Send(const std::string& command, const nlohmann::json& body);
  // Next message that is not a HEARTBEAT (the test fails after timeout_ms).
  Envelope Recv(int timeout_ms = 10000);
  // As Recv, but returns false on timeout instead of failing.
  bool TryRecv(int timeout_ms, Envelope* out);
  // HELLO with a valid key proof; returns the reply.
  Envelope Hello(const SigningKey& key, const std::string& worker_id, int64_t capacity = 100);

 private:
  zmq::context_t ctx_{1};
  zmq::socket_t socket_;
};

ResultMsg SignedBatch(const SigningKey& signer, const std::string& contributor,
                      const LeaseMsg& lease, std::vector<ResultEntry> entries,
                      const std::string& batch_id);
ResultEntry RobotsEntry(const LeaseMsg& lease);
ResultEntry PageEntry(const TaskSpec& task, const std::string& text);
// REQUEST `credit` and the LEASE that answers it.
LeaseMsg NextLease(FakeWorker& w, int64_t credit);
AckMsg SendResult(FakeWorker& w, const ResultMsg& m);

// What an honest worker would send for `task` of `lease`: fetched from the
// (loopback) site and processed by the worker's own code.
ResultEntry FetchHonestly(const LeaseMsg& lease, const TaskSpec& task);

}  // namespace swarmcrawl::testing
