// Datasets end to end: a real crawl of tests/fixtures/dataset/ (a small news
// site with boilerplate, an exact and a near duplicate, pages in German,
// French and windows-1252 Spanish, schema.org product, recipe and forum
// pages, an RSS feed and a spam page) by real coordinator and worker
// processes, then every export format read back by independent tools:
// python3-jsonschema for JSON Lines, the zstd CLI, and warcio (npm) for WARC.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <set>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/cluster.h"

namespace swarmcrawl::testing {
namespace {

using json = nlohmann::json;

const std::string kSource = SWARMCRAWL_SOURCE_DIR;

std::vector<json> ReadJsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

std::string PathOf(const std::string& url) {
  const size_t p = url.find('/', url.find("//") + 2);
  return p == std::string::npos ? "/" : url.substr(p);
}

void Validate(const std::string& schema, const std::string& file, size_t lines) {
  RunResult v = Run({"python3", kSource + "/tests/support/validate_jsonl.py",
                     kSource + "/schemas/" + schema + ".json", file},
                    std::chrono::seconds(120));
  INFO(schema << ": " << v.output);
  CHECK(v.exit_code == 0);
  CHECK(v.output.find("valid " + std::to_string(lines) + " ") != std::string::npos);
}

struct DatasetCrawl {
  DatasetCrawl() : c(Options()) {
    c.StartAll(2);
    REQUIRE(c.WaitForCrawlDone(std::chrono::seconds(300)));
  }
  static ClusterOptions Options() {
    ClusterOptions o;
    o.fixture_dir = kSource + "/tests/fixtures/dataset";
    o.sitemaps = {"/feed.xml"};
    o.concurrency = 4;
    return o;
  }
  // Exports with `args` to dir/NAME and returns the path.
  std::string Export(const std::string& name, std::vector<std::string> args) {
    const std::string out = c.dir() + "/" + name;
    std::vector<std::string> argv = {"export", "--db", c.db_path(), "--crawl", "it", "--out", out};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = c.Cli(argv);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return out;
  }
  Cluster c;
};

}  // namespace

TEST_CASE("crawled pages become clean, schema-valid records with metadata, language and quality") {
  DatasetCrawl d;
  const std::string file = d.Export("all.jsonl", {});
  const auto records = ReadJsonl(file);
  Validate("web_page.v1", file, records.size());
  std::map<std::string, json> by_path;
  for (const auto& r : records) by_path[PathOf(r["url"])] = r;
  for (const char* p : {"/", "/news/tram.html", "/news/tram-print.html", "/news/tram-live.html",
                        "/blog/bees.html", "/de/strassenbahn.html", "/fr/tramway.html",
                        "/es/cancion.html", "/shop/kettle.html", "/food/soup.html",
                        "/forum/thread.html", "/spam.html"}) {
    INFO(p);
    REQUIRE(by_path.count(p) == 1);
  }

  // Main content: the article's paragraphs, one per line; no boilerplate.
  const json& tram = by_path["/news/tram.html"];
  const std::string text = tram["text"];
  INFO(text);
  CHECK(text.find("The city council voted on Tuesday") != std::string::npos);
  CHECK(text.find("\nConstruction is expected to begin next spring") != std::string::npos);
  CHECK(text.find("A public consultation on the exact route") != std::string::npos);
  for (const char* boilerplate : {"cookies", "Most read", "Share on Facebook", "Finally! I have",
                                  "All rights reserved", "Related stories", "Holiday apartments"}) {
    INFO(boilerplate);
    CHECK(text.find(boilerplate) == std::string::npos);
  }
  CHECK(tram["markdown"].get<std::string>().find("The city council voted") != std::string::npos);
  const json& meta = tram["metadata"];
  CHECK(meta["found"] == true);
  CHECK(meta["title"] == "Council approves riverside tram extension");
  CHECK(meta["site_name"] == "The Riverside Gazette");
  CHECK(meta["authors"] == json::array({"Maria Jensen"}));
  CHECK(meta["published"].get<std::string>().rfind("2026-11-24", 0) == 0);
  CHECK(meta["modified"].get<std::string>().rfind("2026-11-24", 0) == 0);

  CHECK(tram["language"]["code"] == "en");
  CHECK(by_path["/de/strassenbahn.html"]["language"]["code"] == "de");
  CHECK(by_path["/fr/tramway.html"]["language"]["code"] == "fr");
  const json& es = by_path["/es/cancion.html"];
  CHECK(es["language"]["code"] == "es");
  CHECK(es["encoding"]["name"] == "windows-1252");
  CHECK(es["encoding"]["source"] == "meta");
  CHECK(es["text"].get<std::string>().find("La canción popular de nuestro pueblo tiene más") !=
        std::string::npos);
  CHECK(tram["encoding"]["name"] == "utf-8");

  // Quality: the article passes every filter, the spam page does not.
  const double tram_q = tram["quality"]["quality_score"];
  CHECK(tram_q >= 0.75);
  CHECK(tram["quality"]["gopher_quality"]["passed"] == true);
  const json& spam = by_path["/spam.html"]["quality"];
  CHECK(spam["quality_score"].get<double>() < tram_q);
  CHECK(spam["gopher_repetition"]["passed"] == false);
  CHECK(spam["c4"]["failed_rule"] == "lorem_ipsum");

  // Filters.
  CHECK(ReadJsonl(d.Export("de.jsonl", {"--lang", "de"})).size() == 1);
  CHECK(ReadJsonl(d.Export("en-fr.jsonl", {"--lang", "en,fr"})).size() >= 5);
  const auto good = ReadJsonl(d.Export("good.jsonl", {"--min-quality", "0.9"}));
  for (const auto& r : good) CHECK(r["quality"]["quality_score"].get<double>() >= 0.9);
  CHECK(good.size() < records.size());
  CHECK(ReadJsonl(d.Export("future.jsonl", {"--since", "2100-01-01"})).empty());
  CHECK(ReadJsonl(d.Export("past.jsonl", {"--until", "2000-01-01"})).empty());
  CHECK(ReadJsonl(d.Export("now.jsonl", {"--since", "2000-01-01"})).size() == records.size());

  // A bad filter names itself.
  RunResult bad = d.c.Cli({"export", "--db", d.c.db_path(), "--crawl", "it", "--out",
                           d.c.dir() + "/x.jsonl", "--min-quality", "7"});
  CHECK(bad.exit_code != 0);
  CHECK(bad.output.find("min_quality") != std::string::npos);
}

TEST_CASE("exact and near duplicates point at their cluster's first record and can be dropped") {
  DatasetCrawl d;
  const auto records = ReadJsonl(d.Export("all.jsonl", {}));
  std::map<std::string, json> by_path;
  for (const auto& r : records) by_path[PathOf(r["url"])] = r;
  // The same article three times: as published, as a print view (other
  // boilerplate, same text) and as a live page (an extra update line).
  std::vector<json> cluster = {by_path["/news/tram.html"], by_path["/news/tram-print.html"],
                               by_path["/news/tram-live.html"]};
  std::sort(cluster.begin(), cluster.end(),
            [](const json& a, const json& b) { return a["id"] < b["id"]; });
  const int64_t root = cluster[0]["id"];
  CHECK(cluster[0]["dedup"]["duplicate_of"].is_null());
  for (size_t i = 1; i < cluster.size(); ++i) {
    INFO(cluster[i]["url"]);
    CHECK(cluster[i]["dedup"]["duplicate_of"] == root);
    CHECK(cluster[i]["dedup"]["similarity"].get<double>() >= 0.8);
  }
  // The published and print versions have the same normalized text.
  CHECK(by_path["/news/tram.html"]["dedup"]["norm_sha256"] ==
        by_path["/news/tram-print.html"]["dedup"]["norm_sha256"]);
  const json& a = by_path["/news/tram.html"];
  const json& b = by_path["/news/tram-print.html"];
  CHECK((a["id"] > b["id"] ? a : b)["dedup"]["kind"] == "exact");
  CHECK(by_path["/news/tram-live.html"]["dedup"]["norm_sha256"] !=
        by_path["/news/tram.html"]["dedup"]["norm_sha256"]);
  // Distinct pages are not clustered, even on the same site and topic.
  for (const char* p : {"/blog/bees.html", "/de/strassenbahn.html", "/fr/tramway.html",
                        "/shop/kettle.html", "/forum/thread.html"}) {
    INFO(p);
    CHECK(by_path[p]["dedup"]["duplicate_of"].is_null());
  }
  const auto kept = ReadJsonl(d.Export("unique.jsonl", {"--drop-duplicates"}));
  CHECK(kept.size() == records.size() - 2);
  for (const auto& r : kept) CHECK(r["dedup"]["duplicate_of"].is_null());
}

TEST_CASE("structured pages and feed items are exported as records of their own schemas") {
  DatasetCrawl d;
  const std::map<std::string, size_t> expected = {{"product.v1", 1}, {"recipe.v1", 1},
                                                  {"forum_thread.v1", 1}, {"feed_item.v1", 2},
                                                  {"article.v1", 1}};
  for (const auto& [schema, n] : expected) {
    const std::string file = d.Export(schema + ".jsonl", {"--schema", schema});
    const auto recs = ReadJsonl(file);
    INFO(schema);
    CHECK(recs.size() == n);
    Validate(schema, file, recs.size());
    for (const auto& r : recs) CHECK(r["schema"] == schema);
  }
  const auto product = ReadJsonl(d.c.dir() + "/product.v1.jsonl");
  REQUIRE(product.size() == 1);
  CHECK(product[0]["name"] == "Stainless steel kettle, 1.7 litres");
  CHECK(product[0]["page_record"].is_number_integer());
  const auto thread = ReadJsonl(d.c.dir() + "/forum_thread.v1.jsonl");
  REQUIRE(thread.size() == 1);
  CHECK(thread[0]["comments"].size() == 2);
  const auto items = ReadJsonl(d.c.dir() + "/feed_item.v1.jsonl");
  std::set<std::string> links;
  for (const auto& i : items) links.insert(PathOf(i.value("link", "")));
  CHECK(links == std::set<std::string>{"/news/tram.html", "/blog/bees.html"});
}

TEST_CASE("zstd JSON Lines and WARC exports are read back by independent readers") {
  DatasetCrawl d;
  const std::string plain = d.Export("all.jsonl", {});
  const std::string zst = d.Export("all.jsonl.zst", {});
  RunResult unz = Run({"zstd", "-d", "-f", "-q", zst, "-o", d.c.dir() + "/unz.jsonl"},
                      std::chrono::seconds(60));
  INFO(unz.output);
  REQUIRE(unz.exit_code == 0);
  std::ifstream a(plain), b(d.c.dir() + "/unz.jsonl");
  std::stringstream sa, sb;
  sa << a.rdbuf();
  sb << b.rdbuf();
  CHECK(!sa.str().empty());
  CHECK(sa.str() == sb.str());

  const auto records = ReadJsonl(plain);
  const std::string warc = d.Export("crawl.warc.gz", {"--format", "warc"});
  CHECK(!std::ifstream(warc + ".part").good());  // renamed into place
  RunResult check = Run({"node", kSource + "/tests/support/warc_check.mjs", warc},
                        std::chrono::seconds(120));
  INFO(check.output);
  REQUIRE(check.exit_code == 0);
  std::map<std::string, int> types;
  std::set<std::string> response_uris;
  std::istringstream lines(check.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    const json j = json::parse(line);
    ++types[j.value("type", "")];
    if (j.value("type", "") == "response") response_uris.insert(j.value("target_uri", ""));
  }
  CHECK(types["warcinfo"] == 1);
  CHECK(types["response"] == static_cast<int>(records.size()));
  CHECK(types["request"] == static_cast<int>(records.size()));
  CHECK(types["metadata"] == static_cast<int>(records.size()));
  std::set<std::string> record_uris;
  for (const auto& r : records) record_uris.insert(r["final_url"]);
  CHECK(response_uris == record_uris);
}

TEST_CASE("swarmcrawl parse shows a worker's record, text and Markdown, from a file, gzip or stdin") {
  const std::string page = kSource + "/tests/fixtures/dataset/blog/bees.html";
  auto cli = [](std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), SWARMCRAWL_BIN);
    return Run(args, std::chrono::seconds(60), env);
  };
  RunResult text = cli({"parse", page, "--url", "http://garden.example/blog/bees.html", "--format", "text"});
  REQUIRE(text.exit_code == 0);
  CHECK(text.output.find("Keeping bees in a small urban garden") != std::string::npos);
  CHECK(text.output.find("\nThe most important decision") != std::string::npos);
  CHECK(text.output.find("Most read") == std::string::npos);
  CHECK(text.output.find("All rights reserved") == std::string::npos);

  RunResult md = cli({"parse", page, "--format", "markdown"});
  REQUIRE(md.exit_code == 0);
  CHECK(md.output.find("## Further reading") != std::string::npos);
  CHECK(md.output.find("- Start with two colonies") != std::string::npos);

  RunResult rec = cli({"parse", page, "--url", "http://garden.example/blog/bees.html"});
  REQUIRE(rec.exit_code == 0);
  const json j = json::parse(rec.output);
  CHECK(j["part_of"] == "web_page.v1");
  CHECK(j["language"]["code"] == "en");
  CHECK(j["text"].get<std::string>() + "\n" == text.output);
  CHECK(j["quality"].contains("quality_score"));

  // gzip input, from a file and from standard input, gives the same text.
  const std::string gz = "/tmp/swarmcrawl-parse-test-" + std::to_string(getpid()) + ".html.gz";
  REQUIRE(Run({"sh", "-c", "gzip -c '" + page + "' > " + gz}, std::chrono::seconds(30)).exit_code == 0);
  RunResult from_gz = cli({"parse", gz, "--url", "http://garden.example/blog/bees.html", "--format", "text"});
  CHECK(from_gz.output == text.output);
  RunResult from_stdin = Run({"sh", "-c", std::string(SWARMCRAWL_BIN) + " parse - --url http://garden.example/blog/bees.html --format text < " + gz},
                             std::chrono::seconds(60));
  CHECK(from_stdin.output == text.output);
  std::remove(gz.c_str());

  RunResult missing = cli({"parse", "/nonexistent/page.html"});
  CHECK(missing.exit_code != 0);
  CHECK(missing.output.find("cannot read") != std::string::npos);
}

}  // namespace swarmcrawl::testing
