// Article: the main content of a page (as plain text and Markdown) plus the
// metadata a dataset record needs, extracted from an already-parsed Gumbo tree.
//
// Main content is found in three steps over one flat table of the tree's
// nodes (built by an iterative walk, so nesting depth cannot exhaust the
// stack): readability-style candidate scoring (text length, commas, link
// density, class/id hints), a preference for semantic containers (<article>,
// <main>, itemprop=articleBody, role=main, "article-body"-like classes) when
// they hold the scored content, then pruning of boilerplate inside the chosen
// container (navigation, asides, forms, captions, headline, bylines, share and
// related blocks, link lists, hidden elements). JSON-LD articleBody, when
// present, only guides the choice between candidates; it is never output.
//
// Invariants: every output string is valid UTF-8; text has one block per line,
// inline whitespace collapsed, no empty lines; text and markdown are at most
// ExtractLimits::max_text_bytes each; time and memory are linear in the tree
// size (at most max_nodes nodes and max_depth levels are looked at).
// Metadata precedence (first non-empty wins) is documented on each field.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

typedef struct GumboInternalNode GumboNode;

namespace swarmcrawl {

struct ExtractLimits {
  size_t max_text_bytes = 1 << 20;   // each of text and markdown
  size_t max_nodes = 1 << 21;        // tree nodes looked at; the rest is ignored
  size_t max_depth = 1100;           // element depth looked at
  size_t max_meta_bytes = 4096;      // each metadata string
  size_t max_authors = 16;
  size_t max_headings = 256;
  size_t max_opengraph = 128;        // og:* / article:* properties kept
};

struct ArticleHeading {
  int level = 0;  // 1..6
  std::string text;
};

struct Article {
  bool found = false;    // main content found (text is non-empty)
  // How the main content was found: "itemprop-articleBody" (microdata),
  // "content-class" ("article-body"-like class/id), "microdata-article"
  // (itemtype=...Article), "article", "main" (<main>, role=main),
  // "scored" (readability-style scoring), "body" (nothing better),
  // "jsonld-articleBody" (the JSON-LD body picked among the candidates).
  // Empty when !found.
  std::string method;
  std::string text;      // main content, one block per line
  std::string markdown;  // the same content as Markdown (links absolute)

  // og:title, twitter:title, JSON-LD headline/name, <title> minus a
  // " | Site" style suffix, first <h1>.
  std::string title;
  // <meta name=description>, og:description, twitter:description, JSON-LD description.
  std::string description;
  // From the first of these sources that names anyone: JSON-LD author(s),
  // article:author (non-URL values), <meta name=author>, other author metas
  // (dc.creator, sailthru.author, parsely-author), then rel=author links and
  // byline markup (class byline/author, itemprop=author). De-duplicated, a
  // leading "By " removed.
  std::vector<std::string> authors;
  // article:published_time, JSON-LD datePublished, meta date variants
  // (date, pubdate, publish-date, dc.date, sailthru.date, ...), first <time datetime>.
  // ISO 8601 ("2019-11-19T10:30:00Z", "2019-11-19") when parseable, else as written.
  std::string published;
  // article:modified_time, og:updated_time, JSON-LD dateModified, meta
  // last-modified variants. Same normalization.
  std::string modified;
  std::string site_name;  // og:site_name, JSON-LD publisher.name, application-name
  std::string canonical;  // <link rel=canonical>, og:url; resolved and canonicalized
  std::string language;   // <html lang>, og:locale, <meta http-equiv=content-language>
  std::string image;      // og:image, twitter:image, JSON-LD image; absolute URL
  std::string type;       // og:type, else the @type of the first JSON-LD article-like item
  std::map<std::string, std::string> opengraph;  // og:* and article:* (first of each)
  std::vector<ArticleHeading> headings;           // h1-h6 inside the main content
};

// Extracts the main content and metadata of the document whose <html> element
// (or document node) is `root`. `page_url` is the absolute URL links are resolved
// against (<base href> is honoured). `structured_items` are schema.org objects
// with a string "@type" (see parsers/structured_data.h). Never fails: a tree
// without main content yields found=false and empty text.
Article ExtractArticle(const GumboNode* root, std::string_view page_url,
                       const std::vector<nlohmann::json>& structured_items,
                       const ExtractLimits& limits = ExtractLimits());

// The metadata of `a` (not text or markdown) as a JSON object with stable
// snake_case keys: found, method, title, description, authors, published,
// modified, site_name, canonical_url, language, image, type, opengraph,
// headings ([{"level", "text"}]). Empty strings and lists are omitted.
nlohmann::json ArticleMetadataToJson(const Article& a);

}  // namespace swarmcrawl
