// Crawl control shared by the CLI and the HTTP API: submitting a crawl spec
// and the JSON views of crawl status and contributor credit.
//
// Both front ends change crawls only through the database, exactly as a
// second process would; the running coordinator notices the change (SQLite
// data_version) and acts on it. So a submit or pause from the API behaves
// the same as one from `swarmcrawl crawl ...`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "coordinator/store.h"
#include "core/clock.h"
#include "core/status.h"

namespace swarmcrawl {

// Parses `spec_text` (JSON, schemas/crawl_spec.v1.json) and inserts the crawl
// with its seeds in one transaction. A crawl of the same name is left alone
// and reported with *existed = true. A bad spec names its bad field; nothing
// is stored then.
Status SubmitCrawl(Store* store, const std::string& spec_text, const Clock* clock,
                   std::string* name, bool* existed);

// "pause" -> "paused", "resume" -> "running", "cancel" -> "cancelled"; false
// for any other verb.
bool CrawlStateForVerb(const std::string& verb, std::string* state);

// Pages whose owners said no: robots.txt (ours or an AI crawler's), noindex,
// noai, or a TDM reservation.
int64_t OptedOut(const CrawlStatus& st);

// {name, state, counts{done,queued,leased,failed,excluded}, by_state,
//  by_reason, opted_out, records, bytes, hosts, active_leases, created_at,
//  finished_at}
nlohmann::json CrawlStatusJson(const CrawlStatus& st);

// A contributor's standing in one word: "trusted" after trust_after
// agreements in a row, "suspect" after a lost check or a provably bad batch
// (every page is then checked), "new" otherwise.
std::string TrustLabel(const CreditRow& r, int64_t trust_after);

nlohmann::json CreditRowJson(const CreditRow& r, int64_t trust_after);

}  // namespace swarmcrawl
