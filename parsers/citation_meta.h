// CitationMeta: the Highwire Press / Google Scholar citation tags of a page
// (<meta name="citation_title" content="...">, citation_author, ...), as one
// scholarly_article.v1 record (schemas/scholarly_article.v1.json).
//
// Nearly every academic publisher and repository (arXiv, PubMed Central,
// OJS and DSpace sites, journal platforms) writes these tags for Google
// Scholar, so they are the most widely available description of an article.
//
// What it reads: only <meta name=... content=...> elements in the HTML
// namespace (not inside <template>), anywhere in the tree; the name is
// compared case-insensitively after trimming. Fields:
//   title              citation_title (required: a page without a non-empty
//                      one yields no record)
//   authors            every citation_author, in page order; else the
//                      semicolon-separated citation_authors; else every
//                      DC.creator / DC.creator.PersonalName / DCTERMS.creator
//   date               citation_publication_date, else citation_date, else
//                      DC.date / DC.date.issued / DCTERMS.issued: the first
//                      that normalizes (NormalizeCitationDate)
//   journal            citation_journal_title
//   conference         citation_conference_title
//   volume, issue      citation_volume, citation_issue
//   first_page, last_page  citation_firstpage, citation_lastpage
//   doi                citation_doi, normalized (NormalizeDoi)
//   pdf_url            citation_pdf_url            } resolved against the page
//   abstract_html_url  citation_abstract_html_url  } (and its <base href>)
//   publisher          citation_publisher
//   language           citation_language, as written
//   keywords           every citation_keywords, split on ';' (on ',' when a
//                      value holds no ';'), de-duplicated
// For single-valued fields the first non-empty value wins.
//
// Invariants of a record: every string is valid UTF-8, whitespace-collapsed
// and trimmed, non-empty (absent fields are null, absent lists []); URLs are
// absolute canonical http(s) URLs; dates are "YYYY", "YYYY-MM" or
// "YYYY-MM-DD" and real calendar dates; a DOI starts with "10.".
// Bounds: at most kMaxCitationAuthors authors and kMaxCitationKeywords
// keywords (the record's "truncated" says when more were dropped), one-line
// fields at most kMaxCitationFieldBytes, URLs at most kMaxCitationUrlBytes
// (longer ones read as absent). The tree walk is iterative (an explicit
// stack; nesting depth is attacker-controlled) and linear in the tree's size;
// attribute values are copied only after being cut to these bounds.
// Never throws: errors (no tree, no title, unusable values) are empty
// results or null fields. Thread-safe; keeps no state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parsers/parser_registry.h"

typedef struct GumboInternalNode GumboNode;

namespace swarmcrawl {

inline constexpr size_t kMaxCitationAuthors = 200;
inline constexpr size_t kMaxCitationKeywords = 100;
inline constexpr size_t kMaxCitationFieldBytes = 4096;
inline constexpr size_t kMaxCitationUrlBytes = 8192;

struct CitationMeta {
  std::string title;
  std::vector<std::string> authors;  // as written ("Halvorsen, Ingrid" stays so), not de-duplicated
  std::string date;                  // "YYYY", "YYYY-MM" or "YYYY-MM-DD"; empty if none parses
  std::string journal;
  std::string conference;
  std::string volume;
  std::string issue;
  std::string first_page;
  std::string last_page;
  std::string doi;                // "10.NNNN/suffix"; empty if absent or malformed
  std::string pdf_url;            // absolute canonical http(s) URL, or empty
  std::string abstract_html_url;  // absolute canonical http(s) URL, or empty
  std::string publisher;
  std::string language;
  std::vector<std::string> keywords;
  bool truncated = false;  // authors or keywords beyond the limits were dropped
};

// Reads the citation tags of the tree under `root` (a document node or the
// <html> element) of a page fetched from `page_url` (absolute; when empty,
// relative URLs read as absent). Returns false, leaving *out unspecified,
// when there is no tree or no non-empty citation_title.
bool ReadCitationMeta(const GumboNode* root, std::string_view page_url, CitationMeta* out);

// The scholarly_article.v1 body of `meta`: "schema", "source"
// ("citation_meta") and the fields above; empty strings become null.
nlohmann::json CitationRecord(const CitationMeta& meta);

// The "citation_meta" parser of DefaultParserRegistry(): no record, or one
// scholarly_article.v1 body, for an HTML page (PageInput::root).
std::vector<nlohmann::json> CitationMetaRecords(const PageInput& in);

// "2021/03/15", "2021-3-5", "2021-03-15T08:00:00Z" -> "2021-03-15";
// "2021/03" -> "2021-03"; "2021" -> "2021"; "2019 Jun 5", "2019 June 05"
// -> "2019-06-05"; "2019 Sept" -> "2019-09"; "2019 Spring" -> "2019" (the
// year is certain, the rest not). Anything else, impossible dates
// ("2021/02/30", "2021/13") and years before 1000 -> "".
std::string NormalizeCitationDate(std::string_view date);

// "10.5555/x", "doi:10.5555/x", "https://doi.org/10.5555/x",
// "info:doi/10.5555/x" -> "10.5555/x" (case kept). "" unless the result is
// "10." + digits and dots (at most 32) + "/" + a suffix without whitespace.
std::string NormalizeDoi(std::string_view doi);

}  // namespace swarmcrawl
