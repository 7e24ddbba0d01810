#include "cli/credit_commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "cli/cli_util.h"
#include "coordinator/crawl_control.h"
#include "coordinator/credit.h"
#include "coordinator/ledger.h"
#include "coordinator/store.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/protocol.h"
#include "core/receipt.h"
#include "core/sqlite.h"
#include "core/strings.h"
#include "core/wire.h"

namespace swarmcrawl {
namespace {

using nlohmann::json;

bool IsLowerHex(const std::string& s, size_t len) {
  return s.size() == len && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// One request/answer exchange with a coordinator over SWC/1: HELLO (with the
// key proof), then `command`, and the first reply that is not a HEARTBEAT.
class ProtocolClient {
 public:
  ProtocolClient(const std::string& endpoint, const std::string& curve_key, bool plaintext,
                 const SigningKey& key)
      : socket_(context_, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    if (!plaintext) SetCurveClientKeys(socket_, curve_key, key);
    socket_.connect(endpoint);
  }

  Status Send(const std::string& command, const json& body) {
    const std::vector<std::string> frames = EncodeEnvelope(command, body);
    std::vector<std::string_view> views(frames.begin(), frames.end());
    // The first send may find the connection not yet up: retry briefly.
    for (int i = 0; i < 100; ++i) {
      if (SendMessage(socket_, "", views)) return Status::OK();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Status::Error("unreachable", "cannot send to the coordinator");
  }

  Status Receive(int timeout_ms, Envelope* out) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t items[] = {{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(100));
      std::vector<zmq::message_t> frames;
      if (!(items[0].revents & ZMQ_POLLIN) || !ReceiveMessage(socket_, 8, &frames)) continue;
      Envelope env;
      if (Status s = DecodeEnvelope(FrameViews(frames), &env); !s.ok()) return s;
      if (env.command == "HEARTBEAT") continue;
      if (env.command == "ERROR") {
        return Status::Error(env.body.value("code", "error"), env.body.value("message", "refused"));
      }
      *out = std::move(env);
      return Status::OK();
    }
    return Status::Error("timeout",
                         "no answer from the coordinator (check the address, its key, and that "
                         "it is running)");
  }

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_;
};

std::string Fpr(const std::string& key) { return Fingerprint(key); }

}  // namespace

CreditCommands::CreditCommands(CLI::App* app) {
  credits_ = app->add_subcommand(
      "credits", "show credit per contributor: accepted, pending, rejected, and trust");
  credits_->add_option("--db", db_, "coordinator database")->capture_default_str();
  credits_->add_option("--crawl", crawl_, "only this crawl");
  credits_->add_flag("--json", json_, "machine-readable output");

  auto* ledger = app->add_subcommand("ledger", "verify or publish the tamper-evident credit ledger");
  ledger->require_subcommand(1);
  ledger_verify_ = ledger->add_subcommand(
      "verify",
      "recompute every entry hash, epoch root, signature and contributor total; name the first "
      "broken entry");
  ledger_verify_->add_option("export", file_, "a ledger export (JSON Lines); omit to read --db");
  ledger_verify_->add_option("--db", db_, "coordinator database")->capture_default_str();
  ledger_verify_->add_option(
      "--coordinator-key", ledger_key_,
      "the coordinator's ledger public key (hex; its operator publishes it). Required for an "
      "export; with --db it defaults to DB.ledger-key");
  ledger_verify_->add_flag("--json", json_, "machine-readable report with every total");
  ledger_export_ = ledger->add_subcommand("export", "write the whole ledger as JSON Lines for publication");
  ledger_export_->add_option("--db", db_, "coordinator database")->capture_default_str();
  ledger_export_->add_option("--out", out_, "output file (- for stdout)")->capture_default_str();

  auto* receipt = app->add_subcommand("receipt", "get and check a contributor's credit receipt");
  receipt->require_subcommand(1);
  receipt_get_ = receipt->add_subcommand(
      "get", "ask the coordinator for your ledger entries with Merkle proofs and signed roots");
  receipt_get_->add_option("--coordinator", coordinator_, "coordinator endpoint")->capture_default_str();
  receipt_get_->add_option("--coordinator-key", curve_key_,
                           "the coordinator's CurveZMQ public key (Z85, printed when it starts)");
  receipt_get_->add_flag("--plaintext", plaintext_, "no encryption (loopback tests only)");
  receipt_get_->add_option("--key", key_path_, "your contributor key file")->capture_default_str();
  receipt_get_->add_option("--contributor", contributor_,
                           "another contributor's public key (hex); the ledger is public");
  receipt_get_->add_option("--out", out_, "where to write the receipt (- for stdout)")
      ->capture_default_str();
  receipt_get_->add_option("--timeout-ms", timeout_ms_, "give up after this long")->capture_default_str();
  receipt_verify_ = receipt->add_subcommand(
      "verify", "check a receipt offline: entry hashes, inclusion proofs, epoch signatures, totals");
  receipt_verify_->add_option("file", file_, "the receipt (JSON)")->required();
  receipt_verify_->add_option("--coordinator-key", ledger_key_,
                              "the coordinator's ledger public key (hex), obtained independently")
      ->required();
  receipt_verify_->add_flag("--json", json_, "machine-readable summary");
}

std::optional<int> CreditCommands::Run() {
  if (credits_->parsed()) return Credits();
  if (ledger_verify_->parsed()) return LedgerVerify();
  if (ledger_export_->parsed()) return LedgerExport();
  if (receipt_get_->parsed()) return ReceiptGet();
  if (receipt_verify_->parsed()) return ReceiptVerify();
  return std::nullopt;
}

int CreditCommands::Credits() {
  Store store;
  if (Status s = Store::Open(db_, &store); !s.ok()) return Fail(s);
  std::vector<CreditRow> rows;
  if (Status s = store.Credits(&rows, crawl_); !s.ok()) return Fail(s);
  if (json_) {
    json out = json::array();
    for (const auto& r : rows) {
      out.push_back(CreditRowJson(r, VerificationOptions().trust_after));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%-20s %-14s %7s %10s %9s %8s %5s %-8s %8s %8s\n", "CONTRIBUTOR", "NAME", "PAGES",
              "CREDIT", "PENDING", "REJECTED", "REP", "TRUST", "BATCHES", "REFUSED");
  for (const auto& r : rows) {
    std::printf("%-20s %-14s %7lld %10lld %9lld %8lld %5.2f %-8s %8lld %8lld\n",
                r.fingerprint.c_str(), r.name.empty() ? "-" : r.name.substr(0, 14).c_str(),
                static_cast<long long>(r.pages), static_cast<long long>(r.credit_accepted),
                static_cast<long long>(r.credit_pending), static_cast<long long>(r.items_rejected),
                r.reputation, TrustLabel(r, VerificationOptions().trust_after).c_str(), static_cast<long long>(r.batches),
                static_cast<long long>(r.rejected_batches));
  }
  return 0;
}

int CreditCommands::LedgerVerify() {
  VerifyReport report;
  Status result;
  std::string key = ledger_key_;
  if (!file_.empty()) {
    if (key.empty()) {
      return Fail("--coordinator-key is required to verify an export: the export alone cannot "
                  "tell whose signatures it should carry");
    }
    std::ifstream in(file_, std::ios::binary);
    if (!in) return Fail("cannot read " + file_);
    result = Ledger::VerifyExport(in, key, &report);
  } else {
    if (key.empty()) {
      SigningKey own;
      if (Status s = SigningKey::LoadFromFile(db_ + ".ledger-key", &own); !s.ok()) {
        return Fail(s.message() + " (or pass --coordinator-key)");
      }
      key = own.public_hex();
    }
    Db db;
    if (Status s = Db::Open(db_, &db); !s.ok()) return Fail(s);
    result = Ledger::Verify(&db, key, &report);
  }
  if (json_) {
    json totals = json::object();
    for (const auto& [contributor, t] : report.totals) {
      totals[contributor] = {{"entries", t.entries},
                             {"credit", t.credit},
                             {"pending_entries", t.pending_entries},
                             {"pending_credit", t.pending_credit}};
    }
    json out = {{"ok", result.ok()},
                {"entries", report.entries},
                {"epochs", report.epochs},
                {"pending_entries", report.pending_entries},
                {"head_hash", report.head_hash},
                {"coordinator_key", key},
                {"totals", totals}};
    if (!result.ok()) out["error"] = result.message();
    if (report.first_bad_seq) out["first_bad_seq"] = *report.first_bad_seq;
    if (report.first_bad_epoch) out["first_bad_epoch"] = *report.first_bad_epoch;
    std::cout << out.dump(2) << "\n";
    return result.ok() ? 0 : 1;
  }
  if (!result.ok()) return Fail("ledger verification failed: " + result.message());
  std::printf("ledger ok: %lld entries in %lld signed epochs (+%lld pending), head %s\n",
              static_cast<long long>(report.entries), static_cast<long long>(report.epochs),
              static_cast<long long>(report.pending_entries), report.head_hash.c_str());
  std::printf("coordinator ledger key %s\n", key.c_str());
  std::vector<std::pair<std::string, ContributorTotal>> rows(report.totals.begin(), report.totals.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.credit > b.second.credit; });
  std::printf("%-20s %9s %12s %9s %12s\n", "CONTRIBUTOR", "ENTRIES", "CREDIT", "PENDING", "PENDING CR");
  for (const auto& [contributor, t] : rows) {
    std::printf("%-20s %9lld %12lld %9lld %12lld\n", Fpr(contributor).c_str(),
                static_cast<long long>(t.entries), static_cast<long long>(t.credit),
                static_cast<long long>(t.pending_entries), static_cast<long long>(t.pending_credit));
  }
  return 0;
}

int CreditCommands::LedgerExport() {
  Db db;
  if (Status s = Db::Open(db_, &db); !s.ok()) return Fail(s);
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (out_ != "-") {
    file.open(out_, std::ios::binary | std::ios::trunc);
    if (!file) return Fail("cannot write " + out_);
    out = &file;
  }
  if (Status s = Ledger::Export(&db, *out); !s.ok()) return Fail(s);
  out->flush();
  if (!*out) return Fail("cannot write " + out_);
  if (out_ != "-") std::cerr << "wrote the ledger to " << out_ << "\n";
  return 0;
}

int CreditCommands::ReceiptGet() {
  if (!plaintext_ && curve_key_.size() != 40) {
    return Fail("--coordinator-key must be the coordinator's 40-character CurveZMQ public key "
                "(it prints it when it starts), or pass --plaintext for a loopback test");
  }
  if (!contributor_.empty() && !IsLowerHex(contributor_, 64)) {
    return Fail("--contributor must be 64 lower-case hex digits");
  }
  SigningKey key;
  if (Status s = SigningKey::LoadFromFile(key_path_, &key); !s.ok()) return Fail(s);
  try {
    ProtocolClient client(coordinator_, curve_key_, plaintext_, key);
    HelloMsg hello;
    hello.contributor = key.public_hex();
    hello.worker_id = "receipt-" + RandomHex(6);
    hello.name = key.name();
    hello.software = "swarmcrawl-receipt/0.1.0";
    hello.capacity = 1;
    hello.at_ms = SystemClock().NowMs();
    hello.proof = key.SignHex(HelloProofBytes(hello.contributor, hello.worker_id, hello.at_ms));
    if (Status s = client.Send("HELLO", Encode(hello)); !s.ok()) return Fail(s);
    Envelope env;
    if (Status s = client.Receive(timeout_ms_, &env); !s.ok()) return Fail(s);
    if (env.command != "WELCOME") return Fail("unexpected " + env.command + " instead of WELCOME");
    json ask = json::object();
    if (!contributor_.empty()) ask["contributor"] = contributor_;
    if (Status s = client.Send("RECEIPT", ask); !s.ok()) return Fail(s);
    if (Status s = client.Receive(timeout_ms_, &env); !s.ok()) return Fail(s);
    if (env.command != "RECEIPT" || !env.body.contains("receipt")) {
      return Fail("unexpected " + env.command + " instead of RECEIPT");
    }
    client.Send("BYE", json{{"reason", "receipt received"}});
    const json& receipt = env.body["receipt"];
    const std::string text = receipt.dump(2) + "\n";
    if (out_ == "-") {
      std::cout << text;
    } else {
      std::ofstream f(out_, std::ios::binary | std::ios::trunc);
      if (!f || !(f << text)) return Fail("cannot write " + out_);
    }
    ReceiptSummary sum;
    const std::string ledger_key = receipt.value("coordinator", "");
    if (Status s = VerifyReceipt(receipt, ledger_key, &sum); !s.ok()) {
      return Fail("the coordinator sent a receipt that does not verify: " + s.message());
    }
    std::cerr << "receipt for " << Fpr(sum.contributor) << ": " << sum.proven_entries
              << " proven entries (credit " << sum.proven_credit << ") in " << sum.epochs
              << " epochs, " << sum.pending_entries << " pending (credit " << sum.pending_credit
              << ")\nit names the ledger key " << ledger_key
              << ": check that against the key the coordinator publishes, with\n"
                 "  swarmcrawl receipt verify "
              << (out_ == "-" ? "FILE" : out_) << " --coordinator-key KEY\n";
    return 0;
  } catch (const zmq::error_t& e) {
    return Fail(std::string("cannot talk to ") + coordinator_ + ": " + e.what());
  }
}

int CreditCommands::ReceiptVerify() {
  std::string text;
  if (!ReadFile(file_, &text)) return Fail("cannot read " + file_);
  const json receipt = json::parse(text, nullptr, false);
  if (receipt.is_discarded()) return Fail(file_ + " is not JSON");
  ReceiptSummary sum;
  if (Status s = VerifyReceipt(receipt, ledger_key_, &sum); !s.ok()) {
    if (json_) {
      std::cout << json{{"ok", false}, {"error", s.message()}}.dump(2) << "\n";
      return 1;
    }
    return Fail("receipt does not verify: " + s.message());
  }
  if (json_) {
    std::cout << json{{"ok", true},
                      {"contributor", sum.contributor},
                      {"proven_entries", sum.proven_entries},
                      {"proven_credit", sum.proven_credit},
                      {"pending_entries", sum.pending_entries},
                      {"pending_credit", sum.pending_credit},
                      {"epochs", sum.epochs}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("receipt ok: contributor %s\n", Fpr(sum.contributor).c_str());
  std::printf("  proven:  %lld entries, credit %lld, in %lld signed epochs\n",
              static_cast<long long>(sum.proven_entries), static_cast<long long>(sum.proven_credit),
              static_cast<long long>(sum.epochs));
  std::printf("  pending: %lld entries, credit %lld (not provable until their epoch closes)\n",
              static_cast<long long>(sum.pending_entries), static_cast<long long>(sum.pending_credit));
  return 0;
}

}  // namespace swarmcrawl
