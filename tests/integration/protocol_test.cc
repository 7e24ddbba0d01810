// The wire protocol against a real coordinator process: a hand-written peer on
// a real ZeroMQ DEALER socket (CurveZMQ), as a worker in another language would be.
#include <doctest/doctest.h>

#include <thread>
#include <zmq.hpp>

#include "core/crypto.h"
#include "core/clock.h"
#include "core/protocol.h"
#include "tests/integration/cluster.h"
#include "tests/integration/fake_worker.h"

namespace swarmcrawl::testing {
namespace {

using nlohmann::json;

}  // namespace

TEST_CASE("a batch with a bad signature is rejected and credits nobody, and re-sends credit once") {
  Cluster c(ClusterOptions{});
  c.StartAll(0);
  SigningKey alice, mallory;
  REQUIRE(SigningKey::Generate(&alice).ok());
  REQUIRE(SigningKey::Generate(&mallory).ok());
  FakeWorker w(c.coordinator_endpoint(), c.coordinator_key(), alice);
  REQUIRE(w.Hello(alice, "fake-alice").command == "WELCOME");

  // The first lease of a new host is its robots.txt (and tdmrep.json: a
  // robots lease needs room for two tasks).
  LeaseMsg robots = NextLease(w, 2);
  CHECK(robots.kind == "robots");
  REQUIRE(robots.tasks.size() == 2);
  CHECK(robots.tasks[0].url == c.base_url() + "robots.txt");

  // Signed by someone else's key: rejected, nothing applied.
  AckMsg bad = SendResult(w, SignedBatch(mallory, alice.public_hex(), robots,
                                         {RobotsEntry(robots)}, "fake-alice-1"));
  CHECK(bad.status == "rejected");
  CHECK(bad.reason == "bad_signature");
  CHECK(c.QueryInt("SELECT COUNT(*) FROM rejections WHERE reason='bad_signature'") == 1);
  CHECK(c.QueryInt("SELECT robots_state='unknown' FROM hosts") == 1);

  // Content that does not match its signed hash: rejected too.
  ResultEntry tampered = RobotsEntry(robots);
  tampered.robots_txt = "User-agent: *\nAllow: /\n";
  AckMsg mismatch = SendResult(w, SignedBatch(alice, alice.public_hex(), robots, {tampered},
                                              "fake-alice-2"));
  CHECK(mismatch.status == "rejected");
  CHECK(mismatch.reason.rfind("hash_mismatch", 0) == 0);

  // Properly signed: accepted, and the host's robots.txt is now known.
  AckMsg good = SendResult(w, SignedBatch(alice, alice.public_hex(), robots,
                                          {RobotsEntry(robots)}, "fake-alice-3"));
  CHECK(good.status == "accepted");
  CHECK(c.QueryInt("SELECT robots_state='ready' FROM hosts") == 1);

  // A page lease; one stored page earns one credited page.
  LeaseMsg pages = NextLease(w, 1);
  CHECK(pages.kind == "page");
  REQUIRE(pages.tasks.size() == 1);
  ResultEntry page = PageEntry(pages.tasks[0], "hello world");
  page.title = "Home";
  page.body_bytes = 1234;
  page.body_sha256 = Sha256Hex("<html>hello world</html>");
  const ResultMsg batch = SignedBatch(alice, alice.public_hex(), pages, {page}, "fake-alice-4");

  // Another contributor cannot claim results for alice's lease, even correctly signed by itself.
  FakeWorker w2(c.coordinator_endpoint(), c.coordinator_key(), mallory);
  REQUIRE(w2.Hello(mallory, "fake-mallory").command == "WELCOME");
  AckMsg stolen = SendResult(w2, SignedBatch(mallory, mallory.public_hex(), pages, {page},
                                             "fake-mallory-1"));
  CHECK(stolen.status == "rejected");
  CHECK(stolen.reason == "lease_not_yours");

  AckMsg accepted = SendResult(w, batch);
  CHECK(accepted.status == "accepted");
  CHECK(accepted.credited_pages == 1);
  AckMsg again = SendResult(w, batch);
  CHECK(again.status == "duplicate");
  CHECK(c.QueryInt("SELECT COUNT(*) FROM records") == 1);
  CHECK(c.QueryInt("SELECT SUM(pages) FROM credits") == 1);
  CHECK(c.QueryInt("SELECT SUM(bytes) FROM credits") == 1234);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM credits WHERE contributor='" + mallory.public_hex() + "'") == 0);
}

TEST_CASE("malformed, oversized and unknown-version messages get an ERROR, and others are still served") {
  Cluster c(ClusterOptions{});
  c.StartAll(0);
  SigningKey key;
  REQUIRE(SigningKey::Generate(&key).ok());
  FakeWorker w(c.coordinator_endpoint(), c.coordinator_key(), key);

  auto expect_error = [&](const std::string& code) {
    Envelope env = w.Recv();
    REQUIRE(env.command == "ERROR");
    ErrorMsg err;
    REQUIRE(DecodeError(env.body, &err).ok());
    CHECK(err.code == code);
    return err;
  };

  w.SendFrames({"garbage"});
  expect_error("malformed");
  w.SendFrames({"SWC/9", "HELLO", "{}"});
  CHECK(expect_error("unsupported_version").message.find("SWC/1") != std::string::npos);
  w.SendFrames({"SWC/1", "HELLO", "{not json"});
  expect_error("malformed");
  w.Send("HELLO", json{{"worker_id", "x"}, {"capacity", 1}});
  CHECK(expect_error("bad_field").message.find("HELLO.contributor") != std::string::npos);
  w.Send("HELLO", json{{"contributor", key.public_hex()}, {"worker_id", "x"}, {"capacity", -5}});
  CHECK(expect_error("bad_field").message.find("HELLO.capacity") != std::string::npos);
  w.Send("RESULT", json::object());
  expect_error("not_welcome");
  w.SendFrames({"SWC/1", "HELLO", std::string(kMaxMessageBytes + 1, ' ')});
  expect_error("too_large");

  REQUIRE(w.Hello(key, "fake-ok").command == "WELCOME");
  w.Send("FROBNICATE", json::object());
  expect_error("unknown_command");
  // A malformed batch that can be named is refused for good with an ACK, so the
  // worker drops it instead of re-sending it forever.
  w.Send("RESULT", json{{"batch_id", "b1"}, {"lease_id", 1}, {"signature", std::string(128, 'a')},
                        {"entries", json::array({json{{"task_id", "one"}}})}});
  Envelope ack_env = w.Recv();
  REQUIRE(ack_env.command == "ACK");
  AckMsg ack;
  REQUIRE(DecodeAck(ack_env.body, &ack).ok());
  CHECK(ack.batch_id == "b1");
  CHECK(ack.status == "rejected");
  CHECK(ack.reason.find("RESULT.entries[0].task_id") != std::string::npos);
  w.Send("RESULT", json{{"lease_id", 1}});
  CHECK(expect_error("bad_field").message.find("RESULT.batch_id") != std::string::npos);

  // The coordinator is still serving: another worker joins and gets work.
  SigningKey other;
  REQUIRE(SigningKey::Generate(&other).ok());
  FakeWorker w2(c.coordinator_endpoint(), c.coordinator_key(), other);
  REQUIRE(w2.Hello(other, "fake-other").command == "WELCOME");
  CHECK(NextLease(w2, 5).kind == "robots");
}

TEST_CASE("a worker never holds more tasks than the credit it announced") {
  ClusterOptions o;
  Cluster c(o);
  c.StartAll(0);
  SigningKey key;
  REQUIRE(SigningKey::Generate(&key).ok());
  FakeWorker w(c.coordinator_endpoint(), c.coordinator_key(), key);
  REQUIRE(w.Hello(key, "fake-credit").command == "WELCOME");
  LeaseMsg robots = NextLease(w, 2);
  CHECK(robots.tasks.size() == 2);
  REQUIRE(SendResult(w, SignedBatch(key, key.public_hex(), robots, {RobotsEntry(robots)}, "c-1"))
              .status == "accepted");
  // The seed page alone is queued; after it, the site has many pages. Credit 1 -> 1 task.
  LeaseMsg seed = NextLease(w, 1);
  CHECK(seed.tasks.size() == 1);
  ResultEntry page = PageEntry(seed.tasks[0], "x");
  for (int i = 1; i <= 30; ++i) page.outlinks.push_back(c.base_url() + "p" + std::to_string(i) + ".html");
  REQUIRE(SendResult(w, SignedBatch(key, key.public_hex(), seed, {page}, "c-2")).status == "accepted");
  // Now 30 URLs are queued, but we announce 7: the lease must not exceed 7.
  LeaseMsg next = NextLease(w, 7);
  CHECK(next.tasks.size() == 7);
  // No credit left: the coordinator issues no further lease although URLs are queued.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(c.QueryInt("SELECT COUNT(*) FROM leases") == 3);
  CHECK(c.QueryInt("SELECT queued FROM hosts") == 23);
}

}  // namespace swarmcrawl::testing
