#include "worker/page_processor.h"

#include <algorithm>

#include "core/crypto.h"
#include "core/strings.h"
#include "core/url.h"
#include "parsers/robots.h"

namespace swarmcrawl {

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

}  // namespace

ResultEntry ProcessFetch(const FetchResult& fetch, const std::string& kind, int64_t task_id,
                         const std::string& task_url, const HtmlLimits& limits) {
  ResultEntry e;
  e.task_id = task_id;
  e.url = task_url;
  e.final_url = fetch.final_url.empty() || fetch.final_url == task_url ||
                        fetch.final_url.size() > kMaxUrlBytes
                    ? ""
                    : fetch.final_url;
  e.status = fetch.status;
  e.fetched_at = fetch.started_at_ms;
  e.elapsed_ms = static_cast<int64_t>(fetch.elapsed_s * 1000);
  e.content_type = Clamp(fetch.content_type, 200);
  if (!fetch.reason.empty()) {
    e.reason = fetch.reason;
    e.detail = Clamp(fetch.detail, 500);
    return e;
  }
  if (kind == "robots") {
    if (fetch.status >= 200 && fetch.status < 300) {
      e.robots_txt = Clamp(fetch.body, kMaxRobotsBytes);
      e.text_sha256 = Sha256Hex(e.robots_txt);
    } else {
      e.reason = "http_" + std::to_string(fetch.status);
    }
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
  if (!LooksLikeHtml(fetch.content_type, fetch.body)) {
    e.reason = "not_html";
    return e;
  }
  const std::string& base = e.final_url.empty() ? task_url : e.final_url;
  HtmlPage page = ParseHtmlPage(fetch.body, base, limits);
  if (page.meta_noindex) {
    e.reason = "noindex";
    return e;
  }
  // Every field is held to the protocol's limits, so a hostile page can never
  // produce a batch the coordinator must refuse.
  e.title = std::move(page.title);
  TruncateUtf8(&e.title, kMaxTitleBytes);
  e.text = std::move(page.text);
  TruncateUtf8(&e.text, kMaxTextBytes);
  e.lang = std::move(page.lang);
  TruncateUtf8(&e.lang, 64);
  if (page.canonical.size() <= kMaxUrlBytes) e.canonical = std::move(page.canonical);
  if (!page.meta_nofollow) {
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
