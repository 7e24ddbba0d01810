#include "parsers/sitemap.h"

#include <doctest/doctest.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace swarmcrawl {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// gzip of `in` (one member).
std::string Gzip(std::string_view in) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  out.resize(zs.total_out);
  return out;
}

// gzip of prefix + `filler_bytes` spaces + suffix, compressed as a stream so
// that the uncompressed document never exists in memory.
std::string GzipBomb(std::string_view prefix, size_t filler_bytes, std::string_view suffix) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9,
                       Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out;
  std::string obuf(1 << 16, '\0');
  auto feed = [&](std::string_view piece, int flush) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    zs.avail_in = static_cast<uInt>(piece.size());
    int rc;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(obuf.data());
      zs.avail_out = static_cast<uInt>(obuf.size());
      rc = deflate(&zs, flush);
      out.append(obuf.data(), obuf.size() - zs.avail_out);
    } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  };
  feed(prefix, Z_NO_FLUSH);
  const std::string spaces(1 << 20, ' ');
  for (size_t left = filler_bytes; left > 0;) {
    const size_t n = std::min(left, spaces.size());
    feed(std::string_view(spaces).substr(0, n), Z_NO_FLUSH);
    left -= n;
  }
  feed(suffix, Z_FINISH);
  deflateEnd(&zs);
  return out;
}

std::vector<std::string> Urls(const std::vector<SitemapEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.url);
  return out;
}

using Strings = std::vector<std::string>;

// A sitemap that must parse; fails the test with the error otherwise.
Sitemap MustParse(std::string_view data, std::string_view url = "",
                  const SitemapLimits& limits = SitemapLimits()) {
  Sitemap sm;
  const Status s = ParseSitemap(data, url, &sm, limits);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return sm;
}

Status ParseError(std::string_view data, std::string_view url = "") {
  Sitemap sm;
  sm.urls.push_back({"http://stale.test/", 0});
  Status s = ParseSitemap(data, url, &sm);
  if (!s.ok()) {
    CHECK(sm.urls.empty());  // no partial result on error
    CHECK(s.code() == "bad_sitemap");
  }
  return s;
}

// 2005-01-01T00:00:00Z and friends, in ms since the epoch.
constexpr int64_t kJan2005 = 1104537600000;
constexpr int64_t kJun10_2003_04h = 1055217600000;  // 2003-06-10T04:00:00Z

int64_t PeakRssKb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// A scratch directory removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/sitemap_test.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

constexpr char kUrlset[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>http://www.example.com/</loc>
    <lastmod>2005-01-01</lastmod>
    <changefreq>monthly</changefreq>
    <priority>0.8</priority>
  </url>
  <url>
    <image:image><image:loc>http://img.example.com/photo.jpg</image:loc></image:image>
    <loc>HTTP://WWW.Example.com:80/catalog?item=12&amp;desc=vacation_hawaii</loc>
    <lastmod>2004-12-23T18:00:15+00:00</lastmod>
  </url>
  <url><loc>http://www.example.com/no-lastmod</loc><lastmod>yesterday</lastmod></url>
  <url><loc>/relative/page.html</loc></url>
  <url><loc>ftp://www.example.com/file</loc></url>
  <url><lastmod>2005-01-01</lastmod></url>
</urlset>
)";

TEST_CASE("urlset: loc and lastmod of each url, nested extension locs ignored") {
  const Sitemap sm = MustParse(kUrlset, "https://www.example.com/sitemap.xml");
  CHECK(sm.kind == "urlset");
  CHECK(Urls(sm.urls) == Strings{"http://www.example.com/",
                                 "http://www.example.com/catalog?item=12&desc=vacation_hawaii",
                                 "http://www.example.com/no-lastmod"});
  REQUIRE(sm.urls.size() == 3);
  CHECK(sm.urls[0].lastmod_ms == kJan2005);
  CHECK(sm.urls[1].lastmod_ms == 1103824815000);  // 2004-12-23T18:00:15Z
  CHECK(sm.urls[2].lastmod_ms == 0);              // "yesterday" is no date
  CHECK(sm.sitemaps.empty());
  CHECK(sm.skipped == 3);  // relative, ftp, missing loc
  CHECK_FALSE(sm.truncated);
}

TEST_CASE("sitemap index: child sitemaps with lastmod") {
  const Sitemap sm = MustParse(R"(<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>http://www.example.com/sitemap1.xml.gz</loc><lastmod>2004-10-01T18:23:17+00:00</lastmod></sitemap>
  <sitemap><loc>http://www.example.com/sitemap2.xml.gz</loc></sitemap>
</sitemapindex>)");
  CHECK(sm.kind == "sitemapindex");
  CHECK(Urls(sm.sitemaps) == Strings{"http://www.example.com/sitemap1.xml.gz",
                                     "http://www.example.com/sitemap2.xml.gz"});
  REQUIRE(sm.sitemaps.size() == 2);
  CHECK(sm.sitemaps[0].lastmod_ms == 1096654997000);  // 2004-10-01T18:23:17Z
  CHECK(sm.sitemaps[1].lastmod_ms == 0);
  CHECK(sm.urls.empty());
}

TEST_CASE("sitemap index that also lists url entries puts them in urls") {
  const Sitemap sm = MustParse(R"(<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>http://a.test/child.xml</loc></sitemap>
  <url><loc>http://a.test/page</loc><lastmod>2005-01-01</lastmod></url>
</sitemapindex>)");
  CHECK(sm.kind == "sitemapindex");
  CHECK(Urls(sm.sitemaps) == Strings{"http://a.test/child.xml"});
  CHECK(Urls(sm.urls) == Strings{"http://a.test/page"});
  CHECK(sm.urls.at(0).lastmod_ms == kJan2005);
}

TEST_CASE("gzip is detected by its magic bytes, not by name") {
  const std::string gz = Gzip(kUrlset);
  REQUIRE(static_cast<unsigned char>(gz[0]) == 0x1f);
  // Named like plain XML, and named like nothing at all: still decompressed.
  for (const char* url : {"http://www.example.com/sitemap.xml", ""}) {
    CAPTURE(url);
    const Sitemap sm = MustParse(gz, url);
    CHECK(sm.kind == "urlset");
    CHECK(sm.urls.size() == 3);
    CHECK_FALSE(sm.truncated);
  }
  // A text sitemap compressed twice (a .gz file served with Content-Encoding: gzip),
  // and two concatenated gzip members.
  CHECK(Urls(MustParse(Gzip(Gzip("http://a.test/1\n"))).urls) == Strings{"http://a.test/1"});
  CHECK(Urls(MustParse(Gzip("http://a.test/1\n") + Gzip("http://a.test/2\n")).urls) ==
        Strings{"http://a.test/1", "http://a.test/2"});
}

TEST_CASE("a .xml.gz that is really plain XML parses as XML") {
  const Sitemap sm = MustParse(kUrlset, "http://www.example.com/sitemap.xml.gz");
  CHECK(sm.kind == "urlset");
  CHECK(sm.urls.size() == 3);
}

TEST_CASE("gzip cut short keeps the complete entries, corrupt gzip is an error") {
  std::string xml = "<urlset>";
  for (int i = 0; i < 2000; ++i) {
    xml += "<url><loc>http://a.test/page-" + std::to_string(i) + "-" +
           std::to_string(i * 7919 % 10007) + "</loc></url>\n";
  }
  xml += "</urlset>\n";
  const std::string gz = Gzip(xml);
  const Sitemap sm = MustParse(gz.substr(0, gz.size() / 2));
  CHECK(sm.truncated);
  CHECK(sm.urls.size() > 100);
  CHECK(sm.urls.size() < 2000);
  for (size_t i = 0; i < sm.urls.size(); ++i) {
    REQUIRE(sm.urls[i].url ==
            "http://a.test/page-" + std::to_string(i) + "-" + std::to_string(i * 7919 % 10007));
  }

  Status s = ParseError(std::string("\x1f\x8b\x08\x00", 4) + "this is not deflate data at all");
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("gzip") != std::string::npos);
  s = ParseError(gz.substr(0, 12));  // only the header: nothing decodes
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("gzip") != std::string::npos);
}

TEST_CASE("plain text sitemap: one URL per line, blank lines and Unicode whitespace ignored") {
  const std::string text =
      "\xEF\xBB\xBF"  // BOM
      "http://www.example.com/catalog?item=1\r\n"
      "\r\n"
      "   \t http://www.example.com/catalog?item=11  \n"
      "\xC2\xA0http://www.example.com/nbsp\xE3\x80\x80\n"  // NBSP before, ideographic space after
      "\xE2\x80\x83"
      "https://www.example.com/em-space\xE2\x80\xA9\r"  // em space, paragraph sep
      "/relative\n"
      "mailto:someone@example.com\n"
      "http://www.example.com/last-without-newline";
  const Sitemap sm = MustParse(text, "http://www.example.com/sitemap.txt");
  CHECK(sm.kind == "text");
  CHECK(Urls(sm.urls) == Strings{"http://www.example.com/catalog?item=1",
                                 "http://www.example.com/catalog?item=11",
                                 "http://www.example.com/nbsp", "https://www.example.com/em-space",
                                 "http://www.example.com/last-without-newline"});
  CHECK(sm.skipped == 2);
  CHECK_FALSE(sm.truncated);
}

TEST_CASE("plain text over the byte limit keeps only complete lines") {
  SitemapLimits limits;
  limits.max_bytes = 40;
  // The cut falls inside the second URL: it must not come out shortened.
  const Sitemap sm =
      MustParse("http://a.test/first-url\nhttp://a.test/second-url-long\n", "", limits);
  CHECK(Urls(sm.urls) == Strings{"http://a.test/first-url"});
  CHECK(sm.truncated);
}

TEST_CASE("RSS 2.0: item links resolved against the feed URL, pubDate as lastmod") {
  const Sitemap sm = MustParse(R"(<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Liftoff News</title>
    <link>http://liftoff.msfc.nasa.gov/</link>
    <atom:link href="http://liftoff.msfc.nasa.gov/rss.xml" rel="self" type="application/rss+xml"/>
    <image><url>http://liftoff.msfc.nasa.gov/logo.png</url><link>http://liftoff.msfc.nasa.gov/</link></image>
    <item>
      <title>Star City</title>
      <link>http://liftoff.msfc.nasa.gov/news/2003/news-starcity.asp</link>
      <pubDate>Tue, 03 Jun 2003 09:39:21 GMT</pubDate>
    </item>
    <item>
      <link>  /news/2003/news-VASIMR.asp  </link>
      <atom:link rel="self" href="http://elsewhere.test/self"/>
      <pubDate>Tue, 10 Jun 2003 06:00:00 +0200</pubDate>
    </item>
    <item>
      <atom:link href="http://liftoff.msfc.nasa.gov/news/atom-link-only"/>
      <dc:date>2005-01-01T00:00:00Z</dc:date>
    </item>
    <item><title>no link at all</title></item>
  </channel>
</rss>)",
                               "http://liftoff.msfc.nasa.gov/rss/feed.xml");
  CHECK(sm.kind == "rss");
  CHECK(Urls(sm.urls) == Strings{"http://liftoff.msfc.nasa.gov/news/2003/news-starcity.asp",
                                 "http://liftoff.msfc.nasa.gov/news/2003/news-VASIMR.asp",
                                 "http://liftoff.msfc.nasa.gov/news/atom-link-only"});
  REQUIRE(sm.urls.size() == 3);
  CHECK(sm.urls[0].lastmod_ms == 1054633161000);  // 2003-06-03T09:39:21Z
  CHECK(sm.urls[1].lastmod_ms == kJun10_2003_04h);
  CHECK(sm.urls[2].lastmod_ms == kJan2005);
  CHECK(sm.skipped == 1);
}

TEST_CASE("RSS 1.0 (RDF): item link or rdf:about, dc:date as lastmod") {
  const Sitemap sm = MustParse(R"(<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://www.xml.com/xml/news.rss">
    <link>http://xml.com/pub</link>
    <items><rdf:Seq><rdf:li resource="http://xml.com/pub/2000/08/09/xslt/xslt.html"/></rdf:Seq></items>
  </channel>
  <item rdf:about="http://xml.com/pub/2000/08/09/xslt/xslt.html">
    <title>Processing Inclusions with XSLT</title>
    <link>http://xml.com/pub/2000/08/09/xslt/xslt.html</link>
    <dc:date>2005-01-01</dc:date>
  </item>
  <item rdf:about="http://xml.com/pub/2000/08/09/rdfdb/index.html"/>
</rdf:RDF>)",
                               "http://www.xml.com/xml/news.rss");
  CHECK(sm.kind == "rss");
  CHECK(Urls(sm.urls) == Strings{"http://xml.com/pub/2000/08/09/xslt/xslt.html",
                                 "http://xml.com/pub/2000/08/09/rdfdb/index.html"});
  REQUIRE(sm.urls.size() == 2);
  CHECK(sm.urls[0].lastmod_ms == kJan2005);
}

TEST_CASE("Atom: entry link with rel absent or alternate, updated else published") {
  const Sitemap sm = MustParse(R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Feed</title>
  <link href="http://example.org/" rel="alternate"/>
  <link href="http://example.org/feed.atom" rel="self"/>
  <updated>2003-12-13T18:30:02Z</updated>
  <entry>
    <title>Atom-Powered Robots Run Amok</title>
    <link rel="self" href="http://example.org/api/1"/>
    <link rel="enclosure" href="http://example.org/audio.mp3"/>
    <link rel="alternate" type="text/html" href="/2003/12/13/atom03"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2005-01-01T00:00:00Z</updated>
    <published>2003-06-10T04:00:00Z</published>
  </entry>
  <entry>
    <link href="http://example.org/2003/12/14/no-rel"/>
    <published>2003-06-10T04:00:00Z</published>
  </entry>
  <entry><link rel="self" href="http://example.org/only-self"/></entry>
</feed>)",
                               "http://example.org/feed.atom");
  CHECK(sm.kind == "atom");
  CHECK(Urls(sm.urls) ==
        Strings{"http://example.org/2003/12/13/atom03", "http://example.org/2003/12/14/no-rel"});
  REQUIRE(sm.urls.size() == 2);
  CHECK(sm.urls[0].lastmod_ms == kJan2005);
  CHECK(sm.urls[1].lastmod_ms == kJun10_2003_04h);
  CHECK(sm.skipped == 1);
}

TEST_CASE("feed links that are relative are skipped when there is no feed URL") {
  const std::string feed =
      "<rss><channel><item><link>/a</link></item>"
      "<item><link>http://abs.test/b</link></item></channel></rss>";
  const Sitemap local = MustParse(feed, "");
  CHECK(Urls(local.urls) == Strings{"http://abs.test/b"});
  CHECK(local.skipped == 1);
  CHECK(Urls(MustParse(feed, "http://base.test/feed/").urls) ==
        Strings{"http://base.test/a", "http://abs.test/b"});
}

TEST_CASE("UTF-8 BOM and whitespace before the XML declaration") {
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
      "<url><loc>http://a.test/x</loc></url><url><loc>http://a.test/y</loc></url></urlset>";
  for (const std::string& prefix : {std::string("\xEF\xBB\xBF"), std::string("\n\n   \t"),
                                    std::string("\xEF\xBB\xBF\r\n  "), std::string("\xC2\xA0\n")}) {
    CAPTURE(prefix);
    const Sitemap sm = MustParse(prefix + body);
    CHECK(sm.kind == "urlset");
    CHECK(Urls(sm.urls) == Strings{"http://a.test/x", "http://a.test/y"});
    CHECK_FALSE(sm.truncated);
  }
  // UTF-16 with a BOM goes to libxml2 as is, which decodes it.
  std::string utf16 = "\xFF\xFE";
  for (const char c : std::string("<urlset><url><loc>http://a.test/16</loc></url></urlset>")) {
    utf16 += c;
    utf16 += '\0';
  }
  CHECK(Urls(MustParse(utf16).urls) == Strings{"http://a.test/16"});
}

TEST_CASE("CDATA, entities and character references in loc") {
  const Sitemap sm = MustParse(R"(<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc><![CDATA[http://a.test/cdata?x=1&y=2]]></loc></url>
  <url><loc>http://a.test/ent?x=1&amp;y=&lt;2&gt;&quot;&apos;</loc></url>
  <url><loc>http://a.test/&#x63;har&#114;ef</loc></url>
  <url><loc>
     <![CDATA[ http://a.test/mixed]]>?q=1&amp;r=2
  </loc></url>
  <url><loc>&#x2003;http://a.test/unicode-space&#x3000;</loc></url>
</urlset>)");
  CHECK(Urls(sm.urls) == Strings{"http://a.test/cdata?x=1&y=2",
                                 "http://a.test/ent?x=1&y=%3C2%3E%22'", "http://a.test/charref",
                                 "http://a.test/mixed?q=1&r=2", "http://a.test/unicode-space"});
  CHECK(sm.skipped == 0);
}

TEST_CASE("raw ampersands in loc are kept, not silently dropped") {
  // Not well-formed, but the most common defect in the wild; libxml2's
  // recovery alone would turn the first URL into "http://a.test/p?a=1=2".
  const Sitemap sm = MustParse(
      "<urlset><url><loc>http://a.test/p?a=1&b=2</loc></url>"
      "<url><loc>http://a.test/q?a&amp;b&c=&#38;</loc></url>"
      "<url><loc>http://a.test/r?x=1&nbsp;y</loc></url>"
      "<url><loc><![CDATA[http://a.test/s?a=1&amp;b]]></loc></url></urlset>");
  CHECK(Urls(sm.urls) == Strings{"http://a.test/p?a=1&b=2", "http://a.test/q?a&b&c=&",
                                 "http://a.test/r?x=1&nbsp;y", "http://a.test/s?a=1&amp;b"});
}

TEST_CASE("invalid UTF-8 and forbidden control characters do not stop the parse") {
  // libxml2's reader gives up at the first such byte; the bytes become %XX,
  // which is what they mean in a URL.
  const Sitemap sm = MustParse(
      "<urlset><url><loc>http://a.test/caf\xE9</loc></url>"
      "<url><loc>http://a.test/ok\x01</loc></url><!-- \x02 \xFF -->"
      "<url><loc>http://a.test/\xC3\xA9t\xC3\xA9</loc></url>"
      "<url><loc><![CDATA[http://a.test/cdata\xE9]]></loc></url></urlset>");
  CHECK(Urls(sm.urls) == Strings{"http://a.test/caf%E9", "http://a.test/ok%01",
                                 "http://a.test/%C3%A9t%C3%A9", "http://a.test/cdata%E9"});
  CHECK_FALSE(sm.truncated);
  // A declared Latin-1 document is decoded by libxml2, not patched.
  CHECK(Urls(MustParse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                       "<urlset><url><loc>http://a.test/caf\xE9</loc></url></urlset>")
                 .urls) == Strings{"http://a.test/caf%C3%A9"});
}

TEST_CASE("missing, wrong and prefixed namespaces are matched by local name") {
  for (const char* doc :
       {"<urlset><url><loc>http://a.test/1</loc></url></urlset>",
        "<urlset xmlns=\"http://www.google.com/schemas/sitemap/0.84\"><url><loc>http://a.test/1"
        "</loc></url></urlset>",
        "<sm:urlset xmlns:sm=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sm:url><sm:loc>"
        "http://a.test/1</sm:loc></sm:url></sm:urlset>",
        "<x:urlset><x:url><x:loc>http://a.test/1</x:loc></x:url></x:urlset>",  // undeclared prefix
        "<URLSET><URL><LOC>http://a.test/1</LOC></URL></URLSET>"}) {
    CAPTURE(doc);
    const Sitemap sm = MustParse(doc);
    CHECK(sm.kind == "urlset");
    CHECK(Urls(sm.urls) == Strings{"http://a.test/1"});
  }
}

TEST_CASE("a truncated document keeps its complete entries") {
  const std::string doc =
      "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
      "<url><loc>http://a.test/1</loc><lastmod>2005-01-01</lastmod></url>"
      "<url><loc>http://a.test/2</loc></url>"
      "<url><loc>http://a.test/3-cut-in-the-middle";
  Sitemap sm = MustParse(doc);
  CHECK(sm.kind == "urlset");
  CHECK(Urls(sm.urls) == Strings{"http://a.test/1", "http://a.test/2"});
  CHECK(sm.urls.at(0).lastmod_ms == kJan2005);
  CHECK(sm.truncated);
  // Cut inside a tag, and cut right after an entry.
  sm = MustParse(doc.substr(0, doc.find("<url><loc>http://a.test/3")) + "<ur");
  CHECK(Urls(sm.urls) == Strings{"http://a.test/1", "http://a.test/2"});
  CHECK(sm.truncated);
  // A long document cut inside entry 150: exactly the 150 complete ones are kept.
  std::string big = "<urlset>\n";
  for (int i = 0; i < 200; ++i)
    big += "<url><loc>http://a.test/" + std::to_string(i) + "</loc></url>\n";
  sm = MustParse(big.substr(0, big.find("http://a.test/150<") + 10));
  CHECK(sm.urls.size() == 150);
  CHECK(sm.urls.back().url == "http://a.test/149");
  CHECK(sm.truncated);
  // The complete document is not truncated.
  sm = MustParse(doc + "</loc></url></urlset>");
  CHECK(sm.urls.size() == 3);
  CHECK_FALSE(sm.truncated);
}

TEST_CASE("50,001 URLs: the first 50,000 are kept and the result is truncated") {
  std::string doc = "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (int i = 0; i < 50001; ++i) {
    doc += "<url><loc>http://a.test/p" + std::to_string(i) + "</loc></url>\n";
  }
  doc += "</urlset>\n";
  const Sitemap sm = MustParse(doc);
  REQUIRE(sm.urls.size() == 50000);
  CHECK(sm.urls.back().url == "http://a.test/p49999");
  CHECK(sm.truncated);

  // Exactly at the limit is complete; urls and child sitemaps count together.
  SitemapLimits limits;
  limits.max_urls = 3;
  const std::string three =
      "<sitemapindex><sitemap><loc>http://a.test/s1</loc></sitemap>"
      "<url><loc>http://a.test/u1</loc></url><sitemap><loc>http://a.test/s2</loc></sitemap>";
  Sitemap at = MustParse(three + "</sitemapindex>", "", limits);
  CHECK(at.urls.size() + at.sitemaps.size() == 3);
  CHECK_FALSE(at.truncated);
  Sitemap over =
      MustParse(three + "<url><loc>http://a.test/u2</loc></url></sitemapindex>", "", limits);
  CHECK(over.urls.size() + over.sitemaps.size() == 3);
  CHECK(over.truncated);
  // The limit applies to text sitemaps too.
  Sitemap text =
      MustParse("http://a.test/1\nhttp://a.test/2\nhttp://a.test/3\nhttp://a.test/4\n", "", limits);
  CHECK(text.urls.size() == 3);
  CHECK(text.truncated);
}

TEST_CASE("gzip bomb: 200 MB of padding decompresses to at most max_bytes, quickly") {
  const std::string bomb =
      GzipBomb("<?xml version=\"1.0\"?><urlset><url><loc>http://a.test/first</loc></url>",
               200u << 20, "<url><loc>http://a.test/after-the-padding</loc></url></urlset>");
  CHECK(bomb.size() < 1000 * 1000);  // the test itself stays small
  // With an 8 MB cap first: peak memory grows by a small multiple of the cap
  // (ASan included), while holding the 200 MB would take over 200 MB more.
  const int64_t rss_before_kb = PeakRssKb();
  for (const size_t max_bytes : {size_t{8} << 20, SitemapLimits().max_bytes}) {
    CAPTURE(max_bytes);
    SitemapLimits limits;
    limits.max_bytes = max_bytes;
    const auto start = SteadyClock::now();
    const Sitemap sm = MustParse(bomb, "", limits);
    CHECK(SecondsSince(start) < 20);
    CHECK(Urls(sm.urls) == Strings{"http://a.test/first"});
    CHECK(sm.truncated);
    if (max_bytes == size_t{8} << 20) {
      const int64_t grown_mb = (PeakRssKb() - rss_before_kb) / 1024;
      CAPTURE(grown_mb);
      CHECK(grown_mb < 100);
    }
  }
}

TEST_CASE("external entities are never resolved or fetched (XXE)") {
  TempDir dir;
  const std::string secret = dir.path + "/secret.txt";
  const std::string dtd = dir.path + "/evil.dtd";
  std::ofstream(secret) << "http://leaked.test/secret-content";
  std::ofstream(dtd) << "<!ENTITY leak SYSTEM \"file://" << secret << "\">";
  std::string hostname;
  std::ifstream("/etc/hostname") >> hostname;

  // inotify proves that libxml2 never even opens the files.
  const int fd = inotify_init1(IN_NONBLOCK);
  REQUIRE(fd >= 0);
  REQUIRE(inotify_add_watch(fd, secret.c_str(), IN_OPEN | IN_ACCESS) >= 0);
  REQUIRE(inotify_add_watch(fd, dtd.c_str(), IN_OPEN | IN_ACCESS) >= 0);

  const std::vector<std::string> docs = {
      "<?xml version=\"1.0\"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM \"file:///etc/hostname\">]>"
      "<urlset><url><loc>http://a.test/&xxe;</loc></url><url><loc>&xxe;</loc></url></urlset>",
      "<?xml version=\"1.0\"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM \"file://" + secret +
          "\">]><urlset><url><loc>&xxe;</loc></url><url><loc>http://a.test/&xxe;</loc></url>"
          "</urlset>",
      "<?xml version=\"1.0\"?><!DOCTYPE urlset [<!ENTITY % p SYSTEM \"file://" + dtd +
          "\"> %p;]><urlset><url><loc>&leak;</loc></url></urlset>",
      "<?xml version=\"1.0\"?><!DOCTYPE urlset SYSTEM \"file://" + dtd +
          "\"><urlset><url><loc>&leak;</loc></url></urlset>",
      "<?xml version=\"1.0\"?><!DOCTYPE feed [<!ENTITY xxe SYSTEM \"file://" + secret +
          "\">]><feed><entry><link href=\"&xxe;\"/></entry>"
          "<entry><link href=\"http://a.test/&xxe;\"/></entry></feed>",
      "<?xml version=\"1.0\"?><urlset xmlns:xi=\"http://www.w3.org/2001/XInclude\"><url><loc>"
      "<xi:include href=\"file://" +
          secret + "\" parse=\"text\"/></loc></url></urlset>",
  };
  for (const std::string& doc : docs) {
    CAPTURE(doc);
    Sitemap sm;
    const Status s = ParseSitemap(doc, "http://a.test/sitemap.xml", &sm);
    for (const auto& e : sm.urls) {
      CHECK(e.url.find("leaked") == std::string::npos);
      CHECK(e.url.find("secret") == std::string::npos);
      if (!hostname.empty()) CHECK(e.url.find(hostname) == std::string::npos);
    }
    // An entity is never expanded, and a loc or href holding one is unusable:
    // no URL comes out at all (not even "http://a.test/" with a hole in it).
    // (libxml2 rejects some of these documents outright, which is fine too.)
    CHECK(sm.urls.empty());
    CHECK((!s.ok() || sm.skipped > 0));
  }
  char buf[4096];
  const ssize_t n = read(fd, buf, sizeof(buf));
  close(fd);
  CHECK(n < 0);  // no events: the files were never opened
}

TEST_CASE("billion laughs and quadratic blowup finish quickly with a bounded result") {
  std::string decl = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
  for (int i = 1; i <= 9; ++i) {
    decl += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k)
      decl += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    decl += "\">";
  }
  const std::string big(100000, 'a');
  decl += "<!ENTITY big \"" + big + "\">]>";
  std::string quadratic;
  for (int i = 0; i < 2000; ++i) quadratic += "&big;";
  const std::vector<std::string> docs = {
      decl + "<urlset><url><loc>http://a.test/&lol9;</loc></url></urlset>",
      decl + "<urlset><url><loc>&lol9;</loc></url><url><loc>http://a.test/ok</loc></url></urlset>",
      decl + "<feed><entry><link href=\"http://a.test/&lol9;\"/></entry></feed>",
      decl + "<rss><channel><item rdf:about=\"&lol9;\"/></channel></rss>",
      decl + "<urlset><url><loc>http://a.test/" + quadratic + "</loc></url></urlset>",
  };
  for (const std::string& doc : docs) {
    CAPTURE(doc.substr(doc.size() - 120));
    const auto start = SteadyClock::now();
    Sitemap sm;
    const Status s = ParseSitemap(doc, "http://a.test/", &sm);
    CHECK(SecondsSince(start) < 5);
    CHECK(sm.urls.size() <= 2);
    for (const auto& e : sm.urls) {
      CHECK(e.url.size() < 100);
      CHECK(e.url.find("lollol") == std::string::npos);
      CHECK(e.url.find("aaaa") == std::string::npos);
      CHECK(e.url != "http://a.test/");  // no URL with a hole where an entity was
    }
  }
}

TEST_CASE("binary garbage, HTML, empty input and foreign XML are bad_sitemap errors") {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::string garbage(4096, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    CAPTURE(round);
    const Status s = ParseError(garbage);
    CHECK_FALSE(s.ok());
  }
  Status s = ParseError(std::string("PK\x03\x04\x14\x00\x00\x00", 8) + "zip file contents");
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("binary") != std::string::npos);

  for (const char* html :
       {"<!DOCTYPE html>\n<html lang=\"en\"><head><title>Not found</title></head>"
        "<body><a href=\"http://a.test/x\">x</a></body></html>",
        "<html><head><meta charset=utf-8><title>x</title></head><body><p>unclosed<br></body>",
        "\n\n<!doctype html><HTML><BODY onload=x()>&nbsp;<a href=/x>x</a>",
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
        "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\"><html "
        "xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>"}) {
    CAPTURE(html);
    s = ParseError(html);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("HTML") != std::string::npos);
  }

  s = ParseError("");
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("empty") != std::string::npos);
  s = ParseError(" \n\t\xEF\xBB\xBF \r\n");
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("empty") != std::string::npos);

  s = ParseError("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>");
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("<svg>") != std::string::npos);
  s = ParseError("<<<>>>");
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("not well-formed") != std::string::npos);
  CHECK(s.message().find("at line 1") != std::string::npos);  // libxml2's diagnostic, captured
  s = ParseError("{\"urls\": [\"http://a.test/\"]}");
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("not a sitemap") != std::string::npos);
}

TEST_CASE("entries with overlong or empty URLs are skipped and counted") {
  const std::string long_url = "http://a.test/" + std::string(9000, 'x');
  const Sitemap sm =
      MustParse("<urlset><url><loc>" + long_url + "</loc></url><url><loc>" + long_url +
                "</loc><loc>http://a.test/second-loc</loc></url>"
                "<url><loc></loc></url><url><loc>http://a.test/ok</loc></url>"
                "</urlset>");
  CHECK(Urls(sm.urls) == Strings{"http://a.test/ok"});
  CHECK(sm.skipped == 3);
  const Sitemap text = MustParse(long_url + "\nhttp://a.test/ok\n");
  CHECK(Urls(text.urls) == Strings{"http://a.test/ok"});
  CHECK(text.skipped == 1);
}

TEST_CASE("libxml2 diagnostics are never printed") {
  std::fflush(stderr);
  FILE* capture = std::tmpfile();
  REQUIRE(capture != nullptr);
  const int saved = dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  dup2(fileno(capture), STDERR_FILENO);
  for (const char* doc : {"<urlset><url><loc>http://a.test/1</loc></url><url><lo",
                          "<urlset><a></b></urlset>", "<urlset>&undefined;\x01</urlset>", "<<<>>>",
                          "<?xml version=\"1.0\" encoding=\"bogus\"?><x/>",
                          "<urlset><url><loc>http://a.test/\xff\xfe</loc></url></urlset>"}) {
    Sitemap sm;
    ParseSitemap(doc, "", &sm);
  }
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fseek(capture, 0, SEEK_END);
  const long written = std::ftell(capture);
  std::fclose(capture);
  CHECK(written == 0);
}

TEST_CASE("ParseSitemap is safe to call from several threads") {
  std::string doc = "<urlset>";
  for (int i = 0; i < 500; ++i)
    doc += "<url><loc>http://a.test/" + std::to_string(i) + "</loc></url>";
  doc += "</urlset>";
  const std::string gz = Gzip(doc);
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round) {
        Sitemap sm;
        if (ParseSitemap(round % 2 ? gz : doc, "", &sm).ok() && sm.urls.size() == 500) ++good[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(good == std::vector<int>(4, 10));
}

TEST_CASE("ParseW3cDatetime: the W3C profile of ISO 8601, 0 when invalid") {
  CHECK(ParseW3cDatetime("2005") == kJan2005);
  CHECK(ParseW3cDatetime("2005-01") == kJan2005);
  CHECK(ParseW3cDatetime("2005-01-01") == kJan2005);
  CHECK(ParseW3cDatetime("2005-01-01T00:00Z") == kJan2005);
  CHECK(ParseW3cDatetime("2005-01-01T00:00:00Z") == kJan2005);
  CHECK(ParseW3cDatetime("2005-01-01T00:00:00.5Z") == kJan2005 + 500);
  CHECK(ParseW3cDatetime("2005-01-01T00:00:00.123456789Z") == kJan2005 + 123);
  CHECK(ParseW3cDatetime("2005-01-01T01:00:00+01:00") == kJan2005);
  CHECK(ParseW3cDatetime("2004-12-31T19:00:00-05:00") == kJan2005);
  CHECK(ParseW3cDatetime("2003-06-10T04:00:00Z") == kJun10_2003_04h);
  CHECK(ParseW3cDatetime("1997-07-16T19:20:30.45+01:00") == 869077230450);
  CHECK(ParseW3cDatetime("2000-02-29") == 951782400000);  // leap day
  // Lenient forms found in the wild.
  CHECK(ParseW3cDatetime("  2005-01-01 00:00:00 ") == kJan2005);
  CHECK(ParseW3cDatetime("2005-01-01T00:00:00") == kJan2005);
  CHECK(ParseW3cDatetime("2005-01-01T02:00:00+0200") == kJan2005);
  CHECK(ParseW3cDatetime("2005-01-01T02:00:00+02") == kJan2005);
  for (const char* bad : {"", "yesterday", "05-01-01", "2005-13-01", "2005-02-30", "2001-02-29",
                          "2005-01-01T25:00Z", "2005-01-01T10:61Z", "2005-01-01T10", "2005-1-1",
                          "2005-01-01T00:00:00+25:00", "2005-01-01T00:00:00Zjunk", "1969-12-31",
                          "2005-01-01T00:00:00.Z", "Tue, 10 Jun 2003 04:00:00 GMT"}) {
    CAPTURE(bad);
    CHECK(ParseW3cDatetime(bad) == 0);
  }
}

TEST_CASE("ParseRfc822Date: RSS pubDate forms, 0 when invalid") {
  CHECK(ParseRfc822Date("Tue, 10 Jun 2003 04:00:00 GMT") == kJun10_2003_04h);
  CHECK(ParseRfc822Date("Tue, 10 Jun 2003 06:00:00 +0200") == kJun10_2003_04h);
  CHECK(ParseRfc822Date("Tue, 10 Jun 2003 00:00:00 EDT") == kJun10_2003_04h);
  CHECK(ParseRfc822Date("Mon, 09 Jun 2003 21:00:00 PDT") == kJun10_2003_04h);
  CHECK(ParseRfc822Date("10 Jun 2003 04:00:00 UT") == kJun10_2003_04h);         // no weekday
  CHECK(ParseRfc822Date("Tue, 10 Jun 2003 04:00 Z") == kJun10_2003_04h);        // no seconds
  CHECK(ParseRfc822Date("Tue, 10 June 03 04:00:00 -0000") == kJun10_2003_04h);  // 2-digit year
  CHECK(ParseRfc822Date("tue,10 jun 2003 4:00:00 gmt") == kJun10_2003_04h);
  CHECK(ParseRfc822Date("Tue, 10 Jun 2003 04:00:00 +02:00") == kJun10_2003_04h - 7200000);
  CHECK(ParseRfc822Date("Sat, 01 Jan 2005 00:00:00") == kJan2005);  // no zone: UTC
  CHECK(ParseRfc822Date("Sat, 01 Jan 2005 00:00:00 GMT (comment)") == kJan2005);
  for (const char* bad : {"", "yesterday", "2003-06-10T04:00:00Z", "Tue, 32 Jun 2003 04:00:00 GMT",
                          "Tue, 10 Foo 2003 04:00:00 GMT", "Tue, 10 Jun 2003 24:00:00 GMT",
                          "Tue, 10 Jun 2003 04:00:00 +9900", "Tue, 10 Jun 2003",
                          "Tue, 10 Jun 2003 04:00:00 GMT extra"}) {
    CAPTURE(bad);
    CHECK(ParseRfc822Date(bad) == 0);
  }
}

}  // namespace
}  // namespace swarmcrawl
