// FixtureSite: a deterministic, generated website that crawler tests run against.
//
// The whole site is generated once, in the constructor, from FixtureOptions:
// the same options always give byte-identical responses, so tests can compare
// a crawl against exact expectations. The site has a home page "/", section
// indexes ("/news/", "/blog/", "/docs/", "/docs/ch-K/", "/shop/") and
// `pages - 1` article pages (2-8 KB each: title, nav header, h1/h2, paragraphs
// of seeded pseudo-random words, footer). Article i links to articles
// 3i+1..3i+3 (home is article 0), so every article is reachable from "/", plus
// a few seeded random links. Hrefs mix root-relative, document-relative
// ("../x/y.html", "y.html", "./"), absolute ("http://HOST_PORT/...") and
// #fragment forms, and a few pages carry a <base href>.
//
// Special cases, each linked from some reachable page:
//   /old/N.html          301 to an article
//   /moved/start.html    302 -> /moved/hop.html 302 -> /moved/final.html (200,
//                        reachable only through the redirects)
//   /go/elsewhere.html   302 to http://elsewhere.invalid/ (out of scope)
//   /loop/a.html         302 -> /loop/b.html 302 -> /loop/a.html
//   /missing/N.html ...  404 (links to pages that do not exist)
//   /broken/N.html       always 500
//   /slow/N.html         200 HTML after delay_ms = slow_ms (the server sleeps)
//   /files/*             PDF, PNG, JSON and plain-text files
//   /private/...         200 HTML, but robots.txt disallows /private/; they
//                        link to /orphan/..., which is reachable only through them
//   /weird/bad-utf8.html invalid UTF-8 in title and body
//   /weird/many-links.html  3000 links to a handful of pages
//   /search.html?q=...   pages whose identity includes the query string
//   links to other hosts, https, mailto: and javascript: (out of scope)
//
// Invariants: ExpectedHtmlPaths() and ExpectedRequestPaths() are computed by a
// breadth-first walk over the same link and redirect data the pages are
// rendered from (never a hand-written list): they start at "/" and
// "/robots.txt", skip robots-disallowed paths and other hosts, and follow
// redirect targets as if they were links. Paths are canonical (no fragment,
// no dot segments, no percent-encoding) and returned sorted.
//
// Thread-safe after construction: all methods are const and touch no mutable
// state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarmcrawl::testing {

struct FixtureOptions {
  int pages = 600;        // article pages including home; clamped to >= 20
  uint64_t seed = 1;      // drives words, titles, sizes and random links
  int slow_ms = 300;      // delay of the /slow/ pages
  std::string host_port;  // "127.0.0.1:PORT", used in absolute links;
                          // empty means "127.0.0.1:8000"
};

struct FixtureResponse {
  int status;
  std::string content_type;  // full header value, e.g. "text/html; charset=utf-8"
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Location
  int delay_ms = 0;  // the server sleeps this long before answering
};

class FixtureSite {
 public:
  explicit FixtureSite(FixtureOptions options);

  // nullopt = 404. `path_query` is the request target, e.g. "/a/b.html?x=1".
  // An exact match wins; otherwise an unknown query string is ignored (as most
  // servers do) and the path alone is looked up.
  std::optional<FixtureResponse> Get(std::string_view path_query) const;

  // Every path a polite crawler starting at "/" must fetch exactly once and
  // that returns 200 text/html (in scope, reachable, robots-allowed).
  std::vector<std::string> ExpectedHtmlPaths() const { return expected_html_; }

  // Every path a polite, in-scope crawler will request: expected HTML,
  // redirect sources, 404s, 500s, non-HTML files and /robots.txt. Each exactly
  // once, except paths answering 5xx, which a crawler may retry.
  std::vector<std::string> ExpectedRequestPaths() const { return expected_requests_; }

  // Paths that exist (200) but that robots.txt forbids.
  std::vector<std::string> RobotsDisallowedPaths() const { return robots_disallowed_; }

  const FixtureOptions& options() const { return options_; }

 private:
  // One served resource plus the in-scope paths it leads a crawler to: its
  // outlinks (HTML) or its Location (redirects).
  struct Resource {
    FixtureResponse response;
    std::vector<std::string> targets;
  };

  void Generate();
  void ComputeExpectations();

  FixtureOptions options_;
  std::map<std::string, Resource, std::less<>> resources_;  // by path_query
  std::vector<std::string> expected_html_;
  std::vector<std::string> expected_requests_;
  std::vector<std::string> robots_disallowed_;
};

}  // namespace swarmcrawl::testing
