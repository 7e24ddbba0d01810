#include "tests/fuzz/fuzz_targets.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "core/protocol.h"
#include "core/url.h"
#include "parsers/page_content.h"
#include "parsers/robots.h"
#include "parsers/sitemap.h"
#include "worker/page_processor.h"

namespace swarmcrawl::fuzz {

namespace {

// A violated invariant: abort, so the fuzzer reports the input.
void Require(bool ok) {
  if (!ok) std::abort();
}

std::string_view View(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace

void Protocol(const uint8_t* data, size_t size) {
  const std::string_view in = View(data, size);
  // Frames are separated by a 0x00 byte, as many as the input has.
  std::vector<std::string_view> frames;
  size_t start = 0;
  for (size_t i = 0; i <= in.size(); ++i) {
    if (i == in.size() || in[i] == '\0') {
      frames.push_back(in.substr(start, i - start));
      start = i + 1;
    }
  }
  Envelope env;
  if (!DecodeEnvelope(frames, &env).ok()) return;
  Require(env.body.is_object());
  HelloMsg hello;
  WelcomeMsg welcome;
  RequestMsg request;
  LeaseMsg lease;
  ResultMsg result;
  AckMsg ack;
  ErrorMsg error;
  int64_t lease_id = 0, retry = 0;
  std::string reason;
  // Every decoder on every body: none may throw or crash, whatever the command.
  (void)DecodeHello(env.body, &hello);
  (void)DecodeWelcome(env.body, &welcome);
  (void)DecodeRequest(env.body, &request);
  (void)DecodeLease(env.body, &lease);
  (void)DecodeAck(env.body, &ack);
  (void)DecodeError(env.body, &error);
  (void)DecodeLeaseRef(env.command, env.body, &lease_id, &reason, &retry);
  if (DecodeResult(env.body, &result).ok()) {
    // What decodes re-encodes and decodes to the same manifest.
    ResultMsg again;
    Require(DecodeResult(Encode(result), &again).ok());
    Require(ManifestBytes("c", result, "n") == ManifestBytes("c", again, "n"));
  }
}

void Robots(const uint8_t* data, size_t size) {
  const std::string_view in = View(data, size);
  const std::string body = RobotsBodyForParsing(in);
  Require(body.size() <= kMaxRobotsBytes);
  const RobotsRules rules = RobotsRules::Parse(body, "swarmcrawl");
  const RobotsRules ai = RobotsRules::ParseExplicit(body, "gptbot");
  for (const char* path : {"/", "/private/x", "/a?b=c", "/%E3%83%84", "/robots.txt"}) {
    (void)rules.Allowed(path);
    (void)ai.Allowed(path);
  }
  // The input's own lines as paths.
  size_t start = 0;
  for (int n = 0; n < 16 && start < in.size(); ++n) {
    size_t end = in.find('\n', start);
    if (end == std::string_view::npos) end = in.size();
    (void)rules.Allowed(in.substr(start, std::min<size_t>(end - start, 2048)));
    start = end + 1;
  }
  Require(rules.Allowed("/robots.txt"));
}

void Sitemap(const uint8_t* data, size_t size) {
  swarmcrawl::Sitemap map;
  if (!ParseSitemap(View(data, size), "https://example.org/sitemap.xml", &map).ok()) return;
  Require(map.urls.size() + map.sitemaps.size() <= SitemapLimits().max_urls);
  for (const auto& u : map.urls) Require(u.url.rfind("http", 0) == 0 && u.url.size() <= kMaxSitemapUrlBytes);
}

void Url(const uint8_t* data, size_t size) {
  const std::string_view in = View(data, size);
  std::string canon;
  if (CanonicalizeUrl(in, &canon).ok()) {
    // Canonical forms are fixed points, and split cleanly.
    std::string twice;
    Require(CanonicalizeUrl(canon, &twice).ok());
    Require(twice == canon);
    UrlParts parts;
    Require(SplitUrl(canon, &parts).ok());
    const std::string stripped = StripQueryParams(canon, QueryFilter::Default());
    std::string again;
    Require(CanonicalizeUrl(stripped, &again).ok());
  }
  // SplitUrl's fast path accepts only canonical URLs, and splits them as
  // the full parse does.
  if (UrlParts fast; SplitPlainCanonicalUrl(in, &fast)) {
    Require(CanonicalizeUrl(in, &canon).ok());
    Require(canon == in);
    Require(fast.scheme + "://" + fast.authority + fast.path_query == in);
    Require(fast.host == fast.authority && fast.port == (fast.scheme == "https" ? 443 : 80));
  }
  std::string resolved;
  if (ResolveUrl("https://example.org/a/b/c?d#e", in, &resolved).ok()) {
    std::string canon2;
    Require(CanonicalizeUrl(resolved, &canon2).ok());
  }
}

void Page(const uint8_t* data, size_t size) {
  // The first byte picks the declared content type, as a server would.
  if (size == 0) return;
  static const char* const kTypes[] = {"text/html", "", "application/xhtml+xml", "application/rss+xml"};
  FetchResult fetch;
  fetch.url = fetch.final_url = "https://example.org/page";
  fetch.status = 200;
  fetch.content_type = kTypes[data[0] % 4];
  fetch.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  const ResultEntry e = ProcessFetch(fetch, "page", 1, fetch.url);
  // Whatever the page, the entry is one the coordinator can decode.
  ResultMsg m;
  m.batch_id = "b";
  m.lease_id = 1;
  m.entries.push_back(e);
  m.signature = std::string(128, 'a');
  ResultMsg back;
  Require(DecodeResult(Encode(m), &back).ok());
}

}  // namespace swarmcrawl::fuzz
