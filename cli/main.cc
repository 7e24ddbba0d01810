// swarmcrawl: the one binary contributors, coordinators and AI builders run.
// Each subcommand is a thin layer over the library: parse flags, call the
// module, print the result or a one-line error that says what to do.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/cli_util.h"
#include "cli/credit_commands.h"
#include "cli/pull.h"
#include "coordinator/crawl_control.h"
#include "coordinator/export.h"
#include "coordinator/frontier.h"
#include "coordinator/http_api.h"
#include "coordinator/live_status.h"
#include "coordinator/server.h"
#include "coordinator/store.h"
#include "core/compress.h"
#include "core/crypto.h"
#include "core/strings.h"
#include "parsers/html_page.h"
#include "parsers/page_content.h"
#include "parsers/parser_registry.h"
#include "parsers/robots.h"
#include "parsers/sitemap.h"
#include "worker/page_processor.h"
#include "worker/status_server.h"
#include "worker/worker.h"

namespace swarmcrawl {
namespace {

// The only global state: what the signal handler must reach.
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// An RSS or Atom document: its root element is near the start.
bool LooksLikeFeed(std::string_view body) {
  const std::string_view head = body.substr(0, 4096);
  return head.find("<rss") != std::string_view::npos ||
         head.find("<feed") != std::string_view::npos ||
         head.find("<rdf:RDF") != std::string_view::npos;
}

LogLevel Level(bool verbose, bool quiet) {
  return verbose ? LogLevel::kDebug : quiet ? LogLevel::kWarn : LogLevel::kInfo;
}


Status SubmitSpec(Store* store, const std::string& spec_path, std::string* name, bool* existed) {
  std::string text;
  if (!ReadFile(spec_path, &text)) {
    return Status::Error("io", "cannot read crawl spec " + spec_path);
  }
  SystemClock clock;
  if (Status s = SubmitCrawl(store, text, &clock, name, existed); !s.ok()) {
    return Status::Error(s.code(), spec_path + ": " + s.message() + " (nothing was submitted)");
  }
  return Status::OK();
}

void PrintStatus(const CrawlStatus& st) {
  std::cout << "crawl " << st.info.name << ": " << st.info.state << "\n  frontier:";
  for (const char* state : {"done", "failed", "excluded", "queued", "leased"}) {
    auto it = st.by_state.find(state);
    std::cout << " " << (it == st.by_state.end() ? 0 : it->second) << " " << state;
  }
  std::cout << "\n  records: " << st.records << " (" << HumanBytes(static_cast<double>(st.bytes))
            << "), hosts: " << st.hosts << ", active leases: " << st.active_leases << "\n";
  const int64_t opted_out = OptedOut(st);
  if (opted_out > 0) {
    std::cout << "  opted out (not stored, see reasons): " << opted_out << "\n";
  }
  if (!st.by_reason.empty()) {
    std::cout << "  reasons:";
    for (const auto& [reason, n] : st.by_reason) std::cout << " " << reason << "=" << n;
    std::cout << "\n";
  }
}

struct ExportFlags {
  ExportFilter filter;
  std::string format = "jsonl";
  std::string since, until;
  std::string langs;
};

void AddExportFilterFlags(CLI::App* cmd, ExportFlags* f) {
  cmd->add_option("--schema", f->filter.schema,
                  "record schema: web_page.v1, article.v1, forum_thread.v1, social_post.v1, "
                  "product.v1, recipe.v1, feed_item.v1 or scholarly_article.v1")
      ->capture_default_str();
  cmd->add_option("--lang", f->langs, "only these languages (comma-separated codes, e.g. en,de)");
  cmd->add_option("--min-quality", f->filter.min_quality,
                  "only records whose quality_score is at least this (0..1)");
  cmd->add_flag("--drop-duplicates", f->filter.drop_duplicates,
                "leave out exact and near duplicates (keep each cluster's first record)");
  cmd->add_option("--since", f->since, "fetched at or after (YYYY-MM-DD[THH:MM:SSZ] or ms)");
  cmd->add_option("--until", f->until, "fetched before (YYYY-MM-DD[THH:MM:SSZ] or ms)");
}

Status ResolveExportFlags(ExportFlags* f) {
  if (!f->since.empty() && !ParseTimeBound(f->since, &f->filter.since_ms)) {
    return Status::Error("bad_filter", "--since: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or ms");
  }
  if (!f->until.empty() && !ParseTimeBound(f->until, &f->filter.until_ms)) {
    return Status::Error("bad_filter", "--until: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or ms");
  }
  f->filter.languages.clear();
  std::stringstream ss(f->langs);
  for (std::string l; std::getline(ss, l, ',');) {
    if (!l.empty()) f->filter.languages.push_back(l);
  }
  if (f->format != "jsonl" && f->format != "warc") {
    return Status::Error("bad_filter", "--format: expected jsonl or warc");
  }
  return ValidateExportFilter(f->filter);
}

Status RunExport(Store* store, ExportFlags flags, const std::string& crawl,
                 const std::string& out, ExportStats* stats) {
  flags.filter.crawl = crawl;
  if (Status s = ResolveExportFlags(&flags); !s.ok()) return s;
  return ExportRecords(store, flags.filter,
                       flags.format == "warc" ? ExportFormat::kWarc : ExportFormat::kJsonl, out,
                       stats);
}

struct CommonWorkerFlags {
  std::string key = "swarmcrawl.key";
  std::string name;
  size_t threads = 0;
  int64_t capacity = 512;
  bool allow_private = false;
  std::vector<std::string> allowed_addresses;
  std::vector<std::string> resolve;
  size_t max_body = 10 << 20;
  long timeout_s = 30;
};

void AddWorkerFlags(CLI::App* app, CommonWorkerFlags* f) {
  app->add_option("--key", f->key, "contributor key file (created if missing)")
      ->capture_default_str();
  app->add_option("--name", f->name, "display name shown with your credit");
  app->add_option("--threads", f->threads, "parse threads (default: all cores)");
  app->add_option("--capacity", f->capacity, "most tasks held at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app->add_flag("--allow-private-networks", f->allow_private,
                "allow fetching loopback/private addresses (local test crawls only)");
  app->add_option("--allow-address", f->allowed_addresses,
                  "allow this one non-public address (a numeric IP; repeatable), e.g. a local "
                  "test site, while every other private network stays refused");
  app->add_option("--resolve", f->resolve,
                  "HOST:PORT:ADDRESS: resolve HOST:PORT to ADDRESS, as curl --resolve "
                  "(testing; the address is still checked)");
  app->add_option("--max-body-bytes", f->max_body, "largest response body kept")
      ->capture_default_str();
  app->add_option("--timeout", f->timeout_s, "total time limit per fetch, seconds")
      ->capture_default_str();
}

WorkerOptions MakeWorkerOptions(const CommonWorkerFlags& f) {
  WorkerOptions o;
  o.name = f.name;
  o.threads = f.threads;
  o.capacity = f.capacity;
  o.fetch_limits.allow_private_networks = f.allow_private;
  o.fetch_limits.allowed_addresses = f.allowed_addresses;
  o.fetch_limits.resolve = f.resolve;
  o.fetch_limits.max_body_bytes = f.max_body;
  o.fetch_limits.total_timeout_ms = f.timeout_s * 1000;
  return o;
}

// The HTTP API and dashboard (coordinator/http_api.h), on when --http is given.
struct HttpFlags {
  std::string listen;  // HOST:PORT
  std::string token_file;
  std::string read_token_file;
};

void AddHttpFlags(CLI::App* app, HttpFlags* f) {
  app->add_option("--http", f->listen,
                  "serve the HTTP API and the dashboard on HOST:PORT (e.g. 127.0.0.1:7180)");
  app->add_option("--api-token-file", f->token_file,
                  "bearer token for API writes (default: DB.api-token, created on first start)");
  app->add_option("--api-read-token-file", f->read_token_file,
                  "if given, API reads need this token (or the write token); default: public reads");
}

// Starts the API when asked; prints where it is and how to write to it.
Status StartHttp(const HttpFlags& f, const std::string& db, const CoordinatorServer& server,
                 const LiveStatus* live, const Clock* clock, std::unique_ptr<HttpApi>* out) {
  if (f.listen.empty()) return Status::OK();
  const size_t colon = f.listen.rfind(':');
  HttpApiOptions o;
  o.db_path = db;
  o.live = live;
  o.ledger_public_key = server.ledger_public_key();
  o.curve_public_key = server.public_key();
  o.trust_after = VerificationOptions().trust_after;
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no port");
    o.host = f.listen.substr(0, colon);
    if (o.host.size() >= 2 && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
    size_t used = 0;
    o.port = std::stoi(f.listen.substr(colon + 1), &used);
    if (used != f.listen.size() - colon - 1 || o.port < 0 || o.port > 65535) {
      throw std::invalid_argument("bad port");
    }
  } catch (const std::exception&) {
    return Status::Error("bad_flag", "--http: expected HOST:PORT, e.g. 127.0.0.1:7180");
  }
  bool created = false;
  const std::string token_path = f.token_file.empty() ? db + ".api-token" : f.token_file;
  if (Status s = LoadOrCreateToken(token_path, &o.write_token, &created); !s.ok()) return s;
  if (!f.read_token_file.empty()) {
    bool read_created = false;
    if (Status s = LoadOrCreateToken(f.read_token_file, &o.read_token, &read_created); !s.ok()) {
      return s;
    }
  }
  *out = std::make_unique<HttpApi>(o, clock);
  if (Status s = (*out)->Start(); !s.ok()) return s;
  std::cout << "dashboard and API: http://" << f.listen.substr(0, colon) << ":" << (*out)->port()
            << "/  (write token in " << token_path << (created ? ", just created" : "") << ")\n"
            << std::flush;
  return Status::OK();
}

}  // namespace
}  // namespace swarmcrawl

int main(int argc, char** argv) {
  using namespace swarmcrawl;
  CLI::App app{"swarmcrawl: a decentralized web crawler that turns public pages into "
               "signed, credited dataset records"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "swarmcrawl 0.1.0");
  std::string db = "swarmcrawl.db";
  bool verbose = false, quiet = false;
  auto add_db = [&](CLI::App* sub) {
    sub->add_option("--db", db, "coordinator database (SQLite)")->capture_default_str();
  };
  auto add_log = [&](CLI::App* sub) {
    sub->add_flag("-v,--verbose", verbose, "log debug details");
    sub->add_flag("-q,--quiet", quiet, "log warnings and errors only");
  };

  // keygen
  auto* keygen = app.add_subcommand("keygen", "create a contributor key pair (Ed25519)");
  std::string key_out = "swarmcrawl.key", key_name;
  keygen->add_option("--out", key_out, "where to write the key (mode 0600)")->capture_default_str();
  keygen->add_option("--name", key_name, "display name to store with the key");

  // coordinator
  auto* coord = app.add_subcommand("coordinator", "run a coordinator: schedule crawls, hand "
                                                  "out work, verify and store results");
  CoordinatorOptions copt;
  add_db(coord);
  add_log(coord);
  coord->add_option("--bind", copt.bind, "ZeroMQ endpoint(s) to listen on")->capture_default_str();
  coord->add_flag("--plaintext", copt.plaintext,
                  "no CurveZMQ encryption (loopback tests only)");
  coord->add_option("--curve-key", copt.curve_key_path,
                    "coordinator key pair file (default: DB.curve, created on first start)");
  coord->add_flag("--exit-when-done", copt.exit_when_done,
                  "exit once every crawl is done or cancelled");
  coord->add_option("--heartbeat-ms", copt.heartbeat_ms, "heartbeat interval")
      ->capture_default_str()
      ->check(CLI::Range(50, 600000));
  coord->add_option("--liveness", copt.liveness, "heartbeats a worker may miss")
      ->capture_default_str()
      ->check(CLI::Range(2, 100));
  coord->add_option("--lease-size", copt.lease_limits.max_tasks, "most URLs per lease")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  coord->add_option("--lease-ttl-ms", copt.lease_limits.base_ttl_ms,
                    "base lease lifetime before it is re-issued")
      ->capture_default_str()
      ->check(CLI::Range(1000, 3600000));
  std::string admission = "open";
  coord->add_option("--admission", admission,
                    "open: any contributor key may join (new keys on probation); allowlist: only "
                    "the keys in --allowlist")
      ->capture_default_str()
      ->check(CLI::IsMember({"open", "allowlist"}));
  coord->add_option("--allowlist", copt.allowlist_path,
                    "file of contributor public keys (64 hex each, one per line, # comments); "
                    "re-read when it changes");
  coord->add_option("--max-message-rate", copt.max_message_rate,
                    "messages per second one connection may send (bursts of twice that)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e6));
  coord->add_option("--max-outstanding-leases", copt.max_outstanding_leases,
                    "leases one connection may hold at once")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  coord->add_option("--expired-quiet-ms", copt.lease_limits.expired_quiet_ms,
                    "after a lease expires, its host rests this long (the longest a fetch takes)")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  std::vector<std::string> coord_specs;
  coord->add_option("--spec", coord_specs, "crawl spec file(s) to submit at start");
  HttpFlags coord_http;
  AddHttpFlags(coord, &coord_http);
  // Verification by re-fetch and the ledger (docs/credits.md).
  VerificationOptions& vo = copt.verification;
  coord->add_option("--verify-new-rate", vo.new_rate,
                    "share of a new contributor's pages re-fetched by someone else")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  coord->add_option("--verify-trusted-rate", vo.trusted_rate, "... once it is trusted")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  coord->add_option("--trust-after", vo.trust_after, "agreements in a row that make a contributor trusted")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  coord->add_option("--verify-window-ms", vo.window_ms,
                    "credit stays pending this long, unless a check settles it sooner")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{30} * 86400000));
  coord->add_option("--probation-daily-pages", vo.probation_daily_pages,
                    "credited pages per UTC day for a contributor on probation")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000000));
  coord->add_option("--epoch-entries", copt.ledger.entries_per_epoch,
                    "a ledger epoch is signed after this many entries...")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000000));
  coord->add_option("--epoch-ms", copt.ledger.epoch_ms, "...or when its first entry is this old")
      ->capture_default_str()
      ->check(CLI::Range(10, 86400000));

  // worker
  auto* worker = app.add_subcommand("worker", "contribute: fetch and parse pages for a coordinator");
  CommonWorkerFlags wflags;
  AddWorkerFlags(worker, &wflags);
  add_log(worker);
  std::string w_coord = "tcp://127.0.0.1:7170", w_coord_key, w_spool = "swarmcrawl-worker.db";
  bool w_plain = false, w_exit_on_bye = false, w_no_progress = false;
  worker->add_option("--coordinator", w_coord, "coordinator endpoint")->capture_default_str();
  worker->add_option("--coordinator-key", w_coord_key,
                     "coordinator public key (printed when it starts)");
  worker->add_flag("--plaintext", w_plain, "no encryption (loopback tests only)");
  worker->add_option("--spool", w_spool, "local spool of unacknowledged results")
      ->capture_default_str();
  worker->add_flag("--exit-on-bye", w_exit_on_bye, "exit when the coordinator shuts down");
  worker->add_flag("--no-progress", w_no_progress, "log lines instead of a live progress line");
  int w_status_port = -1;
  std::string w_status_host = "127.0.0.1";
  worker->add_option("--status-port", w_status_port,
                     "serve this worker's status as JSON on 127.0.0.1:PORT (GET /status)")
      ->check(CLI::Range(0, 65535));
  worker->add_option("--status-host", w_status_host, "address for --status-port")
      ->capture_default_str();

  // run
  auto* run = app.add_subcommand("run", "one machine: a coordinator and N workers in one process");
  CommonWorkerFlags rflags;
  AddWorkerFlags(run, &rflags);
  add_db(run);
  add_log(run);
  std::vector<std::string> run_specs;
  int run_workers = 2;
  bool run_serve = false;
  std::string run_export;
  run->add_option("--spec", run_specs, "crawl spec file(s) to submit")->required();
  run->add_option("--workers", run_workers, "workers to start")->capture_default_str()->check(CLI::Range(1, 64));
  run->add_flag("--serve", run_serve, "keep running after the crawls are done");
  run->add_option("--export", run_export,
                  "write the records of the crawl(s) to this file (JSON Lines; .zst/.gz compress, "
                  "--format warc for WARC)");
  ExportFlags run_exp_flags;
  AddExportFilterFlags(run, &run_exp_flags);
  run->add_option("--format", run_exp_flags.format, "export format: jsonl or warc")
      ->capture_default_str();
  HttpFlags run_http;
  AddHttpFlags(run, &run_http);

  // crawl
  auto* crawl = app.add_subcommand("crawl", "submit and control crawls");
  crawl->require_subcommand(1);
  std::string spec_path, crawl_name;
  bool as_json = false;
  auto* submit = crawl->add_subcommand("submit", "validate a crawl spec and submit it");
  submit->add_option("spec", spec_path, "crawl spec (JSON, see schemas/crawl_spec.v1.json)")->required();
  add_db(submit);
  auto* list = crawl->add_subcommand("list", "list crawls");
  add_db(list);
  list->add_flag("--json", as_json, "machine-readable output");
  auto* status = crawl->add_subcommand("status", "show a crawl's progress");
  status->add_option("name", crawl_name, "crawl name")->required();
  status->add_flag("--json", as_json, "machine-readable output");
  add_db(status);
  std::map<std::string, std::string> transitions = {
      {"pause", "paused"}, {"resume", "running"}, {"cancel", "cancelled"}};
  std::map<std::string, CLI::App*> transition_cmds;
  for (const auto& [verb, state] : transitions) {
    auto* sub = crawl->add_subcommand(verb, verb + " a crawl");
    sub->add_option("name", crawl_name, "crawl name")->required();
    add_db(sub);
    transition_cmds[verb] = sub;
  }

  // pull
  auto* pull = app.add_subcommand(
      "pull", "copy a crawl's records from a coordinator's HTTP API into a JSON Lines file; run "
              "again to resume (never writes a record twice)");
  PullOptions pull_opt;
  std::string pull_token_file;
  pull->add_option("--from", pull_opt.from, "the coordinator's API, e.g. http://127.0.0.1:7180")->required();
  pull->add_option("--crawl", pull_opt.crawl, "crawl name")->required();
  pull->add_option("--out", pull_opt.out, "JSON Lines file (appended to; its last record is the cursor)")
      ->required();
  pull->add_option("--token-file", pull_token_file, "read token, if the API needs one");
  pull->add_option("--schema", pull_opt.schema, "record schema (default web_page.v1)");
  pull->add_option("--lang", pull_opt.lang, "only these languages (comma-separated codes)");
  pull->add_option("--min-quality", pull_opt.min_quality, "only records with at least this quality_score");
  pull->add_flag("--drop-duplicates", pull_opt.drop_duplicates, "leave out exact and near duplicates");
  pull->add_option("--since", pull_opt.since, "fetched at or after (YYYY-MM-DD[THH:MM:SSZ] or ms)");
  pull->add_option("--until", pull_opt.until, "fetched before (YYYY-MM-DD[THH:MM:SSZ] or ms)");
  pull->add_option("--page", pull_opt.page, "records per request")->capture_default_str()->check(CLI::Range(1, 1000000));
  pull->add_flag("--follow", pull_opt.follow, "keep pulling until the crawl is done or cancelled");
  pull->add_option("--poll-ms", pull_opt.poll_ms, "with --follow: wait between polls")
      ->capture_default_str()
      ->check(CLI::Range(100, 3600000));
  pull->add_option("--max-seconds", pull_opt.max_seconds, "with --follow: stop after this long (0: never)")
      ->capture_default_str();
  pull->add_flag("-q,--quiet", pull_opt.quiet, "no progress line");

  // export
  auto* exp = app.add_subcommand(
      "export", "write a crawl's records as JSON Lines (optionally .zst/.gz) or WARC 1.1");
  std::string exp_out;
  ExportFlags exp_flags;
  add_db(exp);
  exp->add_option("--crawl", crawl_name, "crawl name")->required();
  exp->add_option("--out", exp_out,
                  "output file (- for stdout); FILE.zst or FILE.gz compresses JSON Lines, "
                  "FILE.warc.gz writes one gzip member per WARC record")
      ->required();
  exp->add_option("--format", exp_flags.format, "jsonl or warc")->capture_default_str();
  AddExportFilterFlags(exp, &exp_flags);

  // credits, ledger, receipt
  CreditCommands credit_commands(&app);

  // parse
  auto* parse = app.add_subcommand(
      "parse", "show what a worker would produce from a page (HTML, or an RSS/Atom feed)");
  std::string parse_file, parse_url = "http://localhost/", parse_format = "json";
  std::string parse_type, parse_charset;
  parse->add_option("file", parse_file, "the page as served (- for standard input; gzip accepted)")
      ->required();
  parse->add_option("--url", parse_url, "the page's URL (links are resolved against it)")
      ->capture_default_str();
  parse->add_option("--format", parse_format,
                    "json: the whole record; text: main content, one block per line; "
                    "markdown: main content as Markdown")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "text", "markdown"}));
  parse->add_option("--content-type", parse_type,
                    "Content-Type as served (default: text/html, or a feed type when the file "
                    "looks like RSS/Atom)");
  parse->add_option("--charset", parse_charset, "charset parameter of the Content-Type header");

  // robots: the crawler's own robots.txt decision, for operators and site owners
  auto* robots = app.add_subcommand(
      "robots", "check URLs against a robots.txt file exactly as the crawler would");
  std::string robots_file, robots_agent = std::string(kDefaultUserAgent);
  std::vector<std::string> robots_urls;
  robots->add_option("file", robots_file, "robots.txt file")->required();
  robots->add_option("urls", robots_urls, "URLs to check")->required();
  robots->add_option("--agent", robots_agent, "user agent or product token to match")
      ->capture_default_str();

  // url: canonical and resolved URLs, as the frontier stores them
  auto* url = app.add_subcommand("url", "show canonical and resolved URLs as the crawler stores them");
  url->require_subcommand(1);
  std::vector<std::string> url_args;
  std::string url_base;
  auto* canon = url->add_subcommand(
      "canon", "print the canonical form of each URL (tracking parameters removed, as a crawl "
               "with the default strip_params stores it)");
  canon->add_option("urls", url_args, "absolute URLs")->required();
  bool keep_params = false;
  canon->add_flag("--keep-params", keep_params, "do not remove tracking and session parameters");
  auto* resolve = url->add_subcommand("resolve", "resolve references against a base URL");
  resolve->add_option("base", url_base, "absolute base URL")->required();
  resolve->add_option("refs", url_args, "references (relative or absolute)")->required();

  // sitemap: the URLs a sitemap, sitemap index, feed or text sitemap yields
  auto* sitemap_cmd = app.add_subcommand(
      "sitemap", "print the URLs a sitemap file yields (XML, index, RSS, Atom, text; gzip too)");
  std::string sitemap_file, sitemap_base;
  sitemap_cmd->add_option("file", sitemap_file, "sitemap file, gzip-compressed or not")
      ->required();
  sitemap_cmd->add_option("--base", sitemap_base,
                          "URL the file came from; relative feed links resolve against it");

  CLI11_PARSE(app, argc, argv);
  InstallSignalHandlers();
  SystemClock clock;

  if (keygen->parsed()) {
    SigningKey key;
    if (Status s = SigningKey::Generate(&key); !s.ok()) return Fail(s);
    if (Status s = key.SaveToFile(key_out, key_name); !s.ok()) return Fail(s);
    std::cout << "wrote " << key_out << "\npublic key: " << key.public_hex()
              << "\nfingerprint: " << Fingerprint(key.public_hex()) << "\n";
    return 0;
  }

  if (coord->parsed()) {
    copt.db_path = db;
    copt.log_level = Level(verbose, quiet);
    if (Status s = ParseAdmissionMode(admission, &copt.admission); !s.ok()) return Fail(s);
    if (copt.plaintext && copt.admission == AdmissionMode::kAllowlist) {
      return Fail("--admission allowlist needs CurveZMQ: drop --plaintext");
    }
    for (const auto& ep : copt.bind) {
      if (copt.plaintext && !IsLoopbackEndpoint(ep)) {
        return Fail("--plaintext is for loopback tests only; " + ep +
                    " is reachable from other machines (drop --plaintext: CurveZMQ is the default)");
      }
    }
    if (!coord_specs.empty()) {
      Store store;
      if (Status s = Store::Open(db, &store); !s.ok()) return Fail(s);
      for (const auto& p : coord_specs) {
        std::string name;
        bool existed = false;
        if (Status s = SubmitSpec(&store, p, &name, &existed); !s.ok()) return Fail(s);
        std::cerr << (existed ? "crawl already present: " : "submitted crawl ") << name << "\n";
      }
    }
    LiveStatus live;
    copt.live = &live;
    CoordinatorServer server(copt, &clock);
    if (Status s = server.Start(); !s.ok()) return Fail(s);
    std::unique_ptr<HttpApi> api;
    if (Status s = StartHttp(coord_http, db, server, &live, &clock, &api); !s.ok()) return Fail(s);
    if (!copt.plaintext) {
      std::cout << "coordinator public key: " << server.public_key() << "\n"
                << "workers join with: swarmcrawl worker --coordinator " << server.endpoints()[0]
                << " --coordinator-key " << server.public_key() << "\n"
                << std::flush;
    }
    if (Status s = server.Run(g_stop); !s.ok()) return Fail(s);
    return 0;
  }

  if (worker->parsed()) {
    if (!w_plain && w_coord_key.size() != 40) {
      return Fail("--coordinator-key must be the coordinator's 40-character public key (it "
                  "prints it when it starts), or pass --plaintext for a loopback test");
    }
    if (w_plain && !IsLoopbackEndpoint(w_coord)) {
      return Fail("--plaintext is for loopback tests only; connect to " + w_coord +
                  " with --coordinator-key instead");
    }
    SigningKey key;
    if (Status s = LoadOrCreateKey(wflags.key, wflags.name, &key); !s.ok()) return Fail(s);
    WorkerOptions o = MakeWorkerOptions(wflags);
    o.coordinator = w_coord;
    o.coordinator_key = w_coord_key;
    o.plaintext = w_plain;
    o.spool_path = w_spool;
    o.exit_on_bye = w_exit_on_bye;
    o.progress = w_no_progress ? 0 : -1;
    o.log_level = Level(verbose, quiet);
    Worker w(o, std::move(key), &clock);
    if (Status s = w.Start(); !s.ok()) return Fail(s);
    std::unique_ptr<WorkerStatusServer> status_server;
    if (w_status_port >= 0) {
      status_server = std::make_unique<WorkerStatusServer>(
          WorkerStatusInfo{w.worker_id(), w.contributor(), o.name, o.coordinator},
          [&w] { return w.stats(); }, &clock);
      if (Status s = status_server->Start(w_status_host, w_status_port); !s.ok()) return Fail(s);
      std::cerr << "worker status: http://" << w_status_host << ":" << status_server->port()
                << "/status\n";
    }
    if (Status s = w.Run(g_stop); !s.ok()) return Fail(s);
    return 0;
  }

  if (run->parsed()) {
    Store store;
    if (Status s = Store::Open(db, &store); !s.ok()) return Fail(s);
    std::vector<std::string> names;
    for (const auto& p : run_specs) {
      std::string name;
      bool existed = false;
      if (Status s = SubmitSpec(&store, p, &name, &existed); !s.ok()) return Fail(s);
      if (existed) std::cerr << "crawl " << name << " already in " << db << "; continuing it\n";
      names.push_back(name);
    }
    SigningKey key;
    if (Status s = LoadOrCreateKey(rflags.key, rflags.name, &key); !s.ok()) return Fail(s);
    zmq::context_t ctx(1);
    CoordinatorOptions co;
    co.db_path = db;
    co.bind = {"inproc://swarmcrawl-run"};
    co.plaintext = true;  // in-process only: nothing leaves this process
    co.exit_when_done = !run_serve;
    co.context = &ctx;
    co.log_level = Level(verbose, true);
    LiveStatus live;
    co.live = &live;
    CoordinatorServer server(co, &clock);
    if (Status s = server.Start(); !s.ok()) return Fail(s);
    std::unique_ptr<HttpApi> api;
    if (Status s = StartHttp(run_http, db, server, &live, &clock, &api); !s.ok()) return Fail(s);
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < run_workers; ++i) {
      SigningKey k;
      if (Status s = SigningKey::LoadFromFile(rflags.key, &k); !s.ok()) return Fail(s);
      WorkerOptions o = MakeWorkerOptions(rflags);
      o.coordinator = "inproc://swarmcrawl-run";
      o.plaintext = true;
      o.spool_path = db;
      o.exit_on_bye = true;
      o.context = &ctx;
      o.progress = i == 0 ? -1 : 0;
      o.log_level = Level(verbose, true);
      if (rflags.threads == 0) {
        o.threads = std::max(1u, std::thread::hardware_concurrency() / run_workers);
      }
      workers.push_back(std::make_unique<Worker>(o, std::move(k), &clock));
      if (Status s = workers.back()->Start(); !s.ok()) return Fail(s);
    }
    const int64_t t0 = clock.MonoMs();
    std::atomic<bool> workers_stop{false};
    std::vector<std::thread> threads;
    for (auto& w : workers) {
      threads.emplace_back([&w, &workers_stop] { w->Run(workers_stop); });
    }
    Status run_status = server.Run(g_stop);
    workers_stop = true;
    for (auto& t : threads) t.join();
    const double secs = (clock.MonoMs() - t0) / 1000.0;
    if (!run_status.ok()) return Fail(run_status);
    for (const auto& name : names) {
      CrawlStatus st;
      if (store.GetStatus(name, &st).ok()) {
        PrintStatus(st);
        std::printf("  %.1f s, %.1f pages/s\n", secs, st.records / std::max(secs, 0.001));
      }
      if (!run_export.empty()) {
        ExportStats es;
        const std::string out = names.size() == 1 ? run_export : name + "-" + run_export;
        if (Status s = RunExport(&store, run_exp_flags, name, out, &es); !s.ok()) return Fail(s);
        std::cout << "  exported " << es.records << " records to " << out << "\n";
      }
    }
    return 0;
  }

  if (crawl->parsed()) {
    Store store;
    if (Status s = Store::Open(db, &store); !s.ok()) return Fail(s);
    if (submit->parsed()) {
      std::string name;
      bool existed = false;
      if (Status s = SubmitSpec(&store, spec_path, &name, &existed); !s.ok()) return Fail(s);
      if (existed) {
        return Fail("a crawl named '" + name + "' already exists; choose another name");
      }
      std::cout << "submitted crawl " << name << "\n";
      return 0;
    }
    if (list->parsed()) {
      std::vector<CrawlInfo> crawls;
      if (Status s = store.ListCrawls(&crawls); !s.ok()) return Fail(s);
      nlohmann::json out = nlohmann::json::array();
      for (const auto& c : crawls) {
        CrawlStatus st;
        store.GetStatus(c.name, &st);
        if (as_json) {
          out.push_back(CrawlStatusJson(st));
        } else {
          std::printf("%-24s %-10s %8lld records\n", c.name.c_str(), c.state.c_str(),
                      static_cast<long long>(st.records));
        }
      }
      if (as_json) std::cout << out.dump(2) << "\n";
      return 0;
    }
    if (status->parsed()) {
      CrawlStatus st;
      if (Status s = store.GetStatus(crawl_name, &st); !s.ok()) return Fail(s);
      if (as_json) {
        std::cout << CrawlStatusJson(st).dump(2) << "\n";
      } else {
        PrintStatus(st);
      }
      return 0;
    }
    for (const auto& [verb, sub] : transition_cmds) {
      if (!sub->parsed()) continue;
      if (Status s = store.SetCrawlState(crawl_name, transitions[verb], clock.NowMs()); !s.ok()) {
        return Fail(s);
      }
      std::cout << "crawl " << crawl_name << " is now " << transitions[verb] << "\n";
      return 0;
    }
  }

  if (exp->parsed()) {
    Store store;
    if (Status s = Store::Open(db, &store); !s.ok()) return Fail(s);
    ExportStats es;
    if (Status s = RunExport(&store, exp_flags, crawl_name, exp_out, &es); !s.ok()) return Fail(s);
    std::cerr << "exported " << es.records << " records of crawl " << crawl_name << " to "
              << exp_out;
    if (es.without_capture > 0) {
      std::cerr << " (" << es.without_capture
                << " records have no stored body and are not in the WARC file)";
    }
    std::cerr << "\n";
    return 0;
  }

  if (pull->parsed()) {
    if (!pull_token_file.empty()) {
      bool created = false;
      if (!std::ifstream(pull_token_file)) return Fail("cannot read " + pull_token_file);
      if (Status s = LoadOrCreateToken(pull_token_file, &pull_opt.token, &created); !s.ok()) {
        return Fail(s);
      }
    }
    PullStats ps;
    Status s = Pull(pull_opt, &ps);
    std::cerr << "pulled " << ps.records << " records (" << HumanBytes(static_cast<double>(ps.bytes))
              << ") into " << pull_opt.out
              << (ps.resumed_after > 0 ? " after record " + std::to_string(ps.resumed_after) : "")
              << "\n";
    if (!s.ok()) return Fail(s);
    return 0;
  }

  if (std::optional<int> rc = credit_commands.Run()) return *rc;


  if (robots->parsed()) {
    std::string text;
    if (!ReadFile(robots_file, &text)) return Fail("cannot read " + robots_file);
    // The bytes a worker would send and the URL form the frontier stores.
    const RobotsRules rules = RobotsRules::Parse(RobotsBodyForParsing(text), ProductToken(robots_agent));
    int errors = 0;
    for (const auto& u : robots_urls) {
      UrlParts parts;
      std::string canon;
      Status s = CanonicalizeUrl(u, &canon);
      if (s.ok()) s = SplitUrl(canon, &parts);
      if (!s.ok()) {
        std::cout << "error\t" << u << "\t" << s.message() << "\n";
        ++errors;
        continue;
      }
      const RobotsRule* rule = rules.MatchingRule(parts.path_query);
      std::cout << (rules.Allowed(parts.path_query) ? "allowed" : "disallowed") << "\t" << u
                << "\t"
                << (rule == nullptr ? "(no rule)"
                                    : std::string(rule->allow ? "Allow: " : "Disallow: ") +
                                          rule->pattern)
                << "\n";
    }
    return errors == 0 ? 0 : 1;
  }

  if (url->parsed()) {
    UrlResolver resolver;
    if (resolve->parsed()) {
      if (Status s = resolver.SetBase(url_base); !s.ok()) return Fail("base: " + s.message());
    }
    int errors = 0;
    for (const auto& u : url_args) {
      std::string out;
      Status s = canon->parsed() ? CanonicalizeUrl(u, &out) : resolver.Resolve(u, &out);
      if (s.ok() && canon->parsed() && !keep_params) out = StripQueryParams(out, QueryFilter::Default());
      if (s.ok()) {
        std::cout << out << "\n";
      } else {
        std::cout << "error: " << u << ": " << s.message() << "\n";
        ++errors;
      }
    }
    return errors == 0 ? 0 : 1;
  }

  if (sitemap_cmd->parsed()) {
    const std::string where = "swarmcrawl: " + sitemap_file + ": ";
    std::string data, base;
    if (!ReadFile(sitemap_file, &data)) {
      std::cerr << where << "cannot read the file\n";
      return 1;
    }
    if (!sitemap_base.empty()) {
      if (Status s = CanonicalizeUrl(sitemap_base, &base); !s.ok()) {
        return Fail("--base: " + s.message());
      }
    }
    Sitemap sm;
    if (Status s = ParseSitemap(data, base, &sm); !s.ok()) {
      std::cerr << where << s.message() << "\n";
      return 1;
    }
    for (const auto& e : sm.sitemaps) std::cout << e.url << "\n";
    for (const auto& e : sm.urls) std::cout << e.url << "\n";
    std::cout << std::flush;
    if (sm.skipped > 0) {
      const bool feed = sm.kind == "rss" || sm.kind == "atom";
      std::cerr << where << "skipped " << sm.skipped
                << (sm.skipped == 1 ? " entry" : " entries") << " without a usable http(s) URL"
                << (feed && base.empty() ? " (pass --base to resolve relative links)" : "")
                << "\n";
    }
    if (sm.truncated) std::cerr << where << "truncated: a limit was hit or the file is cut short\n";
    return 0;
  }

  if (parse->parsed()) {
    std::string body, canon;
    if (!ReadFile(parse_file, &body)) return Fail("cannot read " + parse_file);
    if (IsGzip(body)) {
      DecompressResult g = Gunzip(body, 64u << 20);
      if (!g.ok) return Fail(parse_file + ": bad gzip data: " + g.error);
      body = std::move(g.data);
    }
    if (Status s = CanonicalizeUrl(parse_url, &canon); !s.ok()) {
      return Fail("--url: " + s.message());
    }
    const ParserRegistry registry = DefaultParserRegistry();
    std::string type = parse_type;
    if (type.empty()) type = LooksLikeFeed(body) ? "application/xml" : "text/html";
    if (!LooksLikeHtml(type, body)) {
      // A feed: its items, as a sitemap task's worker would report them.
      const nlohmann::json records = NonHtmlRecords(body, canon, type, registry);
      if (parse_format != "json") {
        for (const auto& r : records) {
          const auto t = r.find("title");
          if (t != r.end() && t->is_string()) std::cout << t->get<std::string>() << "\n";
        }
        return 0;
      }
      std::cout << DumpJson({{"url", canon}, {"content_type", type}, {"structured", records}})
                << "\n";
      return 0;
    }
    PageContentOptions options;
    options.registry = &registry;
    options.html.product_token = ProductToken(std::string(kDefaultUserAgent));
    PageContent c = BuildPageContent(body, canon, type, parse_charset, options);
    if (parse_format == "text") {
      std::cout << c.text << (c.text.empty() ? "" : "\n");
      return 0;
    }
    if (parse_format == "markdown") {
      std::cout << c.markdown << (c.markdown.empty() ? "" : "\n");
      return 0;
    }
    // The page's part of a web_page.v1 record; the coordinator adds the
    // envelope (id, crawl, contributor, lease, fetch status and time, depth,
    // dedup) at ingest.
    nlohmann::json out = {{"part_of", "web_page.v1"},
                          {"url", canon},
                          {"content_type", type},
                          {"title", c.page.title},
                          {"text", c.text},
                          {"markdown", c.markdown},
                          {"lang", c.page.lang.empty() ? nlohmann::json(nullptr)
                                                       : nlohmann::json(c.page.lang)},
                          {"canonical_url", c.page.canonical.empty()
                                                ? nlohmann::json(nullptr)
                                                : nlohmann::json(c.page.canonical)},
                          {"outlinks", c.page.outlinks},
                          {"body_bytes", body.size()},
                          {"body_sha256", Sha256Hex(body)},
                          {"text_sha256", Sha256Hex(c.text)},
                          {"opt_out", {{"noindex", c.page.meta_noindex},
                                       {"nofollow", c.page.meta_nofollow},
                                       {"noai", c.page.meta_noai},
                                       {"tdm_reservation", c.page.tdm_reservation}}},
                          {"truncated", c.page.truncated}};
    for (const char* k : {"metadata", "language", "quality", "encoding", "limits"}) {
      out[k] = c.extras.value(k, nlohmann::json::object());
    }
    out["structured"] = c.extras.value("structured", nlohmann::json::array());
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  return 0;
}
