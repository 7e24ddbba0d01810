// libFuzzer entry point for the "page" target (tests/fuzz/fuzz_targets.h).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swarmcrawl::fuzz::Page(data, size);
  return 0;
}
