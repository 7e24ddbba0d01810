// StructuredData: what a page declares about itself in schema.org terms.
//
// Collected from one walk of an already-parsed Gumbo tree: every
// <script type="application/ld+json"> block (JSON-LD; arrays and @graph are
// flattened, so each entry is one node object) and every top-level microdata
// item (itemscope/itemtype/itemprop, converted to the same JSON-LD shape:
// {"@type": "Product", "name": "...", "offers": {"@type": "Offer", ...}}).
// Invariants: every item is a JSON object with a string "@type" (the
// schema.org type name without the "https://schema.org/" prefix; the first
// type when several are given; "" when none is); nested "@type"s are
// normalized the same way; all strings are valid UTF-8; at most `max_items`
// items in total and `max_json_bytes` of JSON-LD source are read.
// Malformed JSON-LD blocks, and blocks nested deeper than `max_depth`, are
// skipped and counted in json_ld_errors, never fatal; microdata items nested
// deeper than `max_depth` are cut. The walk is iterative (no recursion).
// Microdata is bounded too: at most 16,384 property values per page, 256 KB
// of text per value, and 4M nodes visited for text content per page (so
// itemprops nested in itemprops cannot make the walk quadratic).
//
// JSON-LD is taken as written (strings are not whitespace-collapsed), after
// removing a wrapping HTML comment or CDATA section and trailing semicolons.
// Microdata values follow the HTML spec (meta content; a/link/area href;
// img/audio/video/source/track/embed/iframe src; object data; data/meter
// value; time datetime; else the text content, whitespace collapsed), plus
// the common extension of a content attribute on any element. URLs are kept
// as written (relative ones are resolved by the consumer against the page).
// A property given several times becomes an array; itemid becomes "@id";
// itemref is not followed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

typedef struct GumboInternalNode GumboNode;

namespace swarmcrawl {

struct StructuredDataLimits {
  size_t max_items = 256;
  size_t max_json_bytes = 2 << 20;
  size_t max_depth = 32;
};

struct StructuredData {
  std::vector<nlohmann::json> items;  // JSON-LD nodes first, then microdata items, document order
  size_t json_ld_items = 0;           // items[0, json_ld_items) came from JSON-LD, the rest microdata
  size_t json_ld_blocks = 0;          // <script type=application/ld+json> seen
  size_t json_ld_errors = 0;          // of those, how many did not parse
};

StructuredData ExtractStructuredData(const GumboNode* root,
                                     const StructuredDataLimits& limits = StructuredDataLimits());

}  // namespace swarmcrawl
