// WarcWriter: writes captures as WARC 1.1 records (ISO 28500:2017).
//
// A capture becomes up to three records sharing one WARC-Date (the fetch time):
// `request` (when the request head is known), `response`
// (application/http;msgtype=response) and `metadata` (application/json, when
// there is metadata), in that order. The request and the metadata record point
// at the response with WARC-Concurrent-To; the metadata record also names it in
// WARC-Refers-To. A `warcinfo` record, if written, is referenced from every
// later record by WARC-Warcinfo-ID.
//
// Every record carries WARC-Block-Digest, and the response also
// WARC-Payload-Digest, as "sha1:" + RFC 4648 base32 of the SHA-1 (the form
// Heritrix, wget and warcio use). Record IDs are urn:uuid from an injected
// UuidSource (RandomUuid by default) so tests are deterministic; they are drawn
// in record order. With gzip on, each record is its own gzip member, so any
// record can be read from its offset.
//
// The stored body is the payload after transfer and content decoding, so the
// response head written is made consistent with it (RewriteResponseHead):
// Content-Encoding, Transfer-Encoding and a Content-Length that does not match
// the body are renamed to X-Crawler-Content-Encoding, X-Crawler-Transfer-Encoding
// and X-Crawler-Content-Length, and a correct Content-Length is added. Readers
// (warcio, pywb) then parse the record without trying to decode it again. A
// head that already matches its body is stored byte for byte.
//
// Header values are checked before anything is written: a URL or IP address
// with whitespace or control characters (header injection) is refused. The
// first failed write to the sink makes the writer fail every later call, since
// the output could hold a partial record. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/compress.h"
#include "core/status.h"

namespace swarmcrawl {

// Returns a UUID as 36 characters, 8-4-4-4-12 hex digits.
using UuidSource = std::function<std::string()>;

// A version 4 UUID from OpenSSL's CSPRNG, lower-case.
std::string RandomUuid();

// RFC 4648 base32 (alphabet A-Z2-7) with '=' padding.
std::string Base32Encode(std::string_view bytes);
// "sha1:" + base32 of the SHA-1 of `data`: 32 characters, no padding needed.
std::string WarcSha1Digest(std::string_view data);
// WARC-Date for a time in ms since the epoch: "2023-11-14T22:13:20.123Z" (UTC).
std::string WarcDate(int64_t ms);

// `head` (status line and headers, as received) made consistent with a stored
// body of `body_size` bytes; see the file comment. Always ends in a blank line.
std::string RewriteResponseHead(std::string_view head, size_t body_size);

struct WarcCapture {
  std::string url;           // WARC-Target-URI, absolute
  std::string ip;            // WARC-IP-Address; empty if unknown (then omitted)
  std::string request_head;  // "GET /path HTTP/1.1\r\nHost: ...\r\n\r\n"; empty: no request record
  std::string response_head; // status line + headers as received, ending in "\r\n\r\n"
  std::string body;          // payload as stored, after content decoding
  int64_t fetched_at_ms = 0; // start of the fetch: WARC-Date of all three records
  nlohmann::json metadata;   // null or {}: no metadata record
};

// The WARC-Record-IDs ("<urn:uuid:...>") written for one capture; "" if not written.
struct WarcRecordIds {
  std::string request;
  std::string response;
  std::string metadata;
};

class WarcWriter {
 public:
  // `sink` is not owned and must outlive the writer. To write to a FILE*, wrap
  // it in a FileSink; for a .warc.gz file, open the OutputFile with
  // Compression::kNone and pass gzip=true here (per-record members).
  WarcWriter(ByteSink* sink, bool gzip, UuidSource uuids = RandomUuid);

  // A warcinfo record. `fields` is a JSON object (written in key order) or an
  // array of [name, value] pairs (written in that order); array values repeat
  // the field, other non-string values are written as JSON. "format" and
  // "conformsTo" are added first unless given. `filename` becomes WARC-Filename.
  // `date_ms` < 0 means the current system time.
  Status WriteWarcinfo(const nlohmann::json& fields, int64_t date_ms = -1,
                       std::string_view filename = "");

  Status WriteCapture(const WarcCapture& capture, WarcRecordIds* ids = nullptr);

  const std::string& warcinfo_id() const { return warcinfo_id_; }
  uint64_t records_written() const { return records_; }

 private:
  struct Field {
    std::string_view name;
    std::string value;
  };
  Status NewRecordId(std::string* id);
  Status WriteRecord(std::string_view type, const std::string& id, int64_t date_ms,
                     const std::vector<Field>& fields, std::string_view content_type,
                     std::string_view block_head, std::string_view block_body,
                     bool payload_digest);

  ByteSink* sink_;
  std::unique_ptr<GzipWriter> gzip_;  // null: no compression; reused for every member
  UuidSource uuids_;
  std::string warcinfo_id_;
  Status status_;
  uint64_t records_ = 0;
};

}  // namespace swarmcrawl
