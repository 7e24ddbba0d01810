// Log: one line per event on stderr, prefixed with time, level and component.
//
// A Logger is a value owned by whoever logs (no global logger): it carries the
// component name and the minimum level. Lines are written with a single
// write() so concurrent threads never interleave within a line.
#pragma once

#include <string>
#include <string_view>

namespace swarmcrawl {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kQuiet = 4 };

class Logger {
 public:
  Logger() = default;
  Logger(std::string component, LogLevel min_level)
      : component_(std::move(component)), min_(min_level) {}

  void Debug(std::string_view msg) const { Write(LogLevel::kDebug, msg); }
  void Info(std::string_view msg) const { Write(LogLevel::kInfo, msg); }
  void Warn(std::string_view msg) const { Write(LogLevel::kWarn, msg); }
  void Error(std::string_view msg) const { Write(LogLevel::kError, msg); }
  bool enabled(LogLevel level) const { return level >= min_; }

 private:
  void Write(LogLevel level, std::string_view msg) const;
  std::string component_ = "swarmcrawl";
  LogLevel min_ = LogLevel::kInfo;
};

}  // namespace swarmcrawl
