#include "core/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace swarmcrawl {

void Logger::Write(LogLevel level, std::string_view msg) const {
  if (level < min_) return;
  static const char* kNames[] = {"debug", "info", "warn", "error"};
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line;
  line.reserve(msg.size() + 64);
  line.append(stamp).append(" ").append(kNames[static_cast<int>(level)]).append(" ");
  line.append(component_).append(": ");
  // Messages carry strings others chose (worker names, error texts, URLs):
  // control bytes are escaped, so no one can forge a log line or send
  // terminal escapes to whoever reads the log.
  for (const char c : msg) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\x%02x", u);
      line.append(esc);
    } else {
      line.push_back(c);
    }
  }
  line.append("\n");
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace swarmcrawl
