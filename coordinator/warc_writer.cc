#include "coordinator/warc_writer.h"

#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <utility>
#include <vector>

#include "core/charset.h"
#include "core/crypto.h"
#include "core/strings.h"

namespace swarmcrawl {

namespace {

constexpr std::string_view kConformsTo =
    "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/";

class Sha1 {
 public:
  Sha1() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha1(), nullptr); }
  ~Sha1() { EVP_MD_CTX_free(ctx_); }
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;
  void Update(std::string_view d) { EVP_DigestUpdate(ctx_, d.data(), d.size()); }
  std::string WarcDigest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    return "sha1:" + Base32Encode(std::string_view(reinterpret_cast<char*>(md), len));
  }

 private:
  EVP_MD_CTX* ctx_;
};

bool ValidUuid(std::string_view u) {
  if (u.size() != 36) return false;
  for (size_t i = 0; i < u.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? u[i] != '-' : HexDigitValue(u[i]) < 0) return false;
  }
  return true;
}

// A WARC header value may not contain whitespace or controls where the field
// is a single token (URIs, addresses): that would let a page inject fields.
bool ValidToken(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v) {
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

bool ValidIp(std::string_view ip) {
  if (ip.size() > 45) return false;
  for (char c : ip) {
    if (!(HexDigitValue(c) >= 0 || c == '.' || c == ':')) return false;
  }
  return true;
}

// warc-fields values are single lines of UTF-8 text.
std::string FieldValue(std::string_view v) {
  // Decoding as declared UTF-8 replaces each invalid sequence with U+FFFD.
  std::string out =
      IsValidUtf8(v) ? std::string(v) : DecodeHtmlToUtf8(v, "utf-8", v.size() * 3).utf8;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

// Field names are tokens: anything else becomes '-'.
std::string FieldName(std::string_view n) {
  std::string out(n.empty() ? "-" : n);
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == ':' || c == '(' || c == ')' || c == '<' || c == '>' ||
        c == '@' || c == ',' || c == ';' || c == '\\' || c == '"' || c == '/' || c == '[' ||
        c == ']' || c == '?' || c == '=' || c == '{' || c == '}') {
      c = '-';
    }
  }
  return out;
}

std::string JsonText(const nlohmann::json& j) {
  // Replace instead of throwing on invalid UTF-8 in strings.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AppendWarcField(std::string* block, std::string_view name, const nlohmann::json& v) {
  if (v.is_array()) {
    // One level only: a nested array is written as its JSON text.
    for (const auto& item : v) {
      AppendWarcField(block, name, item.is_array() ? nlohmann::json(JsonText(item)) : item);
    }
    return;
  }
  *block += FieldName(name);
  *block += ": ";
  *block += FieldValue(v.is_string() ? v.get_ref<const std::string&>() : JsonText(v));
  *block += "\r\n";
}

// A request head as given, with the blank line that ends it added if missing.
std::string TerminatedHead(std::string_view head) {
  std::string out(head);
  if (out.ends_with("\r\n\r\n") || out.ends_with("\n\n")) return out;
  out += out.ends_with("\r\n") ? "\r\n" : "\r\n\r\n";
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string RandomUuid() {
  std::string h = RandomHex(16);
  h[12] = '4';                                       // version 4
  h[16] = "89ab"[HexDigitValue(h[16]) & 3];          // RFC 4122 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string Base32Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  while (out.size() % 8 != 0) out += '=';
  return out;
}

std::string WarcSha1Digest(std::string_view data) {
  Sha1 h;
  h.Update(data);
  return h.WarcDigest();
}

std::string WarcDate(int64_t ms) {
  if (ms < 0) ms = 0;
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string RewriteResponseHead(std::string_view head, size_t body_size) {
  const std::string length = std::to_string(body_size);
  // Split into lines without their terminators, up to the blank line.
  std::vector<std::string_view> lines;
  bool terminated = false;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    std::string_view line = head.substr(pos, nl == std::string_view::npos ? head.size() - pos
                                                                          : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (nl == std::string_view::npos) {
      pos = head.size();
    } else {
      pos = nl + 1;
    }
    if (line.empty() && !lines.empty()) {
      terminated = true;
      break;
    }
    lines.push_back(line);
  }
  bool rewrite = !terminated || pos != head.size();
  for (size_t i = 1; i < lines.size() && !rewrite; ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string_view::npos || lines[i][0] == ' ' || lines[i][0] == '\t') continue;
    const std::string_view name = TrimSpaces(lines[i].substr(0, colon));
    if (EqualsIgnoreCase(name, "content-encoding") || EqualsIgnoreCase(name, "transfer-encoding")) {
      rewrite = true;
    } else if (EqualsIgnoreCase(name, "content-length")) {
      rewrite = TrimSpaces(lines[i].substr(colon + 1)) != length;
    }
  }
  if (!rewrite) return std::string(head);

  std::string out;
  bool have_length = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    const size_t colon = line.find(':');
    if (i > 0 && colon != std::string_view::npos && line[0] != ' ' && line[0] != '\t') {
      const std::string_view name = TrimSpaces(line.substr(0, colon));
      if (EqualsIgnoreCase(name, "content-encoding") ||
          EqualsIgnoreCase(name, "transfer-encoding") ||
          (EqualsIgnoreCase(name, "content-length") &&
           (have_length || TrimSpaces(line.substr(colon + 1)) != length))) {
        out += "X-Crawler-";
        out += line;
        out += "\r\n";
        continue;
      }
      if (EqualsIgnoreCase(name, "content-length")) have_length = true;
    }
    out += line;
    out += "\r\n";
  }
  if (!have_length) out += "Content-Length: " + length + "\r\n";
  out += "\r\n";
  return out;
}

WarcWriter::WarcWriter(ByteSink* sink, bool gzip, UuidSource uuids)
    : sink_(sink),
      gzip_(gzip ? std::make_unique<GzipWriter>(sink, 6) : nullptr),
      uuids_(std::move(uuids)) {}

Status WarcWriter::NewRecordId(std::string* id) {
  const std::string u = uuids_ ? uuids_() : std::string();
  if (!ValidUuid(u)) {
    return Status::Error("bad_uuid", "UUID source returned \"" + FieldValue(u) + "\"");
  }
  *id = "<urn:uuid:" + AsciiLower(u) + ">";
  return Status::OK();
}

Status WarcWriter::WriteRecord(std::string_view type, const std::string& id, int64_t date_ms,
                               const std::vector<Field>& fields, std::string_view content_type,
                               std::string_view block_head, std::string_view block_body,
                               bool payload_digest) {
  Sha1 block_hash;
  block_hash.Update(block_head);
  block_hash.Update(block_body);
  std::string h = "WARC/1.1\r\n";
  h += "WARC-Type: ";
  h += type;
  h += "\r\nWARC-Record-ID: " + id + "\r\nWARC-Date: " + WarcDate(date_ms) + "\r\n";
  for (const Field& f : fields) {
    h += f.name;
    h += ": ";
    h += f.value;
    h += "\r\n";
  }
  if (!warcinfo_id_.empty() && type != "warcinfo") {
    h += "WARC-Warcinfo-ID: " + warcinfo_id_ + "\r\n";
  }
  h += "Content-Type: ";
  h += content_type;
  h += "\r\nWARC-Block-Digest: " + block_hash.WarcDigest() + "\r\n";
  if (payload_digest) h += "WARC-Payload-Digest: " + WarcSha1Digest(block_body) + "\r\n";
  h += "Content-Length: " + std::to_string(block_head.size() + block_body.size()) + "\r\n\r\n";

  Status s;
  if (gzip_) {
    s = gzip_->Append(h);
    if (s.ok()) s = gzip_->Append(block_head);
    if (s.ok()) s = gzip_->Append(block_body);
    if (s.ok()) s = gzip_->Append("\r\n\r\n");
    if (s.ok()) s = gzip_->Finish();  // one member per record
  } else {
    s = sink_->Append(h);
    if (s.ok()) s = sink_->Append(block_head);
    if (s.ok()) s = sink_->Append(block_body);
    if (s.ok()) s = sink_->Append("\r\n\r\n");
  }
  if (!s.ok()) {
    status_ = s;
    return s;
  }
  ++records_;
  return Status::OK();
}

Status WarcWriter::WriteWarcinfo(const nlohmann::json& fields, int64_t date_ms,
                                 std::string_view filename) {
  if (!status_.ok()) return status_;
  if (!fields.is_object() && !fields.is_array() && !fields.is_null()) {
    return Status::Error("bad_field", "warcinfo fields must be a JSON object or array of pairs");
  }
  std::vector<std::pair<std::string, nlohmann::json>> pairs;
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      pairs.emplace_back(it.key(), it.value());
    }
  } else if (fields.is_array()) {
    for (const auto& p : fields) {
      if (!p.is_array() || p.size() != 2 || !p[0].is_string()) {
        return Status::Error("bad_field", "warcinfo field pairs must be [name, value]");
      }
      pairs.emplace_back(p[0].get<std::string>(), p[1]);
    }
  }
  auto has = [&](std::string_view name) {
    for (const auto& p : pairs) {
      if (p.first == name) return true;
    }
    return false;
  };
  std::string block;
  if (!has("format")) block += "format: WARC File Format 1.1\r\n";
  if (!has("conformsTo")) block += "conformsTo: " + std::string(kConformsTo) + "\r\n";
  for (const auto& p : pairs) AppendWarcField(&block, p.first, p.second);

  if (date_ms < 0) {
    date_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }
  std::vector<Field> f;
  if (!filename.empty()) f.push_back({"WARC-Filename", FieldValue(filename)});
  std::string id;
  Status s = NewRecordId(&id);
  if (!s.ok()) return s;
  s = WriteRecord("warcinfo", id, date_ms, f, "application/warc-fields", "", block, false);
  if (s.ok()) warcinfo_id_ = id;
  return s;
}

Status WarcWriter::WriteCapture(const WarcCapture& c, WarcRecordIds* ids) {
  if (!status_.ok()) return status_;
  if (!ValidToken(c.url) || c.url.find(':') == std::string::npos) {
    return Status::Error("bad_capture", "WARC-Target-URI must be an absolute URI without spaces");
  }
  if (!c.ip.empty() && !ValidIp(c.ip)) {
    return Status::Error("bad_capture", "WARC-IP-Address must be an IPv4 or IPv6 address");
  }
  if (c.response_head.empty()) return Status::Error("bad_capture", "no response head");
  if (c.fetched_at_ms < 0) return Status::Error("bad_capture", "negative fetch time");
  const bool with_request = !c.request_head.empty();
  const bool with_metadata =
      !c.metadata.is_null() && !(c.metadata.is_object() && c.metadata.empty());

  WarcRecordIds got;
  Status s;
  if (with_request) s = NewRecordId(&got.request);
  if (s.ok()) s = NewRecordId(&got.response);
  if (s.ok() && with_metadata) s = NewRecordId(&got.metadata);
  if (!s.ok()) return s;

  std::vector<Field> common = {{"WARC-Target-URI", c.url}};
  if (!c.ip.empty()) common.push_back({"WARC-IP-Address", c.ip});

  if (with_request) {
    std::vector<Field> f = common;
    f.push_back({"WARC-Concurrent-To", got.response});
    s = WriteRecord("request", got.request, c.fetched_at_ms, f, "application/http;msgtype=request",
                    TerminatedHead(c.request_head), "", false);
    if (!s.ok()) return s;
  }
  const std::string head = RewriteResponseHead(c.response_head, c.body.size());
  s = WriteRecord("response", got.response, c.fetched_at_ms, common,
                  "application/http;msgtype=response", head, c.body, true);
  if (!s.ok()) return s;
  if (with_metadata) {
    std::vector<Field> f = {{"WARC-Target-URI", c.url},
                            {"WARC-Concurrent-To", got.response},
                            {"WARC-Refers-To", got.response}};
    s = WriteRecord("metadata", got.metadata, c.fetched_at_ms, f, "application/json", "",
                    JsonText(c.metadata), false);
    if (!s.ok()) return s;
  }
  if (ids != nullptr) *ids = std::move(got);
  return Status::OK();
}

}  // namespace swarmcrawl
