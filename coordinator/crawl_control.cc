#include "coordinator/crawl_control.h"

#include "coordinator/frontier.h"

namespace swarmcrawl {

Status SubmitCrawl(Store* store, const std::string& spec_text, const Clock* clock,
                   std::string* name, bool* existed) {
  CrawlSpec spec;
  if (Status s = ParseCrawlSpec(spec_text, &spec); !s.ok()) return s;
  *name = spec.name;
  CrawlInfo existing;
  *existed = store->FindCrawl(spec.name, &existing).ok();
  if (*existed) return Status::OK();
  try {
    Transaction tx(store->db());
    int64_t id = 0;
    if (Status s = store->InsertCrawl(spec, clock->NowMs(), &id); !s.ok()) return s;
    Frontier frontier(store, clock);
    frontier.LoadCrawls();
    frontier.AddSeeds(id);
    frontier.Flush();  // the coordinator reads the seeds from the frontier table
    tx.Commit();
  } catch (const SqliteError& e) {
    return Status::Error("io", e.what());
  }
  return Status::OK();
}

bool CrawlStateForVerb(const std::string& verb, std::string* state) {
  if (verb == "pause") {
    *state = "paused";
  } else if (verb == "resume") {
    *state = "running";
  } else if (verb == "cancel") {
    *state = "cancelled";
  } else {
    return false;
  }
  return true;
}

int64_t OptedOut(const CrawlStatus& st) {
  int64_t n = 0;
  for (const char* r : {"excluded/robots", "excluded/ai_robots", "done/noindex", "done/noai",
                        "done/tdm_reserved"}) {
    if (auto it = st.by_reason.find(r); it != st.by_reason.end()) n += it->second;
  }
  return n;
}

nlohmann::json CrawlStatusJson(const CrawlStatus& st) {
  nlohmann::json counts = nlohmann::json::object();
  for (const char* state : {"done", "queued", "leased", "failed", "excluded"}) {
    auto it = st.by_state.find(state);
    counts[state] = it == st.by_state.end() ? 0 : it->second;
  }
  return {{"name", st.info.name},         {"state", st.info.state},
          {"counts", counts},             {"by_state", st.by_state},
          {"by_reason", st.by_reason},    {"opted_out", OptedOut(st)},
          {"records", st.records},        {"bytes", st.bytes},
          {"hosts", st.hosts},            {"active_leases", st.active_leases},
          {"created_at", st.info.created_at},
          {"finished_at", st.info.finished_at == 0 ? nlohmann::json(nullptr)
                                                   : nlohmann::json(st.info.finished_at)}};
}

std::string TrustLabel(const CreditRow& r, int64_t trust_after) {
  if (r.streak >= trust_after) return "trusted";
  return r.disagreements > 0 || r.penalties > 0 ? "suspect" : "new";
}

nlohmann::json CreditRowJson(const CreditRow& r, int64_t trust_after) {
  return {{"contributor", r.contributor},
          {"fingerprint", r.fingerprint},
          {"name", r.name},
          {"pages", r.pages},
          {"bytes", r.bytes},
          {"credit_accepted", r.credit_accepted},
          {"credit_pending", r.credit_pending},
          {"items_rejected", r.items_rejected},
          {"reputation", r.reputation},
          {"trust", TrustLabel(r, trust_after)},
          {"agreements", r.agreements},
          {"disagreements", r.disagreements},
          {"penalties", r.penalties},
          {"batches", r.batches},
          {"rejected_batches", r.rejected_batches}};
}

}  // namespace swarmcrawl
