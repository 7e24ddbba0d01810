#include "coordinator/ledger.h"

#include <optional>
#include <unordered_map>
#include <vector>

#include "core/charset.h"

namespace swarmcrawl {

using nlohmann::json;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS ledger(
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  contributor TEXT NOT NULL,
  task TEXT NOT NULL,
  content TEXT NOT NULL,
  credit INTEGER NOT NULL,
  reason TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL);
-- Contributor lookups for receipts. Keyed by contributor alone, the index
-- takes its inserts all over the b-tree and slowed appends sevenfold once it
-- outgrew the page cache (1M entries); bucketed by seq (16384 per bucket) it
-- only grows at its end, and a 16-character prefix of the key keeps it small.
CREATE INDEX IF NOT EXISTS ledger_contributor ON ledger(seq >> 14, substr(contributor, 1, 16));
CREATE TABLE IF NOT EXISTS ledger_epochs(
  epoch INTEGER PRIMARY KEY,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  root BLOB NOT NULL,
  signature TEXT NOT NULL,
  signed_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_epochs_last ON ledger_epochs(last_seq);
)sql";

constexpr int kSeqBucketBits = 14;  // must match "seq >> 14" in the schema and queries
constexpr char kExportFormat[] = "swarmcrawl-ledger-export-v1";
constexpr size_t kMaxExportLine = 1 << 20;

const char kSelectRows[] =
    "SELECT seq, at, contributor, task, content, credit, reason, prev_hash, hash FROM ledger";
const char kSelectEpochs[] =
    "SELECT epoch, first_seq, last_seq, root, signature, signed_at FROM ledger_epochs";

void ReadRow(const Stmt& s, LedgerRecord* r) {
  r->seq = s.Int(0);
  r->at = s.Int(1);
  r->contributor.assign(s.TextView(2));
  r->task.assign(s.TextView(3));
  r->content.assign(s.TextView(4));
  r->credit = s.Int(5);
  r->reason.assign(s.TextView(6));
  r->prev_hash.assign(s.BlobView(7));
  r->hash.assign(s.BlobView(8));
}

void ReadEpoch(const Stmt& s, EpochRecord* e) {
  e->epoch = s.Int(0);
  e->first_seq = s.Int(1);
  e->last_seq = s.Int(2);
  e->root.assign(s.BlobView(3));
  e->signature.assign(s.TextView(4));
  e->signed_at = s.Int(5);
}

// A read snapshot for the duration of a multi-statement read, unless the
// caller already holds a transaction (whose snapshot then applies).
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db* db) : db_(db) {
    if (sqlite3_get_autocommit(db->handle()) != 0) {
      db->Exec("BEGIN");
      owned_ = true;
    }
  }
  ~ReadSnapshot() {
    if (!owned_) return;
    try {
      db_->Exec("COMMIT");
    } catch (const SqliteError&) {
      // A read-only transaction has nothing to lose.
    }
  }

 private:
  Db* db_;
  bool owned_ = false;
};

// The one verifier behind Verify and VerifyExport. Fed entries in the order
// they appear and each epoch after its last entry; keeps only O(log n) Merkle
// state plus the totals. Scans everything, then reports in priority order: an
// entry whose own hash is wrong (the altered row itself), then a chain break
// (missing, extra or reordered rows), then an epoch, so the message points at
// what was changed rather than at a neighbour it disturbed.
class ChainVerifier {
 public:
  ChainVerifier(std::string coordinator_public_hex, VerifyReport* report)
      : key_(std::move(coordinator_public_hex)), report_(report) {
    *report_ = VerifyReport();
  }

  void AddEntry(const LedgerRecord& r) {
    char h[kHashBytes];
    ComputeLedgerEntryHash(r, &hasher_, &scratch_, h);
    const std::string_view computed(h, kHashBytes);
    if (computed != r.hash) RowFailure(&hash_fail_, r.seq, "hash mismatch", r.seq);
    if (r.seq != last_seq_ + 1) {
      // Anchored at the seq that should have come: its epoch lost (or gained) a row.
      RowFailure(&chain_fail_, r.seq,
                 "expected seq=" + std::to_string(last_seq_ + 1) +
                     " (a row is missing, duplicated or out of order)",
                 last_seq_ + 1);
    } else if (r.prev_hash != prev_hash_) {
      RowFailure(&chain_fail_, r.seq, "prev_hash does not match the previous row's hash", r.seq);
    }
    last_seq_ = r.seq;
    prev_hash_.assign(r.hash);
    builder_.Add(computed);
    ++report_->entries;
    ContributorTotal& t = report_->totals[r.contributor];
    ++t.entries;
    if (__builtin_add_overflow(t.credit, r.credit, &t.credit)) {
      RowFailure(&chain_fail_, r.seq, "contributor total overflows", r.seq);
    }
    auto& open = open_[r.contributor];
    ++open.first;
    if (__builtin_add_overflow(open.second, r.credit, &open.second)) {
      RowFailure(&chain_fail_, r.seq, "contributor total overflows", r.seq);
    }
  }

  void AddEpoch(const EpochRecord& e) {
    const std::string where = "epoch " + std::to_string(e.epoch) + ": ";
    const int64_t first = epoch_last_seq_ + 1;
    if (e.epoch != last_epoch_ + 1) {
      EpochFailure(e.epoch, where + "expected epoch " + std::to_string(last_epoch_ + 1));
    } else if (e.first_seq != first || e.last_seq != last_seq_ ||
               builder_.size() != static_cast<uint64_t>(e.last_seq - e.first_seq + 1)) {
      EpochFailure(e.epoch, where + "covers seq " + std::to_string(e.first_seq) + ".." +
                                std::to_string(e.last_seq) + " but follows entries " +
                                std::to_string(first) + ".." + std::to_string(last_seq_));
    } else if (e.root != builder_.Root()) {
      EpochFailure(e.epoch, where + "root mismatch");
    } else if (!VerifyEpochSignature(e, key_)) {
      EpochFailure(e.epoch, where + "bad signature");
    }
    ranges_.push_back(EpochRange{e.first_seq, e.last_seq, e.epoch});
    last_epoch_ = e.epoch;
    epoch_last_seq_ = last_seq_;
    builder_.Clear();
    open_.clear();
    ++report_->epochs;
  }

  Status Finish() {
    report_->pending_entries = last_seq_ - epoch_last_seq_;
    report_->head_hash = HexEncode(prev_hash_);
    for (const auto& [who, open] : open_) {
      report_->totals[who].pending_entries = open.first;
      report_->totals[who].pending_credit = open.second;
    }
    for (RowFail* f : {&hash_fail_, &chain_fail_}) {
      if (!f->set) continue;
      for (const EpochRange& e : ranges_) {
        if (f->anchor >= e.first && f->anchor <= e.last) {
          f->epoch = e.epoch;
          break;
        }
      }
      report_->first_bad_seq = f->seq;
      report_->first_bad_epoch = f->epoch;
      std::string msg = "ledger row seq=" + std::to_string(f->seq) + ": " + f->what;
      if (f->epoch) msg += " (epoch " + std::to_string(*f->epoch) + ")";
      return Status::Error("ledger_corrupt", msg);
    }
    if (epoch_fail_epoch_) {
      report_->first_bad_epoch = epoch_fail_epoch_;
      return Status::Error("ledger_corrupt", epoch_fail_);
    }
    return Status::OK();
  }

  const std::string& head() const { return prev_hash_; }

 private:
  struct RowFail {
    bool set = false;
    int64_t seq = 0;
    int64_t anchor = -1;  // the seq whose epoch is named
    std::optional<int64_t> epoch;
    std::string what;
  };
  struct EpochRange {
    int64_t first, last, epoch;
  };
  static void RowFailure(RowFail* f, int64_t seq, std::string what, int64_t anchor) {
    if (f->set) return;
    f->set = true;
    f->seq = seq;
    f->anchor = anchor;
    f->what = std::move(what);
  }
  void EpochFailure(int64_t epoch, std::string msg) {
    if (epoch_fail_epoch_) return;
    epoch_fail_epoch_ = epoch;
    epoch_fail_ = std::move(msg);
  }

  std::string key_;
  VerifyReport* report_;
  Sha256Hasher hasher_;
  std::string scratch_;
  int64_t last_seq_ = 0;
  std::string prev_hash_ = std::string(kHashBytes, '\0');
  int64_t last_epoch_ = 0;
  int64_t epoch_last_seq_ = 0;
  MerkleRootBuilder builder_;
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> open_;
  RowFail hash_fail_, chain_fail_;
  // Every epoch's claimed range, to name the epoch of a failed row at the end
  // (16 bytes per epoch).
  std::vector<EpochRange> ranges_;
  std::optional<int64_t> epoch_fail_epoch_;
  std::string epoch_fail_;
};

Status CheckField(const std::string& value, const char* name) {
  if (value.size() > kMaxLedgerFieldBytes) {
    return Status::Error("bad_field", std::string("ledger ") + name + " longer than " +
                                          std::to_string(kMaxLedgerFieldBytes) + " bytes");
  }
  if (!IsValidUtf8(value)) {
    return Status::Error("bad_field", std::string("ledger ") + name + " is not valid UTF-8");
  }
  return Status::OK();
}

// Reads one line of at most `limit` bytes (without the '\n'). False at end of
// input; sets *too_long (and skips the rest of the line) when it is longer.
bool ReadLine(std::istream& in, size_t limit, std::string* line, bool* too_long) {
  line->clear();
  *too_long = false;
  std::streambuf* sb = in.rdbuf();
  bool any = false;
  for (;;) {
    const int c = sb->sbumpc();
    if (c == std::char_traits<char>::eof()) return any;
    any = true;
    if (c == '\n') return true;
    if (line->size() >= limit) {
      *too_long = true;
    } else {
      line->push_back(static_cast<char>(c));
    }
  }
}

}  // namespace

Status Ledger::Open(Db* db, const SigningKey* coordinator_key, const LedgerOptions& options,
                    std::unique_ptr<Ledger>* out) {
  if (coordinator_key == nullptr || !coordinator_key->valid()) {
    return Status::Error("bad_key", "the ledger needs the coordinator's signing key");
  }
  if (options.entries_per_epoch < 1 || options.epoch_ms < 1) {
    return Status::Error("bad_options", "entries_per_epoch and epoch_ms must be positive");
  }
  std::unique_ptr<Ledger> l(new Ledger(db, coordinator_key, options));
  try {
    db->Exec(kSchema);
    l->Reload();
  } catch (const SqliteError& e) {
    return Status::Error("io", std::string("ledger: ") + e.what());
  }
  *out = std::move(l);
  return Status::OK();
}

void Ledger::Reload() {
  last_seq_ = 0;
  prev_hash_.assign(kHashBytes, '\0');
  last_epoch_ = 0;
  epoch_last_seq_ = 0;
  first_pending_at_ = 0;
  {
    Stmt& s = db_->Cached("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1");
    if (s.Step()) {
      last_seq_ = s.Int(0);
      prev_hash_.assign(s.BlobView(1));
    }
    s.Reset();
  }
  {
    Stmt& s = db_->Cached("SELECT epoch, last_seq FROM ledger_epochs ORDER BY epoch DESC LIMIT 1");
    if (s.Step()) {
      last_epoch_ = s.Int(0);
      epoch_last_seq_ = s.Int(1);
    }
    s.Reset();
  }
  if (last_seq_ > epoch_last_seq_) {
    Stmt& s = db_->Cached("SELECT at FROM ledger WHERE seq=?");
    s.Bind(1, epoch_last_seq_ + 1);
    if (s.Step()) first_pending_at_ = s.Int(0);
    s.Reset();
  }
}

void Ledger::EnsureFresh() {
  Stmt& s = db_->Cached(
      "SELECT COALESCE((SELECT MAX(seq) FROM ledger), 0),"
      " COALESCE((SELECT MAX(epoch) FROM ledger_epochs), 0)");
  s.Step();
  const bool fresh = s.Int(0) == last_seq_ && s.Int(1) == last_epoch_;
  s.Reset();
  if (!fresh) Reload();
}

Status Ledger::Append(const LedgerEntry& e, int64_t now_ms, int64_t* seq) {
  for (auto [value, name] : {std::pair<const std::string*, const char*>{&e.contributor, "contributor"},
                             {&e.task, "task"},
                             {&e.content, "content"},
                             {&e.reason, "reason"}}) {
    Status s = CheckField(*value, name);
    if (!s.ok()) return s;
  }
  if (e.contributor.empty()) return Status::Error("bad_field", "ledger contributor is empty");
  if (e.credit > kMaxLedgerCredit || e.credit < -kMaxLedgerCredit) {
    return Status::Error("bad_field", "ledger credit out of range");
  }
  try {
    EnsureFresh();
    LedgerRecord r;
    r.seq = last_seq_ + 1;
    r.at = now_ms;
    r.contributor = e.contributor;
    r.task = e.task;
    r.content = e.content;
    r.credit = e.credit;
    r.reason = e.reason;
    r.prev_hash = prev_hash_;
    char h[kHashBytes];
    ComputeLedgerEntryHash(r, &hasher_, &scratch_, h);
    const std::string_view hash(h, kHashBytes);
    Stmt& ins = db_->Cached(
        "INSERT INTO ledger(seq, at, contributor, task, content, credit, reason, prev_hash, hash)"
        " VALUES(?,?,?,?,?,?,?,?,?)");
    ins.Bind(1, r.seq).Bind(2, r.at).Bind(3, r.contributor).Bind(4, r.task).Bind(5, r.content);
    ins.Bind(6, r.credit).Bind(7, r.reason).BindBlob(8, r.prev_hash).BindBlob(9, hash);
    ins.Run();
    last_seq_ = r.seq;
    prev_hash_.assign(hash);
    if (last_seq_ == epoch_last_seq_ + 1) first_pending_at_ = now_ms;
    if (seq != nullptr) *seq = r.seq;
    if (pending_entries() >= options_.entries_per_epoch ||
        now_ms - first_pending_at_ >= options_.epoch_ms) {
      CloseLocked(now_ms);
    }
  } catch (const SqliteError& ex) {
    return Status::Error("io", std::string("ledger append: ") + ex.what());
  }
  return Status::OK();
}

Status Ledger::MaybeCloseEpoch(int64_t now_ms, bool* closed) {
  if (closed != nullptr) *closed = false;
  try {
    EnsureFresh();
    if (pending_entries() == 0 || now_ms - first_pending_at_ < options_.epoch_ms) {
      return Status::OK();
    }
    CloseLocked(now_ms);
  } catch (const SqliteError& ex) {
    return Status::Error("io", std::string("ledger epoch: ") + ex.what());
  }
  if (closed != nullptr) *closed = true;
  return Status::OK();
}

Status Ledger::CloseEpoch(int64_t now_ms, bool* closed) {
  if (closed != nullptr) *closed = false;
  try {
    EnsureFresh();
    if (pending_entries() == 0) return Status::OK();
    CloseLocked(now_ms);
  } catch (const SqliteError& ex) {
    return Status::Error("io", std::string("ledger epoch: ") + ex.what());
  }
  if (closed != nullptr) *closed = true;
  return Status::OK();
}

void Ledger::CloseLocked(int64_t now_ms) {
  EpochRecord e;
  e.epoch = last_epoch_ + 1;
  e.first_seq = epoch_last_seq_ + 1;
  e.last_seq = last_seq_;
  e.signed_at = now_ms;
  MerkleRootBuilder builder;
  Stmt& s = db_->Cached("SELECT hash FROM ledger WHERE seq BETWEEN ? AND ? ORDER BY seq");
  s.Bind(1, e.first_seq).Bind(2, e.last_seq);
  while (s.Step()) builder.Add(s.BlobView(0));
  s.Reset();
  e.root = builder.Root();
  e.signature = key_->SignHex(EpochMessage(e));
  Stmt& ins = db_->Cached(
      "INSERT INTO ledger_epochs(epoch, first_seq, last_seq, root, signature, signed_at)"
      " VALUES(?,?,?,?,?,?)");
  ins.Bind(1, e.epoch).Bind(2, e.first_seq).Bind(3, e.last_seq).BindBlob(4, e.root);
  ins.Bind(5, e.signature).Bind(6, e.signed_at);
  ins.Run();
  last_epoch_ = e.epoch;
  epoch_last_seq_ = e.last_seq;
}

Status Ledger::Verify(Db* db, const std::string& coordinator_public_hex, VerifyReport* report) {
  ChainVerifier v(coordinator_public_hex, report);
  try {
    ReadSnapshot snapshot(db);
    Stmt rows = db->Prepare(std::string(kSelectRows) + " ORDER BY seq");
    Stmt epochs = db->Prepare(std::string(kSelectEpochs) + " ORDER BY epoch");
    EpochRecord next;
    bool have_epoch = epochs.Step();
    if (have_epoch) ReadEpoch(epochs, &next);
    auto feed_epoch = [&] {
      v.AddEpoch(next);
      have_epoch = epochs.Step();
      if (have_epoch) ReadEpoch(epochs, &next);
    };
    LedgerRecord r;
    while (rows.Step()) {
      ReadRow(rows, &r);
      while (have_epoch && next.last_seq < r.seq) feed_epoch();
      v.AddEntry(r);
      while (have_epoch && next.last_seq == r.seq) feed_epoch();
    }
    while (have_epoch) feed_epoch();
  } catch (const SqliteError& e) {
    return Status::Error("io", std::string("ledger verify: ") + e.what());
  }
  return v.Finish();
}

Status Ledger::Export(Db* db, std::ostream& out) {
  try {
    ReadSnapshot snapshot(db);
    Stmt rows = db->Prepare(std::string(kSelectRows) + " ORDER BY seq");
    Stmt epochs = db->Prepare(std::string(kSelectEpochs) + " ORDER BY epoch");
    out << json{{"format", kExportFormat}}.dump() << '\n';
    int64_t n_entries = 0, n_epochs = 0;
    std::string head(kHashBytes, '\0');
    EpochRecord next;
    bool have_epoch = epochs.Step();
    if (have_epoch) ReadEpoch(epochs, &next);
    auto write_epoch = [&] {
      json j = EpochRecordToJson(next);
      j["type"] = "epoch";
      out << j.dump() << '\n';
      ++n_epochs;
      have_epoch = epochs.Step();
      if (have_epoch) ReadEpoch(epochs, &next);
    };
    LedgerRecord r;
    while (rows.Step()) {
      ReadRow(rows, &r);
      while (have_epoch && next.last_seq < r.seq) write_epoch();
      json j = LedgerRecordToJson(r);
      j["type"] = "entry";
      // Replace, never throw: a corrupted text column must still export so
      // that verification can name it.
      out << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
      ++n_entries;
      head = r.hash;
      while (have_epoch && next.last_seq == r.seq) write_epoch();
    }
    while (have_epoch) write_epoch();
    out << json{{"type", "end"}, {"entries", n_entries}, {"epochs", n_epochs},
                {"head", HexEncode(head)}}
               .dump()
        << '\n';
    out.flush();
    if (!out) return Status::Error("io", "ledger export: write failed");
  } catch (const SqliteError& e) {
    return Status::Error("io", std::string("ledger export: ") + e.what());
  }
  return Status::OK();
}

Status Ledger::VerifyExport(std::istream& in, const std::string& coordinator_public_hex,
                            VerifyReport* report) {
  ChainVerifier v(coordinator_public_hex, report);
  auto bad = [](int64_t line_no, const std::string& what) {
    return Status::Error("bad_export", "export line " + std::to_string(line_no) + ": " + what);
  };
  std::string line;
  bool too_long = false;
  int64_t line_no = 0;
  bool ended = false;
  LedgerRecord r;
  EpochRecord e;
  while (ReadLine(in, kMaxExportLine, &line, &too_long)) {
    ++line_no;
    if (too_long) return bad(line_no, "longer than 1 MiB");
    if (ended) return bad(line_no, "data after the end line");
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return bad(line_no, "not a JSON object");
    if (line_no == 1) {
      if (j != json{{"format", kExportFormat}}) return bad(line_no, "not a ledger export header");
      continue;
    }
    auto type = j.find("type");
    if (type == j.end() || !type->is_string()) return bad(line_no, "no type");
    const std::string& t = type->get_ref<const std::string&>();
    if (t == "entry") {
      Status s = LedgerRecordFromJson(j, {"type"}, &r);
      if (!s.ok()) return bad(line_no, s.message());
      v.AddEntry(r);
    } else if (t == "epoch") {
      Status s = EpochRecordFromJson(j, {"type"}, &e);
      if (!s.ok()) return bad(line_no, s.message());
      v.AddEpoch(e);
    } else if (t == "end") {
      const json expected{{"type", "end"},
                          {"entries", report->entries},
                          {"epochs", report->epochs},
                          {"head", HexEncode(v.head())}};
      // Compared after the verifier has seen everything: counts that disagree
      // mean lines were dropped or added.
      if (j != expected) return bad(line_no, "end line does not match the entries and epochs");
      ended = true;
    } else {
      return bad(line_no, "unknown type");
    }
  }
  if (line_no == 0) return bad(0, "empty export");
  Status s = v.Finish();
  if (!s.ok()) return s;
  if (!ended) return bad(line_no, "export is truncated (no end line)");
  return Status::OK();
}

Status BuildReceipt(Db* db, const std::string& coordinator_public_hex,
                    const std::string& contributor, json* receipt, int64_t max_entries) {
  try {
    ReadSnapshot snapshot(db);
    std::vector<LedgerRecord> mine;
    {
      Stmt last = db->Prepare("SELECT COALESCE(MAX(seq), 0) FROM ledger");
      last.Step();
      const int64_t buckets = (last.Int(0) >> kSeqBucketBits) + 1;
      // One index probe per bucket. The full key is compared here, not in
      // SQL: with a "contributor = ?" term SQLite 3.40 stops using the
      // index's prefix column.
      Stmt s = db->Prepare(std::string(kSelectRows) +
                           " WHERE seq >> 14 = ?1 AND substr(contributor, 1, 16) = substr(?2, 1, 16)"
                           " ORDER BY seq");
      for (int64_t b = 0; b < buckets; ++b) {
        s.Bind(1, b).Bind(2, contributor);
        while (s.Step()) {
          if (s.TextView(2) != contributor) continue;
          if (static_cast<int64_t>(mine.size()) >= max_entries) {
            return Status::Error("too_large", "contributor has more than " +
                                                  std::to_string(max_entries) + " ledger entries");
          }
          mine.emplace_back();
          ReadRow(s, &mine.back());
        }
        s.Reset();
      }
    }
    Stmt find_epoch = db->Prepare(std::string(kSelectEpochs) +
                                  " WHERE last_seq >= ? ORDER BY last_seq LIMIT 1");
    Stmt epoch_hashes = db->Prepare("SELECT hash FROM ledger WHERE seq BETWEEN ? AND ? ORDER BY seq");
    json epochs = json::array(), entries = json::array(), pending = json::array();
    int64_t proven_entries = 0, proven_credit = 0, pending_entries = 0, pending_credit = 0;
    size_t i = 0;
    while (i < mine.size()) {
      find_epoch.Bind(1, mine[i].seq);
      EpochRecord e;
      const bool closed = find_epoch.Step();
      if (closed) ReadEpoch(find_epoch, &e);
      find_epoch.Reset();
      if (!closed || e.first_seq > mine[i].seq) {
        // No closed epoch covers it (a valid ledger then has no later epochs either).
        for (; i < mine.size(); ++i) {
          pending.push_back(LedgerRecordToJson(mine[i]));
          ++pending_entries;
          if (__builtin_add_overflow(pending_credit, mine[i].credit, &pending_credit)) {
            return Status::Error("ledger_corrupt", "pending credit overflows");
          }
        }
        break;
      }
      std::vector<std::string> leaves;
      epoch_hashes.Bind(1, e.first_seq).Bind(2, e.last_seq);
      while (epoch_hashes.Step()) leaves.emplace_back(epoch_hashes.BlobView(0));
      epoch_hashes.Reset();
      const MerkleTree tree(leaves);
      if (tree.root() != e.root || static_cast<int64_t>(leaves.size()) != e.last_seq - e.first_seq + 1) {
        return Status::Error("ledger_corrupt",
                             "epoch " + std::to_string(e.epoch) + ": root mismatch");
      }
      epochs.push_back(EpochRecordToJson(e));
      for (; i < mine.size() && mine[i].seq <= e.last_seq; ++i) {
        json j = LedgerRecordToJson(mine[i]);
        const uint64_t index = static_cast<uint64_t>(mine[i].seq - e.first_seq);
        json proof = json::array();
        for (const std::string& p : tree.Proof(index)) proof.push_back(HexEncode(p));
        j["epoch"] = e.epoch;
        j["index"] = index;
        j["proof"] = std::move(proof);
        entries.push_back(std::move(j));
        ++proven_entries;
        if (__builtin_add_overflow(proven_credit, mine[i].credit, &proven_credit)) {
          return Status::Error("ledger_corrupt", "proven credit overflows");
        }
      }
    }
    *receipt = json{{"format", "swarmcrawl-receipt-v1"},
                    {"coordinator", coordinator_public_hex},
                    {"contributor", contributor},
                    {"epochs", std::move(epochs)},
                    {"entries", std::move(entries)},
                    {"pending", std::move(pending)},
                    {"totals",
                     {{"proven_entries", proven_entries},
                      {"proven_credit", proven_credit},
                      {"pending_entries", pending_entries},
                      {"pending_credit", pending_credit}}}};
  } catch (const SqliteError& e) {
    return Status::Error("io", std::string("ledger receipt: ") + e.what());
  }
  return Status::OK();
}

}  // namespace swarmcrawl
