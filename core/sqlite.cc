#include "core/sqlite.h"

namespace swarmcrawl {

static void Check(sqlite3* db, int rc, std::string_view what) {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
    throw SqliteError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
  Check(db, sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                               SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
        "prepare");
}
Stmt::~Stmt() { sqlite3_finalize(stmt_); }
Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}
Stmt& Stmt::Bind(int i, int64_t v) {
  Check(db_, sqlite3_bind_int64(stmt_, i, v), "bind");
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  Check(db_, sqlite3_bind_double(stmt_, i, v), "bind");
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  Check(db_, sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        "bind");
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view v) {
  Check(db_, sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT), "bind");
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  Check(db_, sqlite3_bind_null(stmt_, i), "bind");
  return *this;
}
bool Stmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string msg = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw SqliteError("step: " + msg);
}
void Stmt::Run() {
  while (Step()) {
  }
  Reset();
}
void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::Double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Stmt::Text(int col) const { return std::string(TextView(col)); }
std::string_view Stmt::TextView(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
std::string_view Stmt::BlobView(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  if (p == nullptr) return {};
  return std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Db::~Db() {
  cache_.clear();  // finalize cached statements before closing
  sqlite3_close_v2(db_);
}
Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = o.db_;
    cache_ = std::move(o.cache_);
    o.db_ = nullptr;
  }
  return *this;
}

Stmt& Db::Cached(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<Stmt>(db_, sql)).first;
  return *it->second;
}

Status Db::Open(const std::string& path, Db* out) {
  // SQLite's allocation statistics take a global mutex on every malloc; we
  // never read them. Must precede SQLite's initialization; later calls are no-ops.
  static const int kConfigured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kConfigured;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::Error("io", "cannot open database " + path + ": " + msg);
  }
  Db d;
  d.db_ = db;
  sqlite3_busy_timeout(db, 10000);
  try {
    d.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
           "PRAGMA cache_size=-16000;");
  } catch (const SqliteError& e) {
    return Status::Error("io", "cannot use database " + path + ": " + e.what());
  }
  *out = std::move(d);
  return Status::OK();
}

void Db::Exec(std::string_view sql) {
  char* err = nullptr;
  const std::string s(sql);
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw SqliteError("exec: " + msg);
  }
}

int64_t Db::DataVersion() {
  Stmt s(db_, "PRAGMA data_version");
  s.Step();
  return s.Int(0);
}

Transaction::Transaction(Db* db) : db_(db) { db_->Exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) {
    try {
      db_->Exec("ROLLBACK");
    } catch (const SqliteError&) {
      // Nothing to roll back (the failed statement already ended the transaction).
    }
  }
}
void Transaction::Commit() {
  db_->Exec("COMMIT");
  done_ = true;
}

}  // namespace swarmcrawl
