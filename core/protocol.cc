#include "core/protocol.h"

#include "core/crypto.h"

namespace swarmcrawl {

using nlohmann::json;

// True when no array or object in `v` is nested more than `max_depth` deep.
// Iterative: serializing or copying a json value recurses per level, so depth
// is checked before either happens to a peer's value.
static bool NestingAtMost(const json& v, size_t max_depth) {
  std::vector<std::pair<const json*, size_t>> stack = {{&v, 1}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (!node->is_structured()) continue;
    if (depth > max_depth) return false;
    for (const auto& child : *node) {
      if (child.is_structured()) stack.emplace_back(&child, depth + 1);
    }
  }
  return true;
}

std::string DumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// Reads typed fields out of a JSON object, remembering the first error with
// the full path of the offending field.
class FieldReader {
 public:
  FieldReader(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {
    if (!obj_.is_object()) Fail(path_, "expected an object");
  }

  bool ok() const { return status_.ok(); }
  Status status() const { return status_; }
  std::string Path(std::string_view key) const { return path_ + "." + std::string(key); }

  void Int(std::string_view key, int64_t* out, bool required, int64_t min, int64_t max) {
    const json* v = Find(key, required);
    if (v == nullptr) return;
    if (!v->is_number_integer()) return Fail(Path(key), "expected an integer");
    const int64_t x = v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX
                          ? INT64_MAX
                          : v->get<int64_t>();
    if (x < min || x > max) {
      return Fail(Path(key), "must be between " + std::to_string(min) + " and " +
                                 std::to_string(max));
    }
    *out = x;
  }

  void Str(std::string_view key, std::string* out, bool required, size_t max_bytes,
           std::string_view charset = {}) {
    const json* v = Find(key, required);
    if (v == nullptr) return;
    if (!v->is_string()) return Fail(Path(key), "expected a string");
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max_bytes) {
      return Fail(Path(key), "longer than " + std::to_string(max_bytes) + " bytes");
    }
    if (!charset.empty()) {
      for (char c : s) {
        if (charset.find(c) == std::string_view::npos) {
          return Fail(Path(key), "contains a character outside [" + std::string(charset) + "]");
        }
      }
    }
    if (required && s.empty()) return Fail(Path(key), "must not be empty");
    *out = s;
  }

  void Hex(std::string_view key, std::string* out, bool required, size_t exact_len) {
    std::string s;
    Str(key, &s, required, exact_len, "0123456789abcdef");
    if (!ok()) return;
    if (!s.empty() && s.size() != exact_len) {
      return Fail(Path(key), "expected " + std::to_string(exact_len) + " lower-case hex digits");
    }
    *out = std::move(s);
  }

  const json* Array(std::string_view key, bool required, size_t max_items) {
    const json* v = Find(key, required);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) {
      Fail(Path(key), "expected an array");
      return nullptr;
    }
    if (v->size() > max_items) {
      Fail(Path(key), "more than " + std::to_string(max_items) + " items");
      return nullptr;
    }
    return v;
  }

  void Fail(const std::string& path, const std::string& what) {
    if (status_.ok()) status_ = Status::Error("bad_field", path + ": " + what);
  }

 private:
  const json* Find(std::string_view key, bool required) {
    if (!ok()) return nullptr;
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      if (required) Fail(Path(key), "missing");
      return nullptr;
    }
    return &*it;
  }

  const json& obj_;
  std::string path_;
  Status status_;
};

constexpr std::string_view kIdChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
constexpr int64_t kMaxCredit = 100000;
// Printable ASCII: what may go into an HTTP header value (no CR/LF injection).
constexpr std::string_view kHeaderValueChars =
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

}  // namespace

Status DecodeEnvelope(const std::vector<std::string_view>& frames, Envelope* out) {
  size_t total = 0;
  for (auto f : frames) total += f.size();
  if (total > kMaxMessageBytes) {
    return Status::Error("too_large", "message of " + std::to_string(total) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(kMaxMessageBytes));
  }
  if (frames.empty() || frames[0].substr(0, 4) != "SWC/") {
    return Status::Error("malformed", "first frame must be the protocol signature \"SWC/1\"");
  }
  if (frames[0] != kProtocolSignature) {
    return Status::Error("unsupported_version", "protocol " + std::string(frames[0].substr(0, 16)) +
                                                    " is not supported; this peer speaks SWC/1");
  }
  if (frames.size() != 3) {
    return Status::Error("malformed", "expected 3 frames (signature, command, body), got " +
                                          std::to_string(frames.size()));
  }
  const auto cmd = frames[1];
  if (cmd.empty() || cmd.size() > 16) return Status::Error("malformed", "bad command frame");
  for (char c : cmd) {
    if (c < 'A' || c > 'Z') return Status::Error("malformed", "command must be upper-case ASCII");
  }
  json body = json::parse(frames[2].begin(), frames[2].end(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status::Error("malformed", "body is not valid JSON");
  if (!body.is_object()) return Status::Error("malformed", "body must be a JSON object");
  // No message of the protocol nests deeper; a deeper one could only be an
  // attempt to exhaust the stack of whatever serializes or copies it.
  if (!NestingAtMost(body, 64)) return Status::Error("malformed", "body nested more than 64 levels deep");
  out->command = std::string(cmd);
  out->body = std::move(body);
  return Status::OK();
}

std::vector<std::string> EncodeEnvelope(std::string_view command, const json& body) {
  return {std::string(kProtocolSignature), std::string(command), DumpJson(body)};
}

Status DecodeHello(const json& body, HelloMsg* out) {
  FieldReader r(body, "HELLO");
  r.Hex("contributor", &out->contributor, true, 64);
  r.Str("worker_id", &out->worker_id, true, 64, kIdChars);
  r.Str("name", &out->name, false, 64);
  r.Str("software", &out->software, false, 64);
  r.Int("capacity", &out->capacity, true, 1, kMaxCredit);
  r.Int("at_ms", &out->at_ms, true, 0, int64_t{1} << 50);
  r.Hex("proof", &out->proof, true, 128);
  return r.status();
}

std::string HelloProofBytes(std::string_view contributor, std::string_view worker_id, int64_t at_ms) {
  std::string out = "swarmcrawl-hello-v1\n";
  out.append(contributor).append("\n").append(worker_id).append("\n");
  out += std::to_string(at_ms) + "\n";
  return out;
}

Status DecodeWelcome(const json& body, WelcomeMsg* out) {
  FieldReader r(body, "WELCOME");
  r.Str("session", &out->session, true, 64);
  r.Int("heartbeat_ms", &out->heartbeat_ms, true, 10, 600000);
  r.Int("liveness", &out->liveness, true, 1, 100);
  r.Str("coordinator", &out->coordinator, false, 128);
  return r.status();
}

Status DecodeRequest(const json& body, RequestMsg* out) {
  FieldReader r(body, "REQUEST");
  r.Int("credit", &out->credit, true, 1, kMaxCredit);
  return r.status();
}

Status DecodeLease(const json& body, LeaseMsg* out) {
  FieldReader r(body, "LEASE");
  r.Int("lease_id", &out->lease_id, true, 1, INT64_MAX);
  r.Hex("nonce", &out->nonce, true, 32);
  r.Str("crawl", &out->crawl, true, 128);
  r.Str("kind", &out->kind, true, 16);
  r.Str("host", &out->host, true, 300);
  r.Str("user_agent", &out->user_agent, true, 512, kHeaderValueChars);
  r.Int("delay_ms", &out->delay_ms, true, 0, 3600000);
  r.Int("concurrency", &out->concurrency, true, 1, 1000);
  r.Int("expires_in_ms", &out->expires_in_ms, true, 1, 86400000);
  if (r.ok() && out->kind != "page" && out->kind != "robots") {
    r.Fail(r.Path("kind"), "must be \"page\" or \"robots\"");
  }
  out->keep_body = true;
  if (auto kb = body.find("keep_body"); kb != body.end()) {
    if (!kb->is_boolean()) {
      r.Fail(r.Path("keep_body"), "expected a boolean");
    } else {
      out->keep_body = kb->get<bool>();
    }
  }
  const json* tokens = r.Array("ai_tokens", false, 100);
  out->ai_tokens.clear();
  for (size_t i = 0; tokens != nullptr && i < tokens->size(); ++i) {
    const json& t = (*tokens)[i];
    if (!t.is_string() || t.get_ref<const std::string&>().size() > 64) {
      r.Fail(r.Path("ai_tokens") + "[" + std::to_string(i) + "]",
             "expected a string of at most 64 bytes");
      break;
    }
    out->ai_tokens.push_back(t.get<std::string>());
  }
  const json* tasks = r.Array("tasks", true, kMaxTasksPerLease);
  if (!r.ok()) return r.status();
  out->tasks.clear();
  out->tasks.reserve(tasks->size());
  for (size_t i = 0; i < tasks->size(); ++i) {
    FieldReader t((*tasks)[i], "LEASE.tasks[" + std::to_string(i) + "]");
    TaskSpec task;
    t.Int("task_id", &task.task_id, true, 1, INT64_MAX);
    t.Str("url", &task.url, true, kMaxUrlBytes);
    t.Str("kind", &task.kind, false, 16);
    t.Str("etag", &task.etag, false, 256);
    t.Str("last_modified", &task.last_modified, false, 128);
    t.Int("tdm_reservation", &task.tdm_reservation, false, -1, 1);
    t.Str("tdm_policy", &task.tdm_policy, false, 2048);
    if (t.ok() && !task.kind.empty() && task.kind != "sitemap") {
      t.Fail(t.Path("kind"), "must be absent or \"sitemap\"");
    }
    if (!t.ok()) return t.status();
    out->tasks.push_back(std::move(task));
  }
  return Status::OK();
}

// The extras object: known keys only, each of the right type, bounded in
// size; structured records must name their schema.
static Status DecodeExtras(const json& entry, const std::string& path, json* out) {
  *out = json::object();
  auto it = entry.find("extras");
  if (it == entry.end()) return Status::OK();
  const std::string where = path + ".extras";
  if (!it->is_object()) return Status::Error("bad_field", where + ": expected an object");
  if (!NestingAtMost(*it, 32)) {
    return Status::Error("bad_field", where + ": nested more than 32 levels deep");
  }
  for (const auto& [key, value] : it->items()) {
    if (key == "metadata" || key == "language" || key == "quality" || key == "encoding" ||
        key == "limits") {
      if (!value.is_object()) {
        return Status::Error("bad_field", where + "." + key + ": expected an object");
      }
    } else if (key == "structured") {
      if (!value.is_array() || value.size() > 256) {
        return Status::Error("bad_field", where + ".structured: expected an array of at most 256");
      }
      for (size_t i = 0; i < value.size(); ++i) {
        const json& rec = value[i];
        auto schema = rec.is_object() ? rec.find("schema") : rec.end();
        if (!rec.is_object() || schema == rec.end() || !schema->is_string() ||
            schema->get_ref<const std::string&>().size() > 64) {
          return Status::Error("bad_field", where + ".structured[" + std::to_string(i) +
                                                "]: expected an object with a string \"schema\"");
        }
      }
    } else {
      return Status::Error("bad_field", where + "." + key.substr(0, 64) + ": unknown field");
    }
  }
  if (DumpJson(*it).size() > kMaxExtrasBytes) {
    return Status::Error("bad_field", where + ": more than " + std::to_string(kMaxExtrasBytes) +
                                          " bytes");
  }
  *out = *it;
  return Status::OK();
}

static Status DecodeEntry(const json& j, const std::string& path, ResultEntry* e) {
  FieldReader r(j, path);
  r.Int("task_id", &e->task_id, true, 1, INT64_MAX);
  r.Str("url", &e->url, true, kMaxUrlBytes);
  r.Str("final_url", &e->final_url, false, kMaxUrlBytes);
  if (r.ok() && !e->final_url.empty() && e->final_url.rfind("http://", 0) != 0 &&
      e->final_url.rfind("https://", 0) != 0) {
    r.Fail(r.Path("final_url"), "expected an absolute http(s) URL");
  }
  r.Int("status", &e->status, true, 0, 999);
  r.Str("reason", &e->reason, false, 64, "abcdefghijklmnopqrstuvwxyz0123456789_");
  r.Str("detail", &e->detail, false, 1024);
  r.Int("fetched_at", &e->fetched_at, true, 0, INT64_MAX);
  r.Int("elapsed_ms", &e->elapsed_ms, false, 0, INT64_MAX);
  r.Str("content_type", &e->content_type, false, 256);
  r.Int("body_bytes", &e->body_bytes, false, 0, int64_t{1} << 30);
  r.Hex("body_sha256", &e->body_sha256, false, 64);
  r.Hex("text_sha256", &e->text_sha256, false, 64);
  r.Str("title", &e->title, false, kMaxTitleBytes);
  r.Str("text", &e->text, false, kMaxTextBytes);
  r.Str("lang", &e->lang, false, 64);
  r.Str("canonical", &e->canonical, false, kMaxUrlBytes);
  r.Str("location", &e->location, false, kMaxUrlBytes);
  r.Str("robots_txt", &e->robots_txt, false, 512 << 10);
  r.Str("remote_ip", &e->remote_ip, false, 64, "0123456789abcdefABCDEF.:");
  r.Str("etag", &e->etag, false, 256);
  r.Str("last_modified", &e->last_modified, false, 128);
  r.Int("retry_after_ms", &e->retry_after_ms, false, 0, 30LL * 86400000);
  r.Str("markdown", &e->markdown, false, kMaxTextBytes + kMaxTextBytes / 2);
  r.Str("http_head", &e->http_head, false, kMaxHttpHeadBytes);
  if (!r.ok()) return r.status();
  if (Status s = DecodeExtras(j, path, &e->extras); !s.ok()) return s;
  if (auto it = j.find("body_gzip"); it != j.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > kMaxStoredBodyBytes / 3 * 4 + 4 ||
        !Base64Decode(it->get_ref<const std::string&>(), &e->body_gzip)) {
      return Status::Error("bad_field", path + ".body_gzip: expected base64 of at most " +
                                            std::to_string(kMaxStoredBodyBytes) + " bytes");
    }
  }
  for (auto [key, list] : {std::pair{"outlinks", &e->outlinks}, std::pair{"sitemaps", &e->sitemaps}}) {
    const json* links = r.Array(key, false, kMaxOutlinksPerEntry);
    if (!r.ok()) return r.status();
    list->clear();
    if (links == nullptr) continue;
    list->reserve(links->size());
    size_t bytes = 0;
    for (size_t i = 0; i < links->size(); ++i) {
      const json& l = (*links)[i];
      if (!l.is_string() || l.get_ref<const std::string&>().size() > kMaxUrlBytes) {
        return Status::Error("bad_field", path + "." + key + "[" + std::to_string(i) +
                                              "]: expected a URL string of at most " +
                                              std::to_string(kMaxUrlBytes) + " bytes");
      }
      bytes += l.get_ref<const std::string&>().size();
      if (bytes > kMaxOutlinkBytesPerEntry) {
        return Status::Error("bad_field", path + "." + key + ": more than " +
                                              std::to_string(kMaxOutlinkBytesPerEntry) + " bytes");
      }
      list->push_back(l.get<std::string>());
    }
  }
  return Status::OK();
}

Status DecodeResult(const json& body, ResultMsg* out) {
  FieldReader r(body, "RESULT");
  r.Str("batch_id", &out->batch_id, true, 128, kIdChars);
  r.Int("lease_id", &out->lease_id, true, 1, INT64_MAX);
  r.Hex("signature", &out->signature, true, 128);
  const json* entries = r.Array("entries", true, kMaxEntriesPerBatch);
  if (!r.ok()) return r.status();
  out->entries.clear();
  out->entries.resize(entries->size());
  for (size_t i = 0; i < entries->size(); ++i) {
    Status s = DecodeEntry((*entries)[i], "RESULT.entries[" + std::to_string(i) + "]",
                           &out->entries[i]);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status DecodeAck(const json& body, AckMsg* out) {
  FieldReader r(body, "ACK");
  r.Str("batch_id", &out->batch_id, true, 128, kIdChars);
  r.Str("status", &out->status, true, 16);
  r.Int("stored", &out->stored, false, 0, INT64_MAX);
  r.Int("credited_pages", &out->credited_pages, false, 0, INT64_MAX);
  r.Str("reason", &out->reason, false, 1024);
  r.Int("credit_accepted", &out->credit_accepted, false, 0, INT64_MAX);
  r.Int("credit_pending", &out->credit_pending, false, 0, INT64_MAX);
  r.Int("items_rejected", &out->items_rejected, false, 0, INT64_MAX);
  return r.status();
}

Status DecodeError(const json& body, ErrorMsg* out) {
  FieldReader r(body, "ERROR");
  r.Str("code", &out->code, true, 64);
  r.Str("message", &out->message, false, 4096);
  r.Str("ref", &out->ref, false, 128);
  return r.status();
}

Status DecodeLeaseRef(std::string_view command, const json& body, int64_t* lease_id,
                      std::string* reason, int64_t* retry_after_ms) {
  FieldReader r(body, std::string(command));
  r.Int("lease_id", lease_id, true, 1, INT64_MAX);
  if (reason != nullptr) r.Str("reason", reason, false, 1024);
  if (retry_after_ms != nullptr) r.Int("retry_after_ms", retry_after_ms, false, 0, 30LL * 86400000);
  return r.status();
}

json Encode(const HelloMsg& m) {
  return {{"contributor", m.contributor}, {"worker_id", m.worker_id}, {"name", m.name},
          {"software", m.software},       {"capacity", m.capacity},
          {"at_ms", m.at_ms},             {"proof", m.proof}};
}
json Encode(const WelcomeMsg& m) {
  return {{"session", m.session},
          {"heartbeat_ms", m.heartbeat_ms},
          {"liveness", m.liveness},
          {"coordinator", m.coordinator}};
}
json Encode(const RequestMsg& m) { return {{"credit", m.credit}}; }
json Encode(const LeaseMsg& m) {
  json tasks = json::array();
  for (const auto& t : m.tasks) {
    json j = {{"task_id", t.task_id}, {"url", t.url}};
    if (!t.kind.empty()) j["kind"] = t.kind;
    if (!t.etag.empty()) j["etag"] = t.etag;
    if (!t.last_modified.empty()) j["last_modified"] = t.last_modified;
    if (t.tdm_reservation >= 0) j["tdm_reservation"] = t.tdm_reservation;
    if (!t.tdm_policy.empty()) j["tdm_policy"] = t.tdm_policy;
    tasks.push_back(std::move(j));
  }
  json j = {{"lease_id", m.lease_id},     {"nonce", m.nonce},
            {"crawl", m.crawl},           {"kind", m.kind},
            {"host", m.host},             {"user_agent", m.user_agent},
            {"delay_ms", m.delay_ms},     {"concurrency", m.concurrency},
            {"expires_in_ms", m.expires_in_ms}, {"tasks", std::move(tasks)}};
  if (!m.ai_tokens.empty()) j["ai_tokens"] = m.ai_tokens;
  if (!m.keep_body) j["keep_body"] = false;
  return j;
}
json Encode(const ResultMsg& m) {
  json entries = json::array();
  for (const auto& e : m.entries) {
    json j = {{"task_id", e.task_id}, {"url", e.url}, {"status", e.status},
              {"fetched_at", e.fetched_at}, {"elapsed_ms", e.elapsed_ms}};
    auto put = [&j](const char* k, const std::string& v) {
      if (!v.empty()) j[k] = v;
    };
    put("final_url", e.final_url);
    put("reason", e.reason);
    put("detail", e.detail);
    put("content_type", e.content_type);
    if (e.body_bytes) j["body_bytes"] = e.body_bytes;
    put("body_sha256", e.body_sha256);
    put("text_sha256", e.text_sha256);
    put("title", e.title);
    put("text", e.text);
    put("lang", e.lang);
    put("canonical", e.canonical);
    put("location", e.location);
    put("robots_txt", e.robots_txt);
    put("remote_ip", e.remote_ip);
    put("etag", e.etag);
    put("last_modified", e.last_modified);
    if (e.retry_after_ms > 0) j["retry_after_ms"] = e.retry_after_ms;
    if (!e.outlinks.empty()) j["outlinks"] = e.outlinks;
    if (!e.sitemaps.empty()) j["sitemaps"] = e.sitemaps;
    put("markdown", e.markdown);
    put("http_head", e.http_head);
    if (!e.body_gzip.empty()) j["body_gzip"] = Base64Encode(e.body_gzip);
    if (e.extras.is_object() && !e.extras.empty()) j["extras"] = e.extras;
    entries.push_back(std::move(j));
  }
  return {{"batch_id", m.batch_id}, {"lease_id", m.lease_id},
          {"entries", std::move(entries)}, {"signature", m.signature}};
}
json Encode(const AckMsg& m) {
  json j = {{"batch_id", m.batch_id}, {"status", m.status}, {"stored", m.stored},
            {"credited_pages", m.credited_pages}, {"reason", m.reason}};
  if (m.credit_accepted >= 0) j["credit_accepted"] = m.credit_accepted;
  if (m.credit_pending >= 0) j["credit_pending"] = m.credit_pending;
  if (m.items_rejected >= 0) j["items_rejected"] = m.items_rejected;
  return j;
}
json Encode(const ErrorMsg& m) {
  return {{"code", m.code}, {"message", m.message}, {"ref", m.ref}};
}

std::string OutlinksSha256(const std::vector<std::string>& outlinks) {
  Sha256 h;
  for (const auto& l : outlinks) {
    h.Update(l);
    h.Update("\n");
  }
  return h.FinishHex();
}

std::string ContentSha256(const ResultEntry& e) {
  Sha256 h;
  h.Update(e.markdown);
  h.Update(std::string_view("\0", 1));
  h.Update(e.extras.is_object() ? DumpJson(e.extras) : std::string("{}"));
  return h.FinishHex();
}

std::string ManifestBytes(std::string_view contributor, const ResultMsg& batch,
                          std::string_view lease_nonce) {
  std::string m;
  m.reserve(128 + batch.entries.size() * 200);
  m.append("swarmcrawl-result-v1\n");
  m.append(contributor).append("\n");
  m.append(batch.batch_id).append("\n");
  m.append(std::to_string(batch.lease_id)).append("\n");
  m.append(lease_nonce).append("\n");
  auto field = [&m](const std::string& v) { m.append(v.empty() ? "-" : v); };
  for (const auto& e : batch.entries) {
    m.append(std::to_string(e.task_id)).append(" ");
    m.append(std::to_string(e.status)).append(" ");
    field(e.reason);
    m.append(" ");
    field(e.body_sha256);
    m.append(" ");
    field(e.text_sha256);
    m.append(" ");
    m.append(OutlinksSha256(e.outlinks));
    if (!e.sitemaps.empty()) m.append(" ").append(OutlinksSha256(e.sitemaps));
    if (!e.markdown.empty() || (e.extras.is_object() && !e.extras.empty())) {
      m.append(" x").append(ContentSha256(e));
    }
    m.append("\n");
  }
  return m;
}

}  // namespace swarmcrawl
