#include <doctest/doctest.h>

#include <algorithm>

#include "coordinator/crawl_spec.h"

namespace swarmcrawl {

static std::string ErrorOf(const std::string& json) {
  CrawlSpec s;
  Status st = ParseCrawlSpec(json, &s);
  return st.ok() ? "" : st.message();
}

TEST_CASE("crawl spec: a valid spec parses with defaults and canonical seeds") {
  CrawlSpec s;
  REQUIRE(ParseCrawlSpec(R"({"name":"news","seeds":["HTTP://Example.ORG:80/a/../b#x"]})", &s).ok());
  CHECK(s.name == "news");
  REQUIRE(s.seeds.size() == 1);
  CHECK(s.seeds[0] == "http://example.org/b");
  CHECK(s.allowed_hosts == std::vector<std::string>{"example.org"});
  CHECK(s.delay_ms == 1000);
  CHECK(s.concurrency == 1);
  CHECK(s.user_agent == "swarmcrawl/0.1");
}

TEST_CASE("crawl spec: errors name the bad field") {
  CHECK(ErrorOf("not json").find("not valid JSON") != std::string::npos);
  CHECK(ErrorOf("[]").find("JSON object") != std::string::npos);
  CHECK(ErrorOf(R"({"seeds":["http://a/"]})").find("spec.name: missing") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a b","seeds":["http://a/"]})").find("spec.name") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a"})").find("spec.seeds: missing") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a","seeds":[]})").find("spec.seeds") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a","seeds":["http://a/","ftp://b/"]})").find("spec.seeds[1]") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a","seeds":["http://a/"],"max_depth":-1})").find("spec.max_depth") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a","seeds":["http://a/"],"delay_ms":"fast"})").find("spec.delay_ms") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a","seeds":["http://a/"],"concurrency":0})").find("spec.concurrency") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a","seeds":["http://a/"],"exclude":["("]})").find("spec.exclude[0]") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a","seeds":["http://a/"],"allowed_hosts":["bad host"]})").find("spec.allowed_hosts[0]") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a","seeds":["http://a/"],"user_agent":""})").find("spec.user_agent") != std::string::npos);
  CHECK(ErrorOf(R"({"name":"a","seeds":["http://a/"],"max_pgaes":5})").find("spec.max_pgaes: unknown field") != std::string::npos);
}

TEST_CASE("crawl spec: scope by host, domain and patterns") {
  CrawlSpec s;
  REQUIRE(ParseCrawlSpec(R"({"name":"a","seeds":["http://www.example.org/"],
      "allowed_domains":["example.org"],"exclude":["/private/"],"include":["\\.html$","/$"]})", &s).ok());
  Scope scope(s);
  auto check = [&](const std::string& url) {
    UrlParts p;
    REQUIRE(SplitUrl(url, &p).ok());
    return scope.Check(p, url);
  };
  CHECK(check("http://www.example.org/") == "");
  CHECK(check("http://example.org/a.html") == "");
  CHECK(check("https://deep.sub.example.org/x/") == "");
  CHECK(check("http://badexample.org/a.html") == "out_of_scope");
  CHECK(check("http://example.org.evil.net/a.html") == "out_of_scope");
  CHECK(check("http://example.org/private/a.html") == "excluded_pattern");
  CHECK(check("http://example.org/a.pdf") == "not_included");
}

}  // namespace swarmcrawl

namespace swarmcrawl {

TEST_CASE("crawl spec: politeness fields parse, with their defaults") {
  CrawlSpec d;
  REQUIRE(ParseCrawlSpec(R"({"name":"a","seeds":["http://a.test/"]})", &d).ok());
  CHECK(d.seed_scope == "host");
  CHECK(d.ip_concurrency == 4);
  CHECK(d.ip_delay_ms == 0);
  CHECK(d.response_time_factor == 2.0);
  CHECK(d.max_backoff_ms == 3'600'000);
  CHECK(d.robots_ttl_ms == 86'400'000);
  CHECK(d.honor_tdmrep);
  CHECK(d.follow_canonical);
  CHECK_FALSE(d.recrawl.enabled);
  CHECK(d.ai_robots_tokens == DefaultAiRobotsTokens());
  CHECK(std::find(d.ai_robots_tokens.begin(), d.ai_robots_tokens.end(), "GPTBot") !=
        d.ai_robots_tokens.end());
  CHECK(std::find(d.strip_params.begin(), d.strip_params.end(), "utm_*") != d.strip_params.end());

  CrawlSpec s;
  REQUIRE(ParseCrawlSpec(R"({"name":"a","seeds":["http://a.test/"],
      "sitemaps":["HTTP://A.test/sitemap.xml"],"seed_scope":"host","strip_params":["ref","trk_*"],
      "ip_concurrency":2,"ip_delay_ms":250,"response_time_factor":1.5,"max_backoff_ms":60000,
      "robots_ttl_ms":5000,"ai_robots_tokens":["GPTBot","my-bot_2"],"honor_tdmrep":false,
      "follow_canonical":false,
      "recrawl":{"interval_ms":10000,"min_interval_ms":5000,"max_interval_ms":60000}})", &s).ok());
  CHECK(s.sitemaps == std::vector<std::string>{"http://a.test/sitemap.xml"});
  CHECK(s.strip_params == std::vector<std::string>{"ref", "trk_*"});
  CHECK(s.ip_concurrency == 2);
  CHECK(s.ip_delay_ms == 250);
  CHECK(s.response_time_factor == 1.5);
  CHECK(s.max_backoff_ms == 60000);
  CHECK(s.robots_ttl_ms == 5000);
  CHECK(s.ai_robots_tokens == std::vector<std::string>{"GPTBot", "my-bot_2"});
  CHECK_FALSE(s.honor_tdmrep);
  CHECK_FALSE(s.follow_canonical);
  CHECK(s.recrawl.enabled);
  CHECK(s.recrawl.interval_ms == 10000);
  CHECK(s.recrawl.min_interval_ms == 5000);
  CHECK(s.recrawl.max_interval_ms == 60000);

  // Empty lists switch the defaults off.
  CrawlSpec e;
  REQUIRE(ParseCrawlSpec(R"({"name":"a","seeds":["http://a.test/"],"ai_robots_tokens":[],
      "strip_params":[]})", &e).ok());
  CHECK(e.ai_robots_tokens.empty());
  CHECK(e.strip_params.empty());

  // An interval alone is enough: the bounds follow it.
  CrawlSpec r;
  REQUIRE(ParseCrawlSpec(R"({"name":"a","seeds":["http://a.test/"],"recrawl":{"interval_ms":5000}})", &r).ok());
  CHECK(r.recrawl.enabled);
  CHECK(r.recrawl.min_interval_ms <= 5000);
  CHECK(r.recrawl.max_interval_ms >= 5000);

  // The stored form (CrawlSpecToJson) parses back to the same spec.
  CrawlSpec back;
  REQUIRE(ParseCrawlSpec(CrawlSpecToJson(s).dump(), &back).ok());
  CHECK(CrawlSpecToJson(back) == CrawlSpecToJson(s));
  REQUIRE(ParseCrawlSpec(CrawlSpecToJson(e).dump(), &back).ok());
  CHECK(back.ai_robots_tokens.empty());
  CHECK(back.strip_params.empty());
  REQUIRE(ParseCrawlSpec(CrawlSpecToJson(d).dump(), &back).ok());
  CHECK_FALSE(back.recrawl.enabled);
}

TEST_CASE("crawl spec: bad politeness values name the field") {
  const std::string base = R"({"name":"a","seeds":["http://a.test/"],)";
  auto err = [&](const std::string& rest) { return ErrorOf(base + rest + "}"); };
  CHECK(err(R"("recrawl":{"interval_ms":10000,"min_interval_ms":500})")
            .find("spec.recrawl.min_interval_ms") != std::string::npos);
  CHECK(err(R"("recrawl":{"interval_ms":10000,"min_interval_ms":20000})").find("spec.recrawl") !=
        std::string::npos);
  CHECK(err(R"("recrawl":{"interval_ms":10000,"max_interval_ms":5000})").find("spec.recrawl") !=
        std::string::npos);
  CHECK(err(R"("recrawl":{"interval":10000})").find("spec.recrawl.interval") != std::string::npos);
  CHECK(err(R"("recrawl":10000)").find("spec.recrawl") != std::string::npos);
  CHECK(err(R"("seed_scope":"site")").find("spec.seed_scope") != std::string::npos);
  CHECK(err(R"("ai_robots_tokens":["GPTBot","Claude Bot"])").find("spec.ai_robots_tokens[1]") !=
        std::string::npos);
  CHECK(err(R"("ai_robots_tokens":["GPT Bot"])").find("spec.ai_robots_tokens[0]") != std::string::npos);
  const std::string strip = err(R"("strip_params":["ok","a=b"])");
  CHECK(strip.find("spec.strip_params") != std::string::npos);
  CHECK(strip.find("[1]") != std::string::npos);
  CHECK(err(R"("robots_ttl_ms":86400001)").find("spec.robots_ttl_ms") != std::string::npos);
  CHECK(err(R"("response_time_factor":-1)").find("spec.response_time_factor") != std::string::npos);
  CHECK(err(R"("ip_concurrency":0)").find("spec.ip_concurrency") != std::string::npos);
  CHECK(err(R"("ip_delay_ms":-5)").find("spec.ip_delay_ms") != std::string::npos);
  CHECK(err(R"("max_backoff_ms":10)").find("spec.max_backoff_ms") != std::string::npos);
  CHECK(err(R"("honor_tdmrep":"yes")").find("spec.honor_tdmrep") != std::string::npos);
  CHECK(err(R"("follow_canonical":1)").find("spec.follow_canonical") != std::string::npos);
  CHECK(err(R"("sitemaps":["ftp://a.test/s.xml"])").find("spec.sitemaps[0]") != std::string::npos);
  const std::string suffix = err(R"("allowed_domains":["co.uk"])");
  CHECK(suffix.find("spec.allowed_domains[0]") != std::string::npos);
  CHECK(suffix.find("public suffix") != std::string::npos);
}

TEST_CASE("crawl spec: seed_scope domain derives registrable domains from the seeds") {
  CrawlSpec s;
  REQUIRE(ParseCrawlSpec(R"({"name":"a","seeds":["http://www.example.co.uk/","https://blog.example.co.uk/x",
      "http://news.other.org/"],"seed_scope":"domain"})", &s).ok());
  CHECK(s.allowed_domains == std::vector<std::string>{"example.co.uk", "other.org"});
  CHECK(s.allowed_hosts.empty());
  Scope scope(s);
  auto check = [&](const std::string& url) {
    UrlParts p;
    REQUIRE(SplitUrl(url, &p).ok());
    return scope.Check(p, url);
  };
  CHECK(check("http://shop.example.co.uk/") == "");
  CHECK(check("http://example.co.uk/") == "");
  CHECK(check("http://other.co.uk/") == "out_of_scope");
  CHECK(check("http://www.other.org/") == "");

  // seed_scope "host" (the default) keeps to the seeds' hosts.
  CrawlSpec h;
  REQUIRE(ParseCrawlSpec(R"({"name":"a","seeds":["http://www.example.co.uk/"]})", &h).ok());
  CHECK(h.allowed_hosts == std::vector<std::string>{"www.example.co.uk"});
  CHECK(h.allowed_domains.empty());
}

}  // namespace swarmcrawl

namespace swarmcrawl {

TEST_CASE("allowed_hosts takes IPv6 literals with or without brackets and matches them as URLs write them") {
  CrawlSpec s;
  REQUIRE(ParseCrawlSpec(R"({"name":"v6","seeds":["http://[2001:db8::1]/"],"allowed_hosts":["[2001:DB8::1]","::2"]})", &s).ok());
  CHECK(s.allowed_hosts == std::vector<std::string>{"2001:db8::1", "::2"});
  const Scope scope(s);
  UrlParts parts;
  REQUIRE(SplitUrl("http://[2001:db8::1]:8080/x", &parts).ok());
  CHECK(scope.Check(parts, "http://[2001:db8::1]:8080/x").empty());
  CHECK(ParseCrawlSpec(R"({"name":"v6","seeds":["http://a.test/"],"allowed_hosts":["[::1"]})", &s).message().find("allowed_hosts[0]") != std::string::npos);
}

}  // namespace swarmcrawl
