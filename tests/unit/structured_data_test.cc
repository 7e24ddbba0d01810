#include "parsers/structured_data.h"

#include <doctest/doctest.h>
#include <gumbo.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "parsers/html_page.h"
#include "parsers/structured_records.h"

#include "tests/unit/parser_fixture.h"

namespace swarmcrawl {
namespace {

using json = nlohmann::json;

// One Gumbo parse, freed with the object.
class Html {
 public:
  explicit Html(const std::string& html)
      : html_(html), out_(gumbo_parse_with_options(&kGumboDefaultOptions, html_.data(),
                                                   html_.size())) {}
  ~Html() { gumbo_destroy_output(&kGumboDefaultOptions, out_); }
  const GumboNode* root() const { return out_->root; }

 private:
  std::string html_;
  GumboOutput* out_;
};

StructuredData Extract(const std::string& html,
                       const StructuredDataLimits& limits = StructuredDataLimits()) {
  Html doc(html);
  return ExtractStructuredData(doc.root(), limits);
}

std::vector<json> Records(const std::string& html, const std::string& page_url) {
  return StructuredRecords(Extract(html), page_url);
}

bool IsValidUtf8(const std::string& s) { return SanitizeUtf8(s) == s; }

// Every record seen by the tests, by schema, for the schema validation test.
std::map<std::string, std::vector<json>>& Seen() {
  static std::map<std::string, std::vector<json>> seen;
  return seen;
}

std::vector<json> Keep(std::vector<json> records, const std::string& page_url) {
  for (const json& r : records) {
    json copy = r;
    copy["page_url_for_test"] = page_url;
    Seen()[r.value("schema", "")].push_back(std::move(copy));
  }
  return records;
}

constexpr char kShop[] = "https://shop.example/p/item.html";

TEST_CASE("JSON-LD wrapped in an HTML comment becomes one complete article.v1 record") {
  const auto records = Keep(Records(ReadFixture("article.html"),
                                    "https://courier.example/news/2024/cycle-lanes"),
                            "https://courier.example/news/2024/cycle-lanes");
  REQUIRE(records.size() == 1);
  const json& r = records[0];
  CHECK(r["schema"] == "article.v1");
  CHECK(r["source"] == "json-ld");
  CHECK(r["type"] == "NewsArticle");  // the first of ["NewsArticle", "Article"]
  CHECK(r["headline"] == "Council approves new cycle lanes");
  CHECK(r["description"] == "The plan adds 12 km of protected lanes & two bridges.");
  CHECK(r["authors"] == json::array({"Priya Shah", "Tom O'Neill"}));
  CHECK(r["date_published"] == "2024-03-05T08:30:00Z");  // 09:30 at +01:00
  CHECK(r["date_modified"] == "2024-03-05T14:00:00Z");
  CHECK(r["publisher"] == "The Riverside Courier");
  CHECK(r["section"] == "Local");
  CHECK(r["keywords"] == json::array({"cycling", "transport", "council"}));
  CHECK(r["body"] == "The council voted 31 to 9 on Monday.\nWork starts in May.");
  CHECK(r["image"] == "https://courier.example/news/img/lanes.jpg");
  CHECK(r["language"] == "en-GB");
  CHECK(r["item_url"] == "https://courier.example/news/cycle-lanes");
}

TEST_CASE("@graph is flattened into nodes and schema.org type URLs are shortened") {
  const StructuredData d = Extract(ReadFixture("graph.html"));
  CHECK(d.json_ld_blocks == 1);
  CHECK(d.json_ld_errors == 0);
  REQUIRE(d.items.size() == 4);
  CHECK(d.json_ld_items == 4);
  CHECK(d.items[0]["@type"] == "Organization");
  CHECK(d.items[1]["@type"] == "WebSite");
  CHECK(d.items[2]["@type"] == "WebPage");       // was ["WebPage"]
  CHECK(d.items[3]["@type"] == "BlogPosting");   // was "http://schema.org/BlogPosting"
  CHECK(d.items[3]["author"]["@type"] == "Person");
  CHECK_FALSE(d.items[0].contains("@context"));
  const auto records = Keep(StructuredRecords(d, "https://blog.example/posts/sqlite"),
                            "https://blog.example/posts/sqlite");
  REQUIRE(records.size() == 1);
  CHECK(records[0]["type"] == "BlogPosting");
  CHECK(records[0]["body"] == "One file.\nNo server.");
  CHECK(records[0]["date_published"] == "2023-11-20T00:00:00Z");
  CHECK(records[0]["authors"] == json::array({"Ana Lima"}));
  CHECK(records[0]["publisher"].is_null());  // only an @id reference, no name
}

TEST_CASE("a malformed JSON-LD block is counted while the next block still parses") {
  const StructuredData d = Extract(ReadFixture("malformed.html"));
  CHECK(d.json_ld_blocks == 2);  // application/json is not JSON-LD
  CHECK(d.json_ld_errors == 1);
  REQUIRE(d.items.size() == 1);
  CHECK(d.items[0]["name"] == "Blue kettle");
  const auto records = Keep(StructuredRecords(d, kShop), kShop);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["schema"] == "product.v1");
  CHECK(records[0]["sku"] == "KT-200");
}

TEST_CASE("a JSON-LD Product yields its offers with numeric prices and availability tokens") {
  const auto records = Keep(Records(ReadFixture("product.html"), kShop), kShop);
  REQUIRE(records.size() == 1);
  const json& r = records[0];
  CHECK(r["name"] == "Trailblazer 2 Backpacking Tent");
  CHECK(r["brand"] == "Northfold");
  CHECK(r["sku"] == "TB2-GRN");
  CHECK(r["gtin"] == "0840176112345");
  CHECK(r["mpn"] == "TB2-2024");
  CHECK(r["description"] == "A 1.9\u00a0kg two-person tent. Freestanding, with two doors.");
  CHECK(r["images"] == json::array({"https://shop.example/images/tent-front.jpg",
                                    "https://cdn.shop.example/tent-side.jpg"}));
  REQUIRE(r["offers"].size() == 2);
  CHECK(r["offers"][0]["price"] == 1299.0);  // "1,299.00"
  CHECK(r["offers"][0]["currency"] == "USD");
  CHECK(r["offers"][0]["availability"] == "in_stock");
  CHECK(r["offers"][0]["url"] == "https://shop.example/p/trailblazer-2?color=green");
  CHECK(r["offers"][0]["seller"] == "Outdoor Shop");
  CHECK(r["offers"][1]["price"] == 1199.5);  // "1.199,50"
  CHECK(r["offers"][1]["currency"] == "EUR");
  CHECK(r["offers"][1]["availability"] == "preorder");
  CHECK(r["offers"][1]["url"].is_null());
  CHECK(r["rating"] == json{{"value", 4.6}, {"count", 1204}, {"best", 5.0}});
}

TEST_CASE("a JSON-LD Recipe flattens HowToSection steps and gives durations in seconds") {
  const auto records = Keep(Records(ReadFixture("recipe.html"), "https://food.example/dal"),
                            "https://food.example/dal");
  REQUIRE(records.size() == 1);
  const json& r = records[0];
  CHECK(r["name"] == "Weeknight Red Lentil Dal");
  CHECK(r["authors"] == json::array({"Meera Iyer"}));
  CHECK(r["ingredients"].size() == 5);
  CHECK(r["ingredients"][0] == "1 cup red lentils");
  CHECK(r["instructions"] == json::array({"Rinse the lentils.",
                                          "Simmer with water and turmeric for 25 minutes.",
                                          "Heat the ghee and fry the cumin seeds.",
                                          "Pour the tadka over the dal and serve."}));
  CHECK(r["prep_time"] == "PT10M");
  CHECK(r["prep_seconds"] == 600);
  CHECK(r["cook_seconds"] == 1800);
  CHECK(r["total_time"] == "PT40M");
  CHECK(r["total_seconds"] == 2400);
  CHECK(r["yield"] == "4");
  CHECK(r["calories"] == 310.0);
  CHECK(r["cuisine"] == "Indian");
  CHECK(r["rating"] == json{{"value", 4.8}, {"count", 212}, {"best", nullptr}});
}

TEST_CASE("a forum thread's nested comments are flattened in order with parent ids") {
  const auto records = Keep(Records(ReadFixture("forum.html"), "https://forum.example/t/4812"),
                            "https://forum.example/t/4812");
  REQUIRE(records.size() == 1);
  const json& r = records[0];
  CHECK(r["schema"] == "forum_thread.v1");
  CHECK(r["title"] == "Sourdough starter smells like acetone?");
  CHECK(r["author"] == "crumbshot");
  CHECK(r["date"] == "2024-02-10T13:15:00Z");  // 08:15 at -05:00
  CHECK(r["upvotes"] == 17);                   // LikeAction counter
  CHECK(r["comment_count"] == 3);
  CHECK(r["comments_truncated"] == false);
  const json& c = r["comments"];
  REQUIRE(c.size() == 3);
  CHECK(c[0]["id"] == "https://forum.example/t/4812#c1");
  CHECK(c[0]["parent_id"].is_null());
  CHECK(c[0]["author"] == "levain_lady");
  CHECK(c[0]["upvotes"] == 12);
  CHECK(c[0]["date"] == "2024-02-10T14:00:00Z");
  CHECK(c[1]["id"] == "https://forum.example/t/4812#c2");
  CHECK(c[1]["parent_id"] == "https://forum.example/t/4812#c1");  // a reply to c1
  CHECK(c[1]["author"] == "crumbshot");
  CHECK(c[1]["text"] == "Thanks, trying that now.");
  CHECK(c[1]["upvotes"].is_null());
  CHECK(c[2]["id"] == "c3");  // no @id: positional
  CHECK(c[2]["parent_id"].is_null());
  CHECK(c[2]["text"] == "Same here, it settled after a week.");
}

TEST_CASE("a QAPage's question and answers make one thread, even when listed twice") {
  const std::string question = R"({"@type": "Question", "name": "How do I undo git add?",
      "text": "I staged a file by mistake.", "answerCount": 2,
      "dateCreated": "2021-06-01T10:00:00Z", "author": {"@type": "Person", "name": "newbie"},
      "acceptedAnswer": {"@type": "Answer", "text": "Run <code>git restore --staged FILE</code>.",
                         "upvoteCount": "1,024", "author": "gitguru",
                         "comment": {"@type": "Comment", "text": "Works, thanks!"}},
      "suggestedAnswer": [{"@type": "Answer", "text": "git reset FILE", "upvoteCount": 88}]})";
  const std::string html =
      "<script type=application/ld+json>{\"@context\": \"https://schema.org\", \"@graph\": ["
      "{\"@type\": \"QAPage\", \"mainEntity\": " + question + "}, " + question +
      "]}</script>";
  const auto records = Keep(Records(html, "https://qa.example/q/1"), "https://qa.example/q/1");
  REQUIRE(records.size() == 1);
  const json& r = records[0];
  CHECK(r["type"] == "Question");
  CHECK(r["title"] == "How do I undo git add?");
  CHECK(r["text"] == "I staged a file by mistake.");
  CHECK(r["comment_count"] == 2);
  const json& c = r["comments"];
  REQUIRE(c.size() == 3);
  CHECK(c[0]["text"] == "Run git restore --staged FILE.");
  CHECK(c[0]["accepted"] == true);
  CHECK(c[0]["upvotes"] == 1024);
  CHECK(c[0]["id"] == "c1");
  CHECK(c[1]["text"] == "Works, thanks!");
  CHECK(c[1]["parent_id"] == "c1");
  CHECK(c[2]["text"] == "git reset FILE");
  CHECK(c[2]["accepted"] == false);
  CHECK(c[2]["parent_id"].is_null());
  CHECK(c[2]["upvotes"] == 88);
}

TEST_CASE("a SocialMediaPosting keeps its author, shared content and interaction counts") {
  const auto records = Keep(Records(ReadFixture("social.html"), "https://social.example/p/1"),
                            "https://social.example/p/1");
  REQUIRE(records.size() == 1);
  const json& r = records[0];
  CHECK(r["schema"] == "social_post.v1");
  CHECK(r["author_name"] == "Harbour Lights");
  CHECK(r["author_url"] == "https://social.example/@harbourlights");
  CHECK(r["date"] == "2024-06-01T18:45:00Z");
  CHECK(r["text"] == "Sunset over the old pier tonight \xF0\x9F\x8C\x85");
  CHECK(r["shared_url"] == "https://social.example/media/pier.jpg");
  CHECK(r["item_url"] == "https://social.example/@harbourlights/112233");
  CHECK(r["interactions"] == json{{"like", 532}, {"share", 41}, {"comment", 12}});
}

TEST_CASE("a microdata Product nests Brand, Offer and AggregateRating items") {
  const StructuredData d = Extract(ReadFixture("product_microdata.html"));
  CHECK(d.json_ld_blocks == 0);
  CHECK(d.json_ld_items == 0);
  REQUIRE(d.items.size() == 1);
  const json& p = d.items[0];
  CHECK(p["@type"] == "Product");
  CHECK(p["name"] == "Burr Grinder Pro");  // text content, whitespace collapsed
  CHECK(p["image"] == json::array({"/img/grinder.jpg", "/img/grinder-side.jpg"}));
  CHECK(p["brand"] == json{{"@type", "Brand"}, {"name", "Mill&Co"}});
  CHECK(p["sku"] == "BG-PRO-1");
  CHECK(p["offers"]["price"] == "249.00");  // content attribute, not the text "249"
  CHECK(p["offers"]["availability"] == "https://schema.org/OutOfStock");
  CHECK(p["aggregateRating"]["reviewCount"] == "87");

  const auto records = Keep(StructuredRecords(d, kShop), kShop);
  REQUIRE(records.size() == 1);
  const json& r = records[0];
  CHECK(r["source"] == "microdata");
  CHECK(r["brand"] == "Mill&Co");
  CHECK(r["images"] == json::array({"https://shop.example/img/grinder.jpg",
                                    "https://shop.example/img/grinder-side.jpg"}));
  REQUIRE(r["offers"].size() == 1);
  CHECK(r["offers"][0]["price"] == 249.0);
  CHECK(r["offers"][0]["currency"] == "GBP");
  CHECK(r["offers"][0]["availability"] == "out_of_stock");
  CHECK(r["offers"][0]["url"] == "https://shop.example/shop/burr-grinder-pro");
  CHECK(r["rating"] == json{{"value", 4.4}, {"count", 87}, {"best", nullptr}});
}

TEST_CASE("a microdata Recipe collects repeated properties and time and meta values") {
  const auto records = Keep(Records(ReadFixture("recipe_microdata.html"), "https://food.example/bars"),
                            "https://food.example/bars");
  REQUIRE(records.size() == 1);
  const json& r = records[0];
  CHECK(r["source"] == "microdata");
  CHECK(r["name"] == "Lemon Bars");
  CHECK(r["authors"] == json::array({"June Park"}));
  CHECK(r["ingredients"] == json::array({"1 cup butter", "2 cups flour", "4 lemons"}));
  CHECK(r["instructions"] == json::array({"Heat the oven to 175 \xC2\xB0""C.",
                                          "Press the dough into the pan and bake for 20 minutes."}));
  CHECK(r["prep_time"] == "PT20M");  // <time datetime>, not "20 minutes"
  CHECK(r["prep_seconds"] == 1200);
  CHECK(r["cook_seconds"] == 2700);
  CHECK(r["total_time"] == "PT1H5M");  // <meta content>
  CHECK(r["total_seconds"] == 3900);
  CHECK(r["yield"] == "16 bars");
  CHECK(r["calories"] == 180.0);
}

TEST_CASE("microdata property values follow the HTML rules for each element") {
  const StructuredData d = Extract(
      "<div itemscope itemtype='https://schema.org/Thing https://schema.org/Other' itemid='urn:x:1'>"
      "<meta itemprop=m content=' meta  value '>"
      "<a itemprop=a href='/rel'>ignored text</a>"
      "<img itemprop=img src='i.png'>"
      "<time itemprop=t datetime='2020-01-02'>Jan 2</time>"
      "<time itemprop=t2>2021</time>"
      "<data itemprop=d value='42'>forty-two</data>"
      "<meter itemprop=me value='0.5'>half</meter>"
      "<p itemprop='x y'>two\n   names <b>bold</b></p>"
      "<div itemprop=nested itemscope><span itemprop=inner>in</span></div>"
      "<span itemprop=inner>outer</span>"
      "</div>"
      "<span itemprop=orphan>not in any item</span>");
  REQUIRE(d.items.size() == 1);
  const json& i = d.items[0];
  CHECK(i["@type"] == "Thing");
  CHECK(i["@id"] == "urn:x:1");
  CHECK(i["m"] == "meta value");
  CHECK(i["a"] == "/rel");
  CHECK(i["img"] == "i.png");
  CHECK(i["t"] == "2020-01-02");
  CHECK(i["t2"] == "2021");
  CHECK(i["d"] == "42");
  CHECK(i["me"] == "0.5");
  CHECK(i["x"] == "two names bold");
  CHECK(i["y"] == "two names bold");
  CHECK(i["nested"] == json{{"inner", "in"}});  // no itemtype: no @type below the top
  CHECK(i["inner"] == "outer");                 // the nested item's props stay inside it
  CHECK_FALSE(i.contains("orphan"));
}

TEST_CASE("hostile nesting is bounded: deep JSON-LD is refused, deep microdata is cut") {
  const std::string deep_json =
      "<script type=application/ld+json>" + std::string(200000, '[') + "</script>"
      "<script type=application/ld+json>{\"@type\":\"Thing\",\"name\":\"ok\"}</script>";
  std::string deep_micro = "<div itemscope itemtype=https://schema.org/Thing>";
  for (int i = 0; i < 60; ++i) deep_micro += "<div itemprop=child itemscope>";
  deep_micro += "<span itemprop=leaf>x</span>";
  const auto start = std::chrono::steady_clock::now();
  const StructuredData a = Extract(deep_json);
  const StructuredData b = Extract(deep_micro);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(secs < 5);
  CHECK(a.json_ld_blocks == 2);
  CHECK(a.json_ld_errors == 1);
  REQUIRE(a.items.size() == 1);
  CHECK(a.items[0]["name"] == "ok");
  REQUIRE(b.items.size() == 1);
  // Count the nesting kept: the top item is depth 1, so max_depth (32) levels in all.
  const json* v = &b.items[0];
  int levels = 1;
  while (v->contains("child")) {
    v = &(*v)["child"];
    ++levels;
  }
  CHECK(levels == 32);
  CHECK_FALSE(v->contains("leaf"));
}

TEST_CASE("item limits hold and invalid UTF-8 in JSON-LD becomes U+FFFD") {
  std::string many;
  for (int i = 0; i < 10; ++i) {
    many += "<script type=application/ld+json>{\"@type\":\"Thing\",\"n\":" + std::to_string(i) +
            "}</script>";
  }
  many += "<div itemscope itemtype=x><span itemprop=n>m</span></div>";
  StructuredDataLimits limits;
  limits.max_items = 4;
  const StructuredData d = Extract(many, limits);
  CHECK(d.items.size() == 4);
  CHECK(d.items[3]["n"] == 3);

  const StructuredData bad =
      Extract("<script type=application/ld+json>{\"@type\":\"Product\",\"name\":\"caf\xE9\"}</script>");
  REQUIRE(bad.items.size() == 1);
  CHECK(bad.items[0]["name"] == "caf\xEF\xBF\xBD");

  StructuredDataLimits small;
  small.max_json_bytes = 40;
  const StructuredData budget = Extract(
      "<script type=application/ld+json>{\"@type\":\"A\",\"padding\":\"0123456789\"}</script>"
      "<script type=application/ld+json>{\"@type\":\"B\",\"padding\":\"0123456789\"}</script>",
      small);
  CHECK(budget.json_ld_blocks == 2);
  REQUIRE(budget.items.size() == 1);
  CHECK(budget.items[0]["@type"] == "A");
}

TEST_CASE("loosely typed schema.org values are read defensively and never throw") {
  const std::string html = R"(<script type="application/ld+json">[
    {"@type": "Product", "name": {"@value": ["  Odd\tname "]}, "offers": "free",
     "aggregateRating": [{"ratingValue": "n/a"}], "image": {"url": 5}, "brand": [null, 7],
     "sku": 12345, "description": ["<b>first</b>", "second"]},
    {"@type": "Product", "offers": {"price": "9.99"}},
    {"@type": "Recipe", "name": "R", "recipeInstructions": "Mix.\nBake.\n\nEat.",
     "prepTime": "15 mins", "cookTime": "p1dt2h", "recipeIngredient": "salt"},
    {"@type": "SocialMediaPosting", "text": "hi", "author": [["deep"]],
     "interactionStatistic": [{"interactionType": "LikeAction", "userInteractionCount": -3},
                              {"interactionType": 7, "userInteractionCount": 1}]},
    {"@type": "NewsArticle"},
    {"@type": "WebPage", "mainEntity": {"@type": "Article", "headline": "Inside a WebPage"}},
    {"@type": "DiscussionForumPosting", "headline": "t", "comment": ["not an object", 3]}
  ]</script>)";
  std::vector<json> records;
  REQUIRE_NOTHROW(records = Keep(Records(html, "https://x.example/"), "https://x.example/"));
  // The nameless product and the empty NewsArticle make no record.
  REQUIRE(records.size() == 5);
  const json& p = records[0];
  CHECK(p["name"] == "Odd name");
  CHECK(p["offers"] == json::array());
  CHECK(p["rating"].is_null());
  CHECK(p["images"] == json::array());
  CHECK(p["brand"] == "7");
  CHECK(p["sku"] == "12345");
  CHECK(p["description"] == "first");
  const json& rec = records[1];
  CHECK(rec["instructions"] == json::array({"Mix.", "Bake.", "Eat."}));
  CHECK(rec["ingredients"] == json::array({"salt"}));
  CHECK(rec["prep_time"].is_null());
  CHECK(rec["prep_seconds"].is_null());
  CHECK(rec["cook_time"] == "P1DT2H");
  CHECK(rec["cook_seconds"] == 93600);
  const json& s = records[2];
  CHECK(s["author_name"] == "deep");
  CHECK(s["interactions"] == json::object());  // negative and unnamed counts dropped
  CHECK(records[3]["headline"] == "Inside a WebPage");
  CHECK(records[4]["comments"] == json::array());
  for (const json& r : records) CHECK(IsValidUtf8(r.dump()));
}

TEST_CASE("ISO 8601 durations convert to seconds") {
  CHECK(DurationSeconds("PT1H30M") == 5400);
  CHECK(DurationSeconds("pt45m") == 2700);
  CHECK(DurationSeconds("P1DT2H") == 93600);
  CHECK(DurationSeconds("PT0.5H") == 1800);
  CHECK(DurationSeconds("P2W") == 1209600);
  CHECK(DurationSeconds("PT90S") == 90);
  CHECK_FALSE(DurationSeconds("P1M").has_value());  // a month has no fixed length
  CHECK_FALSE(DurationSeconds("PT").has_value());
  CHECK_FALSE(DurationSeconds("15 minutes").has_value());
  CHECK_FALSE(DurationSeconds("PT5X").has_value());
  CHECK_FALSE(DurationSeconds("PT1H2").has_value());
}

// Runs last in this file (doctest runs test cases in file order by default;
// with --order-by=rand, Seen() may be partly filled, which only weakens it):
// records are given an envelope and checked with the real JSON Schema
// validator the integration tests use.
TEST_CASE("every schema.org record validates against its JSON schema") {
  if (Seen().size() < 5) {
    // Filled by the tests above; run them when this one runs alone.
    Keep(Records(ReadFixture("article.html"), "https://a.example/"), "https://a.example/");
    Keep(Records(ReadFixture("forum.html"), "https://a.example/"), "https://a.example/");
    Keep(Records(ReadFixture("social.html"), "https://a.example/"), "https://a.example/");
    Keep(Records(ReadFixture("product.html"), "https://a.example/"), "https://a.example/");
    Keep(Records(ReadFixture("product_microdata.html"), "https://a.example/"), "https://a.example/");
    Keep(Records(ReadFixture("recipe.html"), "https://a.example/"), "https://a.example/");
  }
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("swarmcrawl_structured_" + std::to_string(getpid())))
                              .string();
  std::filesystem::create_directories(dir);
  for (const char* schema :
       {"article.v1", "forum_thread.v1", "social_post.v1", "product.v1", "recipe.v1"}) {
    CAPTURE(schema);
    const auto& records = Seen()[schema];
    REQUIRE(!records.empty());
    const std::string path = dir + "/" + schema + ".jsonl";
    {
      std::ofstream out(path);
      int64_t id = 1;
      for (json r : records) {
        r["url"] = r["page_url_for_test"];
        r.erase("page_url_for_test");
        r["id"] = id++;
        r["crawl"] = "unit";
        r["fetched_at"] = int64_t{1717243200000};
        r["contributor"] = std::string(64, 'a');
        r["lease_id"] = 3;
        r["page_record"] = id % 2 == 0 ? json(9) : json(nullptr);
        out << r.dump() << "\n";
      }
    }
    const std::string log = path + ".log";
    const std::string cmd = "python3 " + std::string(SWARMCRAWL_SOURCE_DIR) +
                            "/tests/support/validate_jsonl.py " + SWARMCRAWL_SOURCE_DIR +
                            "/schemas/" + schema + ".json " + path + " > " + log + " 2>&1";
    const int rc = std::system(cmd.c_str());
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    CAPTURE(ss.str());
    CHECK(rc == 0);
    CHECK(ss.str().find("valid " + std::to_string(records.size()) + " lines") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace swarmcrawl
