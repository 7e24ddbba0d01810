#include "coordinator/dedup.h"

#include <cstring>
#include <set>

#include "core/crypto.h"
#include "parsers/minhash.h"

namespace swarmcrawl {

namespace {

// Signatures are stored as little-endian 64-bit words.
std::string PackSignature(const std::vector<uint64_t>& sig) {
  std::string out(sig.size() * 8, '\0');
  for (size_t i = 0; i < sig.size(); ++i) {
    for (int b = 0; b < 8; ++b) out[i * 8 + b] = static_cast<char>((sig[i] >> (8 * b)) & 0xff);
  }
  return out;
}

std::vector<uint64_t> UnpackSignature(std::string_view blob) {
  std::vector<uint64_t> sig(blob.size() / 8);
  for (size_t i = 0; i < sig.size(); ++i) {
    uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v |= static_cast<uint64_t>(static_cast<unsigned char>(blob[i * 8 + b])) << (8 * b);
    sig[i] = v;
  }
  return sig;
}

}  // namespace

void Deduplicator::Lookup(int64_t record_id, int64_t* root, int64_t* frontier_id) {
  Stmt& s = db_->Cached("SELECT COALESCE(duplicate_of, id), frontier_id FROM records WHERE id=?");
  s.Bind(1, record_id);
  *root = record_id;
  *frontier_id = 0;
  if (s.Step()) {
    *root = s.Int(0);
    *frontier_id = s.Int(1);
  }
  s.Reset();
}

DedupVerdict Deduplicator::Check(int64_t crawl_id, int64_t frontier_id, std::string_view text,
                                 double near_threshold) {
  DedupVerdict v;
  const std::string normalized = NormalizeForDedup(text);
  v.simhash = SimHash64(normalized);
  if (normalized.empty()) return v;
  v.norm_sha256 = Sha256Hex(normalized);

  Stmt& exact = db_->Cached("SELECT record_id FROM dedup_exact WHERE crawl_id=? AND norm_sha256=?");
  exact.Bind(1, crawl_id).Bind(2, v.norm_sha256);
  const int64_t exact_id = exact.Step() ? exact.Int(0) : 0;
  exact.Reset();

  const MinHashParams params;
  v.signature = MinHashSignature(normalized, params);
  v.band_keys = LshBandKeys(v.signature, params);
  if (exact_id != 0) {
    int64_t root = 0, of = 0;
    Lookup(exact_id, &root, &of);
    if (of != frontier_id) {
      v.duplicate_of = root;
      v.kind = "exact";
      v.similarity = 1;
      return v;
    }
  }

  Stmt& band = db_->Cached(
      "SELECT record_id FROM dedup_bands WHERE crawl_id=? AND band_key=? ORDER BY record_id "
      "LIMIT 8");
  static_assert(kMaxCandidatesPerBand == 8, "keep the LIMIT above in step");
  std::set<int64_t> candidates;
  for (const auto& key : v.band_keys) {
    band.Bind(1, crawl_id).Bind(2, key);
    while (band.Step()) candidates.insert(band.Int(0));
    band.Reset();
  }
  Stmt& sig = db_->Cached("SELECT signature FROM dedup_signatures WHERE record_id=?");
  int64_t best_root = 0;
  double best = 0;
  for (int64_t id : candidates) {
    int64_t root = 0, of = 0;
    Lookup(id, &root, &of);
    if (of == frontier_id) continue;
    sig.Bind(1, id);
    if (sig.Step()) {
      const double j = EstimatedJaccard(v.signature, UnpackSignature(sig.BlobView(0)));
      if (j > best) {
        best = j;
        best_root = root;
      }
    }
    sig.Reset();
  }
  if (best_root != 0 && best >= near_threshold) {
    v.duplicate_of = best_root;
    v.kind = "near";
    v.similarity = best;
  }
  return v;
}

void Deduplicator::Index(int64_t crawl_id, int64_t record_id, const DedupVerdict& v) {
  if (v.norm_sha256.empty()) return;
  db_->Cached("INSERT OR IGNORE INTO dedup_exact(crawl_id, norm_sha256, record_id) VALUES(?,?,?)")
      .Bind(1, crawl_id)
      .Bind(2, v.norm_sha256)
      .Bind(3, record_id)
      .Run();
  // An exact copy adds nothing a lookup could not already find.
  if (v.kind == "exact") return;
  Stmt& band = db_->Cached(
      "INSERT OR IGNORE INTO dedup_bands(crawl_id, band_key, record_id) VALUES(?,?,?)");
  for (const auto& key : v.band_keys) band.Bind(1, crawl_id).Bind(2, key).Bind(3, record_id).Run();
  db_->Cached("INSERT OR REPLACE INTO dedup_signatures(record_id, signature) VALUES(?,?)")
      .Bind(1, record_id)
      .BindBlob(2, PackSignature(v.signature))
      .Run();
}

void Deduplicator::Forget(int64_t crawl_id, int64_t record_id) {
  db_->Cached(
         "DELETE FROM dedup_exact WHERE crawl_id=?1 AND record_id=?2 AND "
         "norm_sha256=(SELECT norm_sha256 FROM records WHERE id=?2)")
      .Bind(1, crawl_id)
      .Bind(2, record_id)
      .Run();
  Stmt& sig = db_->Cached("SELECT signature FROM dedup_signatures WHERE record_id=?");
  sig.Bind(1, record_id);
  std::vector<std::string> keys;
  if (sig.Step()) keys = LshBandKeys(UnpackSignature(sig.BlobView(0)));
  sig.Reset();
  Stmt& band = db_->Cached("DELETE FROM dedup_bands WHERE crawl_id=? AND band_key=? AND record_id=?");
  for (const auto& key : keys) band.Bind(1, crawl_id).Bind(2, key).Bind(3, record_id).Run();
  db_->Cached("DELETE FROM dedup_signatures WHERE record_id=?").Bind(1, record_id).Run();
}

}  // namespace swarmcrawl
