#include "core/domain.h"

#include <libpsl.h>
#include <sys/stat.h>

#include <ctime>
#include <utility>

#include "core/strings.h"

namespace swarmcrawl {
namespace {

time_t FileTime(const char* path) {
  struct stat st;
  if (path == nullptr || *path == '\0' || stat(path, &st) != 0) return 0;
  return st.st_mtime;
}

std::string DateOf(time_t t) {
  char buf[32];
  struct tm tm;
  if (gmtime_r(&t, &tm) == nullptr || strftime(buf, sizeof(buf), "%Y-%m-%d", &tm) == 0) return "?";
  return buf;
}

// psl_latest() loads the newest of its candidate files that is newer than the
// built-in data, and returns the built-in data otherwise; it does not say
// which file it read. The same comparison, made again, names it.
std::string LoadedFile() {
  const char* candidates[] = {psl_dist_filename(), psl_builtin_filename()};
  const time_t builtin_time = psl_builtin_file_time();
  const char* best = nullptr;
  time_t best_time = 0;
  for (const char* c : candidates) {
    const time_t t = FileTime(c);
    if (t > builtin_time && t > best_time) {
      best = c;
      best_time = t;
    }
  }
  return best != nullptr ? std::string(best) : std::string("a public suffix list file");
}

// Host names never contain ':' and no public suffix is numeric, so such hosts
// are IP literals ("[::1]", "::1", "192.0.2.1") or not domain names at all.
bool IsIpLiteral(std::string_view host) {
  if (host.front() == '[' || host.find(':') != std::string_view::npos) return true;
  if (host.back() == '.') host.remove_suffix(1);
  const size_t dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  for (const char c : last) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Lower-cased copy of a host fit for libpsl, or "" if there is none.
std::string Prepare(std::string_view host) {
  if (host.empty() || host.find('\0') != std::string_view::npos) return std::string();
  return AsciiLower(host);
}

}  // namespace

PublicSuffixList::PublicSuffixList() {
  psl_ctx_t* latest = psl_latest(nullptr);
  const psl_ctx_t* builtin = psl_builtin();
  if (latest != nullptr && latest != builtin) {
    ctx_ = latest;
    owned_ = true;
    source_ = LoadedFile();
  } else if (builtin != nullptr) {
    // The built-in list is static data: it is never freed.
    ctx_ = const_cast<psl_ctx_t*>(builtin);
    owned_ = false;
    source_ = std::string("built-in (libpsl ") + psl_get_version() + ", " +
              psl_builtin_filename() + " of " + DateOf(psl_builtin_file_time()) + ")";
  } else {
    source_ = "none (libpsl has no list; using the last two labels)";
  }
}

PublicSuffixList::~PublicSuffixList() {
  if (owned_) psl_free(ctx_);
}

PublicSuffixList::PublicSuffixList(PublicSuffixList&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      owned_(std::exchange(other.owned_, false)),
      source_(std::move(other.source_)) {
  other.source_ = "none (moved from)";
}

PublicSuffixList& PublicSuffixList::operator=(PublicSuffixList&& other) noexcept {
  if (this != &other) {
    if (owned_) psl_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    owned_ = std::exchange(other.owned_, false);
    source_ = std::move(other.source_);
    other.source_ = "none (moved from)";
  }
  return *this;
}

std::string PublicSuffixList::RegistrableDomain(std::string_view host) const {
  const std::string h = Prepare(host);
  if (h.empty()) return std::string();
  if (IsIpLiteral(h)) return h;
  if (ctx_ == nullptr) {
    const size_t last = h.rfind('.');
    if (last == std::string::npos || last == 0) return std::string();
    const size_t prev = h.rfind('.', last - 1);
    return prev == std::string::npos ? h : h.substr(prev + 1);
  }
  // The result points into `h`.
  const char* domain = psl_registrable_domain(ctx_, h.c_str());
  return domain == nullptr ? std::string() : std::string(domain);
}

bool PublicSuffixList::IsPublicSuffix(std::string_view host) const {
  const std::string h = Prepare(host);
  if (h.empty() || IsIpLiteral(h)) return false;
  if (ctx_ == nullptr) return h.find('.') == std::string::npos;
  return psl_is_public_suffix(ctx_, h.c_str()) != 0;
}

}  // namespace swarmcrawl
