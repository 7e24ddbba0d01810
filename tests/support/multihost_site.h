// MultihostSite: several small virtual hosts, told apart by the HTTP Host
// header, for integration tests of politeness, robots.txt edge cases,
// sitemaps, AI opt-outs, canonical URLs and recrawls. multihost_server serves
// it; a crawler reaches host NAME as http://NAME.localhost:PORT/ (curl
// resolves *.localhost to 127.0.0.1).
//
// Everything a host serves is one row of MultihostSiteTable(): path, status,
// headers, links, listed URLs, special behaviour and the fate a polite crawler
// gives it. The server renders responses from those rows and the expectation
// helpers (MultihostPages, MultihostStoredPaths, ...) read the same rows, so
// tests never carry a second, hand-written list. MultihostCheckTable()
// cross-checks the hand-assigned fates against what the rows imply (a
// breadth-first walk from "/" and the sitemaps over links, redirects and
// sitemap entries, robots.txt rules, opt-out signals).
//
// Hosts (all pages are 200 text/html unless noted; every HTML page has a
// <title>, an <h1>, a <p> of six sentences of deterministic text distinct from
// every other page, and its links in a <ul>, one sentence per <li>; unknown
// paths are 404 after the host's delay; the query string is ignored when
// matching a path):
//   a, b, c        "/" links /p1.html../p24.html; pN links p(N+1) (if any)
//                  and "/". Every response sleeps kMultihostPoliteDelayMs.
//   slow           "/", /p1../p9.html, same shape; every response sleeps
//                  --slow-ms.
//   busy           "/", /p1../p11.html, same shape. The first request to
//                  /p3.html is 429 "Retry-After: S"; the first to /p6.html is
//                  503 "Retry-After: <IMF-fixdate>", now + S rounded up to
//                  the whole second (so honouring it means waiting >= S s).
//                  Later requests are 200. S = --retry-after.
//   down           /robots.txt is always 503; "/" and /p1../p5.html exist but
//                  must never be fetched.
//   norobots       /robots.txt 404; "/" links /private/x.html and /p1.html.
//   sitemap        robots.txt disallows /blocked/ and names
//                  http://sitemap.localhost:PORT/sitemap_index.xml, which lists
//                  /sitemap-1.xml.gz (gzip urlset, application/x-gzip:
//                  /orphan/g1..g5.html with lastmod), /sitemap-2.txt (text:
//                  /orphan/t1.html, /orphan/t2.html, /blocked/t3.html),
//                  /sitemap-bad.xml (malformed) and /sitemap-other.xml (a
//                  urlset of other hosts' URLs). /feed.rss (RSS 2.0:
//                  /orphan/r1.html, r2) and /atom.xml (Atom: /orphan/a1.html,
//                  a2) are listed nowhere: tests pass MultihostSpecSitemaps()
//                  as the crawl spec's sitemaps. "/" links only /p1.html; no
//                  page links to /orphan/*.
//   optout         robots.txt allows all but disallows /ai-blocked/ for
//                  GPTBot; /.well-known/tdmrep.json reserves /tdm-file/*; "/"
//                  links one page per opt-out signal (X-Robots-Tag, meta
//                  robots, tdm-reservation header/meta/file, GPTBot group),
//                  plus controls that must still be stored.
//   canon          tracking-parameter variants of /article.html?id=7, a
//                  rel=canonical duplicate, a self-canonical page, a 301 and
//                  a 302 (to /target.html, linked from nowhere).
//   recrawl        /static.html: fixed body, ETag kMultihostStaticEtag,
//                  Last-Modified kMultihostStaticLastModified, 304 (no body)
//                  when If-None-Match matches (weak comparison, or "*") or,
//                  without If-None-Match, when If-Modified-Since (IMF-fixdate)
//                  is at or after that date. /changing.html: new text on
//                  every fetch ("fetch number N"), no validators.
//   robotsloop     /robots.txt 302 -> /robots2.txt -> ... -> /robots7.txt 302
//                  -> /robots.txt (7 hops, a loop); "/" and /p1.html exist.
//   robotsgarbage  /robots.txt is 200 text/plain, 64 KiB of deterministic
//                  binary (NULs, 0xFF, no "disallow" in any case).
//   robotsredirect /robots.txt 301 -> /real-robots.txt (disallows /secret/);
//                  "/" links /p1.html and /secret/s.html.
// Requests for any other Host (e.g. elsewhere.localhost) are 404.
//
// Thread-safety: the free functions are pure. MultihostSite::Handle may be
// called from any thread (per-path request counters sit under a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarmcrawl::testing {

inline constexpr std::string_view kMultihostDomain = "localhost";  // NAME.localhost
inline constexpr int kMultihostPoliteDelayMs = 30;        // per response of a, b, c
inline constexpr int kMultihostDefaultSlowMs = 300;       // per response of slow
inline constexpr int kMultihostDefaultRetryAfterS = 2;    // busy's Retry-After
inline constexpr int kMultihostGarbageRobotsBytes = 64 * 1024;
inline constexpr int kMultihostRobotsLoopHops = 7;        // robots.txt, robots2..7.txt
inline constexpr std::string_view kMultihostStaticEtag = "\"v1\"";
inline constexpr std::string_view kMultihostStaticLastModified = "Wed, 01 Jan 2020 00:00:00 GMT";

// What a polite crawler seeded with every host's "/" (and, for the sitemap
// host, given MultihostSpecSitemaps() as spec sitemaps) does with a path.
enum class MultihostFate {
  kStored,        // fetched and stored as exactly one record, under record_path
  kNotStored,     // an AI/indexing opt-out applies: may be fetched, never stored
  kNeverFetched,  // must never be requested: robots-disallowed, robots.txt
                  // unavailable, or reachable only through a nofollow page
  kCanonicalElsewhere,  // 200 HTML whose rel=canonical names another stored
                        // page: no record of its own (skipped, or folded into
                        // the canonical URL, per the crawler's policy)
  kNotPage,       // robots.txt, sitemaps, feeds, tdmrep.json, redirects: may
                  // be fetched, never a record
};
std::string_view MultihostFateName(MultihostFate fate);

enum class MultihostSpecial {
  kNone,
  kFirst429,      // first request: 429, Retry-After: S
  kFirst503Date,  // first request: 503, Retry-After: HTTP-date
  kConditional,   // ETag / Last-Modified validators, 304 on a match
  kChanging,      // body text changes on every request
};

enum class MultihostRobots {
  kFile,          // 200 robots.txt rendered from robots_disallow/ai_bot_disallow
  kMissing,       // 404
  kUnavailable,   // always 503: the whole host is off limits
  kRedirected,    // 301 to /real-robots.txt, which holds robots_disallow
  kRedirectLoop,  // 302 chain of kMultihostRobotsLoopHops back to itself
  kGarbage,       // 200 binary junk: no rules
};

// A URL listed in a sitemap or feed. host "" means the listing host.
struct MultihostRef {
  std::string host;
  std::string path;
};

struct MultihostPage {
  std::string path;         // matched against the request path (query ignored)
  std::string record_path;  // path[?query] of its record; == path except canon's article
  MultihostFate fate = MultihostFate::kStored;
  std::string note;         // why it has this fate
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string title;                                          // HTML only
  std::vector<std::string> links;                             // <a href>s (HTML only)
  std::string canonical;                                      // <link rel=canonical href>
  std::string meta_robots;                                    // <meta name=robots content>
  std::string meta_tdm_reservation;                           // <meta name=tdm-reservation>
  std::vector<std::pair<std::string, std::string>> headers;   // incl. Location
  std::string location;                                       // redirect target path
  std::vector<MultihostRef> listed;                           // sitemap/feed entries
  MultihostSpecial special = MultihostSpecial::kNone;
  bool spec_sitemap = false;  // a sitemap/feed the test passes in the crawl spec
  std::string body;           // rendered body (kChanging: rendered per request)
};

struct MultihostTdmRule {
  std::string location;  // "/tdm-file/*" style: prefix + optional trailing '*'
  int reservation = 0;
  std::string policy;
};

struct MultihostHost {
  std::string name;  // "a"; served as a.localhost
  int delay_ms = 0;  // every response of this host (incl. 404s) sleeps this long
  MultihostRobots robots = MultihostRobots::kFile;
  std::vector<std::string> robots_disallow;   // "User-agent: *" Disallow prefixes
  std::vector<std::string> ai_bot_disallow;   // "User-agent: GPTBot" Disallow prefixes
  std::vector<std::string> robots_sitemaps;   // paths named by "Sitemap:" lines
  std::vector<MultihostTdmRule> tdm_rules;    // /.well-known/tdmrep.json, if any
  std::vector<MultihostPage> pages;           // everything served (non-404), robots.txt included
};

struct MultihostOptions {
  int port = 0;  // the bound port, used in absolute URLs (robots Sitemap:, sitemaps, feeds)
  int slow_ms = kMultihostDefaultSlowMs;
  int retry_after_s = kMultihostDefaultRetryAfterS;
};

// The whole site. Only bodies with absolute URLs and delays depend on options.
std::vector<MultihostHost> MultihostSiteTable(const MultihostOptions& options = {});

// Host names in table order: a b c slow busy down norobots sitemap optout
// canon recrawl robotsloop robotsgarbage robotsredirect.
std::vector<std::string> MultihostHosts();
std::string MultihostHostName(std::string_view host);  // "a" -> "a.localhost"
// "http://a.localhost:PORT" + path (path must start with '/').
std::string MultihostUrl(std::string_view host, int port, std::string_view path);

// Every path `host` serves with a non-404 status, sorted. Empty for unknown hosts.
std::vector<std::string> MultihostPages(std::string_view host);
// The table row of host/path (query ignored), or nullopt.
std::optional<MultihostPage> MultihostFindPage(std::string_view host, std::string_view path);
// Paths of `host` with this fate, sorted; record_path for kStored, path otherwise.
std::vector<std::string> MultihostPathsWithFate(std::string_view host, MultihostFate fate);
// Record paths (path[?query]) a polite crawler stores for `host`, sorted.
std::vector<std::string> MultihostStoredPaths(std::string_view host);
// Paths on the sitemap host to pass as crawl-spec sitemaps: /atom.xml, /feed.rss.
std::vector<std::string> MultihostSpecSitemaps();

// Consistency problems of the table (empty = fine). See the file comment.
std::vector<std::string> MultihostCheckTable();

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") <-> seconds since the epoch.
std::string MultihostHttpDate(int64_t unix_seconds);
std::optional<int64_t> MultihostParseHttpDate(std::string_view text);

struct MultihostRequest {
  std::string host;    // Host header without port, lower-case (e.g. "a.localhost")
  std::string target;  // path plus optional query, as sent
  std::string if_none_match;      // header values, "" when absent
  std::string if_modified_since;
  int64_t now_ms = 0;  // wall clock, for Retry-After dates
};

struct MultihostResponse {
  int status = 404;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;  // the server sleeps this long before answering
};

class MultihostSite {
 public:
  explicit MultihostSite(MultihostOptions options);

  // Thread-safe. Counts the request, then picks the response.
  MultihostResponse Handle(const MultihostRequest& request);

  // Requests seen so far for host name ("busy") and path (query ignored).
  int RequestCount(std::string_view host, std::string_view path) const;

  const std::vector<MultihostHost>& hosts() const { return hosts_; }

 private:
  MultihostOptions options_;
  std::vector<MultihostHost> hosts_;
  mutable std::mutex mu_;
  std::map<std::string, int, std::less<>> counts_;  // "host path" -> requests
};

}  // namespace swarmcrawl::testing
