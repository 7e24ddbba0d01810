#include <doctest/doctest.h>

#include "core/crypto.h"
#include "core/protocol.h"

namespace swarmcrawl {
using nlohmann::json;

static std::vector<std::string_view> Views(const std::vector<std::string>& f) {
  return {f.begin(), f.end()};
}

TEST_CASE("protocol: envelope round trip and strict framing") {
  auto frames = EncodeEnvelope("REQUEST", Encode(RequestMsg{12}));
  REQUIRE(frames.size() == 3);
  CHECK(frames[0] == "SWC/1");
  Envelope env;
  REQUIRE(DecodeEnvelope(Views(frames), &env).ok());
  CHECK(env.command == "REQUEST");
  RequestMsg r;
  REQUIRE(DecodeRequest(env.body, &r).ok());
  CHECK(r.credit == 12);

  CHECK(DecodeEnvelope(Views({"SWC/2", "HELLO", "{}"}), &env).code() == "unsupported_version");
  CHECK(DecodeEnvelope(Views({"HTTP/1.1", "HELLO", "{}"}), &env).code() == "malformed");
  CHECK(DecodeEnvelope(Views({"SWC/1", "HELLO"}), &env).code() == "malformed");
  CHECK(DecodeEnvelope(Views({"SWC/1", "hello", "{}"}), &env).code() == "malformed");
  CHECK(DecodeEnvelope(Views({"SWC/1", "HELLO", "[1,2]"}), &env).code() == "malformed");
  CHECK(DecodeEnvelope(Views({"SWC/1", "HELLO", "{\"a\":"}), &env).code() == "malformed");
  const std::string big(kMaxMessageBytes + 1, 'x');
  CHECK(DecodeEnvelope({"SWC/1", "HELLO", big}, &env).code() == "too_large");
}

TEST_CASE("protocol: decoders name the bad field") {
  HelloMsg h;
  Status s = DecodeHello(json{{"contributor", std::string(64, 'a')}, {"worker_id", "bad id!"},
                              {"capacity", 1}},
                         &h);
  CHECK(s.code() == "bad_field");
  CHECK(s.message().find("HELLO.worker_id") != std::string::npos);
  s = DecodeHello(json{{"contributor", std::string(63, 'a')}, {"worker_id", "w"}, {"capacity", 1}}, &h);
  CHECK(s.message().find("HELLO.contributor") != std::string::npos);
  s = DecodeHello(json{{"contributor", std::string(64, 'A')}, {"worker_id", "w"}, {"capacity", 1}}, &h);
  CHECK(s.message().find("HELLO.contributor") != std::string::npos);  // upper-case hex refused
  // The key proof is required (docs/protocol.md, HELLO).
  s = DecodeHello(json{{"contributor", std::string(64, 'a')}, {"worker_id", "w"}, {"capacity", 1}}, &h);
  CHECK(s.message().find("HELLO.at_ms") != std::string::npos);
  CHECK(DecodeHello(json{{"contributor", std::string(64, 'a')}, {"worker_id", "w"}, {"capacity", 1},
                         {"at_ms", 1}, {"proof", std::string(128, 'b')}},
                    &h)
            .ok());

  LeaseMsg lease;
  lease.lease_id = 3;
  lease.nonce = std::string(32, 'f');
  lease.crawl = "c";
  lease.kind = "page";
  lease.host = "http://a";
  lease.user_agent = "ua";
  lease.delay_ms = 5;
  lease.concurrency = 2;
  lease.expires_in_ms = 100;
  lease.tasks = {{7, "http://a/x"}};
  LeaseMsg back;
  REQUIRE(DecodeLease(Encode(lease), &back).ok());
  CHECK(back.tasks.size() == 1);
  CHECK(back.tasks[0].url == "http://a/x");
  json j = Encode(lease);
  j["kind"] = "bogus";
  CHECK(DecodeLease(j, &back).message().find("LEASE.kind") != std::string::npos);
  j = Encode(lease);
  j["tasks"][0]["task_id"] = 0;
  CHECK(DecodeLease(j, &back).message().find("LEASE.tasks[0].task_id") != std::string::npos);
  j = Encode(lease);
  j["delay_ms"] = 1.5;
  CHECK(DecodeLease(j, &back).message().find("LEASE.delay_ms") != std::string::npos);
}

TEST_CASE("protocol: result round trip keeps every field, and bounds are enforced") {
  ResultMsg m;
  m.batch_id = "w1-1";
  m.lease_id = 9;
  m.signature = std::string(128, '0');
  ResultEntry e;
  e.task_id = 5;
  e.url = "http://a/";
  e.status = 200;
  e.fetched_at = 123;
  e.title = "T";
  e.text = "hello";
  e.text_sha256 = Sha256Hex("hello");
  e.outlinks = {"http://a/1", "http://a/2"};
  m.entries = {e};
  ResultMsg back;
  REQUIRE(DecodeResult(Encode(m), &back).ok());
  REQUIRE(back.entries.size() == 1);
  CHECK(back.entries[0].outlinks == e.outlinks);
  CHECK(back.entries[0].text_sha256 == e.text_sha256);
  CHECK(ManifestBytes("k", back, "n") == ManifestBytes("k", m, "n"));

  json j = Encode(m);
  j["entries"][0]["outlinks"][1] = 5;
  CHECK(DecodeResult(j, &back).message().find("RESULT.entries[0].outlinks[1]") != std::string::npos);
  j = Encode(m);
  j["entries"][0]["reason"] = "Has Spaces";
  CHECK(DecodeResult(j, &back).message().find("RESULT.entries[0].reason") != std::string::npos);
  j = Encode(m);
  j["entries"] = json::array();
  for (size_t i = 0; i <= kMaxEntriesPerBatch; ++i) j["entries"].push_back(json::object());
  CHECK(DecodeResult(j, &back).message().find("RESULT.entries") != std::string::npos);
}

TEST_CASE("protocol: the manifest binds lease, nonce, contributor and every hash") {
  ResultMsg m;
  m.batch_id = "b";
  m.lease_id = 1;
  ResultEntry e;
  e.task_id = 1;
  e.status = 200;
  e.text_sha256 = Sha256Hex("t");
  e.outlinks = {"http://x/"};
  m.entries = {e};
  const std::string base = ManifestBytes("alice", m, "nonce1");
  CHECK(base != ManifestBytes("bob", m, "nonce1"));
  CHECK(base != ManifestBytes("alice", m, "nonce2"));
  ResultMsg m2 = m;
  m2.lease_id = 2;
  CHECK(base != ManifestBytes("alice", m2, "nonce1"));
  m2 = m;
  m2.entries[0].outlinks.push_back("http://y/");
  CHECK(base != ManifestBytes("alice", m2, "nonce1"));
  m2 = m;
  m2.entries[0].status = 404;
  CHECK(base != ManifestBytes("alice", m2, "nonce1"));
  CHECK(base.rfind("swarmcrawl-result-v1\nalice\nb\n1\nnonce1\n1 200 - - ", 0) == 0);
}

}  // namespace swarmcrawl

namespace swarmcrawl {

TEST_CASE("protocol: the manifest example in docs/protocol.md is exact") {
  ResultMsg m;
  m.batch_id = "w1-3";
  m.lease_id = 17;
  ResultEntry page;
  page.task_id = 42;
  page.status = 200;
  page.body_sha256 = Sha256Hex("<html><title>Home</title><p>hello world</p></html>");
  page.text = "hello world";
  page.text_sha256 = Sha256Hex(page.text);
  page.outlinks = {"http://example.org/a", "http://example.org/b"};
  ResultEntry missing;
  missing.task_id = 43;
  missing.status = 404;
  missing.reason = "http_404";
  m.entries = {page, missing};
  const std::string expected =
      "swarmcrawl-result-v1\n"
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\n"
      "w1-3\n"
      "17\n"
      "000102030405060708090a0b0c0d0eff\n"
      "42 200 - e012336f9a30bb2ac442d64138184bafd16f93f2fe6ab1c972b9414a84344158 "
      "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9 "
      "2a236f1d30ab4a5d7cc0837f560b39c24fa97b3e139ab4b528ef0c7aa9a110bc\n"
      "43 404 http_404 - - e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
  CHECK(ManifestBytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", m,
                      "000102030405060708090a0b0c0d0eff") == expected);
}

}  // namespace swarmcrawl
