// Reads a page fixture of the parser tests (tests/fixtures/parsers/NAME).
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace swarmcrawl {

inline std::string ReadFixture(const std::string& name) {
  std::ifstream f(std::string(SWARMCRAWL_SOURCE_DIR) + "/tests/fixtures/parsers/" + name,
                  std::ios::binary);
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace swarmcrawl
