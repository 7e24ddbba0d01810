#include "parsers/page_content.h"

#include "core/charset.h"
#include "parsers/extract.h"
#include "parsers/language.h"
#include "parsers/parser_registry.h"
#include "parsers/quality.h"
#include "parsers/structured_data.h"

namespace swarmcrawl {

namespace {

using json = nlohmann::json;

// Runs every matching parser; one failing parser loses only its own records.
void RunParsers(const ParserRegistry& registry, const PageInput& input, json* out) {
  for (const ParserSpec* spec : registry.Match(input.url, input.content_type)) {
    try {
      for (auto& rec : spec->parse(input)) {
        if (out->size() >= 256) return;
        if (rec.is_object() && rec.contains("schema")) {
          rec["parser"] = spec->name;
          out->push_back(std::move(rec));
        }
      }
    } catch (const std::exception&) {
      // A parser bug must not cost the page its web_page record.
    }
  }
}

}  // namespace

PageContent BuildPageContent(std::string_view body, std::string_view page_url,
                             std::string_view content_type, std::string_view charset,
                             const PageContentOptions& options) {
  PageContent out;
  const DecodedText decoded = DecodeHtmlToUtf8(body, charset, options.max_decoded_bytes);

  StructuredData structured;
  Article article;
  json records = json::array();
  ExtractLimits extract_limits;
  extract_limits.max_text_bytes = options.max_text_bytes;
  out.page = ParseHtmlPage(decoded.utf8, page_url, options.html, [&](const GumboNode* root) {
    structured = ExtractStructuredData(root);
    article = ExtractArticle(root, page_url, structured.items, extract_limits);
    if (options.registry != nullptr) {
      PageInput input{page_url, content_type, decoded.utf8, root, &structured};
      RunParsers(*options.registry, input, &records);
    }
  });

  json metadata = ArticleMetadataToJson(article);
  if (article.found) {
    out.text = std::move(article.text);
    out.markdown = std::move(article.markdown);
  } else {
    out.text = out.page.text;
    metadata["method"] = "page";
  }
  json limits = out.page.truncated_by;
  if (decoded.truncated) limits.insert(limits.begin(), "decode_bytes");
  if (out.text.size() > options.max_text_bytes) {
    out.text.resize(options.max_text_bytes);
    out.text = SanitizeUtf8(out.text);  // a cut code point becomes U+FFFD
    limits.push_back("main_text");
  }
  if (structured.json_ld_blocks > 0) {
    metadata["json_ld_blocks"] = structured.json_ld_blocks;
    if (structured.json_ld_errors > 0) metadata["json_ld_errors"] = structured.json_ld_errors;
  }
  std::string declared = out.page.lang.empty() ? article.language : out.page.lang;
  const LanguageGuess lang = DetectLanguage(out.text, declared);
  json quality = QualityToJson(ComputeQuality(out.text));

  out.extras["metadata"] = std::move(metadata);
  out.extras["language"] = LanguageToJson(lang);
  out.extras["quality"] = std::move(quality);
  out.extras["encoding"] = {{"name", decoded.encoding},
                            {"source", decoded.source},
                            {"had_errors", decoded.had_errors},
                            {"truncated", decoded.truncated}};
  out.extras["limits"] = {{"truncated", !limits.empty()}, {"reasons", std::move(limits)}};
  if (!records.empty()) out.extras["structured"] = std::move(records);
  return out;
}

json NonHtmlRecords(std::string_view body, std::string_view url, std::string_view content_type,
                    const ParserRegistry& registry) {
  json records = json::array();
  PageInput input{url, content_type, body, nullptr, nullptr};
  RunParsers(registry, input, &records);
  return records;
}

}  // namespace swarmcrawl
