// The swarmcrawl wire protocol, version 1 (specified in docs/protocol.md).
//
// Every message is three ZeroMQ frames (after the ROUTER's routing id):
//   1. "SWC/1"         protocol signature and version
//   2. COMMAND         upper-case ASCII, e.g. "HELLO"
//   3. body            a UTF-8 JSON object, at most kMaxMessageBytes
// Decoding is strict: every field is type- and bounds-checked, and a failure
// names the field ("RESULT.entries[3].task_id: expected an integer"). Decode*
// functions never throw.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace swarmcrawl {

inline constexpr std::string_view kProtocolSignature = "SWC/1";
inline constexpr int kProtocolVersion = 1;
inline constexpr size_t kMaxMessageBytes = 32u << 20;
inline constexpr size_t kMaxTasksPerLease = 4096;
inline constexpr size_t kMaxEntriesPerBatch = 4096;
inline constexpr size_t kMaxOutlinksPerEntry = 50000;  // a sitemap lists up to 50,000
inline constexpr size_t kMaxUrlBytes = 8192;
inline constexpr size_t kMaxTextBytes = 4u << 20;
inline constexpr size_t kMaxOutlinkBytesPerEntry = 8u << 20;
inline constexpr size_t kMaxTitleBytes = 64u << 10;
inline constexpr size_t kMaxExtrasBytes = 1u << 20;     // ResultEntry::extras, serialized
inline constexpr size_t kMaxHttpHeadBytes = 64u << 10;  // ResultEntry::http_head
inline constexpr size_t kMaxStoredBodyBytes = 4u << 20; // ResultEntry::body_gzip, compressed
// A worker cuts result batches at this many bytes (well under kMaxMessageBytes).
inline constexpr size_t kMaxBatchBytes = 8u << 20;

struct Envelope {
  std::string command;
  nlohmann::json body;  // always an object after a successful decode
};

// Checks the signature frame, command and body; writes the parsed envelope.
// Errors: "unsupported_version", "malformed", "too_large".
Status DecodeEnvelope(const std::vector<std::string_view>& frames, Envelope* out);
std::vector<std::string> EncodeEnvelope(std::string_view command, const nlohmann::json& body);

struct HelloMsg {
  std::string contributor;  // Ed25519 public key, 64 hex
  std::string worker_id;    // 1..64 chars of [A-Za-z0-9_.-], stable across reconnects
  std::string name;         // optional display name
  std::string software;     // optional, e.g. "swarmcrawl/0.1.0"
  int64_t capacity = 0;     // most tasks the worker will hold at once, 1..100000
  // Proof of the key: Ed25519 over HelloProofBytes() at `at_ms` (the
  // worker's wall clock, within 10 minutes of the coordinator's), so a
  // session speaks for its contributor and answers for what it sends.
  int64_t at_ms = 0;
  std::string proof;  // 128 hex
};
// The bytes a HELLO proof signs.
std::string HelloProofBytes(std::string_view contributor, std::string_view worker_id, int64_t at_ms);


struct WelcomeMsg {
  std::string session;
  int64_t heartbeat_ms = 0;
  int64_t liveness = 0;  // heartbeats a peer may miss before it is considered gone
  std::string coordinator;
};

struct RequestMsg {
  int64_t credit = 0;  // more tasks the worker can take now, 1..100000
};

struct TaskSpec {
  int64_t task_id = 0;
  std::string url;
  std::string kind;           // "" (a page) or "sitemap" (a sitemap or feed to read)
  std::string etag;           // validators of the last visit, for a conditional GET
  std::string last_modified;
  int64_t tdm_reservation = -1;  // TDMRep from /.well-known/tdmrep.json: -1 unset, 0, 1
  std::string tdm_policy;
};

struct LeaseMsg {
  int64_t lease_id = 0;
  std::string nonce;
  std::string crawl;
  std::string kind;  // "page" or "robots"
  std::string host;  // authority the tasks belong to
  std::string user_agent;
  int64_t delay_ms = 0;
  int64_t concurrency = 1;
  int64_t expires_in_ms = 0;
  std::vector<TaskSpec> tasks;
  // robots.txt tokens of AI crawlers; X-Robots-Tag directives addressed to
  // them count as AI opt-outs.
  std::vector<std::string> ai_tokens;
  // Ship each stored page's response head and compressed body (for WARC
  // export). Absent on the wire means true.
  bool keep_body = true;
};

struct ResultEntry {
  int64_t task_id = 0;
  std::string url;
  std::string final_url;
  int64_t status = 0;
  std::string reason;  // "" for a stored page; see docs/protocol.md for the list
  std::string detail;
  int64_t fetched_at = 0;  // ms since epoch
  int64_t elapsed_ms = 0;
  std::string content_type;
  int64_t body_bytes = 0;
  std::string body_sha256;
  std::string text_sha256;
  std::string title;
  std::string text;
  std::string lang;
  std::string canonical;
  std::vector<std::string> outlinks;
  std::string location;    // resolved redirect target (reason "redirect")
  std::string robots_txt;  // body of a robots-lease task (robots.txt or tdmrep.json)
  std::string remote_ip;   // address the response came from
  std::string etag;        // validators of a 200 response, for the next visit
  std::string last_modified;
  int64_t retry_after_ms = 0;          // server's Retry-After on 429/503
  std::vector<std::string> sitemaps;   // child sitemaps of a sitemap index
  // Dataset content of a stored page (docs/protocol.md, "Record content").
  // `text` above is the main content as plain text; `markdown` the same as
  // Markdown. `extras` is an object with any of "metadata", "language",
  // "quality", "encoding" (objects) and "structured" (an array of record
  // bodies of other schemas, each with a string "schema"), at most
  // kMaxExtrasBytes serialized.
  std::string markdown;
  nlohmann::json extras = nlohmann::json::object();
  // For WARC: the final response's status line and header lines as received,
  // and the decoded body gzip-compressed (base64 on the wire); both optional.
  std::string http_head;
  std::string body_gzip;
};

struct ResultMsg {
  std::string batch_id;  // unique per contributor; 1..128 chars of [A-Za-z0-9_.-]
  int64_t lease_id = 0;
  std::vector<ResultEntry> entries;
  std::string signature;  // Ed25519 over ManifestBytes(), 128 hex
};

struct AckMsg {
  std::string batch_id;
  std::string status;  // "accepted", "duplicate" or "rejected"
  int64_t stored = 0;
  int64_t credited_pages = 0;
  std::string reason;
  // Optional (-1: not sent): the contributor's credit totals in units, as
  // the coordinator's credit book has them (sent every few seconds at most).
  int64_t credit_accepted = -1;
  int64_t credit_pending = -1;
  int64_t items_rejected = -1;
};

struct ErrorMsg {
  std::string code;
  std::string message;
  std::string ref;
};

Status DecodeHello(const nlohmann::json& body, HelloMsg* out);
Status DecodeWelcome(const nlohmann::json& body, WelcomeMsg* out);
Status DecodeRequest(const nlohmann::json& body, RequestMsg* out);
Status DecodeLease(const nlohmann::json& body, LeaseMsg* out);
Status DecodeResult(const nlohmann::json& body, ResultMsg* out);
Status DecodeAck(const nlohmann::json& body, AckMsg* out);
Status DecodeError(const nlohmann::json& body, ErrorMsg* out);
// RELEASE and CANCEL carry a lease id (CANCEL an optional reason, RELEASE an
// optional retry_after_ms: the server asked to be left alone that long).
Status DecodeLeaseRef(std::string_view command, const nlohmann::json& body, int64_t* lease_id,
                      std::string* reason, int64_t* retry_after_ms = nullptr);

nlohmann::json Encode(const HelloMsg& m);
nlohmann::json Encode(const WelcomeMsg& m);
nlohmann::json Encode(const RequestMsg& m);
nlohmann::json Encode(const LeaseMsg& m);
nlohmann::json Encode(const ResultMsg& m);
nlohmann::json Encode(const AckMsg& m);
nlohmann::json Encode(const ErrorMsg& m);

// The exact bytes a worker signs for a result batch (see docs/protocol.md,
// "Result manifest"). Binds contributor, batch, lease and the lease nonce to
// every entry's task id, status, reason and content hashes.
std::string ManifestBytes(std::string_view contributor, const ResultMsg& batch,
                          std::string_view lease_nonce);
// SHA-256 hex of markdown, a NUL byte and the extras serialized by DumpJson
// (keys sorted), which the manifest binds when either is present.
std::string ContentSha256(const ResultEntry& e);
// SHA-256 hex of the outlinks, each followed by '\n'.
std::string OutlinksSha256(const std::vector<std::string>& outlinks);

// Serializes JSON for the wire; invalid UTF-8 is replaced rather than thrown on.
std::string DumpJson(const nlohmann::json& j);

}  // namespace swarmcrawl
