// Dataset side of the coordinator: deduplication at ingest, captures checked
// against body_sha256, structured records, export filters and formats, and
// the protocol's record-content fields. Real SQLite files, real ingest.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "coordinator/dedup.h"
#include "coordinator/export.h"
#include "core/compress.h"
#include "core/json_schema.h"
#include "core/protocol.h"
#include "parsers/page_content.h"
#include "parsers/parser_registry.h"
#include "tests/unit/coordinator_env.h"

namespace swarmcrawl {
namespace {

using coordinator_test::Env;
using json = nlohmann::json;

constexpr char kSpec[] =
    R"({"name": "d", "seeds": ["http://a.test/"], "delay_ms": 0, "concurrency": 100})";

// A deterministic 300-word "article" per seed: distinct seeds share no 5-gram.
std::string Article(int seed) {
  static const char* kWords[] = {"river", "council", "tram",  "harbour", "student", "budget",
                                 "bridge", "market", "winter", "station", "garden", "library",
                                 "museum", "school", "street", "theatre", "festival", "railway"};
  std::string out;
  uint64_t x = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(seed + 1);
  for (int i = 0; i < 300; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out += kWords[x % 18];
    out += (i % 12 == 11) ? ".\n" : " ";
  }
  return out;
}

// Structured records as a worker makes them, from a product page.
json ProductRecords() {
  const ParserRegistry registry = DefaultParserRegistry();
  PageContentOptions options;
  options.registry = &registry;
  PageContent c = BuildPageContent(
      R"(<html><head><script type="application/ld+json">{"@context": "https://schema.org",
      "@type": "Product", "name": "Kettle", "sku": "K1", "offers": {"@type": "Offer",
      "price": "39.90", "priceCurrency": "EUR"}}</script></head><body><p>A kettle.</p></body></html>)",
      "http://a.test/x", "text/html", "", options);
  REQUIRE(c.extras.contains("structured"));
  return c.extras["structured"];
}

ResultEntry PageWith(const TaskSpec& t, const std::string& text) {
  ResultEntry e = coordinator_test::Page(t);
  e.text = text;
  e.text_sha256 = Sha256Hex(text);
  return e;
}

TEST_CASE("dedup: exact and near duplicates point at the cluster's first record, distinct texts do not") {
  Env env(kSpec);
  env.AnswerRobots("User-agent: *\nAllow: /\n");
  const std::string base = Article(1);
  std::string near = base;
  near.replace(0, 40, "Updated at 15:05 after the vote tonight ");  // a changed first line
  near += "\nAdvertisement: holiday flats by the sea.";
  std::string exact = base;
  for (char& c : exact) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));  // same normalized text
  const std::vector<std::string> texts = {base, Article(2), exact, near, Article(3)};

  env.clock.Advance(10);
  auto home = env.Lease(1);
  REQUIRE(home);
  std::vector<std::string> links;
  for (size_t i = 0; i < texts.size(); ++i) links.push_back("http://a.test/p" + std::to_string(i));
  REQUIRE(env.Send(*home, {coordinator_test::Page(home->tasks[0], links)}, "home").status ==
          "accepted");
  // One page per batch, in order, so storage order is the texts' order.
  for (size_t i = 0; i < texts.size(); ++i) {
    env.clock.Advance(10);
  auto l = env.Lease(1);
    REQUIRE(l);
    const std::string url = l->tasks[0].url;
    const size_t idx = std::stoul(url.substr(url.rfind('p') + 1));
    REQUIRE(idx == i);
    REQUIRE(env.Send(*l, {PageWith(l->tasks[0], texts[idx])}, "b" + std::to_string(i)).status ==
            "accepted");
  }
  auto id_of = [&](int i) {
    return env.Int("SELECT id FROM records WHERE url='http://a.test/p" + std::to_string(i) + "'");
  };
  auto col = [&](int i, const std::string& c) {
    return env.Str("SELECT " + c + " FROM records WHERE url='http://a.test/p" + std::to_string(i) + "'");
  };
  CHECK(col(0, "duplicate_of") == "<null>");
  CHECK(col(1, "duplicate_of") == "<null>");
  CHECK(col(4, "duplicate_of") == "<null>");
  CHECK(col(2, "duplicate_of") == std::to_string(id_of(0)));
  CHECK(col(2, "duplicate_kind") == "exact");
  CHECK(col(3, "duplicate_of") == std::to_string(id_of(0)));
  CHECK(col(3, "duplicate_kind") == "near");
  CHECK(std::stod(col(3, "similarity")) >= 0.8);
  CHECK(std::stod(col(3, "similarity")) < 1.0);
  CHECK(env.ingest->stats().duplicates == 2);

  // Export: --drop-duplicates leaves one record per cluster.
  ExportFilter f;
  f.crawl = "d";
  int64_t all = 0, kept = 0;
  REQUIRE(ForEachExportRecord(&env.store, f, [&](const json&) { return ++all, true; }).ok());
  f.drop_duplicates = true;
  REQUIRE(ForEachExportRecord(&env.store, f, [&](const json& r) {
            CHECK(r["dedup"]["duplicate_of"].is_null());
            return ++kept, true;
          }).ok());
  CHECK(all == 6);  // home + 5
  CHECK(kept == 4);

  // A record withdrawn after a lost check leaves the dataset.
  const int64_t gone = id_of(1);
  env.store.db()->Exec("UPDATE records SET withdrawn='rejected:outvoted' WHERE id=" + std::to_string(gone));
  f.drop_duplicates = false;
  int64_t left = 0;
  REQUIRE(ForEachExportRecord(&env.store, f, [&](const json& r) {
            CHECK(r["id"] != gone);
            return ++left, true;
          }).ok());
  CHECK(left == 5);
}

TEST_CASE("dedup: a near-duplicate threshold of 1 accepts only exact copies") {
  Env env(R"({"name": "d", "seeds": ["http://a.test/"], "delay_ms": 0, "concurrency": 100,
              "near_duplicate_threshold": 1})");
  Deduplicator dedup(env.store.db());
  const std::string base = Article(5);
  Transaction tx(env.store.db());
  DedupVerdict first = dedup.Check(env.crawl_id, 1, base, 1.0);
  CHECK(first.duplicate_of == 0);
  CHECK(first.band_keys.size() == 14);
  CHECK(first.signature.size() == 112);
  // Index it under a made-up record id; the check below reads only the index.
  env.store.db()->Exec(std::string(
      "INSERT INTO records(id, crawl_id, frontier_id, url, final_url, status, fetched_at, "
      "content_type, title, text, lang, canonical, outlinks, depth, body_bytes, body_sha256, "
      "text_sha256, contributor, lease_id, batch_id, stored_at) VALUES(77, ") + std::to_string(env.crawl_id) + ", 1, 'u', 'u', 200, "
      "0, '', '', '', '', '', '[]', 0, 0, '', '', '', 1, 'b', 0)");
  dedup.Index(env.crawl_id, 77, first);
  // About 30 new 5-grams among ~300: Jaccard ~0.9.
  std::string near = base + "\nOne more paragraph was added at the end of the story, with a few "
                            "words about the weather, the late train home and a dog that barked "
                            "all night long outside the old station.";
  CHECK(dedup.Check(env.crawl_id, 2, near, 1.0).duplicate_of == 0);
  CHECK(dedup.Check(env.crawl_id, 2, near, 0.8).duplicate_of == 77);
  CHECK(dedup.Check(env.crawl_id, 2, "  " + base + "!!", 1.0).kind == "exact");
  CHECK(dedup.Check(env.crawl_id, 2, "", 0.8).norm_sha256.empty());
  // A later visit of the same URL (frontier row 1) is its own record, not a duplicate.
  CHECK(dedup.Check(env.crawl_id, 1, near, 0.8).duplicate_of == 0);
  CHECK(dedup.Check(env.crawl_id, 1, base, 0.8).duplicate_of == 0);
}

TEST_CASE("ingest: a capture is stored only when its body matches body_sha256, and structured records are kept") {
  Env env(kSpec);
  env.AnswerRobots("User-agent: *\nAllow: /\n");
  env.clock.Advance(10);
  auto home = env.Lease(1);
  REQUIRE(home);
  REQUIRE(env.Send(*home, {coordinator_test::Page(home->tasks[0], {"http://a.test/x", "http://a.test/y"})},
                   "home").status == "accepted");
  env.clock.Advance(10);
  auto l = env.Lease(2);
  REQUIRE(l);
  REQUIRE(l->tasks.size() == 2);
  const std::string body = "<html><body><p>Hello</p></body></html>";
  ResultEntry good = PageWith(l->tasks[0], "Hello");
  good.body_bytes = static_cast<int64_t>(body.size());
  good.body_sha256 = Sha256Hex(body);
  good.body_gzip = GzipMember(body);
  good.http_head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n";
  good.extras = {{"language", {{"code", "en"}, {"score", 0.9}, {"reliable", true},
                               {"declared", "en"}, {"source", "cld2+declared"}}},
                 {"quality", {{"quality_score", 0.75}}},
                 {"structured", ProductRecords()}};
  good.extras["structured"].push_back({{"schema", "nonsense.v9"}, {"x", 1}});
  ResultEntry lying = PageWith(l->tasks[1], "Other");
  lying.body_bytes = static_cast<int64_t>(body.size());
  lying.body_sha256 = Sha256Hex("a different body");
  lying.body_gzip = GzipMember(body);
  REQUIRE(env.Send(*l, {good, lying}, "b").status == "accepted");
  CHECK(env.Int("SELECT COUNT(*) FROM captures") == 1);
  // Re-read-proof: the same structured record is not stored twice for one page.
  CHECK(env.Int("SELECT COUNT(DISTINCT item_key) FROM structured") == env.Int("SELECT COUNT(*) FROM structured"));
  CHECK(env.Str("SELECT r.url FROM captures c JOIN records r ON r.id=c.record_id") == good.url);
  CHECK(env.ingest->stats().bad_captures == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM structured") == 1);  // the unknown schema is dropped
  CHECK(env.Str("SELECT language FROM records WHERE url='" + good.url + "'") == "en");

  ExportFilter f;
  f.crawl = "d";
  f.schema = "product.v1";
  std::vector<json> got;
  REQUIRE(ForEachExportRecord(&env.store, f, [&](const json& r) { return got.push_back(r), true; }).ok());
  REQUIRE(got.size() == 1);
  CHECK(got[0]["name"] == "Kettle");
  CHECK(got[0]["url"] == good.url);
  CHECK(got[0]["page_record"] == env.Int("SELECT id FROM records WHERE url='" + good.url + "'"));
  CHECK(got[0]["contributor"] == env.key.public_hex());

  // Language and quality filters reach structured records through their page.
  f.languages = {"de"};
  got.clear();
  REQUIRE(ForEachExportRecord(&env.store, f, [&](const json& r) { return got.push_back(r), true; }).ok());
  CHECK(got.empty());
  f.languages = {};
  f.min_quality = 0.8;
  REQUIRE(ForEachExportRecord(&env.store, f, [&](const json& r) { return got.push_back(r), true; }).ok());
  CHECK(got.empty());

  // WARC export holds the one capture; the other record is counted as without one.
  ExportStats st;
  const std::string warc = env.dir + "/x.warc";
  ExportFilter wf;
  wf.crawl = "d";
  REQUIRE(ExportRecords(&env.store, wf, ExportFormat::kWarc, warc, &st).ok());
  CHECK(st.records == 1);
  CHECK(st.without_capture == 2);  // the home page and the lying one
  std::ifstream in(warc);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str().find("WARC-Target-URI: " + good.url) != std::string::npos);
  CHECK(ss.str().find("<p>Hello</p>") != std::string::npos);
}

TEST_CASE("export: filters are validated and name the bad field, and a cursor resumes after an id") {
  Env env(kSpec);
  ExportFilter f;
  CHECK(ValidateExportFilter(f).message().find("crawl") != std::string::npos);
  f.crawl = "d";
  CHECK(ValidateExportFilter(f).ok());
  f.min_quality = 2;
  CHECK(ValidateExportFilter(f).message().find("min_quality") != std::string::npos);
  f.min_quality = 0;
  f.since_ms = 10;
  f.until_ms = 5;
  CHECK(ValidateExportFilter(f).message().find("since") != std::string::npos);
  f.since_ms = f.until_ms = 0;
  f.schema = "web_page.v2";
  CHECK(ValidateExportFilter(f).message().find("schema") != std::string::npos);
  f.schema = "web_page.v1";
  f.crawl = "no-such-crawl";
  CHECK(!ForEachExportRecord(&env.store, f, [](const json&) { return true; }).ok());

  env.AnswerRobots("User-agent: *\nAllow: /\n");
  env.clock.Advance(10);
  auto home = env.Lease(1);
  REQUIRE(home);
  REQUIRE(env.Send(*home, {coordinator_test::Page(home->tasks[0], {"http://a.test/1", "http://a.test/2"})},
                   "h").status == "accepted");
  env.clock.Advance(10);
  auto l = env.Lease(2);
  REQUIRE(l);
  REQUIRE(env.Send(*l, {PageWith(l->tasks[0], Article(1)), PageWith(l->tasks[1], Article(2))}, "b")
              .status == "accepted");
  f.crawl = "d";
  std::vector<int64_t> ids;
  REQUIRE(ForEachExportRecord(&env.store, f, [&](const json& r) { return ids.push_back(r["id"]), true; }).ok());
  REQUIRE(ids.size() == 3);
  f.after_id = ids[0];
  std::vector<int64_t> rest;
  REQUIRE(ForEachExportRecord(&env.store, f, [&](const json& r) { return rest.push_back(r["id"]), true; }).ok());
  CHECK(rest == std::vector<int64_t>(ids.begin() + 1, ids.end()));
  f.after_id = 0;
  f.limit = 1;
  rest.clear();
  REQUIRE(ForEachExportRecord(&env.store, f, [&](const json& r) { return rest.push_back(r["id"]), true; }).ok());
  CHECK(rest.size() == 1);

  // zstd JSON Lines decompress to the plain export, byte for byte.
  ExportStats st;
  f.limit = 0;
  REQUIRE(ExportRecords(&env.store, f, ExportFormat::kJsonl, env.dir + "/a.jsonl", &st).ok());
  REQUIRE(ExportRecords(&env.store, f, ExportFormat::kJsonl, env.dir + "/a.jsonl.zst", &st).ok());
  CHECK(st.records == 3);
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const DecompressResult z = ZstdDecompressAll(slurp(env.dir + "/a.jsonl.zst"), 1 << 24);
  REQUIRE(z.ok);
  CHECK(z.data == slurp(env.dir + "/a.jsonl"));
  CHECK(std::count(z.data.begin(), z.data.end(), '\n') == 3);
}

TEST_CASE("protocol: record content round-trips, and bad extras are refused with the field named") {
  ResultMsg m;
  m.batch_id = "b1";
  m.lease_id = 3;
  ResultEntry e;
  e.task_id = 1;
  e.url = "http://a.test/";
  e.status = 200;
  e.fetched_at = 5;
  e.markdown = "# Title\n\nBody";
  e.extras = {{"metadata", {{"title", "T"}}}, {"quality", {{"quality_score", 0.5}}},
              {"structured", json::array({{{"schema", "product.v1"}, {"name", "K"}}})}};
  e.http_head = "HTTP/1.1 200 OK\r\n\r\n";
  e.body_gzip = GzipMember(std::string("\x00\x01binary\xff", 9));
  m.entries.push_back(e);
  m.signature = std::string(128, 'a');
  ResultMsg back;
  REQUIRE(DecodeResult(json::parse(DumpJson(Encode(m))), &back).ok());
  REQUIRE(back.entries.size() == 1);
  CHECK(back.entries[0].markdown == e.markdown);
  CHECK(back.entries[0].extras == e.extras);
  CHECK(back.entries[0].body_gzip == e.body_gzip);
  CHECK(back.entries[0].http_head == e.http_head);
  // The manifest binds the content: changing extras changes what is signed.
  const std::string before = ManifestBytes("k", back, "n");
  back.entries[0].extras["quality"]["quality_score"] = 0.9;
  CHECK(ManifestBytes("k", back, "n") != before);

  auto decode_with = [&](const char* key, json value) {
    json body = Encode(m);
    body["entries"][0][key] = std::move(value);
    ResultMsg out;
    return DecodeResult(body, &out);
  };
  Status s = decode_with("extras", json::array());
  CHECK(s.message().find("RESULT.entries[0].extras") != std::string::npos);
  s = decode_with("extras", {{"surprise", 1}});
  CHECK(s.message().find("extras.surprise: unknown field") != std::string::npos);
  s = decode_with("extras", {{"structured", json::array({{{"name", "no schema"}}})}});
  CHECK(s.message().find("extras.structured[0]") != std::string::npos);
  s = decode_with("extras", {{"metadata", {{"title", std::string(2 << 20, 'x')}}}});
  CHECK(s.message().find("extras: more than") != std::string::npos);
  // Nesting deep enough to overflow a recursive serializer is refused, not crashed on.
  std::string deep_text = std::string(200000, '[') + std::string(200000, ']');
  s = decode_with("extras", {{"metadata", {{"x", json::array()}}}});
  CHECK(s.ok());
  {
    std::string msg = DumpJson(Encode(m));
    const std::string marker = "\"signature\"";
    msg.insert(msg.find(marker), "\"deep\":" + deep_text + ",");
    Envelope env;
    const std::string sig(kProtocolSignature), cmd = "RESULT";
    Status es = DecodeEnvelope({sig, cmd, msg}, &env);
    CHECK(es.code() == "malformed");
    CHECK(es.message().find("nested") != std::string::npos);
  }
  json nested = json::object();
  json* at = &nested;
  for (int i = 0; i < 40; ++i) at = &((*at)["n"] = json::object());
  s = decode_with("extras", {{"metadata", nested}});
  CHECK(s.message().find("nested more than 32") != std::string::npos);
  s = decode_with("final_url", "javascript:alert(1)");
  CHECK(s.message().find("final_url") != std::string::npos);
  s = decode_with("body_gzip", "not base64!");
  CHECK(s.message().find("body_gzip") != std::string::npos);
  s = decode_with("markdown", 7);
  CHECK(!s.ok());
}

TEST_CASE("json schema: every record schema compiles and is enforced, errors name the path") {
  for (const char* name : {"web_page.v1", "article.v1", "forum_thread.v1", "social_post.v1",
                           "product.v1", "recipe.v1", "feed_item.v1", "scholarly_article.v1"}) {
    INFO(name);
    const std::string_view text = EmbeddedSchema(name);
    REQUIRE(!text.empty());
    JsonSchema schema;
    CHECK(JsonSchema::Compile(json::parse(text), &schema).ok());
  }
  CHECK(EmbeddedSchema("nope.v1").empty());
  JsonSchema s;
  REQUIRE(JsonSchema::Compile(json::parse(R"({
    "type": "object", "additionalProperties": false, "required": ["a"],
    "properties": {
      "a": {"type": "integer", "minimum": 1},
      "b": {"type": ["string", "null"], "pattern": "^https?://", "maxLength": 5},
      "c": {"type": "array", "items": {"enum": ["x", "y"]}, "maxItems": 2},
      "d": {"type": "object", "additionalProperties": {"type": "number"}},
      "e": {"const": "v1"}
    }})"), &s).ok());
  CHECK(s.Validate(json::parse(R"({"a": 1, "b": null, "c": ["x"], "d": {"k": 1.5}, "e": "v1"})")).ok());
  CHECK(s.Validate(json::parse(R"({"a": 2.0})")).ok());  // an integral number is an integer
  auto err = [&](const char* doc) { return s.Validate(json::parse(doc)).message(); };
  CHECK(err(R"({})").find("missing required property \"a\"") != std::string::npos);
  CHECK(err(R"({"a": 0})").find("$.a: below the minimum") != std::string::npos);
  CHECK(err(R"({"a": 1.5})").find("$.a: wrong type") != std::string::npos);
  CHECK(err(R"({"a": 1, "b": "ftp:/"})").find("$.b: does not match") != std::string::npos);
  CHECK(err(R"({"a": 1, "b": "http://long"})").find("$.b: too long") != std::string::npos);
  CHECK(err(R"({"a": 1, "c": ["x", "z"]})").find("$.c[1]: not one of") != std::string::npos);
  CHECK(err(R"({"a": 1, "c": ["x", "x", "x"]})").find("$.c: too many items") != std::string::npos);
  CHECK(err(R"({"a": 1, "d": {"k": "no"}})").find("$.d.k: wrong type") != std::string::npos);
  CHECK(err(R"({"a": 1, "e": "v2"})").find("$.e: expected") != std::string::npos);
  CHECK(err(R"({"a": 1, "zz": 1})").find("$.zz: property not allowed") != std::string::npos);
  // A pattern is never run on a huge string (the regex engine recurses).
  CHECK(err((R"({"a": 1, "b": ")" + std::string(1 << 20, 'h') + R"("})").c_str()).find("$.b") !=
        std::string::npos);
  JsonSchema bad;
  CHECK(JsonSchema::Compile(json::parse(R"({"oneOf": []})"), &bad).message().find("oneOf") !=
        std::string::npos);
}

TEST_CASE("ingest: content that breaks the record schema is refused with the field named") {
  Env env(kSpec);
  env.AnswerRobots("User-agent: *\nAllow: /\n");
  env.clock.Advance(10);
  auto home = env.Lease(1);
  REQUIRE(home);
  REQUIRE(env.Send(*home, {coordinator_test::Page(home->tasks[0], {"http://a.test/x"})}, "h").status ==
          "accepted");
  env.clock.Advance(10);
  auto l = env.Lease(1);
  REQUIRE(l);
  ResultEntry e = PageWith(l->tasks[0], "Hello");
  e.extras = {{"language", {{"code", 7}}}};
  AckMsg a = env.Send(*l, {e}, "bad");
  CHECK(a.status == "rejected");
  CHECK(a.reason.find("language") != std::string::npos);
  CHECK(env.Int("SELECT COUNT(*) FROM records WHERE url='http://a.test/x'") == 0);
  // A valid page whose structured record breaks its schema keeps the page, not the record.
  e.extras = {{"structured", json::array({{{"schema", "product.v1"}, {"name", 5}}})}};
  CHECK(env.Send(*l, {e}, "good").status == "accepted");
  CHECK(env.Int("SELECT COUNT(*) FROM records WHERE url='http://a.test/x'") == 1);
  CHECK(env.Int("SELECT COUNT(*) FROM structured") == 0);
  CHECK(env.ingest->stats().invalid_structured == 1);
}

}  // namespace
}  // namespace swarmcrawl
