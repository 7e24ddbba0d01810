#include "worker/fetcher.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/netguard.h"

namespace swarmcrawl {
namespace {

// Idle easy handles kept for reuse. A reused handle keeps its own caches
// (TLS session ids, buffers) warm; the multi handle already shares the
// connection and DNS caches, so a small pool captures most of the benefit.
constexpr size_t kMaxIdleHandles = 32;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// "Text/HTML; Charset=\"UTF-8\"" -> ("text/html", "utf-8").
void ParseContentType(std::string_view value, std::string* media_type, std::string* charset) {
  size_t semi = value.find(';');
  *media_type = Lower(Trim(value.substr(0, semi)));
  charset->clear();
  while (semi != std::string_view::npos) {
    value.remove_prefix(semi + 1);
    semi = value.find(';');
    std::string_view param = value.substr(0, semi);
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (!EqualsIgnoreCase(Trim(param.substr(0, eq)), "charset")) continue;
    std::string_view v = Trim(param.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = Trim(v.substr(1, v.size() - 2));
    *charset = Lower(v);
  }
}

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// One request in flight. Heap-allocated and never moved while its easy handle
// is attached: libcurl holds pointers to it (callback data, error buffer).
struct Transfer {
  const FetchLimits* limits = nullptr;
  CURL* easy = nullptr;
  std::unique_ptr<curl_slist, CurlSlistDeleter> headers;
  FetchResult result;
  std::chrono::steady_clock::time_point started;
  size_t header_bytes = 0;
  // Why a callback aborted the transfer; libcurl only reports a generic
  // write error (or a failed connect), so the cause is recorded here.
  bool body_too_large = false;
  bool truncate_body = false;   // the request asked to keep a prefix instead
  bool headers_too_large = false;
  bool out_of_memory = false;
  bool blocked = false;
  bool body_started = false;  // header lines after this are trailers
  size_t max_body_bytes = 0;  // the limit's value, or the request's own
  std::string blocked_address;
  char error[CURL_ERROR_SIZE] = {0};
};

size_t WriteCallback(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = size * nmemb;
  std::string& body = t->result.body;
  t->body_started = true;
  if (n > t->max_body_bytes - std::min(body.size(), t->max_body_bytes)) {
    if (t->truncate_body) {
      body.append(data, t->max_body_bytes - std::min(body.size(), t->max_body_bytes));
      t->result.truncated = true;
    } else {
      t->body_too_large = true;
    }
    return 0;
  }
  try {
    body.append(data, n);
  } catch (const std::bad_alloc&) {
    t->out_of_memory = true;
    return 0;
  }
  return n;
}

// Called once per header line, for every response (1xx, each redirect hop,
// the final one) and for trailers.
size_t HeaderCallback(char* data, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = size * nitems;
  // Counted over the whole request, redirects included, so that a chain of
  // hops cannot multiply the allowance.
  t->header_bytes += n;
  if (t->header_bytes > t->limits->max_header_bytes) {
    t->headers_too_large = true;
    return 0;
  }
  std::string_view line(data, n);
  FetchResult& r = t->result;
  try {
    if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
      // A new response begins; what the previous one said no longer applies.
      r.content_type.clear();
      r.charset.clear();
      r.location.clear();
      r.etag.clear();
      r.last_modified.clear();
      r.retry_after.clear();
      r.x_robots_tag.clear();
      r.tdm_reservation.clear();
      r.tdm_policy.clear();
      t->body_started = false;
      r.response_head.assign(line);
      return n;
    }
    // Trailers must not rewrite what the response's headers said.
    if (t->body_started) return n;
    r.response_head.append(line);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string_view name = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-type")) {
      ParseContentType(value, &r.content_type, &r.charset);
    } else if (EqualsIgnoreCase(name, "location")) {
      r.location.assign(value);
    } else if (EqualsIgnoreCase(name, "etag")) {
      r.etag.assign(value);
    } else if (EqualsIgnoreCase(name, "last-modified")) {
      r.last_modified.assign(value);
    } else if (EqualsIgnoreCase(name, "retry-after")) {
      r.retry_after.assign(value);
    } else if (EqualsIgnoreCase(name, "x-robots-tag")) {
      if (r.x_robots_tag.size() < 32) r.x_robots_tag.emplace_back(value.substr(0, 1024));
    } else if (EqualsIgnoreCase(name, "tdm-reservation")) {
      r.tdm_reservation.assign(value.substr(0, 16));
    } else if (EqualsIgnoreCase(name, "tdm-policy")) {
      r.tdm_policy.assign(value.substr(0, 2048));
    }
  } catch (const std::bad_alloc&) {
    t->out_of_memory = true;
    return 0;
  }
  return n;
}

// Runs after DNS, for every connection attempt (each address tried, each
// redirect hop), so it sees exactly the address that would be connected to.
curl_socket_t OpenSocketCallback(void* clientp, curlsocktype purpose, struct curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(clientp);
  if (purpose != CURLSOCKTYPE_IPCXN || address == nullptr) return CURL_SOCKET_BAD;
  if (IsBlockedAddress(&address->addr, static_cast<socklen_t>(address->addrlen))) {
    char text[INET6_ADDRSTRLEN] = {0};
    const void* raw = nullptr;
    if (address->family == AF_INET) {
      raw = &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr;
    } else if (address->family == AF_INET6) {
      raw = &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr;
    }
    const bool named = raw != nullptr && inet_ntop(address->family, raw, text, sizeof(text)) != nullptr;
    const auto& allowed = t->limits->allowed_addresses;
    if (!named || std::find(allowed.begin(), allowed.end(), std::string_view(text)) == allowed.end()) {
      t->blocked = true;
      try {
        if (named) t->blocked_address = text;
      } catch (const std::bad_alloc&) {
        // The address only decorates the log message.
      }
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

bool IsTlsError(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return true;
    default:
      return false;
  }
}

// Maps the outcome to FetchResult::reason; empty means a usable response.
const char* Reason(CURLcode code, const Transfer& t) {
  if (code == CURLE_OK) return "";
  if (t.result.truncated && code == CURLE_WRITE_ERROR) return "";  // a kept prefix
  // A callback abort surfaces as a write error; the flags say which one.
  if (t.body_too_large) return "too_large";
  if (t.headers_too_large) return "bad_response";
  if (t.out_of_memory) return "network_error";
  switch (code) {
    case CURLE_FILESIZE_EXCEEDED:
      return "too_large";
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "dns_error";
    case CURLE_COULDNT_CONNECT:
      return t.blocked ? "blocked_address" : "connect_error";
    case CURLE_TOO_MANY_REDIRECTS:
      return "too_many_redirects";
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PARTIAL_FILE:
      return "bad_response";
    case CURLE_UNSUPPORTED_PROTOCOL:
      // Also what a reply that is not HTTP/1.x or later gives ("Unsupported
      // HTTP version", "Received HTTP/0.9"); a URL or redirect with another
      // scheme says 'Protocol "x" not supported' instead.
      return std::strstr(t.error, "HTTP version") != nullptr || std::strstr(t.error, "HTTP/") != nullptr
                 ? "bad_response"
                 : "network_error";
    case CURLE_RECV_ERROR:
      // Malformed chunked encoding is reported as a receive error; only the
      // message tells it apart from a reset connection.
      return std::strstr(t.error, "chunk") != nullptr ? "bad_response" : "network_error";
    default:
      break;
  }
  if (IsTlsError(code)) return "tls_error";
  return "network_error";
}

}  // namespace

struct Fetcher::Impl {
  FetchLimits limits;
  std::unique_ptr<curl_slist, CurlSlistDeleter> resolve;  // limits.resolve for libcurl
  CURLM* multi = nullptr;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;
  std::vector<CURL*> idle;
  std::vector<FetchResult> completed;
  // Set by Wakeup(): curl_multi_poll() does not say whether it returned
  // because of a wakeup or because one of libcurl's own timers fired.
  std::atomic<bool> woken{false};

  ~Impl() {
    for (auto& [easy, t] : active) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
    }
    active.clear();
    for (CURL* easy : idle) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
  }

  CURL* TakeHandle() {
    if (idle.empty()) return curl_easy_init();
    CURL* easy = idle.back();
    idle.pop_back();
    return easy;
  }

  void ReleaseHandle(CURL* easy) {
    // Reset right away so no option keeps pointing at a finished Transfer.
    curl_easy_reset(easy);
    if (idle.size() < kMaxIdleHandles) {
      idle.push_back(easy);
    } else {
      curl_easy_cleanup(easy);
    }
  }

  // Returns false when libcurl refused an option (out of memory, or an
  // option this libcurl build lacks).
  bool Configure(Transfer* t, const FetchRequest& req) {
    CURL* e = t->easy;
    bool ok = true;
    auto set = [&ok](CURLcode c) { ok = ok && c == CURLE_OK; };
    set(curl_easy_setopt(e, CURLOPT_URL, t->result.url.c_str()));
    set(curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error));
    // Timeouts are enforced by libcurl's timers; signals would interfere
    // with the rest of the process.
    set(curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"));
    set(curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
    // Proxies from the environment (http_proxy, ...) would move the connect
    // target to the proxy and blind the address guard.
    set(curl_easy_setopt(e, CURLOPT_PROXY, ""));
    // "" offers every encoding this libcurl can decode; the body callback
    // then sees decoded bytes, so max_body_bytes bounds the decoded size.
    set(curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""));
    set(curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS)));
    set(curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L));
    set(curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L));
    if (req.max_redirects > 0) {
      set(curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L));
      set(curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(req.max_redirects)));
    }
    set(curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, limits.connect_timeout_ms));
    set(curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, limits.total_timeout_ms));
    set(curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, limits.low_speed_bytes_per_s));
    set(curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, limits.low_speed_seconds));
    set(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, WriteCallback));
    set(curl_easy_setopt(e, CURLOPT_WRITEDATA, t));
    set(curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, HeaderCallback));
    set(curl_easy_setopt(e, CURLOPT_HEADERDATA, t));
    if (!limits.allow_private_networks) {
      set(curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, OpenSocketCallback));
      set(curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t));
    }
    set(curl_easy_setopt(e, CURLOPT_RESOLVE, resolve.get()));
    if (!req.user_agent.empty()) {
      set(curl_easy_setopt(e, CURLOPT_USERAGENT, req.user_agent.c_str()));
    }
    // Validators come from earlier responses, i.e. from servers; a CR or LF
    // in one would inject headers, so such a value is dropped.
    auto add_header = [&](const char* name, const std::string& value) {
      if (value.empty() || value.find_first_of("\r\n") != std::string::npos) return;
      std::string line = std::string(name) + ": " + value;
      curl_slist* l = curl_slist_append(t->headers.get(), line.c_str());
      if (l == nullptr) {
        ok = false;
        return;
      }
      t->headers.release();
      t->headers.reset(l);
    };
    add_header("If-None-Match", req.if_none_match);
    add_header("If-Modified-Since", req.if_modified_since);
    if (t->headers != nullptr) set(curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers.get()));
    return ok;
  }

  void FailEarly(std::unique_ptr<Transfer> t, const char* detail) {
    FetchResult& r = t->result;
    r.final_url = r.url;
    r.reason = "network_error";
    r.detail = detail;
    r.elapsed_s = 0;
    if (t->easy != nullptr) ReleaseHandle(t->easy);
    completed.push_back(std::move(r));
  }

  void Finish(CURL* easy, CURLcode code) {
    auto it = active.find(easy);
    curl_multi_remove_handle(multi, easy);
    if (it == active.end()) {  // cannot happen; keep the handle from leaking
      curl_easy_cleanup(easy);
      return;
    }
    std::unique_ptr<Transfer> t = std::move(it->second);
    active.erase(it);
    FetchResult& r = t->result;

    char* effective = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective != nullptr) {
      r.final_url = effective;
    } else {
      r.final_url = r.url;
    }
    long status = 0;
    if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) r.status = status;
    char* ip = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr) {
      r.primary_ip = ip;
    }
    curl_off_t body_bytes = 0;
    long header_bytes = 0;
    curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &body_bytes);
    curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
    r.wire_bytes = static_cast<uint64_t>(std::max<curl_off_t>(body_bytes, 0)) +
                   static_cast<uint64_t>(std::max<long>(header_bytes, 0));
    r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t->started).count();
    // When the last hop's request went out, counted back from now: the
    // time after it (total minus set-up and redirect steps) is what libcurl
    // measured, so any wait before libcurl started the handle is covered.
    // Whether pretransfer time already counts earlier hops differs between
    // versions; subtracting both can only place the send later, which errs
    // towards waiting longer, the polite side.
    curl_off_t total_us = 0, pretransfer_us = 0, redirect_us = 0;
    if (curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us) == CURLE_OK &&
        curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us) == CURLE_OK) {
      if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_TIME_T, &redirect_us) != CURLE_OK) redirect_us = 0;
      const double after_send_s =
          static_cast<double>(std::max<curl_off_t>(0, total_us - pretransfer_us - redirect_us)) / 1e6;
      r.sent_after_s = std::max(0.0, r.elapsed_s - after_send_s);
    }

    r.reason = Reason(code, *t);
    if (!r.reason.empty()) {
      if (t->body_too_large) {
        r.detail = "body exceeds " + std::to_string(t->max_body_bytes) + " bytes";
      } else if (t->headers_too_large) {
        r.detail = "headers too large";
      } else if (t->out_of_memory) {
        r.detail = "out of memory";
      } else if (r.reason == "blocked_address") {
        r.detail = "refused to connect to non-public address " + t->blocked_address;
      } else {
        r.detail = t->error[0] != '\0' ? t->error : curl_easy_strerror(code);
      }
      // A partial body is not content; do not hold on to its memory.
      std::string().swap(r.body);
    }
    ReleaseHandle(easy);
    completed.push_back(std::move(r));
  }

  // One round of work on every transfer that is ready, then collects the
  // finished ones.
  void Drive() {
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg == CURLMSG_DONE) Finish(msg->easy_handle, msg->data.result);
    }
  }
};

Fetcher::Fetcher(const FetchLimits& limits) : impl_(std::make_unique<Impl>()) {
  // libcurl requires one process-wide initialization before the first
  // handle; a function-local static makes it happen exactly once (and
  // thread-safely) without a global object of our own.
  static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)global_init;
  impl_->limits = limits;
  for (const auto& entry : limits.resolve) {
    curl_slist* l = curl_slist_append(impl_->resolve.get(), entry.c_str());
    if (l == nullptr) break;
    impl_->resolve.release();
    impl_->resolve.reset(l);
  }
  impl_->multi = curl_multi_init();
  // By default the connection cache holds 4x the transfers running *now*, so
  // it shrinks to nothing between two leases of a host and every lease opens
  // new connections. A fixed size keeps keep-alive connections across leases.
  curl_multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, 256L);
}

Fetcher::~Fetcher() = default;

void Fetcher::Add(FetchRequest request) {
  Impl& im = *impl_;
  auto t = std::make_unique<Transfer>();
  t->limits = &im.limits;
  t->max_body_bytes = request.max_body_bytes > 0 ? request.max_body_bytes : im.limits.max_body_bytes;
  t->truncate_body = request.truncate_body;
  t->started = std::chrono::steady_clock::now();
  t->result.id = request.id;
  t->result.url = std::move(request.url);
  t->result.started_at_ms = WallMs();
  if (im.multi == nullptr) return im.FailEarly(std::move(t), "libcurl multi handle unavailable");
  t->easy = im.TakeHandle();
  if (t->easy == nullptr) return im.FailEarly(std::move(t), "cannot create libcurl handle");
  if (!im.Configure(t.get(), request)) return im.FailEarly(std::move(t), "libcurl rejected an option");
  CURL* easy = t->easy;
  // Registered before handing the handle to libcurl so that a completion
  // can always be matched to its Transfer.
  im.active.emplace(easy, std::move(t));
  if (curl_multi_add_handle(im.multi, easy) != CURLM_OK) {
    auto it = im.active.find(easy);
    std::unique_ptr<Transfer> failed = std::move(it->second);
    im.active.erase(it);
    im.FailEarly(std::move(failed), "libcurl refused the transfer");
  }
}

void Fetcher::Poll(int timeout_ms, int extra_fd) {
  Impl& im = *impl_;
  if (im.multi == nullptr) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
  const size_t completed_before = im.completed.size();
  // Bounded by the deadline: every pass either waits in curl_multi_poll or
  // returns.
  for (;;) {
    im.Drive();
    if (im.completed.size() != completed_before) return;
    if (im.woken.exchange(false)) return;
    auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count();
    if (remaining <= 0) return;
    curl_waitfd extra{};
    extra.fd = extra_fd;
    extra.events = CURL_WAIT_POLLIN;
    curl_multi_poll(im.multi, extra_fd >= 0 ? &extra : nullptr, extra_fd >= 0 ? 1u : 0u,
                    static_cast<int>(remaining), nullptr);
    if (extra_fd >= 0 && (extra.revents & CURL_WAIT_POLLIN) != 0) {
      im.Drive();
      return;
    }
  }
}

void Fetcher::TakeCompleted(std::vector<FetchResult>* out) {
  std::vector<FetchResult>& done = impl_->completed;
  if (out->empty()) {
    out->swap(done);
  } else {
    out->insert(out->end(), std::make_move_iterator(done.begin()), std::make_move_iterator(done.end()));
  }
  done.clear();
}

size_t Fetcher::in_flight() const { return impl_->active.size(); }

void Fetcher::Wakeup() {
  impl_->woken.store(true);
  if (impl_->multi != nullptr) curl_multi_wakeup(impl_->multi);
}

}  // namespace swarmcrawl
