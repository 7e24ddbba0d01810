// HtmlPage: one Gumbo parse of an HTML document into what a web_page record needs.
//
// The document is parsed exactly once; title, plain text, outlinks, <base href>,
// <link rel=canonical>, <html lang> and the opt-out <meta> elements (robots
// directives, see parsers/optout.h, and TDMRep tdm-reservation / tdm-policy)
// all come from the same tree walk. Hostile input is bounded: the walk is
// iterative (no recursion, so 100,000-deep nesting cannot overflow the stack),
// stops descending past `max_depth`, keeps at most `max_links` outlinks and
// `max_text_bytes` of text.
// Because Gumbo's tree builder is quadratic in nesting depth, a cheap pre-scan
// also estimates nesting and hands Gumbo only the input before the point where
// it would first exceed `max_depth` (the rest is dropped, `truncated` set).
// Output strings are always valid UTF-8 (invalid input bytes become U+FFFD).
// Opt-out flags are only ever set by the document, never cleared.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

typedef struct GumboInternalNode GumboNode;

namespace swarmcrawl {

struct HtmlLimits {
  size_t max_links = 5000;          // outlinks kept per page
  size_t max_depth = 1024;          // element depth walked (<html> is 1)
  size_t max_text_bytes = 4 << 20;  // plain text kept per page
  size_t max_parse_bytes = 4 << 20; // HTML handed to Gumbo; the rest is dropped (truncated)
  size_t max_url_bytes = 8192;      // longer <base href>, hrefs and resolved links are ignored
  // Our robots product token, lower-case (e.g. "swarmcrawl"); <meta name=TOKEN>
  // directives then apply like <meta name=robots>. Empty: none.
  std::string product_token;
};

struct HtmlPage {
  std::string title;      // <title>, whitespace collapsed
  std::string text;       // visible text; block elements separated by '\n', runs of
                          // spaces collapsed (except in <pre>); script, style, noscript,
                          // template, head, iframe, select, svg and math content dropped
  std::string base_url;   // effective base: <base href> resolved against the page URL,
                          // else the page URL
  std::string canonical;  // <link rel=canonical> resolved, canonical form; empty if none/invalid
  std::string lang;       // <html lang>, as written (trimmed); empty if absent
  // Robots directives (ApplyRobotsDirectives) of every <meta name=robots> and
  // <meta name={product_token}>, names compared case-insensitively.
  bool meta_nofollow = false;   // nofollow or none
  bool meta_noindex = false;    // noindex or none
  bool meta_noai = false;       // noai
  bool meta_noimageai = false;  // noimageai
  // Content of the first <meta name=tdm-reservation> / <meta name=tdm-policy>
  // (name case-insensitive) as written: trimmed, at most 2048 bytes; empty if
  // absent. Interpret with ParseTdmReservation / ResolveTdm (parsers/optout.h).
  std::string tdm_reservation;
  std::string tdm_policy;
  // Absolute canonical http(s) URLs of <a href> and <area href> (rel=nofollow links
  // included; none from <template>, <svg> or <math>), resolved against base_url,
  // de-duplicated, in document order.
  std::vector<std::string> outlinks;
  bool truncated = false;  // a limit was hit (links, depth or text)
  // Which limits, each named once: "html_bytes", "nesting_depth",
  // "page_text", "links" (the record's limits.reasons).
  std::vector<std::string> truncated_by;
};

// Parses `html` (bytes as served; Gumbo assumes UTF-8) fetched from `page_url`
// (an absolute, canonical URL).
HtmlPage ParseHtmlPage(std::string_view html, std::string_view page_url,
                       const HtmlLimits& limits = HtmlLimits());

// Sees the parsed tree (its <html> element) before it is freed; the tree and
// every string in it are valid only during the call. Lets other extractors
// (structured data, main content) share the one bounded parse.
using GumboTreeVisitor = std::function<void(const GumboNode* root)>;

// As above, and calls `visit` (if set) with the root of the same parse after
// the page walk. `visit` is not called when Gumbo produced no tree.
HtmlPage ParseHtmlPage(std::string_view html, std::string_view page_url,
                       const HtmlLimits& limits, const GumboTreeVisitor& visit);

// Replaces invalid UTF-8 sequences in `s` with U+FFFD. Used on every string
// that leaves a parser so JSON encoding can never fail.
std::string SanitizeUtf8(std::string_view s);
// Replaces each byte of an invalid UTF-8 sequence with its %XX escape: the
// form a URL path carries such a byte in, so robots.txt patterns written in
// a legacy charset still match (RFC 9309 section 2.2.2).
std::string PercentEncodeInvalidUtf8(std::string_view s);

// ASCII whitespace runs collapsed to one space and trimmed; valid UTF-8 of
// at most `cap` bytes (cut on a code point boundary).
std::string CollapseSpaces(std::string_view s, size_t cap);

}  // namespace swarmcrawl
