// PageContent: everything a dataset record says about one fetched HTML page,
// computed from its bytes alone.
//
// This is the one pipeline behind both the worker (worker/page_processor.h)
// and `swarmcrawl parse`, so the debugging tool shows exactly what a worker
// would produce. Steps: decode the body to UTF-8 (core/charset.h: BOM, HTTP
// charset, <meta charset>, default), parse it once with Gumbo
// (parsers/html_page.h) and, on that same tree, collect schema.org structured
// data (parsers/structured_data.h) and extract the main content
// (parsers/extract.h); then identify the language (parsers/language.h),
// compute quality signals (parsers/quality.h) and run the structured-record
// parsers the registry picks for the URL and content type
// (parsers/parser_registry.h).
//
// Invariants: never fails and never throws on any input; every string is valid
// UTF-8; time and memory are bounded by the limits (decoded text is cut at
// max_decoded_bytes before parsing).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "parsers/html_page.h"

namespace swarmcrawl {

class ParserRegistry;

struct PageContentOptions {
  HtmlLimits html;
  size_t max_decoded_bytes = 8u << 20;   // UTF-8 handed to the parser
  size_t max_text_bytes = 1u << 20;      // main text and markdown, each
  // Structured-record parsers; null: none (only the web_page content).
  const ParserRegistry* registry = nullptr;
};

struct PageContent {
  HtmlPage page;  // the whole-page walk: <title>, outlinks, canonical, opt-out <meta>
  // Main content, one block per line. When no main content was found this is
  // the whole page's visible text and extras.metadata.method is "page".
  std::string text;
  std::string markdown;  // main content as Markdown; empty when not found
  // {"metadata": {...}, "language": {...}, "quality": {...}, "encoding": {...},
  //  "structured": [record bodies]} — "structured" only when non-empty.
  nlohmann::json extras = nlohmann::json::object();
};

// `body` as served (after content decoding); `content_type` lower-case without
// parameters; `charset` the Content-Type's charset parameter (may be empty).
PageContent BuildPageContent(std::string_view body, std::string_view page_url,
                             std::string_view content_type, std::string_view charset,
                             const PageContentOptions& options = PageContentOptions());

// Structured records the registry yields for a non-HTML document (a feed):
// the registry's parsers matching URL and content type, run without a tree.
nlohmann::json NonHtmlRecords(std::string_view body, std::string_view url,
                              std::string_view content_type, const ParserRegistry& registry);

}  // namespace swarmcrawl
