// Small helpers shared by the swarmcrawl subcommands: one-line errors that
// say what to do, reading a file or standard input, and the contributor key.
#pragma once

#include <string>

#include "core/crypto.h"
#include "core/status.h"

namespace swarmcrawl {

// Prints "swarmcrawl: error: MESSAGE" to stderr; returns the exit code 1.
int Fail(const std::string& message);
int Fail(const Status& s);

// Reads a whole file ("-" reads standard input).
bool ReadFile(const std::string& path, std::string* out);

// inproc://, ipc://, or tcp:// on 127.0.0.0/8, localhost or [::1]: where an
// unencrypted (--plaintext) connection is acceptable.
bool IsLoopbackEndpoint(const std::string& endpoint);

// Loads the contributor key, creating it on first use so that joining is one
// command (and saying so on stderr).
Status LoadOrCreateKey(const std::string& path, const std::string& name, SigningKey* key);

}  // namespace swarmcrawl
