// Small ASCII string helpers shared by the parsers, the URL code and the CLI.
// Locale-independent on purpose: protocol tokens (schemes, robots.txt keys,
// HTML attribute names) are ASCII, and the C locale's tolower() is per-process state.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace swarmcrawl {

inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// True when `s` equals `lower` (which must already be lower-case), ignoring ASCII case.
inline bool EqualsIgnoreCase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (AsciiLower(s[i]) != lower[i]) return false;
  }
  return true;
}

// Value of a hex digit, or -1.
inline int HexDigitValue(char ch) {
  const unsigned char c = static_cast<unsigned char>(ch);
  if (c >= '0' && c <= '9') return c - '0';
  const unsigned char l = c | 0x20;
  if (l >= 'a' && l <= 'f') return l - 'a' + 10;
  return -1;
}

// Shortens valid UTF-8 to at most `max_bytes` without splitting a code point.
inline void TruncateUtf8(std::string* s, size_t max_bytes) {
  if (s->size() <= max_bytes) return;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) --cut;
  s->resize(cut);
}

// "1.5 MB": decimal units, one decimal place above bytes.
inline std::string HumanBytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

}  // namespace swarmcrawl
