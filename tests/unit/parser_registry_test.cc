#include "parsers/parser_registry.h"

#include <doctest/doctest.h>
#include <gumbo.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/parser_fixture.h"

namespace swarmcrawl {
namespace {

using json = nlohmann::json;

ParserSpec Spec(std::string name, std::string glob, std::vector<std::string> types = {}) {
  ParserSpec s;
  s.name = std::move(name);
  s.url_glob = std::move(glob);
  s.content_types = std::move(types);
  s.parse = [](const PageInput&) { return std::vector<json>{}; };
  return s;
}

std::vector<std::string> Names(const std::vector<const ParserSpec*>& specs) {
  std::vector<std::string> out;
  for (const ParserSpec* s : specs) out.push_back(s->name);
  return out;
}

using Strings = std::vector<std::string>;

TEST_CASE("Add rejects empty, malformed and duplicate names, bad globs and bad content types") {
  ParserRegistry r;
  CHECK(r.Add(Spec("shop", "https://shop.example/*")).ok());
  const Status dup = r.Add(Spec("shop", "*"));
  CHECK(dup.code() == "bad_field");
  CHECK(dup.message().find("already registered") != std::string::npos);
  CHECK(r.Add(Spec("", "*")).code() == "bad_field");
  CHECK(r.Add(Spec("Has Space", "*")).code() == "bad_field");
  CHECK(r.Add(Spec("empty-glob", "")).code() == "bad_field");
  CHECK(r.Add(Spec("spacey-glob", "https://a.example/a b")).code() == "bad_field");
  CHECK(r.Add(Spec("control-glob", "https://a.example/\x01")).code() == "bad_field");
  CHECK(r.Add(Spec("long-glob", std::string(kMaxGlobBytes + 1, 'a'))).code() == "bad_field");
  CHECK(r.Add(Spec("bad-type", "*", {"texthtml"})).code() == "bad_field");
  CHECK(r.Add(Spec("bad-type2", "*", {"text/"})).code() == "bad_field");
  CHECK(r.Add(Spec("bad-type3", "*", {"*/*"})).code() == "bad_field");
  ParserSpec no_fn = Spec("no-fn", "*");
  no_fn.parse = nullptr;
  CHECK(r.Add(std::move(no_fn)).code() == "bad_field");
  CHECK(r.size() == 1);
}

TEST_CASE("globs match the whole URL with * and ?") {
  CHECK(GlobMatch("*", ""));
  CHECK(GlobMatch("*", "https://a.example/x?y=1"));
  CHECK(GlobMatch("https://*.example/*", "https://shop.example/p/1"));
  CHECK_FALSE(GlobMatch("https://*.example/*", "http://shop.example/p/1"));
  CHECK(GlobMatch("https://a.example/p/???", "https://a.example/p/123"));
  CHECK_FALSE(GlobMatch("https://a.example/p/???", "https://a.example/p/1234"));
  CHECK_FALSE(GlobMatch("https://a.example/", "https://a.example/x"));  // whole URL, no star
  CHECK(GlobMatch("a*b*c", "axxbyyc"));
  CHECK_FALSE(GlobMatch("a*b*c", "axxcyyb"));
  CHECK(GlobMatch("*/forum/*/t/*", "https://f.example/forum/bread/t/4812"));
  CHECK_FALSE(GlobMatch("ab*ba", "aba"));  // prefix and suffix may not overlap
  CHECK(GlobMatch("ab*ba", "abba"));
  CHECK(GlobMatch("a**?", "ab"));
  CHECK_FALSE(GlobMatch("a**?", "a"));
  CHECK(GlobMatch("*.xml", "https://a.example/feed.xml"));
  CHECK_FALSE(GlobMatch("*.xml", "https://a.example/feed.xml?x"));
  CHECK_FALSE(GlobMatch("HTTPS://*", "https://a.example/"));  // case-sensitive
}

TEST_CASE("Match picks parsers by glob and content type, in registration order") {
  ParserRegistry r;
  REQUIRE(r.Add(Spec("any", "*")).ok());
  REQUIRE(r.Add(Spec("html", "*", {"text/html", "application/xhtml+xml"})).ok());
  REQUIRE(r.Add(Spec("shop-html", "https://shop.example/p/*", {"Text/HTML"})).ok());
  REQUIRE(r.Add(Spec("texts", "*", {"text/*"})).ok());
  REQUIRE(r.Add(Spec("feeds", "*", {"application/rss+xml"})).ok());
  CHECK(Names(r.Match("https://shop.example/p/1", "text/html; charset=UTF-8")) ==
        Strings{"any", "html", "shop-html", "texts"});
  CHECK(Names(r.Match("https://blog.example/p/1", "TEXT/HTML")) ==
        Strings{"any", "html", "texts"});
  CHECK(Names(r.Match("https://shop.example/p/1", "application/rss+xml")) ==
        Strings{"any", "feeds"});
  CHECK(Names(r.Match("https://shop.example/p/1", "text/plain")) == Strings{"any", "texts"});
  CHECK(Names(r.Match("https://shop.example/p/1", "textual/html")) == Strings{"any"});
  CHECK(Names(r.Match("https://shop.example/p/1", "")) == Strings{"any"});
}

TEST_CASE("a hostile glob pattern matches in bounded time") {
  // *a*a*a*...*b* against a run of 'a's: a backtracking matcher tries every
  // way of splitting the run among the stars before giving up.
  std::string glob = "*";
  for (int i = 0; i < 1000; ++i) glob += "a*";
  glob += "b*";
  const std::string url(8192, 'a');
  std::string wild;
  for (int i = 0; i < 500; ++i) wild += "*?";
  wild += "*b*";
  ParserRegistry r;
  REQUIRE(r.Add(Spec("hostile", glob)).ok());
  REQUIRE(r.Add(Spec("wild", wild)).ok());
  const auto start = std::chrono::steady_clock::now();
  bool any = false;
  for (int i = 0; i < 100; ++i) any = any || !r.Match(url, "text/html").empty();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK_FALSE(any);
  CHECK(secs < 2);  // an exponential (or quadratic) matcher takes far longer
  CHECK(GlobMatch(glob, url + "b"));
  CHECK(GlobMatch(wild, url + "b"));
}

TEST_CASE("the default registry routes HTML to schema.org and citation_meta, feeds to the feed parser") {
  const ParserRegistry r = DefaultParserRegistry();
  CHECK(Names(r.Match("https://a.example/", "text/html")) ==
        Strings{"schema.org", "citation_meta"});
  CHECK(Names(r.Match("https://a.example/", "application/xhtml+xml")) ==
        Strings{"schema.org", "citation_meta"});
  for (const char* t : {"application/rss+xml", "application/atom+xml", "application/xml",
                        "text/xml; charset=utf-8"}) {
    CAPTURE(t);
    CHECK(Names(r.Match("https://a.example/feed", t)) == Strings{"feed"});
  }
  CHECK(r.Match("https://a.example/", "image/png").empty());

  const std::string html = ReadFixture("product.html");
  GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  const StructuredData data = ExtractStructuredData(out->root);
  PageInput page{"https://shop.example/p/tent", "text/html", html, out->root, &data};
  const std::vector<json> products = r.Match(page.url, page.content_type)[0]->parse(page);
  gumbo_destroy_output(&kGumboDefaultOptions, out);
  REQUIRE(products.size() == 1);
  CHECK(products[0]["schema"] == "product.v1");
  CHECK(products[0]["images"][0] == "https://shop.example/images/tent-front.jpg");
  PageInput no_tree{"https://shop.example/p/tent", "text/html", html, nullptr, nullptr};
  CHECK(r.Match(no_tree.url, no_tree.content_type)[0]->parse(no_tree).empty());

  const ParserSpec* feed = r.Match("https://notes.example/feed.xml", "application/xml")[0];
  const std::string rss = ReadFixture("rss.xml");
  const std::vector<json> items =
      feed->parse(PageInput{"https://notes.example/feed.xml", "application/xml", rss});
  REQUIRE(items.size() == 2);
  CHECK(items[0]["schema"] == "feed_item.v1");
  CHECK(items[0]["source"] == "rss");
  CHECK(items[1]["link"] == "https://notes.example/market-day?ref=rss&src=feed");
  const std::string atom = ReadFixture("atom.xml");
  const std::vector<json> entries =
      feed->parse(PageInput{"https://dev.example/blog/atom.xml", "application/atom+xml", atom});
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["source"] == "atom");
  // XML that is not a feed, and XML that is not well-formed, yield nothing.
  CHECK(feed->parse(PageInput{"https://a.example/s.xml", "application/xml",
                              "<urlset><url><loc>https://a.example/</loc></url></urlset>"})
            .empty());
  CHECK(feed->parse(PageInput{"https://a.example/f.xml", "text/xml", "<rss><channel>"}).empty());
}

}  // namespace
}  // namespace swarmcrawl
