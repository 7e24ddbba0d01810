// Status: the error value returned across module boundaries (LevelDB style).
//
// A Status is either OK or carries a short machine-readable code (for example
// "bad_field", "io", "protocol") and a human-readable message that says what
// went wrong and, where possible, what to do about it. Functions that produce
// a value return Status and write the value through an out-parameter.
#pragma once

#include <string>
#include <utility>

namespace swarmcrawl {

class Status {
 public:
  Status() = default;
  static Status OK() { return Status(); }
  static Status Error(std::string code, std::string message) {
    Status s;
    s.ok_ = false;
    s.code_ = std::move(code);
    s.message_ = std::move(message);
    return s;
  }

  bool ok() const { return ok_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const { return ok_ ? "OK" : code_ + ": " + message_; }

 private:
  bool ok_ = true;
  std::string code_;
  std::string message_;
};

}  // namespace swarmcrawl
