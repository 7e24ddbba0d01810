// Thin RAII layer over SQLite for the coordinator store and the worker spool.
//
// Db owns one connection opened in WAL mode with synchronous=NORMAL (a process
// crash, including kill -9, loses no committed transaction; only an OS crash or
// power loss may lose the last few) and a busy timeout, so a CLI command and a
// running coordinator can share one file. Stmt owns a prepared statement.
// Inside this layer failures throw SqliteError; the modules built on it catch
// it at their public boundary and return a Status, so no exception crosses a
// module boundary.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/status.h"

namespace swarmcrawl {

class SqliteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binding is 1-based, like SQLite. Returns *this for chaining.
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v);  // copied (SQLITE_TRANSIENT)
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& BindBlob(int i, std::string_view v);  // copied, stored as a BLOB
  Stmt& BindNull(int i);

  bool Step();   // true: a row is available; false: done. Throws on error.
  void Run();    // Step() to completion, then Reset().
  void Reset();  // reset and clear bindings

  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  std::string_view TextView(int col) const;  // valid until the next Step/Reset
  std::string_view BlobView(int col) const;  // valid until the next Step/Reset
  bool IsNull(int col) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  Db() = default;
  ~Db();
  Db(Db&& o) noexcept : db_(o.db_), cache_(std::move(o.cache_)) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  static Status Open(const std::string& path, Db* out);

  sqlite3* handle() const { return db_; }
  void Exec(std::string_view sql);  // throws SqliteError
  Stmt Prepare(std::string_view sql) { return Stmt(db_, sql); }
  // A statement prepared once per connection and reused, for hot paths. `sql`
  // must be a string literal (it is the cache key). The caller leaves it reset
  // (Run() does that).
  Stmt& Cached(const char* sql);
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  // Changes whenever another connection commits to the file (PRAGMA data_version).
  int64_t DataVersion();

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, std::unique_ptr<Stmt>> cache_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() ran.
class Transaction {
 public:
  explicit Transaction(Db* db);
  ~Transaction();
  void Commit();

 private:
  Db* db_;
  bool done_ = false;
};

}  // namespace swarmcrawl
