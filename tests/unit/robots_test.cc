#include "parsers/robots.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace swarmcrawl {
namespace {

// The example file of RFC 9309 section 5.1.
constexpr char kRfcExample[] =
    "User-Agent: *\n"
    "Disallow: *.gif$\n"
    "Disallow: /example/\n"
    "Allow: /publications/\n"
    "\n"
    "User-Agent: foobot\n"
    "Disallow:/\n"
    "Allow:/example/page.html\n"
    "Allow:/example/allowed.gif\n"
    "\n"
    "User-Agent: barbot\n"
    "User-Agent: bazbot\n"
    "Disallow: /example/page.html\n"
    "\n"
    "User-Agent: quxbot\n"
    "\n"
    "EOF\n";

TEST_CASE("RFC 9309 example: a named group applies to its agent only") {
  const RobotsRules foo = RobotsRules::Parse(kRfcExample, "foobot");
  CHECK(foo.Allowed("/example/page.html"));
  CHECK(foo.Allowed("/example/allowed.gif"));
  CHECK_FALSE(foo.Allowed("/example/other.html"));
  CHECK_FALSE(foo.Allowed("/"));
  CHECK_FALSE(foo.Allowed("/publications/"));  // the * group does not apply to foobot
}

TEST_CASE("RFC 9309 example: several user-agent lines share one group") {
  for (const char* agent : {"barbot", "bazbot"}) {
    CAPTURE(agent);
    const RobotsRules r = RobotsRules::Parse(kRfcExample, agent);
    CHECK_FALSE(r.Allowed("/example/page.html"));
    CHECK(r.Allowed("/example/other.html"));
    CHECK(r.Allowed("/image.gif"));  // the * group's rule does not apply
  }
}

TEST_CASE("RFC 9309 example: a matching group without rules allows everything") {
  const RobotsRules qux = RobotsRules::Parse(kRfcExample, "quxbot");
  CHECK(qux.rules().empty());
  CHECK(qux.Allowed("/example/page.html"));
  CHECK(qux.Allowed("/image.gif"));
}

TEST_CASE("RFC 9309 example: other agents fall back to the * group") {
  const RobotsRules r = RobotsRules::Parse(kRfcExample, "swarmcrawl");
  REQUIRE(r.rules().size() == 3);
  CHECK_FALSE(r.Allowed("/image.gif"));
  CHECK_FALSE(r.Allowed("/a/b/image.gif"));
  CHECK(r.Allowed("/image.gif?size=2"));  // '$' anchors the end
  CHECK_FALSE(r.Allowed("/example/x"));
  CHECK(r.Allowed("/publications/x"));
  CHECK(r.Allowed("/"));
}

TEST_CASE("no matching group and no * group allows everything") {
  const RobotsRules r = RobotsRules::Parse("User-agent: otherbot\nDisallow: /\n", "swarmcrawl");
  CHECK(r.rules().empty());
  CHECK(r.Allowed("/anything"));
  CHECK(RobotsRules::Parse("", "swarmcrawl").Allowed("/"));
  CHECK(RobotsRules().Allowed("/x"));
  CHECK(RobotsRules::AllowAll().Allowed("/x"));
}

TEST_CASE("the longest matching pattern wins") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: *\n"
      "Allow: /example/page/\n"
      "Disallow: /example/page/disallowed.gif\n"
      "Allow: /page\n"
      "Disallow: /*.html\n",
      "swarmcrawl");
  CHECK(r.Allowed("/example/page/other.gif"));
  CHECK_FALSE(r.Allowed("/example/page/disallowed.gif"));
  // "/*.html" (7 octets) is longer than "/page" (5).
  CHECK_FALSE(r.Allowed("/page.html"));
  CHECK(r.Allowed("/page.htm"));
  const RobotsRule* rule = r.MatchingRule("/page.html");
  REQUIRE(rule != nullptr);
  CHECK(rule->pattern == "/*.html");
  CHECK_FALSE(rule->allow);
  CHECK(r.MatchingRule("/unrelated") == nullptr);
}

TEST_CASE("Allow wins a tie of equal-length patterns, whatever the order") {
  const RobotsRules a =
      RobotsRules::Parse("User-agent: *\nDisallow: /folder\nAllow: /folder\n", "x");
  const RobotsRules b =
      RobotsRules::Parse("User-agent: *\nAllow: /folder\nDisallow: /folder\n", "x");
  CHECK(a.Allowed("/folder/page"));
  CHECK(b.Allowed("/folder/page"));
  const RobotsRules c = RobotsRules::Parse("User-agent: *\nDisallow: /a*\nAllow: /ab\n", "x");
  CHECK(c.Allowed("/abc"));  // equal length 3: allow
}

TEST_CASE("'*' matches any run of characters and '$' anchors the end") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: *\n"
      "Disallow: /fish*\n"
      "Disallow: /*/private/\n"
      "Disallow: /*.php$\n"
      "Disallow: /exact$\n"
      "Disallow: /a*b*c\n",
      "x");
  CHECK_FALSE(r.Allowed("/fish"));
  CHECK_FALSE(r.Allowed("/fish.html"));
  CHECK_FALSE(r.Allowed("/fishheads/yummy.html"));
  CHECK(r.Allowed("/Fish.asp"));  // paths are case-sensitive
  CHECK_FALSE(r.Allowed("/users/private/x"));
  CHECK(r.Allowed("/private/x"));
  CHECK_FALSE(r.Allowed("/index.php"));
  CHECK_FALSE(r.Allowed("/dir/index.php"));
  CHECK(r.Allowed("/index.php?x=1"));
  CHECK(r.Allowed("/index.php5"));
  CHECK_FALSE(r.Allowed("/exact"));
  CHECK(r.Allowed("/exact/more"));
  CHECK_FALSE(r.Allowed("/a-b-c"));
  CHECK_FALSE(r.Allowed("/abxc-tail"));
  CHECK(r.Allowed("/acb"));
}

TEST_CASE("'$' in the middle of a pattern is a literal character") {
  const RobotsRules r = RobotsRules::Parse("User-agent: *\nDisallow: /a$b\n", "x");
  CHECK_FALSE(r.Allowed("/a$b/c"));
  CHECK(r.Allowed("/a"));
}

TEST_CASE("patterns match against path and query") {
  const RobotsRules r = RobotsRules::Parse("User-agent: *\nDisallow: /*?sessionid=\n", "x");
  CHECK_FALSE(r.Allowed("/page?sessionid=42"));
  CHECK(r.Allowed("/page?id=42"));
}

TEST_CASE("agent matching is case-insensitive and accepts a version suffix") {
  const char* txt =
      "User-agent: *\nDisallow: /\n\n"
      "User-Agent: SwarmCrawl/1.0\nDisallow: /private\n";
  const RobotsRules r = RobotsRules::Parse(txt, "swarmcrawl");
  CHECK(r.Allowed("/public"));
  CHECK_FALSE(r.Allowed("/private"));
  const RobotsRules upper = RobotsRules::Parse(txt, "SWARMCRAWL");
  CHECK(upper.Allowed("/public"));
  // A different product that merely starts with ours does not match.
  const RobotsRules prefix =
      RobotsRules::Parse("User-agent: swarmcrawler\nDisallow: /\n", "swarmcrawl");
  CHECK(prefix.Allowed("/x"));
}

TEST_CASE("all groups matching the agent are merged") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: swarmcrawl\nDisallow: /a\n\n"
      "User-agent: *\nDisallow: /b\n\n"
      "User-agent: swarmcrawl\nDisallow: /c\n",
      "swarmcrawl");
  CHECK_FALSE(r.Allowed("/a"));
  CHECK(r.Allowed("/b"));
  CHECK_FALSE(r.Allowed("/c"));
  CHECK(r.rules().size() == 2);

  const RobotsRules star = RobotsRules::Parse(
      "User-agent: *\nDisallow: /a\n\n"
      "User-agent: other\nDisallow: /b\n\n"
      "User-agent: *\nDisallow: /c\n",
      "swarmcrawl");
  CHECK_FALSE(star.Allowed("/a"));
  CHECK(star.Allowed("/b"));
  CHECK_FALSE(star.Allowed("/c"));
}

TEST_CASE("a user-agent line after rules starts a new group, and blank lines do not") {
  // Blank lines between user-agent lines do not split the group.
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: swarmcrawl\n\nUser-agent: other\nDisallow: /x\n", "swarmcrawl");
  CHECK_FALSE(r.Allowed("/x"));
  // After a rule, a user-agent line begins a group that no longer includes us.
  const RobotsRules r2 = RobotsRules::Parse(
      "User-agent: swarmcrawl\nDisallow: /x\nUser-agent: other\nDisallow: /y\n", "swarmcrawl");
  CHECK_FALSE(r2.Allowed("/x"));
  CHECK(r2.Allowed("/y"));
}

TEST_CASE("rules before any user-agent line are ignored") {
  const RobotsRules r = RobotsRules::Parse("Disallow: /\nUser-agent: *\nDisallow: /x\n", "a");
  CHECK(r.Allowed("/y"));
  CHECK_FALSE(r.Allowed("/x"));
}

TEST_CASE("an empty Disallow is no rule") {
  const RobotsRules r = RobotsRules::Parse("User-agent: *\nDisallow:\n", "a");
  CHECK(r.rules().empty());
  CHECK(r.Allowed("/"));
}

TEST_CASE("keys are case-insensitive, and comments, BOM and all line endings are handled") {
  const RobotsRules r = RobotsRules::Parse(
      "\xEF\xBB\xBFUSER-AGENT: *  # everyone\r\n"
      "DISALLOW: /a # not /b\r\n"
      "allow : /a/ok\r"
      "disallow:/c\n",
      "x");
  CHECK_FALSE(r.Allowed("/a"));
  CHECK(r.Allowed("/a/ok"));
  CHECK(r.Allowed("/b"));
  CHECK_FALSE(r.Allowed("/c"));
  REQUIRE(r.rules().size() == 3);
  CHECK(r.rules()[0].pattern == "/a");
}

TEST_CASE("patterns and paths are compared after percent-encoding normalization") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: *\n"
      "Disallow: /\xC3\xA4\n"           // raw UTF-8 "ä"
      "Disallow: /foo/%e3%83%84\n"      // lower-case hex
      "Disallow: /foo/bar/%62%61%7A\n"  // escaped unreserved characters
      "Disallow: /with space\n",
      "x");
  CHECK_FALSE(r.Allowed("/%C3%A4"));
  CHECK_FALSE(r.Allowed("/\xC3\xA4/raw"));
  CHECK_FALSE(r.Allowed("/foo/%E3%83%84"));
  CHECK_FALSE(r.Allowed("/foo/\xE3\x83\x84"));
  CHECK_FALSE(r.Allowed("/foo/bar/baz"));
  CHECK_FALSE(r.Allowed("/foo/bar/%62az"));
  CHECK_FALSE(r.Allowed("/with%20space"));
  CHECK(r.Allowed("/foo/bar/ba"));
  CHECK(r.rules()[0].pattern == "/%C3%A4");
  // Reserved characters stay escaped: %2F is not '/'.
  const RobotsRules slash = RobotsRules::Parse("User-agent: *\nDisallow: /a/b\n", "x");
  CHECK(slash.Allowed("/a%2Fb"));
}

TEST_CASE("patterns without a leading slash get one") {
  const RobotsRules r = RobotsRules::Parse("User-agent: *\nDisallow: private\n", "x");
  REQUIRE(r.rules().size() == 1);
  CHECK(r.rules()[0].pattern == "/private");
  CHECK_FALSE(r.Allowed("/private/x"));
}

TEST_CASE("/robots.txt is always allowed") {
  const RobotsRules r = RobotsRules::Parse("User-agent: *\nDisallow: /\n", "x");
  CHECK(r.Allowed("/robots.txt"));
  CHECK(r.MatchingRule("/robots.txt") == nullptr);
  CHECK_FALSE(r.Allowed("/robots.txt.bak"));
  CHECK_FALSE(r.Allowed("/"));
  CHECK(RobotsRules::DisallowAll().Allowed("/robots.txt"));
}

TEST_CASE("DisallowAll is a single Disallow: / rule") {
  const RobotsRules r = RobotsRules::DisallowAll();
  REQUIRE(r.rules().size() == 1);
  CHECK(r.rules()[0].pattern == "/");
  CHECK_FALSE(r.rules()[0].allow);
  CHECK_FALSE(r.Allowed("/"));
  CHECK_FALSE(r.Allowed("/x?y"));
  CHECK(r.MatchingRule("/x") == &r.rules()[0]);
}

TEST_CASE("crawl-delay comes from the applicable group, and the first valid one wins") {
  const char* txt =
      "User-agent: *\nCrawl-delay: 10\n\n"
      "User-agent: swarmcrawl\n"
      "Crawl-delay: -1\nCrawl-delay: abc\nCrawl-delay: 2.5\nCrawl-delay: 7\n";
  const RobotsRules r = RobotsRules::Parse(txt, "swarmcrawl");
  REQUIRE(r.crawl_delay_seconds().has_value());
  CHECK(*r.crawl_delay_seconds() == doctest::Approx(2.5));
  const RobotsRules other = RobotsRules::Parse(txt, "otherbot");
  REQUIRE(other.crawl_delay_seconds().has_value());
  CHECK(*other.crawl_delay_seconds() == doctest::Approx(10));
  CHECK_FALSE(RobotsRules::Parse("User-agent: *\nDisallow: /\n", "x").crawl_delay_seconds());
  CHECK_FALSE(RobotsRules::Parse("User-agent: *\nCrawl-delay: inf\n", "x").crawl_delay_seconds());
}

TEST_CASE("sitemaps are collected from anywhere in the file") {
  const RobotsRules r = RobotsRules::Parse(
      "Sitemap: https://example.com/sitemap1.xml\n"
      "User-agent: otherbot\nDisallow: /\nSitemap: https://example.com/sitemap2.xml\n"
      "User-agent: *\nsitemap:https://example.com/sitemap3.xml\nDisallow: /x\n",
      "swarmcrawl");
  REQUIRE(r.sitemaps().size() == 3);
  CHECK(r.sitemaps()[0] == "https://example.com/sitemap1.xml");
  CHECK(r.sitemaps()[1] == "https://example.com/sitemap2.xml");
  CHECK(r.sitemaps()[2] == "https://example.com/sitemap3.xml");
  // A sitemap line does not end the user-agent lines of a group.
  CHECK_FALSE(r.Allowed("/x"));
}

TEST_CASE("input beyond kMaxRobotsBytes is ignored") {
  std::string txt = "User-agent: *\nDisallow: /early\n";
  txt += "# " + std::string(kMaxRobotsBytes, 'x') + "\n";
  txt += "Disallow: /late\n";
  const RobotsRules r = RobotsRules::Parse(txt, "x");
  CHECK_FALSE(r.Allowed("/early"));
  CHECK(r.Allowed("/late"));
}

TEST_CASE("hostile wildcard patterns match in polynomial time") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n"
      "Disallow: /****************************************c$\n",
      "x");
  const std::string path = "/" + std::string(20000, 'a');
  const auto start = std::chrono::steady_clock::now();
  CHECK(r.Allowed(path));
  CHECK_FALSE(r.Allowed(path + "b"));
  CHECK_FALSE(r.Allowed(path + "c"));
  CHECK(r.Allowed(path + "cd"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(1));
  // Runs of '*' are collapsed.
  CHECK(r.rules()[1].pattern == "/*c$");
}

TEST_CASE("ProductToken takes the first token, lower-cased") {
  CHECK(ProductToken("swarmcrawl/0.1 (+http://example.com/bot)") == "swarmcrawl");
  CHECK(ProductToken("  SwarmCrawl/0.1") == "swarmcrawl");
  CHECK(ProductToken("MyBot; compatible") == "mybot");
  CHECK(ProductToken("Plain") == "plain");
  CHECK(ProductToken("Name Other") == "name");
  CHECK(ProductToken("") == "");
}

}  // namespace
}  // namespace swarmcrawl

namespace swarmcrawl {

TEST_CASE("robots rules and patterns are capped and the caps err on the side of disallowing") {
  std::string txt = "User-agent: *\n";
  for (int i = 0; i < 5000; ++i) txt += "Disallow: *aaab" + std::to_string(i) + "\n";
  RobotsRules many = RobotsRules::Parse(txt, "bot");
  CHECK(many.rules().size() == kMaxRules);
  const std::string path = "/" + std::string(8000, 'a');
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) CHECK(many.Allowed(path));
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 2.0);

  const std::string long_pattern = "/" + std::string(3000, 'p');
  RobotsRules cut = RobotsRules::Parse("User-agent: *\nDisallow: " + long_pattern + "\n", "bot");
  REQUIRE(cut.rules().size() == 1);
  CHECK(cut.rules()[0].pattern.size() == kMaxPatternBytes);
  CHECK_FALSE(cut.Allowed(long_pattern));  // a cut Disallow still disallows the long path
  RobotsRules dropped = RobotsRules::Parse(
      "User-agent: *\nDisallow: /\nAllow: " + long_pattern + "\n", "bot");
  CHECK(dropped.rules().size() == 1);
  CHECK_FALSE(dropped.Allowed(long_pattern));  // an over-long Allow is dropped, never widened
}

}  // namespace swarmcrawl
