#include "parsers/feed_items.h"

#include <doctest/doctest.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/parser_fixture.h"

namespace swarmcrawl {
namespace {

using json = nlohmann::json;
using Strings = std::vector<std::string>;

struct TempDir {
  std::string path;
  TempDir() {
    path = (std::filesystem::temp_directory_path() /
            ("swarmcrawl_feed_" + std::to_string(getpid()) + "_" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count())))
               .string();
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

TEST_CASE("RSS 2.0 items have resolved links, normalized dates and text without HTML") {
  const FeedItemsResult r = ParseFeedItems(ReadFixture("rss.xml"), "https://notes.example/feed.xml");
  REQUIRE(r.error.empty());
  CHECK(r.feed.format == "rss");
  CHECK(r.feed.title == "Harbour Notes");
  CHECK(r.feed.link == "https://notes.example/");
  CHECK_FALSE(r.truncated);
  REQUIRE(r.items.size() == 2);
  const FeedItem& a = r.items[0];
  CHECK(a.title == "Ferry timetable changes");
  CHECK(a.link == "https://notes.example/2024/05/ferry-timetable");  // was "/2024/05/..."
  CHECK(a.id == "notes-2024-0042");
  CHECK(a.published == "2024-05-07T06:30:00Z");  // 08:30 at +0200
  CHECK(a.updated.empty());
  CHECK(a.authors == Strings{"Ines Moreau"});
  CHECK(a.categories == Strings{"Transport", "Ferries"});
  CHECK(a.summary == "From June 1 the first ferry leaves at 6:15.");  // escaped HTML, tags gone
  CHECK(a.content == "From June 1 the first ferry leaves at 6:15.\nThe last one leaves at 22:40.");
  const FeedItem& b = r.items[1];
  CHECK(b.link == "https://notes.example/market-day?ref=rss&src=feed");  // relative to the feed
  CHECK(b.authors == Strings{"Sam Kale"});  // "editor@notes.example (Sam Kale)"
  CHECK(b.published == "2024-05-06T17:00:00Z");
  CHECK(b.summary == "Plain text summary.");
  CHECK(b.content.empty());
}

TEST_CASE("Atom entries resolve links against xml:base and read html and xhtml text") {
  const FeedItemsResult r =
      ParseFeedItems(ReadFixture("atom.xml"), "https://dev.example/blog/atom.xml");
  REQUIRE(r.error.empty());
  CHECK(r.feed.format == "atom");
  CHECK(r.feed.title == "Dev Diary");
  CHECK(r.feed.link == "https://dev.example/blog/");  // rel=alternate "./", not rel=self
  REQUIRE(r.items.size() == 2);
  const FeedItem& a = r.items[0];
  CHECK(a.title == "Faster builds with ccache");  // type="html"
  CHECK(a.link == "https://dev.example/blog/posts/ccache.html");  // not rel=edit
  CHECK(a.id == "tag:dev.example,2024:17");
  CHECK(a.published == "2024-04-01T13:00:00.250Z");  // 09:00:00.250 at -04:00
  CHECK(a.updated == "2024-04-02T10:00:00Z");
  CHECK(a.authors == Strings{"Kai Berg"});
  CHECK(a.categories == Strings{"build"});
  CHECK(a.summary == "Cache compiler output between builds.");
  CHECK(a.content == "Install ccache.\nSet CC and rebuild.");  // type="xhtml"
  const FeedItem& b = r.items[1];
  CHECK(b.link == "https://mirror.example/notes/road.html");  // the entry's own xml:base
  CHECK(b.updated == "2024-03-30T12:00:00Z");
  CHECK(b.published.empty());
  CHECK(b.content == "Day one\nDay two");
}

TEST_CASE("RSS 1.0 (RDF) items sit beside the channel and fall back to rdf:about") {
  const std::string rdf =
      "<?xml version='1.0'?>"
      "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
      "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
      "<channel rdf:about='http://old.example/'><title>Old Site</title>"
      "<link>http://old.example/</link></channel>"
      "<item rdf:about='http://old.example/a'><title>A</title><link>/a-page</link>"
      "<dc:date>2003-06-10T04:00:00-07:00</dc:date><dc:subject>misc</dc:subject></item>"
      "<item rdf:about='http://old.example/b'><title>B</title></item>"
      "</rdf:RDF>";
  const FeedItemsResult r = ParseFeedItems(rdf, "http://old.example/index.rdf");
  REQUIRE(r.error.empty());
  CHECK(r.feed.format == "rss");
  CHECK(r.feed.title == "Old Site");
  REQUIRE(r.items.size() == 2);
  CHECK(r.items[0].link == "http://old.example/a-page");
  CHECK(r.items[0].id == "http://old.example/a");
  CHECK(r.items[0].published == "2003-06-10T11:00:00Z");
  CHECK(r.items[0].categories == Strings{"misc"});
  CHECK(r.items[1].link == "http://old.example/b");  // no <link>: rdf:about
}

TEST_CASE("malformed XML is an error naming the line, and non-feed XML is not a feed") {
  const FeedItemsResult bad = ParseFeedItems(
      "<?xml version='1.0'?>\n<rss><channel>\n<item><title>x</titel></item></channel></rss>",
      "https://a.example/feed");
  CHECK(bad.error.rfind("bad_feed: malformed XML at line 3", 0) == 0);
  CHECK(bad.items.empty());

  const FeedItemsResult sitemap = ParseFeedItems(
      "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>https://a.example/"
      "</loc></url></urlset>",
      "https://a.example/sitemap.xml");
  CHECK(sitemap.error.rfind("not_a_feed:", 0) == 0);
  CHECK(sitemap.items.empty());

  CHECK(ParseFeedItems("", "https://a.example/").error.rfind("bad_feed", 0) == 0);
  CHECK(ParseFeedItems("just text", "https://a.example/").error.rfind("bad_feed", 0) == 0);
  FeedLimits tiny;
  tiny.max_bytes = 10;
  CHECK(ParseFeedItems(ReadFixture("rss.xml"), "https://a.example/", tiny).error ==
        "bad_feed: larger than 10 bytes");
}

TEST_CASE("raw ampersands and invalid UTF-8 are repaired rather than failing the feed") {
  const FeedItemsResult r = ParseFeedItems(
      "<rss><channel><title>Tom & Jerry</title><item><title>caf\xE9 & bar</title>"
      "<link>https://a.example/?a=1&b=2</link></item></channel></rss>",
      "https://a.example/feed");
  REQUIRE(r.error.empty());
  CHECK(r.feed.title == "Tom & Jerry");
  REQUIRE(r.items.size() == 1);
  CHECK(r.items[0].title == "caf\xEF\xBF\xBD & bar");
  CHECK(r.items[0].link == "https://a.example/?a=1&b=2");
}

TEST_CASE("external entities are never loaded or expanded in feeds (XXE)") {
  TempDir dir;
  const std::string secret = dir.path + "/secret.txt";
  const std::string dtd = dir.path + "/evil.dtd";
  std::ofstream(secret) << "TOP-SECRET-CONTENT";
  std::ofstream(dtd) << "<!ENTITY leak SYSTEM \"file://" << secret << "\">";
  const int fd = inotify_init1(IN_NONBLOCK);
  REQUIRE(fd >= 0);
  REQUIRE(inotify_add_watch(fd, secret.c_str(), IN_OPEN | IN_ACCESS) >= 0);
  REQUIRE(inotify_add_watch(fd, dtd.c_str(), IN_OPEN | IN_ACCESS) >= 0);
  const std::vector<std::string> docs = {
      "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://" + secret +
          "\">]><rss><channel><item><title>a &xxe; b</title><description>&xxe;</description>"
          "<link>https://a.example/x</link></item></channel></rss>",
      "<?xml version=\"1.0\"?><!DOCTYPE feed [<!ENTITY % p SYSTEM \"file://" + dtd +
          "\"> %p;]><feed xmlns='http://www.w3.org/2005/Atom'><entry><title>&leak;</title>"
          "<content type='html'>&leak;</content></entry></feed>",
      "<?xml version=\"1.0\"?><!DOCTYPE feed SYSTEM \"file://" + dtd +
          "\"><feed xmlns='http://www.w3.org/2005/Atom'><entry><title>t &leak;</title></entry>"
          "</feed>",
  };
  for (const std::string& doc : docs) {
    CAPTURE(doc);
    const FeedItemsResult r = ParseFeedItems(doc, "https://a.example/feed");
    for (const FeedItem& it : r.items) {
      const std::string all = it.title + it.summary + it.content + it.link;
      CHECK(all.find("TOP-SECRET") == std::string::npos);
    }
  }
  // The first document is well-formed: its item survives without the entity.
  const FeedItemsResult first = ParseFeedItems(docs[0], "https://a.example/feed");
  REQUIRE(first.error.empty());
  REQUIRE(first.items.size() == 1);
  CHECK(first.items[0].title == "a b");
  char buf[4096];
  const ssize_t n = read(fd, buf, sizeof(buf));
  close(fd);
  CHECK(n < 0);  // no inotify events: the files were never opened
}

TEST_CASE("billion laughs finishes quickly and expands nothing") {
  std::string decl = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY lol \"lol\">";
  for (int i = 1; i <= 9; ++i) {
    decl += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) decl += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    decl += "\">";
  }
  decl += "]><rss><channel><item><title>&lol9;</title><description>&lol9;&lol9;</description>"
          "</item></channel></rss>";
  const auto start = std::chrono::steady_clock::now();
  const FeedItemsResult r = ParseFeedItems(decl, "https://a.example/feed");
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 5);
  // libxml2 refuses the amplification outright (an error, which is fine);
  // had it not, the references would be dropped, never expanded.
  CAPTURE(r.error);
  CHECK((!r.error.empty() || (r.items.size() == 1 && r.items[0].title.empty())));
  for (const FeedItem& it : r.items) {
    CHECK(it.title.find("lollol") == std::string::npos);
    CHECK(it.summary.size() < 100);
  }
}

TEST_CASE("the item count is bounded and truncation is reported") {
  std::string xml = "<rss><channel>";
  for (int i = 0; i < 50; ++i) xml += "<item><title>t" + std::to_string(i) + "</title></item>";
  xml += "</channel></rss>";
  FeedLimits limits;
  limits.max_items = 20;
  const FeedItemsResult r = ParseFeedItems(xml, "https://a.example/feed", limits);
  REQUIRE(r.error.empty());
  CHECK(r.items.size() == 20);
  CHECK(r.items[19].title == "t19");
  CHECK(r.truncated);
}

TEST_CASE("RFC 822 and RFC 3339 dates normalize to ISO 8601 UTC") {
  CHECK(NormalizeDateUtc("Tue, 07 May 2024 08:30:00 +0200") == "2024-05-07T06:30:00Z");
  CHECK(NormalizeDateUtc("7 May 2024 08:30 EST") == "2024-05-07T13:30:00Z");
  CHECK(NormalizeDateUtc("2024-04-01T09:00:00.250-04:00") == "2024-04-01T13:00:00.250Z");
  CHECK(NormalizeDateUtc("2024-02-29T23:59:59Z") == "2024-02-29T23:59:59Z");
  CHECK(NormalizeDateUtc("2024-05-01") == "2024-05-01T00:00:00Z");
  CHECK(NormalizeDateUtc("yesterday") == "");
  CHECK(NormalizeDateUtc("2023-02-29") == "");  // not a date
  CHECK(FormatIsoUtc(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatIsoUtc(1000 * 86400 + 5) == "1970-01-02T00:00:00.005Z");
}

TEST_CASE("feed_item.v1 records carry the feed and validate against the schema") {
  TempDir dir;
  const std::string path = dir.path + "/feed_items.jsonl";
  size_t n = 0;
  {
    std::ofstream out(path);
    for (const auto& [file, url] : std::vector<std::pair<std::string, std::string>>{
             {"rss.xml", "https://notes.example/feed.xml"},
             {"atom.xml", "https://dev.example/blog/atom.xml"}}) {
      const FeedItemsResult r = ParseFeedItems(ReadFixture(file), url);
      REQUIRE(r.error.empty());
      for (const FeedItem& it : r.items) {
        json rec = FeedItemRecord(it, r.feed, r.feed.format);
        if (n == 0) {
          CHECK(rec["schema"] == "feed_item.v1");
          CHECK(rec["source"] == "rss");
          CHECK(rec["feed_url"] == "https://notes.example/feed.xml");
          CHECK(rec["feed_title"] == "Harbour Notes");
          CHECK(rec["item_id"] == "notes-2024-0042");
          CHECK(rec["updated"].is_null());  // empty strings become null
        }
        rec["id"] = static_cast<int64_t>(++n);
        rec["crawl"] = "unit";
        rec["url"] = url;
        rec["fetched_at"] = int64_t{1717243200000};
        rec["contributor"] = std::string(64, 'b');
        rec["lease_id"] = 2;
        rec["page_record"] = nullptr;
        out << rec.dump() << "\n";
      }
    }
  }
  CHECK(n == 4);
  const std::string log = path + ".log";
  const std::string cmd = "python3 " + std::string(SWARMCRAWL_SOURCE_DIR) +
                          "/tests/support/validate_jsonl.py " + SWARMCRAWL_SOURCE_DIR +
                          "/schemas/feed_item.v1.json " + path + " > " + log + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  CAPTURE(ss.str());
  CHECK(rc == 0);
  CHECK(ss.str().find("valid 4 lines") != std::string::npos);
}

}  // namespace
}  // namespace swarmcrawl
