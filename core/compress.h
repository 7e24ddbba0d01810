// Compress: gzip (zlib) and zstd (libzstd) for fetched bodies and exported files.
//
// Decompression is bounded: Gunzip and ZstdDecompressAll never produce more than
// `max_output` bytes and stop as soon as the limit is reached (a compression bomb
// costs time proportional to the limit, not to its expanded size), setting
// `truncated`. Corrupt or cut-off input is reported as an error, with whatever
// was decoded before the damage left in `data`.
//
// Writing goes through ByteSink, the one interface every writer in swarmcrawl
// appends to. OutputFile is the sink an export opens: it writes PATH.part and
// renames it to PATH only when Close() succeeds, so an interrupted or failed
// export never leaves a truncated file under the final name (a crash leaves only
// PATH.part; an OutputFile destroyed without a successful Close() removes it).
// No call here throws; errors come back as Status values with code "io" or
// "compress".
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace swarmcrawl {

enum class Compression { kNone, kGzip, kZstd, kAuto };

// What kAuto means for `path`: ".gz" -> kGzip, ".zst"/".zstd" -> kZstd, else kNone
// (extensions compared case-insensitively; "-" is kNone).
Compression CompressionForPath(std::string_view path);

// One complete gzip member (RFC 1952) holding `data`; level 0..9, -1 = zlib default.
// Concatenated members form a valid multi-member gzip file.
std::string GzipMember(std::string_view data, int level = 6);
// One complete zstd frame (with content checksum); level 1..19.
std::string ZstdCompress(std::string_view data, int level = 3);

bool IsGzip(std::string_view data);  // starts with the gzip magic 1f 8b
bool IsZstd(std::string_view data);  // starts with the zstd frame magic 28 b5 2f fd

struct DecompressResult {
  std::string data;        // at most max_output bytes
  bool ok = false;         // no corruption in what was read (also true when truncated)
  std::string error;       // why !ok
  bool truncated = false;  // stopped at max_output; the input holds more
};

// Decodes every member of a (possibly multi-member) gzip stream. Bytes after the
// last member that do not start another member are ignored, as gzip(1) and
// browsers do.
DecompressResult Gunzip(std::string_view data, size_t max_output);

// Decodes every frame of a zstd stream (skippable frames are skipped). Frames
// whose window exceeds 2^max_window_log bytes are refused, which bounds memory:
// the default 23 (8 MiB) is the limit RFC 9659 sets for HTTP and the largest
// window ZstdCompress/ZstdWriter produce.
DecompressResult ZstdDecompressAll(std::string_view data, size_t max_output,
                                   int max_window_log = 23);

// Where bytes go. Append either takes all of `data` or returns an error.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Append(std::string_view data) = 0;
};

// Appends to a string the caller owns (tests, in-memory buffers).
class StringSink : public ByteSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status Append(std::string_view data) override {
    out_->append(data);
    return Status::OK();
  }

 private:
  std::string* out_;
};

// Writes to a FILE* the caller owns and closes.
class FileSink : public ByteSink {
 public:
  explicit FileSink(std::FILE* f) : f_(f) {}
  Status Append(std::string_view data) override;

 private:
  std::FILE* f_;
};

// Streams gzip members into `dest` (not owned). Finish() writes the member's
// trailer; a later Append starts the next member, reusing the compressor (zlib
// set-up costs more than compressing a small record). Without Finish() the
// last member is incomplete.
class GzipWriter : public ByteSink {
 public:
  explicit GzipWriter(ByteSink* dest, int level = 6);
  ~GzipWriter() override;
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;
  Status Append(std::string_view data) override;
  Status Finish();

 private:
  Status Deflate(std::string_view data, int flush);
  ByteSink* dest_;
  void* zs_ = nullptr;  // z_stream*
  Status status_;       // first error; sticky
  bool in_member_ = false;
};

// Streams one zstd frame (with content checksum) into `dest` (not owned).
// Finish() ends the frame; nothing may be appended afterwards.
class ZstdWriter : public ByteSink {
 public:
  explicit ZstdWriter(ByteSink* dest, int level = 3);
  ~ZstdWriter() override;
  ZstdWriter(const ZstdWriter&) = delete;
  ZstdWriter& operator=(const ZstdWriter&) = delete;
  Status Append(std::string_view data) override;
  Status Finish();

 private:
  Status Compress(std::string_view data, bool end);
  ByteSink* dest_;
  void* cctx_ = nullptr;  // ZSTD_CCtx*
  std::string buf_;
  Status status_;
  bool finished_ = false;
};

// An export destination: PATH ("-" for standard output) with optional
// compression. Writes go to PATH.part (replacing a stale one); Close() finishes
// the compressed stream, flushes, fsyncs and renames PATH.part to PATH
// (replacing an existing PATH atomically). After any error, and when destroyed
// without a successful Close(), PATH.part is removed and PATH is untouched.
// Standard output is written directly: there is nothing to rename.
class OutputFile : public ByteSink {
 public:
  // `level` 0 picks the default (gzip 6, zstd 3). kAuto resolves through
  // CompressionForPath(path).
  static Status Open(const std::string& path, Compression compression,
                     std::unique_ptr<OutputFile>* out, int level = 0);
  ~OutputFile() override;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  Status Append(std::string_view data) override;
  Status Close();

  const std::string& path() const { return path_; }
  Compression compression() const { return compression_; }  // never kAuto
  uint64_t bytes_written() const { return bytes_; }          // before compression

 private:
  OutputFile() = default;
  Status Fail(Status s);
  void Discard();

  std::string path_;
  std::string part_path_;  // empty for standard output
  Compression compression_ = Compression::kNone;
  std::FILE* file_ = nullptr;
  std::unique_ptr<FileSink> file_sink_;
  std::unique_ptr<GzipWriter> gzip_;
  std::unique_ptr<ZstdWriter> zstd_;
  ByteSink* sink_ = nullptr;  // where Append goes: a compressor or file_sink_
  Status status_;
  bool closed_ = false;
  uint64_t bytes_ = 0;
};

}  // namespace swarmcrawl
