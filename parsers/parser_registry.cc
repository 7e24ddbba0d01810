#include "parsers/parser_registry.h"

#include <utility>

#include "core/strings.h"
#include "parsers/citation_meta.h"
#include "parsers/feed_items.h"
#include "parsers/structured_records.h"

namespace swarmcrawl {
namespace {

Status BadField(std::string message) { return Status::Error("bad_field", std::move(message)); }

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '!' || c == '#' || c == '$' ||
         c == '&' || c == '^' || c == '_' || c == '.' || c == '+' || c == '-';
}

bool ValidContentType(std::string_view t) {
  const size_t slash = t.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size()) return false;
  const std::string_view type = t.substr(0, slash), sub = t.substr(slash + 1);
  for (char c : type) {
    if (!IsTokenChar(c)) return false;
  }
  if (sub == "*") return true;
  for (char c : sub) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// `piece` (no '*'; '?' matches any byte) at text[at...].
bool PieceAt(std::string_view piece, std::string_view text, size_t at) {
  if (text.size() - at < piece.size()) return false;
  for (size_t i = 0; i < piece.size(); ++i) {
    if (piece[i] != '?' && piece[i] != text[at + i]) return false;
  }
  return true;
}

}  // namespace

bool GlobMatch(std::string_view glob, std::string_view text) {
  size_t star = glob.find('*');
  if (star == std::string_view::npos) return glob.size() == text.size() && PieceAt(glob, text, 0);
  // Split at '*': first piece anchored at the start, last at the end, and
  // the middle ones found left to right at their leftmost place. Taking the
  // leftmost occurrence is never worse than a later one (it leaves the most
  // text for what follows), so no choice is ever revisited.
  const std::string_view first = glob.substr(0, star);
  const size_t last_star = glob.rfind('*');
  const std::string_view last = glob.substr(last_star + 1);
  if (text.size() < first.size() + last.size()) return false;
  if (!PieceAt(first, text, 0) || !PieceAt(last, text, text.size() - last.size())) return false;
  size_t pos = first.size();
  const size_t end = text.size() - last.size();  // middle pieces must fit before the last piece
  while (star < last_star) {
    const size_t next = glob.find('*', star + 1);
    const std::string_view piece = glob.substr(star + 1, next - star - 1);
    star = next;
    if (piece.empty()) continue;
    bool found = false;
    for (; pos + piece.size() <= end; ++pos) {
      if (PieceAt(piece, text.substr(0, end), pos)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
    pos += piece.size();
  }
  return true;
}

std::string NormalizeContentType(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return AsciiLower(t);
}

Status ParserRegistry::Add(ParserSpec spec) {
  if (spec.name.empty() || spec.name.size() > 64) {
    return BadField("parser name must be 1 to 64 characters");
  }
  for (char c : spec.name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return BadField("parser name \"" + spec.name + "\" may only hold a-z, 0-9, '.', '_', '-'");
    }
  }
  for (const auto& s : specs_) {
    if (s->name == spec.name) return BadField("parser \"" + spec.name + "\" is already registered");
  }
  if (spec.url_glob.empty() || spec.url_glob.size() > kMaxGlobBytes) {
    return BadField("parser \"" + spec.name + "\": url_glob must be 1 to " +
                    std::to_string(kMaxGlobBytes) + " bytes (\"*\" matches every URL)");
  }
  for (char c : spec.url_glob) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return BadField("parser \"" + spec.name +
                      "\": url_glob may hold only printable ASCII without spaces (URLs are "
                      "percent-encoded)");
    }
  }
  for (std::string& t : spec.content_types) {
    t = NormalizeContentType(t);
    if (!ValidContentType(t)) {
      return BadField("parser \"" + spec.name + "\": content type \"" + t +
                      "\" is not type/subtype");
    }
  }
  if (!spec.parse) return BadField("parser \"" + spec.name + "\" has no parse function");
  specs_.push_back(std::make_unique<ParserSpec>(std::move(spec)));
  return Status::OK();
}

std::vector<const ParserSpec*> ParserRegistry::Match(std::string_view url,
                                                     std::string_view content_type) const {
  std::vector<const ParserSpec*> out;
  const std::string type = NormalizeContentType(content_type);
  for (const auto& s : specs_) {
    bool type_ok = s->content_types.empty();
    for (const std::string& t : s->content_types) {
      if (t == type || (t.ends_with("/*") && type.size() > t.size() - 1 &&
                        type.compare(0, t.size() - 1, t, 0, t.size() - 1) == 0)) {
        type_ok = true;
        break;
      }
    }
    if (type_ok && GlobMatch(s->url_glob, url)) out.push_back(s.get());
  }
  return out;
}

ParserRegistry DefaultParserRegistry() {
  ParserRegistry r;
  ParserSpec schema_org;
  schema_org.name = "schema.org";
  schema_org.content_types = {"text/html", "application/xhtml+xml"};
  schema_org.parse = [](const PageInput& in) -> std::vector<nlohmann::json> {
    if (in.structured == nullptr) return {};
    return StructuredRecords(*in.structured, in.url);
  };
  (void)r.Add(std::move(schema_org));

  ParserSpec citation;
  citation.name = "citation_meta";
  citation.content_types = {"text/html", "application/xhtml+xml"};
  citation.parse = CitationMetaRecords;
  (void)r.Add(std::move(citation));

  ParserSpec feed;
  feed.name = "feed";
  feed.content_types = {"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                        "application/xml", "text/xml"};
  feed.parse = [](const PageInput& in) -> std::vector<nlohmann::json> {
    const FeedItemsResult parsed = ParseFeedItems(in.body, in.url);
    std::vector<nlohmann::json> out;
    if (!parsed.error.empty()) return out;  // not a feed, or not well-formed
    out.reserve(parsed.items.size());
    for (const FeedItem& item : parsed.items) {
      out.push_back(FeedItemRecord(item, parsed.feed, parsed.feed.format));
    }
    return out;
  };
  (void)r.Add(std::move(feed));
  return r;
}

}  // namespace swarmcrawl
