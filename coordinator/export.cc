#include "coordinator/export.h"

#include <algorithm>
#include <ctime>

#include "coordinator/warc_writer.h"
#include "core/compress.h"
#include "core/protocol.h"
#include "core/url.h"
#include "parsers/structured_records.h"

namespace swarmcrawl {

namespace {

using json = nlohmann::json;

json NullIfEmpty(std::string_view s) { return s.empty() ? json(nullptr) : json(std::string(s)); }

json ParseObject(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

json ExtrasPart(const json& extras, const char* key) {
  auto it = extras.find(key);
  return it != extras.end() && it->is_object() ? *it : json::object();
}

// The filter's shared WHERE clause over records r; parameters ?1..?6.
constexpr const char* kRecordFilter =
    " r.crawl_id=?1 AND r.id>?2 AND (?3=0 OR r.fetched_at>=?3) AND (?4=0 OR r.fetched_at<?4) "
    "AND r.quality_score>=?5 AND (?6=0 OR r.duplicate_of IS NULL) AND r.withdrawn IS NULL ";

void BindFilter(Stmt& s, int64_t crawl_id, const ExportFilter& f) {
  s.Bind(1, crawl_id).Bind(2, f.after_id).Bind(3, f.since_ms).Bind(4, f.until_ms);
  s.Bind(5, f.min_quality).Bind(6, static_cast<int64_t>(f.drop_duplicates ? 1 : 0));
}

bool LanguageMatches(const ExportFilter& f, std::string_view code) {
  return f.languages.empty() ||
         std::find(f.languages.begin(), f.languages.end(), code) != f.languages.end();
}

Status ForEachWebPage(Store* store, const CrawlInfo& crawl, const ExportFilter& f,
                      const std::function<bool(const json&, int64_t)>& fn) {
  Stmt s = store->db()->Prepare(std::string(R"sql(
      SELECT r.id, r.url, r.final_url, r.status, r.fetched_at, r.content_type, r.title, r.text,
             r.lang, r.canonical, r.outlinks, r.depth, r.body_bytes, r.body_sha256,
             r.text_sha256, r.contributor, r.lease_id, r.markdown, r.extras, r.language,
             r.quality_score, r.norm_sha256, r.duplicate_of, r.duplicate_kind, r.similarity
      FROM records r WHERE)sql") + kRecordFilter + "ORDER BY r.id");
  BindFilter(s, crawl.id, f);
  int64_t n = 0;
  while (s.Step()) {
    if (!LanguageMatches(f, s.TextView(19))) continue;
    const json extras = ParseObject(s.TextView(18));
    json outlinks = json::parse(s.TextView(10), nullptr, false);
    if (!outlinks.is_array()) outlinks = json::array();
    json rec = {
        {"schema", "web_page.v1"},
        {"id", s.Int(0)},
        {"crawl", crawl.name},
        {"url", s.Text(1)},
        {"final_url", s.Text(2)},
        {"status", s.Int(3)},
        {"fetched_at", s.Int(4)},
        {"content_type", s.Text(5)},
        {"title", s.Text(6)},
        {"text", s.Text(7)},
        {"markdown", s.Text(17)},
        {"lang", NullIfEmpty(s.TextView(8))},
        {"canonical_url", NullIfEmpty(s.TextView(9))},
        {"outlinks", std::move(outlinks)},
        {"depth", s.Int(11)},
        {"body_bytes", s.Int(12)},
        {"body_sha256", s.Text(13)},
        {"text_sha256", s.Text(14)},
        {"contributor", s.Text(15)},
        {"lease_id", s.Int(16)},
        {"metadata", ExtrasPart(extras, "metadata")},
        {"language", ExtrasPart(extras, "language")},
        {"quality", ExtrasPart(extras, "quality")},
        {"encoding", ExtrasPart(extras, "encoding")},
        {"limits", ExtrasPart(extras, "limits")},
        {"dedup",
         {{"norm_sha256", s.IsNull(21) ? json(nullptr) : json(s.Text(21))},
          {"duplicate_of", s.IsNull(22) ? json(nullptr) : json(s.Int(22))},
          {"kind", s.IsNull(23) ? json(nullptr) : json(s.Text(23))},
          {"similarity", s.IsNull(24) ? json(nullptr) : json(s.Double(24))}}},
    };
    if (!fn(rec, s.Int(0))) break;
    if (f.limit > 0 && ++n >= f.limit) break;
  }
  return Status::OK();
}

Status ForEachStructured(Store* store, const CrawlInfo& crawl, const ExportFilter& f,
                         const std::function<bool(const json&, int64_t)>& fn) {
  // Structured records are filtered through the page record they came from;
  // a feed item has none, so only the time range and cursor apply to it.
  Stmt s = store->db()->Prepare(R"sql(
      SELECT s.id, s.record_id, s.url, s.fetched_at, s.contributor, s.lease_id, s.body,
             COALESCE(r.language, 'und'), COALESCE(r.quality_score, 1), r.duplicate_of
      FROM structured s LEFT JOIN records r ON r.id = s.record_id
      WHERE s.crawl_id=?1 AND s.schema=?7 AND s.id>?2 AND (?3=0 OR s.fetched_at>=?3)
        AND (?4=0 OR s.fetched_at<?4) AND (s.record_id IS NULL OR
             (r.quality_score>=?5 AND (?6=0 OR r.duplicate_of IS NULL) AND r.withdrawn IS NULL))
      ORDER BY s.id)sql");
  BindFilter(s, crawl.id, f);
  s.Bind(7, f.schema);
  int64_t n = 0;
  while (s.Step()) {
    if (!s.IsNull(1) && !LanguageMatches(f, s.TextView(7))) continue;
    json rec = ParseObject(s.TextView(6));
    rec["schema"] = f.schema;
    rec["id"] = s.Int(0);
    rec["crawl"] = crawl.name;
    rec["url"] = s.Text(2);
    rec["fetched_at"] = s.Int(3);
    rec["contributor"] = s.Text(4);
    rec["lease_id"] = s.Int(5);
    rec["page_record"] = s.IsNull(1) ? json(nullptr) : json(s.Int(1));
    rec.erase("parser");
    if (!fn(rec, s.Int(0))) break;
    if (f.limit > 0 && ++n >= f.limit) break;
  }
  return Status::OK();
}

Status Each(Store* store, const ExportFilter& filter,
            const std::function<bool(const json&, int64_t)>& fn) {
  if (Status s = ValidateExportFilter(filter); !s.ok()) return s;
  CrawlInfo crawl;
  if (Status s = store->FindCrawl(filter.crawl, &crawl); !s.ok()) return s;
  try {
    if (filter.schema == "web_page.v1") return ForEachWebPage(store, crawl, filter, fn);
    return ForEachStructured(store, crawl, filter, fn);
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
}

// The request as the worker sent it, rebuilt from what the protocol fixes:
// method, target, Host and User-Agent (workers send nothing else that
// varies, apart from conditional-GET validators).
std::string RequestHead(const std::string& url, const std::string& user_agent) {
  UrlParts parts;
  std::string target = "/", host;
  if (SplitUrl(url, &parts).ok()) {
    host = parts.authority;
    if (!parts.path_query.empty()) target = parts.path_query;
  }
  return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + user_agent +
         "\r\nAccept: */*\r\nAccept-Encoding: deflate, gzip, br, zstd\r\n\r\n";
}

Status WriteWarc(Store* store, const ExportFilter& filter, OutputFile* out, ExportStats* stats) {
  CrawlInfo crawl;
  if (Status s = store->FindCrawl(filter.crawl, &crawl); !s.ok()) return s;
  const bool gzip = out->path().size() > 3 && out->path().substr(out->path().size() - 3) == ".gz";
  WarcWriter warc(out, gzip);
  json info = {{"software", "swarmcrawl/0.1"},
               {"format", "WARC File Format 1.1"},
               {"conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"},
               {"isPartOf", crawl.name},
               {"robots", "classic"},
               {"http-header-user-agent", crawl.spec.user_agent}};
  if (Status s = warc.WriteWarcinfo(info); !s.ok()) return s;
  Stmt capture = store->db()->Prepare(
      "SELECT ip, http_head, body_gzip FROM captures WHERE record_id=?");
  Status failed = Status::OK();
  Status s = Each(store, filter, [&](const json& rec, int64_t id) {
    capture.Bind(1, id);
    if (!capture.Step()) {
      capture.Reset();
      ++stats->without_capture;
      return true;
    }
    WarcCapture c;
    c.url = rec["final_url"].get<std::string>();
    c.ip = capture.Text(0);
    c.response_head = capture.Text(1);
    DecompressResult body = Gunzip(capture.BlobView(2), kMaxStoredBodyBytes * 8);
    capture.Reset();
    if (!body.ok || body.truncated) {
      ++stats->without_capture;
      return true;
    }
    c.body = std::move(body.data);
    c.request_head = RequestHead(c.url, crawl.spec.user_agent);
    c.fetched_at_ms = rec["fetched_at"].get<int64_t>();
    c.metadata = {{"record-id", rec["id"]},
                  {"crawl", crawl.name},
                  {"contributor", rec["contributor"]},
                  {"lease-id", rec["lease_id"]},
                  {"language", rec["language"].value("code", "und")},
                  {"quality-score", rec["quality"].value("quality_score", 0.0)},
                  {"text-sha256", rec["text_sha256"]}};
    if (!rec["dedup"]["duplicate_of"].is_null()) c.metadata["duplicate-of"] = rec["dedup"]["duplicate_of"];
    if (Status w = warc.WriteCapture(c); !w.ok()) {
      // A capture the writer refuses (it validates before writing anything)
      // is skipped; a failing sink ends the export.
      if (w.code() != "bad_capture") {
        failed = w;
        return false;
      }
      ++stats->without_capture;
      return true;
    }
    ++stats->records;
    stats->last_id = id;
    return true;
  });
  if (!s.ok()) return s;
  return failed;
}

}  // namespace

bool ParseTimeBound(const std::string& v, int64_t* ms) {
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos && v.size() < 19) {
    *ms = std::stoll(v);
    return true;
  }
  std::tm tm{};
  const char* end = strptime(v.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) end = strptime(v.c_str(), "%Y-%m-%d", &tm);
  if (end == nullptr || (*end != '\0' && std::string(end) != "Z")) return false;
  *ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  return true;
}

Status ValidateExportFilter(const ExportFilter& f) {
  if (f.crawl.empty()) return Status::Error("bad_filter", "crawl: required");
  if (f.min_quality < 0 || f.min_quality > 1) {
    return Status::Error("bad_filter", "min_quality: expected a number between 0 and 1");
  }
  if (f.since_ms < 0 || f.until_ms < 0 || (f.until_ms != 0 && f.until_ms <= f.since_ms)) {
    return Status::Error("bad_filter", "since/until: expected 0 <= since < until");
  }
  if (f.after_id < 0 || f.limit < 0) {
    return Status::Error("bad_filter", "after_id/limit: expected non-negative integers");
  }
  if (f.schema != "web_page.v1" && !IsStructuredSchema(f.schema)) {
    return Status::Error("bad_filter", "schema: \"" + f.schema.substr(0, 64) +
                                           "\" is not web_page.v1, article.v1, forum_thread.v1, "
                                           "social_post.v1, product.v1, recipe.v1, feed_item.v1 "
                                           "or scholarly_article.v1");
  }
  for (const auto& l : f.languages) {
    if (l.empty() || l.size() > 16) return Status::Error("bad_filter", "language: bad code \"" + l.substr(0, 16) + "\"");
  }
  return Status::OK();
}

Status ForEachExportRecord(Store* store, const ExportFilter& filter,
                           const std::function<bool(const json&)>& fn) {
  return Each(store, filter, [&](const json& rec, int64_t) { return fn(rec); });
}

Status ExportRecords(Store* store, const ExportFilter& filter, ExportFormat format,
                     const std::string& out_path, ExportStats* stats) {
  *stats = ExportStats();
  if (Status s = ValidateExportFilter(filter); !s.ok()) return s;
  if (format == ExportFormat::kWarc && filter.schema != "web_page.v1") {
    return Status::Error("bad_filter", "schema: WARC export holds web_page.v1 captures only");
  }
  std::unique_ptr<OutputFile> file;
  // WARC compresses record by record itself; the file is written as is.
  const Compression c = format == ExportFormat::kWarc ? Compression::kNone : Compression::kAuto;
  if (Status s = OutputFile::Open(out_path, c, &file); !s.ok()) return s;
  OutputFile& out = *file;
  Status s = Status::OK();
  if (format == ExportFormat::kWarc) {
    s = WriteWarc(store, filter, &out, stats);
  } else {
    Status w = Status::OK();
    s = Each(store, filter, [&](const json& rec, int64_t id) {
      std::string line = DumpJson(rec);
      line.push_back('\n');
      w = out.Append(line);
      if (!w.ok()) return false;
      ++stats->records;
      stats->last_id = id;
      return true;
    });
    if (s.ok()) s = w;
  }
  if (!s.ok()) return s;  // destroying an unclosed OutputFile discards PATH.part
  return out.Close();
}

}  // namespace swarmcrawl
