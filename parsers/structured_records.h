// StructuredRecords: schema.org items (parsers/structured_data.h) turned into
// typed dataset record bodies, one schema per kind of content:
//
//   Article, NewsArticle, BlogPosting, Report, ScholarlyArticle, TechArticle,
//   LiveBlogPosting and the other Article subtypes     -> article.v1
//   DiscussionForumPosting, Question (alone or as a QAPage's mainEntity),
//   with its Comment / Answer thread flattened          -> forum_thread.v1
//   SocialMediaPosting                                  -> social_post.v1
//   Product, ProductGroup, ProductModel, IndividualProduct, Vehicle, Car
//                                                       -> product.v1
//   Recipe                                              -> recipe.v1
//
// Items of other types are not records themselves, but their "mainEntity"
// is looked at (a WebPage or QAPage wrapping the Article or Question).
//
// Each record is a JSON object with "schema" (e.g. "product.v1"), "source"
// ("json-ld" or "microdata") and the type's fields as documented in
// schemas/<schema>.json; every field is always present (null or [] when the
// item does not say). The envelope (id, crawl, url, fetched_at, contributor,
// lease_id, page_record) is added by the caller.
//
// Real-world schema.org is loosely typed, so every value is read
// defensively: strings, objects ({"name": ...}, {"@value": ...}), arrays
// (first element, or all for list fields), numbers and numbers-as-strings
// ("1,299.00", "$19.99") are all accepted; anything else reads as absent.
// Text is plain: HTML markup and entities in values are reduced to text
// (ParseHtmlPage), one-line fields are whitespace-collapsed; all strings are
// valid UTF-8 and bounded (4 KB for one-line fields, 1 MB for bodies).
// URLs (image, item_url, ...) are resolved against `page_url` and
// canonicalized; unusable ones read as absent. Dates are normalized to
// ISO 8601 UTC (NormalizeDateUtc in parsers/feed_items.h). Durations are kept
// as ISO 8601 ("PT1H30M") plus their length in seconds.
// Bounds: at most 64 records per page, 1000 comments per thread, 100 offers
// per product, 500 ingredients and 500 instruction steps per recipe;
// identical records (a Question both on its own and inside a QAPage) are
// emitted once. Never throws; iterative (no recursion on item nesting).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parsers/structured_data.h"

namespace swarmcrawl {

// Every schema a structured record may have (schemas/NAME.json): the typed
// records of this file, feed items (parsers/feed_items.h) and citation
// tags (parsers/citation_meta.h). The coordinator stores and exports no other.
inline constexpr const char* kStructuredSchemas[] = {
    "article.v1", "forum_thread.v1", "social_post.v1",      "product.v1",
    "recipe.v1",  "feed_item.v1",    "scholarly_article.v1"};
bool IsStructuredSchema(std::string_view name);

std::vector<nlohmann::json> StructuredRecords(const StructuredData& data,
                                              std::string_view page_url);

// Seconds in an ISO 8601 duration: P[nW][nD][T[nH][nM][nS]], numbers may
// have decimals ("PT1.5H"); years and months (not a fixed length) and
// anything else return nullopt. Case-insensitive.
std::optional<int64_t> DurationSeconds(std::string_view iso8601);

}  // namespace swarmcrawl
