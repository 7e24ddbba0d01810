// Every fuzz seed and every input a fuzzer once crashed on (tests/fuzz/),
// through the same target functions the libFuzzer binaries run
// (scripts/fuzz.sh), so a fixed crash stays fixed in the ordinary suite.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/fuzz/fuzz_targets.h"

namespace swarmcrawl {

TEST_CASE("fuzz seeds and saved crash inputs run through every fuzz target without failing") {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(SWARMCRAWL_SOURCE_DIR) / "tests" / "fuzz";
  for (const auto& target : fuzz::kTargets) {
    int inputs = 0;
    for (const char* kind : {"corpus", "regressions"}) {
      const fs::path dir = root / kind / target.name;
      if (!fs::is_directory(dir)) continue;
      for (const auto& entry : fs::directory_iterator(dir)) {
        if (!entry.is_regular_file() || entry.path().filename() == "README") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string data = ss.str();
        INFO(entry.path().string());
        target.run(reinterpret_cast<const uint8_t*>(data.data()), data.size());  // aborts on a violation
        ++inputs;
      }
    }
    INFO(target.name);
    CHECK(inputs >= 3);  // the seeds are there
  }
}

}  // namespace swarmcrawl
