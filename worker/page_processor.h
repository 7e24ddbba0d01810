// PageProcessor: turns one finished fetch into one result entry.
//
// Pure function of its inputs (no I/O, no shared state), so it runs on any
// parse-pool thread. Every fetch yields an entry: a stored page (reason ""),
// or a reason such as "redirect", "not_html", "noindex", "http_404" or the
// fetcher's error. Pages are parsed exactly once with Gumbo (ParseHtmlPage).
// A page's <meta name=robots> is honoured: noindex means no text is kept,
// nofollow means no outlinks are reported.
#pragma once

#include <string>

#include "core/protocol.h"
#include "parsers/html_page.h"
#include "worker/fetcher.h"

namespace swarmcrawl {

// `kind` is the lease kind ("page" or "robots"); `task_url` the URL as leased.
ResultEntry ProcessFetch(const FetchResult& fetch, const std::string& kind, int64_t task_id,
                         const std::string& task_url, const HtmlLimits& limits = HtmlLimits());

// True for text/html and application/xhtml+xml, or, when the server sent no
// Content-Type, for a body that starts like an HTML document.
bool LooksLikeHtml(const std::string& content_type, const std::string& body);

}  // namespace swarmcrawl
