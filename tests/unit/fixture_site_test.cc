// Tests for the generated fixture website. The central check is an independent
// crawl: it reads only the served bytes (hrefs found by a small tag scanner, <base href>,
// Location headers, robots.txt) and must arrive at exactly the expectations the
// site computes from its own link data.
#include "tests/support/fixture_site.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using swarmcrawl::testing::FixtureOptions;
using swarmcrawl::testing::FixtureResponse;
using swarmcrawl::testing::FixtureSite;

constexpr char kHostPort[] = "127.0.0.1:8123";

FixtureOptions Options(uint64_t seed = 1, int pages = 600) {
  FixtureOptions o;
  o.pages = pages;
  o.seed = seed;
  o.slow_ms = 250;
  o.host_port = kHostPort;
  return o;
}

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// "scheme:" per RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
bool HasScheme(const std::string& ref) {
  size_t colon = ref.find(':');
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(ref[0]))) {
    return false;
  }
  for (size_t i = 1; i < colon; ++i) {
    char c = ref[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

std::string Header(const FixtureResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

// RFC 3986 section 5.2.4, enough for the absolute paths the fixture writes.
std::string RemoveDotSegments(const std::string& path) {
  std::vector<std::string> out;
  std::string last;
  for (size_t i = 1; i <= path.size();) {  // path[0] is '/'
    size_t j = std::min(path.find('/', i), path.size());
    last = path.substr(i, j - i);
    if (last == "..") {
      if (!out.empty()) out.pop_back();
    } else if (last != "." && !(last.empty() && j == path.size())) {
      out.push_back(last);
    }
    i = j + 1;
  }
  std::string r;
  for (const std::string& s : out) r += "/" + s;
  // A final "", "." or ".." segment names a directory.
  if (r.empty() || last.empty() || last == "." || last == "..") r += "/";
  return r;
}

// The in-scope path_query that `href` designates from the document at
// `base` (itself a path_query), or nullopt when it leaves http://kHostPort.
std::optional<std::string> Resolve(std::string href, const std::string& base) {
  for (size_t p; (p = href.find("&amp;")) != std::string::npos;) href.replace(p, 5, "&");
  href = href.substr(0, href.find('#'));
  const std::string origin = std::string("http://") + kHostPort;
  std::string target;
  if (StartsWith(href, "//")) {
    if (!StartsWith(href + "/", "//" + std::string(kHostPort) + "/")) return std::nullopt;
    target = href.substr(2 + std::string(kHostPort).size());
  } else if (HasScheme(href)) {
    if (href != origin && !StartsWith(href, origin + "/")) return std::nullopt;
    target = href.substr(origin.size());
  } else if (href.empty()) {
    target = base;
  } else if (href[0] == '/') {
    target = href;
  } else if (href[0] == '?') {
    target = base.substr(0, base.find('?')) + href;
  } else {
    std::string base_path = base.substr(0, base.find('?'));
    target = base_path.substr(0, base_path.rfind('/') + 1) + href;
  }
  if (target.empty()) target = "/";
  size_t q = target.find('?');
  std::string query = q == std::string::npos ? "" : target.substr(q);
  return RemoveDotSegments(target.substr(0, q)) + query;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The quoted value of attribute `name` inside the tag text `tag`, if any.
std::optional<std::string> Attribute(const std::string& tag, const std::string& name) {
  std::string lower = Lower(tag);
  for (size_t at = lower.find(name); at != std::string::npos; at = lower.find(name, at + 1)) {
    if (at == 0 || !std::isspace(static_cast<unsigned char>(lower[at - 1]))) continue;
    size_t i = at + name.size();
    while (i < tag.size() && tag[i] == ' ') ++i;
    if (i >= tag.size() || tag[i] != '=') continue;
    ++i;
    while (i < tag.size() && tag[i] == ' ') ++i;
    if (i >= tag.size() || (tag[i] != '"' && tag[i] != '\'')) continue;
    size_t end = tag.find(tag[i], i + 1);
    if (end == std::string::npos) return std::nullopt;
    return tag.substr(i + 1, end - i - 1);
  }
  return std::nullopt;
}

// The text of every start tag named `name` ("a", "base"), without the brackets.
// A plain scanner rather than std::regex: GCC 12's <regex> trips
// -Werror=maybe-uninitialized in sanitizer builds.
std::vector<std::string> Tags(const std::string& html, const std::string& name) {
  std::vector<std::string> out;
  const std::string lower = Lower(html);
  const std::string open = "<" + name;
  for (size_t at = lower.find(open); at != std::string::npos; at = lower.find(open, at + 1)) {
    size_t after = at + open.size();
    if (after >= html.size() || !std::isspace(static_cast<unsigned char>(html[after]))) continue;
    size_t end = html.find('>', after);
    if (end == std::string::npos) break;
    out.push_back(html.substr(at + 1, end - at - 1));
  }
  return out;
}

std::vector<std::string> Hrefs(const std::string& html) {
  std::vector<std::string> out;
  for (const std::string& tag : Tags(html, "a")) {
    if (std::optional<std::string> href = Attribute(tag, "href")) out.push_back(*href);
  }
  return out;
}

std::optional<std::string> BaseHref(const std::string& html) {
  for (const std::string& tag : Tags(html, "base")) {
    if (std::optional<std::string> href = Attribute(tag, "href")) return href;
  }
  return std::nullopt;
}

// The value of every "Disallow:" line that applies to "User-agent: *" (the
// only group the fixture writes).
std::vector<std::string> Disallows(const std::string& robots_txt) {
  std::vector<std::string> out;
  std::istringstream in(robots_txt);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Disallow:", 0) != 0) continue;
    std::string value = line.substr(9);
    value.erase(0, value.find_first_not_of(' '));
    if (!value.empty()) out.push_back(value);
  }
  return out;
}

bool IsArticlePath(const std::string& path) {
  // /news|blog|shop/p-N.html or /docs/ch-K/p-N.html
  size_t p = path.rfind("/p-");
  if (p == std::string::npos || path.size() < p + 9 || path.substr(path.size() - 5) != ".html") {
    return false;
  }
  std::string digits = path.substr(p + 3, path.size() - 5 - p - 3);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  std::string dir = path.substr(0, p);
  return dir == "/news" || dir == "/blog" || dir == "/shop" ||
         (dir.size() == 10 && dir.rfind("/docs/ch-", 0) == 0 && std::isdigit(static_cast<unsigned char>(dir[9])));
}

struct Crawl {
  std::set<std::string> requested;
  std::set<std::string> html;
  std::set<std::string> disallowed_links;  // linked, but robots.txt forbids
};

// A breadth-first crawl that trusts only what the site serves.
Crawl IndependentCrawl(const FixtureSite& site) {
  std::optional<FixtureResponse> robots = site.Get("/robots.txt");
  REQUIRE(robots.has_value());
  const std::vector<std::string> disallow = Disallows(robots->body);
  REQUIRE(!disallow.empty());

  Crawl crawl;
  std::set<std::string> seen = {"/robots.txt", "/"};
  std::deque<std::string> queue(seen.begin(), seen.end());
  auto discover = [&](const std::optional<std::string>& t) {
    if (t && seen.insert(*t).second) queue.push_back(*t);
  };
  for (int steps = 0; !queue.empty() && steps < 100000; ++steps) {
    std::string path = queue.front();
    queue.pop_front();
    bool allowed = std::none_of(disallow.begin(), disallow.end(),
                                [&](const std::string& d) { return StartsWith(path, d); });
    if (!allowed) {
      crawl.disallowed_links.insert(path);
      continue;
    }
    crawl.requested.insert(path);
    std::optional<FixtureResponse> r = site.Get(path);
    if (!r) continue;
    if (r->status >= 300 && r->status < 400) {
      discover(Resolve(Header(*r, "Location"), path));
    } else if (r->status == 200 && StartsWith(r->content_type, "text/html")) {
      crawl.html.insert(path);
      std::string base = path;
      if (std::optional<std::string> b = BaseHref(r->body)) {
        std::optional<std::string> resolved = Resolve(*b, path);
        REQUIRE(resolved.has_value());
        base = *resolved;
      }
      for (const std::string& href : Hrefs(r->body)) discover(Resolve(href, base));
    }
  }
  return crawl;
}

std::set<std::string> AsSet(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// "-x" for elements only in `a`, "+y" for those only in `b`: readable failures.
std::string Diff(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::string out;
  for (const std::string& x : a) {
    if (!b.count(x)) out += " -" + x;
  }
  for (const std::string& y : b) {
    if (!a.count(y)) out += " +" + y;
  }
  return out;
}

bool ValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    if (len == 2 && c < 0xC2) return false;  // overlong
    for (int k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (len == 3 && c == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) return false;
    i += len;
  }
  return true;
}

}  // namespace

TEST_CASE("fixture site: same seed gives identical responses, another seed differs") {
  FixtureSite a(Options(1)), b(Options(1)), c(Options(2));
  REQUIRE(a.ExpectedRequestPaths() == b.ExpectedRequestPaths());
  REQUIRE(a.ExpectedHtmlPaths() == b.ExpectedHtmlPaths());
  int differing = 0;
  for (const std::string& path : a.ExpectedRequestPaths()) {
    std::optional<FixtureResponse> ra = a.Get(path), rb = b.Get(path), rc = c.Get(path);
    REQUIRE(ra.has_value() == rb.has_value());
    if (!ra) continue;
    CHECK(ra->status == rb->status);
    CHECK(ra->content_type == rb->content_type);
    CHECK(ra->body == rb->body);
    CHECK(ra->headers == rb->headers);
    CHECK(ra->delay_ms == rb->delay_ms);
    if (rc && rc->body != ra->body) ++differing;
  }
  CHECK(differing > 500);
}

TEST_CASE("fixture site: hundreds of article-like pages") {
  FixtureSite site(Options());
  std::vector<std::string> html = site.ExpectedHtmlPaths();
  CHECK(html.size() >= 500);
  int articles = 0;
  for (const std::string& path : html) {
    if (!IsArticlePath(path)) continue;
    ++articles;
    std::optional<FixtureResponse> r = site.Get(path);
    REQUIRE(r.has_value());
    CAPTURE(path);
    CHECK(r->status == 200);
    CHECK(r->content_type == "text/html; charset=utf-8");
    CHECK(r->body.size() >= 2000);
    CHECK(r->body.size() <= 8192);
    for (const char* tag : {"<title>", "<nav>", "<h1>", "<h2", "<p>", "<footer>", "</html>"}) {
      CHECK(r->body.find(tag) != std::string::npos);
    }
  }
  CHECK(articles == 599);
  for (const char* section : {"/", "/news/", "/blog/", "/docs/", "/docs/ch-0/", "/shop/"}) {
    CHECK(std::binary_search(html.begin(), html.end(), section));
  }
}

TEST_CASE("fixture site: an independent crawl of the served bytes matches the expectations") {
  for (uint64_t seed : {1, 7}) {
    CAPTURE(seed);
    FixtureSite site(Options(seed));
    Crawl crawl = IndependentCrawl(site);
    CHECK_MESSAGE(crawl.html == AsSet(site.ExpectedHtmlPaths()),
                  Diff(crawl.html, AsSet(site.ExpectedHtmlPaths())));
    CHECK_MESSAGE(crawl.requested == AsSet(site.ExpectedRequestPaths()),
                  Diff(crawl.requested, AsSet(site.ExpectedRequestPaths())));
    CHECK(crawl.html.size() == site.ExpectedHtmlPaths().size());
    // Every public disallowed link points into the robots-forbidden area.
    CHECK(!crawl.disallowed_links.empty());
    for (const std::string& p : crawl.disallowed_links) CHECK(StartsWith(p, "/private/"));
  }
  // Also for the smallest site the generator makes.
  FixtureSite tiny(Options(3, 1));
  Crawl crawl = IndependentCrawl(tiny);
  CHECK_MESSAGE(crawl.html == AsSet(tiny.ExpectedHtmlPaths()),
                Diff(crawl.html, AsSet(tiny.ExpectedHtmlPaths())));
  CHECK_MESSAGE(crawl.requested == AsSet(tiny.ExpectedRequestPaths()),
                Diff(crawl.requested, AsSet(tiny.ExpectedRequestPaths())));
  CHECK(tiny.Get("/news/p-17.html").has_value());
}

TEST_CASE("fixture site: expectations are consistent with what is served") {
  FixtureSite site(Options());
  std::set<std::string> html = AsSet(site.ExpectedHtmlPaths());
  std::set<std::string> requests = AsSet(site.ExpectedRequestPaths());
  for (const std::string& p : html) {
    CAPTURE(p);
    CHECK(requests.count(p) == 1);
    CHECK(p.find('#') == std::string::npos);
    std::optional<FixtureResponse> r = site.Get(p);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(StartsWith(r->content_type, "text/html"));
  }
  CHECK(requests.count("/robots.txt") == 1);
  CHECK(requests.count("/orphan/from-private.html") == 0);
  CHECK(requests.count("/moved/final.html") == 1);
  CHECK(html.count("/moved/final.html") == 1);
  CHECK(html.count("/search.html?q=alpha") == 1);
  CHECK(html.count("/search.html?q=alpha&page=2") == 1);
  CHECK(html.count("/weird/bad-utf8.html") == 1);
  CHECK(html.count("/weird/many-links.html") == 1);
  CHECK(html.count("/about.html") == 1);
}

TEST_CASE("fixture site: robots.txt forbids /private/, whose pages exist") {
  FixtureSite site(Options());
  std::optional<FixtureResponse> robots = site.Get("/robots.txt");
  REQUIRE(robots.has_value());
  CHECK(robots->status == 200);
  CHECK(StartsWith(robots->content_type, "text/plain"));
  CHECK(robots->body == "User-agent: *\nDisallow: /private/\n");

  std::vector<std::string> disallowed = site.RobotsDisallowedPaths();
  CHECK(disallowed.size() >= 3);
  std::set<std::string> requests = AsSet(site.ExpectedRequestPaths());
  for (const std::string& p : disallowed) {
    CAPTURE(p);
    CHECK(StartsWith(p, "/private/"));
    std::optional<FixtureResponse> r = site.Get(p);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(StartsWith(r->content_type, "text/html"));
    CHECK(requests.count(p) == 0);
  }
  // Reachable only through the forbidden pages: served, but never expected.
  std::optional<FixtureResponse> orphan = site.Get("/orphan/from-private.html");
  REQUIRE(orphan.has_value());
  CHECK(orphan->status == 200);
}

TEST_CASE("fixture site: redirects") {
  FixtureSite site(Options());
  std::set<std::string> html = AsSet(site.ExpectedHtmlPaths());
  std::set<std::string> requests = AsSet(site.ExpectedRequestPaths());
  for (int k = 0; k < 4; ++k) {
    std::string path = "/old/" + std::to_string(k) + ".html";
    CAPTURE(path);
    std::optional<FixtureResponse> r = site.Get(path);
    REQUIRE(r.has_value());
    CHECK(r->status == 301);
    std::optional<std::string> to = Resolve(Header(*r, "Location"), path);
    REQUIRE(to.has_value());
    CHECK(html.count(*to) == 1);
    CHECK(requests.count(path) == 1);
  }
  // A 302 chain of two hops.
  std::optional<FixtureResponse> start = site.Get("/moved/start.html");
  REQUIRE(start.has_value());
  CHECK(start->status == 302);
  CHECK(Header(*start, "Location") == "/moved/hop.html");
  std::optional<FixtureResponse> hop = site.Get("/moved/hop.html");
  REQUIRE(hop.has_value());
  CHECK(hop->status == 302);
  CHECK(Header(*hop, "Location") == std::string("http://") + kHostPort + "/moved/final.html");
  std::optional<FixtureResponse> final_page = site.Get("/moved/final.html");
  REQUIRE(final_page.has_value());
  CHECK(final_page->status == 200);
  // Out of scope.
  std::optional<FixtureResponse> away = site.Get("/go/elsewhere.html");
  REQUIRE(away.has_value());
  CHECK(away->status == 302);
  CHECK(StartsWith(Header(*away, "Location"), "http://elsewhere.invalid/"));
  CHECK(requests.count("/go/elsewhere.html") == 1);
  // A loop; the second hop uses a relative Location.
  std::optional<FixtureResponse> a = site.Get("/loop/a.html"), b = site.Get("/loop/b.html");
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->status == 302);
  CHECK(b->status == 302);
  CHECK(Resolve(Header(*a, "Location"), "/loop/a.html") == "/loop/b.html");
  CHECK(Resolve(Header(*b, "Location"), "/loop/b.html") == "/loop/a.html");
  CHECK(requests.count("/loop/a.html") == 1);
  CHECK(requests.count("/loop/b.html") == 1);
}

TEST_CASE("fixture site: 404s, 500s, slow pages and files") {
  FixtureSite site(Options());
  std::set<std::string> requests = AsSet(site.ExpectedRequestPaths());
  int missing = 0;
  for (const std::string& p : requests) {
    if (!site.Get(p)) ++missing;
  }
  CHECK(missing >= 3);
  CHECK(requests.count("/missing/0.html") == 1);
  CHECK_FALSE(site.Get("/missing/0.html").has_value());
  CHECK_FALSE(site.Get("/no/such/page.html").has_value());

  for (const char* p : {"/broken/0.html", "/broken/1.html"}) {
    std::optional<FixtureResponse> r = site.Get(p);
    REQUIRE(r.has_value());
    CHECK(r->status == 500);
    CHECK(requests.count(p) == 1);
  }
  for (int k = 0; k < 4; ++k) {
    std::string p = "/slow/" + std::to_string(k) + ".html";
    std::optional<FixtureResponse> r = site.Get(p);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->delay_ms == 250);
    CHECK(site.ExpectedHtmlPaths().end() != std::find(site.ExpectedHtmlPaths().begin(),
                                                      site.ExpectedHtmlPaths().end(), p));
  }
  struct File {
    const char* path;
    const char* type;
    const char* prefix;
  };
  for (const File& f : {File{"/files/report.pdf", "application/pdf", "%PDF-"},
                        File{"/files/logo.png", "image/png", "\x89PNG"},
                        File{"/files/data.json", "application/json", "{"},
                        File{"/files/readme.txt", "text/plain; charset=utf-8", "This"}}) {
    CAPTURE(f.path);
    std::optional<FixtureResponse> r = site.Get(f.path);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->content_type == f.type);
    CHECK(StartsWith(r->body, f.prefix));
    CHECK(requests.count(f.path) == 1);
  }
  CHECK(site.Get("/files/report.pdf")->body.find('\0') != std::string::npos);
}

TEST_CASE("fixture site: links mix every reference form") {
  FixtureSite site(Options());
  std::string all;
  for (const std::string& p : site.ExpectedHtmlPaths()) all += site.Get(p)->body;
  const std::string host = kHostPort;
  for (const std::string& needle :
       {std::string("href=\"../"), std::string("href=\"./"), std::string("href=\"p-"),
        std::string("href=\"/"), "href=\"http://" + host + "/", std::string("href='"),
        std::string(".html#"), std::string("href=\"#top\""), std::string("<base href=\"/"),
        "<base href=\"http://" + host + "/", std::string("href=\"mailto:"),
        std::string("href=\"javascript:"), std::string("href=\"http://other.invalid/"),
        std::string("href=\"https://example.invalid/"), std::string("href=\"//other.invalid/"),
        std::string("&amp;")}) {
    CAPTURE(needle);
    CHECK(all.find(needle) != std::string::npos);
  }
  // Absolute links use the configured host; an empty host_port has a default.
  FixtureOptions o = Options();
  o.host_port = "";
  FixtureSite defaulted(o);
  CHECK(defaulted.options().host_port == "127.0.0.1:8000");
}

TEST_CASE("fixture site: hostile but valid pages") {
  FixtureSite site(Options());
  std::optional<FixtureResponse> bad = site.Get("/weird/bad-utf8.html");
  REQUIRE(bad.has_value());
  CHECK(bad->status == 200);
  CHECK_FALSE(ValidUtf8(bad->body));
  size_t title = bad->body.find("<title>");
  REQUIRE(title != std::string::npos);
  CHECK_FALSE(ValidUtf8(bad->body.substr(title, bad->body.find("</title>") - title)));
  // Every ordinary page is valid UTF-8.
  CHECK(ValidUtf8(site.Get("/")->body));
  CHECK(ValidUtf8(site.Get("/news/p-1.html")->body));

  std::optional<FixtureResponse> many = site.Get("/weird/many-links.html");
  REQUIRE(many.has_value());
  CHECK(many->status == 200);
  std::vector<std::string> hrefs = Hrefs(many->body);
  CHECK(hrefs.size() >= 3000);
  std::set<std::string> distinct;
  for (const std::string& h : hrefs) distinct.insert(*Resolve(h, "/weird/many-links.html"));
  CHECK(distinct.size() <= 30);
}

TEST_CASE("fixture site: query strings") {
  FixtureSite site(Options());
  std::optional<FixtureResponse> alpha = site.Get("/search.html?q=alpha");
  std::optional<FixtureResponse> beta = site.Get("/search.html?q=beta");
  REQUIRE(alpha.has_value());
  REQUIRE(beta.has_value());
  CHECK(alpha->body != beta->body);
  CHECK_FALSE(site.Get("/search.html").has_value());
  // An unknown query on an ordinary page is ignored.
  std::optional<FixtureResponse> plain = site.Get("/news/p-1.html");
  std::optional<FixtureResponse> with_query = site.Get("/news/p-1.html?utm=x");
  REQUIRE(with_query.has_value());
  CHECK(with_query->body == plain->body);
}
