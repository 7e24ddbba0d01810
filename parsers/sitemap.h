// Sitemaps and feeds: the URL lists a site publishes about itself.
//
// ParseSitemap() reads one fetched file and returns the page URLs it lists
// (and, for a sitemap index, the child sitemaps). Accepted formats, decided
// by content, never by file name or content type:
//   - gzip of any of the below (1f 8b magic; decompressed as a stream);
//   - XML (first character after a BOM and whitespace is '<'), by the local
//     name of the root element, namespaces ignored:
//       urlset        <url><loc>, <lastmod>           (sitemaps.org 0.9)
//       sitemapindex  <sitemap><loc>, <lastmod>; <url> entries go to `urls`
//       rss           RSS 2.0 <item><link>, <pubDate> or <dc:date>
//       rdf:RDF       RSS 1.0 <item rdf:about> / <link>, <dc:date>
//       feed          Atom <entry><link href> (rel absent or "alternate"),
//                     <updated>, else <published>
//   - plain text: one absolute URL per line; blank lines and ASCII and
//     Unicode whitespace around URLs ignored.
//
// Real-world XML is often not well-formed, and libxml2's reader stops at the
// first error (XML_PARSE_RECOVER notwithstanding). Three common defects are
// repaired before parsing because they can be without changing any URL: a
// raw '&' that starts no reference becomes "&amp;"; in a UTF-8 document a
// byte that is not valid UTF-8, and a control character XML forbids, become
// "%XX". Any other error ends the parse there: the entries the reader
// delivered before it are kept and `truncated` is set (a few entries just
// before the error can be lost with it); an error before the root element
// is a "bad_sitemap" error.
//
// Invariants of a successful result:
//   - every URL is canonical (core/url.h) and http(s); sitemap and text
//     entries must be absolute, feed links are resolved against
//     `sitemap_url`; an entry without a usable URL (none, not http(s),
//     over kMaxSitemapUrlBytes, or holding an entity reference) counts in
//     `skipped`;
//   - urls.size() + sitemaps.size() <= limits.max_urls;
//   - `truncated` is set when a limit stopped parsing or the document was
//     cut short; the complete entries before that point are kept.
//
// Security and bounds: XML goes through libxml2's streaming reader with no
// entity substitution, no DTD loading, no network and no XInclude, so
// external entities are never resolved; entity references are never expanded
// into URLs; at most limits.max_bytes of (decompressed) input are read, and
// memory stays proportional to that, not to a compression ratio. libxml2
// diagnostics are captured per parse, never printed.
//
// All functions are thread-safe and keep no mutable global state (libxml2 is
// initialized once, on first use).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace swarmcrawl {

inline constexpr size_t kMaxSitemapUrlBytes = 8192;  // longer entries are skipped

struct SitemapLimits {
  size_t max_urls = 50000;       // sitemaps.org: 50,000 URLs (or child sitemaps) per file
  size_t max_bytes = 50u << 20;  // 50 MB uncompressed
};

struct SitemapEntry {
  std::string url;         // canonical absolute http(s) URL
  int64_t lastmod_ms = 0;  // ms since epoch, 0 when absent/unparseable
};

struct Sitemap {
  std::string kind;  // "urlset", "sitemapindex", "rss" (2.0 and 1.0/RDF), "atom", "text"
  std::vector<SitemapEntry> urls;      // pages: urlset <url><loc>, feed item links, text lines
  std::vector<SitemapEntry> sitemaps;  // child sitemaps listed by a sitemap index
  bool truncated = false;  // a limit was hit or the document was cut short; complete entries kept
  int64_t skipped = 0;     // entries dropped: not an absolute http(s) URL, over 8192 bytes, ...
};

// Parses `data`, the file as fetched (gzip-compressed or not), into *out
// (which is reset first). `sitemap_url` is where it came from; feed links
// are resolved against it. It may be empty (a local file): then relative
// feed links are skipped.
// Errors, all with code "bad_sitemap" and a message naming the problem:
// empty input, binary data, an HTML page, XML whose root is none of the
// above, XML without any element, text without a single http(s) URL, a gzip
// stream that is corrupt before anything was decoded. A truncated document
// whose root element was recognized is not an error (truncated is set).
// Never throws.
Status ParseSitemap(std::string_view data, std::string_view sitemap_url, Sitemap* out,
                    const SitemapLimits& limits = SitemapLimits());

// W3C Datetime (the sitemaps.org lastmod format): YYYY, YYYY-MM, YYYY-MM-DD,
// YYYY-MM-DDThh:mm[:ss[.s+]](Z|+hh:mm|-hh:mm). Also accepted, as found in
// the wild: ' ' instead of 'T', a missing zone (UTC), "+hhmm" and "+hh".
// Returns ms since the epoch, or 0 for anything else or a date before 1970.
int64_t ParseW3cDatetime(std::string_view s);

// RFC 822/2822 date-time (RSS pubDate): "[Tue,] 10 Jun 2003 04:00:00 GMT",
// seconds optional, zone GMT/UT/UTC/Z, US zones (EST...PDT), or +hhmm/-hhmm
// (missing zone: UTC); two-digit years as RFC 2822 (< 50: 20xx). The weekday
// is not checked. Returns ms since the epoch, or 0 when unparseable.
int64_t ParseRfc822Date(std::string_view s);

}  // namespace swarmcrawl
