// The swarmcrawl binary as users run it: help, errors, crawl control, parse, run.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "tests/integration/cluster.h"

namespace swarmcrawl::testing {
namespace {

// A scratch directory removed at the end of the test.
struct ScratchDir {
  std::string path = MakeTempDir("swarmcrawl-cli");
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

RunResult Sc(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SWARMCRAWL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, std::chrono::seconds(120));
}

}  // namespace

TEST_CASE("every subcommand has --help and bad usage fails with a message") {
  for (const auto& sub : std::vector<std::vector<std::string>>{
           {"keygen"}, {"coordinator"}, {"worker"}, {"run"}, {"crawl"}, {"crawl", "submit"},
           {"crawl", "list"}, {"crawl", "status"}, {"crawl", "pause"}, {"crawl", "resume"},
           {"crawl", "cancel"}, {"export"}, {"credits"}, {"parse"}, {"robots"}, {"url"},
           {"url", "canon"}, {"url", "resolve"}, {"sitemap"}}) {
    std::vector<std::string> args = sub;
    args.push_back("--help");
    RunResult r = Sc(args);
    INFO(sub.back() << ": " << r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("Usage") != std::string::npos);
  }
  RunResult none = Sc({});
  CHECK(none.exit_code != 0);
  RunResult bogus = Sc({"frobnicate"});
  CHECK(bogus.exit_code != 0);
}

TEST_CASE("crawl submit names the bad field and submits nothing") {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string db = dir + "/c.db";
  std::ofstream(dir + "/bad.json") << R"({"name": "x", "seeds": ["http://ok.test/", "not a url"]})";
  RunResult r = Sc({"crawl", "submit", dir + "/bad.json", "--db", db});
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("spec.seeds[1]") != std::string::npos);
  CHECK(r.output.find("nothing was submitted") != std::string::npos);
  std::ofstream(dir + "/typo.json") << R"({"name": "x", "seeds": ["http://ok.test/"], "delay": 5})";
  r = Sc({"crawl", "submit", dir + "/typo.json", "--db", db});
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("spec.delay: unknown field") != std::string::npos);
  RunResult list = Sc({"crawl", "list", "--db", db, "--json"});
  CHECK(list.exit_code == 0);
  CHECK(list.output.find("[]") != std::string::npos);

  std::ofstream(dir + "/good.json") << R"({"name": "x", "seeds": ["http://ok.test/"]})";
  CHECK(Sc({"crawl", "submit", dir + "/good.json", "--db", db}).exit_code == 0);
  RunResult again = Sc({"crawl", "submit", dir + "/good.json", "--db", db});
  CHECK(again.exit_code != 0);
  CHECK(again.output.find("already exists") != std::string::npos);
  CHECK(Sc({"crawl", "pause", "x", "--db", db}).output.find("now paused") != std::string::npos);
  RunResult status = Sc({"crawl", "status", "x", "--db", db, "--json"});
  CHECK(status.output.find("\"state\": \"paused\"") != std::string::npos);
  CHECK(Sc({"crawl", "resume", "x", "--db", db}).exit_code == 0);
  CHECK(Sc({"crawl", "cancel", "x", "--db", db}).exit_code == 0);
  RunResult bad_transition = Sc({"crawl", "resume", "x", "--db", db});
  CHECK(bad_transition.exit_code != 0);
  CHECK(bad_transition.output.find("cancelled") != std::string::npos);
  RunResult missing = Sc({"crawl", "status", "nope", "--db", db});
  CHECK(missing.exit_code != 0);
  CHECK(missing.output.find("swarmcrawl crawl list") != std::string::npos);
}

TEST_CASE("keygen writes an owner-only key and a worker refuses a world-readable one") {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string key = dir + "/me.key";
  RunResult r = Sc({"keygen", "--out", key, "--name", "me"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("fingerprint") != std::string::npos);
  struct stat st {};
  REQUIRE(stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(Sc({"keygen", "--out", key}).exit_code != 0);  // never overwrites
  chmod(key.c_str(), 0644);
  RunResult w = Sc({"worker", "--key", key, "--plaintext", "--spool", dir + "/s.db"});
  CHECK(w.exit_code != 0);
  CHECK(w.output.find("chmod 600") != std::string::npos);
  RunResult nokey = Sc({"worker", "--key", dir + "/new.key", "--spool", dir + "/s.db"});
  CHECK(nokey.exit_code != 0);
  CHECK(nokey.output.find("--coordinator-key") != std::string::npos);
}

TEST_CASE("plaintext is refused on endpoints other machines can reach") {
  ScratchDir scratch;
  RunResult c = Sc({"coordinator", "--db", scratch.path + "/c.db", "--plaintext", "--bind",
                    "tcp://0.0.0.0:" + std::to_string(FreeTcpPort())});
  CHECK(c.exit_code == 1);
  CHECK(c.output.find("loopback") != std::string::npos);
  RunResult w = Sc({"worker", "--key", scratch.path + "/k.key", "--plaintext", "--spool",
                    scratch.path + "/s.db", "--coordinator", "tcp://192.0.2.1:7170"});
  CHECK(w.exit_code == 1);
  CHECK(w.output.find("loopback") != std::string::npos);
}

TEST_CASE("parse prints what a worker would extract from a local file") {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  std::ofstream(dir + "/p.html") << "<html lang=de><title>Hallo</title><base href='/x/'>"
                                    "<p>Text</p><a href='a.html#f'>a</a>";
  RunResult r = Sc({"parse", dir + "/p.html", "--url", "https://Example.org/dir/page"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  CHECK(j["title"] == "Hallo");
  CHECK(j["lang"] == "de");
  CHECK(j["outlinks"] == nlohmann::json::array({"https://example.org/x/a.html"}));
  CHECK(Sc({"parse", dir + "/missing.html"}).exit_code != 0);
}

TEST_CASE("run crawls a site with in-process workers on one SQLite file and exports it") {
  Cluster c(ClusterOptions{});
  c.StartSite();
  const std::string spec = c.dir() + "/run.json";
  std::ofstream(spec) << "{\"name\": \"one\", \"seeds\": [\"" << c.base_url()
                      << "\"], \"delay_ms\": 0, \"response_time_factor\": 0, \"concurrency\": 8, "
                         "\"max_depth\": 50}";
  const std::string db = c.dir() + "/run.db", out = c.dir() + "/one.jsonl";
  RunResult r = Sc({"run", "--spec", spec, "--workers", "2", "--db", db, "--key",
                    c.dir() + "/run.key", "--allow-private-networks", "--export", out});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("crawl one: done") != std::string::npos);
  const size_t expected = c.site().ExpectedHtmlPaths().size();
  CHECK(r.output.find("exported " + std::to_string(expected) + " records") != std::string::npos);
  std::ifstream in(out);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  CHECK(lines == expected);
}

TEST_CASE("robots and url answer from the crawler's own code") {
  ScratchDir scratch;
  const std::string file = scratch.path + "/robots.txt";
  std::ofstream(file) << "User-agent: *\nDisallow: /private/\n\n"
                         "User-agent: SwarmCrawl\nDisallow: /\nAllow: /public/\n";
  RunResult r = Sc({"robots", file, "--agent", "swarmcrawl/0.1 (+info)", "http://a.test/public/x",
                    "http://a.test/other", "http://a.test/robots.txt"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("allowed\thttp://a.test/public/x\tAllow: /public/") != std::string::npos);
  CHECK(r.output.find("disallowed\thttp://a.test/other\tDisallow: /") != std::string::npos);
  CHECK(r.output.find("allowed\thttp://a.test/robots.txt") != std::string::npos);
  r = Sc({"robots", file, "--agent", "otherbot", "http://a.test/private/1", "http://a.test/other"});
  CHECK(r.output.find("disallowed\thttp://a.test/private/1\tDisallow: /private/") != std::string::npos);
  CHECK(r.output.find("allowed\thttp://a.test/other\t(no rule)") != std::string::npos);
  r = Sc({"robots", file, "not a url"});
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("error\tnot a url") != std::string::npos);

  r = Sc({"url", "canon", "HTTP://Example.COM:80/a/./b/../c?#frag", "ftp://x/"});
  CHECK(r.exit_code != 0);  // one of the two is an error
  CHECK(r.output.find("http://example.com/a/c\n") != std::string::npos);
  CHECK(r.output.find("error: ftp://x/") != std::string::npos);
  r = Sc({"url", "canon", "http://a.test/p?utm_source=x&id=7&fbclid=1"});
  CHECK(r.output == "http://a.test/p?id=7\n");
  r = Sc({"url", "canon", "--keep-params", "http://a.test/p?utm_source=x&id=7"});
  CHECK(r.output == "http://a.test/p?utm_source=x&id=7\n");
  r = Sc({"url", "resolve", "http://a.test/b/c/d;p?q", "../g", "//other.test/x", "#s"});
  CHECK(r.exit_code == 0);
  CHECK(r.output == "http://a.test/b/g\nhttp://other.test/x\nhttp://a.test/b/c/d;p?q\n");
}

TEST_CASE("sitemap prints the URLs of gzip, text and feed files and rejects garbage") {
  ScratchDir scratch;
  const std::string& dir = scratch.path;
  RunResult r = Sc({"sitemap", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("Usage") != std::string::npos);

  // A gzip-compressed index whose name does not say so: detected by content.
  const std::string gz = dir + "/index.xml";
  const std::string index =
      "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
      "<url><loc>HTTP://A.test:80/page</loc></url>"
      "<sitemap><loc>http://a.test/child.xml.gz</loc></sitemap></sitemapindex>\n";
  gzFile f = gzopen(gz.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, index.data(), static_cast<unsigned>(index.size())) ==
          static_cast<int>(index.size()));
  REQUIRE(gzclose(f) == Z_OK);
  r = Sc({"sitemap", gz});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output == "http://a.test/child.xml.gz\nhttp://a.test/page\n");  // children first

  const std::string text = dir + "/sitemap.txt";
  std::ofstream(text) << "\xEF\xBB\xBFhttp://a.test/1\r\n\n   http://a.test/2  \n";
  r = Sc({"sitemap", text});
  CHECK(r.exit_code == 0);
  CHECK(r.output == "http://a.test/1\nhttp://a.test/2\n");

  const std::string feed = dir + "/feed.rss";
  std::ofstream(feed) << "<rss><channel><item><link>/news/1</link></item></channel></rss>";
  r = Sc({"sitemap", feed, "--base", "http://b.test/feed/"});
  CHECK(r.exit_code == 0);
  CHECK(r.output == "http://b.test/news/1\n");
  r = Sc({"sitemap", feed});  // no base: the relative link is skipped, and said so
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("skipped 1 entry") != std::string::npos);

  const std::string garbage = dir + "/garbage.bin";
  std::ofstream(garbage, std::ios::binary) << std::string("\x00\x01\x02\xff\xfe binary", 13);
  r = Sc({"sitemap", garbage});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("swarmcrawl: " + garbage + ": binary data") != std::string::npos);
  r = Sc({"sitemap", dir + "/missing.xml"});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("swarmcrawl: " + dir + "/missing.xml: ") != std::string::npos);
}

}  // namespace swarmcrawl::testing
