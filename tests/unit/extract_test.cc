#include "parsers/extract.h"

#include <doctest/doctest.h>

#include <gumbo.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parsers/html_page.h"

namespace swarmcrawl {
namespace {

constexpr char kUrl[] = "https://example.com/news/story.html";

// Parses `html` once (through the ParseHtmlPage visitor) and extracts from the tree.
Article Extract(const std::string& html, const std::vector<nlohmann::json>& items = {}) {
  Article a;
  bool visited = false;
  ParseHtmlPage(html, kUrl, HtmlLimits(), [&](const GumboNode* root) {
    visited = true;
    a = ExtractArticle(root, kUrl, items);
  });
  REQUIRE(visited);
  return a;
}

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool IsValidUtf8(const std::string& s) { return SanitizeUtf8(s) == s; }

const std::string kP1 =
    "The council voted on Tuesday to rebuild the old harbour bridge, ending a debate that had "
    "divided the town for more than a decade, and work is expected to begin in the spring.";
const std::string kP2 =
    "Engineers said the new design keeps the original stone piers, which are listed, while "
    "replacing the steel deck that has been closed to lorries since the floods of 2015.";
const std::string kP3 =
    "Residents who opposed the plan, citing noise and the cost to local taxpayers, said they "
    "would continue to campaign for a tunnel instead, though few expect that to succeed.";

std::string BoilerplatePage() {
  return "<html><head><title>Bridge vote | Harbour News</title></head><body>"
         "<div id=\"cookie-banner\">We use cookies to improve your experience. Accept all cookies "
         "or manage your preferences.</div>"
         "<header class=\"site-header\"><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a> "
         "<a href=\"/about\">About us</a></nav></header>"
         "<div class=\"layout\"><div class=\"column\">"
         "<article>"
         "<h1>Council votes to rebuild harbour bridge</h1>"
         "<div class=\"byline\">By Jane Reporter</div>"
         "<div class=\"share-buttons\"><a href=\"#\">Share on Facebook</a> "
         "<a href=\"#\">Tweet this</a></div>"
         "<p>" + kP1 + "</p>"
         "<p>" + kP2 + "</p>"
         "<figure><img src=\"bridge.jpg\" alt=\"The bridge\"><figcaption>The bridge at dawn, "
         "seen from the quay.</figcaption></figure>"
         "<p>" + kP3 + "</p>"
         "<div class=\"related-links\"><h3>Related stories</h3><ul>"
         "<li><a href=\"/a\">Ferry timetable changes for winter</a></li>"
         "<li><a href=\"/b\">Quay car park to close for repairs</a></li></ul></div>"
         "</article>"
         "<section id=\"comments\"><h2>Comments</h2><div class=\"comment\"><p>Great article, "
         "thanks for writing it, I have walked over that bridge every day for years.</p></div>"
         "</section>"
         "</div>"
         "<aside class=\"sidebar\"><h3>Most read</h3><ul><li><a href=\"/p1\">Popular post "
         "one</a></li></ul><p>Sign up to our weekly newsletter, delivered every Friday, with the "
         "best of the week's local news.</p></aside>"
         "</div>"
         "<footer><p>Copyright 2024 Harbour News Ltd. All rights reserved. Registered in "
         "England, company number 123456.</p></footer>"
         "</body></html>";
}

TEST_CASE("boilerplate around and inside an <article> is dropped and the body kept") {
  const Article a = Extract(BoilerplatePage());
  CHECK(a.found);
  CHECK(a.text == kP1 + "\n" + kP2 + "\n" + kP3);
  CHECK(!a.method.empty());
}

TEST_CASE("boilerplate is dropped on a page of plain divs, found by scoring") {
  std::string html =
      "<html><body>"
      "<div id=\"menu\"><ul><li><a href=\"/1\">Section one</a></li><li><a href=\"/2\">Section "
      "two</a></li><li><a href=\"/3\">Section three</a></li></ul></div>"
      "<div class=\"wrap\"><div class=\"left\">"
      "<p>" + kP1 + "</p><p>" + kP2 + "</p>"
      "<div class=\"social-share\"><a href=\"/s1\">Facebook</a> <a href=\"/s2\">Twitter</a> "
      "<a href=\"/s3\">Email</a></div>"
      "<p>" + kP3 + "</p>"
      "</div>"
      "<div id=\"sidebar\"><p>Advertise with us, reach thousands of readers, call our sales "
      "team today, offers end soon.</p></div></div>"
      "<div id=\"footer\"><a href=\"/privacy\">Privacy policy</a> | <a href=\"/terms\">Terms of "
      "use</a> | <a href=\"/contact\">Contact</a></div>"
      "</body></html>";
  const Article a = Extract(html);
  CHECK(a.found);
  CHECK(a.method == "scored");
  CHECK(a.text == kP1 + "\n" + kP2 + "\n" + kP3);
}

TEST_CASE("page-builder text widgets are content, sidebar widgets are not") {
  const std::string html =
      "<html><body><div class=\"page\">"
      "<div class=\"elementor-widget elementor-widget-text-editor\"><p>" + kP1 + "</p></div>"
      "<div class=\"elementor-widget elementor-widget-text-editor\"><p>" + kP2 + "</p></div>"
      "<div class=\"elementor-widget elementor-widget-text-editor\"><p>" + kP3 + "</p></div>"
      "<div class=\"widget widget_recent_entries\"><p>Recent posts from the archive, with "
      "links, listed by date.</p></div>"
      "</div></body></html>";
  const Article a = Extract(html);
  CHECK(a.text == kP1 + "\n" + kP2 + "\n" + kP3);
}

TEST_CASE("block elements are separated by newlines and inline elements are not") {
  const std::string html =
      "<html><body><article><p>" + kP1 + "</p>"
      "<h2>What happens next</h2>"
      "<p>Work starts in <b>March</b>, the council <i>says</i>.<br>Traffic will be diverted.</p>"
      "<ul><li>Phase one: piers</li><li>Phase two: deck</li></ul>"
      "<div>Ward<span>ens</span> will patrol</div>"
      "<table><tr><td>Cost</td><td>12m</td></tr></table>"
      "<p>" + kP2 + "</p></article></body></html>";
  const Article a = Extract(html);
  CHECK(a.text == kP1 +
                      "\nWhat happens next"
                      "\nWork starts in March, the council says."
                      "\nTraffic will be diverted."
                      "\nPhase one: piers\nPhase two: deck"
                      "\nWardens will patrol"
                      "\nCost 12m\n" +
                      kP2);
  CHECK(!Has(a.text, "\n\n"));
}

TEST_CASE("markdown renders headings, nested lists, links, emphasis, code, tables and quotes") {
  const std::string html =
      "<html><body><article>"
      "<h1>Headline</h1>"
      "<p>" + kP1 + "</p>"
      "<h2>Section A</h2>"
      "<p>See <a href=\"/docs/x\">the docs</a> and <em>really</em> read them, then "
      "<code>run()</code> it.</p>"
      "<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>"
      "<ol><li>first</li><li>second</li></ol>"
      "<table><tr><th>Name</th><th>Value</th></tr><tr><td>a|b</td><td>1</td></tr></table>"
      "<pre>int x = 1;\nint y = 2;</pre>"
      "<blockquote><p>Quoted words.</p></blockquote>"
      "<p>Stars * and [brackets] are escaped.</p>"
      "</article></body></html>";
  const Article a = Extract(html);
  const std::string expected = kP1 +
                               "\n\n## Section A\n\n"
                               "See [the docs](https://example.com/docs/x) and *really* read them, "
                               "then `run()` it.\n\n"
                               "- one\n- two\n  - nested\n\n"
                               "1. first\n2. second\n\n"
                               "| Name | Value |\n| --- | --- |\n| a\\|b | 1 |\n\n"
                               "```\nint x = 1;\nint y = 2;\n```\n\n"
                               "> Quoted words.\n\n"
                               "Stars \\* and \\[brackets\\] are escaped.";
  CHECK(a.markdown == expected);
  // Inline markup never spans blocks or wraps nothing.
  const Article b = Extract("<html><body><article><p>" + kP1 + "</p><p>Before <a href=\"/y\">"
                            "<em> </em></a>after <strong>bold <br>broken</strong> end.</p>"
                            "</article></body></html>");
  CHECK(b.markdown == kP1 + "\n\nBefore after bold\n\nbroken end.");
  // The plain text has the same blocks without markup.
  CHECK(Has(a.text, "\nSee the docs and really read them, then run() it.\n"));
  CHECK(Has(a.text, "\nint x = 1;\nint y = 2;\n"));
  CHECK(Has(a.text, "\nName Value\na|b 1\n"));
  // Headings inside the main content; the headline <h1> is not article body.
  REQUIRE(a.headings.size() == 1);
  CHECK(a.headings[0].level == 2);
  CHECK(a.headings[0].text == "Section A");
}

TEST_CASE("metadata comes from OpenGraph, article:* and meta tags") {
  const std::string html =
      "<html lang=\"en-GB\"><head>"
      "<title>Ignored Title | Harbour News</title>"
      "<meta property=\"og:title\" content=\"  OG Title  \">"
      "<meta property=\"og:description\" content=\"OG description\">"
      "<meta property=\"og:site_name\" content=\"Harbour News\">"
      "<meta property=\"og:type\" content=\"article\">"
      "<meta property=\"og:image\" content=\"/img/a.jpg\">"
      "<meta property=\"og:url\" content=\"https://example.com/canonical-post\">"
      "<meta property=\"article:published_time\" content=\"2019-11-19T10:30:00+01:00\">"
      "<meta property=\"article:modified_time\" content=\"2019-11-20\">"
      "<meta name=\"author\" content=\"Jane Doe\">"
      "</head><body><article><p>" + kP1 + "</p><p>" + kP2 + "</p></article></body></html>";
  const Article a = Extract(html);
  CHECK(a.title == "OG Title");
  CHECK(a.description == "OG description");
  CHECK(a.site_name == "Harbour News");
  CHECK(a.type == "article");
  CHECK(a.image == "https://example.com/img/a.jpg");
  CHECK(a.canonical == "https://example.com/canonical-post");
  CHECK(a.published == "2019-11-19T10:30:00+01:00");
  CHECK(a.modified == "2019-11-20");
  CHECK(a.authors == std::vector<std::string>{"Jane Doe"});
  CHECK(a.language == "en-GB");
  CHECK(a.opengraph.at("og:title") == "OG Title");
  CHECK(a.opengraph.at("article:published_time") == "2019-11-19T10:30:00+01:00");
  CHECK(a.opengraph.count("og:locale") == 0);

  const nlohmann::json j = ArticleMetadataToJson(a);
  CHECK(j.at("title") == "OG Title");
  CHECK(j.at("canonical_url") == "https://example.com/canonical-post");
  CHECK(j.at("site_name") == "Harbour News");
  CHECK(j.at("authors") == nlohmann::json::array({"Jane Doe"}));
  CHECK(j.at("found") == true);
  CHECK(!j.contains("text"));
}

TEST_CASE("metadata comes from JSON-LD items when there is no OpenGraph") {
  const std::string html =
      "<html><head><title>Something else entirely - Harbour News</title>"
      "<link rel=\"canonical\" href=\"/news/canonical.html\"></head>"
      "<body><article><p>" + kP1 + "</p><p>" + kP2 + "</p></article></body></html>";
  std::vector<nlohmann::json> items = {
      {{"@type", "BreadcrumbList"}, {"name", "Not this"}},
      {{"@type", "NewsArticle"},
       {"headline", "LD Headline"},
       {"description", "LD description"},
       {"author", {{{"@type", "Person"}, {"name", "By A. Writer"}}, {{"name", "B. Writer"}}}},
       {"datePublished", "2020-01-02T03:04:05Z"},
       {"dateModified", "Jan 5, 2020"},
       {"publisher", {{"@type", "Organization"}, {"name", "LD Publisher"}}},
       {"image", {{"@type", "ImageObject"}, {"url", "https://cdn.example.com/i.png"}}}}};
  const Article a = Extract(html, items);
  CHECK(a.title == "LD Headline");
  CHECK(a.description == "LD description");
  CHECK(a.authors == std::vector<std::string>{"A. Writer", "B. Writer"});
  CHECK(a.published == "2020-01-02T03:04:05Z");
  CHECK(a.modified == "2020-01-05");
  CHECK(a.site_name == "LD Publisher");
  CHECK(a.type == "NewsArticle");
  CHECK(a.image == "https://cdn.example.com/i.png");
  CHECK(a.canonical == "https://example.com/news/canonical.html");
}

TEST_CASE("title falls back to <title> without the site name, then to the first h1") {
  const std::string body = "<body><h1>The H1 Headline</h1><article><p>" + kP1 + "</p></article></body>";
  CHECK(Extract("<html><head><title>How We Built It | Harbour News</title>"
                "<meta property=\"og:site_name\" content=\"Harbour News\"></head>" + body + "</html>")
            .title == "How We Built It");
  CHECK(Extract("<html><head></head>" + body + "</html>").title == "The H1 Headline");
}

TEST_CASE("dates in other spellings are normalized to ISO 8601") {
  auto published = [](const std::string& value) {
    return Extract("<html><head><meta name=\"date\" content=\"" + value +
                   "\"></head><body><p>" + kP1 + "</p></body></html>")
        .published;
  };
  CHECK(published("2019/11/19") == "2019-11-19");
  CHECK(published("Tue, 19 Nov 2019 10:30:00 GMT") == "2019-11-19");
  CHECK(published("November 19, 2019") == "2019-11-19");
  CHECK(published("2019-11-19 08:05:09") == "2019-11-19T08:05:09");
  CHECK(published("not a date") == "not a date");
}

TEST_CASE("JSON-LD articleBody decides between competing candidates") {
  // A teaser in a container named like an article body (but no commas, so
  // it scores low) and the real body in an anonymous one.
  const std::string summary =
      "In brief the council has approved the harbour bridge plan after years of argument and "
      "construction could begin as soon as next spring according to officials who spoke on the "
      "record at the meeting on Tuesday night in the town hall where a large crowd gathered to "
      "hear the result of the vote.";
  const std::string html =
      "<html><body>"
      "<div class=\"top\"><div class=\"article-body\"><p>" + summary + "</p></div></div>"
      "<div class=\"wrap\"><p>" + kP1 + "</p><p>" + kP2 + "</p><p>" + kP3 + "</p></div>"
      "</body></html>";
  // Without guidance the explicitly named container wins.
  const Article plain = Extract(html);
  CHECK(plain.method == "content-class");
  CHECK(Has(plain.text, "In brief"));
  // The declared article body matches the other candidate.
  const std::vector<nlohmann::json> items = {
      {{"@type", "NewsArticle"}, {"articleBody", kP1 + " " + kP2 + " " + kP3}}};
  const Article guided = Extract(html, items);
  CHECK(guided.method == "jsonld-articleBody");
  CHECK(guided.text == kP1 + "\n" + kP2 + "\n" + kP3);
}

TEST_CASE("the headline is dropped, later h1 section headings and h2s are kept") {
  const std::string html =
      "<html><head><title>Bridge vote</title></head><body><article>"
      "<h1>Council votes to rebuild harbour bridge</h1><p>" + kP1 + "</p>"
      "<h1>Part two</h1><p>" + kP2 + "</p><h2>Part three</h2><p>" + kP3 + "</p>"
      "</article></body></html>";
  const Article a = Extract(html);
  CHECK(a.text == kP1 + "\nPart two\n" + kP2 + "\nPart three\n" + kP3);
  REQUIRE(a.headings.size() == 2);
  CHECK(a.headings[0].level == 1);
  CHECK(a.headings[1].text == "Part three");
}

TEST_CASE("hidden elements are not content") {
  const std::string html =
      "<html><body><article><p>" + kP1 + "</p>"
      "<p style=\"display: none\">Hidden by style, this should never appear anywhere.</p>"
      "<div hidden>Hidden by attribute, this should never appear anywhere.</div>"
      "<div aria-hidden=\"true\">Hidden from readers, this should never appear.</div>"
      "<p>" + kP2 + "</p></article></body></html>";
  const Article a = Extract(html);
  CHECK(a.text == kP1 + "\n" + kP2);
}

TEST_CASE("no body or an empty page: found=false, empty text, no crash") {
  for (const std::string html : {"", "<html></html>", "<html><body></body></html>",
                                 "<html><body>   \n </body></html>", "<!-- only a comment -->"}) {
    const Article a = Extract(html);
    CHECK(!a.found);
    CHECK(a.text.empty());
    CHECK(a.markdown.empty());
    CHECK(a.method.empty());
  }
  const Article none = ExtractArticle(nullptr, kUrl, {});
  CHECK(!none.found);
  CHECK(none.text.empty());
  CHECK(ArticleMetadataToJson(none).at("found") == false);
}

TEST_CASE("a page of only scripts and styles has no content") {
  std::string html = "<html><head><style>p { color: red; }</style></head><body>";
  for (int i = 0; i < 50; ++i) {
    html += "<script>var text = 'This is not content, it is code, with commas, many words';</script>";
  }
  html += "<noscript>Please enable JavaScript, it is required for this site.</noscript></body></html>";
  const Article a = Extract(html);
  CHECK(!a.found);
  CHECK(a.text.empty());
}

TEST_CASE("100,000-deep nesting through the ParseHtmlPage visitor stays bounded") {
  std::string html = "<html><body>";
  for (int i = 0; i < 100000; ++i) html += "<div>";
  html += kP1;
  for (int i = 0; i < 100000; ++i) html += "</div>";
  html += "</body></html>";
  const auto start = std::chrono::steady_clock::now();
  const Article a = Extract(html);
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(s < 5.0);
  CHECK(IsValidUtf8(a.text));
  // And the extractor itself bounds depth on a tree it did not parse.
  ExtractLimits limits;
  limits.max_depth = 50;
  bool visited = false;
  ParseHtmlPage("<html><body><article><p>" + kP1 + "</p></article></body></html>", kUrl,
                HtmlLimits(), [&](const GumboNode* root) {
                  visited = true;
                  CHECK(ExtractArticle(root, kUrl, {}, limits).text == kP1);
                });
  CHECK(visited);
}

TEST_CASE("hostile shapes (nested candidates, huge tables, padded blocks) stay fast") {
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::string p = "<p>" + kP1 + "</p>";
  const std::vector<std::string> pages = {
      "<body>" + repeat("<article class=\"article-body\">" + p, 3000) + "</body>",
      "<body>" + repeat("<blockquote><ul><li>" + p, 1000) + "</body>",
      "<body><table>" + repeat("<tr>" + repeat("<td>cell, text</td>", 20) + "</tr>", 10000) +
          "</table></body>",
      "<body>" + repeat("<p>By" + repeat("<span></span>", 1000) + "</p>", 200) + "</body>",
      "<body><pre>" + repeat("`", 100000) + "</pre>" + p + "</body>",
  };
  for (const std::string& html : pages) {
    const auto start = std::chrono::steady_clock::now();
    const Article a = Extract(html);
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 5.0);
    CHECK(a.found);
    CHECK(a.text.size() <= ExtractLimits().max_text_bytes);
    CHECK(a.markdown.size() <= ExtractLimits().max_text_bytes);
  }
}

TEST_CASE("output is valid UTF-8 and capped") {
  std::string html = "<html><body><article>";
  for (int i = 0; i < 200; ++i) html += "<p>" + kP1 + " \xC3\xA9t\xC3\xA9 \xff\xfe</p>";
  html += "</article></body></html>";
  ExtractLimits limits;
  limits.max_text_bytes = 1001;
  bool visited = false;
  ParseHtmlPage(html, kUrl, HtmlLimits(), [&](const GumboNode* root) {
    visited = true;
    const Article a = ExtractArticle(root, kUrl, {}, limits);
    CHECK(a.found);
    CHECK(a.text.size() <= 1001);
    CHECK(a.markdown.size() <= 1001);
    CHECK(IsValidUtf8(a.text));
    CHECK(IsValidUtf8(a.markdown));
  });
  CHECK(visited);
}

TEST_CASE("the ParseHtmlPage visitor sees the <html> element and changes nothing else") {
  const std::string html =
      "<html lang=\"fr\"><head><title>T</title></head><body><p>Hello <a href=\"/x\">x</a></p>"
      "</body></html>";
  const HtmlPage plain = ParseHtmlPage(html, kUrl);
  int calls = 0;
  const HtmlPage visited = ParseHtmlPage(html, kUrl, HtmlLimits(), [&](const GumboNode* root) {
    ++calls;
    REQUIRE(root != nullptr);
    CHECK(root->type == GUMBO_NODE_ELEMENT);
    CHECK(root->v.element.tag == GUMBO_TAG_HTML);
  });
  CHECK(calls == 1);
  CHECK(visited.text == plain.text);
  CHECK(visited.title == plain.title);
  CHECK(visited.outlinks == plain.outlinks);
  CHECK(visited.lang == plain.lang);
}

}  // namespace
}  // namespace swarmcrawl
