#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "core/crypto.h"
#include "worker/page_processor.h"
#include "worker/spool.h"

namespace swarmcrawl {

static FetchResult Response(long status, const std::string& type, const std::string& body) {
  FetchResult r;
  r.url = r.final_url = "http://a.test/dir/page.html";
  r.status = status;
  r.content_type = type;
  r.body = body;
  r.started_at_ms = 42;
  return r;
}

TEST_CASE("page processor: an HTML page becomes a record entry with hashes and resolved links") {
  const std::string html =
      "<html lang=en><head><title> Hello </title></head><body><p>One</p><p>Two</p>"
      "<a href='../x.html#f'>x</a><a href='mailto:a@b'>m</a></body></html>";
  ResultEntry e = ProcessFetch(Response(200, "text/html", html), "page", 7,
                               "http://a.test/dir/page.html");
  CHECK(e.reason == "");
  CHECK(e.task_id == 7);
  CHECK(e.title == "Hello");
  CHECK(e.text.find("One\nTwo") != std::string::npos);
  CHECK(e.outlinks == std::vector<std::string>{"http://a.test/x.html"});
  CHECK(e.text_sha256 == Sha256Hex(e.text));
  CHECK(e.body_sha256 == Sha256Hex(html));
  CHECK(e.body_bytes == static_cast<int64_t>(html.size()));
  CHECK(e.lang == "en");
  CHECK(e.fetched_at == 42);
}

TEST_CASE("page processor: every other outcome has a reason") {
  const std::string url = "http://a.test/dir/page.html";
  FetchResult redirect = Response(301, "", "");
  redirect.location = "/new";
  ResultEntry e = ProcessFetch(redirect, "page", 1, url);
  CHECK(e.reason == "redirect");
  CHECK(e.location == "http://a.test/new");
  CHECK(ProcessFetch(Response(302, "", ""), "page", 1, url).reason == "bad_redirect");
  CHECK(ProcessFetch(Response(404, "text/html", "nope"), "page", 1, url).reason == "http_404");
  CHECK(ProcessFetch(Response(200, "application/pdf", "%PDF"), "page", 1, url).reason == "not_html");
  CHECK(ProcessFetch(Response(200, "", "<!DOCTYPE html><p>x"), "page", 1, url).reason == "");
  CHECK(ProcessFetch(Response(200, "", "\x89PNG"), "page", 1, url).reason == "not_html");
  FetchResult failed = Response(0, "", "");
  failed.reason = "timeout";
  failed.detail = "took too long";
  CHECK(ProcessFetch(failed, "page", 1, url).reason == "timeout");
  ResultEntry noindex = ProcessFetch(
      Response(200, "text/html", "<meta name=robots content='noindex'><p>secret"), "page", 1, url);
  CHECK(noindex.reason == "noindex");
  CHECK(noindex.text.empty());
  ResultEntry nofollow = ProcessFetch(
      Response(200, "text/html", "<meta name=robots content='nofollow'><a href=/a>a</a>"), "page",
      1, url);
  CHECK(nofollow.reason == "");
  CHECK(nofollow.outlinks.empty());
}

TEST_CASE("page processor: invalid UTF-8 never reaches a record") {
  const std::string html = "<title>bad \xff\xfe title</title><p>caf\xc3 text \xed\xa0\x80</p>";
  ResultEntry e = ProcessFetch(Response(200, "text/html", html), "page", 1, "http://a.test/");
  CHECK(e.reason == "");
  CHECK(SanitizeUtf8(e.title) == e.title);
  CHECK(SanitizeUtf8(e.text) == e.text);
  // Not valid UTF-8 and nothing declared: decoded as windows-1252 (the HTML
  // standard's default), so every byte is a character and nothing is lost.
  CHECK(e.title == "bad \xc3\xbf\xc3\xbe title");
  CHECK(e.extras["encoding"]["name"] == "windows-1252");
  CHECK(e.extras["encoding"]["source"] == "default");
  CHECK_NOTHROW(DumpJson(nlohmann::json{{"t", e.text}}));
}

TEST_CASE("page processor: robots tasks return the file's text and its hash") {
  ResultEntry e = ProcessFetch(Response(200, "text/plain", "User-agent: *\nDisallow: /x\n"),
                               "robots", 1, "http://a.test/robots.txt");
  CHECK(e.robots_txt == "User-agent: *\nDisallow: /x\n");
  CHECK(e.text_sha256 == Sha256Hex(e.robots_txt));
  CHECK(ProcessFetch(Response(404, "", ""), "robots", 1, "http://a.test/robots.txt").reason ==
        "http_404");
}

TEST_CASE("spool: batches survive reopening until removed, per contributor") {
  char tmpl[] = "/tmp/swarmcrawl-spool-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string path = std::string(tmpl) + "/spool.db";
  {
    Spool s;
    REQUIRE(Spool::Open(path, "alice", &s).ok());
    REQUIRE(s.Put({"b1", 1, "{\"x\":1}"}).ok());
    REQUIRE(s.Put({"b2", 1, "{\"x\":2}"}).ok());
    Spool other;
    REQUIRE(Spool::Open(path, "bob", &other).ok());
    REQUIRE(other.Put({"b1", 9, "{}"}).ok());
  }
  Spool s;
  REQUIRE(Spool::Open(path, "alice", &s).ok());
  std::vector<SpooledBatch> all;
  REQUIRE(s.LoadAll(&all).ok());
  REQUIRE(all.size() == 2);
  CHECK(all[0].body == "{\"x\":1}");
  REQUIRE(s.Remove("b1").ok());
  CHECK(s.Count() == 1);
  Spool bob;
  REQUIRE(Spool::Open(path, "bob", &bob).ok());
  CHECK(bob.Count() == 1);
  std::filesystem::remove_all(tmpl);
}

}  // namespace swarmcrawl

namespace swarmcrawl {

TEST_CASE("page processor: every field stays within the protocol's limits") {
  const std::string url = "http://a.test/";
  std::string html = "<title>" + std::string(200000, 'x') + "\xff";  // unclosed, invalid byte
  ResultEntry e = ProcessFetch(Response(200, "text/html", html), "page", 1, url);
  CHECK(e.title.size() <= kMaxTitleBytes);
  CHECK(SanitizeUtf8(e.title) == e.title);
  const std::string long_href = "http://a.test/" + std::string(9000, 'p');
  e = ProcessFetch(Response(200, "text/html", "<a href='" + long_href + "'>x</a><a href='/ok'>y</a>"),
                   "page", 1, url);
  CHECK(e.outlinks == std::vector<std::string>{"http://a.test/ok"});
  FetchResult redirect = Response(301, "", "");
  redirect.location = long_href;
  CHECK(ProcessFetch(redirect, "page", 1, url).reason == "bad_redirect");
  FetchResult odd = Response(200, std::string(300, '\xff'), "x");
  CHECK(ProcessFetch(odd, "page", 1, url).content_type.size() <= 256);
  // The entry always survives the coordinator's strict decoder.
  ResultMsg m;
  m.batch_id = "b";
  m.lease_id = 1;
  m.signature = std::string(128, '0');
  m.entries = {ProcessFetch(Response(200, "text/html", html), "page", 1, url)};
  ResultMsg back;
  CHECK(DecodeResult(Encode(m), &back).ok());
}

// Hostile and broken pages through the whole worker pipeline (charset
// decoding, parse, structured data, extraction, language, quality, body
// compression): each yields a record or a reasoned skip, a decodable entry,
// and takes bounded time.
TEST_CASE("page processor: hostile pages yield a record or a reason in bounded time") {
  const std::string url = "http://a.test/";
  struct Case {
    const char* name;
    std::string type, body;
  };
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "<p>bottom of the well</p>";
  std::string scripts = "<html><head><title>app</title></head><body>";
  for (int i = 0; i < 2000; ++i) scripts += "<script>var x" + std::to_string(i) + " = {a: 1};</script>";
  scripts += "</body></html>";
  const std::vector<Case> cases = {
      {"empty", "text/html", ""},
      {"no body", "text/html", "<html><head><title>t</title></head></html>"},
      {"broken markup", "text/html", "<p><b><i>unclosed <table><tr><td>cell<p>para</b></i><<<>>>&&#;&#x110000;"},
      {"deep nesting", "text/html", deep},
      {"huge attribute", "text/html", "<p title=\"" + std::string(4 << 20, 'a') + "\">text</p>"},
      {"all script", "text/html", scripts},
      {"wrong charset", "text/html", "<meta charset=shift_jis><p>caf\xc3\xa9 \xff\xfe\x81</p>"},
      {"utf-16 without bom", "text/html", std::string("<\0p\0>\0h\0i\0", 10)},
      {"binary", "text/html", std::string(100000, '\0') + "\x89PNG\r\n"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto start = std::chrono::steady_clock::now();
    FetchResult r = Response(200, c.type, c.body);
    ResultEntry e = ProcessFetch(r, "page", 1, url);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(secs < 5.0);
    CHECK((e.reason.empty() || e.reason == "not_html"));
    CHECK(SanitizeUtf8(e.text) == e.text);
    CHECK(SanitizeUtf8(e.markdown) == e.markdown);
    if (e.reason.empty()) {
      CHECK(e.extras.contains("encoding"));
      CHECK(e.extras.contains("quality"));
      CHECK(e.extras["language"].contains("code"));
    }
    ResultMsg m;
    m.batch_id = "b";
    m.lease_id = 1;
    m.signature = std::string(128, '0');
    m.entries = {e};
    ResultMsg back;
    CHECK(DecodeResult(nlohmann::json::parse(DumpJson(Encode(m))), &back).ok());
  }
  // The encoding actually used is recorded.
  ResultEntry sjis = ProcessFetch(Response(200, "text/html", "<meta charset=shift_jis><p>\x93\xfa\x96\x7b</p>"), "page", 1, url);
  CHECK(sjis.extras["encoding"]["name"] == "shift_jis");
  CHECK(sjis.extras["encoding"]["source"] == "meta");
  CHECK(sjis.text.find("\xe6\x97\xa5\xe6\x9c\xac") != std::string::npos);  // 日本
  FetchResult latin = Response(200, "text/html", "<p>caf\xe9</p>");
  latin.charset = "iso-8859-1";
  ResultEntry l1 = ProcessFetch(latin, "page", 1, url);
  CHECK(l1.extras["encoding"]["name"] == "windows-1252");
  CHECK(l1.extras["encoding"]["source"] == "http");
  CHECK(l1.text.find("caf\xc3\xa9") != std::string::npos);
  // The stored body is the page as served, and decompresses to it.
  CHECK(l1.body_gzip.size() > 0);
  CHECK(l1.body_sha256 == Sha256Hex(latin.body));
}

}  // namespace swarmcrawl
