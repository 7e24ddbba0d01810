#include "worker/spool.h"

#include <chrono>

namespace swarmcrawl {

Status Spool::Open(const std::string& path, const std::string& contributor, Spool* out) {
  Spool s;
  if (Status st = Db::Open(path, &s.db_); !st.ok()) return st;
  try {
    s.db_.Exec(
        "CREATE TABLE IF NOT EXISTS worker_spool("
        "  contributor TEXT NOT NULL, batch_id TEXT NOT NULL, lease_id INTEGER NOT NULL,"
        "  body TEXT NOT NULL, created_at INTEGER NOT NULL,"
        "  PRIMARY KEY(contributor, batch_id))");
  } catch (const SqliteError& e) {
    return Status::Error("io", "cannot create the spool in " + path + ": " + e.what());
  }
  s.contributor_ = contributor;
  *out = std::move(s);
  return Status::OK();
}

Status Spool::Put(const SpooledBatch& batch) {
  try {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    db_.Prepare("INSERT OR REPLACE INTO worker_spool(contributor, batch_id, lease_id, body, "
                "created_at) VALUES(?,?,?,?,?)")
        .Bind(1, contributor_)
        .Bind(2, batch.batch_id)
        .Bind(3, batch.lease_id)
        .Bind(4, batch.body)
        .Bind(5, now)
        .Run();
    return Status::OK();
  } catch (const SqliteError& e) {
    return Status::Error("io", std::string("spool write failed: ") + e.what());
  }
}

Status Spool::Remove(const std::string& batch_id) {
  try {
    db_.Prepare("DELETE FROM worker_spool WHERE contributor=? AND batch_id=?")
        .Bind(1, contributor_)
        .Bind(2, batch_id)
        .Run();
    return Status::OK();
  } catch (const SqliteError& e) {
    return Status::Error("io", std::string("spool delete failed: ") + e.what());
  }
}

Status Spool::LoadAll(std::vector<SpooledBatch>* out) {
  try {
    Stmt s = db_.Prepare(
        "SELECT batch_id, lease_id, body FROM worker_spool WHERE contributor=? ORDER BY created_at");
    s.Bind(1, contributor_);
    while (s.Step()) out->push_back({s.Text(0), s.Int(1), s.Text(2)});
    return Status::OK();
  } catch (const SqliteError& e) {
    return Status::Error("io", std::string("spool read failed: ") + e.what());
  }
}

int64_t Spool::Count() {
  try {
    Stmt s = db_.Prepare("SELECT COUNT(*) FROM worker_spool WHERE contributor=?");
    s.Bind(1, contributor_);
    s.Step();
    return s.Int(0);
  } catch (const SqliteError&) {
    return -1;
  }
}

}  // namespace swarmcrawl
