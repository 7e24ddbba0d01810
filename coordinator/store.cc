#include "coordinator/store.h"

#include "core/crypto.h"

namespace swarmcrawl {

using nlohmann::json;

namespace {

constexpr int kSchemaVersion = 7;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS crawls(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  spec TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('running','paused','cancelled','done')),
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  admitted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS hosts(
  id INTEGER PRIMARY KEY,
  crawl_id INTEGER NOT NULL REFERENCES crawls(id),
  host TEXT NOT NULL,
  queued INTEGER NOT NULL DEFAULT 0,
  next_fetch_at INTEGER NOT NULL DEFAULT 0,
  lease_id INTEGER,
  delay_ms INTEGER NOT NULL,
  base_delay_ms INTEGER NOT NULL,
  response_ms INTEGER NOT NULL DEFAULT 0,
  ip TEXT,
  robots_state TEXT NOT NULL DEFAULT 'unknown' CHECK(robots_state IN ('unknown','ready')),
  robots_status INTEGER,
  robots_txt TEXT,
  robots_fetched_at INTEGER,
  robots_expires_at INTEGER,
  robots_failures INTEGER NOT NULL DEFAULT 0,
  robots_unavailable_since INTEGER,
  robots_error TEXT,
  tdmrep_status INTEGER,
  tdmrep TEXT,
  consecutive_errors INTEGER NOT NULL DEFAULT 0,
  backoff_until INTEGER NOT NULL DEFAULT 0,
  UNIQUE(crawl_id, host));
CREATE INDEX IF NOT EXISTS hosts_ready ON hosts(crawl_id, next_fetch_at)
  WHERE queued > 0 AND lease_id IS NULL;
CREATE INDEX IF NOT EXISTS hosts_lease ON hosts(lease_id) WHERE lease_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS addresses(
  ip TEXT PRIMARY KEY,
  leases INTEGER NOT NULL DEFAULT 0,
  next_fetch_at INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS frontier(
  id INTEGER PRIMARY KEY,
  crawl_id INTEGER NOT NULL REFERENCES crawls(id),
  host_id INTEGER NOT NULL,
  url_hash INTEGER NOT NULL,
  url TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'page' CHECK(kind IN ('page','sitemap')),
  via TEXT,
  depth INTEGER NOT NULL,
  redirects INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK(state IN ('queued','leased','done','failed','excluded')),
  reason TEXT,
  detail TEXT,
  status INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_id INTEGER,
  discovered_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  visits INTEGER NOT NULL DEFAULT 0,
  etag TEXT,
  last_modified TEXT,
  text_sha256 TEXT,
  interval_ms INTEGER,
  next_visit_at INTEGER,
  verify_id INTEGER,
  avoid TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS frontier_url ON frontier(host_id, url_hash);
CREATE INDEX IF NOT EXISTS frontier_queue ON frontier(host_id, depth, id) WHERE state='queued';
-- By state and reason, newest last: the errors view's recent URLs of a reason
-- are the end of one range.
CREATE INDEX IF NOT EXISTS frontier_reason ON frontier(crawl_id, state, reason, updated_at);
-- Each crawl's frontier rows by state and reason ('' for none), so status
-- never counts millions of rows. Inserts are counted by Frontier (its merge
-- knows what it inserted); changes and deletions by these triggers.
CREATE TABLE IF NOT EXISTS frontier_counts(
  crawl_id INTEGER NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY(crawl_id, state, reason)) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS frontier_count_update AFTER UPDATE OF state, reason ON frontier
  WHEN OLD.state IS NOT NEW.state OR OLD.reason IS NOT NEW.reason BEGIN
  INSERT INTO frontier_counts VALUES(NEW.crawl_id, NEW.state, COALESCE(NEW.reason, ''), 1)
    ON CONFLICT DO UPDATE SET n=n+1;
  UPDATE frontier_counts SET n=n-1
    WHERE crawl_id=OLD.crawl_id AND state=OLD.state AND reason=COALESCE(OLD.reason, '');
END;
CREATE TRIGGER IF NOT EXISTS frontier_count_delete AFTER DELETE ON frontier BEGIN
  UPDATE frontier_counts SET n=n-1
    WHERE crawl_id=OLD.crawl_id AND state=OLD.state AND reason=COALESCE(OLD.reason, '');
END;
CREATE INDEX IF NOT EXISTS frontier_lease ON frontier(lease_id) WHERE lease_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS frontier_revisit ON frontier(next_visit_at)
  WHERE next_visit_at IS NOT NULL AND state='done';
CREATE TABLE IF NOT EXISTS leases(
  id INTEGER PRIMARY KEY,
  crawl_id INTEGER NOT NULL,
  host TEXT NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('page','robots')),
  nonce TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  contributor TEXT NOT NULL,
  tasks INTEGER NOT NULL,
  pending INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ip TEXT,
  state TEXT NOT NULL CHECK(state IN ('active','done','expired','cancelled')));
CREATE INDEX IF NOT EXISTS leases_active ON leases(state, expires_at);
CREATE TABLE IF NOT EXISTS records(
  id INTEGER PRIMARY KEY,
  crawl_id INTEGER NOT NULL,
  frontier_id INTEGER NOT NULL,
  visit INTEGER NOT NULL DEFAULT 1,
  url TEXT NOT NULL,
  final_url TEXT NOT NULL,
  status INTEGER NOT NULL,
  fetched_at INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  lang TEXT NOT NULL,
  canonical TEXT NOT NULL,
  outlinks TEXT NOT NULL,
  depth INTEGER NOT NULL,
  body_bytes INTEGER NOT NULL,
  body_sha256 TEXT NOT NULL,
  text_sha256 TEXT NOT NULL,
  contributor TEXT NOT NULL,
  lease_id INTEGER NOT NULL,
  batch_id TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  markdown TEXT NOT NULL DEFAULT '',
  extras TEXT NOT NULL DEFAULT '{}',
  language TEXT NOT NULL DEFAULT 'und',
  quality_score REAL NOT NULL DEFAULT 0,
  norm_sha256 TEXT,
  duplicate_of INTEGER,
  duplicate_kind TEXT CHECK(duplicate_kind IN ('exact','near')),
  similarity REAL,
  withdrawn TEXT,
  UNIQUE(frontier_id, visit));
CREATE INDEX IF NOT EXISTS records_crawl ON records(crawl_id, id);
-- Full-text search over titles and main text (the HTTP API's /search).
-- Ingest indexes each batch's new records with one statement (Ingest::
-- ApplyLocked); triggers keep the index in step with deletes and edits.
CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts5(
  title, text, content='records', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
DROP TRIGGER IF EXISTS records_fts_insert;
CREATE TRIGGER IF NOT EXISTS records_fts_delete AFTER DELETE ON records BEGIN
  INSERT INTO records_fts(records_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER IF NOT EXISTS records_fts_update AFTER UPDATE OF title, text ON records BEGIN
  INSERT INTO records_fts(records_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
  INSERT INTO records_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TABLE IF NOT EXISTS captures(
  record_id INTEGER PRIMARY KEY,
  ip TEXT NOT NULL,
  http_head TEXT NOT NULL,
  body_gzip BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS structured(
  id INTEGER PRIMARY KEY,
  crawl_id INTEGER NOT NULL,
  record_id INTEGER,
  schema TEXT NOT NULL,
  url TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  contributor TEXT NOT NULL,
  lease_id INTEGER NOT NULL,
  body TEXT NOT NULL,
  item_key TEXT NOT NULL,
  UNIQUE(crawl_id, item_key));
CREATE INDEX IF NOT EXISTS structured_crawl ON structured(crawl_id, schema, id);
CREATE TABLE IF NOT EXISTS dedup_exact(
  crawl_id INTEGER NOT NULL,
  norm_sha256 TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  PRIMARY KEY(crawl_id, norm_sha256)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_bands(
  crawl_id INTEGER NOT NULL,
  band_key TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  PRIMARY KEY(crawl_id, band_key, record_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_signatures(
  record_id INTEGER PRIMARY KEY,
  signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS contributors(
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS batches(
  contributor TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  lease_id INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  entries INTEGER NOT NULL,
  stored INTEGER NOT NULL,
  credited_pages INTEGER NOT NULL,
  PRIMARY KEY(contributor, batch_id));
CREATE TABLE IF NOT EXISTS rejections(
  id INTEGER PRIMARY KEY,
  contributor TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  lease_id INTEGER,
  received_at INTEGER NOT NULL,
  reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credits(
  id INTEGER PRIMARY KEY,
  contributor TEXT NOT NULL,
  crawl_id INTEGER NOT NULL,
  lease_id INTEGER NOT NULL,
  batch_id TEXT NOT NULL,
  pages INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS credits_contributor ON credits(contributor);
-- Credit items, re-fetch checks and trust (coordinator/credit.h).
CREATE TABLE IF NOT EXISTS credit_items(
  id INTEGER PRIMARY KEY,
  contributor TEXT NOT NULL,
  crawl_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('page','duplicate','verify')),
  frontier_id INTEGER NOT NULL,
  record_id INTEGER,
  url TEXT NOT NULL,
  text_sha256 TEXT NOT NULL,
  simhash INTEGER NOT NULL,
  units INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('pending','accepted','rejected')),
  reason TEXT,
  check_id INTEGER,
  created_at INTEGER NOT NULL,
  settle_after INTEGER NOT NULL,
  settled_at INTEGER,
  ledger_seq INTEGER);
CREATE INDEX IF NOT EXISTS credit_due ON credit_items(settle_after) WHERE state='pending';
CREATE INDEX IF NOT EXISTS credit_by_contributor ON credit_items(contributor, state);
CREATE INDEX IF NOT EXISTS credit_by_check ON credit_items(check_id) WHERE check_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS checks(
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL,
  crawl_id INTEGER NOT NULL,
  host_id INTEGER NOT NULL,
  url TEXT NOT NULL,
  round INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('open','agreed','decided','inconclusive','unanswered','expired')),
  verdict TEXT,
  frontier_id INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  opened_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS checks_open ON checks(deadline) WHERE state='open';
CREATE TABLE IF NOT EXISTS trust(
  contributor TEXT PRIMARY KEY,
  agreements INTEGER NOT NULL DEFAULT 0,
  disagreements INTEGER NOT NULL DEFAULT 0,
  streak INTEGER NOT NULL DEFAULT 0,
  penalties INTEGER NOT NULL DEFAULT 0,
  reputation REAL NOT NULL DEFAULT 0.5,
  day INTEGER NOT NULL DEFAULT 0,
  day_pages INTEGER NOT NULL DEFAULT 0);
)sql";

// Newly admitted URLs wait in the intake tables (append-only, no index) until
// Frontier merges one into frontier in host order, so the host-keyed indexes
// are written in sorted runs rather than at random (an LSM-style intake,
// docs/architecture.md). Hosts are spread over kIntakeParts tables so that a
// merge touches only its part's share of the index leaves; the view
// frontier_intake shows them all to readers.
std::string IntakeSchema() {
  std::string sql;
  std::string view = "CREATE VIEW IF NOT EXISTS frontier_intake AS ";
  for (int part = 0; part < kIntakeParts; ++part) {
    const std::string table = IntakeTable(part);
    sql += "CREATE TABLE IF NOT EXISTS " + table +
           "(id INTEGER PRIMARY KEY, crawl_id INTEGER NOT NULL, host_id INTEGER NOT NULL, "
           "url_hash INTEGER NOT NULL, url TEXT NOT NULL, kind TEXT NOT NULL, depth INTEGER NOT NULL, "
           "redirects INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT, detail TEXT, "
           "discovered_at INTEGER NOT NULL, via TEXT);\n";
    view += (part > 0 ? " UNION ALL " : "") + std::string("SELECT * FROM ") + table;
  }
  return sql + view + ";\n";
}

}  // namespace

CrawlInfo ReadCrawlRow(Stmt& s) {
  CrawlInfo c;
  c.id = s.Int(0);
  c.name = s.Text(1);
  c.state = s.Text(2);
  // Specs are validated before they are stored, so re-parsing cannot fail on
  // our own rows; a hand-edited row falls back to defaults plus the name.
  if (!ParseCrawlSpec(s.TextView(3), &c.spec).ok()) c.spec.name = c.name;
  c.created_at = s.Int(4);
  c.finished_at = s.IsNull(5) ? 0 : s.Int(5);
  return c;
}

Status Store::Open(const std::string& path, Store* out) {
  Store st;
  if (Status s = Db::Open(path, &st.db_); !s.ok()) return s;
  try {
    // A result batch dirties about one page per new frontier row (rows of
    // random hosts: their index leaves and queued counters). With SQLite's
    // default of a checkpoint per 1,000 WAL pages (4 MB), nearly every batch
    // paid for a checkpoint and its fsyncs; 16,000 pages (64 MB) lets a hot
    // page reach the database file once per checkpoint rather than once per
    // batch (docs/benchmarks.md, "Frontier at scale").
    st.db_.Exec("PRAGMA wal_autocheckpoint=16000");
    st.Migrate();
  } catch (const SqliteError& e) {
    return Status::Error("io", "cannot initialize the coordinator database " + path + ": " +
                                   e.what());
  }
  *out = std::move(st);
  return Status::OK();
}

void Store::Migrate() {
  Transaction tx(&db_);
  db_.Exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  Stmt get = db_.Prepare("SELECT value FROM meta WHERE key='schema_version'");
  bool rebuild_search = false, count_frontier = false;
  if (get.Step()) {
    const int v = std::stoi(get.Text(0));
    get.Reset();
    if (v > kSchemaVersion) {
      throw SqliteError("database schema version " + std::to_string(v) +
                        " is newer than this swarmcrawl supports (" +
                        std::to_string(kSchemaVersion) + "); upgrade swarmcrawl");
    }
    if (v >= 3 && v <= 6) {
      if (v == 3) {
        // Version 4 adds verification rows and withdrawn records.
        db_.Exec("ALTER TABLE frontier ADD COLUMN verify_id INTEGER");
        db_.Exec("ALTER TABLE frontier ADD COLUMN avoid TEXT");
        db_.Exec("ALTER TABLE records ADD COLUMN withdrawn TEXT");
      }
      if (v <= 4) {
        // Version 5: robots.txt outages are timed (and the frontier intake,
        // created below with every table).
        db_.Exec("ALTER TABLE hosts ADD COLUMN robots_unavailable_since INTEGER");
        db_.Exec("ALTER TABLE hosts ADD COLUMN robots_error TEXT");
      }
      // Version 6: full-text search (created below), filled from the records.
      rebuild_search = v <= 5;
      // Version 7: the intake is split over parts (the old table is part 0);
      // frontier counts by state and reason are kept in a table.
      Stmt intake = db_.Prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='frontier_intake'");
      const bool had_intake = intake.Step();
      intake.Reset();
      if (had_intake) db_.Exec("ALTER TABLE frontier_intake RENAME TO " + IntakeTable(0));
      db_.Exec("DROP INDEX IF EXISTS frontier_state");
      count_frontier = true;
      db_.Prepare("UPDATE meta SET value=? WHERE key='schema_version'")
          .Bind(1, std::to_string(kSchemaVersion))
          .Run();
    } else if (v < kSchemaVersion) {
      // Version 1 predates per-host URL hashing; its frontier cannot be
      // converted in place without rehashing every row.
      throw SqliteError("database schema version " + std::to_string(v) +
                        " is from an older swarmcrawl; export its records with that version "
                        "and start a new database");
    }
  } else {
    get.Reset();
    db_.Prepare("INSERT INTO meta(key, value) VALUES('schema_version', ?)")
        .Bind(1, std::to_string(kSchemaVersion))
        .Run();
  }
  db_.Exec(kSchema);
  db_.Exec(IntakeSchema());
  if (rebuild_search) db_.Exec("INSERT INTO records_fts(records_fts) VALUES ('rebuild')");
  if (count_frontier) {
    db_.Exec("INSERT INTO frontier_counts SELECT crawl_id, state, COALESCE(reason, ''), COUNT(*) "
             "FROM frontier GROUP BY crawl_id, state, COALESCE(reason, '')");
  }
  tx.Commit();
}

Status Store::InsertCrawl(const CrawlSpec& spec, int64_t now_ms, int64_t* crawl_id) {
  try {
    Stmt find = db_.Prepare("SELECT 1 FROM crawls WHERE name=?");
    find.Bind(1, spec.name);
    if (find.Step()) {
      return Status::Error("exists", "a crawl named '" + spec.name +
                                         "' already exists; choose another name");
    }
    find.Reset();
    db_.Prepare("INSERT INTO crawls(name, spec, state, created_at) VALUES(?,?, 'running', ?)")
        .Bind(1, spec.name)
        .Bind(2, CrawlSpecToJson(spec).dump())
        .Bind(3, now_ms)
        .Run();
    *crawl_id = db_.LastInsertId();
    return Status::OK();
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
}

Status Store::ListCrawls(std::vector<CrawlInfo>* out) {
  try {
    Stmt s = db_.Prepare(
        "SELECT id, name, state, spec, created_at, finished_at FROM crawls ORDER BY id");
    while (s.Step()) out->push_back(ReadCrawlRow(s));
    return Status::OK();
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
}

Status Store::FindCrawl(const std::string& name, CrawlInfo* out) {
  try {
    Stmt s = db_.Prepare(
        "SELECT id, name, state, spec, created_at, finished_at FROM crawls WHERE name=?");
    s.Bind(1, name);
    if (!s.Step()) {
      return Status::Error("not_found", "no crawl named '" + name +
                                            "' (list crawls with: swarmcrawl crawl list)");
    }
    *out = ReadCrawlRow(s);
    return Status::OK();
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
}

Status Store::SetCrawlState(const std::string& name, const std::string& state, int64_t now_ms) {
  CrawlInfo c;
  if (Status s = FindCrawl(name, &c); !s.ok()) return s;
  const std::string& from = c.state;
  const bool allowed = (from == "running" && (state == "paused" || state == "cancelled" ||
                                              state == "done")) ||
                       (from == "paused" && (state == "running" || state == "cancelled")) ||
                       // A withdrawn page reopens a finished crawl (Frontier::Refetch).
                       (from == "done" && state == "running");
  if (!allowed) {
    return Status::Error("bad_state", "crawl '" + name + "' is " + from + "; it cannot become " +
                                          state);
  }
  try {
    Stmt s = db_.Prepare("UPDATE crawls SET state=?, finished_at=? WHERE id=?");
    s.Bind(1, state);
    if (state == "cancelled" || state == "done") {
      s.Bind(2, now_ms);
    } else {
      s.BindNull(2);
    }
    s.Bind(3, c.id).Run();
    return Status::OK();
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
}

Status Store::GetStatus(const std::string& name, CrawlStatus* out) {
  if (Status s = FindCrawl(name, &out->info); !s.ok()) return s;
  try {
    const int64_t id = out->info.id;
    Stmt s = db_.Prepare("SELECT state, reason, n FROM frontier_counts WHERE crawl_id=? AND n != 0");
    s.Bind(1, id);
    while (s.Step()) {
      out->by_state[s.Text(0)] += s.Int(2);
      if (!s.Text(1).empty()) out->by_reason[s.Text(0) + "/" + s.Text(1)] += s.Int(2);
    }
    // Admitted URLs still waiting for the frontier's next sorted merge.
    Stmt in = db_.Prepare(
        "SELECT state, COALESCE(reason,''), COUNT(*) FROM frontier_intake WHERE crawl_id=? "
        "GROUP BY state, reason");
    in.Bind(1, id);
    while (in.Step()) {
      out->by_state[in.Text(0)] += in.Int(2);
      if (!in.Text(1).empty()) out->by_reason[in.Text(0) + "/" + in.Text(1)] += in.Int(2);
    }
    Stmt r = db_.Prepare(
        "SELECT COUNT(*), COALESCE(SUM(body_bytes),0) FROM records WHERE crawl_id=?");
    r.Bind(1, id);
    r.Step();
    out->records = r.Int(0);
    out->bytes = r.Int(1);
    Stmt l = db_.Prepare("SELECT COUNT(*) FROM leases WHERE crawl_id=? AND state='active'");
    l.Bind(1, id);
    l.Step();
    out->active_leases = l.Int(0);
    Stmt h = db_.Prepare("SELECT COUNT(*) FROM hosts WHERE crawl_id=?");
    h.Bind(1, id);
    h.Step();
    out->hosts = h.Int(0);
    return Status::OK();
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
}

Status Store::Credits(std::vector<CreditRow>* out, const std::string& crawl_name) {
  try {
    int64_t crawl_id = 0;
    if (!crawl_name.empty()) {
      CrawlInfo c;
      if (Status s = FindCrawl(crawl_name, &c); !s.ok()) return s;
      crawl_id = c.id;
    }
    Stmt s = db_.Prepare(R"sql(
      SELECT k.key, k.fingerprint, k.name,
        COALESCE((SELECT SUM(pages) FROM credits c WHERE c.contributor=k.key AND (?1=0 OR c.crawl_id=?1)),0),
        COALESCE((SELECT SUM(bytes) FROM credits c WHERE c.contributor=k.key AND (?1=0 OR c.crawl_id=?1)),0),
        (SELECT COUNT(*) FROM batches b WHERE b.contributor=k.key),
        (SELECT COUNT(*) FROM rejections r WHERE r.contributor=k.key),
        COALESCE((SELECT SUM(units) FROM credit_items i WHERE i.contributor=k.key AND i.state='accepted' AND (?1=0 OR i.crawl_id=?1)),0),
        COALESCE((SELECT SUM(units) FROM credit_items i WHERE i.contributor=k.key AND i.state='pending' AND (?1=0 OR i.crawl_id=?1)),0),
        (SELECT COUNT(*) FROM credit_items i WHERE i.contributor=k.key AND i.state='rejected' AND (?1=0 OR i.crawl_id=?1)),
        COALESCE(t.agreements,0), COALESCE(t.disagreements,0), COALESCE(t.streak,0),
        COALESCE(t.penalties,0), COALESCE(t.reputation,0.5)
      FROM contributors k LEFT JOIN trust t ON t.contributor=k.key ORDER BY 8 DESC, 4 DESC, k.key)sql");
    s.Bind(1, crawl_id);
    while (s.Step()) {
      CreditRow row;
      row.contributor = s.Text(0);
      row.fingerprint = s.Text(1);
      row.name = s.Text(2);
      row.pages = s.Int(3);
      row.bytes = s.Int(4);
      row.batches = s.Int(5);
      row.rejected_batches = s.Int(6);
      row.credit_accepted = s.Int(7);
      row.credit_pending = s.Int(8);
      row.items_rejected = s.Int(9);
      row.agreements = s.Int(10);
      row.disagreements = s.Int(11);
      row.streak = s.Int(12);
      row.penalties = s.Int(13);
      row.reputation = s.Double(14);
      out->push_back(std::move(row));
    }
    return Status::OK();
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
}

}  // namespace swarmcrawl
