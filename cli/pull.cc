#include "cli/pull.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace swarmcrawl {

namespace {

using json = nlohmann::json;

// Opens `path` for appending and finds the cursor: the "id" of the last
// complete line. A torn tail (no final newline) is truncated away.
Status OpenOutput(const std::string& path, int* fd, int64_t* cursor) {
  *cursor = 0;
  *fd = open(path.c_str(), O_RDWR | O_CREAT, 0644);
  if (*fd < 0) return Status::Error("io", "cannot open " + path);
  struct stat st {};
  if (fstat(*fd, &st) != 0) return Status::Error("io", "cannot stat " + path);
  const off_t end = st.st_size;
  off_t complete_end = 0;  // just after the last '\n'
  for (off_t want = 1 << 16; end > 0; want *= 2) {
    const off_t start = want >= end ? 0 : end - want;
    std::string buf(static_cast<size_t>(end - start), '\0');
    if (pread(*fd, buf.data(), buf.size(), start) != static_cast<ssize_t>(buf.size())) {
      return Status::Error("io", "cannot read " + path);
    }
    const size_t nl = buf.rfind('\n');
    if (nl == std::string::npos) {
      if (start == 0) break;  // one torn line and nothing else
      continue;
    }
    const size_t prev = nl == 0 ? std::string::npos : buf.rfind('\n', nl - 1);
    if (prev == std::string::npos && start > 0) continue;  // the line starts further back
    const size_t begin = prev == std::string::npos ? 0 : prev + 1;
    const json rec = json::parse(buf.substr(begin, nl - begin), nullptr, false);
    if (!rec.is_object() || !rec.contains("id") || !rec["id"].is_number_integer()) {
      return Status::Error("bad_output", path + ": its last line is not a record with an id; "
                                                "pull into a new file");
    }
    *cursor = rec["id"].get<int64_t>();
    complete_end = start + static_cast<off_t>(nl) + 1;
    break;
  }
  if (complete_end != end && ftruncate(*fd, complete_end) != 0) {
    return Status::Error("io", "cannot cut the torn last line of " + path);
  }
  if (lseek(*fd, 0, SEEK_END) < 0) return Status::Error("io", "cannot seek " + path);
  return Status::OK();
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

struct Endpoint {
  std::string base;  // scheme://host:port
  std::string prefix;  // path prefix, without a trailing slash
};

Status ParseFrom(const std::string& from, Endpoint* out) {
  const size_t scheme_end = from.find("://");
  if (scheme_end == std::string::npos || (from.compare(0, scheme_end, "http") != 0 &&
                                          from.compare(0, scheme_end, "https") != 0)) {
    return Status::Error("bad_flag", "--from: expected http://HOST:PORT (the coordinator's --http)");
  }
  const size_t path = from.find('/', scheme_end + 3);
  out->base = from.substr(0, path);
  out->prefix = path == std::string::npos ? "" : from.substr(path);
  while (!out->prefix.empty() && out->prefix.back() == '/') out->prefix.pop_back();
  return Status::OK();
}

std::string ErrorMessage(int status, const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    return "HTTP " + std::to_string(status) + ": " + j["error"].value("message", "");
  }
  return "HTTP " + std::to_string(status);
}

}  // namespace

Status Pull(const PullOptions& o, PullStats* stats) {
  *stats = PullStats();
  Endpoint ep;
  if (Status s = ParseFrom(o.from, &ep); !s.ok()) return s;
  if (o.crawl.empty()) return Status::Error("bad_flag", "--crawl is required");
  int fd = -1;
  int64_t cursor = 0;
  Status opened = OpenOutput(o.out, &fd, &cursor);
  if (!opened.ok()) {
    if (fd >= 0) close(fd);
    return opened;
  }
  stats->resumed_after = cursor;
  httplib::Client client(ep.base);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(60, 0);
  httplib::Headers headers;
  if (!o.token.empty()) headers.emplace("Authorization", "Bearer " + o.token);

  const auto started = std::chrono::steady_clock::now();
  auto elapsed_s = [&] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                            started)
        .count();
  };
  Status result = Status::OK();
  while (true) {
    httplib::Params params{{"crawl", o.crawl},
                           {"after", std::to_string(cursor)},
                           {"limit", std::to_string(o.page)}};
    if (!o.schema.empty()) params.emplace("schema", o.schema);
    if (!o.lang.empty()) params.emplace("lang", o.lang);
    if (!o.since.empty()) params.emplace("since", o.since);
    if (!o.until.empty()) params.emplace("until", o.until);
    if (o.min_quality > 0) params.emplace("min_quality", std::to_string(o.min_quality));
    if (o.drop_duplicates) params.emplace("drop_duplicates", "true");
    const std::string path = httplib::append_query_params(ep.prefix + "/api/v1/records", params);

    int status = 0;
    std::string error_body, partial;
    int64_t lines = 0;
    bool write_failed = false;
    auto res = client.Get(
        path, headers,
        [&](const httplib::Response& r) {
          status = r.status;
          return true;
        },
        [&](const char* data, size_t n) {
          if (status != 200) {
            if (error_body.size() < 65536) error_body.append(data, n);
            return true;
          }
          partial.append(data, n);
          const size_t last_nl = partial.rfind('\n');
          if (last_nl == std::string::npos) return true;
          // Whole lines only: a connection cut mid-line writes nothing torn.
          const size_t prev = last_nl == 0 ? std::string::npos : partial.rfind('\n', last_nl - 1);
          const json last = json::parse(
              partial.substr(prev == std::string::npos ? 0 : prev + 1,
                             last_nl - (prev == std::string::npos ? 0 : prev + 1)),
              nullptr, false);
          if (!last.is_object() || !last.contains("id") || !last["id"].is_number_integer()) {
            write_failed = true;
            return false;
          }
          if (!WriteAll(fd, partial.data(), last_nl + 1)) {
            write_failed = true;
            return false;
          }
          for (size_t i = 0; i <= last_nl; ++i) lines += partial[i] == '\n';
          stats->bytes += static_cast<int64_t>(last_nl + 1);
          cursor = last["id"].get<int64_t>();
          partial.erase(0, last_nl + 1);
          return true;
        });
    ++stats->requests;
    stats->records += lines;
    if (write_failed) {
      result = Status::Error("io", "cannot write " + o.out + " (or the server sent a line that is "
                                                             "not a record)");
      break;
    }
    if (!res) {
      result = Status::Error("unreachable", "cannot reach " + ep.base + ": " +
                                                httplib::to_string(res.error()) +
                                                " (run again to resume after record " +
                                                std::to_string(cursor) + ")");
      break;
    }
    if (status != 200) {
      result = Status::Error("http", ErrorMessage(status, error_body));
      break;
    }
    if (!o.quiet) {
      std::cerr << "\rpulled " << stats->records << " records (cursor " << cursor << ")"
                << std::flush;
    }
    if (lines >= o.page) continue;  // more right away
    if (!o.follow) break;
    // Caught up: done when the crawl is settled, else wait for more.
    auto st = client.Get(ep.prefix + "/api/v1/crawls/" + o.crawl, headers);
    if (!st || st->status != 200) {
      result = Status::Error("http", st ? ErrorMessage(st->status, st->body)
                                        : "cannot reach " + ep.base);
      break;
    }
    const json crawl = json::parse(st->body, nullptr, false);
    const std::string state = crawl.is_object() ? crawl.value("state", "") : "";
    if (state == "done" || state == "cancelled") {
      // One more page: records stored between our last page and the state change.
      if (lines == 0) break;
      continue;
    }
    if (o.max_seconds > 0 && elapsed_s() >= o.max_seconds) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
  if (!o.quiet) std::cerr << "\n";
  if (fsync(fd) != 0 && result.ok()) result = Status::Error("io", "cannot sync " + o.out);
  close(fd);
  return result;
}

}  // namespace swarmcrawl
