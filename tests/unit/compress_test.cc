#include "core/compress.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/crypto.h"

namespace swarmcrawl {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  REQUIRE(HexDecode(hex, &out));
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string TempDir() {
  char tmpl[] = "/tmp/swarmcrawl-compress-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

// Output of a shell command, e.g. a reference decompressor.
std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

bool HaveTool(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string Pseudorandom(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 12345;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>('a' + (x >> 16) % 26);
  }
  return s;
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

TEST_CASE("Gunzip decodes a gzip member written by another implementation") {
  // Python's gzip.compress(b"hello, world\n", mtime=0).
  const std::string gz =
      Unhex("1f8b0800000000000203cb48cdc9c9d75128cf2fca49e10200537424f40d000000");
  CHECK(IsGzip(gz));
  DecompressResult r = Gunzip(gz, 1 << 20);
  CHECK(r.ok);
  CHECK_FALSE(r.truncated);
  CHECK(r.data == "hello, world\n");
}

TEST_CASE("Gunzip reads every member of a multi-member file") {
  // Python: gzip.compress(b"abc") + gzip.compress(b"def").
  const std::string two = Unhex(
      "1f8b08000000000002034b4c4a0600c241243503000000"
      "1f8b08000000000002034b494d030061e1c40c03000000");
  DecompressResult r = Gunzip(two, 1 << 20);
  CHECK(r.ok);
  CHECK(r.data == "abcdef");

  const std::string ours = GzipMember("first;") + GzipMember("") + GzipMember("third");
  r = Gunzip(ours, 1 << 20);
  CHECK(r.ok);
  CHECK(r.data == "first;third");

  // Trailing bytes that do not start a member are ignored, like gzip(1) does.
  r = Gunzip(GzipMember("x") + std::string(8, '\0'), 1 << 20);
  CHECK(r.ok);
  CHECK(r.data == "x");
}

TEST_CASE("GzipMember output is read by the gzip command-line tool") {
  if (!HaveTool("gzip")) return;
  const std::string dir = TempDir();
  const std::string data = Pseudorandom(300000) + std::string(100000, 'z');
  {
    std::ofstream f(dir + "/a.gz", std::ios::binary);
    f << GzipMember(data, 9) << GzipMember("tail", 1);
  }
  CHECK(Run("gzip -dc " + dir + "/a.gz") == data + "tail");
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("GzipWriter starts a new member after each Finish") {
  std::string out;
  StringSink sink(&out);
  GzipWriter w(&sink, 6);
  REQUIRE(w.Append("a").ok());
  REQUIRE(w.Finish().ok());
  REQUIRE(w.Append("b").ok());
  REQUIRE(w.Finish().ok());
  REQUIRE(w.Finish().ok());  // an empty member
  CHECK(out == GzipMember("a", 6) + GzipMember("b", 6) + GzipMember("", 6));
  DecompressResult r = Gunzip(out, 100);
  CHECK(r.ok);
  CHECK(r.data == "ab");
}

TEST_CASE("A gzip compression bomb stops at the output limit quickly") {
  // 100 MB of zeros, compressed (about 100 KB).
  std::string bomb;
  {
    StringSink sink(&bomb);
    GzipWriter w(&sink, 1);
    const std::string zeros(1 << 20, '\0');
    for (int i = 0; i < 100; ++i) REQUIRE(w.Append(zeros).ok());
    REQUIRE(w.Finish().ok());
  }
  CHECK(bomb.size() < 1000000);
  const auto start = std::chrono::steady_clock::now();
  DecompressResult r = Gunzip(bomb, 1 << 20);
  const double secs = SecondsSince(start);
  CHECK(r.ok);
  CHECK(r.truncated);
  CHECK(r.data.size() == (1u << 20));
  CHECK(r.data == std::string(1 << 20, '\0'));
  CHECK(secs < 0.5);

  // A limit equal to the real size is not truncation.
  r = Gunzip(GzipMember("12345"), 5);
  CHECK(r.ok);
  CHECK_FALSE(r.truncated);
  r = Gunzip(GzipMember("123456"), 5);
  CHECK(r.truncated);
  CHECK(r.data == "12345");
}

TEST_CASE("Corrupt or cut-off gzip input is an error, not a crash") {
  const std::string data = Pseudorandom(10000);
  const std::string gz = GzipMember(data);

  DecompressResult r = Gunzip("plain text", 1 << 20);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.error.empty());
  CHECK_FALSE(Gunzip("", 1 << 20).ok);

  r = Gunzip(gz.substr(0, gz.size() - 10), 1 << 20);  // cut inside the member
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("ends inside") != std::string::npos);

  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x55;  // inside the CRC-32 of the trailer
  CHECK_FALSE(Gunzip(bad_crc, 1 << 20).ok);

  std::string bad_data = gz;
  for (size_t i = 20; i < 60; ++i) bad_data[i] = '\xff';
  r = Gunzip(bad_data, 1 << 20);
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("corrupt") != std::string::npos);
}

TEST_CASE("zstd round trips, reads concatenated frames and stops bombs at the limit") {
  const std::string data = Pseudorandom(200000);
  const std::string z = ZstdCompress(data, 19);
  CHECK(IsZstd(z));
  CHECK(z.size() < data.size());
  DecompressResult r = ZstdDecompressAll(z, 1 << 20);
  CHECK(r.ok);
  CHECK(r.data == data);

  r = ZstdDecompressAll(ZstdCompress("abc") + ZstdCompress("def"), 1 << 20);
  CHECK(r.ok);
  CHECK(r.data == "abcdef");

  std::string bomb;
  {
    StringSink sink(&bomb);
    ZstdWriter w(&sink, 3);
    const std::string zeros(1 << 20, '\0');
    for (int i = 0; i < 100; ++i) REQUIRE(w.Append(zeros).ok());
    REQUIRE(w.Finish().ok());
  }
  CHECK(bomb.size() < 100000);
  const auto start = std::chrono::steady_clock::now();
  r = ZstdDecompressAll(bomb, 1 << 20);
  CHECK(SecondsSince(start) < 0.5);
  CHECK(r.ok);
  CHECK(r.truncated);
  CHECK(r.data.size() == (1u << 20));
}

TEST_CASE("Corrupt, cut-off or oversized-window zstd input is an error") {
  const std::string z = ZstdCompress(Pseudorandom(50000));
  CHECK_FALSE(ZstdDecompressAll("not zstd", 1 << 20).ok);
  CHECK_FALSE(ZstdDecompressAll("", 1 << 20).ok);
  DecompressResult r = ZstdDecompressAll(z.substr(0, z.size() - 7), 1 << 20);
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("ends inside") != std::string::npos);
  std::string bad = z;
  for (size_t i = z.size() / 2; i < z.size() / 2 + 16; ++i) bad[i] ^= 0x5a;
  CHECK_FALSE(ZstdDecompressAll(bad, 1 << 20).ok);

  // A streamed frame (size unknown up front) with a 32 MiB window.
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 25);
  std::string out(2 << 20, '\0');
  const std::string input = Pseudorandom(1 << 20);
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  REQUIRE_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_continue)));
  ZSTD_inBuffer none{nullptr, 0, 0};
  REQUIRE(ZSTD_compressStream2(cctx, &o, &none, ZSTD_e_end) == 0);
  ZSTD_freeCCtx(cctx);
  out.resize(o.pos);
  r = ZstdDecompressAll(out, 4 << 20);
  CHECK_FALSE(r.ok);
  r = ZstdDecompressAll(out, 4 << 20, 25);
  INFO(r.error);
  CHECK(r.ok);
  CHECK(r.data == input);
}

TEST_CASE("Compression follows the file extension when asked to choose") {
  CHECK(CompressionForPath("a/b/data.jsonl.gz") == Compression::kGzip);
  CHECK(CompressionForPath("data.jsonl.ZST") == Compression::kZstd);
  CHECK(CompressionForPath("data.zstd") == Compression::kZstd);
  CHECK(CompressionForPath("data.jsonl") == Compression::kNone);
  CHECK(CompressionForPath("-") == Compression::kNone);
  CHECK(CompressionForPath("gz") == Compression::kNone);
}

TEST_CASE("OutputFile writes PATH.part and renames it to PATH only on Close") {
  const std::string dir = TempDir();
  const std::string path = dir + "/out.jsonl.zst";
  std::unique_ptr<OutputFile> f;
  REQUIRE(OutputFile::Open(path, Compression::kAuto, &f).ok());
  CHECK(f->compression() == Compression::kZstd);
  std::string expected;
  bool all_ok = true;
  for (int i = 0; i < 20000; ++i) {
    const std::string line = "{\"n\":" + std::to_string(i) + "}\n";
    expected += line;
    all_ok = all_ok && f->Append(line).ok();
  }
  REQUIRE(all_ok);
  CHECK(Exists(path + ".part"));
  CHECK_FALSE(Exists(path));
  REQUIRE(f->Close().ok());
  CHECK(f->bytes_written() == expected.size());
  CHECK(Exists(path));
  CHECK_FALSE(Exists(path + ".part"));
  CHECK_FALSE(f->Append("more").ok());

  const std::string stored = ReadFile(path);
  CHECK(IsZstd(stored));
  CHECK(stored.size() < expected.size());
  if (HaveTool("zstd")) {
    CHECK(Run("zstd -dc " + path) == expected);
  }
  DecompressResult r = ZstdDecompressAll(stored, 1 << 24);
  CHECK(r.ok);
  CHECK(r.data == expected);

  // gzip, and an explicit choice overriding the extension.
  REQUIRE(OutputFile::Open(dir + "/x.gz", Compression::kAuto, &f).ok());
  REQUIRE(f->Append("gzipped").ok());
  REQUIRE(f->Close().ok());
  r = Gunzip(ReadFile(dir + "/x.gz"), 1 << 20);
  CHECK(r.ok);
  CHECK(r.data == "gzipped");
  REQUIRE(OutputFile::Open(dir + "/plain.gz", Compression::kNone, &f).ok());
  REQUIRE(f->Append("not compressed").ok());
  REQUIRE(f->Close().ok());
  CHECK(ReadFile(dir + "/plain.gz") == "not compressed");
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("An OutputFile abandoned before Close leaves the old file and no .part behind") {
  const std::string dir = TempDir();
  const std::string path = dir + "/export.jsonl";
  {
    std::ofstream old(path);
    old << "previous export\n";
  }
  {
    std::unique_ptr<OutputFile> f;
    REQUIRE(OutputFile::Open(path, Compression::kAuto, &f).ok());
    REQUIRE(f->Append("half of a new export").ok());
    CHECK(Exists(path + ".part"));
  }  // destroyed without Close(), as on an error path
  CHECK_FALSE(Exists(path + ".part"));
  CHECK(ReadFile(path) == "previous export\n");

  // A successful Close replaces the old file.
  std::unique_ptr<OutputFile> f;
  REQUIRE(OutputFile::Open(path, Compression::kAuto, &f).ok());
  REQUIRE(f->Append("new export\n").ok());
  REQUIRE(f->Close().ok());
  CHECK(ReadFile(path) == "new export\n");

  Status s = OutputFile::Open(dir + "/no/such/dir/file", Compression::kNone, &f);
  CHECK_FALSE(s.ok());
  CHECK(s.code() == "io");
  CHECK(f == nullptr);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("A full disk is reported by Append or Close and removes the .part file") {
  if (!Exists("/dev/full")) return;
  // /dev/full fails every write with ENOSPC; the writes are buffered, so the
  // error surfaces by Close at the latest.
  std::unique_ptr<OutputFile> f;
  const std::string dir = TempDir();
  const std::string path = dir + "/full";
  REQUIRE(::symlink("/dev/full", (path + ".part").c_str()) == 0);
  REQUIRE(OutputFile::Open(path, Compression::kNone, &f).ok());
  Status s = f->Append(std::string(1 << 20, 'x'));
  if (s.ok()) s = f->Close();
  CHECK_FALSE(s.ok());
  CHECK(s.code() == "io");
  CHECK_FALSE(Exists(path));
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace swarmcrawl
