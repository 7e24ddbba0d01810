#include "coordinator/admission.h"

#include <fstream>
#include <vector>

#include "core/crypto.h"
#include "core/wire.h"

namespace swarmcrawl {

namespace {

constexpr char kZapEndpoint[] = "inproc://zeromq.zap.01";

bool IsLowerHex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

Status ParseAdmissionMode(const std::string& text, AdmissionMode* out) {
  if (text == "open") {
    *out = AdmissionMode::kOpen;
  } else if (text == "allowlist") {
    *out = AdmissionMode::kAllowlist;
  } else {
    return Status::Error("bad_field", "admission must be \"open\" or \"allowlist\", not \"" + text + "\"");
  }
  return Status::OK();
}

Status ReadAllowlist(const std::string& path, std::vector<std::string>* keys) {
  std::ifstream in(path);
  if (!in) return Status::Error("io", "cannot read the allowlist " + path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const size_t e = line.find_last_not_of(" \t\r");
    std::string key = line.substr(b, e - b + 1);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string curve;
    if (!IsLowerHex64(key) || !CurvePublicKeyOf(key, &curve)) {
      return Status::Error("bad_field", path + ":" + std::to_string(number) +
                                            ": expected a contributor public key (64 hex characters)");
    }
    keys->push_back(std::move(key));
  }
  return Status::OK();
}

Admission::Admission(zmq::context_t* context, AdmissionMode mode, std::string path, Logger log)
    : socket_(*context, zmq::socket_type::rep), mode_(mode), path_(std::move(path)), log_(std::move(log)) {}

Status Admission::Start(zmq::context_t* context, AdmissionMode mode, const std::string& allowlist_path,
                        Logger log, std::unique_ptr<Admission>* out) {
  if (mode == AdmissionMode::kAllowlist && allowlist_path.empty()) {
    return Status::Error("bad_field", "allowlist admission needs --allowlist FILE");
  }
  std::unique_ptr<Admission> a(new Admission(context, mode, allowlist_path, std::move(log)));
  if (mode == AdmissionMode::kAllowlist) {
    if (Status s = a->Load(); !s.ok()) return s;
  }
  try {
    a->socket_.set(zmq::sockopt::linger, 0);
    a->socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return Status::Error("bind", std::string("cannot start the ZAP handler: ") + e.what());
  }
  *out = std::move(a);
  return Status::OK();
}

Status Admission::Load() {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return Status::Error("io", "cannot read the allowlist " + path_);
  std::vector<std::string> keys;
  if (Status s = ReadAllowlist(path_, &keys); !s.ok()) return s;
  std::map<std::string, std::string> allowed;
  for (const auto& k : keys) {
    std::string curve;
    if (CurvePublicKeyOf(k, &curve)) allowed[curve] = k;
  }
  allowed_ = std::move(allowed);
  loaded_mtime_ = st.st_mtim;
  log_.Info("allowlist " + path_ + ": " + std::to_string(allowed_.size()) + " contributors may connect");
  return Status::OK();
}

bool Admission::MaybeReload() {
  if (mode_ != AdmissionMode::kAllowlist) return false;
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return false;
  if (st.st_mtim.tv_sec == loaded_mtime_.tv_sec && st.st_mtim.tv_nsec == loaded_mtime_.tv_nsec) {
    return false;
  }
  // A broken edit keeps the previous list rather than locking everyone out.
  if (Status s = Load(); !s.ok()) {
    log_.Error("allowlist not reloaded: " + s.message());
    return false;
  }
  return true;
}

bool Admission::Allows(const std::string& contributor) const {
  if (mode_ == AdmissionMode::kOpen) return true;
  for (const auto& [curve, key] : allowed_) {
    if (key == contributor) return true;
  }
  return false;
}

std::string Admission::Decide(const std::string& curve_key, std::string* why) const {
  if (curve_key.size() != 32) {
    *why = "CURVE credentials expected";
    return "";
  }
  if (mode_ == AdmissionMode::kOpen) return HexEncode(curve_key);
  auto it = allowed_.find(curve_key);
  if (it == allowed_.end()) {
    *why = "this contributor key is not on the coordinator's allowlist";
    return "";
  }
  return it->second;
}

void Admission::Serve() {
  std::vector<zmq::message_t> frames;
  for (int i = 0; i < 1000 && ReceiveMessage(socket_, 16, &frames); ++i) {
    // ZAP request: version, request id, domain, address, identity, mechanism, credentials...
    const std::vector<std::string_view> f = FrameViews(frames);
    const std::string request_id = f.size() > 1 ? std::string(f[1]) : std::string();
    std::string why = "malformed ZAP request", user;
    if (f.size() >= 7 && f[0] == "1.0" && f[5] == "CURVE") user = Decide(std::string(f[6]), &why);
    if (user.empty()) log_.Warn("refused a connection from " + std::string(f.size() > 3 ? f[3] : "?") + ": " + why);
    const std::vector<std::string_view> reply = {
        "1.0", request_id, user.empty() ? "400" : "200", user.empty() ? std::string_view(why) : "OK",
        user, ""};
    SendMessage(socket_, "", reply);
  }
}

}  // namespace swarmcrawl
