#include "parsers/robots.h"

#include <doctest/doctest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace swarmcrawl {
namespace {

bool HasRule(const RobotsRules& r, bool allow, const std::string& pattern) {
  for (const auto& rule : r.rules()) {
    if (rule.allow == allow && rule.pattern == pattern) return true;
  }
  return false;
}

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
  CHECK(HasRule(r, false, "/a"));
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
  CHECK(HasRule(r, false, "/%C3%A4"));
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

// ---- RFC 9309, rule by rule --------------------------------------------

// 2.1: "user-agent", "allow", "disallow" and other field names are
// case-insensitive.
TEST_CASE("RFC 9309 2.1: field names are case-insensitive") {
  const RobotsRules r = RobotsRules::Parse(
      "uSeR-aGeNt: SwarmCrawl\ndIsAlLoW: /d\naLlOw: /d/a\nCRAWL-DELAY: 3\nSITEMAP: https://e.example/s\n",
      "swarmcrawl");
  CHECK(r.has_group());
  CHECK_FALSE(r.Allowed("/d"));
  CHECK(r.Allowed("/d/a"));
  CHECK(r.crawl_delay_seconds() == 3.0);
  CHECK(r.sitemaps() == std::vector<std::string>{"https://e.example/s"});
}

// 2.1: *WS around the field name, the colon and the value.
TEST_CASE("RFC 9309 2.1: optional whitespace around names, colons and values") {
  const RobotsRules r = RobotsRules::Parse(
      "  \tUser-agent\t :\t swarmcrawl \t\n"
      "   Disallow   :   /a   \n"
      "\tDisallow:/b\t\n"
      "Disallow :\t/c\n",
      "swarmcrawl");
  REQUIRE(r.rules().size() == 3);
  CHECK(r.rules()[0].pattern == "/a");
  CHECK(r.rules()[1].pattern == "/b");
  CHECK(r.rules()[2].pattern == "/c");
}

// 2.1 / 2.2.3: '#' starts a comment anywhere; comment lines do not split groups.
TEST_CASE("RFC 9309 2.1: comments, on their own lines and after values") {
  const RobotsRules r = RobotsRules::Parse(
      "# leading comment\n"
      "User-agent: swarmcrawl # our bot\n"
      "# a comment between the user-agent line and the rules\n"
      "Disallow: /a#b\n"
      "Disallow: /c # /d\n"
      "#Disallow: /e\n"
      "Disallow: # nothing\n",
      "swarmcrawl");
  REQUIRE(r.rules().size() == 2);
  CHECK(r.rules()[0].pattern == "/a");
  CHECK(r.rules()[1].pattern == "/c");
  CHECK_FALSE(r.Allowed("/abc"));
  CHECK(r.Allowed("/d"));
  CHECK(r.Allowed("/e"));
}

TEST_CASE("RFC 9309 2.1: a UTF-8 byte order mark is skipped at the start only") {
  const RobotsRules r =
      RobotsRules::Parse("\xEF\xBB\xBFUser-agent: swarmcrawl\nDisallow: /x\n", "swarmcrawl");
  CHECK(r.has_group());
  CHECK_FALSE(r.Allowed("/x"));
  // Without a BOM the same file parses the same.
  CHECK(RobotsRules::Parse("User-agent: swarmcrawl\nDisallow: /x\n", "swarmcrawl").rules().size() ==
        1);
}

TEST_CASE("RFC 9309 2.1: LF, CR and CRLF line endings, alone or mixed") {
  for (const char* nl : {"\n", "\r", "\r\n"}) {
    CAPTURE(nl);
    const std::string txt = std::string("User-agent: *") + nl + "Disallow: /a" + nl + nl +
                            "Allow: /a/b" + nl + "Disallow: /c";  // no final line break
    const RobotsRules r = RobotsRules::Parse(txt, "x");
    REQUIRE(r.rules().size() == 3);
    CHECK_FALSE(r.Allowed("/a"));
    CHECK(r.Allowed("/a/b"));
    CHECK_FALSE(r.Allowed("/c"));
  }
  const RobotsRules mixed =
      RobotsRules::Parse("User-agent: *\r\nDisallow: /a\rDisallow: /b\nDisallow: /c\r\n", "x");
  CHECK(mixed.rules().size() == 3);
  // "\n\r" is two line breaks (an empty line between), which is harmless.
  CHECK(RobotsRules::Parse("User-agent: *\n\rDisallow: /a\n\r", "x").rules().size() == 1);
}

TEST_CASE("RFC 9309 2.1: lines without a colon are ignored and split nothing") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: swarmcrawl\n"
      "Disallow /nocolon\n"      // a common typo: ignored, not guessed
      "this line means nothing\n"
      "User-agent otherbot\n"    // ignored: it does not start a new group either
      "Disallow: /x\n",
      "swarmcrawl");
  REQUIRE(r.rules().size() == 1);
  CHECK(r.rules()[0].pattern == "/x");
  CHECK(r.Allowed("/nocolon"));
  // An unparseable file is no rules at all (section 2.3.1.5: use what parses).
  CHECK(RobotsRules::Parse("<html><body>Not found</body></html>", "x").Allowed("/"));
  CHECK(RobotsRules::Parse(std::string("\0\0\0:\0", 5), "x").Allowed("/"));
}

// 2.1 / 2.2.1: only the product-token part of a user-agent value counts.
TEST_CASE("RFC 9309 2.2.1: the user-agent value is matched by its product-token part") {
  const auto matches = [](const std::string& value) {
    return RobotsRules::ParseExplicit("User-agent: " + value + "\nDisallow: /\n", "swarmcrawl")
        .has_group();
  };
  CHECK(matches("swarmcrawl"));
  CHECK(matches("SwarmCrawl"));
  CHECK(matches("SWARMCRAWL"));
  CHECK(matches("SwarmCrawl/1.0"));
  CHECK(matches("SwarmCrawl/1.0 (+https://swarmcrawl.example/bot)"));
  CHECK(matches("swarmcrawl (compatible)"));
  CHECK(matches("swarmcrawl;"));
  CHECK(matches("swarmcrawl, otherbot"));
  CHECK(matches("swarmcrawl otherbot"));
  CHECK_FALSE(matches("otherbot swarmcrawl"));  // only the first token
  CHECK_FALSE(matches("Mozilla/5.0 (compatible; SwarmCrawl/1.0)"));
  CHECK_FALSE(matches("swarmcrawler"));
  CHECK_FALSE(matches("swarmcrawl-news"));
  CHECK_FALSE(matches("swarmcrawl_2"));
  CHECK_FALSE(matches("swarmcrawl2"));
  CHECK_FALSE(matches("swarm"));
  CHECK_FALSE(matches("swarm crawl"));
  CHECK_FALSE(matches(""));
  // The crawler's token is configurable and is trimmed and lower-cased.
  CHECK(RobotsRules::ParseExplicit("User-agent: Example-Bot_2\nDisallow: /\n", " Example-BOT_2 ")
            .has_group());
}

TEST_CASE("RFC 9309 2.2.1: '*' is the catch-all agent, also with trailing text") {
  for (const char* line : {"User-agent: *", "User-agent:*", "User-agent: * # all", "User-agent: * x"}) {
    CAPTURE(line);
    const RobotsRules r = RobotsRules::Parse(std::string(line) + "\nDisallow: /\n", "swarmcrawl");
    CHECK_FALSE(r.Allowed("/x"));
    CHECK_FALSE(r.has_group());
  }
  // "*bot" is not '*'; it names no crawler we are.
  CHECK(RobotsRules::Parse("User-agent: *bot\nDisallow: /\n", "swarmcrawl").Allowed("/x"));
}

// The example of section 2.2.1: two ExampleBot groups combine into one.
TEST_CASE("RFC 9309 2.2.1: groups naming the same agent are combined") {
  const RobotsRules r = RobotsRules::Parse(
      "user-agent: ExampleBot\n"
      "disallow: /foo\n"
      "disallow: /bar\n"
      "\n"
      "user-agent: ExampleBot\n"
      "disallow: /baz\n",
      "examplebot");
  CHECK(r.rules().size() == 3);
  CHECK_FALSE(r.Allowed("/foo"));
  CHECK_FALSE(r.Allowed("/bar"));
  CHECK_FALSE(r.Allowed("/baz"));
  CHECK(r.Allowed("/qux"));
  // Versions and case do not keep groups apart.
  const RobotsRules v = RobotsRules::Parse(
      "User-agent: ExampleBot/1.0\nDisallow: /a\n\nUser-agent: examplebot/2.0\nDisallow: /b\n",
      "ExampleBot");
  CHECK_FALSE(v.Allowed("/a"));
  CHECK_FALSE(v.Allowed("/b"));
}

TEST_CASE("RFC 9309 2.2.1: a group naming the agent replaces '*', even an empty one") {
  // The second example of section 2.2.1: BazBot's group, not '*', applies to BazBot.
  const char* txt =
      "user-agent: *\n"
      "disallow: /foo\n"
      "disallow: /bar\n"
      "\n"
      "user-agent: BazBot\n"
      "disallow: /baz\n";
  const RobotsRules baz = RobotsRules::Parse(txt, "bazbot");
  CHECK(baz.Allowed("/foo"));
  CHECK(baz.Allowed("/bar"));
  CHECK_FALSE(baz.Allowed("/baz"));
  const RobotsRules other = RobotsRules::Parse(txt, "otherbot");
  CHECK_FALSE(other.Allowed("/foo"));
  CHECK(other.Allowed("/baz"));
  // A group listing both '*' and the agent serves both.
  const RobotsRules both =
      RobotsRules::Parse("User-agent: *\nUser-agent: swarmcrawl\nDisallow: /x\n", "swarmcrawl");
  CHECK(both.has_group());
  CHECK_FALSE(both.Allowed("/x"));
  CHECK_FALSE(RobotsRules::Parse("User-agent: *\nUser-agent: swarmcrawl\nDisallow: /x\n", "other")
                  .Allowed("/x"));
}

TEST_CASE("RFC 9309 2.2.1: no group for the agent and no '*' group: no rules apply") {
  const RobotsRules r = RobotsRules::Parse("User-agent: a\nDisallow: /\n\nUser-agent: b\nDisallow: /\n",
                                           "swarmcrawl");
  CHECK(r.rules().empty());
  CHECK_FALSE(r.has_group());
  CHECK(r.Allowed("/"));
  // A file of comments and sitemaps only has no groups.
  const RobotsRules none = RobotsRules::Parse("# hi\nSitemap: https://e.example/s.xml\n", "x");
  CHECK(none.Allowed("/"));
  CHECK(none.sitemaps().size() == 1);
}

TEST_CASE("RFC 9309 2.1: blank lines do not end a group's user-agent lines") {
  // The ABNF allows empty lines between a group's user-agent lines, so a
  // user-agent line "followed" by an empty line shares the next group's rules.
  const RobotsRules r = RobotsRules::ParseExplicit(
      "User-agent: ClaudeBot\n\nUser-agent: GPTBot\nDisallow: /x\n", "claudebot");
  CHECK(r.has_group());
  CHECK_FALSE(r.Allowed("/x"));
}

TEST_CASE("RFC 9309 2.2.2: an empty Allow or Disallow is no rule") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: *\nDisallow:\nAllow:\nDisallow:   \t\nAllow: # comment\n", "x");
  CHECK(r.rules().empty());
  CHECK(r.Allowed("/"));
  // And does not cancel other rules of the group.
  const RobotsRules d = RobotsRules::Parse("User-agent: *\nDisallow: /p\nDisallow:\n", "x");
  CHECK_FALSE(d.Allowed("/p"));
}

TEST_CASE("RFC 9309 2.2.2: matching starts at the first octet of the path and is case-sensitive") {
  const RobotsRules r = RobotsRules::Parse("User-agent: *\nDisallow: /a\n", "x");
  CHECK_FALSE(r.Allowed("/a"));
  CHECK_FALSE(r.Allowed("/ab/c"));
  CHECK_FALSE(r.Allowed("/a?x"));
  CHECK(r.Allowed("/b/a"));
  CHECK(r.Allowed("/A"));
  CHECK(r.Allowed("/"));
  // An empty path is "/".
  CHECK(RobotsRules::Parse("User-agent: *\nDisallow: /$\n", "x").Allowed("") == false);
}

TEST_CASE("RFC 9309 2.2.2: the most specific (longest) match wins, Allow on ties") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: *\n"
      "Disallow: /\n"
      "Allow: /\n"  // tie with "Disallow: /": allowed
      "Disallow: /a\n"
      "Allow: /a/b\n"
      "Disallow: /a/b/c\n"
      "Allow: /a/b/c/d\n",
      "x");
  CHECK(r.Allowed("/"));
  CHECK(r.Allowed("/z"));
  CHECK_FALSE(r.Allowed("/a"));
  CHECK(r.Allowed("/a/b"));
  CHECK_FALSE(r.Allowed("/a/b/c"));
  CHECK(r.Allowed("/a/b/c/d/e"));
  // Octets are counted in normalized patterns: "/%7Ejoe" is "/~joe" (5), so
  // this is a tie, and Allow wins it.
  const RobotsRules tie =
      RobotsRules::Parse("User-agent: *\nDisallow: /%7Ejoe\nAllow: /~joe\n", "x");
  CHECK(tie.Allowed("/~joe/x"));
  // A wildcard counts as the one octet it is written as.
  const RobotsRules star = RobotsRules::Parse("User-agent: *\nAllow: /a*\nDisallow: /ab\n", "x");
  CHECK(star.Allowed("/abc"));  // "/a*" and "/ab" both 3 octets
  const RobotsRules longer = RobotsRules::Parse("User-agent: *\nAllow: /a\nDisallow: /*c\n", "x");
  CHECK_FALSE(longer.Allowed("/abc"));  // "/*c" (3) beats "/a" (2)
}

// The table of section 2.2.2.
TEST_CASE("RFC 9309 2.2.2: the percent-encoding table") {
  // /foo/bar?baz=quz: the query is matched as it is.
  const RobotsRules q = RobotsRules::Parse("User-agent: *\nDisallow: /foo/bar?baz=quz\n", "x");
  CHECK_FALSE(q.Allowed("/foo/bar?baz=quz"));
  CHECK_FALSE(q.Allowed("/foo/bar?baz=quz&more=1"));
  CHECK(q.Allowed("/foo/bar?baz=other"));
  CHECK(q.Allowed("/foo/bar"));
  // /foo/bar/ツ is /foo/bar/%E3%83%84, in patterns and paths alike.
  for (const char* pattern : {"/foo/bar/\xE3\x83\x84", "/foo/bar/%E3%83%84", "/foo/bar/%e3%83%84"}) {
    CAPTURE(pattern);
    const RobotsRules r = RobotsRules::Parse(std::string("User-agent: *\nDisallow: ") + pattern, "x");
    REQUIRE(r.rules().size() == 1);
    CHECK(r.rules()[0].pattern == "/foo/bar/%E3%83%84");
    CHECK_FALSE(r.Allowed("/foo/bar/%E3%83%84"));
    CHECK_FALSE(r.Allowed("/foo/bar/\xE3\x83\x84"));
    CHECK_FALSE(r.Allowed("/foo/bar/%e3%83%84"));
    CHECK(r.Allowed("/foo/bar/%E3%83"));
  }
  // /foo/bar/%62%61%7A is /foo/bar/baz: unreserved octets compare decoded.
  const RobotsRules baz = RobotsRules::Parse("User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "x");
  CHECK(baz.rules()[0].pattern == "/foo/bar/baz");
  CHECK_FALSE(baz.Allowed("/foo/bar/baz"));
  CHECK_FALSE(baz.Allowed("/foo/bar/%62%61%7a"));
  const RobotsRules plain = RobotsRules::Parse("User-agent: *\nDisallow: /foo/bar/baz\n", "x");
  CHECK_FALSE(plain.Allowed("/foo/bar/%62%61%7A"));
  // /~joe/index.html and /%7Ejoe/index.html are the same path.
  const RobotsRules joe = RobotsRules::Parse("User-agent: *\nDisallow: /~joe/index.html\n", "x");
  CHECK_FALSE(joe.Allowed("/%7Ejoe/index.html"));
  CHECK_FALSE(joe.Allowed("/%7ejoe/index.html"));
  const RobotsRules joe2 = RobotsRules::Parse("User-agent: *\nDisallow: /%7Ejoe/index.html\n", "x");
  CHECK_FALSE(joe2.Allowed("/~joe/index.html"));
  // Reserved characters stay encoded: %2F is not '/', %3F not '?'.
  const RobotsRules reserved = RobotsRules::Parse("User-agent: *\nDisallow: /a%2Fb\nDisallow: /c%3Fd\n", "x");
  CHECK_FALSE(reserved.Allowed("/a%2fb"));
  CHECK(reserved.Allowed("/a/b"));
  CHECK(reserved.Allowed("/c?d"));
  CHECK_FALSE(reserved.Allowed("/c%3Fd"));
}

// The tables of section 2.2.3.
TEST_CASE("RFC 9309 2.2.3: special characters '#', '$' and '*'") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: *\n"
      "Disallow: /\n"
      "allow: / # comment in line\n"
      "# comment on its own line\n"
      "allow: /this/path/exactly$\n"
      "allow: /this/*/exactly\n",
      "x");
  REQUIRE(r.rules().size() == 4);
  CHECK(HasRule(r, true, "/"));  // the comment is not part of the pattern
  CHECK(r.Allowed("/this/path/exactly"));
  CHECK(r.Allowed("/this/x/y/exactly"));
  CHECK(r.Allowed("/this/x/exactly/more"));
  const RobotsRules dollar =
      RobotsRules::Parse("User-agent: *\nDisallow: /this/path/exactly$\n", "x");
  CHECK_FALSE(dollar.Allowed("/this/path/exactly"));
  CHECK(dollar.Allowed("/this/path/exactly/"));  // '$': the path must end there
  CHECK(dollar.Allowed("/this/path/exactly?q"));
  const RobotsRules star = RobotsRules::Parse("User-agent: *\nDisallow: /this/*/exactly\n", "x");
  CHECK_FALSE(star.Allowed("/this/path/exactly"));
  CHECK_FALSE(star.Allowed("/this/a/b/exactly"));  // '*': any run, '/' included
  CHECK_FALSE(star.Allowed("/this//exactly"));     // ... or none
  CHECK_FALSE(star.Allowed("/this/a/exactly/more"));
  CHECK(star.Allowed("/this/exactly"));
}

TEST_CASE("RFC 9309 2.2.3: %2A and %24 in a pattern match a literal '*' and '$'") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: *\nDisallow: /path/file-with-a-%2A.html\nDisallow: /path/foo-%24\n", "x");
  CHECK_FALSE(r.Allowed("/path/file-with-a-*.html"));
  CHECK_FALSE(r.Allowed("/path/file-with-a-%2A.html"));
  CHECK_FALSE(r.Allowed("/path/file-with-a-%2a.html"));
  CHECK(r.Allowed("/path/file-with-a-x.html"));  // %2A is no wildcard
  CHECK_FALSE(r.Allowed("/path/foo-$"));
  CHECK_FALSE(r.Allowed("/path/foo-$/more"));  // %24 is no anchor
  CHECK_FALSE(r.Allowed("/path/foo-%24"));
  CHECK(r.Allowed("/path/foo-"));
  // A '$' inside a pattern is literal too, and compares as %24.
  const RobotsRules mid = RobotsRules::Parse("User-agent: *\nDisallow: /a$b\n", "x");
  CHECK(mid.rules()[0].pattern == "/a%24b");
  CHECK_FALSE(mid.Allowed("/a$b"));
  CHECK_FALSE(mid.Allowed("/a%24b/c"));
  // A path's '*' is never a wildcard.
  const RobotsRules lit = RobotsRules::Parse("User-agent: *\nDisallow: /x*y$\n", "x");
  CHECK_FALSE(lit.Allowed("/x*y"));
  CHECK_FALSE(lit.Allowed("/xzy"));
  CHECK(lit.Allowed("/x*yz"));
}

TEST_CASE("RFC 9309 2.2.3: '#' in a path is matched in its encoded form %23") {
  const RobotsRules r = RobotsRules::Parse("User-agent: *\nDisallow: /a%23b\n", "x");
  REQUIRE(r.rules().size() == 1);
  CHECK(r.rules()[0].pattern == "/a%23b");
  CHECK_FALSE(r.Allowed("/a%23b"));
  CHECK(r.Allowed("/a"));
}

TEST_CASE("RFC 9309 2.2.4: other records are ignored and are not bound to groups") {
  const RobotsRules r = RobotsRules::Parse(
      "User-agent: otherbot\n"
      "Host: mirror.example\n"        // unknown record: ignored, does not end the agent lines
      "Clean-param: ref /articles/\n"
      "User-agent: swarmcrawl\n"
      "Disallow: /x\n"
      "Sitemap: https://e.example/a.xml\n"
      "Disallow: /y\n"  // a sitemap line does not end the group either
      "\n"
      "User-agent: *\n"
      "Sitemap: https://e.example/b.xml\n"
      "Disallow: /\n",
      "swarmcrawl");
  CHECK(r.rules().size() == 2);
  CHECK_FALSE(r.Allowed("/x"));
  CHECK_FALSE(r.Allowed("/y"));
  CHECK(r.Allowed("/z"));
  CHECK(r.sitemaps() == std::vector<std::string>{"https://e.example/a.xml", "https://e.example/b.xml"});
  // otherbot shares the group: the Host line did not split it.
  CHECK_FALSE(RobotsRules::Parse(
                  "User-agent: otherbot\nHost: m.example\nUser-agent: swarmcrawl\nDisallow: /x\n",
                  "otherbot")
                  .Allowed("/x"));
  // Sitemaps are collected whatever the token, ParseExplicit included.
  CHECK(RobotsRules::ParseExplicit("Sitemap: https://e.example/c.xml\n", "gptbot").sitemaps().size() ==
        1);
}

TEST_CASE("RFC 9309 2.2.2: /robots.txt is implicitly allowed, in all its spellings") {
  const RobotsRules r =
      RobotsRules::Parse("User-agent: *\nDisallow: /\nDisallow: /robots.txt$\n", "x");
  CHECK(r.Allowed("/robots.txt"));
  CHECK(r.Allowed("/robots.txt?x=1"));
  CHECK(r.Allowed("/%72obots.txt"));  // %72 is 'r'
  CHECK_FALSE(r.Allowed("/robots.txt/"));
  CHECK_FALSE(r.Allowed("/a/robots.txt"));
}

TEST_CASE("RFC 9309 2.5: at least 500 KiB are parsed") {
  std::string txt = "User-agent: *\n";
  while (txt.size() < 400 * 1024) txt += "# " + std::string(1000, 'c') + "\n";
  txt += "Disallow: /late\n";
  REQUIRE(txt.size() < kMaxRobotsBytes);
  const RobotsRules r = RobotsRules::Parse(txt, "x");
  CHECK_FALSE(r.Allowed("/late"));
  static_assert(kMaxRobotsBytes >= 500 * 1024);
}

TEST_CASE("RFC 9309 2.5: a line cut by the parsing limit is dropped, not read in part") {
  // Place "User-agent: swarmcrawler" so that the limit falls right after
  // "swarmcrawl": read in part, it would name us.
  const std::string head = "User-agent: *\nDisallow: /star\n";
  std::string txt = head;
  const std::string agent = "User-agent: swarmcrawler\n";
  const size_t cut_after = std::string("User-agent: swarmcrawl").size();
  while (txt.size() + 1002 < kMaxRobotsBytes - cut_after) txt += "#" + std::string(1000, 'c') + "\n";
  txt += "#" + std::string(kMaxRobotsBytes - cut_after - txt.size() - 2, 'c') + "\n";
  REQUIRE(txt.size() + cut_after == kMaxRobotsBytes);
  txt += agent + "Disallow: /mine\n";
  const RobotsRules r = RobotsRules::Parse(txt, "swarmcrawl");
  CHECK_FALSE(r.has_group());
  CHECK_FALSE(r.Allowed("/star"));
  CHECK(r.Allowed("/mine"));

  // A line that ends exactly at the limit is read.
  std::string exact = head;
  const std::string rule = "Disallow: /edge";
  while (exact.size() + 1002 < kMaxRobotsBytes - rule.size()) exact += "#" + std::string(1000, 'c') + "\n";
  exact += "#" + std::string(kMaxRobotsBytes - rule.size() - exact.size() - 2, 'c') + "\n";
  exact += rule;
  REQUIRE(exact.size() == kMaxRobotsBytes);
  exact += "\nDisallow: /beyond\n";
  const RobotsRules e = RobotsRules::Parse(exact, "x");
  CHECK_FALSE(e.Allowed("/edge"));
  CHECK(e.Allowed("/beyond"));
}

TEST_CASE("a Disallow cut to kMaxPatternBytes never ends in half a %XX escape") {
  // The cut would fall inside "%E3": it backs off to before the '%', which
  // keeps the rule a prefix of the full one (it only disallows more).
  std::string pattern = "/" + std::string(kMaxPatternBytes - 2, 'p') + "%E3%83%84";
  const RobotsRules r = RobotsRules::Parse("User-agent: *\nDisallow: " + pattern + "\n", "x");
  REQUIRE(r.rules().size() == 1);
  CHECK(r.rules()[0].pattern == "/" + std::string(kMaxPatternBytes - 2, 'p'));
  CHECK_FALSE(r.Allowed(pattern));
}

TEST_CASE("ParseExplicit keeps only groups naming the token, with no '*' fallback") {
  const char* txt =
      "User-agent: *\n"
      "Disallow: /private\n"
      "\n"
      "User-agent: GPTBot\n"
      "User-agent: CCBot\n"
      "Disallow: /\n"
      "Allow: /press/\n"
      "Crawl-delay: 4\n"
      "\n"
      "User-agent: gptbot/1.1\n"
      "Disallow: /also\n"
      "\n"
      "User-agent: ClaudeBot\n";
  const RobotsRules gpt = RobotsRules::ParseExplicit(txt, "GPTBot");
  CHECK(gpt.has_group());
  CHECK(gpt.rules().size() == 3);  // both GPTBot groups, merged
  CHECK_FALSE(gpt.Allowed("/articles/1"));
  CHECK(gpt.Allowed("/press/x"));
  CHECK(gpt.crawl_delay_seconds() == 4.0);
  const RobotsRules cc = RobotsRules::ParseExplicit(txt, "ccbot");
  CHECK(cc.has_group());
  CHECK_FALSE(cc.Allowed("/"));
  // A group without rules is still a group naming the token.
  const RobotsRules claude = RobotsRules::ParseExplicit(txt, "ClaudeBot");
  CHECK(claude.has_group());
  CHECK(claude.rules().empty());
  CHECK(claude.Allowed("/"));
  // No group names the token: no rules, even though '*' has some.
  const RobotsRules none = RobotsRules::ParseExplicit(txt, "PerplexityBot");
  CHECK_FALSE(none.has_group());
  CHECK(none.rules().empty());
  CHECK(none.Allowed("/private"));
  CHECK_FALSE(none.crawl_delay_seconds());
  // Parse() would fall back to '*'.
  const RobotsRules fallback = RobotsRules::Parse(txt, "PerplexityBot");
  CHECK_FALSE(fallback.has_group());
  CHECK_FALSE(fallback.Allowed("/private"));
  CHECK(RobotsRules::Parse(txt, "gptbot").has_group());
  // "*" asks for the '*' groups themselves.
  const RobotsRules star = RobotsRules::ParseExplicit(txt, "*");
  CHECK(star.has_group());
  CHECK_FALSE(star.Allowed("/private"));
  CHECK_FALSE(RobotsRules::ParseExplicit(txt, "").has_group());
}

TEST_CASE("RobotsPatternMatches normalizes like RobotsRules") {
  CHECK(RobotsPatternMatches("/a", "/a/b"));
  CHECK_FALSE(RobotsPatternMatches("/a", "/b"));
  CHECK(RobotsPatternMatches("/*.pdf$", "/docs/x.pdf"));
  CHECK_FALSE(RobotsPatternMatches("/*.pdf$", "/docs/x.pdf?dl=1"));
  CHECK(RobotsPatternMatches("*.pdf", "/x.pdf"));
  CHECK(RobotsPatternMatches("docs/", "/docs/x"));  // a leading '/' is added
  CHECK(RobotsPatternMatches("/\xC3\xA4", "/%c3%a4"));
  CHECK(RobotsPatternMatches("/%7Ejoe", "/~joe"));
  CHECK(RobotsPatternMatches("/a-%2A", "/a-*"));
  CHECK_FALSE(RobotsPatternMatches("/a-%2A", "/a-b"));
  CHECK(RobotsPatternMatches("/", ""));
  CHECK(RobotsPatternMatches("*", "/anything"));
  CHECK_FALSE(RobotsPatternMatches("", "/"));  // an empty pattern matches nothing
}

// Reference matcher: dynamic programming over (pattern, path) positions.
bool ReferenceMatch(const std::string& pattern, const std::string& path) {
  std::string p = pattern;
  const bool anchored = !p.empty() && p.back() == '$';
  if (anchored) p.pop_back();
  // m[j] after processing i pattern chars: path prefix of length j matched.
  std::vector<char> m(path.size() + 1, 0);
  m[0] = 1;
  for (const char c : p) {
    std::vector<char> next(path.size() + 1, 0);
    if (c == '*') {
      char any = 0;
      for (size_t j = 0; j <= path.size(); ++j) {
        any |= m[j];
        next[j] = any;
      }
    } else {
      for (size_t j = 0; j < path.size(); ++j) next[j + 1] = m[j] && path[j] == c;
    }
    m.swap(next);
  }
  if (anchored) return m[path.size()] != 0;
  for (const char v : m) {
    if (v) return true;
  }
  return false;
}

TEST_CASE("the pattern matcher agrees with a reference matcher on random inputs") {
  std::mt19937 rng(9309);
  const auto random_string = [&rng](const char* alphabet, size_t alphabet_size, size_t max_len) {
    std::string s;
    const size_t len = rng() % (max_len + 1);
    for (size_t i = 0; i < len; ++i) s.push_back(alphabet[rng() % alphabet_size]);
    return s;
  };
  int matched = 0;
  for (int i = 0; i < 20000; ++i) {
    // Long runs of 'a' and 'b' exercise both the short and the long
    // (Knuth-Morris-Pratt) substring search.
    const bool long_pieces = i % 2 == 1;
    std::string pattern = "/" + random_string(long_pieces ? "aab" : "ab*", 3, long_pieces ? 40 : 8);
    if (long_pieces && rng() % 2 == 0) pattern.insert(1 + rng() % pattern.size(), "*");
    if (long_pieces && rng() % 2 == 0) pattern.insert(1 + rng() % pattern.size(), "*");
    if (rng() % 3 == 0) pattern += "$";
    const std::string path = "/" + random_string("aab", 3, long_pieces ? 120 : 12);
    CAPTURE(pattern);
    CAPTURE(path);
    const bool want = ReferenceMatch(pattern, path);
    matched += want;
    REQUIRE(RobotsPatternMatches(pattern, path) == want);
  }
  CHECK(matched > 1000);
  CHECK(matched < 19000);
}

TEST_CASE("hostile patterns against long paths complete (no backtracking blow-up)") {
  // Timing-free: with an exponential matcher these would not return.
  const std::string path8k = "/" + std::string(8 * 1024, 'a');
  CHECK_FALSE(RobotsPatternMatches("/*a*a*a*a*a*a*a*a*a*b", path8k));
  CHECK(RobotsPatternMatches("/*a*a*a*a*a*a*a*a*a*b", path8k + "b"));
  CHECK_FALSE(RobotsPatternMatches("/*a*a*a*a*a*a*a*a*a*b$", path8k + "ba"));
  // Long pattern pieces: a file full of "*aaaa...ab" rules costs rules x
  // (pattern + path), not rules x pattern x path.
  std::string txt = "User-agent: *\n";
  const std::string piece(kMaxPatternBytes - 8, 'a');
  for (int i = 0; txt.size() + piece.size() + 32 < kMaxRobotsBytes; ++i) {
    txt += "Disallow: *" + piece + "b" + std::to_string(i) + "\n";
  }
  const RobotsRules r = RobotsRules::Parse(txt, "x");
  CHECK(r.rules().size() > 200);
  CHECK(r.Allowed(path8k));
  CHECK(r.Allowed(path8k + "b"));
  CHECK_FALSE(r.Allowed(path8k + "b7"));
}

TEST_CASE("ProductToken finds the crawler in browser-style User-Agent strings") {
  // The example of RFC 9309 section 2.2.1.
  CHECK(ProductToken("Mozilla/5.0 (compatible; ExampleBot/0.1; https://www.example.com/bot.html)") ==
        "examplebot");
  CHECK(ProductToken("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)") ==
        "googlebot");
  CHECK(ProductToken("Mozilla/5.0 (compatible;SwarmCrawl)") == "swarmcrawl");
  CHECK(ProductToken("Mozilla/5.0 (X11; Linux x86_64)") == "mozilla");
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

TEST_CASE("every rule of a long robots.txt is kept and matching stays bounded") {
  // 3,000 rules (53 KB): the last ones disallow as much as the first.
  std::string list = "User-agent: *\n";
  for (int i = 0; i < 3000; ++i) list += "Disallow: /p" + std::to_string(i) + "/\n";
  const RobotsRules all = RobotsRules::Parse(list, "bot");
  CHECK(all.rules().size() == 3000);
  CHECK_FALSE(all.Allowed("/p0/x"));
  CHECK_FALSE(all.Allowed("/p2001/x"));
  CHECK_FALSE(all.Allowed("/p2999/"));
  CHECK(all.Allowed("/p3000/"));
  CHECK(all.Allowed("/q/"));
  // As many rules as 500 KiB holds, matched against 2,000 URLs.
  std::string full = "User-agent: *\n";
  for (int i = 0; full.size() + 24 < kMaxRobotsBytes; ++i) full += "Disallow: /d" + std::to_string(i) + "\n";
  const RobotsRules most = RobotsRules::Parse(full, "bot");
  CHECK(most.rules().size() > 25000);
  CHECK(most.rules().size() <= kMaxRules);
  const auto m0 = std::chrono::steady_clock::now();
  int disallowed = 0;
  for (int i = 0; i < 2000; ++i) disallowed += most.Allowed("/d" + std::to_string(i * 17) + "/page") ? 0 : 1;
  CHECK(disallowed == 2000);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - m0).count() < 2.0);
}

TEST_CASE("robots patterns are capped and the caps err on the side of disallowing") {
  std::string txt = "User-agent: *\n";
  for (int i = 0; i < 5000; ++i) txt += "Disallow: *aaab" + std::to_string(i) + "\n";
  RobotsRules many = RobotsRules::Parse(txt, "bot");
  CHECK(many.rules().size() == 5000);
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

namespace swarmcrawl {

TEST_CASE("the body a worker sends is what swarmcrawl robots parses: legacy bytes escaped, a cut line dropped") {
  // A Latin-1 "é" is not UTF-8: it is escaped, so the rule still matches the
  // percent-encoded URL path (and the text can travel as JSON).
  const std::string body = RobotsBodyForParsing("User-agent: *\nDisallow: /caf\xE9\n");
  CHECK(body == "User-agent: *\nDisallow: /caf%E9\n");
  const RobotsRules latin1 = RobotsRules::Parse(body, "bot");
  CHECK_FALSE(latin1.Allowed("/caf%E9"));
  CHECK_FALSE(latin1.Allowed("/caf%e9/menu"));
  CHECK(latin1.Allowed("/cafe"));
  // Valid UTF-8 passes unchanged.
  CHECK(RobotsBodyForParsing("Disallow: /\xC3\xA4\n") == "Disallow: /\xC3\xA4\n");

  // A longer file arrives as its first kMaxRobotsBytes + 1 bytes: the line
  // the limit cuts ("Allow: /public" of "Allow: /public-files") is dropped,
  // so it cannot widen into an Allow for "/public".
  std::string big = "User-agent: *\nDisallow: /\n";
  while (big.size() + 100 < kMaxRobotsBytes) big += "# " + std::string(60, 'f') + "\n";
  const std::string allow = "Allow: /public-files\n";
  big += "#" + std::string(kMaxRobotsBytes - big.size() - 15, 'g') + "\n";
  big += allow;
  REQUIRE(big.size() > kMaxRobotsBytes + 1);
  const std::string fetched = big.substr(0, kMaxRobotsBytes + 1);  // what the fetcher keeps
  const std::string parsed = RobotsBodyForParsing(fetched);
  CHECK(parsed.size() <= kMaxRobotsBytes);
  CHECK(parsed.find("Allow: /p") == std::string::npos);
  const RobotsRules r = RobotsRules::Parse(parsed, "bot");
  CHECK_FALSE(r.Allowed("/public"));
  CHECK_FALSE(r.Allowed("/public-files"));
  // Escaping can lengthen a body past the limit: it is cut to whole lines again.
  const std::string bytes(kMaxRobotsBytes / 2, '\xFF');
  CHECK(RobotsBodyForParsing("Disallow: /x\n" + bytes + "\n").size() <= kMaxRobotsBytes);
}

}  // namespace swarmcrawl
