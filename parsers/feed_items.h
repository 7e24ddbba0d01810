// FeedItems: the entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, with
// their text, as feed_item.v1 dataset records.
//
// Where parsers/sitemap.h only wants the URLs a feed lists (for the
// frontier), this reads each entry's content: title, link, id, dates,
// authors, summary, content and categories.
//
// The format is decided by the root element's local name (rss, RDF, feed),
// never by file name or content type; any other root is "not_a_feed".
// Invariants of a result without error:
//   - every string is valid UTF-8, trimmed, and at most the limits' sizes;
//   - `link` (and the feed's link) is an absolute canonical http(s) URL,
//     resolved against the feed URL and any xml:base in scope, or empty;
//   - dates are ISO 8601 UTC ("2024-05-01T12:00:00Z", with ".123" when
//     milliseconds are given), normalized from RFC 822 (RSS pubDate) or
//     RFC 3339 / W3C datetimes (Atom, dc:date), or empty when absent or
//     unparseable;
//   - summary and content are plain text: HTML (RSS description,
//     content:encoded, Atom type="html" and "xhtml") goes through
//     ParseHtmlPage (parsers/html_page.h) and only its text is kept;
//   - at most `max_items` items (`truncated` set when more were present).
//
// Security and bounds: libxml2 parses with XML_PARSE_NONET and without
// XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_HUGE or XInclude, so no
// external entity or DTD is ever loaded and libxml2's own size and depth
// limits stay on; entity references other than the five predefined ones are
// never expanded into text (they are dropped). The tree walk is iterative.
// Input over `max_bytes` is refused. Diagnostics are captured per parse,
// never printed. Two defects common in real feeds are repaired before
// parsing because they change no text: a raw '&' that starts no reference
// becomes "&amp;", and in a UTF-8 document invalid bytes become U+FFFD and
// control characters XML forbids become spaces.
// All functions are thread-safe and never throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace swarmcrawl {

struct FeedLimits {
  size_t max_items = 10000;
  size_t max_bytes = 16u << 20;       // XML input; larger feeds are refused
  size_t max_text_bytes = 1u << 20;   // summary or content of one item
  size_t max_field_bytes = 4096;      // title, id, an author or a category
  size_t max_list = 64;               // authors or categories of one item
};

struct FeedInfo {
  std::string format;  // "rss" (2.0 and 1.0/RDF) or "atom"
  std::string url;     // the feed URL it was parsed with
  std::string title;   // channel / feed title, plain text
  std::string link;    // the site: channel <link> or Atom rel=alternate, absolute; or empty
};

struct FeedItem {
  std::string title;
  std::string link;       // absolute canonical http(s) URL, or empty
  std::string id;         // RSS <guid> / RDF rdf:about / Atom <id>, as written
  std::string published;  // ISO 8601 UTC or empty
  std::string updated;    // ISO 8601 UTC or empty
  std::vector<std::string> authors;
  std::string summary;    // plain text
  std::string content;    // plain text
  std::vector<std::string> categories;
};

struct FeedItemsResult {
  FeedInfo feed;
  std::vector<FeedItem> items;  // document order
  bool truncated = false;       // more than max_items entries, or a text limit cut a field
  // Empty on success. Otherwise "code: message" with code "bad_feed"
  // (malformed XML, with the line of the first error; too large; empty) or
  // "not_a_feed" (well-formed XML whose root is none of rss, RDF, feed).
  std::string error;
};

// Parses one fetched feed document. `feed_url` (absolute) resolves relative
// links; when empty, relative links are dropped.
FeedItemsResult ParseFeedItems(std::string_view xml, std::string_view feed_url,
                               const FeedLimits& limits = FeedLimits());

// The feed_item.v1 body of one item (schemas/feed_item.v1.json) without the
// envelope fields the coordinator adds: "schema", "source" (= format, "rss"
// or "atom"), "feed_url", "feed_title", "feed_link", "link", "item_id",
// "title", "published", "updated", "authors", "summary", "content",
// "categories". Empty strings become null.
nlohmann::json FeedItemRecord(const FeedItem& item, const FeedInfo& feed,
                              std::string_view format);

// ISO 8601 UTC form ("2024-05-01T12:00:00Z") of an RFC 3339 / W3C datetime
// or an RFC 822 date, whichever parses; "" when neither does (or before 1970).
// Shared with the schema.org records, whose dates are the same kinds.
std::string NormalizeDateUtc(std::string_view date);

// ISO 8601 UTC form of milliseconds since the epoch; ".mmm" only when nonzero.
std::string FormatIsoUtc(int64_t ms);

}  // namespace swarmcrawl
