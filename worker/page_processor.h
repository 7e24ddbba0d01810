// PageProcessor: turns one finished fetch into one result entry.
//
// Pure function of its inputs (no I/O, no shared state), so it runs on any
// parse-pool thread. Every fetch yields an entry: a stored page (reason ""),
// or a reason such as "redirect", "not_html", "not_modified", "noindex",
// "noai", "tdm_reserved", "sitemap", "bad_sitemap", "http_404" or the
// fetcher's error. Pages are parsed exactly once with Gumbo (ParseHtmlPage).
//
// Opt-outs (docs/politeness.md): X-Robots-Tag headers and <meta name=robots>
// (or <meta name=OUR_TOKEN>) with noindex or noai mean no text is kept, and
// the entry's detail names the directive and where it was found; nofollow
// means no outlinks. TDMRep is resolved in the specification's order:
// /.well-known/tdmrep.json (given by the coordinator per task), then the
// tdm-reservation/tdm-policy headers, then the <meta> tags; a reservation
// means no text is kept (reason "tdm_reserved", detail with the policy).
// Outlinks of opted-out pages are still reported unless nofollow applies:
// following a link is not using the page's content.
//
// A stored page carries its dataset content (parsers/page_content.h): main
// text, Markdown and the extras (metadata, language, quality, encoding,
// structured records); with keep_body also the response head and the
// gzip-compressed body, from which the coordinator writes WARC files. A feed
// read as a sitemap task also yields its items as structured records.
#pragma once

#include <string>

#include "core/protocol.h"
#include "parsers/html_page.h"
#include "parsers/page_content.h"
#include "parsers/parser_registry.h"
#include "worker/fetcher.h"

namespace swarmcrawl {

struct TaskContext {
  std::string lease_kind = "page";  // "page" or "robots"
  TaskSpec task;                    // as leased (kind, validators, TDMRep file policy)
  std::string product_token;        // ours, for X-Robots-Tag "agent:" prefixes
  std::vector<std::string> ai_tokens;
  const ParserRegistry* registry = nullptr;  // structured-record parsers; null: none
  bool keep_body = true;                     // ship response head and body (for WARC)
};

ResultEntry ProcessFetch(const FetchResult& fetch, const TaskContext& ctx,
                         const HtmlLimits& limits = HtmlLimits());
// A page or robots task with nothing but its id and URL.
ResultEntry ProcessFetch(const FetchResult& fetch, const std::string& kind, int64_t task_id,
                         const std::string& task_url, const HtmlLimits& limits = HtmlLimits());

// Milliseconds a Retry-After value (delta-seconds or an HTTP-date) asks to
// wait, counted from `now_ms`; 0 when absent or unparseable. Capped at 30 days.
int64_t ParseRetryAfterMs(std::string_view value, int64_t now_ms);

// True for text/html and application/xhtml+xml, or, when the server sent no
// Content-Type, for a body that starts like an HTML document.
bool LooksLikeHtml(const std::string& content_type, const std::string& body);

}  // namespace swarmcrawl
