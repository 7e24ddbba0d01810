#include "cli/cli_util.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace swarmcrawl {

int Fail(const std::string& message) {
  std::cerr << "swarmcrawl: error: " << message << "\n";
  return 1;
}

int Fail(const Status& s) { return Fail(s.message()); }

bool ReadFile(const std::string& path, std::string* out) {
  std::ostringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    ss << in.rdbuf();
  }
  *out = ss.str();
  return true;
}

Status LoadOrCreateKey(const std::string& path, const std::string& name, SigningKey* key) {
  bool created = false;
  if (Status s = LoadOrCreateSigningKey(path, name, key, &created); !s.ok()) return s;
  if (created) {
    std::cerr << "swarmcrawl: created contributor key " << path << " (fingerprint "
              << Fingerprint(key->public_hex()) << "); keep it: it holds your credit\n";
  }
  return Status::OK();
}

bool IsLoopbackEndpoint(const std::string& endpoint) {
  for (const char* p : {"inproc://", "ipc://", "tcp://127.", "tcp://localhost:", "tcp://[::1]:"}) {
    if (endpoint.rfind(p, 0) == 0) return true;
  }
  return false;
}

}  // namespace swarmcrawl
