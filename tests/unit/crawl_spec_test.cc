#include <doctest/doctest.h>

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
