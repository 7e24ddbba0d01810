// The contributor-credit subcommands of the swarmcrawl CLI:
//   credits                  the credit table (accepted, pending, rejected, trust)
//   ledger verify | export   the tamper-evident ledger (coordinator/ledger.h)
//   receipt get | verify     a contributor's offline-checkable proof of its
//                            credit (core/receipt.h), fetched over the protocol
// Each answers from the code the coordinator itself uses. Registering adds
// the subcommands to the app; Run() executes whichever one was parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace swarmcrawl {

class CreditCommands {
 public:
  explicit CreditCommands(CLI::App* app);

  // The exit code of the parsed subcommand, or nullopt when none of these ran.
  std::optional<int> Run();

 private:
  int Credits();
  int LedgerVerify();
  int LedgerExport();
  int ReceiptGet();
  int ReceiptVerify();

  CLI::App* credits_ = nullptr;
  CLI::App* ledger_verify_ = nullptr;
  CLI::App* ledger_export_ = nullptr;
  CLI::App* receipt_get_ = nullptr;
  CLI::App* receipt_verify_ = nullptr;

  std::string db_ = "swarmcrawl.db";
  std::string crawl_;
  bool json_ = false;
  std::string ledger_key_;  // Ed25519 public key hex that signs epochs
  std::string file_;        // an export, a receipt, or an output path
  std::string out_ = "-";
  // receipt get
  std::string coordinator_ = "tcp://127.0.0.1:7170";
  std::string curve_key_;  // the coordinator's CurveZMQ public key (Z85)
  bool plaintext_ = false;
  std::string key_path_ = "swarmcrawl.key";
  std::string contributor_;
  int timeout_ms_ = 15000;
};

}  // namespace swarmcrawl
