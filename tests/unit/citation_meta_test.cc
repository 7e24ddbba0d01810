#include "parsers/citation_meta.h"

#include <doctest/doctest.h>
#include <gumbo.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/ingest.h"
#include "core/json_schema.h"
#include "parsers/page_content.h"
#include "parsers/parser_registry.h"
#include "parsers/structured_records.h"

#include "tests/unit/parser_fixture.h"

namespace swarmcrawl {
namespace {

using json = nlohmann::json;
using Strings = std::vector<std::string>;

// The page tests/fixtures/parsers/citation.html stands for.
constexpr char kPage[] = "https://journals.example/jfs/article/view/42";

// One Gumbo parse, freed with the object.
class Html {
 public:
  explicit Html(std::string html)
      : html_(std::move(html)),
        out_(gumbo_parse_with_options(&kGumboDefaultOptions, html_.data(), html_.size())) {}
  ~Html() { gumbo_destroy_output(&kGumboDefaultOptions, out_); }
  Html(const Html&) = delete;
  Html& operator=(const Html&) = delete;
  const GumboNode* root() const { return out_->root; }

 private:
  std::string html_;
  GumboOutput* out_;
};

// What the citation_meta parser returns for `html` fetched from `url`.
std::vector<json> Parse(const std::string& html, const std::string& url = kPage) {
  Html doc(html);
  return CitationMetaRecords(PageInput{url, "text/html", html, doc.root(), nullptr});
}

// Upper-case tag names, a <base href>, Dublin Core fallbacks, and tags the
// parser must not read (inside <template>).
std::string FallbackPage() {
  return R"html(<html><head><base href="https://mirror.example/papers/">
    <META NAME="Citation_Title" CONTENT="On  the   Analytical Engine ">
    <meta name="DC.creator" content="Ada Lovelace"><meta name="dc.Creator" content="Charles Babbage">
    <meta name="DC.date" content="sometime"><meta name="DC.Date" content="1843">
    <meta name="citation_pdf_url" content="p/7.pdf">
    <meta name="citation_abstract_html_url" content="javascript:alert(1)">
    <meta name="citation_doi" content="ISBN 978-3-16-148410-0">
    <meta name="citation_keywords" content="engines, notes, engines">
    </head><body><p>Notes by the translator.</p>
    <template><meta name="citation_author" content="In a template"></template></body></html>)html";
}

// 10,000 authors, a 1 MB title, a 1 MB publisher that is mostly spaces and
// a keywords tag of 50,000 keywords.
std::string HostilePage() {
  std::string html = "<html><head><meta name=\"citation_title\" content=\"";
  html += std::string(1 << 20, 'T');
  html += "\">\n<meta name=\"citation_publisher\" content=\"";
  for (int i = 0; i < (1 << 17); ++i) html += "P       ";
  html += "\">\n<meta name=\"citation_keywords\" content=\"";
  for (int i = 0; i < 50000; ++i) html += "k" + std::to_string(i) + "; ";
  html += "\">\n";
  for (int i = 0; i < 10000; ++i) {
    html += "<meta name=\"citation_author\" content=\"Author " + std::to_string(i) + "\">\n";
  }
  html += "</head><body><p>x</p></body></html>";
  return html;
}

TEST_CASE("the citation fixture yields one scholarly_article.v1 record with the page's values") {
  const std::vector<json> records = Parse(ReadFixture("citation.html"));
  REQUIRE(records.size() == 1);
  json r = records[0];
  CHECK(r["schema"] == "scholarly_article.v1");
  CHECK(r["source"] == "citation_meta");
  // The tag's line break and tab are collapsed.
  CHECK(r["title"] == "Soil moisture memory in alpine meadows: a ten-year record");
  // In page order; "Tomás Ó Briain" (UTF-8) intact; "Wei  Zhang" collapsed;
  // the DC.Creator.PersonalName fallback is not used when citation_author is there.
  REQUIRE(r["authors"].size() == 3);
  CHECK(r["authors"][0] == "Ingrid Halvorsen");
  CHECK(r["authors"][1] == "Tom\xC3\xA1s \xC3\x93 Briain");
  CHECK(r["authors"][2] == "Wei Zhang");
  // citation_publication_date "2021/03/15" wins over the earlier citation_date.
  CHECK(r["date"] == "2021-03-15");
  CHECK(r["journal"] == "Journal of Field Studies");
  CHECK(r["conference"].is_null());
  CHECK(r["volume"] == "14");
  CHECK(r["issue"] == "2");
  CHECK(r["first_page"] == "117");
  CHECK(r["last_page"] == "134");
  CHECK(r["doi"] == "10.5555/jfs.2021.0042");  // "doi:" prefix removed
  // "../download/42/118" against .../jfs/article/view/42.
  CHECK(r["pdf_url"] == "https://journals.example/jfs/article/download/42/118");
  CHECK(r["abstract_html_url"] == "https://journals.example/jfs/article/view/42");
  CHECK(r["publisher"] == "Society for Field & Alpine Studies");  // &amp; decoded
  CHECK(r["language"] == "en");
  // Two tags, split on ';', "climate memory" kept once.
  CHECK(r["keywords"] ==
        json::array({"soil moisture", "alpine ecology", "climate memory", "long-term monitoring"}));
  CHECK(r["truncated"] == false);
}

TEST_CASE("tag names ignore case, URLs resolve against base href, Dublin Core fills in") {
  const std::vector<json> records = Parse(FallbackPage(), "https://papers.example/a/1");
  REQUIRE(records.size() == 1);
  json r = records[0];
  CHECK(r["title"] == "On the Analytical Engine");
  // No citation_author: the DC.creator tags (any case); never the <template>'s tag.
  CHECK(r["authors"] == json::array({"Ada Lovelace", "Charles Babbage"}));
  // The first DC date that reads as a date.
  CHECK(r["date"] == "1843");
  CHECK(r["pdf_url"] == "https://mirror.example/papers/p/7.pdf");
  CHECK(r["abstract_html_url"].is_null());  // not http(s)
  CHECK(r["doi"].is_null());                // not a DOI
  CHECK(r["keywords"] == json::array({"engines", "notes"}));  // no ';': split on ','
  CHECK(r["journal"].is_null());
  CHECK(r["first_page"].is_null());
  CHECK(r["truncated"] == false);
}

TEST_CASE("a page without citation_title yields no record, whatever else it declares") {
  CHECK(Parse(R"(<html><head><meta name="citation_author" content="A. Author">
      <meta name="citation_doi" content="10.5555/x"><meta name="DC.Title" content="Not a paper">
      <meta name="citation_title" content="  "><meta property="citation_title" content="Wrong attribute">
      </head><body><h1>citation_title</h1></body></html>)")
            .empty());
  CHECK(Parse("<html><body><p>No tags at all.</p></body></html>").empty());
  CHECK(Parse("").empty());
  // No tree (a non-HTML document): no record, no crash.
  CHECK(CitationMetaRecords(PageInput{kPage, "text/html", "<html></html>", nullptr, nullptr})
            .empty());
}

TEST_CASE("citation dates normalize to YYYY, YYYY-MM or YYYY-MM-DD and impossible ones to nothing") {
  CHECK(NormalizeCitationDate("2021/03/15") == "2021-03-15");
  CHECK(NormalizeCitationDate("2021-3-5") == "2021-03-05");
  CHECK(NormalizeCitationDate("2021.03.15") == "2021-03-15");
  CHECK(NormalizeCitationDate(" 2021 ") == "2021");
  CHECK(NormalizeCitationDate("2021/03") == "2021-03");
  CHECK(NormalizeCitationDate("2021-03-15T08:00:00Z") == "2021-03-15");
  CHECK(NormalizeCitationDate("2019 Jun 5") == "2019-06-05");
  CHECK(NormalizeCitationDate("2019 June 05") == "2019-06-05");
  CHECK(NormalizeCitationDate("2019 Sept.") == "2019-09");
  CHECK(NormalizeCitationDate("2019 Spring") == "2019");
  CHECK(NormalizeCitationDate("2020/02/29") == "2020-02-29");
  CHECK(NormalizeCitationDate("2021/02/29") == "");
  CHECK(NormalizeCitationDate("2021/13") == "");
  CHECK(NormalizeCitationDate("2021/03-15") == "");
  CHECK(NormalizeCitationDate("15/03/2021") == "");
  CHECK(NormalizeCitationDate("20210315") == "");
  CHECK(NormalizeCitationDate("0999") == "");
  CHECK(NormalizeCitationDate("") == "");
}

TEST_CASE("DOIs lose their doi: and resolver prefixes and must look like DOIs") {
  CHECK(NormalizeDoi("10.5555/jfs.2021.0042") == "10.5555/jfs.2021.0042");
  CHECK(NormalizeDoi("doi: 10.1000/XYZ-1") == "10.1000/XYZ-1");
  CHECK(NormalizeDoi("DOI:10.1000/xyz") == "10.1000/xyz");
  CHECK(NormalizeDoi("https://doi.org/10.1371/journal.pone.0123456") ==
        "10.1371/journal.pone.0123456");
  CHECK(NormalizeDoi("http://dx.doi.org/10.1000/abc") == "10.1000/abc");
  CHECK(NormalizeDoi("info:doi/10.1000.10/abc") == "10.1000.10/abc");
  CHECK(NormalizeDoi("10.5555") == "");
  CHECK(NormalizeDoi("10.5555/") == "");
  CHECK(NormalizeDoi("10.5555/a b") == "");
  CHECK(NormalizeDoi("11.5555/x") == "");
  CHECK(NormalizeDoi("10.ab/x") == "");
  CHECK(NormalizeDoi("") == "");
}

TEST_CASE("the default registry routes HTML pages to citation_meta, which the worker pipeline runs") {
  const ParserRegistry registry = DefaultParserRegistry();
  auto names = [&](std::string_view url, std::string_view type) {
    Strings out;
    for (const ParserSpec* s : registry.Match(url, type)) out.push_back(s->name);
    return out;
  };
  CHECK(names(kPage, "text/html; charset=utf-8") == Strings{"schema.org", "citation_meta"});
  CHECK(names("https://preprints.example/abs/2101.00001", "application/xhtml+xml") ==
        Strings{"schema.org", "citation_meta"});
  CHECK(names(kPage, "application/pdf").empty());
  CHECK(names("https://journals.example/jfs/feed", "application/rss+xml") == Strings{"feed"});

  const std::string html = ReadFixture("citation.html");
  Html doc(html);
  const PageInput page{kPage, "text/html", html, doc.root(), nullptr};
  const ParserSpec* citation = nullptr;
  for (const ParserSpec* s : registry.Match(page.url, page.content_type)) {
    if (s->name == "citation_meta") citation = s;
  }
  REQUIRE(citation != nullptr);
  const std::vector<json> records = citation->parse(page);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["doi"] == "10.5555/jfs.2021.0042");

  // The worker's pipeline: the record rides in extras.structured, named by its parser.
  PageContentOptions options;
  options.registry = &registry;
  PageContent c = BuildPageContent(html, kPage, "text/html", "", options);
  REQUIRE(c.extras.contains("structured"));
  size_t found = 0;
  for (const json& rec : c.extras["structured"]) {
    if (rec.value("schema", "") != "scholarly_article.v1") continue;
    ++found;
    CHECK(rec.value("parser", "") == "citation_meta");
    CHECK(rec.value("title", "") == "Soil moisture memory in alpine meadows: a ten-year record");
  }
  CHECK(found == 1);
}

TEST_CASE("a hostile page of 10,000 authors and megabyte attributes stays bounded") {
  const std::string html = HostilePage();
  Html doc(html);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<json> records =
      CitationMetaRecords(PageInput{kPage, "text/html", html, doc.root(), nullptr});
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(records.size() == 1);
  json r = records[0];
  CHECK(r["title"].get<std::string>() == std::string(kMaxCitationFieldBytes, 'T'));
  const std::string publisher = r["publisher"].get<std::string>();
  CHECK(publisher.size() <= kMaxCitationFieldBytes);
  CHECK(publisher.substr(0, 5) == "P P P");
  CHECK(publisher.back() == 'P');  // a cut never leaves a trailing space
  REQUIRE(r["authors"].size() == kMaxCitationAuthors);
  CHECK(r["authors"][0] == "Author 0");
  CHECK(r["authors"][kMaxCitationAuthors - 1] == "Author 199");
  REQUIRE(r["keywords"].size() == kMaxCitationKeywords);
  CHECK(r["keywords"][kMaxCitationKeywords - 1] == "k99");
  CHECK(r["truncated"] == true);
  CHECK(secs < 2);
}

// Records are given the envelope the coordinator adds and checked with the
// Python validator the other schema tests use, with the C++ validator the
// coordinator enforces at ingest, and through ingest's own check (which
// knows only the schemas in kStructuredSchemas).
TEST_CASE("scholarly_article.v1 records with an envelope validate against their schema") {
  std::vector<json> records = Parse(ReadFixture("citation.html"));
  for (json& r : Parse(FallbackPage(), "https://papers.example/a/1")) records.push_back(std::move(r));
  for (json& r : Parse(R"(<meta name="citation_title" content="Title only">)")) {
    records.push_back(std::move(r));
  }
  for (json& r : Parse(HostilePage())) records.push_back(std::move(r));
  REQUIRE(records.size() == 4);
  CHECK(records[2]["authors"] == json::array());
  CHECK(records[2]["date"].is_null());

  CHECK(IsStructuredSchema("scholarly_article.v1"));
  const RecordSchemas ingest_schemas;
  JsonSchema schema;
  REQUIRE(JsonSchema::Compile(json::parse(EmbeddedSchema("scholarly_article.v1")), &schema).ok());

  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("swarmcrawl_citation_" + std::to_string(getpid())))
                              .string();
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/scholarly_article.v1.jsonl";
  {
    std::ofstream out(path);
    int64_t id = 1;
    for (const json& body : records) {
      json worker_body = body;
      worker_body["parser"] = "citation_meta";  // as RunParsers sends it
      CHECK(ingest_schemas.CheckStructured(worker_body) == "");
      json r = body;
      r["id"] = id++;
      r["crawl"] = "unit";
      r["url"] = kPage;
      r["fetched_at"] = int64_t{1717243200000};
      r["contributor"] = std::string(64, 'c');
      r["lease_id"] = 4;
      r["page_record"] = id % 2 == 0 ? json(7) : json(nullptr);
      const Status s = schema.Validate(r);
      CHECK_MESSAGE(s.ok(), s.message());
      out << r.dump() << "\n";
    }
  }
  const std::string log = path + ".log";
  const std::string cmd = "python3 " + std::string(SWARMCRAWL_SOURCE_DIR) +
                          "/tests/support/validate_jsonl.py " + SWARMCRAWL_SOURCE_DIR +
                          "/schemas/scholarly_article.v1.json " + path + " > " + log + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  CAPTURE(ss.str());
  CHECK(rc == 0);
  CHECK(ss.str().find("valid 4 lines") != std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace swarmcrawl
