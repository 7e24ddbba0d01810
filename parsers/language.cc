#include "parsers/language.h"

#include <algorithm>
#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <utility>

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include "core/strings.h"
#include "parsers/html_page.h"

namespace swarmcrawl {
namespace {

// CLD2 names a few languages by withdrawn ISO 639 codes.
constexpr std::pair<std::string_view, std::string_view> kLegacyCodes[] = {
    {"iw", "he"}, {"in", "id"}, {"ji", "yi"}, {"jw", "jv"}};

// Everything from X_BORK_BORK_BORK on is a joke language or a bare script.
bool IsKnown(CLD2::Language lang) {
  return lang != CLD2::UNKNOWN_LANGUAGE && lang != CLD2::TG_UNKNOWN_LANGUAGE &&
         lang < CLD2::X_BORK_BORK_BORK;
}

// CLD2's Language for a normalized code, for the hint.
CLD2::Language HintFor(const std::string& code) {
  if (code.empty()) return CLD2::UNKNOWN_LANGUAGE;
  std::string cld_code = code;
  for (const auto& [legacy, current] : kLegacyCodes) {
    if (current == code) cld_code = std::string(legacy);
  }
  return CLD2::GetLanguageFromName(cld_code.c_str());
}

}  // namespace

std::string NormalizeLanguageTag(std::string_view tag) {
  size_t b = 0, e = tag.size();
  while (b < e && (tag[b] == ' ' || tag[b] == '\t' || tag[b] == '\n' || tag[b] == '\r')) ++b;
  while (e > b && (tag[e - 1] == ' ' || tag[e - 1] == '\t' || tag[e - 1] == '\n' ||
                   tag[e - 1] == '\r')) {
    --e;
  }
  tag = tag.substr(b, e - b);
  const size_t cut = tag.find_first_of("-_");
  const std::string_view primary = tag.substr(0, cut);
  if (primary.size() < 2 || primary.size() > 3) return "";
  if (cut != std::string_view::npos && cut + 1 == tag.size()) return "";  // "en-"
  std::string out;
  for (char c : primary) {
    const char l = AsciiLower(c);
    if (l < 'a' || l > 'z') return "";
    out.push_back(l);
  }
  if (out == "und" || out == "mul" || out == "mis" || out == "zxx") return "";
  for (const auto& [legacy, current] : kLegacyCodes) {
    if (out == legacy) return std::string(current);
  }
  return out;
}

LanguageGuess DetectLanguage(std::string_view text, std::string_view declared_html_lang) {
  LanguageGuess g;
  g.declared = NormalizeLanguageTag(declared_html_lang);

  size_t n = std::min(text.size(), kLanguageDetectMaxBytes);
  // Do not cut a code point in two (it would become U+FFFD): back up over
  // at most three continuation bytes.
  for (int k = 0; k < 3 && n < text.size() && n > 0 &&
                  (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80;
       ++k) {
    --n;
  }
  const std::string sample = SanitizeUtf8(text.substr(0, n));

  CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, HintFor(g.declared)};
  CLD2::Language language3[3];
  int percent3[3] = {0, 0, 0};
  double normalized_score3[3];
  int text_bytes = 0;
  bool reliable = false;
  const CLD2::Language lang = CLD2::ExtDetectLanguageSummary(
      sample.data(), static_cast<int>(sample.size()), /*is_plain_text=*/true, &hints,
      /*flags=*/0, language3, percent3, normalized_score3, /*resultchunkvector=*/nullptr,
      &text_bytes, &reliable);
  const std::string detected = IsKnown(lang) ? NormalizeLanguageTag(CLD2::LanguageCode(lang)) : "";
  int percent = percent3[0];
  for (int i = 0; i < 3; ++i) {
    if (language3[i] == lang) {
      percent = percent3[i];
      break;
    }
  }
  const double share = std::clamp(percent / 100.0, 0.0, 1.0);

  if (!detected.empty() && reliable) {
    g.code = detected;
    g.score = share;
    g.reliable = true;
    g.source = detected == g.declared ? "cld2+declared" : "cld2";
  } else if (!g.declared.empty()) {
    g.code = g.declared;
    g.score = detected == g.declared ? share : kDeclaredOnlyScore;
    g.source = detected == g.declared ? "cld2+declared" : "declared";
  } else if (!detected.empty()) {
    g.code = detected;
    g.score = share;
    g.source = "cld2";
  }
  return g;
}

nlohmann::json LanguageToJson(const LanguageGuess& g) {
  return {{"code", g.code},
          {"score", g.score},
          {"reliable", g.reliable},
          {"declared", g.declared},
          {"source", g.source}};
}

}  // namespace swarmcrawl
