#include "worker/page_processor.h"

#include <algorithm>

#include "core/compress.h"
#include "core/crypto.h"
#include "core/strings.h"
#include "core/url.h"
#include "parsers/optout.h"
#include "parsers/robots.h"
#include "parsers/sitemap.h"

#include <curl/curl.h>

namespace swarmcrawl {

using json = nlohmann::json;

bool LooksLikeHtml(const std::string& content_type, const std::string& body) {
  if (content_type == "text/html" || content_type == "application/xhtml+xml") return true;
  if (!content_type.empty()) return false;
  const size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return false;
  std::string head = body.substr(start, 15);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return head.rfind("<!doctype html", 0) == 0 || head.rfind("<html", 0) == 0;
}

namespace {

// Sanitized, then cut to the protocol's limit on a code-point boundary
// (sanitizing can grow a string: each invalid byte becomes 3 bytes).
std::string Clamp(std::string_view s, size_t max_bytes) {
  std::string out = SanitizeUtf8(s.substr(0, max_bytes * 3));
  TruncateUtf8(&out, max_bytes);
  return out;
}

// Holds extras to the protocol's size limit, dropping the least essential
// parts first: structured records, then headings and OpenGraph properties.
void FitExtras(json* extras) {
  auto size = [&] { return DumpJson(*extras).size(); };
  if (size() <= kMaxExtrasBytes) return;
  if (auto it = extras->find("structured"); it != extras->end()) {
    while (!it->empty() && size() > kMaxExtrasBytes) it->erase(it->end() - 1);
    if (it->empty()) extras->erase(it);
  }
  json& meta = (*extras)["metadata"];
  for (const char* k : {"headings", "opengraph", "description"}) {
    if (size() <= kMaxExtrasBytes) return;
    meta.erase(k);
  }
  if (size() > kMaxExtrasBytes) extras->erase("metadata");
}

}  // namespace

int64_t ParseRetryAfterMs(std::string_view value, int64_t now_ms) {
  constexpr int64_t kMax = 30LL * 86'400'000;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 64) return 0;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 8) return kMax;
    return std::min<int64_t>(std::stoll(std::string(value)) * 1000, kMax);
  }
  const time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when < 0) return 0;
  return std::clamp<int64_t>(static_cast<int64_t>(when) * 1000 - now_ms, 0, kMax);
}

namespace {

// Newest first (undated last), keeping the file's order among equals, so the
// frontier, which leases in admission order, fetches fresh pages first.
std::vector<std::string> ByLastmod(std::vector<SitemapEntry> entries, size_t max_bytes) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const SitemapEntry& a, const SitemapEntry& b) {
                     return a.lastmod_ms > b.lastmod_ms;
                   });
  std::vector<std::string> urls;
  size_t bytes = 0;
  for (auto& e : entries) {
    if (e.url.size() > kMaxUrlBytes || urls.size() >= kMaxOutlinksPerEntry) continue;
    if (bytes + e.url.size() > max_bytes) break;
    bytes += e.url.size();
    urls.push_back(std::move(e.url));
  }
  return urls;
}

void ProcessSitemap(const FetchResult& fetch, const TaskContext& ctx, ResultEntry* e) {
  if (ctx.registry != nullptr) {
    const std::string& where = e->final_url.empty() ? e->url : e->final_url;
    json items = NonHtmlRecords(fetch.body, where, fetch.content_type, *ctx.registry);
    while (!items.empty() && DumpJson(items).size() > kMaxExtrasBytes - 1024) {
      items.erase(items.end() - 1);  // the oldest items go; a feed lists newest first
    }
    if (!items.empty()) e->extras["structured"] = std::move(items);
  }
  Sitemap map;
  const std::string& where = e->final_url.empty() ? e->url : e->final_url;
  if (Status s = ParseSitemap(fetch.body, where, &map); !s.ok()) {
    e->reason = "bad_sitemap";
    e->detail = Clamp(s.message(), 500);
    return;
  }
  e->reason = "sitemap";
  e->detail = map.kind + ": " + std::to_string(map.urls.size()) + " urls, " +
              std::to_string(map.sitemaps.size()) + " sitemaps" +
              (map.skipped > 0 ? ", " + std::to_string(map.skipped) + " invalid entries skipped" : "") +
              (map.truncated ? ", truncated at the protocol's limits" : "");
  e->sitemaps = ByLastmod(std::move(map.sitemaps), kMaxOutlinkBytesPerEntry / 2);
  e->outlinks = ByLastmod(std::move(map.urls), kMaxOutlinkBytesPerEntry / 2);
  e->text_sha256 = Sha256Hex(e->text);
}

}  // namespace

ResultEntry ProcessFetch(const FetchResult& fetch, const std::string& kind, int64_t task_id,
                         const std::string& task_url, const HtmlLimits& limits) {
  TaskContext ctx;
  ctx.lease_kind = kind;
  ctx.task.task_id = task_id;
  ctx.task.url = task_url;
  return ProcessFetch(fetch, ctx, limits);
}

ResultEntry ProcessFetch(const FetchResult& fetch, const TaskContext& ctx,
                         const HtmlLimits& base_limits) {
  const std::string& task_url = ctx.task.url;
  ResultEntry e;
  e.task_id = ctx.task.task_id;
  e.url = task_url;
  e.final_url = fetch.final_url.empty() || fetch.final_url == task_url ||
                        fetch.final_url.size() > kMaxUrlBytes
                    ? ""
                    : fetch.final_url;
  e.status = fetch.status;
  e.fetched_at = fetch.started_at_ms;
  e.elapsed_ms = static_cast<int64_t>(fetch.elapsed_s * 1000);
  e.content_type = Clamp(fetch.content_type, 200);
  if (fetch.primary_ip.size() <= 64 &&
      fetch.primary_ip.find_first_not_of("0123456789abcdefABCDEF.:") == std::string::npos) {
    e.remote_ip = fetch.primary_ip;
  }
  if (!fetch.reason.empty()) {
    e.reason = fetch.reason;
    e.detail = Clamp(fetch.detail, 500);
    return e;
  }
  if (fetch.status == 429 || fetch.status == 503) {
    e.retry_after_ms = ParseRetryAfterMs(fetch.retry_after, fetch.started_at_ms);
  }
  if (ctx.lease_kind == "robots") {
    if (fetch.status >= 200 && fetch.status < 300) {
      e.robots_txt = ctx.task.task_id == 1 ? RobotsBodyForParsing(fetch.body) : Clamp(fetch.body, kMaxRobotsBytes);
      e.text_sha256 = Sha256Hex(e.robots_txt);
    } else {
      e.reason = "http_" + std::to_string(fetch.status);
    }
    return e;
  }
  if (fetch.status == 304) {
    e.reason = "not_modified";
    return e;
  }
  if (fetch.status >= 300 && fetch.status < 400) {
    std::string target;
    if (!fetch.location.empty() && ResolveUrl(task_url, fetch.location, &target).ok() &&
        target.size() <= kMaxUrlBytes) {
      e.reason = "redirect";
      e.location = target;
    } else {
      e.reason = "bad_redirect";
      e.detail = "missing, invalid or over-long Location header";
    }
    return e;
  }
  if (fetch.status < 200 || fetch.status >= 300) {
    e.reason = "http_" + std::to_string(fetch.status);
    return e;
  }
  e.body_bytes = static_cast<int64_t>(fetch.body.size());
  e.body_sha256 = Sha256Hex(fetch.body);
  if (ctx.task.kind == "sitemap") {
    ProcessSitemap(fetch, ctx, &e);
    return e;
  }
  if (fetch.etag.size() <= 256) e.etag = Clamp(fetch.etag, 256);
  if (fetch.last_modified.size() <= 128) e.last_modified = Clamp(fetch.last_modified, 128);
  if (!LooksLikeHtml(fetch.content_type, fetch.body)) {
    e.reason = "not_html";
    return e;
  }
  RobotsDirectives header;
  for (const auto& v : fetch.x_robots_tag) {
    ApplyXRobotsTag(v, ctx.product_token, ctx.ai_tokens, &header);
  }
  PageContentOptions options;
  options.html = base_limits;
  options.html.product_token = ctx.product_token;
  options.registry = ctx.registry;
  const std::string& base = e.final_url.empty() ? task_url : e.final_url;
  PageContent content =
      BuildPageContent(fetch.body, base, fetch.content_type, fetch.charset, options);
  HtmlPage& page = content.page;

  TdmPolicy file;
  file.reservation = static_cast<int>(ctx.task.tdm_reservation);
  file.policy = ctx.task.tdm_policy;
  if (file.reservation >= 0) file.source = "tdmrep.json";
  const TdmPolicy tdm = ResolveTdm(file, fetch.tdm_reservation, fetch.tdm_policy,
                                   page.tdm_reservation, page.tdm_policy);
  if (header.noindex || page.meta_noindex) {
    e.reason = "noindex";
    e.detail = header.noindex ? "X-Robots-Tag" : "meta robots";
  } else if (header.noai || page.meta_noai) {
    e.reason = "noai";
    e.detail = header.noai ? "X-Robots-Tag" : "meta robots";
  } else if (tdm.reservation == 1) {
    e.reason = "tdm_reserved";
    e.detail = "tdm-reservation=1 (" + tdm.source + ")" +
               (tdm.policy.empty() ? "" : "; tdm-policy " + Clamp(tdm.policy, 400));
  }
  if (e.reason.empty()) {
    // Every field is held to the protocol's limits, so a hostile page can never
    // produce a batch the coordinator must refuse.
    e.title = std::move(page.title);
    TruncateUtf8(&e.title, kMaxTitleBytes);
    e.text = std::move(content.text);
    TruncateUtf8(&e.text, kMaxTextBytes);
    e.markdown = std::move(content.markdown);
    TruncateUtf8(&e.markdown, kMaxTextBytes);
    e.extras = std::move(content.extras);
    FitExtras(&e.extras);
    if (ctx.keep_body && fetch.body.size() <= kMaxStoredBodyBytes * 4) {
      // Level 1: about three times faster than the default for HTML, and the
      // body is recompressed anyway if the coordinator's WARC export wants.
      std::string gz = GzipMember(fetch.body, 1);
      if (gz.size() <= kMaxStoredBodyBytes && fetch.response_head.size() <= kMaxHttpHeadBytes) {
        e.body_gzip = std::move(gz);
        e.http_head = SanitizeUtf8(fetch.response_head);
      }
    }
    e.lang = std::move(page.lang);
    TruncateUtf8(&e.lang, 64);
    if (page.canonical.size() <= kMaxUrlBytes) e.canonical = std::move(page.canonical);
  }
  if (!page.meta_nofollow && !header.nofollow) {
    size_t link_bytes = 0;
    for (auto& link : page.outlinks) {
      if (link.size() > kMaxUrlBytes) continue;
      if (e.outlinks.size() >= kMaxOutlinksPerEntry ||
          link_bytes + link.size() > kMaxOutlinkBytesPerEntry) {
        break;
      }
      link_bytes += link.size();
      e.outlinks.push_back(std::move(link));
    }
  }
  e.text_sha256 = Sha256Hex(e.text);
  return e;
}

}  // namespace swarmcrawl
