#include "parsers/html_page.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace swarmcrawl {
namespace {

constexpr char kPage[] = "http://example.com/dir/page.html";

using Links = std::vector<std::string>;

bool IsValidUtf8(const std::string& s) { return SanitizeUtf8(s) == s; }

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_CASE("relative links are resolved against the page URL") {
  const HtmlPage p = ParseHtmlPage(
      "<a href='other.html'>1</a><a href='/root'>2</a><a href='../up/'>3</a>"
      "<a href='//cdn.example.net/x'>4</a><a href='HTTPS://Example.ORG:443/a'>5</a>"
      "<a href='?q=1'>6</a>",
      kPage);
  CHECK(p.outlinks == Links{"http://example.com/dir/other.html", "http://example.com/root",
                            "http://example.com/up/", "http://cdn.example.net/x",
                            "https://example.org/a", "http://example.com/dir/page.html?q=1"});
  CHECK(p.base_url == kPage);
  CHECK_FALSE(p.truncated);
}

TEST_CASE("<base href> sets the base for every link, including earlier ones") {
  const HtmlPage p = ParseHtmlPage(
      "<html><body><a href='early'>e</a>"
      "<base href='/sub/'><base href='http://ignored.example/'>"
      "<a href='late'>l</a></body></html>",
      kPage);
  CHECK(p.base_url == "http://example.com/sub/");
  CHECK(p.outlinks == Links{"http://example.com/sub/early", "http://example.com/sub/late"});

  const HtmlPage absolute = ParseHtmlPage(
      "<head><base href='https://other.example/a/b/'></head><a href='c'>x</a>", kPage);
  CHECK(absolute.base_url == "https://other.example/a/b/");
  CHECK(absolute.outlinks == Links{"https://other.example/a/b/c"});

  // An unusable <base href> leaves the page URL as the base.
  const HtmlPage bad = ParseHtmlPage("<base href='javascript:void(0)'><a href='c'>x</a>", kPage);
  CHECK(bad.base_url == kPage);
  CHECK(bad.outlinks == Links{"http://example.com/dir/c"});
}

TEST_CASE("links lose fragments, are de-duplicated in order, and only http(s) kept") {
  const HtmlPage p = ParseHtmlPage(
      "<a href='b#one'>1</a><a href='a'>2</a><a href='b#two'>3</a><a href='./a'>4</a>"
      "<a href='#top'>self</a><a href='javascript:void(0)'>js</a><a href='mailto:x@y.z'>m</a>"
      "<a href='ftp://example.com/f'>f</a><a href='data:text/plain,x'>d</a><a>no href</a>"
      "<map><area href='area.html'></map><link rel='next' href='not-an-outlink'>"
      "<a href='  spaced \n'>s</a><a rel='nofollow' href='nf'>nf</a>",
      kPage);
  CHECK(p.outlinks == Links{"http://example.com/dir/b", "http://example.com/dir/a",
                            "http://example.com/dir/page.html", "http://example.com/dir/area.html",
                            "http://example.com/dir/spaced", "http://example.com/dir/nf"});
}

TEST_CASE("links inside noscript are kept, links inside template and svg are not") {
  const HtmlPage p = ParseHtmlPage(
      "<body><noscript><a href='ns'>x</a></noscript><template><a href='tpl'>t</a></template>"
      "<svg><a href='svg'>s</a></svg></body>",
      kPage);
  CHECK(p.outlinks == Links{"http://example.com/dir/ns"});
}

TEST_CASE("max_links caps the outlinks and sets truncated") {
  std::string html;
  for (int i = 0; i < 20; ++i) {
    html += "<a href='/l" + std::to_string(i) + "'>x</a><a href='/l0'>dup</a>";
  }
  HtmlLimits limits;
  limits.max_links = 5;
  const HtmlPage p = ParseHtmlPage(html, kPage, limits);
  REQUIRE(p.outlinks.size() == 5);
  CHECK(p.outlinks.front() == "http://example.com/l0");
  CHECK(p.outlinks.back() == "http://example.com/l4");
  CHECK(p.truncated);

  limits.max_links = 20;  // exactly enough: duplicates do not count
  const HtmlPage exact = ParseHtmlPage(html, kPage, limits);
  CHECK(exact.outlinks.size() == 20);
  CHECK_FALSE(exact.truncated);
}

TEST_CASE("title: the first <title>, whitespace collapsed") {
  const HtmlPage p = ParseHtmlPage(
      "<html><head><title>\n  Hello \t  World  </title><title>Second</title></head>"
      "<body><svg><title>svg title</title></svg></body></html>",
      kPage);
  CHECK(p.title == "Hello World");
  CHECK(ParseHtmlPage("<p>no title</p>", kPage).title.empty());
  CHECK(ParseHtmlPage("<title>a &amp; b</title>", kPage).title == "a & b");
}

TEST_CASE("text drops script, style, noscript, template, head and svg content") {
  const HtmlPage p = ParseHtmlPage(
      "<html><head><title>T</title><style>.x{color:red}</style><script>var a=1;</script></head>"
      "<body>visible<script>hidden1()</script><style>hidden2</style>"
      "<noscript>hidden3</noscript><template>hidden4</template>"
      "<svg><text>hidden5</text></svg><iframe>hidden6</iframe> end</body></html>",
      kPage);
  CHECK(p.text == "visible end");
}

TEST_CASE("block elements start lines, and inline elements and whitespace do not") {
  const HtmlPage p = ParseHtmlPage(
      "<body>  <h1>Head  line</h1><p>one <b>bold</b>\n\n   two</p>"
      "<div><div>nested</div></div><ul><li>a</li><li>b</li></ul>"
      "x<br>y<table><tr><td>c1</td><td>c2</td></tr><tr><td>c3</td></tr></table>"
      "<span>in</span><span>line</span></body>",
      kPage);
  CHECK(p.text == "Head line\none bold two\nnested\na\nb\nx\ny\nc1 c2\nc3\ninline");
}

TEST_CASE("pre keeps its spacing") {
  const HtmlPage p = ParseHtmlPage("<p>a   b</p><pre>x   y\n  z</pre><p>c</p>", kPage);
  CHECK(p.text == "a b\nx   y\n  z\nc");
}

TEST_CASE("meta robots directives") {
  auto parse = [](const std::string& meta) {
    return ParseHtmlPage("<head>" + meta + "</head>", kPage);
  };
  HtmlPage p = parse("<meta name='robots' content='noindex, nofollow'>");
  CHECK(p.meta_noindex);
  CHECK(p.meta_nofollow);
  p = parse("<meta name='ROBOTS' content='NOINDEX'>");
  CHECK(p.meta_noindex);
  CHECK_FALSE(p.meta_nofollow);
  p = parse("<meta name='robots' content='index,nofollow'>");
  CHECK_FALSE(p.meta_noindex);
  CHECK(p.meta_nofollow);
  p = parse("<meta name='robots' content='None'>");
  CHECK(p.meta_noindex);
  CHECK(p.meta_nofollow);
  p = parse("<meta name='googlebot' content='noindex,nofollow'>"
            "<meta name='description' content='noindex'>");
  CHECK_FALSE(p.meta_noindex);
  CHECK_FALSE(p.meta_nofollow);
  p = parse("<meta name='robots' content='all'>");
  CHECK_FALSE(p.meta_noindex);
  CHECK_FALSE(p.meta_nofollow);
}

TEST_CASE("meta robots noai and noimageai") {
  auto parse = [](const std::string& meta) {
    return ParseHtmlPage("<head>" + meta + "</head>", kPage);
  };
  HtmlPage p = parse("<meta name='robots' content='noai, noimageai'>");
  CHECK(p.meta_noai);
  CHECK(p.meta_noimageai);
  CHECK_FALSE(p.meta_noindex);
  CHECK_FALSE(p.meta_nofollow);
  p = parse("<meta name='Robots' content='NOAI'>");
  CHECK(p.meta_noai);
  CHECK_FALSE(p.meta_noimageai);
  p = parse("<meta name=' robots ' content='noimageai'>");
  CHECK_FALSE(p.meta_noai);
  CHECK(p.meta_noimageai);
  p = parse("<meta name='robots' content='none'>");  // none is not an AI opt-out
  CHECK_FALSE(p.meta_noai);
  CHECK_FALSE(p.meta_noimageai);
  p = parse("<meta name='description' content='noai noimageai'><meta name='robots'>");
  CHECK_FALSE(p.meta_noai);
  CHECK_FALSE(p.meta_noimageai);
}

TEST_CASE("every robots and product-token meta counts, other bots do not") {
  HtmlLimits limits;
  limits.product_token = "swarmcrawl";
  const std::string html =
      "<head><meta name='robots' content='noai'><meta name='SwarmCrawl' content='nofollow'>"
      "<meta name='googlebot' content='noindex'><meta name='gptbot' content='noimageai'>"
      "</head><body><meta name='SWARMCRAWL' content='noimageai'></body>";
  HtmlPage p = ParseHtmlPage(html, kPage, limits);
  CHECK(p.meta_noai);
  CHECK(p.meta_nofollow);
  CHECK(p.meta_noimageai);
  CHECK_FALSE(p.meta_noindex);

  // Without a product token only name=robots applies.
  p = ParseHtmlPage(html, kPage);
  CHECK(p.meta_noai);
  CHECK_FALSE(p.meta_nofollow);
  CHECK_FALSE(p.meta_noimageai);
  CHECK_FALSE(p.meta_noindex);

  // A later "all" or "index" does not clear an earlier opt-out.
  limits.product_token = "SwarmCrawl";  // compared case-insensitively even if not lower-case
  p = ParseHtmlPage("<meta name='robots' content='noindex'><meta name='swarmcrawl' content='all'>"
                    "<meta name='swarmcrawl' content='none, noai'>",
                    kPage, limits);
  CHECK(p.meta_noindex);
  CHECK(p.meta_nofollow);
  CHECK(p.meta_noai);
}

TEST_CASE("meta tdm-reservation and tdm-policy: first occurrence, trimmed, clamped") {
  HtmlPage p = ParseHtmlPage(
      "<head><meta name='TDM-Reservation' content=' 1 '>"
      "<meta name='tdm-policy' content='\n https://p.example/policy.json '>"
      "<meta name='tdm-reservation' content='0'>"
      "<meta name='tdm-policy' content='https://p.example/second'></head>",
      kPage);
  CHECK(p.tdm_reservation == "1");
  CHECK(p.tdm_policy == "https://p.example/policy.json");

  p = ParseHtmlPage("<p>no meta</p>", kPage);
  CHECK(p.tdm_reservation.empty());
  CHECK(p.tdm_policy.empty());

  // Kept as written, even when it is not a valid value; a meta without content is skipped.
  p = ParseHtmlPage("<meta name='tdm-reservation'><meta name='tdm-reservation' content='yes'>"
                    "<body><meta name='Tdm-Policy' content='x'></body>",
                    kPage);
  CHECK(p.tdm_reservation == "yes");
  CHECK(p.tdm_policy == "x");

  // Huge values are cut to 2048 bytes without splitting a character, and made valid UTF-8.
  std::string euros;
  for (int i = 0; i < 2000; ++i) euros += "\xE2\x82\xAC";
  p = ParseHtmlPage("<meta name='tdm-policy' content='" + euros + "'>"
                    "<meta name='tdm-reservation' content='1\xFF'>",
                    kPage);
  CHECK(p.tdm_policy.size() == 2046);
  CHECK(IsValidUtf8(p.tdm_policy));
  CHECK(p.tdm_reservation == "1\xEF\xBF\xBD");
}

TEST_CASE("link rel=canonical is resolved and canonicalized") {
  HtmlPage p = ParseHtmlPage("<link rel='Canonical' href='/Canon/../x?#f'>", kPage);
  CHECK(p.canonical == "http://example.com/x");
  p = ParseHtmlPage("<link rel='alternate' href='/alt'><link rel='alternate canonical' href='c'>"
                    "<link rel='canonical' href='/second'>",
                    kPage);
  CHECK(p.canonical == "http://example.com/dir/c");
  p = ParseHtmlPage("<base href='/b/'><link rel=canonical href='c'>", kPage);
  CHECK(p.canonical == "http://example.com/b/c");
  CHECK(ParseHtmlPage("<link rel='canonical' href='mailto:x@y'>", kPage).canonical.empty());
  CHECK(ParseHtmlPage("<p>none</p>", kPage).canonical.empty());
}

TEST_CASE("html lang is trimmed and kept as written") {
  CHECK(ParseHtmlPage("<html lang=' en-US '><body>x</body></html>", kPage).lang == "en-US");
  CHECK(ParseHtmlPage("<p>x</p>", kPage).lang.empty());
}

TEST_CASE("invalid UTF-8 in title, text and lang yields valid UTF-8") {
  const std::string html =
      "<html lang='e\xFFn'><title>bad \xC3\x28 title \xED\xA0\x80</title>"
      "<body>text \xF0\x9F\x98 here \xC0\xAF and \xE2\x82\xAC ok</body></html>";
  const HtmlPage p = ParseHtmlPage(html, kPage);
  CHECK(IsValidUtf8(p.title));
  CHECK(IsValidUtf8(p.text));
  CHECK(IsValidUtf8(p.lang));
  CHECK(p.text.find("\xEF\xBF\xBD") != std::string::npos);
  CHECK(p.text.find("\xE2\x82\xAC ok") != std::string::npos);  // valid text survives
  CHECK(p.title.find("title") != std::string::npos);
}

TEST_CASE("SanitizeUtf8 replaces each invalid sequence with U+FFFD") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(SanitizeUtf8("plain ascii") == "plain ascii");
  const std::string valid = "\xC3\xA4\xE2\x82\xAC\xF0\x9F\x98\x80";  // 2-, 3- and 4-byte
  CHECK(SanitizeUtf8(valid) == valid);
  CHECK(SanitizeUtf8("a\x80z") == "a" + fffd + "z");
  CHECK(SanitizeUtf8("\xFF\xFE") == fffd + fffd);
  CHECK(SanitizeUtf8("\xC0\xAF") == fffd + fffd);                   // overlong '/'
  CHECK(SanitizeUtf8("\xE0\x80\xAF") == fffd + fffd + fffd);        // overlong, 3 bytes
  CHECK(SanitizeUtf8("\xED\xA0\x80") == fffd + fffd + fffd);        // surrogate U+D800
  CHECK(SanitizeUtf8("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // > U+10FFFF
  CHECK(SanitizeUtf8("x\xE2\x82") == "x" + fffd);                   // truncated at the end
  CHECK(SanitizeUtf8("\xE2\x82x") == fffd + "x");  // one U+FFFD per maximal subpart
  CHECK(SanitizeUtf8(std::string("a\0b", 3)) == std::string("a\0b", 3));
  CHECK(SanitizeUtf8("") == "");
}

TEST_CASE("max_text_bytes caps text without splitting a character") {
  std::string html = "<p>";
  for (int i = 0; i < 100; ++i) html += "\xE2\x82\xAC";  // 3-byte euro signs
  html += "</p>";
  HtmlLimits limits;
  limits.max_text_bytes = 10;
  const HtmlPage p = ParseHtmlPage(html, kPage, limits);
  CHECK(p.truncated);
  CHECK(p.text == "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC");
  CHECK_FALSE(ParseHtmlPage(html, kPage).truncated);
}

TEST_CASE("max_depth stops descending but the walk continues after the deep subtree") {
  HtmlLimits limits;
  limits.max_depth = 5;  // html=1, body=2, div=3, div=4, div=5
  const HtmlPage p = ParseHtmlPage(
      "<body><div><div><div>level5<div>too deep<a href='/deep'>d</a></div></div></div></div>"
      "<p>after <a href='/after'>a</a></p></body>",
      kPage, limits);
  CHECK(p.truncated);
  CHECK(p.text == "level5\nafter a");
  CHECK(p.outlinks == Links{"http://example.com/after"});
}

TEST_CASE("100,000 nested divs neither crash nor take long") {
  std::string html = "<html><body><p>before <a href='/before'>b</a></p>";
  for (int i = 0; i < 100000; ++i) html += "<div>";
  html += "deep";
  for (int i = 0; i < 100000; ++i) html += "</div>";
  const auto start = std::chrono::steady_clock::now();
  const HtmlPage p = ParseHtmlPage(html, kPage);
  CHECK(SecondsSince(start) < 2.0);
  CHECK(p.truncated);
  CHECK(p.text.rfind("before b", 0) == 0);
  CHECK(p.outlinks == Links{"http://example.com/before"});
}

TEST_CASE("other deeply nesting constructs stay fast") {
  // Each pattern makes the HTML tree builder nest deeper and deeper, through
  // formatting-element reconstruction, misnesting or foreign content.
  for (const char* unit : {"<b>", "<span>", "<a><div>", "<em><a>", "<tt><button>",
                           "<svg><foreignObject><div>", "<table><tr><td>", "<font><div>",
                           "<b><div></b>", "<math><mtext><i>"}) {
    const std::string name = unit;
    CAPTURE(name);
    std::string html = "<body>";
    for (int i = 0; i < 40000; ++i) html += unit;
    const auto start = std::chrono::steady_clock::now();
    const HtmlPage p = ParseHtmlPage(html, kPage);
    CHECK(SecondsSince(start) < 2.0);
    CHECK(p.truncated);
  }
}

TEST_CASE("sloppy but ordinary HTML with thousands of implied end tags is not truncated") {
  std::string html = "<body><table>";
  for (int i = 0; i < 3000; ++i) html += "<tr><td>row<td/><td>x";
  html += "</table><ul>";
  for (int i = 0; i < 3000; ++i) html += "<li>item <a href='/i" + std::to_string(i) + "'>link";
  html += "</ul>";
  for (int i = 0; i < 3000; ++i) html += "<p>para <b>bold</b> <i>it</i> <font color=red>f</font>";
  for (int i = 0; i < 3000; ++i) html += "<dl><dt>t<dd>d</dl><select><option>o<option>p</select>";
  const HtmlPage p = ParseHtmlPage(html, kPage);
  CHECK_FALSE(p.truncated);
  CHECK(p.outlinks.size() == 3000);
  CHECK(p.text.size() > 3000 * 10);
}

TEST_CASE("degenerate input") {
  HtmlPage p = ParseHtmlPage("", kPage);
  CHECK(p.text.empty());
  CHECK(p.outlinks.empty());
  CHECK(p.base_url == kPage);
  p = ParseHtmlPage(std::string("\0\0<<<>>>&&&\xFF", 12), kPage);
  CHECK(IsValidUtf8(p.text));
  // Without a usable page URL only absolute links survive.
  p = ParseHtmlPage("<a href='rel'>r</a><a href='http://Abs.example/x'>a</a>", "not a url");
  CHECK(p.outlinks == Links{"http://abs.example/x"});
}

}  // namespace
}  // namespace swarmcrawl

namespace swarmcrawl {

// Inputs from a review of hostile pages: each once made Gumbo quadratic or
// blew memory up by orders of magnitude. Each must now finish fast and small.
static double Seconds(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

static std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST_CASE("hostile nesting tricks are cut before Gumbo goes quadratic") {
  for (const std::string& doc :
       {"<!-->" + Repeat("<div>", 200000), "<!--->" + Repeat("<div>", 200000),
        Repeat("<li><ul></li>", 80000), Repeat("<form><div></form>", 60000)}) {
    HtmlPage page;
    const double secs = Seconds([&] { page = ParseHtmlPage(doc, "http://a.test/"); });
    CHECK(secs < 2.0);
    CHECK(page.truncated);
  }
}

TEST_CASE("re-opened formatting elements with big attributes stay within a budget") {
  const std::string doc =
      "<p><b x=\"" + std::string(10000, 'a') + "\">" + Repeat("<p>x", 20000);
  HtmlPage page;
  const double secs = Seconds([&] { page = ParseHtmlPage(doc, "http://a.test/"); });
  CHECK(secs < 2.0);
  CHECK(page.truncated);
}

TEST_CASE("a huge <base href> is ignored and over-long links are dropped") {
  const std::string doc = "<base href=\"http://x.test/" + std::string(100000, 'a') + "\">" +
                          Repeat("<a href=?i>x</a>", 10) + "<a href='/ok'>ok</a>" +
                          "<a href='/" + std::string(9000, 'b') + "'>long</a>";
  HtmlPage page = ParseHtmlPage(doc, "http://a.test/dir/page");
  CHECK(page.base_url == "http://a.test/dir/page");
  for (const auto& l : page.outlinks) CHECK(l.size() <= 8192);
  CHECK(std::find(page.outlinks.begin(), page.outlinks.end(), "http://a.test/ok") !=
        page.outlinks.end());
  CHECK(std::find(page.outlinks.begin(), page.outlinks.end(), "http://a.test/dir/page?i") !=
        page.outlinks.end());
}

}  // namespace swarmcrawl
