#include "coordinator/ingest.h"

#include "core/strings.h"

#include "core/compress.h"
#include "core/crypto.h"
#include "core/json_schema.h"
#include "parsers/structured_records.h"

#include <algorithm>
#include <cmath>

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


std::string LanguageCode(const json& extras) {
  auto lang = extras.find("language");
  if (lang == extras.end() || !lang->is_object()) return "und";
  auto code = lang->find("code");
  if (code == lang->end() || !code->is_string() || code->get_ref<const std::string&>().empty() ||
      code->get_ref<const std::string&>().size() > 16) {
    return "und";
  }
  return code->get<std::string>();
}

double QualityScore(const json& extras) {
  auto q = extras.find("quality");
  if (q == extras.end() || !q->is_object()) return 0;
  auto score = q->find("quality_score");
  if (score == q->end() || !score->is_number()) return 0;
  return std::clamp(score->get<double>(), 0.0, 1.0);
}

// A record always carries every part its schema requires; a worker that
// sent none gets the "unknown" value of each.
void FillMissingExtras(json* extras) {
  if (!extras->contains("metadata")) (*extras)["metadata"] = json::object();
  if (!extras->contains("language")) {
    (*extras)["language"] = {{"code", "und"}, {"score", 0}, {"reliable", false},
                             {"declared", ""}, {"source", "none"}};
  }
  if (!extras->contains("quality")) (*extras)["quality"] = {{"quality_score", 0}};
  if (!extras->contains("encoding")) {
    (*extras)["encoding"] = {{"name", "unknown"}, {"source", "default"},
                             {"had_errors", false}, {"truncated", false}};
  }
  if (!extras->contains("limits")) {
    (*extras)["limits"] = {{"truncated", false}, {"reasons", json::array()}};
  }
}

JsonSchema CompileEmbedded(std::string_view name) {
  JsonSchema schema;
  const json doc = json::parse(EmbeddedSchema(name), nullptr, false);
  // The schemas are compiled into the binary and covered by tests; failing
  // here is a build defect, not input.
  if (Status s = JsonSchema::Compile(doc, &schema); !s.ok()) {
    throw std::logic_error("embedded schema " + std::string(name) + ": " + s.message());
  }
  return schema;
}

}  // namespace

RecordSchemas::RecordSchemas() {
  const JsonSchema page = CompileEmbedded("web_page.v1");
  for (const char* part : {"metadata", "language", "quality", "encoding", "limits"}) {
    JsonSchema sub;
    if (page.Property(part, &sub).ok()) extras_.emplace(part, std::move(sub));
  }
  for (const char* name : kStructuredSchemas) structured_.emplace(name, CompileEmbedded(name));
}

std::string RecordSchemas::CheckExtras(const json& extras) const {
  if (!extras.is_object()) return "extras: expected an object";
  for (const auto& [part, schema] : extras_) {
    auto it = extras.find(part);
    if (it == extras.end()) continue;
    if (Status s = schema.Validate(*it); !s.ok()) return part + s.message().substr(1);
  }
  return "";
}

std::string RecordSchemas::CheckStructured(const json& body) const {
  const std::string schema = body.value("schema", "");
  auto it = structured_.find(schema);
  if (it == structured_.end()) return "unknown schema";
  // The envelope is the coordinator's; placeholders stand in for it here.
  json rec = body;
  rec.erase("parser");
  rec["id"] = 1;
  rec["crawl"] = "c";
  rec["url"] = "http://placeholder.invalid/";
  rec["fetched_at"] = 0;
  rec["contributor"] = std::string(64, '0');
  rec["lease_id"] = 1;
  rec["page_record"] = schema == "feed_item.v1" ? json(nullptr) : json(1);
  Status s = it->second.Validate(rec);
  return s.ok() ? "" : s.message();
}

void Ingest::StoreCaptureAndStructured(const ActiveLease& lease, const std::string& contributor,
                                       const ResultEntry& e, const std::string& url,
                                       int64_t record_id) {
  Db* db = store_->db();
  const CrawlInfo* crawl = frontier_->crawl(lease.crawl_id);
  const bool keep = crawl != nullptr && crawl->spec.store_bodies;
  if (record_id != 0 && keep && !e.body_gzip.empty()) {
    // The body must be the one the signed body_sha256 names, or a WARC file
    // would carry content nobody vouched for. body_bytes is the worker's
    // claim, so it is bounded by what a worker may ship before anything is
    // inflated (a gzip bomb stops at the bound).
    const bool plausible = e.body_bytes > 0 &&
                           e.body_bytes <= static_cast<int64_t>(kMaxStoredBodyBytes) * 4 &&
                           !e.http_head.empty() && e.remote_ip.size() <= 45;
    DecompressResult body;
    if (plausible) body = Gunzip(e.body_gzip, static_cast<size_t>(e.body_bytes) + 1);
    if (plausible && body.ok && !body.truncated && Sha256Hex(body.data) == e.body_sha256) {
      db->Cached("INSERT OR REPLACE INTO captures(record_id, ip, http_head, body_gzip) "
                 "VALUES(?,?,?,?)")
          .Bind(1, record_id)
          .Bind(2, e.remote_ip)
          .Bind(3, e.http_head)
          .BindBlob(4, e.body_gzip)
          .Run();
    } else {
      ++stats_.bad_captures;
      log_.Warn("capture of " + url + " is incomplete or does not match its body_sha256; not stored");
    }
  }
  auto it = e.extras.find("structured");
  if (it == e.extras.end() || !it->is_array()) return;
  // A feed's items are keyed by their content, so re-reading the feed adds
  // only new items; a page's records by page record and position.
  Stmt& insert = db->Cached(
      "INSERT OR IGNORE INTO structured(crawl_id, record_id, schema, url, fetched_at, "
      "contributor, lease_id, body, item_key) VALUES(?,?,?,?,?,?,?,?,?)");
  size_t index = 0;
  for (const auto& rec : *it) {
    ++index;
    const auto schema_it = rec.find("schema");
    if (schema_it == rec.end() || !schema_it->is_string()) continue;
    const std::string schema = *schema_it;
    if (!IsStructuredSchema(schema)) continue;
    // Feed items come from feeds, never from pages (their page_record is null).
    if ((schema == "feed_item.v1") != (record_id == 0)) continue;
    if (std::string why = schemas_.CheckStructured(rec); !why.empty()) {
      ++stats_.invalid_structured;
      log_.Warn("structured record of " + url + " dropped: " + why);
      continue;
    }
    insert.Bind(1, lease.crawl_id);
    if (record_id != 0) {
      insert.Bind(2, record_id);
    } else {
      insert.BindNull(2);
    }
    insert.Bind(3, schema).Bind(4, e.final_url.empty() ? url : e.final_url);
    insert.Bind(5, e.fetched_at).Bind(6, contributor).Bind(7, lease.id);
    const std::string body = DumpJson(rec);
    insert.Bind(8, body);
    insert.Bind(9, record_id == 0 ? "f:" + Sha256Hex(body)
                                  : "r" + std::to_string(record_id) + ":" + std::to_string(index));
    insert.Run();
    if (db->Changes() > 0) ++stats_.structured;
  }
}

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
  } catch (const std::exception& e) {  // SqliteError, or bad_alloc on a huge batch
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
  TruncateUtf8(&ack.reason, 1000);  // the ACK decoder takes at most 1024 bytes
  return ack;
}

namespace {

// Reasons under which the fetch worked and the URL is done though no record
// is stored: the page moved, is not a page, opted out, or is unchanged.
bool IsDoneReason(const std::string& reason) {
  return reason.empty() || reason == "redirect" || reason == "not_html" ||
         reason == "noindex" || reason == "noai" || reason == "tdm_reserved" ||
         reason == "not_modified" || reason == "sitemap";
}

// Next revisit interval: Nutch's adaptive schedule (-20% after a change,
// +40% after none), within the policy's bounds.
int64_t NextInterval(const RecrawlPolicy& p, int64_t current, bool first, bool changed) {
  if (first || current <= 0) return p.interval_ms;
  const double next = static_cast<double>(current) * (changed ? 0.8 : 1.4);
  // Rounded, not truncated: 11200 * 1.4 is 15679.999... in binary floating point.
  return std::clamp<int64_t>(std::llround(next), p.min_interval_ms, p.max_interval_ms);
}

}  // namespace

Ingest::PageOutcome Ingest::ApplyPages(const ActiveLease& lease, const CrawlInfo& crawl,
                                       const std::string& contributor, const ResultMsg& batch,
                                       int64_t now) {
  Db* db = store_->db();
  const CrawlSpec& spec = crawl.spec;
  PageOutcome out;
  HostOutcome health;
  Stmt& row = db->Cached(
      "SELECT state, lease_id, depth, redirects, attempts, kind, visits, "
      "COALESCE(text_sha256,''), COALESCE(interval_ms,0), url, COALESCE(via,''), "
      "COALESCE(verify_id,0), COALESCE(reason,'') FROM frontier WHERE id=? AND crawl_id=?");
  // A finished row's next visit is cleared here and set again below only for
  // a page visit (stored or unchanged) or a sitemap: a revisit that ends any
  // other way (redirect, opt-out, failure) must not leave the past due time
  // behind, or RequeueDue would requeue the URL again at once, forever.
  Stmt& finish = db->Cached(
      "UPDATE frontier SET state=?, reason=?, detail=?, status=?, attempts=?, lease_id=NULL, "
      "next_visit_at=NULL, updated_at=? WHERE id=?");
  Stmt& requeue = db->Cached(
      "UPDATE frontier SET state='queued', reason=?, detail=?, status=?, attempts=?, "
      "lease_id=NULL, updated_at=? WHERE id=?");
  Stmt& visit = db->Cached(
      "UPDATE frontier SET visits=?1, etag=IIF(?8, ?2, etag), "
      "last_modified=IIF(?8, ?3, last_modified), text_sha256=COALESCE(?4, text_sha256), "
      "interval_ms=?5, next_visit_at=?6 WHERE id=?7");
  Stmt& refresh = db->Cached(
      "UPDATE records SET fetched_at=? WHERE id=(SELECT MAX(id) FROM records WHERE frontier_id=?)");
  Stmt& insert_record = db->Cached(
      "INSERT OR IGNORE INTO records(crawl_id, frontier_id, visit, url, final_url, status, "
      "fetched_at, content_type, title, text, lang, canonical, outlinks, depth, body_bytes, "
      "body_sha256, text_sha256, contributor, lease_id, batch_id, stored_at, markdown, extras, "
      "language, quality_score, norm_sha256, duplicate_of, duplicate_kind, similarity) "
      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  auto bind_opt = [](Stmt& s, int i, const std::string& v) {
    if (v.empty()) {
      s.BindNull(i);
    } else {
      s.Bind(i, v);
    }
  };
  int64_t requeued = 0;
  for (const auto& e : batch.entries) {
    row.Bind(1, e.task_id).Bind(2, lease.crawl_id);
    if (!row.Step()) {  // cannot happen: every task was checked above
      row.Reset();
      continue;
    }
    const std::string state = row.Text(0);
    const int64_t row_lease = row.IsNull(1) ? 0 : row.Int(1);
    const int64_t depth = row.Int(2), redirects = row.Int(3), attempts = row.Int(4) + 1;
    const bool is_sitemap = row.TextView(5) == "sitemap";
    const int64_t visits = row.Int(6);
    const std::string last_hash = row.Text(7);
    const int64_t interval = row.Int(8);
    const std::string url = row.Text(9);
    const std::string via = row.Text(10);
    const int64_t check_id = row.Int(11);
    // A page whose record was withdrawn (a lost check) is fetched again; the
    // withdrawn copy's links cannot be trusted, so this visit's are admitted.
    const bool refetch = row.TextView(12) == "refetch";
    row.Reset();
    // Accept the work if the URL is still ours, or back in the queue after our
    // lease lapsed and nobody else has been given it (the row keeps the id of
    // the last lease that held it); otherwise it was done or re-leased elsewhere.
    const bool ours = row_lease == lease.id && (state == "leased" || state == "queued");
    if (!ours) continue;
    ++out.finished;
    if (state == "queued") ++requeued;  // it was counted as queued on its host

    std::string reason = e.reason;
    std::string detail = e.detail;
    if (reason == "deferred") {
      // Never attempted: the server asked the worker to back off first.
      requeue.Bind(1, reason).Bind(2, detail).Bind(3, e.status).Bind(4, attempts - 1);
      requeue.Bind(5, now).Bind(6, e.task_id).Run();
      db->Cached("UPDATE hosts SET queued=queued+1 WHERE id=?").Bind(1, lease.host_id).Run();
      continue;
    }
    if (check_id != 0) {
      // A re-fetch for a check: compared with the page, never stored.
      finish.Bind(1, "done").Bind(2, "verification");
      bind_opt(finish, 3, reason);
      finish.Bind(4, e.status).Bind(5, attempts).Bind(6, now).Bind(7, e.task_id).Run();
      if (credit_ != nullptr) {
        VerifyAnswer answer;
        answer.contributor = contributor;
        answer.check_id = check_id;
        answer.frontier_id = e.task_id;
        if (reason.empty() && e.status >= 200 && e.status < 300) {
          answer.outcome = VerifyAnswer::Outcome::kPage;
        } else if (IsRetryable(reason, e.status) || reason == "deferred" || reason == "too_large" ||
                   reason == "blocked_address" || reason == "tls_error") {
          answer.outcome = VerifyAnswer::Outcome::kFailed;
        } else {
          answer.outcome = VerifyAnswer::Outcome::kOther;
          answer.other = reason.empty() ? "http_" + std::to_string(e.status) : reason;
        }
        answer.text = e.text;
        answer.text_sha256 = e.text_sha256;
        credit_->OnVerifyAnswer(answer, spec.credit, now);
      }
      continue;
    }
    if (e.status > 0) {
      health.responses += 1;
      health.response_ms_sum += e.elapsed_ms;
    }
    if (health.ip.empty()) health.ip = e.remote_ip;
    if (e.status == 429 || e.status == 503) {
      health.throttled = true;
      health.retry_after_ms = std::max(health.retry_after_ms, e.retry_after_ms);
    }
    if (reason == "sitemap" && !is_sitemap) reason = "not_html";  // a worker cannot promote a page

    // A page that names another URL as canonical is not stored under its own
    // URL: the canonical one is queued instead (like a redirect), so each
    // resource is stored once however many URLs lead to it.
    std::string canonical_target;
    if (reason.empty() && spec.follow_canonical && !e.canonical.empty()) {
      const std::string target = frontier_->CanonicalFor(lease.crawl_id, e.canonical);
      const std::string self =
          frontier_->CanonicalFor(lease.crawl_id, e.final_url.empty() ? url : e.final_url);
      if (!target.empty() && target != self && target != url &&
          frontier_->Exclusion(lease.crawl_id, target).empty()) {
        reason = "non_canonical";
        detail = target;
        canonical_target = target;
      }
    }
    const bool done = IsDoneReason(reason) || reason == "non_canonical";
    if (done || !IsRetryable(reason, e.status) || attempts >= spec.max_attempts) {
      finish.Bind(1, done ? "done" : "failed");
      bind_opt(finish, 2, reason);
      bind_opt(finish, 3, reason == "redirect" ? e.location : detail);
      finish.Bind(4, e.status).Bind(5, attempts).Bind(6, now).Bind(7, e.task_id).Run();
    } else {
      requeue.Bind(1, reason);
      bind_opt(requeue, 2, detail);
      requeue.Bind(3, e.status).Bind(4, attempts).Bind(5, now).Bind(6, e.task_id).Run();
      db->Cached("UPDATE hosts SET queued=queued+1 WHERE id=?").Bind(1, lease.host_id).Run();
    }
    // Host health: only what says the server is struggling (5xx, 429,
    // timeouts, refused connections) backs it off; a 404 is the page's fault.
    if (done) {
      ++health.successes;
    } else if (IsRetryable(reason, e.status)) {
      ++health.errors;
    }

    if (reason.empty() || reason == "not_modified") {
      // A visit of a page: store a record unless its text is what we have.
      const bool changed = reason.empty() && e.text_sha256 != last_hash;
      if (changed) {
        insert_record.Bind(1, lease.crawl_id).Bind(2, e.task_id).Bind(3, visits + 1).Bind(4, url);
        insert_record.Bind(5, e.final_url.empty() ? url : e.final_url).Bind(6, e.status);
        insert_record.Bind(7, e.fetched_at).Bind(8, e.content_type).Bind(9, e.title);
        insert_record.Bind(10, e.text).Bind(11, e.lang).Bind(12, e.canonical);
        insert_record.Bind(13, DumpJson(json(e.outlinks))).Bind(14, depth);
        insert_record.Bind(15, e.body_bytes).Bind(16, e.body_sha256).Bind(17, e.text_sha256);
        insert_record.Bind(18, contributor).Bind(19, lease.id).Bind(20, batch.batch_id);
        insert_record.Bind(21, now).Bind(22, e.markdown);
        json extras = e.extras.is_object() ? e.extras : json::object();
        extras.erase("structured");  // stored as records of their own
        FillMissingExtras(&extras);
        insert_record.Bind(23, DumpJson(extras));
        insert_record.Bind(24, LanguageCode(extras)).Bind(25, QualityScore(extras));
        const DedupVerdict dup =
            dedup_.Check(lease.crawl_id, e.task_id, e.text, spec.near_duplicate_threshold);
        bind_opt(insert_record, 26, dup.norm_sha256);
        if (dup.duplicate_of != 0) {
          insert_record.Bind(27, dup.duplicate_of).Bind(28, dup.kind).Bind(29, dup.similarity);
        } else {
          insert_record.BindNull(27).BindNull(28).BindNull(29);
        }
        insert_record.Run();
        if (db->Changes() > 0) {
          const int64_t record_id = db->LastInsertId();
          dedup_.Index(lease.crawl_id, record_id, dup);
          if (dup.duplicate_of != 0) ++stats_.duplicates;  // already-stored content earns nothing
          if (credit_ != nullptr) {
            // Duplicates become zero-credit items: they earn nothing, but
            // are checked like any page, so copied text cannot pass as a page.
            StoredPage page;
            page.crawl_id = lease.crawl_id;
            page.host_id = lease.host_id;
            page.frontier_id = e.task_id;
            page.record_id = record_id;
            page.contributor = contributor;
            page.url = url;
            page.text = &e.text;
            page.text_sha256 = e.text_sha256;
            page.body_bytes = e.body_bytes;
            page.duplicate = dup.duplicate_of != 0;
            page.extras = &e.extras;  // what the worker claimed, not the filled-in defaults
            page.simhash = dup.simhash;
            credit_->OnStoredPage(page, spec.credit, now);
          }
          StoreCaptureAndStructured(lease, contributor, e, url, record_id);
          ++out.stored;
          out.bytes += e.body_bytes;
        }
      } else {
        refresh.Bind(1, e.fetched_at > 0 ? e.fetched_at : now).Bind(2, e.task_id).Run();
      }
      const int64_t next = NextInterval(spec.recrawl, interval, visits == 0, changed);
      // A 304 keeps the validators and text hash of the copy we hold.
      visit.Bind(1, visits + 1);
      bind_opt(visit, 2, e.etag);
      bind_opt(visit, 3, e.last_modified);
      bind_opt(visit, 4, reason.empty() ? e.text_sha256 : "");
      if (spec.recrawl.enabled) {
        visit.Bind(5, next).Bind(6, now + next);
      } else {
        visit.BindNull(5).BindNull(6);
      }
      visit.Bind(7, e.task_id).Bind(8, static_cast<int64_t>(reason.empty() ? 1 : 0)).Run();
    }
    if (reason == "sitemap") StoreCaptureAndStructured(lease, contributor, e, url, 0);
    if (reason.empty() || reason == "noindex" || reason == "noai" || reason == "tdm_reserved" ||
        reason == "non_canonical") {
      if (visits == 0 || refetch) frontier_->Admit(lease.crawl_id, e.outlinks, depth + 1);
    }
    if (!canonical_target.empty()) frontier_->Admit(lease.crawl_id, {canonical_target}, depth);
    if (reason == "redirect" && !e.location.empty()) {
      frontier_->Admit(lease.crawl_id, {e.location}, depth, redirects + 1);
    }
    if (reason == "sitemap") {
      // Sitemap entries obey the sitemaps.org location rule: the sitemap's own
      // origin, or the origin whose robots.txt named it.
      int64_t cross = 0;
      frontier_->Admit(lease.crawl_id, e.outlinks, 1, 0, "page", lease.host, &cross, via);
      frontier_->Admit(lease.crawl_id, e.sitemaps, depth + 1, 0, "sitemap", lease.host, &cross, via);
      if (spec.recrawl.enabled) {
        // Sitemaps are re-read on the crawl's base interval: new entries appear there first.
        db->Cached("UPDATE frontier SET interval_ms=?1, next_visit_at=?2 + ?1 WHERE id=?3")
            .Bind(1, spec.recrawl.interval_ms)
            .Bind(2, now)
            .Bind(3, e.task_id)
            .Run();
      }
      if (cross > 0) {
        db->Cached("UPDATE frontier SET detail=COALESCE(detail,'') || ? WHERE id=?")
            .Bind(1, "; " + std::to_string(cross) + " entries on other hosts ignored")
            .Bind(2, e.task_id)
            .Run();
      }
    }
  }
  if (requeued > 0) {
    db->Cached("UPDATE hosts SET queued=MAX(0, queued-?) WHERE id=?")
        .Bind(1, requeued)
        .Bind(2, lease.host_id)
        .Run();
  }
  if (health.successes + health.errors > 0 || health.throttled) {
    frontier_->NoteHostOutcome(lease.crawl_id, lease.host_id, health);
  }
  return out;
}

namespace {

// A batch holding only task 2 (/.well-known/tdmrep.json) of a robots lease.
bool LateTdmrepOnly(const ActiveLease& lease, const ResultMsg& batch) {
  if (lease.kind != "robots" || batch.entries.empty()) return false;
  for (const auto& e : batch.entries) {
    if (e.task_id != 2) return false;
  }
  return true;
}

}  // namespace

AckMsg Ingest::ApplyLocked(const std::string& contributor, const ResultMsg& batch) {
  Db* db = store_->db();
  const int64_t now = clock_->NowMs();
  AckMsg ack;
  ack.batch_id = batch.batch_id;

  // Cheap checks that need no write lock come first.
  Stmt dup = db->Prepare(
      "SELECT stored, credited_pages, lease_id FROM batches WHERE contributor=? AND batch_id=?");
  dup.Bind(1, contributor).Bind(2, batch.batch_id);
  bool replayed = false;
  if (dup.Step()) {
    if (dup.Int(2) == batch.lease_id) {
      // The same batch again (its ACK was lost): acknowledged, not credited twice.
      ack.status = "duplicate";
      ack.stored = dup.Int(0);
      ack.credited_pages = dup.Int(1);
      return ack;
    }
    replayed = true;
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
  } else {
    if (replayed) {
      reason = "replay (batch id already used for another lease)";
    } else if (lease->state == "expired") {
      reason = "lease_expired";
    } else if (lease->state == "done" && LateTdmrepOnly(*lease, batch)) {
      // robots.txt settled the robots lease on its own; the holder's later
      // tdmrep.json answer changes nothing and blames no one.
      tx.Commit();
      ack.status = "duplicate";
      ack.reason = "lease already complete";
      return ack;
    } else if (lease->state == "done") {
      reason = "replay (lease already complete)";
    }
  }
  for (size_t i = 0; reason.empty() && i < batch.entries.size(); ++i) {
    const ResultEntry& e = batch.entries[i];
    const std::string& content = lease->kind == "robots" ? e.robots_txt : e.text;
    if (!e.text_sha256.empty() ? Sha256Hex(content) != e.text_sha256 : !content.empty()) {
      reason = "hash_mismatch (entry " + std::to_string(i) + ")";
    }
  }
  for (size_t i = 0; reason.empty() && i < batch.entries.size(); ++i) {
    std::string why = schemas_.CheckExtras(batch.entries[i].extras);
    if (!why.empty()) reason = "bad_content (entry " + std::to_string(i) + "): " + why;
  }
  if (reason.empty() && lease->kind == "page") {
    Stmt& owner = db->Cached("SELECT host_id FROM frontier WHERE id=? AND crawl_id=?");
    for (const auto& e : batch.entries) {
      owner.Bind(1, e.task_id).Bind(2, lease->crawl_id);
      const bool found = owner.Step() && owner.Int(0) == lease->host_id;
      owner.Reset();
      if (!found) {
        reason = "wrong_task (" + std::to_string(e.task_id) + ")";
        break;
      }
    }
  }
  if (!reason.empty()) {
    AckMsg r = Reject(contributor, batch, reason);
    // An expired lease is lateness, not cheating; the rest is misbehaviour.
    if (credit_ != nullptr && reason != "lease_expired") {
      credit_->Penalize(contributor, reason, now);
    }
    tx.Commit();
    return r;
  }

  const CrawlInfo* crawl = frontier_->crawl(lease->crawl_id);
  int64_t stored = 0, bytes = 0, finished = 0;

  if (lease->kind == "robots") {
    // Task 1 is /robots.txt, task 2 /.well-known/tdmrep.json (status -1: not fetched).
    int64_t robots_status = -1, tdm_status = -1, retry_after_ms = 0;
    std::string robots_txt, tdmrep, robots_error;
    HostOutcome where;  // the address robots.txt came from gates the first page lease
    for (const auto& e : batch.entries) {
      int64_t status = e.reason.empty() || e.reason.rfind("http_", 0) == 0 ? e.status : 0;
      // RFC 9309 2.3.1.2: more than five redirects may be taken as "unavailable" (allow all).
      if (e.reason == "too_many_redirects") status = 404;
      if (where.ip.empty()) where.ip = e.remote_ip;
      if (e.task_id == 1) {
        robots_status = status;
        robots_txt = e.robots_txt;
        retry_after_ms = e.retry_after_ms;
        if (status == 0 && !e.reason.empty()) robots_error = e.detail.empty() ? e.reason : e.reason + ": " + e.detail;
      } else if (e.task_id == 2) {
        tdm_status = status;
        tdmrep = e.robots_txt;
      }
    }
    // robots.txt decides the lease: a missing tdmrep.json answer counts as not fetched.
    if (robots_status >= 0) {
      frontier_->NoteHostOutcome(lease->crawl_id, lease->host_id, where);
      frontier_->ApplyRobots(*lease, robots_status, robots_txt, tdm_status, tdmrep, retry_after_ms,
                             robots_error);
      finished = lease->pending;
    }
  } else if (crawl != nullptr) {
    Stmt& last = db->Cached("SELECT COALESCE(MAX(id), 0) FROM records");
    last.Step();
    const int64_t last_before = last.Int(0);
    last.Reset();
    PageOutcome out = ApplyPages(*lease, *crawl, contributor, batch, now);
    if (out.stored > 0) {
      // One full-text index update per batch: FTS5 flushes at the end of each
      // statement, so a per-row trigger wrote a new index segment per record.
      db->Cached("INSERT INTO records_fts(rowid, title, text) SELECT id, title, text FROM records WHERE id > ?")
          .Bind(1, last_before)
          .Run();
    }
    stored = out.stored;
    bytes = out.bytes;
    finished = out.finished;
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
