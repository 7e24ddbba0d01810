// Language identification of a page's plain text with CLD2, combined with
// the language the page declares (<html lang>).
//
// The rule (DetectLanguage):
//  1. CLD2 (ExtDetectLanguageSummary, plain text, the declared language as
//     its language hint) reads at most the first 64 KB of the text, cut at a
//     code point boundary and made valid UTF-8 with SanitizeUtf8, so time is
//     bounded and CLD2 never sees invalid input.
//  2. CLD2 reliable: its language wins. score = the share of the text CLD2
//     attributes to it (percent / 100); source "cld2+declared" when the
//     declared language is the same, else "cld2".
//  3. CLD2 not reliable (short or mixed text) and a declared language:
//     the declared one, reliable = false; source "cld2+declared" with CLD2's
//     share as score when CLD2's best guess agrees, else "declared" with
//     score kDeclaredOnlyScore.
//  4. CLD2 not reliable, nothing declared: CLD2's guess if it has one
//     (source "cld2", reliable = false), else "und" with score 0 and source
//     "none".
// Codes are primary subtags (NormalizeLanguageTag): CLD2's "zh-Hant" is
// "zh", its legacy "iw"/"jw" are "he"/"jv". CLD2 is thread-safe and keeps
// no state between calls.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace swarmcrawl {

inline constexpr double kDeclaredOnlyScore = 0.25;
// CLD2 reads at most this much of the text: its cost is linear in the input,
// and 16 KiB (some 2,500 words) is far more than it needs to be reliable.
inline constexpr size_t kLanguageDetectMaxBytes = 16 * 1024;

struct LanguageGuess {
  std::string code = "und";  // primary language subtag ("en", "de", "zh"), "und" when unknown
  double score = 0;          // 0..1, see the rule above
  bool reliable = false;     // CLD2 called its answer reliable
  std::string declared;      // NormalizeLanguageTag(declared_html_lang), "" if none
  std::string source = "none";  // "cld2", "declared", "cld2+declared" or "none"
};

LanguageGuess DetectLanguage(std::string_view text, std::string_view declared_html_lang);

// The record's "language" object: {"code", "score", "reliable", "declared", "source"}.
nlohmann::json LanguageToJson(const LanguageGuess& g);

// Primary language subtag of a BCP 47-like tag, lower-case: "EN-us" -> "en",
// "zh_Hant" -> "zh", " de " -> "de". Deprecated codes map to current ones
// (iw -> he, in -> id, ji -> yi, jw -> jv). Returns "" for anything that is
// not 2 or 3 ASCII letters before the first '-' or '_' (garbage, private
// use "x-...", grandfathered "i-..."), and for und, mul, mis and zxx, which
// name no language.
std::string NormalizeLanguageTag(std::string_view tag);

}  // namespace swarmcrawl
