// libFuzzer entry point for the "url" target (tests/fuzz/fuzz_targets.h).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swarmcrawl::fuzz::Url(data, size);
  return 0;
}
