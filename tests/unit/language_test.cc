#include "parsers/language.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace swarmcrawl {
namespace {

constexpr char kEnglish[] =
    "The city council met on Tuesday evening to discuss the new budget for public schools. "
    "Several parents spoke about crowded classrooms and asked the members to hire more teachers "
    "before the next school year begins in September.";
constexpr char kGerman[] =
    "Der Stadtrat hat am Dienstagabend über den neuen Haushalt für die öffentlichen Schulen "
    "beraten. Mehrere Eltern sprachen über überfüllte Klassenzimmer und baten die Mitglieder, "
    "vor Beginn des nächsten Schuljahres im September mehr Lehrer einzustellen.";
constexpr char kFrench[] =
    "Le conseil municipal s'est réuni mardi soir pour discuter du nouveau budget des écoles "
    "publiques. Plusieurs parents ont parlé des classes surchargées et ont demandé aux élus "
    "d'embaucher davantage d'enseignants avant la rentrée scolaire de septembre.";
constexpr char kSpanish[] =
    "El ayuntamiento se reunió el martes por la noche para debatir el nuevo presupuesto de las "
    "escuelas públicas. Varios padres hablaron de las aulas abarrotadas y pidieron a los "
    "concejales que contrataran más profesores antes de que comience el próximo curso escolar.";
constexpr char kRussian[] =
    "Городской совет собрался во вторник вечером, чтобы обсудить новый бюджет для "
    "государственных школ. Несколько родителей рассказали о переполненных классах и попросили "
    "депутатов нанять больше учителей до начала нового учебного года в сентябре.";
constexpr char kJapanese[] =
    "市議会は火曜日の夜に会合を開き、公立学校の新しい予算について話し合いました。"
    "何人かの保護者は教室が混雑していることについて話し、九月に新学年が始まる前に"
    "もっと多くの教師を雇うよう議員に求めました。";
constexpr char kChinese[] =
    "市议会周二晚上召开会议，讨论公立学校的新预算。几位家长谈到了教室拥挤的问题，"
    "并要求议员们在九月新学年开始之前聘请更多的教师，以减少每个班级的学生人数。";
constexpr char kChineseTraditional[] =
    "市議會週二晚上召開會議，討論公立學校的新預算。幾位家長談到了教室擁擠的問題，"
    "並要求議員們在九月新學年開始之前聘請更多的教師，以減少每個班級的學生人數。";
constexpr char kArabic[] =
    "اجتمع مجلس المدينة مساء الثلاثاء لمناقشة الميزانية الجديدة للمدارس العامة. وتحدث عدد "
    "من أولياء الأمور عن الفصول المزدحمة وطلبوا من الأعضاء توظيف المزيد من المعلمين قبل "
    "بداية العام الدراسي الجديد في شهر سبتمبر.";
constexpr char kHebrew[] =
    "מועצת העיר התכנסה ביום שלישי בערב כדי לדון בתקציב החדש של בתי הספר הציבוריים. כמה "
    "הורים דיברו על כיתות צפופות וביקשו מחברי המועצה לגייס מורים נוספים לפני תחילת שנת "
    "הלימודים בספטמבר.";

TEST_CASE("paragraphs in eight languages are identified reliably") {
  const std::pair<const char*, const char*> cases[] = {
      {kEnglish, "en"}, {kGerman, "de"},   {kFrench, "fr"},   {kSpanish, "es"},
      {kRussian, "ru"}, {kJapanese, "ja"}, {kChinese, "zh"}, {kArabic, "ar"}};
  for (const auto& [text, code] : cases) {
    CAPTURE(code);
    const LanguageGuess g = DetectLanguage(text, "");
    CHECK(g.code == code);
    CHECK(g.reliable);
    CHECK(g.source == "cld2");
    CHECK(g.declared == "");
    CHECK(g.score > 0.5);
    CHECK(g.score <= 1.0);
  }
}

TEST_CASE("CLD2's region and legacy codes come out as primary subtags") {
  CHECK(DetectLanguage(kChineseTraditional, "").code == "zh");  // CLD2 says zh-Hant
  CHECK(DetectLanguage(kHebrew, "").code == "he");              // CLD2 says iw
}

TEST_CASE("a declared language that agrees is recorded as agreement") {
  const LanguageGuess g = DetectLanguage(kGerman, "de-AT");
  CHECK(g.code == "de");
  CHECK(g.declared == "de");
  CHECK(g.source == "cld2+declared");
  CHECK(g.reliable);
}

TEST_CASE("the text wins over a declared language that disagrees") {
  const LanguageGuess g = DetectLanguage(kEnglish, "fr");
  CHECK(g.code == "en");
  CHECK(g.declared == "fr");
  CHECK(g.source == "cld2");
  CHECK(g.reliable);
}

TEST_CASE("without usable text the declared language is used with a low score") {
  const LanguageGuess empty = DetectLanguage("", "");
  CHECK(empty.code == "und");
  CHECK(empty.source == "none");
  CHECK(empty.score == 0);
  CHECK_FALSE(empty.reliable);

  const LanguageGuess declared = DetectLanguage("", "fr-CA");
  CHECK(declared.code == "fr");
  CHECK(declared.declared == "fr");
  CHECK(declared.source == "declared");
  CHECK(declared.score == kDeclaredOnlyScore);
  CHECK_FALSE(declared.reliable);

  const LanguageGuess digits = DetectLanguage("12 34 56 -- 78", "pt-BR");
  CHECK(digits.code == "pt");
  CHECK_FALSE(digits.reliable);

  const LanguageGuess garbage_tag = DetectLanguage("", "not a language");
  CHECK(garbage_tag.code == "und");
  CHECK(garbage_tag.declared == "");
}

TEST_CASE("an unreliable detection defers to the declared language") {
  // One sentence in each of five languages: CLD2 leans to Spanish, unreliably.
  const std::string mixed =
      "The city council met on Tuesday evening to discuss the new budget for public schools. "
      "Der Stadtrat hat am Dienstagabend über den neuen Haushalt für die öffentlichen Schulen "
      "beraten. Le conseil municipal s'est réuni mardi soir pour discuter du nouveau budget des "
      "écoles publiques. El ayuntamiento se reunió el martes por la noche para debatir el nuevo "
      "presupuesto de las escuelas públicas. Il consiglio comunale si è riunito martedì sera per "
      "discutere il nuovo bilancio delle scuole pubbliche.";
  const LanguageGuess alone = DetectLanguage(mixed, "");
  CHECK(alone.code == "es");
  CHECK_FALSE(alone.reliable);
  CHECK(alone.source == "cld2");
  CHECK(alone.score < 0.5);  // about a fifth of the text

  const LanguageGuess agree = DetectLanguage(mixed, "es-MX");
  CHECK(agree.code == "es");
  CHECK_FALSE(agree.reliable);
  CHECK(agree.source == "cld2+declared");
  CHECK(agree.score == alone.score);

  const LanguageGuess other = DetectLanguage(mixed, "ru");
  CHECK(other.code == "ru");
  CHECK_FALSE(other.reliable);
  CHECK(other.source == "declared");
  CHECK(other.score == kDeclaredOnlyScore);
}

TEST_CASE("invalid UTF-8 is sanitized before CLD2 sees it") {
  std::string text = kSpanish;
  text.insert(40, "\xFF\xC0\x80");
  text += "\xE2\x82";
  const LanguageGuess g = DetectLanguage(text, "");
  CHECK(g.code == "es");
  CHECK(g.reliable);
}

TEST_CASE("only a bounded prefix of a long text is read") {
  // 64 KB and more of English, then 2 MB of German: the German is never read.
  std::string text;
  while (text.size() < kLanguageDetectMaxBytes + 1000) text += std::string(kEnglish) + "\n";
  while (text.size() < 2 * 1000 * 1000) text += std::string(kGerman) + "\n";
  const auto start = std::chrono::steady_clock::now();
  const LanguageGuess g = DetectLanguage(text, "");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("DetectLanguage of " << text.size() << " bytes: " << seconds * 1e3 << " ms");
  CHECK(g.code == "en");
  CHECK(seconds < 1.0);

  // A cut inside a multi-byte character must not matter: Russian, 2-byte letters.
  std::string russian;
  while (russian.size() < kLanguageDetectMaxBytes + 10) russian += std::string(kRussian) + " ";
  for (size_t shift = 0; shift < 2; ++shift) {
    CHECK(DetectLanguage(russian.substr(shift), "").code == "ru");
  }
}

TEST_CASE("language tags normalize to their primary subtag") {
  CHECK(NormalizeLanguageTag("EN-us") == "en");
  CHECK(NormalizeLanguageTag("zh_Hant") == "zh");
  CHECK(NormalizeLanguageTag("zh-Hant-TW") == "zh");
  CHECK(NormalizeLanguageTag(" de \n") == "de");
  CHECK(NormalizeLanguageTag("fil") == "fil");
  CHECK(NormalizeLanguageTag("iw") == "he");
  CHECK(NormalizeLanguageTag("in-ID") == "id");
  CHECK(NormalizeLanguageTag("und") == "");
  CHECK(NormalizeLanguageTag("zxx") == "");
  CHECK(NormalizeLanguageTag("x-klingon") == "");
  CHECK(NormalizeLanguageTag("i-klingon") == "");
  CHECK(NormalizeLanguageTag("english") == "");
  CHECK(NormalizeLanguageTag("e1") == "");
  CHECK(NormalizeLanguageTag("en,fr") == "");
  CHECK(NormalizeLanguageTag("en-") == "");
  CHECK(NormalizeLanguageTag("-en") == "");
  CHECK(NormalizeLanguageTag("") == "");
  CHECK(NormalizeLanguageTag("\xC3\xA9n") == "");
}

}  // namespace
}  // namespace swarmcrawl
