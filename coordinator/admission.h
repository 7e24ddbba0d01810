// Admission: who may open a CurveZMQ connection to the coordinator, decided
// by a ZAP handler (ZeroMQ RFC 27) before any message is read.
//
// Modes:
//   open       any CURVE key may connect; a contributor is on probation until
//              its work has been verified (coordinator/credit.h);
//   allowlist  only the contributors listed in a file (one Ed25519 public
//              key, 64 hex, per line; '#' starts a comment) may connect. A
//              worker's CURVE key is derived from its contributor key
//              (SigningKey::CurveSecretKey), so the handler maps each listed
//              key to its CURVE public key (CurvePublicKeyOf) and admits those
//              transport keys only. The file is re-read when it changes.
// Every admitted connection carries a ZAP user id: the contributor key it
// was admitted as (allowlist), or the hex of its CURVE key (open). HELLO on a
// connection must name that contributor in allowlist mode.
//
// Not thread-safe: the coordinator's event loop owns it and polls socket().
#pragma once

#include <sys/stat.h>

#include <map>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "core/log.h"
#include "core/status.h"

namespace swarmcrawl {

enum class AdmissionMode { kOpen, kAllowlist };

// Parses "open" or "allowlist".
Status ParseAdmissionMode(const std::string& text, AdmissionMode* out);

class Admission {
 public:
  // Binds the ZAP endpoint in `context` (one handler per context).
  static Status Start(zmq::context_t* context, AdmissionMode mode, const std::string& allowlist_path,
                      Logger log, std::unique_ptr<Admission>* out);

  zmq::socket_t& socket() { return socket_; }
  // Answers every pending ZAP request; never blocks.
  void Serve();
  // Re-reads the allowlist if its file changed (call now and then); true
  // when a new list was loaded.
  bool MaybeReload();
  // Open mode: true. Allowlist mode: whether the contributor key (hex) is on
  // the current list (a removed key's open connections are ended with this).
  bool Allows(const std::string& contributor) const;
  AdmissionMode mode() const { return mode_; }
  size_t allowed() const { return allowed_.size(); }

 private:
  Admission(zmq::context_t* context, AdmissionMode mode, std::string path, Logger log);
  Status Load();
  // The ZAP user id for a connecting CURVE key, or "" to refuse it.
  std::string Decide(const std::string& curve_key, std::string* why) const;

  zmq::socket_t socket_;
  AdmissionMode mode_;
  std::string path_;
  Logger log_;
  struct timespec loaded_mtime_ {};
  std::map<std::string, std::string> allowed_;  // raw X25519 public key -> contributor key hex
};

// Reads an allowlist file into contributor keys (validated, lower-case hex).
Status ReadAllowlist(const std::string& path, std::vector<std::string>* keys);

}  // namespace swarmcrawl
