// Who may connect and how much one connection may ask of the coordinator:
// the ZAP handler's allowlist, transport keys bound to contributor keys,
// message-rate and outstanding-lease limits, against a real coordinator.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "core/clock.h"

#include "tests/integration/cluster.h"
#include "tests/integration/fake_worker.h"

namespace swarmcrawl::testing {

using nlohmann::json;

TEST_CASE("in allowlist mode only listed contributors can get work, and the list is re-read when it changes") {
  SigningKey listed, outsider;
  REQUIRE(SigningKey::Generate(&listed).ok());
  REQUIRE(SigningKey::Generate(&outsider).ok());
  char tmpl[] = "/tmp/swarmcrawl-allowlist-XXXXXX";
  const int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  close(fd);
  const std::string allowlist = tmpl;
  std::ofstream(allowlist) << "# contributors of the test\n" << listed.public_hex() << "\n";
  ClusterOptions o;
  o.coordinator_args = {"--admission", "allowlist", "--allowlist", allowlist};
  Cluster cluster(o);
  cluster.StartSite();
  cluster.SubmitCrawl();
  cluster.StartCoordinator();

  FakeWorker in(cluster.coordinator_endpoint(), cluster.coordinator_key(), listed);
  REQUIRE(in.Hello(listed, "listed").command == "WELCOME");
  CHECK(NextLease(in, 2).kind == "robots");

  // The outsider's connection is refused in the handshake: not even an ERROR.
  FakeWorker out(cluster.coordinator_endpoint(), cluster.coordinator_key(), outsider);
  HelloMsg h;
  h.contributor = outsider.public_hex();
  h.worker_id = "outsider";
  h.capacity = 10;
  h.at_ms = SystemClock().NowMs();
  h.proof = outsider.SignHex(HelloProofBytes(h.contributor, h.worker_id, h.at_ms));
  out.Send("HELLO", Encode(h));
  Envelope env;
  CHECK_FALSE(out.TryRecv(3000, &env));
  // Claiming a listed key over the outsider's transport key is refused too.
  FakeWorker impostor(cluster.coordinator_endpoint(), cluster.coordinator_key(), outsider);
  HelloMsg claim = h;
  claim.contributor = listed.public_hex();
  claim.worker_id = "impostor";
  impostor.Send("HELLO", Encode(claim));
  CHECK_FALSE(impostor.TryRecv(2000, &env));
  // A real worker process with an unlisted key never gets any work.
  cluster.StartWorker(1);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(cluster.QueryInt("SELECT COUNT(*) FROM leases WHERE contributor<>'" + listed.public_hex() + "'") == 0);

  // Listed now: the outsider's next connection is admitted.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a new mtime
  std::ofstream(allowlist, std::ios::app) << outsider.public_hex() << "  # added later\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  FakeWorker later(cluster.coordinator_endpoint(), cluster.coordinator_key(), outsider);
  REQUIRE(later.Hello(outsider, "outsider-2").command == "WELCOME");

  // Taken off the list again: its open session ends at once (ERROR
  // not_allowed), and a HELLO on the same connection is refused.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  std::ofstream(allowlist) << listed.public_hex() << "\n";
  Envelope gone = later.Recv(5000);
  CHECK(gone.command == "ERROR");
  CHECK(gone.body.value("code", "") == "not_allowed");
  Envelope again = later.Hello(outsider, "outsider-2");
  CHECK(again.command == "ERROR");
  CHECK(again.body.value("code", "") == "not_allowed");
  std::remove(allowlist.c_str());
}

TEST_CASE("a connection whose CurveZMQ key is not derived from the contributor key is refused at HELLO") {
  Cluster c(ClusterOptions{});
  c.StartAll(0);
  SigningKey key;
  REQUIRE(SigningKey::Generate(&key).ok());
  FakeWorker fresh(c.coordinator_endpoint(), c.coordinator_key());  // an unrelated transport key
  Envelope env = fresh.Hello(key, "fresh-key");
  REQUIRE(env.command == "ERROR");
  CHECK(env.body["code"] == "bad_transport_key");
  FakeWorker derived(c.coordinator_endpoint(), c.coordinator_key(), key);
  CHECK(derived.Hello(key, "derived-key").command == "WELCOME");
}

TEST_CASE("a connection flooding the coordinator is rate limited while others are still served") {
  ClusterOptions o;
  o.coordinator_args = {"--max-message-rate", "50"};
  Cluster c(o);
  c.StartAll(0);
  SigningKey flood_key, calm_key;
  REQUIRE(SigningKey::Generate(&flood_key).ok());
  REQUIRE(SigningKey::Generate(&calm_key).ok());
  FakeWorker flood(c.coordinator_endpoint(), c.coordinator_key(), flood_key);
  REQUIRE(flood.Hello(flood_key, "flood").command == "WELCOME");
  for (int i = 0; i < 3000; ++i) flood.Send("HEARTBEAT", json::object());
  Envelope env;
  bool limited = false;
  while (!limited && flood.TryRecv(3000, &env)) limited = env.command == "ERROR" && env.body["code"] == "rate_limited";
  CHECK(limited);
  // Another connection is served at once.
  FakeWorker calm(c.coordinator_endpoint(), c.coordinator_key(), calm_key);
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(calm.Hello(calm_key, "calm").command == "WELCOME");
  CHECK(NextLease(calm, 2).kind == "robots");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
}

TEST_CASE("a connection never holds more than max_outstanding_leases leases") {
  // One lease per host at a time: four hosts could give four leases.
  ClusterOptions o;
  o.multihost = true;
  o.hosts = {"a", "b", "c", "norobots"};
  o.lease_size = 1;
  o.delay_ms = 2000;  // the honest worker leaves work behind on every host
  o.coordinator_args = {"--max-outstanding-leases", "2", "--expired-quiet-ms", "0"};
  Cluster c(o);
  c.StartSite();
  c.SubmitCrawl();
  c.StartCoordinator();
  c.StartWorker(1);  // an honest worker reads the robots.txt files
  REQUIRE(WaitUntil([&] { return c.QueryInt("SELECT COUNT(*) FROM hosts WHERE robots_state='ready'") == 4; },
                    std::chrono::seconds(30)));
  c.KillWorker(1);
  SigningKey key;
  REQUIRE(SigningKey::Generate(&key).ok());
  FakeWorker w(c.coordinator_endpoint(), c.coordinator_key(), key);
  REQUIRE(w.Hello(key, "greedy").command == "WELCOME");
  w.Send("REQUEST", Encode(RequestMsg{50}));
  int leases = 0;
  Envelope env;
  while (w.TryRecv(2000, &env)) leases += env.command == "LEASE" ? 1 : 0;
  CHECK(leases == 2);
  CHECK(c.QueryInt("SELECT COUNT(*) FROM leases WHERE state='active' AND contributor='" + key.public_hex() + "'") == 2);
}

}  // namespace swarmcrawl::testing
