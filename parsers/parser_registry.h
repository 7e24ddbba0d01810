// ParserRegistry: which parsers turn a fetched page into dataset records.
//
// A parser is registered with a name, a glob over the whole URL and the
// content types it reads. For each fetched page, Match() returns every
// parser whose glob matches the URL and whose content types include the
// page's, in registration order; the caller runs them all and stores every
// record they return (so a page can yield a web_page.v1 record from the
// generic parser and a product.v1 record from "schema.org").
//
// Globs: '*' matches any run of bytes (including '/' and none), '?' exactly
// one byte, everything else itself (case-sensitive: canonical URLs already
// have a lower-case scheme and host). "*" alone matches every URL. Matching
// never backtracks: the pattern is split at '*' and each piece is found at
// its leftmost place, so time is O(|url| x longest piece) whatever the
// pattern ("a*a*a*a*b" against "aaaa...a" is linear).
// Content types are compared lower-case without parameters
// ("text/html; charset=utf-8" is "text/html"); a registered "text/*" takes
// any text subtype; an empty list takes any content type.
//
// A ParseFn must not throw and must return record bodies ("schema",
// "source" and the schema's fields); the caller adds the envelope.
// A registry is filled once, then only read: Match() is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "parsers/structured_data.h"

typedef struct GumboInternalNode GumboNode;

namespace swarmcrawl {

struct PageInput {
  std::string_view url;           // canonical URL the body came from
  std::string_view content_type;  // as served (parameters allowed), lower- or mixed-case
  std::string_view body;          // decoded response body
  const GumboNode* root = nullptr;                // parsed HTML; null for non-HTML
  const StructuredData* structured = nullptr;     // of `root`; null for non-HTML
};

using ParseFn = std::function<std::vector<nlohmann::json>(const PageInput&)>;

struct ParserSpec {
  std::string name;                        // unique, [a-z0-9._-]+, e.g. "schema.org"
  std::string url_glob = "*";              // glob over the whole URL, see above
  std::vector<std::string> content_types;  // e.g. "text/html", "application/rss+xml"; empty = any
  ParseFn parse;
};

inline constexpr size_t kMaxGlobBytes = 2048;

class ParserRegistry {
 public:
  ParserRegistry() = default;
  ParserRegistry(ParserRegistry&&) = default;
  ParserRegistry& operator=(ParserRegistry&&) = default;

  // Errors ("bad_field"): empty or malformed name, a name already
  // registered, an empty glob or one over kMaxGlobBytes or holding bytes
  // outside printable ASCII, a content type that is not "type/subtype",
  // no parse function.
  Status Add(ParserSpec spec);

  // Parsers for a page, in registration order; pointers stay valid for the
  // registry's lifetime.
  std::vector<const ParserSpec*> Match(std::string_view url, std::string_view content_type) const;

  size_t size() const { return specs_.size(); }

 private:
  std::vector<std::unique_ptr<ParserSpec>> specs_;  // stable addresses for Match()
};

// True when `glob` matches all of `text` (see the header comment).
bool GlobMatch(std::string_view glob, std::string_view text);

// "Text/HTML; charset=UTF-8" -> "text/html".
std::string NormalizeContentType(std::string_view content_type);

// The built-in parsers:
//   "schema.org"  any URL; text/html, application/xhtml+xml:
//                 StructuredRecords (parsers/structured_records.h) of
//                 PageInput::structured -> article.v1, forum_thread.v1,
//                 social_post.v1, product.v1, recipe.v1.
//   "citation_meta" any URL; text/html, application/xhtml+xml:
//                 CitationMetaRecords (parsers/citation_meta.h) of
//                 PageInput::root -> one scholarly_article.v1 record when
//                 the page has a citation_title <meta> (Highwire Press /
//                 Google Scholar tags).
//   "feed"        any URL; application/rss+xml, application/atom+xml,
//                 application/rdf+xml, application/xml, text/xml:
//                 ParseFeedItems (parsers/feed_items.h) -> feed_item.v1 per
//                 item. Recognized by the root element, so generic XML that
//                 is not a feed (or is malformed) yields no records.
ParserRegistry DefaultParserRegistry();

}  // namespace swarmcrawl
