#include "coordinator/ingest.h"

#include "core/crypto.h"

namespace swarmcrawl {

using nlohmann::json;

namespace {

// Transient failures are retried up to the crawl's max_attempts; the rest are final.
bool IsRetryable(const std::string& reason, int64_t status) {
  if (reason == "timeout" || reason == "dns_error" || reason == "connect_error" ||
      reason == "network_error" || reason == "bad_response") {
    return true;
  }
  return reason.rfind("http_", 0) == 0 && (status >= 500 || status == 429 || status == 408);
}

// Reasons that mean the fetch itself worked (the URL is done, not failed).
bool IsDoneReason(const std::string& reason) {
  return reason.empty() || reason == "redirect" || reason == "not_html" || reason == "noindex";
}

}  // namespace

void Ingest::NoteContributor(const std::string& contributor, const std::string& name) {
  try {
    const int64_t now = clock_->NowMs();
    store_->db()
        ->Prepare("INSERT INTO contributors(key, fingerprint, name, first_seen, last_seen) "
                  "VALUES(?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET last_seen=excluded.last_seen, "
                  "name=CASE WHEN excluded.name<>'' THEN excluded.name ELSE name END")
        .Bind(1, contributor)
        .Bind(2, Fingerprint(contributor))
        .Bind(3, name)
        .Bind(4, now)
        .Bind(5, now)
        .Run();
  } catch (const SqliteError& e) {
    log_.Warn(std::string("cannot record contributor: ") + e.what());
  }
}

AckMsg Ingest::Apply(const std::string& contributor, const ResultMsg& batch) {
  try {
    return ApplyLocked(contributor, batch);
  } catch (const SqliteError& e) {
    log_.Error("ingest of batch " + batch.batch_id + " failed, worker will retry: " + e.what());
    frontier_->Reload();  // the transaction rolled back; so must the caches
    AckMsg ack;
    ack.batch_id = batch.batch_id;
    ack.status = "retry";
    ack.reason = "storage error";
    return ack;
  }
}

AckMsg Ingest::Reject(const std::string& contributor, const ResultMsg& batch,
                      const std::string& reason) {
  // Rejections live in their own table: a forged batch must not be able to
  // occupy a batch id that the real contributor will use later.
  store_->db()
      ->Prepare("INSERT INTO rejections(contributor, batch_id, lease_id, received_at, reason) "
                "VALUES(?,?,?,?,?)")
      .Bind(1, contributor)
      .Bind(2, batch.batch_id)
      .Bind(3, batch.lease_id)
      .Bind(4, clock_->NowMs())
      .Bind(5, reason)
      .Run();
  ++stats_.rejected;
  log_.Warn("rejected batch " + batch.batch_id + " from " + Fingerprint(contributor) + ": " +
            reason);
  AckMsg ack;
  ack.batch_id = batch.batch_id;
  ack.status = "rejected";
  ack.reason = reason;
  return ack;
}

AckMsg Ingest::ApplyLocked(const std::string& contributor, const ResultMsg& batch) {
  Db* db = store_->db();
  const int64_t now = clock_->NowMs();
  AckMsg ack;
  ack.batch_id = batch.batch_id;

  // Cheap checks that need no write lock come first.
  Stmt dup = db->Prepare(
      "SELECT stored, credited_pages FROM batches WHERE contributor=? AND batch_id=?");
  dup.Bind(1, contributor).Bind(2, batch.batch_id);
  if (dup.Step()) {
    ack.status = "duplicate";
    ack.stored = dup.Int(0);
    ack.credited_pages = dup.Int(1);
    return ack;
  }
  dup.Reset();

  Transaction tx(db);
  auto lease = frontier_->GetLease(batch.lease_id);
  std::string reason;
  if (!lease) {
    reason = "unknown_lease";
  } else if (lease->contributor != contributor) {
    reason = "lease_not_yours";
  } else if (!VerifySignature(contributor, ManifestBytes(contributor, batch, lease->nonce),
                              batch.signature)) {
    reason = "bad_signature";
  }
  for (size_t i = 0; reason.empty() && i < batch.entries.size(); ++i) {
    const ResultEntry& e = batch.entries[i];
    const std::string& content = lease->kind == "robots" ? e.robots_txt : e.text;
    if (!e.text_sha256.empty() ? Sha256Hex(content) != e.text_sha256 : !content.empty()) {
      reason = "hash_mismatch (entry " + std::to_string(i) + ")";
    }
  }
  if (reason.empty() && lease->kind == "page") {
    Stmt owner = db->Prepare("SELECT host FROM frontier WHERE id=? AND crawl_id=?");
    for (const auto& e : batch.entries) {
      owner.Bind(1, e.task_id).Bind(2, lease->crawl_id);
      const bool found = owner.Step() && owner.TextView(0) == lease->host;
      owner.Reset();
      if (!found) {
        reason = "wrong_task (" + std::to_string(e.task_id) + ")";
        break;
      }
    }
  }
  if (!reason.empty()) {
    AckMsg r = Reject(contributor, batch, reason);
    tx.Commit();
    return r;
  }

  const CrawlInfo* crawl = frontier_->crawl(lease->crawl_id);
  const int64_t max_attempts = crawl ? crawl->spec.max_attempts : 3;
  int64_t stored = 0, bytes = 0, finished = 0, errors = 0, successes = 0;

  if (lease->kind == "robots") {
    for (const auto& e : batch.entries) {
      if (e.task_id != 1) continue;
      const int64_t status = e.reason.empty() || e.reason.rfind("http_", 0) == 0 ? e.status : 0;
      frontier_->ApplyRobots(lease->crawl_id, lease->host, status, e.robots_txt);
      ++finished;
    }
  } else {
    Stmt row = db->Prepare(
        "SELECT state, lease_id, depth, redirects, attempts, host FROM frontier "
        "WHERE id=? AND crawl_id=?");
    Stmt done = db->Prepare(
        "UPDATE frontier SET state=?, reason=?, status=?, attempts=?, lease_id=NULL, "
        "updated_at=? WHERE id=?");
    Stmt requeue = db->Prepare(
        "UPDATE frontier SET state='queued', reason=?, status=?, attempts=?, lease_id=NULL, "
        "updated_at=? WHERE id=?");
    Stmt insert_record = db->Prepare(
        "INSERT OR IGNORE INTO records(crawl_id, frontier_id, url, final_url, status, fetched_at, "
        "content_type, title, text, lang, canonical, outlinks, depth, body_bytes, body_sha256, "
        "text_sha256, contributor, lease_id, batch_id, stored_at) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    int64_t requeued = 0;
    for (const auto& e : batch.entries) {
      row.Bind(1, e.task_id).Bind(2, lease->crawl_id);
      if (!row.Step()) {  // cannot happen: every task was checked above
        row.Reset();
        continue;
      }
      const std::string state = row.Text(0);
      const int64_t row_lease = row.IsNull(1) ? 0 : row.Int(1);
      const int64_t depth = row.Int(2), redirects = row.Int(3), attempts = row.Int(4) + 1;
      row.Reset();
      // Accept the work if the URL is still ours, or back in the queue after our
      // lease lapsed and nobody else has been given it (the row keeps the id of
      // the last lease that held it); otherwise it was done or re-leased elsewhere.
      const bool ours = row_lease == lease->id && (state == "leased" || state == "queued");
      if (!ours) continue;
      ++finished;
      if (state == "queued") ++requeued;  // it was counted as queued on its host

      if (IsDoneReason(e.reason) || !IsRetryable(e.reason, e.status) || attempts >= max_attempts) {
        const bool ok = IsDoneReason(e.reason);
        done.Bind(1, ok ? "done" : "failed");
        if (e.reason.empty()) {
          done.BindNull(2);
        } else {
          done.Bind(2, e.reason);
        }
        done.Bind(3, e.status).Bind(4, attempts).Bind(5, now).Bind(6, e.task_id).Run();
      } else {
        requeue.Bind(1, e.reason).Bind(2, e.status).Bind(3, attempts).Bind(4, now);
        requeue.Bind(5, e.task_id).Run();
        db->Prepare("UPDATE hosts SET queued=queued+1 WHERE crawl_id=? AND host=?")
            .Bind(1, lease->crawl_id)
            .Bind(2, lease->host)
            .Run();
      }
      if (IsDoneReason(e.reason)) {
        ++successes;
      } else {
        ++errors;
      }

      if (e.reason.empty()) {
        insert_record.Bind(1, lease->crawl_id).Bind(2, e.task_id).Bind(3, e.url);
        insert_record.Bind(4, e.final_url.empty() ? e.url : e.final_url).Bind(5, e.status);
        insert_record.Bind(6, e.fetched_at).Bind(7, e.content_type).Bind(8, e.title);
        insert_record.Bind(9, e.text).Bind(10, e.lang).Bind(11, e.canonical);
        insert_record.Bind(12, DumpJson(json(e.outlinks))).Bind(13, depth);
        insert_record.Bind(14, e.body_bytes).Bind(15, e.body_sha256).Bind(16, e.text_sha256);
        insert_record.Bind(17, contributor).Bind(18, lease->id).Bind(19, batch.batch_id);
        insert_record.Bind(20, now).Run();
        if (db->Changes() > 0) {
          ++stored;
          bytes += e.body_bytes;
        }
        frontier_->Admit(lease->crawl_id, e.outlinks, depth + 1);
      } else if (e.reason == "redirect" && !e.location.empty()) {
        frontier_->Admit(lease->crawl_id, {e.location}, depth, redirects + 1);
      }
    }
    if (requeued > 0) {
      db->Prepare("UPDATE hosts SET queued=MAX(0, queued-?) WHERE crawl_id=? AND host=?")
          .Bind(1, requeued)
          .Bind(2, lease->crawl_id)
          .Bind(3, lease->host)
          .Run();
    }
    if (errors + successes > 0) {
      frontier_->NoteHostOutcome(lease->crawl_id, lease->host, successes == 0);
    }
  }

  if (lease->state == "active") frontier_->FinishTasks(lease->id, finished);
  if (stored > 0) {
    db->Prepare("INSERT INTO credits(contributor, crawl_id, lease_id, batch_id, pages, bytes, at) "
                "VALUES(?,?,?,?,?,?,?)")
        .Bind(1, contributor)
        .Bind(2, lease->crawl_id)
        .Bind(3, lease->id)
        .Bind(4, batch.batch_id)
        .Bind(5, stored)
        .Bind(6, bytes)
        .Bind(7, now)
        .Run();
  }
  db->Prepare("INSERT INTO batches(contributor, batch_id, lease_id, received_at, entries, stored, "
              "credited_pages) VALUES(?,?,?,?,?,?,?)")
      .Bind(1, contributor)
      .Bind(2, batch.batch_id)
      .Bind(3, lease->id)
      .Bind(4, now)
      .Bind(5, static_cast<int64_t>(batch.entries.size()))
      .Bind(6, stored)
      .Bind(7, stored)
      .Run();
  tx.Commit();
  ++stats_.batches;
  stats_.records += stored;
  stats_.entries += static_cast<int64_t>(batch.entries.size());
  ack.status = "accepted";
  ack.stored = stored;
  ack.credited_pages = stored;
  return ack;
}

}  // namespace swarmcrawl
