#include "coordinator/warc_writer.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace swarmcrawl {
namespace {

// Base32 written bit by bit, independently of the writer's.
std::string TestBase32(std::string_view bytes) {
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::vector<int> bits;
  for (unsigned char c : bytes) {
    for (int i = 7; i >= 0; --i) bits.push_back((c >> i) & 1);
  }
  while (bits.size() % 5 != 0) bits.push_back(0);
  std::string out;
  for (size_t i = 0; i < bits.size(); i += 5) {
    int v = 0;
    for (int j = 0; j < 5; ++j) v = v * 2 + bits[i + j];
    out += alphabet[v];
  }
  while (out.size() % 8 != 0) out += '=';
  return out;
}

std::string Sha1Digest(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  return "sha1:" + TestBase32(std::string_view(reinterpret_cast<char*>(md), len));
}

// 00000000-0000-4000-8000-000000000001, ...02, ... in order.
UuidSource Counter() {
  auto n = std::make_shared<int>(0);
  return [n] {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "00000000-0000-4000-8000-%012x", ++*n);
    return std::string(buf);
  };
}

std::string Id(int n) {
  char buf[60];
  std::snprintf(buf, sizeof(buf), "<urn:uuid:00000000-0000-4000-8000-%012x>", n);
  return buf;
}

constexpr int64_t kTime = 1700000000123;  // 2023-11-14T22:13:20.123Z
constexpr const char* kDate = "2023-11-14T22:13:20.123Z";

WarcCapture SmallCapture() {
  WarcCapture c;
  c.url = "http://example.com/";
  c.ip = "93.184.216.34";
  c.request_head = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  c.response_head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n";
  c.body = "hello";
  c.fetched_at_ms = kTime;
  c.metadata = {{"lang", "en"}};
  return c;
}

TEST_CASE("Base32 and SHA-1 digests match RFC 4648 and known values") {
  CHECK(Base32Encode("") == "");
  CHECK(Base32Encode("f") == "MY======");
  CHECK(Base32Encode("fo") == "MZXQ====");
  CHECK(Base32Encode("foo") == "MZXW6===");
  CHECK(Base32Encode("foob") == "MZXW6YQ=");
  CHECK(Base32Encode("fooba") == "MZXW6YTB");
  CHECK(Base32Encode("foobar") == "MZXW6YTBOI======");
  CHECK(TestBase32("foobar") == "MZXW6YTBOI======");
  CHECK(WarcSha1Digest("") == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
  CHECK(WarcSha1Digest("abc") == "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
  CHECK(Sha1Digest("abc") == "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
}

TEST_CASE("WARC dates are UTC ISO 8601 with milliseconds") {
  CHECK(WarcDate(0) == "1970-01-01T00:00:00.000Z");
  CHECK(WarcDate(kTime) == kDate);
  CHECK(WarcDate(951868799007) == "2000-02-29T23:59:59.007Z");
}

TEST_CASE("A warcinfo record and a capture are written byte for byte as specified") {
  std::string out;
  StringSink sink(&out);
  WarcWriter w(&sink, false, Counter());
  REQUIRE(w.WriteWarcinfo({{"software", "swarmcrawl/test"}}, kTime, "t.warc").ok());
  WarcRecordIds ids;
  REQUIRE(w.WriteCapture(SmallCapture(), &ids).ok());
  CHECK(w.records_written() == 4);
  CHECK(w.warcinfo_id() == Id(1));
  CHECK(ids.request == Id(2));
  CHECK(ids.response == Id(3));
  CHECK(ids.metadata == Id(4));

  const std::string info_block =
      "format: WARC File Format 1.1\r\n"
      "conformsTo: "
      "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
      "software: swarmcrawl/test\r\n";
  const std::string request_block = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  const std::string response_block =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello";
  const std::string metadata_block = "{\"lang\":\"en\"}";

  std::string expected;
  expected += "WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: " + Id(1) +
              "\r\nWARC-Date: " + kDate +
              "\r\nWARC-Filename: t.warc\r\nContent-Type: application/warc-fields\r\n"
              "WARC-Block-Digest: " + Sha1Digest(info_block) +
              "\r\nContent-Length: " + std::to_string(info_block.size()) + "\r\n\r\n" +
              info_block + "\r\n\r\n";
  expected += "WARC/1.1\r\nWARC-Type: request\r\nWARC-Record-ID: " + Id(2) +
              "\r\nWARC-Date: " + kDate +
              "\r\nWARC-Target-URI: http://example.com/\r\nWARC-IP-Address: 93.184.216.34"
              "\r\nWARC-Concurrent-To: " + Id(3) + "\r\nWARC-Warcinfo-ID: " + Id(1) +
              "\r\nContent-Type: application/http;msgtype=request\r\nWARC-Block-Digest: " +
              Sha1Digest(request_block) + "\r\nContent-Length: 37\r\n\r\n" + request_block +
              "\r\n\r\n";
  expected += "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: " + Id(3) +
              "\r\nWARC-Date: " + kDate +
              "\r\nWARC-Target-URI: http://example.com/\r\nWARC-IP-Address: 93.184.216.34"
              "\r\nWARC-Warcinfo-ID: " + Id(1) +
              "\r\nContent-Type: application/http;msgtype=response\r\nWARC-Block-Digest: " +
              Sha1Digest(response_block) + "\r\nWARC-Payload-Digest: " + Sha1Digest("hello") +
              "\r\nContent-Length: 68\r\n\r\n" + response_block + "\r\n\r\n";
  expected += "WARC/1.1\r\nWARC-Type: metadata\r\nWARC-Record-ID: " + Id(4) +
              "\r\nWARC-Date: " + kDate +
              "\r\nWARC-Target-URI: http://example.com/\r\nWARC-Concurrent-To: " + Id(3) +
              "\r\nWARC-Refers-To: " + Id(3) + "\r\nWARC-Warcinfo-ID: " + Id(1) +
              "\r\nContent-Type: application/json\r\nWARC-Block-Digest: " +
              Sha1Digest(metadata_block) + "\r\nContent-Length: 13\r\n\r\n" + metadata_block +
              "\r\n\r\n";
  CHECK(request_block.size() == 37);
  CHECK(response_block.size() == 68);
  CHECK(out == expected);
}

TEST_CASE("Records for a capture without request head, IP or metadata are left out") {
  std::string out;
  StringSink sink(&out);
  WarcWriter w(&sink, false, Counter());
  WarcCapture c = SmallCapture();
  c.request_head.clear();
  c.ip.clear();
  c.metadata = nlohmann::json::object();
  WarcRecordIds ids;
  REQUIRE(w.WriteCapture(c, &ids).ok());
  CHECK(w.records_written() == 1);
  CHECK(ids.request.empty());
  CHECK(ids.response == Id(1));
  CHECK(ids.metadata.empty());
  CHECK(out.find("WARC-IP-Address") == std::string::npos);
  CHECK(out.find("WARC-Warcinfo-ID") == std::string::npos);
  CHECK(out.find("WARC-Type: response\r\n") != std::string::npos);
}

TEST_CASE("A decoded body gets a response head consistent with it") {
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
      "Transfer-Encoding: chunked\r\nVary: Accept-Encoding\r\n\r\n";
  CHECK(RewriteResponseHead(head, 11) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Crawler-Content-Encoding: gzip\r\n"
        "X-Crawler-Transfer-Encoding: chunked\r\nVary: Accept-Encoding\r\nContent-Length: 11\r\n"
        "\r\n");
  CHECK(RewriteResponseHead("HTTP/1.1 200 OK\r\ncontent-length: 999\r\nServer: x\r\n\r\n", 3) ==
        "HTTP/1.1 200 OK\r\nX-Crawler-content-length: 999\r\nServer: x\r\nContent-Length: 3\r\n"
        "\r\n");
  // Already consistent: kept byte for byte, even with bare LF line ends.
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length:  3 \r\n\r\n";
  CHECK(RewriteResponseHead(ok, 3) == ok);
  CHECK(RewriteResponseHead("HTTP/1.0 200 OK\nServer: x\n\n", 10) ==
        "HTTP/1.0 200 OK\nServer: x\n\n");
  // A head without its blank line is completed.
  CHECK(RewriteResponseHead("HTTP/1.1 204 No Content\r\nServer: x", 0) ==
        "HTTP/1.1 204 No Content\r\nServer: x\r\nContent-Length: 0\r\n\r\n");

  // And the writer uses it: digests cover the rewritten head.
  std::string out;
  StringSink sink(&out);
  WarcWriter w(&sink, false, Counter());
  WarcCapture c = SmallCapture();
  c.request_head.clear();
  c.metadata = nullptr;
  c.response_head = head;
  c.body = "decoded!!!!";
  REQUIRE(w.WriteCapture(c).ok());
  const std::string block = RewriteResponseHead(head, 11) + c.body;
  CHECK(out.find("WARC-Block-Digest: " + Sha1Digest(block) + "\r\n") != std::string::npos);
  CHECK(out.find("WARC-Payload-Digest: " + Sha1Digest("decoded!!!!") + "\r\n") !=
        std::string::npos);
  CHECK(out.find("Content-Length: " + std::to_string(block.size()) + "\r\n\r\n" + block +
                 "\r\n\r\n") != std::string::npos);
}

// Splits a gzip file into its members' decompressed contents.
std::vector<std::string> GzipMembers(const std::string& gz) {
  std::vector<std::string> members;
  size_t pos = 0;
  while (pos < gz.size()) {
    z_stream zs{};
    REQUIRE(inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data() + pos));
    zs.avail_in = static_cast<uInt>(gz.size() - pos);
    std::string out;
    int rc;
    do {
      char buf[4096];
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof(buf);
      rc = inflate(&zs, Z_NO_FLUSH);
      out.append(buf, sizeof(buf) - zs.avail_out);
    } while (rc == Z_OK);
    REQUIRE(rc == Z_STREAM_END);
    pos += zs.total_in;
    inflateEnd(&zs);
    members.push_back(out);
  }
  return members;
}

TEST_CASE("With gzip on, every record is one gzip member holding exactly that record") {
  auto write = [](bool gzip) {
    std::string out;
    StringSink sink(&out);
    WarcWriter w(&sink, gzip, Counter());
    REQUIRE(w.WriteWarcinfo({{"software", "t"}}, kTime).ok());
    REQUIRE(w.WriteCapture(SmallCapture()).ok());
    WarcCapture c = SmallCapture();
    c.url = "http://example.com/2";
    c.request_head.clear();
    c.metadata = nullptr;
    c.body = std::string(100000, 'b');
    c.response_head = "HTTP/1.1 200 OK\r\n\r\n";
    REQUIRE(w.WriteCapture(c).ok());
    return out;
  };
  const std::string plain = write(false);
  const std::string gz = write(true);
  const std::vector<std::string> members = GzipMembers(gz);
  REQUIRE(members.size() == 5);
  std::string joined;
  const char* types[] = {"warcinfo", "request", "response", "metadata", "response"};
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string& m = members[i];
    CHECK(m.rfind("WARC/1.1\r\nWARC-Type: " + std::string(types[i]) + "\r\n", 0) == 0);
    CHECK(m.ends_with("\r\n\r\n"));
    CHECK(m.find("WARC/1.1\r\n", 1) == std::string::npos);  // one record only
    joined += m;
  }
  CHECK(joined == plain);
}

TEST_CASE("Header injection through the URL, IP or UUID source is refused before writing") {
  std::string out;
  StringSink sink(&out);
  WarcWriter w(&sink, false, Counter());
  WarcCapture c = SmallCapture();
  c.url = "http://example.com/\r\nWARC-Type: revisit";
  CHECK(w.WriteCapture(c).code() == "bad_capture");
  c = SmallCapture();
  c.url = "http://example.com/a b";
  CHECK_FALSE(w.WriteCapture(c).ok());
  c = SmallCapture();
  c.url = "relative/path";
  CHECK_FALSE(w.WriteCapture(c).ok());
  c = SmallCapture();
  c.ip = "1.2.3.4\r\nX: y";
  CHECK(w.WriteCapture(c).code() == "bad_capture");
  c = SmallCapture();
  c.response_head.clear();
  CHECK_FALSE(w.WriteCapture(c).ok());
  CHECK(out.empty());

  WarcWriter bad(&sink, false, [] { return std::string("not-a-uuid\r\nX: y"); });
  CHECK(bad.WriteCapture(SmallCapture()).code() == "bad_uuid");
  CHECK(out.empty());
  // The writer still works after refused captures.
  CHECK(w.WriteCapture(SmallCapture()).ok());
  CHECK_FALSE(out.empty());
}

TEST_CASE("Invalid UTF-8 in metadata and warcinfo values is replaced, never thrown") {
  std::string out;
  StringSink sink(&out);
  WarcWriter w(&sink, false, Counter());
  REQUIRE(w.WriteWarcinfo({{"operator", "bad \xff byte\r\nX-Injected: 1"},
                           {"isPartOf", {"a", "b"}}},
                          kTime)
              .ok());
  CHECK(out.find("operator: bad \xEF\xBF\xBD byte  X-Injected: 1\r\n") != std::string::npos);
  CHECK(out.find("isPartOf: a\r\nisPartOf: b\r\n") != std::string::npos);
  WarcCapture c = SmallCapture();
  c.metadata = {{"title", "caf\xe9"}};
  REQUIRE(w.WriteCapture(c).ok());
  CHECK(out.find("{\"title\":\"caf\xEF\xBF\xBD\"}") != std::string::npos);
}

// Accepts `budget` bytes, then fails every write.
class FailingSink : public ByteSink {
 public:
  explicit FailingSink(size_t budget) : budget_(budget) {}
  Status Append(std::string_view data) override {
    ++calls;
    if (data.size() > budget_) return Status::Error("io", "disk full");
    budget_ -= data.size();
    return Status::OK();
  }
  int calls = 0;

 private:
  size_t budget_;
};

TEST_CASE("After a failed write every later call fails without writing") {
  FailingSink sink(100);
  WarcWriter w(&sink, false, Counter());
  Status s = w.WriteCapture(SmallCapture());
  CHECK_FALSE(s.ok());
  CHECK(s.code() == "io");
  const int calls = sink.calls;
  CHECK(w.WriteCapture(SmallCapture()).code() == "io");
  CHECK(w.WriteWarcinfo(nlohmann::json::object(), kTime).code() == "io");
  CHECK(sink.calls == calls);
}

TEST_CASE("Random UUIDs are version 4, RFC 4122 variant, and differ") {
  const std::string a = RandomUuid(), b = RandomUuid();
  CHECK(a.size() == 36);
  CHECK(a[8] == '-');
  CHECK(a[13] == '-');
  CHECK(a[14] == '4');
  CHECK(std::string("89ab").find(a[19]) != std::string::npos);
  CHECK(a != b);
}

}  // namespace
}  // namespace swarmcrawl
