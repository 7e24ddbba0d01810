#include "core/compress.h"

#include <errno.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "core/strings.h"

namespace swarmcrawl {

namespace {

constexpr size_t kChunk = 64 * 1024;
// zlib counts in uInt; feed huge inputs in pieces well below its range.
constexpr size_t kMaxZlibInput = size_t{1} << 30;

bool EndsWithIgnoreCase(std::string_view s, std::string_view lower_suffix) {
  return s.size() >= lower_suffix.size() &&
         EqualsIgnoreCase(s.substr(s.size() - lower_suffix.size()), lower_suffix);
}

Status IoError(const std::string& what) {
  return Status::Error("io", what + ": " + std::strerror(errno));
}

// Appends up to the limit; returns false once the limit cut something off.
bool AppendBounded(DecompressResult* r, const char* p, size_t n, size_t max_output) {
  const size_t room = max_output - r->data.size();
  if (n > room) {
    r->data.append(p, room);
    r->truncated = true;
    return false;
  }
  r->data.append(p, n);
  return true;
}

}  // namespace

Compression CompressionForPath(std::string_view path) {
  if (EndsWithIgnoreCase(path, ".gz")) return Compression::kGzip;
  if (EndsWithIgnoreCase(path, ".zst") || EndsWithIgnoreCase(path, ".zstd")) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

bool IsGzip(std::string_view d) { return d.size() >= 2 && d[0] == '\x1f' && d[1] == '\x8b'; }

bool IsZstd(std::string_view d) { return d.substr(0, 4) == "\x28\xb5\x2f\xfd"; }

std::string GzipMember(std::string_view data, int level) {
  z_stream zs{};
  level = std::clamp(level, -1, 9);
  if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return "";
  }
  std::string out;
  char buf[kChunk];
  size_t pos = 0;
  int rc;
  do {
    const size_t n = std::min(data.size() - pos, kMaxZlibInput);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + pos));
    zs.avail_in = static_cast<uInt>(n);
    const int flush = pos + n == data.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof(buf);
      rc = deflate(&zs, flush);
      out.append(buf, sizeof(buf) - zs.avail_out);
    } while (zs.avail_out == 0 && rc != Z_STREAM_END);
    pos += n;
  } while (rc != Z_STREAM_END && rc != Z_STREAM_ERROR);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : "";
}

std::string ZstdCompress(std::string_view data, int level) {
  std::string out;
  StringSink sink(&out);
  ZstdWriter w(&sink, level);
  if (!w.Append(data).ok() || !w.Finish().ok()) return "";
  return out;
}

DecompressResult Gunzip(std::string_view data, size_t max_output) {
  DecompressResult r;
  if (!IsGzip(data)) {
    r.error = "not gzip data";
    return r;
  }
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    r.error = "zlib initialisation failed";
    return r;
  }
  char buf[kChunk];
  size_t pos = 0;  // start of the unconsumed input
  for (;;) {
    const size_t n = std::min(data.size() - pos, kMaxZlibInput);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + pos));
    zs.avail_in = static_cast<uInt>(n);
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    pos += n - zs.avail_in;
    if (!AppendBounded(&r, buf, sizeof(buf) - zs.avail_out, max_output)) {
      r.ok = true;
      break;
    }
    if (rc == Z_STREAM_END) {
      // Another member may follow (multi-member files, appended records).
      if (IsGzip(data.substr(pos)) && inflateReset(&zs) == Z_OK) continue;
      r.ok = true;
      break;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && pos == data.size()) {
      r.error = "gzip data ends inside a member";
    } else {
      r.error = std::string("corrupt gzip data: ") + (zs.msg ? zs.msg : "zlib error");
    }
    break;
  }
  inflateEnd(&zs);
  if (!r.ok) r.truncated = false;
  return r;
}

DecompressResult ZstdDecompressAll(std::string_view data, size_t max_output,
                                   int max_window_log) {
  DecompressResult r;
  if (data.empty()) {
    r.error = "empty zstd input";
    return r;
  }
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (dctx == nullptr) {
    r.error = "zstd initialisation failed";
    return r;
  }
  ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, max_window_log);
  char buf[kChunk];
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  for (;;) {
    ZSTD_outBuffer out{buf, sizeof(buf), 0};
    const size_t in_before = in.pos;
    const size_t rc = ZSTD_decompressStream(dctx, &out, &in);
    if (ZSTD_isError(rc)) {
      r.error = std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc);
      break;
    }
    if (!AppendBounded(&r, buf, out.pos, max_output)) {
      r.ok = true;
      break;
    }
    if (rc == 0 && in.pos == in.size) {
      r.ok = true;
      break;
    }
    // The decoder may hold consumed input it has not decoded yet: keep calling
    // while anything moves; no progress at the end of the input is a cut frame.
    if (in.pos < in.size || out.pos > 0 || in.pos > in_before) continue;
    r.error = "zstd data ends inside a frame";
    break;
  }
  ZSTD_freeDCtx(dctx);
  return r;
}

// ---------------------------------------------------------------------------

Status FileSink::Append(std::string_view data) {
  if (data.empty()) return Status::OK();
  if (std::fwrite(data.data(), 1, data.size(), f_) != data.size()) return IoError("write failed");
  return Status::OK();
}

GzipWriter::GzipWriter(ByteSink* dest, int level) : dest_(dest) {
  auto* zs = new z_stream{};
  if (deflateInit2(zs, std::clamp(level, -1, 9), Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    delete zs;
    status_ = Status::Error("compress", "zlib initialisation failed");
    return;
  }
  zs_ = zs;
}

GzipWriter::~GzipWriter() {
  if (zs_ != nullptr) {
    deflateEnd(static_cast<z_stream*>(zs_));
    delete static_cast<z_stream*>(zs_);
  }
}

Status GzipWriter::Deflate(std::string_view data, int flush) {
  auto* zs = static_cast<z_stream*>(zs_);
  char buf[kChunk];
  size_t pos = 0;
  do {
    const size_t n = std::min(data.size() - pos, kMaxZlibInput);
    zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + pos));
    zs->avail_in = static_cast<uInt>(n);
    const int f = pos + n == data.size() ? flush : Z_NO_FLUSH;
    int rc;
    do {
      zs->next_out = reinterpret_cast<Bytef*>(buf);
      zs->avail_out = sizeof(buf);
      rc = deflate(zs, f);
      if (rc == Z_STREAM_ERROR) return Status::Error("compress", "deflate failed");
      Status s = dest_->Append(std::string_view(buf, sizeof(buf) - zs->avail_out));
      if (!s.ok()) return s;
    } while (zs->avail_out == 0 || (f == Z_FINISH && rc != Z_STREAM_END));
    pos += n;
  } while (pos < data.size());
  return Status::OK();
}

Status GzipWriter::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (data.empty()) return Status::OK();
  if (!in_member_) {
    if (deflateReset(static_cast<z_stream*>(zs_)) != Z_OK) {
      status_ = Status::Error("compress", "deflateReset failed");
      return status_;
    }
    in_member_ = true;
  }
  status_ = Deflate(data, Z_NO_FLUSH);
  return status_;
}

Status GzipWriter::Finish() {
  if (!status_.ok()) return status_;
  // An empty member is still a member: Finish() right after Finish() writes one.
  if (!in_member_ && deflateReset(static_cast<z_stream*>(zs_)) != Z_OK) {
    status_ = Status::Error("compress", "deflateReset failed");
    return status_;
  }
  in_member_ = false;
  status_ = Deflate("", Z_FINISH);
  return status_;
}

ZstdWriter::ZstdWriter(ByteSink* dest, int level) : dest_(dest) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  // Level 19 is the highest whose window (8 MiB) every ZstdDecompressAll accepts.
  if (cctx == nullptr ||
      ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
                                          std::clamp(level, 1, 19))) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1))) {
    ZSTD_freeCCtx(cctx);
    status_ = Status::Error("compress", "zstd initialisation failed");
    return;
  }
  cctx_ = cctx;
  buf_.resize(ZSTD_CStreamOutSize());
}

ZstdWriter::~ZstdWriter() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_)); }

Status ZstdWriter::Compress(std::string_view data, bool end) {
  auto* cctx = static_cast<ZSTD_CCtx*>(cctx_);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  for (;;) {
    ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
    const size_t rc = ZSTD_compressStream2(cctx, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(rc)) {
      return Status::Error("compress", std::string("zstd: ") + ZSTD_getErrorName(rc));
    }
    Status s = dest_->Append(std::string_view(buf_.data(), out.pos));
    if (!s.ok()) return s;
    if (end ? rc == 0 : in.pos == in.size) return Status::OK();
  }
}

Status ZstdWriter::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (finished_) return Status::Error("compress", "append after Finish()");
  if (data.empty()) return Status::OK();
  status_ = Compress(data, false);
  return status_;
}

Status ZstdWriter::Finish() {
  if (!status_.ok()) return status_;
  if (finished_) return Status::OK();
  finished_ = true;
  status_ = Compress("", true);
  return status_;
}

// ---------------------------------------------------------------------------

Status OutputFile::Open(const std::string& path, Compression compression,
                        std::unique_ptr<OutputFile>* out, int level) {
  out->reset();
  if (path.empty()) return Status::Error("io", "empty output path");
  std::unique_ptr<OutputFile> f(new OutputFile());
  f->path_ = path;
  f->compression_ = compression == Compression::kAuto ? CompressionForPath(path) : compression;
  if (path == "-") {
    f->file_ = stdout;
  } else {
    f->part_path_ = path + ".part";
    f->file_ = std::fopen(f->part_path_.c_str(), "wbe");  // 'e': close-on-exec
    if (f->file_ == nullptr) return IoError("cannot create " + f->part_path_);
  }
  f->file_sink_ = std::make_unique<FileSink>(f->file_);
  f->sink_ = f->file_sink_.get();
  if (f->compression_ == Compression::kGzip) {
    f->gzip_ = std::make_unique<GzipWriter>(f->file_sink_.get(), level == 0 ? 6 : level);
    f->sink_ = f->gzip_.get();
  } else if (f->compression_ == Compression::kZstd) {
    f->zstd_ = std::make_unique<ZstdWriter>(f->file_sink_.get(), level == 0 ? 3 : level);
    f->sink_ = f->zstd_.get();
  }
  *out = std::move(f);
  return Status::OK();
}

OutputFile::~OutputFile() {
  if (!closed_) Discard();
}

void OutputFile::Discard() {
  if (file_ != nullptr && file_ != stdout) std::fclose(file_);
  file_ = nullptr;
  if (!part_path_.empty()) ::unlink(part_path_.c_str());
}

Status OutputFile::Fail(Status s) {
  status_ = s;
  Discard();
  return s;
}

Status OutputFile::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (closed_) return Status::Error("io", "append to closed " + path_);
  Status s = sink_->Append(data);
  if (!s.ok()) return Fail(s);
  bytes_ += data.size();
  return Status::OK();
}

Status OutputFile::Close() {
  if (!status_.ok()) return status_;
  if (closed_) return Status::OK();
  Status s;
  if (gzip_) s = gzip_->Finish();
  if (s.ok() && zstd_) s = zstd_->Finish();
  if (!s.ok()) return Fail(s);
  if (std::fflush(file_) != 0) return Fail(IoError("write failed for " + path_));
  if (file_ == stdout) {
    file_ = nullptr;
    closed_ = true;
    return Status::OK();
  }
  // The data must be on disk before the rename makes it visible under its final name.
  if (::fsync(fileno(file_)) != 0) return Fail(IoError("fsync failed for " + part_path_));
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) return Fail(IoError("close failed for " + part_path_));
  if (std::rename(part_path_.c_str(), path_.c_str()) != 0) {
    return Fail(IoError("cannot rename " + part_path_ + " to " + path_));
  }
  closed_ = true;
  return Status::OK();
}

}  // namespace swarmcrawl
