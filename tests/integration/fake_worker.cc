#include "tests/integration/fake_worker.h"

#include <doctest/doctest.h>

#include <chrono>

#include "core/clock.h"
#include "core/wire.h"
#include "parsers/parser_registry.h"
#include "parsers/robots.h"
#include "worker/fetcher.h"
#include "worker/page_processor.h"

namespace swarmcrawl::testing {

using nlohmann::json;

FakeWorker::FakeWorker(const std::string& endpoint, const std::string& server_key, const SigningKey& key)
    : socket_(ctx_, zmq::socket_type::dealer) {
  SetCurveClientKeys(socket_, server_key, key);
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(endpoint);
}

FakeWorker::FakeWorker(const std::string& endpoint, const std::string& server_key)
    : socket_(ctx_, zmq::socket_type::dealer) {
  char pub[41], sec[41];
  REQUIRE(zmq_curve_keypair(pub, sec) == 0);
  socket_.set(zmq::sockopt::curve_serverkey, server_key);
  socket_.set(zmq::sockopt::curve_publickey, std::string(pub));
  socket_.set(zmq::sockopt::curve_secretkey, std::string(sec));
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(endpoint);
}

void FakeWorker::SendFrames(const std::vector<std::string>& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    socket_.send(zmq::buffer(frames[i]),
                 i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

void FakeWorker::Send(const std::string& command, const json& body) {
  SendFrames(EncodeEnvelope(command, body));
}

bool FakeWorker::TryRecv(int timeout_ms, Envelope* out) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t items[] = {{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(50));
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    do {
      zmq::message_t m;
      REQUIRE(socket_.recv(m));
      frames.push_back(std::move(m));
    } while (frames.back().more());
    std::vector<std::string_view> views;
    for (auto& f : frames) views.emplace_back(static_cast<const char*>(f.data()), f.size());
    Envelope env;
    REQUIRE(DecodeEnvelope(views, &env).ok());
    if (env.command == "HEARTBEAT") {
      Send("HEARTBEAT", json::object());
      continue;
    }
    *out = std::move(env);
    return true;
  }
  return false;
}

Envelope FakeWorker::Recv(int timeout_ms) {
  Envelope env;
  if (!TryRecv(timeout_ms, &env)) FAIL("no message from the coordinator within " << timeout_ms << " ms");
  return env;
}

Envelope FakeWorker::Hello(const SigningKey& key, const std::string& worker_id, int64_t capacity) {
  HelloMsg h;
  h.contributor = key.public_hex();
  h.worker_id = worker_id;
  h.capacity = capacity;
  h.at_ms = SystemClock().NowMs();
  h.proof = key.SignHex(HelloProofBytes(h.contributor, h.worker_id, h.at_ms));
  Send("HELLO", Encode(h));
  return Recv();
}

ResultMsg SignedBatch(const SigningKey& signer, const std::string& contributor,
                      const LeaseMsg& lease, std::vector<ResultEntry> entries,
                      const std::string& batch_id) {
  ResultMsg m;
  m.batch_id = batch_id;
  m.lease_id = lease.lease_id;
  m.entries = std::move(entries);
  m.signature = signer.SignHex(ManifestBytes(contributor, m, lease.nonce));
  return m;
}

ResultEntry RobotsEntry(const LeaseMsg& lease) {
  ResultEntry e;
  e.task_id = lease.tasks.at(0).task_id;
  e.url = lease.tasks.at(0).url;
  e.status = 200;
  e.fetched_at = 1;
  e.robots_txt = "User-agent: *\nDisallow: /private/\n";
  e.text_sha256 = Sha256Hex(e.robots_txt);
  return e;
}

ResultEntry PageEntry(const TaskSpec& task, const std::string& text) {
  ResultEntry e;
  e.task_id = task.task_id;
  e.url = task.url;
  e.status = 200;
  e.fetched_at = 1700000000000;
  e.content_type = "text/html";
  e.text = text;
  e.text_sha256 = Sha256Hex(text);
  return e;
}

LeaseMsg NextLease(FakeWorker& w, int64_t credit) {
  w.Send("REQUEST", Encode(RequestMsg{credit}));
  Envelope env = w.Recv();
  REQUIRE(env.command == "LEASE");
  LeaseMsg lease;
  REQUIRE(DecodeLease(env.body, &lease).ok());
  return lease;
}

AckMsg SendResult(FakeWorker& w, const ResultMsg& m) {
  w.Send("RESULT", Encode(m));
  Envelope env = w.Recv();
  REQUIRE(env.command == "ACK");
  AckMsg ack;
  REQUIRE(DecodeAck(env.body, &ack).ok());
  return ack;
}

ResultEntry FetchHonestly(const LeaseMsg& lease, const TaskSpec& task) {
  FetchLimits limits;
  limits.allow_private_networks = true;  // the fixture site is on 127.0.0.1
  Fetcher fetcher(limits);
  FetchRequest req;
  req.id = 1;
  req.url = task.url;
  req.user_agent = lease.user_agent;
  fetcher.Add(req);
  std::vector<FetchResult> done;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (done.empty() && std::chrono::steady_clock::now() < deadline) {
    fetcher.Poll(50);
    fetcher.TakeCompleted(&done);
  }
  REQUIRE(done.size() == 1);
  TaskContext ctx;
  ctx.lease_kind = lease.kind;
  ctx.task = task;
  ctx.product_token = ProductToken(lease.user_agent);
  ctx.ai_tokens = lease.ai_tokens;
  ctx.keep_body = false;
  static const ParserRegistry registry = DefaultParserRegistry();
  ctx.registry = &registry;
  return ProcessFetch(done[0], ctx);
}

}  // namespace swarmcrawl::testing
