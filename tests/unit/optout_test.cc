#include "parsers/optout.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace swarmcrawl {
namespace {

const std::vector<std::string> kAiTokens = {"GPTBot", "ccbot", "ClaudeBot", "Google-Extended"};

RobotsDirectives Meta(std::string_view content) {
  RobotsDirectives d;
  ApplyRobotsDirectives(content, &d);
  return d;
}

RobotsDirectives Header(std::string_view value, std::string_view token = "swarmcrawl") {
  RobotsDirectives d;
  ApplyXRobotsTag(value, token, kAiTokens, &d);
  return d;
}

// "noindex nofollow noai noimageai" as 0/1 flags, for compact checks.
std::string Flags(const RobotsDirectives& d) {
  return std::string() + (d.noindex ? '1' : '0') + (d.nofollow ? '1' : '0') +
         (d.noai ? '1' : '0') + (d.noimageai ? '1' : '0');
}

TdmRepFile MustParse(const std::string& json) {
  TdmRepFile f;
  const Status s = TdmRepFile::Parse(json, &f);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return f;
}

Status ParseError(const std::string& json) {
  TdmRepFile f;
  return TdmRepFile::Parse(json, &f);
}

std::string Entry(const std::string& location, int reservation, const std::string& policy = "") {
  std::string e = "{\"location\": \"" + location + "\", \"tdm-reservation\": " +
                  std::to_string(reservation);
  if (!policy.empty()) e += ", \"tdm-policy\": \"" + policy + "\"";
  return e + "}";
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---------------------------------------------------------------------------
// Robots meta directives.

TEST_CASE("robots directives: each directive sets exactly its own flag") {
  CHECK(Flags(Meta("noindex")) == "1000");
  CHECK(Flags(Meta("nofollow")) == "0100");
  CHECK(Flags(Meta("noai")) == "0010");
  CHECK(Flags(Meta("noimageai")) == "0001");
  CHECK(Flags(Meta("")) == "0000");
}

TEST_CASE("robots directives: none means noindex and nofollow, all means nothing") {
  CHECK(Flags(Meta("none")) == "1100");
  CHECK(Flags(Meta("all")) == "0000");
  CHECK(Flags(Meta("index, follow")) == "0000");
}

TEST_CASE("robots directives: case-insensitive, separated by commas and or whitespace") {
  CHECK(Flags(Meta("NoIndex,NOFOLLOW")) == "1100");
  CHECK(Flags(Meta("noai,noimageai")) == "0011");
  CHECK(Flags(Meta("NOAI NoImageAI")) == "0011");
  CHECK(Flags(Meta("\tnoindex\n,\r nofollow  ,, ")) == "1100");
  CHECK(Flags(Meta("NONE")) == "1100");
}

TEST_CASE("robots directives: unknown and glued tokens are ignored") {
  CHECK(Flags(Meta("noindexnofollow")) == "0000");
  CHECK(Flags(Meta("noarchive, nosnippet, max-snippet:-1, max-image-preview:large")) == "0000");
  CHECK(Flags(Meta("no-ai, ai, noimage")) == "0000");
  CHECK(Flags(Meta("unavailable_after: 25 Jun 2010 15:00:00 PST, noai")) == "0010");
}

TEST_CASE("robots directives accumulate and are never cleared") {
  RobotsDirectives d;
  ApplyRobotsDirectives("noindex", &d);
  ApplyRobotsDirectives("all", &d);
  ApplyRobotsDirectives("index, follow", &d);
  ApplyRobotsDirectives("noimageai", &d);
  CHECK(Flags(d) == "1001");
}

// ---------------------------------------------------------------------------
// X-Robots-Tag.

TEST_CASE("X-Robots-Tag: unprefixed directives always apply") {
  CHECK(Flags(Header("noindex")) == "1000");
  CHECK(Flags(Header("noindex, nofollow")) == "1100");
  CHECK(Flags(Header("NoAI, NOIMAGEAI")) == "0011");
  CHECK(Flags(Header("none")) == "1100");
  CHECK(Flags(Header("all")) == "0000");
  CHECK(Flags(Header("")) == "0000");
  CHECK(Flags(Header("noindex", "")) == "1000");  // with no product token too
}

TEST_CASE("X-Robots-Tag: our product token prefix applies, case-insensitively") {
  CHECK(Flags(Header("swarmcrawl: noindex")) == "1000");
  CHECK(Flags(Header("SwarmCrawl: nofollow, noai")) == "0110");
  CHECK(Flags(Header("swarmcrawl : none")) == "1100");
  CHECK(Flags(Header("swarmcrawl:noimageai")) == "0001");
  CHECK(Flags(Header("swarmcrawl: noindex", "SwarmCrawl")) == "1000");
  // An empty product token matches no prefix.
  CHECK(Flags(Header("swarmcrawl: noindex", "")) == "0000");
}

TEST_CASE("X-Robots-Tag: directives for other bots are ignored") {
  CHECK(Flags(Header("googlebot: noindex")) == "0000");
  CHECK(Flags(Header("otherbot: noindex, nofollow")) == "0000");
  CHECK(Flags(Header("googlebot-news: noai, noimageai")) == "0000");
  CHECK(Flags(Header("swarmcrawler: noindex")) == "0000");  // not a prefix match
  // ... while the same directives for us or for everyone do count.
  CHECK(Flags(Header("otherbot: noindex, swarmcrawl: noindex, nofollow")) == "1100");
}

TEST_CASE("X-Robots-Tag: AI token prefixes count only as AI opt-outs") {
  CHECK(Flags(Header("GPTBot: noindex")) == "0010");
  CHECK(Flags(Header("gptbot: noindex")) == "0010");
  CHECK(Flags(Header("CCBot: none")) == "0010");
  CHECK(Flags(Header("claudebot: noai")) == "0010");
  CHECK(Flags(Header("ClaudeBot: noimageai")) == "0001");
  CHECK(Flags(Header("gptbot: nofollow")) == "0000");
  CHECK(Flags(Header("google-extended: noindex, nofollow")) == "0010");
  CHECK(Flags(Header("PerplexityBot: noindex")) == "0000");  // not in our list
}

TEST_CASE("X-Robots-Tag: unavailable_after and other valued directives are not agents") {
  // Were "unavailable_after" read as an unknown agent, the noindex after it
  // would be attributed to that agent and dropped.
  CHECK(Flags(Header("unavailable_after: 25 Jun 2010 15:00:00 PST")) == "0000");
  CHECK(Flags(Header("unavailable_after: 25 Jun 2010 15:00:00 PST, noindex")) == "1000");
  CHECK(Flags(Header("unavailable_after: 2024-09-01T12:00:00Z, nofollow")) == "0100");
  // An RFC 850 date has a comma of its own.
  CHECK(Flags(Header("unavailable_after: Wednesday, 25-Jun-10 15:00:00 GMT, noai")) == "0010");
  CHECK(Flags(Header("UNAVAILABLE_AFTER: Wed, 25 Jun 2010 15:00:00 GMT, noimageai")) == "0001");
  CHECK(Flags(Header("max-snippet: 20, noindex")) == "1000");
  CHECK(Flags(Header("max-image-preview: large, max-video-preview: -1, noai")) == "0010");
  // "none" is a value here, not the directive.
  CHECK(Flags(Header("max-image-preview: none")) == "0000");
  CHECK(Flags(Header("swarmcrawl: max-image-preview: none")) == "0000");
  // After an agent prefix, too.
  CHECK(Flags(Header("swarmcrawl: unavailable_after: 25 Jun 2010 15:00:00 PST, noindex")) ==
        "1000");
  CHECK(Flags(Header("otherbot: unavailable_after: 25 Jun 2010 15:00:00 PST, noindex")) ==
        "0000");
  // Known directive names are never agents either.
  CHECK(Flags(Header("noindex: nofollow")) == "1100");
  // Digits alone are not an agent.
  CHECK(Flags(Header("15: noindex")) == "1000");
}

TEST_CASE("X-Robots-Tag: an agent prefix scopes its element and the following ones") {
  CHECK(Flags(Header("otherbot: noindex, swarmcrawl: nofollow")) == "0100");
  CHECK(Flags(Header("swarmcrawl: noimageai, otherbot: noindex, nofollow")) == "0001");
  CHECK(Flags(Header("noindex, otherbot: nofollow")) == "1000");
  CHECK(Flags(Header("googlebot: nofollow, gptbot: noindex, swarmcrawl: noimageai")) == "0011");
}

TEST_CASE("X-Robots-Tag: several header values accumulate") {
  RobotsDirectives d;
  ApplyXRobotsTag("googlebot: nofollow", "swarmcrawl", kAiTokens, &d);
  ApplyXRobotsTag("noai", "swarmcrawl", kAiTokens, &d);
  ApplyXRobotsTag("otherbot: noindex, nofollow", "swarmcrawl", kAiTokens, &d);
  ApplyXRobotsTag("swarmcrawl: noindex", "swarmcrawl", kAiTokens, &d);
  ApplyXRobotsTag("all", "swarmcrawl", kAiTokens, &d);
  CHECK(Flags(d) == "1010");
}

// ---------------------------------------------------------------------------
// tdmrep.json.

TEST_CASE("tdmrep.json: entries are parsed and the first match wins") {
  const TdmRepFile f = MustParse(R"([
    {"location": "/images/*", "tdm-reservation": 1,
     "tdm-policy": "https://provider.example/policies/images.json"},
    {"location": "/images/free/", "tdm-reservation": 0},
    {"location": "/news/", "tdm-reservation": 0, "tdm-policy": "https://p.example/news",
     "comment": "unknown members are ignored"},
    {"location": "/", "tdm-reservation": 1}
  ])");
  CHECK(f.size() == 4);

  TdmPolicy p = f.Lookup("/images/free/cat.png");  // the first entry also matches
  CHECK(p.reservation == 1);
  CHECK(p.policy == "https://provider.example/policies/images.json");
  CHECK(p.source == "tdmrep.json");

  p = f.Lookup("/news/today?x=1");
  CHECK(p.reservation == 0);
  CHECK(p.policy == "https://p.example/news");
  CHECK(p.source == "tdmrep.json");

  p = f.Lookup("/about");
  CHECK(p.reservation == 1);
  CHECK(p.policy.empty());
  CHECK(f.Lookup("").reservation == 1);  // "" is "/"
}

TEST_CASE("tdmrep.json: no match and an empty file are unset") {
  const TdmRepFile f = MustParse(R"([{"location": "/private/", "tdm-reservation": 1}])");
  const TdmPolicy p = f.Lookup("/public/page");
  CHECK(p.reservation == -1);
  CHECK(p.policy.empty());
  CHECK(p.source.empty());
  CHECK(f.Lookup("/private").reservation == -1);  // prefix of the pattern, not of the path
  CHECK(f.Lookup("/private/x").reservation == 1);

  const TdmRepFile empty = MustParse("[]");
  CHECK(empty.size() == 0);
  CHECK(empty.Lookup("/").reservation == -1);
  CHECK(TdmRepFile().Lookup("/x").source.empty());
}

TEST_CASE("tdmrep.json: patterns with star wildcards and the dollar end anchor") {
  const TdmRepFile f = MustParse(R"([
    {"location": "/*.pdf$", "tdm-reservation": 1},
    {"location": "/exact$", "tdm-reservation": 1},
    {"location": "/a*b*c", "tdm-reservation": 1},
    {"location": "*?print=", "tdm-reservation": 1},
    {"location": "/docs/**/x$", "tdm-reservation": 1},
    {"location": "/", "tdm-reservation": 0}
  ])");
  CHECK(f.Lookup("/files/report.pdf").reservation == 1);
  CHECK(f.Lookup("/report.pdf?download=1").reservation == 0);  // '$' anchors the end
  CHECK(f.Lookup("/report.pdf.html").reservation == 0);
  CHECK(f.Lookup("/exact").reservation == 1);
  CHECK(f.Lookup("/exactly").reservation == 0);
  CHECK(f.Lookup("/a-b-c-d").reservation == 1);
  CHECK(f.Lookup("/abc").reservation == 1);
  CHECK(f.Lookup("/acb").reservation == 0);  // segments must come in order
  CHECK(f.Lookup("/page?print=1").reservation == 1);
  CHECK(f.Lookup("/docs/1/2/x").reservation == 1);
  CHECK(f.Lookup("/docs/x").reservation == 0);  // "/docs/" then "/x": two slashes needed
  CHECK(f.Lookup("/docs//x").reservation == 1);
}

TEST_CASE("tdmrep.json: percent-encoding of patterns and paths is normalized") {
  const TdmRepFile f = MustParse(R"([
    {"location": "/caf%c3%a9/", "tdm-reservation": 1},
    {"location": "/%7Euser/", "tdm-reservation": 1},
    {"location": "/a%2Fb", "tdm-reservation": 1},
    {"location": "/ä/", "tdm-reservation": 1},
    {"location": "/", "tdm-reservation": 0}
  ])");
  CHECK(f.Lookup("/caf%C3%A9/menu").reservation == 1);  // hex case
  CHECK(f.Lookup("/~user/home").reservation == 1);       // unreserved decoded
  CHECK(f.Lookup("/%7euser/home").reservation == 1);
  CHECK(f.Lookup("/a%2fb").reservation == 1);            // reserved stays encoded
  CHECK(f.Lookup("/a/b").reservation == 0);
  CHECK(f.Lookup("/%C3%A4/x").reservation == 1);         // raw UTF-8 in the pattern
  CHECK(f.Lookup("/ä/x").reservation == 1);              // raw UTF-8 in the path
}

TEST_CASE("tdmrep.json: reservation values") {
  const TdmRepFile f = MustParse(R"([
    {"location": "/s1", "tdm-reservation": "1"},
    {"location": "/s0", "tdm-reservation": " 0 "},
    {"location": "/f1", "tdm-reservation": 1.0},
    {"location": "/p", "tdm-reservation": 1, "tdm-policy": null},
    {"location": "  /trimmed", "tdm-reservation": 1, "tdm-policy": "  https://p.example/  "}
  ])");
  CHECK(f.Lookup("/s1").reservation == 1);
  CHECK(f.Lookup("/s0").reservation == 0);
  CHECK(f.Lookup("/f1").reservation == 1);
  CHECK(f.Lookup("/p").policy.empty());
  CHECK(f.Lookup("/trimmed").reservation == 1);
  CHECK(f.Lookup("/trimmed").policy == "https://p.example/");
}

TEST_CASE("tdmrep.json: bad files are rejected with bad_tdmrep naming the problem") {
  struct Case {
    std::string json;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"", "not valid JSON"},
      {"User-agent: *", "not valid JSON"},
      {R"([{"location": "/", "tdm-reservation": 1},])", "not valid JSON"},
      {R"({"location": "/", "tdm-reservation": 1})", "not a JSON array"},
      {"\"[]\"", "not a JSON array"},
      {R"([{"location": "/", "tdm-reservation": 1}, 7])", "entry 1 is not an object"},
      {R"([["/", 1]])", "entry 0 is not an object"},
      {R"([{"tdm-reservation": 1}])", "entry 0 has no location"},
      {R"([{"location": 5, "tdm-reservation": 1}])", "entry 0: location is not a string"},
      {R"([{"location": "  ", "tdm-reservation": 1}])", "entry 0: location is empty"},
      {R"([{"location": "https://example.com/", "tdm-reservation": 1}])",
       "entry 0: location \"https://example.com/\" does not start with '/' or '*'"},
      {R"([{"location": "images/", "tdm-reservation": 1}])", "does not start with"},
      {R"([{"location": "/"}])", "entry 0 has no tdm-reservation"},
      {R"([{"location": "/", "tdm-reservation": 2}])", "entry 0: tdm-reservation is not 0 or 1"},
      {R"([{"location": "/", "tdm-reservation": true}])", "tdm-reservation is not 0 or 1"},
      {R"([{"location": "/", "tdm-reservation": "yes"}])", "tdm-reservation is not 0 or 1"},
      {R"([{"location": "/", "tdm-reservation": 1, "tdm-policy": 3}])",
       "entry 0: tdm-policy is not a string"},
      {"[{\"location\": \"/\xFF\", \"tdm-reservation\": 1}]", "not valid JSON"},  // not UTF-8
  };
  for (const Case& c : cases) {
    CAPTURE(c.json);
    const Status s = ParseError(c.json);
    CHECK_FALSE(s.ok());
    CHECK(s.code() == "bad_tdmrep");
    CHECK(s.message().find(c.message_part) != std::string::npos);
  }

  // A failed parse leaves the file empty, not half-filled or stale.
  TdmRepFile f = MustParse(R"([{"location": "/", "tdm-reservation": 1}])");
  CHECK(f.size() == 1);
  CHECK_FALSE(TdmRepFile::Parse(R"([{"location": "/", "tdm-reservation": 1}, 1])", &f).ok());
  CHECK(f.size() == 0);
  CHECK(f.Lookup("/").reservation == -1);
}

TEST_CASE("tdmrep.json: size, entry, depth and value limits") {
  // 10,000 entries are fine, 10,001 are not.
  std::string json = "[";
  for (size_t i = 0; i < kMaxTdmRepEntries; ++i) {
    if (i > 0) json += ",";
    json += Entry("/p" + std::to_string(i) + "/", static_cast<int>(i % 2));
  }
  const std::string last = Entry("/", 1) + "]";
  const TdmRepFile f = MustParse(json + "]");
  CHECK(f.size() == kMaxTdmRepEntries);
  CHECK(f.Lookup("/p9999/x").reservation == 1);
  CHECK(f.Lookup("/p9998/x").reservation == 0);
  Status s = ParseError(json + "," + last);
  CHECK(s.code() == "bad_tdmrep");
  CHECK(s.message().find("more than 10000 entries") != std::string::npos);

  // More than 1 MiB is rejected even when it is valid JSON.
  std::string big = "[" + Entry("/", 1) + "]";
  big.insert(1, std::string(kMaxTdmRepBytes, ' '));
  s = ParseError(big);
  CHECK(s.code() == "bad_tdmrep");
  CHECK(s.message().find("larger than") != std::string::npos);
  CHECK(ParseError(big.substr(0, 1) + big.substr(big.size() - kMaxTdmRepBytes + 1)).ok());

  // Deep nesting is refused before the JSON parser builds it.
  std::string deep = "[" + Entry("/", 1) + ", {\"x\": " + std::string(100000, '[') +
                     std::string(100000, ']') + "}]";
  s = ParseError(deep);
  CHECK(s.code() == "bad_tdmrep");
  CHECK(s.message().find("nested deeper") != std::string::npos);
  // Brackets inside strings do not count.
  CHECK(MustParse("[{\"location\": \"/[[[[[[[[[[[[[[[[[[[[\", \"tdm-reservation\": 1, "
                  "\"x\": \"\\\"[[[[[[[[[[[[[[[[[[[[[[[[\"}]")
            .size() == 1);

  // Locations and policies are bounded.
  const std::string max_location = "/" + std::string(kMaxTdmValueBytes - 1, 'a');
  CHECK(MustParse("[" + Entry(max_location, 1) + "]").size() == 1);
  s = ParseError("[" + Entry(max_location + "a", 1) + "]");
  CHECK(s.message().find("entry 0: location longer than 2048 bytes") != std::string::npos);
  const std::string max_policy = "https://p.example/" + std::string(kMaxTdmValueBytes - 18, 'p');
  CHECK(MustParse("[" + Entry("/", 1, max_policy) + "]").Lookup("/").policy == max_policy);
  s = ParseError("[" + Entry("/", 1, max_policy + "p") + "]");
  CHECK(s.message().find("entry 0: tdm-policy longer than 2048 bytes") != std::string::npos);
}

TEST_CASE("tdmrep.json: hostile patterns match without backtracking") {
  // A backtracking matcher tries every way to place 30 stars in 8,000 bytes.
  std::string location = "/";
  for (int i = 0; i < 30; ++i) location += "*a";
  location += "*b";
  std::string json = "[";
  for (int i = 0; i < 200; ++i) json += Entry(location, 1) + ",";
  json += Entry("/", 0) + "]";
  const TdmRepFile f = MustParse(json);
  const std::string path = "/" + std::string(8000, 'a');
  const auto start = std::chrono::steady_clock::now();
  CHECK(f.Lookup(path).reservation == 0);
  CHECK(f.Lookup(path + "b").reservation == 1);
  CHECK(SecondsSince(start) < 2.0);

  // Long self-similar segments: quadratic substring search would be slow.
  const std::string segment(2000, 'a');
  json = "[";
  for (int i = 0; i < 400; ++i) json += Entry("/*" + segment + "b", 1) + ",";
  json += Entry("/", 0) + "]";
  const TdmRepFile g = MustParse(json);
  const auto start2 = std::chrono::steady_clock::now();
  CHECK(g.Lookup(path).reservation == 0);
  CHECK(SecondsSince(start2) < 2.0);
}

// ---------------------------------------------------------------------------
// Headers, meta and precedence.

TEST_CASE("ParseTdmReservation accepts exactly 0 and 1, trimmed") {
  CHECK(ParseTdmReservation("1") == 1);
  CHECK(ParseTdmReservation("0") == 0);
  CHECK(ParseTdmReservation(" 1 ") == 1);
  CHECK(ParseTdmReservation("\t0\r\n") == 0);
  for (const char* v : {"", " ", "2", "-1", "01", "10", "1.0", "true", "yes", "1 0", "one"}) {
    CAPTURE(v);
    CHECK(ParseTdmReservation(v) == -1);
  }
}

TdmPolicy FromFile(int reservation, const std::string& policy = "") {
  TdmPolicy p;
  p.reservation = reservation;
  p.policy = policy;
  p.source = "tdmrep.json";
  return p;
}

TEST_CASE("ResolveTdm: file reserved, header 0 wins and comes from the header") {
  const TdmPolicy r = ResolveTdm(FromFile(1, "https://p.example/file"), "0", "", "", "");
  CHECK(r.reservation == 0);
  CHECK(r.source == "header");
  CHECK(r.policy.empty());  // the file's policy went with the file's reservation
}

TEST_CASE("ResolveTdm: file reserved, header and meta absent, stays from the file") {
  const TdmPolicy r = ResolveTdm(FromFile(1, "https://p.example/file"), "", "", "", "");
  CHECK(r.reservation == 1);
  CHECK(r.source == "tdmrep.json");
  CHECK(r.policy == "https://p.example/file");
  // Unparseable values count as absent too.
  const TdmPolicy junk = ResolveTdm(FromFile(1), "yes", "", " 2 ", "");
  CHECK(junk.reservation == 1);
  CHECK(junk.source == "tdmrep.json");
}

TEST_CASE("ResolveTdm: a header policy alone keeps the file reservation") {
  const TdmPolicy r =
      ResolveTdm(FromFile(1, "https://p.example/file"), "", " https://p.example/header ", "", "");
  CHECK(r.reservation == 1);
  CHECK(r.source == "tdmrep.json");
  CHECK(r.policy == "https://p.example/header");
}

TEST_CASE("ResolveTdm: meta overrides header") {
  TdmPolicy r = ResolveTdm(TdmPolicy(), "1", "https://p.example/h", "0", "https://p.example/m");
  CHECK(r.reservation == 0);
  CHECK(r.source == "meta");
  CHECK(r.policy == "https://p.example/m");

  r = ResolveTdm(FromFile(0), "1", "https://p.example/h", "", "");
  CHECK(r.reservation == 1);
  CHECK(r.source == "header");
  CHECK(r.policy == "https://p.example/h");

  r = ResolveTdm(FromFile(0), "1", "https://p.example/h", "", "https://p.example/m");
  CHECK(r.reservation == 1);
  CHECK(r.source == "header");
  CHECK(r.policy == "https://p.example/m");  // a meta policy alone overrides just the policy

  r = ResolveTdm(FromFile(0), "", "", "1", "");
  CHECK(r.reservation == 1);
  CHECK(r.source == "meta");
}

TEST_CASE("ResolveTdm: nothing anywhere is unset") {
  const TdmPolicy r = ResolveTdm(TdmPolicy(), "", "", "", "");
  CHECK(r.reservation == -1);
  CHECK(r.policy.empty());
  CHECK(r.source.empty());
  const TdmPolicy policy_only = ResolveTdm(TdmPolicy(), "", "https://p.example/", "", "");
  CHECK(policy_only.reservation == -1);
  CHECK(policy_only.source.empty());
  CHECK(policy_only.policy == "https://p.example/");
}

TEST_CASE("ResolveTdm: header and meta policies are made valid UTF-8 and clamped") {
  const TdmPolicy bad = ResolveTdm(TdmPolicy(), "1", "https://p.example/\xFF", "", "");
  CHECK(bad.policy == "https://p.example/\xEF\xBF\xBD");
  std::string longer = "https://p.example/";
  while (longer.size() < 3 * kMaxTdmValueBytes) longer += "\xE2\x82\xAC";  // 3-byte euro
  const TdmPolicy clamped = ResolveTdm(TdmPolicy(), "", "", "1", longer);
  CHECK(clamped.policy.size() <= kMaxTdmValueBytes);
  CHECK(clamped.policy.size() > kMaxTdmValueBytes - 3);
  CHECK(longer.compare(0, clamped.policy.size(), clamped.policy) == 0);  // no U+FFFD at the cut
}

}  // namespace
}  // namespace swarmcrawl
