// The fuzz targets: one function per input-facing decoder, each taking
// arbitrary bytes and checking what must hold for any input (no crash, no
// exception escaping, invariants below). Built into libFuzzer binaries by
// tests/fuzz/CMakeLists.txt (scripts/fuzz.sh) and run over the seed corpora
// and the saved crash inputs by the ordinary unit tests
// (tests/unit/fuzz_regression_test.cc), so a fixed crash stays fixed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace swarmcrawl::fuzz {

// SWC/1 messages: the envelope and every command's body decoder.
void Protocol(const uint8_t* data, size_t size);
// robots.txt: body preparation, parsing and matching.
void Robots(const uint8_t* data, size_t size);
// Sitemaps, sitemap indexes, feeds and text sitemaps (gzip too).
void Sitemap(const uint8_t* data, size_t size);
// URL canonicalization, resolution and tracking-parameter removal.
void Url(const uint8_t* data, size_t size);
// A fetched page through the worker's whole HTML-to-record pipeline.
void Page(const uint8_t* data, size_t size);

// Target names as used for corpus directories, and their functions.
struct Target {
  const char* name;
  void (*run)(const uint8_t*, size_t);
};
inline constexpr Target kTargets[] = {
    {"protocol", Protocol}, {"robots", Robots}, {"sitemap", Sitemap}, {"url", Url}, {"page", Page}};

}  // namespace swarmcrawl::fuzz
