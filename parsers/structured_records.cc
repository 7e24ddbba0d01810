#include "parsers/structured_records.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "core/strings.h"
#include "core/url.h"
#include "parsers/feed_items.h"
#include "parsers/html_page.h"

namespace swarmcrawl {

bool IsStructuredSchema(std::string_view name) {
  for (const char* s : kStructuredSchemas) {
    if (name == s) return true;
  }
  return false;
}
namespace {

using json = nlohmann::json;

constexpr size_t kMaxRecords = 64;
constexpr size_t kMaxComments = 1000;
constexpr size_t kMaxOffers = 100;
constexpr size_t kMaxSteps = 500;
constexpr size_t kMaxList = 100;   // authors, keywords, images
constexpr size_t kMaxField = 4096;          // one-line fields
constexpr size_t kMaxBody = 1u << 20;       // articleBody, text, description
constexpr size_t kMaxUrl = 8192;
constexpr int kMaxHops = 8;  // {"name": {"@value": ...}} chains followed by Str()

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

const json* Get(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// The first of several keys that is present.
const json* GetAny(const json& obj, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (const json* v = Get(obj, k)) return v;
  }
  return nullptr;
}

std::string TypeOf(const json& v) {
  const json* t = Get(v, "@type");
  return t != nullptr && t->is_string() ? t->get<std::string>() : std::string();
}

// The string a value stands for: a string; a number written out; the first
// element of an array; an object's "@value", "name" or "text". Follows at
// most kMaxHops levels, so no recursion on attacker-controlled depth.
std::string Str(const json* v) {
  for (int hop = 0; v != nullptr && hop < kMaxHops; ++hop) {
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
    if (v->is_number_unsigned()) return std::to_string(v->get<uint64_t>());
    if (v->is_number_float()) {
      const double d = v->get<double>();
      if (!std::isfinite(d)) return "";
      return json(d).dump();
    }
    if (v->is_array()) {
      const json* next = nullptr;
      for (const json& e : *v) {
        if (!e.is_null()) {
          next = &e;
          break;
        }
      }
      v = next;
      continue;
    }
    if (v->is_object()) {
      v = GetAny(*v, {"@value", "name", "text"});
      continue;
    }
    return "";
  }
  return "";
}

bool LooksLikeHtml(std::string_view s) {
  return s.find('<') != std::string_view::npos || s.find('&') != std::string_view::npos;
}


// Plain text of a value. `multiline` keeps line breaks (bodies); otherwise
// all whitespace is collapsed.
std::string Text(const json* v, size_t cap, bool multiline = false) {
  std::string raw = Str(v);
  if (raw.size() > cap * 2 + 1024) raw.resize(cap * 2 + 1024);
  if (LooksLikeHtml(raw)) {
    HtmlLimits limits;
    limits.max_links = 0;
    limits.max_text_bytes = cap;
    raw = ParseHtmlPage(raw, "http://invalid/", limits).text;
  }
  if (!multiline) return CollapseSpaces(raw, cap);
  // Keep paragraphs: collapse within lines, one '\n' between non-empty lines.
  std::string out;
  size_t start = 0;
  while (start <= raw.size() && out.size() < cap) {
    size_t nl = raw.find('\n', start);
    if (nl == std::string::npos) nl = raw.size();
    std::string line = CollapseSpaces(std::string_view(raw).substr(start, nl - start), cap);
    if (!line.empty()) {
      if (!out.empty()) out.push_back('\n');
      out += line;
    }
    start = nl + 1;
  }
  out = SanitizeUtf8(out);
  TruncateUtf8(&out, cap);
  return out;
}

json OrNull(std::string s) { return s.empty() ? json(nullptr) : json(std::move(s)); }

json TextField(const json& item, std::initializer_list<const char*> keys, bool multiline = false) {
  return OrNull(Text(GetAny(item, keys), multiline ? kMaxBody : kMaxField, multiline));
}

json DateField(const json& item, std::initializer_list<const char*> keys) {
  return OrNull(NormalizeDateUtc(CollapseSpaces(Str(GetAny(item, keys)), 128)));
}

// An absolute canonical URL from a string, or an object's url / contentUrl / @id.
std::string Url(const json* v, std::string_view page_url) {
  for (int hop = 0; v != nullptr && hop < kMaxHops; ++hop) {
    if (v->is_array()) {
      v = v->empty() ? nullptr : &v->front();
      continue;
    }
    if (v->is_object()) {
      v = GetAny(*v, {"url", "contentUrl", "@id"});
      continue;
    }
    if (!v->is_string()) return "";
    const std::string_view ref = Trim(v->get_ref<const std::string&>());
    if (ref.empty() || ref.size() > kMaxUrl) return "";
    std::string out;
    const Status s = page_url.empty() ? CanonicalizeUrl(ref, &out) : ResolveUrl(page_url, ref, &out);
    if (!s.ok() || out.size() > kMaxUrl) return "";
    return SanitizeUtf8(out);
  }
  return "";
}

// The elements of a list-valued property (a lone value is a list of one).
std::vector<const json*> Elements(const json* v) {
  std::vector<const json*> out;
  if (v == nullptr) return out;
  if (v->is_array()) {
    for (const json& e : *v) {
      if (!e.is_null()) out.push_back(&e);
    }
  } else {
    out.push_back(v);
  }
  return out;
}

void AddUnique(json* list, std::string s, size_t max = kMaxList) {
  if (s.empty() || list->size() >= max) return;
  for (const json& e : *list) {
    if (e == s) return;
  }
  list->push_back(std::move(s));
}

// Names of people or organizations: "A", {"name": "A"}, ["A", {"name": "B"}].
json Names(const json* v) {
  json out = json::array();
  for (const json* e : Elements(v)) AddUnique(&out, Text(e, kMaxField));
  return out;
}

json Urls(const json* v, std::string_view page_url) {
  json out = json::array();
  for (const json* e : Elements(v)) AddUnique(&out, Url(e, page_url));
  return out;
}

// "19.99", 19.99, "$1,299.00", "1.299,00 €", "12,50" -> a number.
std::optional<double> Number(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) {
    const double d = v->get<double>();
    return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
  }
  std::string s = Str(v);
  if (s.size() > 64) return std::nullopt;
  std::string digits;
  for (char c : s) {
    if ((c >= '0' && c <= '9') || c == '.' || c == ',' || c == '-') digits.push_back(c);
    else if (!digits.empty() && !IsSpace(c)) break;  // "240 calories": stop at the unit
  }
  const size_t dot = digits.rfind('.'), comma = digits.rfind(',');
  std::string plain;
  if (dot != std::string::npos && comma != std::string::npos) {
    const char decimal = dot > comma ? '.' : ',';  // the later one is the decimal mark
    for (char c : digits) {
      if (c == decimal) plain.push_back('.');
      else if (c != '.' && c != ',') plain.push_back(c);
    }
  } else if (comma != std::string::npos) {
    // "12,50" is a decimal comma; "1,299" (three digits after) and "1,299,000"
    // are thousands separators.
    const bool decimal = digits.find(',') == comma && digits.size() - comma - 1 != 3;
    for (char c : digits) {
      if (c != ',') plain.push_back(c);
      else if (decimal) plain.push_back('.');
    }
  } else {
    plain = digits;
  }
  if (plain.empty() || plain == "-" || plain == ".") return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(plain.c_str(), &end);
  if (end == plain.c_str() || *end != '\0' || !std::isfinite(d)) return std::nullopt;
  return d;
}

json NumberField(const json* v) {
  const auto d = Number(v);
  return d ? json(*d) : json(nullptr);
}

json CountField(const json* v) {
  const auto d = Number(v);
  if (!d || *d < 0 || *d > 9.0e15) return nullptr;
  return static_cast<int64_t>(std::llround(*d));
}

// "https://schema.org/LikeAction" or {"@type": "LikeAction"} -> "like".
std::string ActionToken(const json* v) {
  std::string t = v != nullptr && v->is_object() ? TypeOf(*v) : Str(v);
  for (std::string_view prefix : {"https://schema.org/", "http://schema.org/", "schema:"}) {
    if (t.starts_with(prefix)) {
      t.erase(0, prefix.size());
      break;
    }
  }
  if (t.ends_with("Action")) t.resize(t.size() - 6);
  std::string out;
  for (char c : t) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) out.push_back('_');
      out.push_back(AsciiLower(c));
    } else if (c >= 'a' && c <= 'z') {
      out.push_back(c);
    } else {
      return "";
    }
  }
  return out.size() <= 32 ? out : "";
}

// interactionStatistic as {"like": 12, "share": 3}.
json Interactions(const json& item) {
  json out = json::object();
  for (const json* e : Elements(Get(item, "interactionStatistic"))) {
    if (!e->is_object()) continue;
    const std::string token = ActionToken(Get(*e, "interactionType"));
    const json count = CountField(Get(*e, "userInteractionCount"));
    if (token.empty() || count.is_null() || out.contains(token) || out.size() >= 32) continue;
    out[token] = count;
  }
  return out;
}

json Upvotes(const json& item) {
  if (json n = CountField(Get(item, "upvoteCount")); !n.is_null()) return n;
  const json stats = Interactions(item);
  for (const char* k : {"upvote", "like", "vote"}) {
    if (stats.contains(k)) return stats[k];
  }
  return nullptr;
}

json Rating(const json& item) {
  const json* r = Get(item, "aggregateRating");
  if (r != nullptr && r->is_array()) r = r->empty() ? nullptr : &r->front();
  if (r == nullptr || !r->is_object()) return nullptr;
  json out = json::object();
  out["value"] = NumberField(Get(*r, "ratingValue"));
  out["count"] = CountField(GetAny(*r, {"ratingCount", "reviewCount"}));
  out["best"] = NumberField(Get(*r, "bestRating"));
  if (out["value"].is_null() && out["count"].is_null()) return nullptr;
  return out;
}

json Keywords(const json* v) {
  json out = json::array();
  for (const json* e : Elements(v)) {
    const std::string s = Text(e, kMaxField);
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      if (comma == std::string::npos) comma = s.size();
      AddUnique(&out, std::string(Trim(std::string_view(s).substr(start, comma - start))));
      start = comma + 1;
    }
  }
  return out;
}

json Record(const char* schema, const char* source, const json& item) {
  json r = json::object();
  r["schema"] = schema;
  r["source"] = source;
  r["type"] = OrNull(TypeOf(item));
  return r;
}

json ItemUrl(const json& item, std::string_view page_url) {
  std::string u = Url(Get(item, "url"), page_url);
  if (u.empty()) u = Url(Get(item, "mainEntityOfPage"), page_url);
  return OrNull(std::move(u));
}

// ---------------------------------------------------------------------------
// Types

json Article(const json& item, const char* source, std::string_view page_url) {
  json r = Record("article.v1", source, item);
  r["headline"] = TextField(item, {"headline", "name", "alternativeHeadline"});
  r["description"] = TextField(item, {"description", "abstract"}, true);
  r["authors"] = Names(GetAny(item, {"author", "creator"}));
  r["date_published"] = DateField(item, {"datePublished", "dateCreated"});
  r["date_modified"] = DateField(item, {"dateModified"});
  r["publisher"] = TextField(item, {"publisher", "sourceOrganization"});
  r["section"] = TextField(item, {"articleSection"});
  r["keywords"] = Keywords(GetAny(item, {"keywords", "about"}));
  r["body"] = TextField(item, {"articleBody", "text"}, true);
  r["image"] = OrNull(Url(GetAny(item, {"image", "thumbnailUrl"}), page_url));
  r["language"] = TextField(item, {"inLanguage", "language"});
  r["item_url"] = ItemUrl(item, page_url);
  if (r["headline"].is_null() && r["body"].is_null()) return nullptr;
  return r;
}

json Comment(const json& c, std::string id, json parent, bool accepted) {
  json out = json::object();
  out["id"] = std::move(id);
  out["parent_id"] = std::move(parent);
  out["author"] = TextField(c, {"author", "creator"});
  out["date"] = DateField(c, {"dateCreated", "datePublished"});
  out["text"] = TextField(c, {"text", "articleBody", "description"}, true);
  out["upvotes"] = Upvotes(c);
  out["accepted"] = accepted;
  return out;
}

// Flattens the reply tree under `post` in document order (pre-order):
// "comment" everywhere, plus a Question's acceptedAnswer and suggestedAnswer.
void Thread(const json& post, std::string_view page_url, json* r) {
  struct Pending {
    const json* node;
    json parent;  // id of the parent comment, null for replies to the post
    bool accepted;
  };
  json comments = json::array();
  bool truncated = false;
  std::vector<Pending> stack;
  auto push_children = [&](const json& node, const json& parent_id) {
    std::vector<Pending> kids;
    for (const json* a : Elements(Get(node, "acceptedAnswer"))) kids.push_back({a, parent_id, true});
    for (const json* a : Elements(Get(node, "suggestedAnswer"))) kids.push_back({a, parent_id, false});
    for (const json* c : Elements(Get(node, "comment"))) kids.push_back({c, parent_id, false});
    for (size_t i = kids.size(); i-- > 0;) stack.push_back(std::move(kids[i]));
  };
  push_children(post, nullptr);
  std::set<std::string> ids;
  while (!stack.empty()) {
    Pending p = std::move(stack.back());
    stack.pop_back();
    if (!p.node->is_object()) continue;
    if (comments.size() >= kMaxComments) {
      truncated = true;
      break;
    }
    std::string id = CollapseSpaces(Str(GetAny(*p.node, {"@id", "identifier"})), 256);
    if (id.empty()) id = Url(Get(*p.node, "url"), page_url);
    // Ids must identify one comment: generated ones are positional.
    if (id.empty() || ids.count(id) != 0) id = "c" + std::to_string(comments.size() + 1);
    ids.insert(id);
    comments.push_back(Comment(*p.node, id, p.parent, p.accepted));
    push_children(*p.node, json(id));
  }
  (*r)["comments"] = std::move(comments);
  (*r)["comments_truncated"] = truncated;
}

json ForumThread(const json& item, const char* source, std::string_view page_url) {
  json r = Record("forum_thread.v1", source, item);
  r["title"] = TextField(item, {"headline", "name"});
  r["author"] = TextField(item, {"author", "creator"});
  r["date"] = DateField(item, {"datePublished", "dateCreated"});
  r["text"] = TextField(item, {"articleBody", "text", "description"}, true);
  r["item_url"] = ItemUrl(item, page_url);
  r["upvotes"] = Upvotes(item);
  r["comment_count"] = CountField(GetAny(item, {"commentCount", "answerCount"}));
  Thread(item, page_url, &r);
  if (r["title"].is_null() && r["text"].is_null() && r["comments"].empty()) return nullptr;
  return r;
}

json SocialPost(const json& item, const char* source, std::string_view page_url) {
  json r = Record("social_post.v1", source, item);
  const json* author = GetAny(item, {"author", "creator"});
  if (author != nullptr && author->is_array()) author = author->empty() ? nullptr : &author->front();
  r["author_name"] = OrNull(Text(author, kMaxField));
  r["author_url"] =
      OrNull(author != nullptr && author->is_object() ? Url(Get(*author, "url"), page_url) : "");
  r["date"] = DateField(item, {"datePublished", "dateCreated"});
  r["headline"] = TextField(item, {"headline"});
  r["text"] = TextField(item, {"articleBody", "text", "description"}, true);
  r["shared_url"] = OrNull(Url(Get(item, "sharedContent"), page_url));
  r["item_url"] = ItemUrl(item, page_url);
  r["interactions"] = Interactions(item);
  if (r["text"].is_null() && r["headline"].is_null() && r["shared_url"].is_null()) return nullptr;
  return r;
}

// "https://schema.org/InStock" -> "in_stock"; null when not an ItemAvailability.
json Availability(const json* v) {
  std::string key;
  for (char c : Str(v)) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) key.push_back(AsciiLower(c));
    if (key.size() > 64) return nullptr;
  }
  for (std::string_view prefix : {"httpsschemaorg", "httpschemaorg", "schema"}) {
    if (key.starts_with(prefix)) {
      key.erase(0, prefix.size());
      break;
    }
  }
  static constexpr std::pair<const char*, const char*> kTokens[] = {
      {"instock", "in_stock"},        {"outofstock", "out_of_stock"},
      {"preorder", "preorder"},       {"presale", "presale"},
      {"backorder", "backorder"},     {"discontinued", "discontinued"},
      {"limitedavailability", "limited"}, {"onlineonly", "online_only"},
      {"instoreonly", "in_store_only"}, {"soldout", "sold_out"},
      {"madetoorder", "made_to_order"}, {"reserved", "reserved"},
  };
  for (const auto& [name, token] : kTokens) {
    if (key == name) return token;
  }
  return nullptr;
}

json Offers(const json& item, std::string_view page_url) {
  json out = json::array();
  // AggregateOffer may carry its own "offers": expand one level.
  std::vector<const json*> offers;
  for (const json* o : Elements(Get(item, "offers"))) {
    offers.push_back(o);
    if (o->is_object()) {
      for (const json* inner : Elements(Get(*o, "offers"))) offers.push_back(inner);
    }
  }
  for (const json* o : offers) {
    if (!o->is_object() || out.size() >= kMaxOffers) continue;
    const json* spec = Get(*o, "priceSpecification");
    if (spec != nullptr && spec->is_array()) spec = spec->empty() ? nullptr : &spec->front();
    json offer = json::object();
    json price = NumberField(Get(*o, "price"));
    if (price.is_null() && spec != nullptr) price = NumberField(Get(*spec, "price"));
    offer["price"] = price;
    offer["low_price"] = NumberField(Get(*o, "lowPrice"));
    offer["high_price"] = NumberField(Get(*o, "highPrice"));
    std::string currency = CollapseSpaces(Str(Get(*o, "priceCurrency")), 16);
    if (currency.empty() && spec != nullptr) currency = CollapseSpaces(Str(Get(*spec, "priceCurrency")), 16);
    offer["currency"] = OrNull(currency);
    offer["availability"] = Availability(Get(*o, "availability"));
    offer["url"] = OrNull(Url(Get(*o, "url"), page_url));
    offer["seller"] = TextField(*o, {"seller"});
    if (offer["price"].is_null() && offer["low_price"].is_null() &&
        offer["availability"].is_null()) {
      continue;  // an AggregateOffer wrapper whose inner offers say it all
    }
    out.push_back(std::move(offer));
  }
  return out;
}

json Product(const json& item, const char* source, std::string_view page_url) {
  json r = Record("product.v1", source, item);
  r["name"] = TextField(item, {"name"});
  r["brand"] = TextField(item, {"brand", "manufacturer"});
  r["sku"] = TextField(item, {"sku"});
  r["gtin"] = TextField(item, {"gtin", "gtin13", "gtin12", "gtin14", "gtin8"});
  r["mpn"] = TextField(item, {"mpn"});
  r["description"] = TextField(item, {"description"}, true);
  r["offers"] = Offers(item, page_url);
  r["rating"] = Rating(item);
  r["images"] = Urls(Get(item, "image"), page_url);
  r["item_url"] = ItemUrl(item, page_url);
  if (r["name"].is_null()) return nullptr;
  return r;
}

// recipeInstructions: a string (one step per line), or a list of strings,
// HowToStep, HowToSection (whose itemListElement holds the steps) or ItemList.
json Steps(const json* v) {
  json out = json::array();
  std::vector<const json*> stack;
  auto push_all = [&](const json* list) {
    const std::vector<const json*> es = Elements(list);
    for (size_t i = es.size(); i-- > 0;) stack.push_back(es[i]);
  };
  push_all(v);
  size_t visited = 0;
  while (!stack.empty() && out.size() < kMaxSteps && ++visited < 50 * kMaxSteps) {
    const json* e = stack.back();
    stack.pop_back();
    if (e->is_array()) {
      push_all(e);
      continue;
    }
    if (e->is_object()) {
      if (const json* inner = Get(*e, "itemListElement")) {
        push_all(inner);
        continue;
      }
      const std::string step = Text(GetAny(*e, {"text", "name", "description"}), kMaxField);
      if (!step.empty()) out.push_back(step);
      continue;
    }
    const std::string text = Text(e, kMaxBody, /*multiline=*/true);
    size_t start = 0;
    while (start <= text.size() && out.size() < kMaxSteps) {
      size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      std::string line = CollapseSpaces(std::string_view(text).substr(start, nl - start), kMaxField);
      if (!line.empty()) out.push_back(std::move(line));
      start = nl + 1;
    }
  }
  return out;
}

void Duration(const json& item, const char* key, const char* field, const char* seconds_field,
              json* r) {
  std::string d = CollapseSpaces(Str(Get(item, key)), 64);
  for (char& c : d) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  const auto secs = DurationSeconds(d);
  (*r)[field] = secs ? json(d) : json(nullptr);
  (*r)[seconds_field] = secs ? json(*secs) : json(nullptr);
}

json Recipe(const json& item, const char* source, std::string_view page_url) {
  json r = Record("recipe.v1", source, item);
  r["name"] = TextField(item, {"name", "headline"});
  r["description"] = TextField(item, {"description"}, true);
  r["authors"] = Names(GetAny(item, {"author", "creator"}));
  r["date_published"] = DateField(item, {"datePublished", "dateCreated"});
  r["image"] = OrNull(Url(Get(item, "image"), page_url));
  json ingredients = json::array();
  for (const json* e : Elements(GetAny(item, {"recipeIngredient", "ingredients"}))) {
    if (ingredients.size() >= kMaxSteps) break;
    std::string s = Text(e, kMaxField);
    if (!s.empty()) ingredients.push_back(std::move(s));
  }
  r["ingredients"] = std::move(ingredients);
  r["instructions"] = Steps(Get(item, "recipeInstructions"));
  Duration(item, "prepTime", "prep_time", "prep_seconds", &r);
  Duration(item, "cookTime", "cook_time", "cook_seconds", &r);
  Duration(item, "totalTime", "total_time", "total_seconds", &r);
  r["yield"] = TextField(item, {"recipeYield", "yield"});
  const json* nutrition = Get(item, "nutrition");
  r["calories"] = nutrition != nullptr && nutrition->is_object()
                      ? NumberField(Get(*nutrition, "calories"))
                      : json(nullptr);
  r["category"] = TextField(item, {"recipeCategory"});
  r["cuisine"] = TextField(item, {"recipeCuisine"});
  r["rating"] = Rating(item);
  r["item_url"] = ItemUrl(item, page_url);
  if (r["name"].is_null() && r["ingredients"].empty()) return nullptr;
  return r;
}

enum class Kind { kNone, kArticle, kThread, kSocial, kProduct, kRecipe };

Kind KindOf(std::string_view type) {
  static constexpr const char* kArticles[] = {
      "Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "TechArticle",
      "LiveBlogPosting", "AnalysisNewsArticle", "AskPublicNewsArticle", "BackgroundNewsArticle",
      "OpinionNewsArticle", "ReportageNewsArticle", "ReviewNewsArticle", "SatiricalArticle",
      "MedicalScholarlyArticle", "AdvertiserContentArticle"};
  for (const char* t : kArticles) {
    if (type == t) return Kind::kArticle;
  }
  if (type == "DiscussionForumPosting" || type == "Question") return Kind::kThread;
  if (type == "SocialMediaPosting") return Kind::kSocial;
  for (const char* t : {"Product", "ProductGroup", "ProductModel", "IndividualProduct",
                        "SomeProducts", "Vehicle", "Car"}) {
    if (type == t) return Kind::kProduct;
  }
  if (type == "Recipe") return Kind::kRecipe;
  return Kind::kNone;
}

}  // namespace

std::optional<int64_t> DurationSeconds(std::string_view s) {
  s = Trim(s);
  if (s.empty() || (s[0] != 'P' && s[0] != 'p') || s.size() > 64) return std::nullopt;
  size_t i = 1;
  bool time = false, any = false;
  double total = 0;
  while (i < s.size()) {
    const char c = AsciiLower(s[i]);
    if (c == 't') {
      if (time) return std::nullopt;
      time = true;
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.' || s[j] == ',')) ++j;
    if (j == i || j == s.size()) return std::nullopt;
    std::string num(s.substr(i, j - i));
    for (char& ch : num) {
      if (ch == ',') ch = '.';
    }
    char* end = nullptr;
    const double n = std::strtod(num.c_str(), &end);
    if (*end != '\0' || !std::isfinite(n)) return std::nullopt;
    double unit;
    switch (AsciiLower(s[j])) {
      case 'w': unit = time ? -1 : 7 * 86400; break;
      case 'd': unit = time ? -1 : 86400; break;
      case 'h': unit = time ? 3600 : -1; break;
      case 'm': unit = time ? 60 : -1; break;  // months (no T) are not a fixed length
      case 's': unit = time ? 1 : -1; break;
      default: unit = -1;
    }
    if (unit < 0) return std::nullopt;
    total += n * unit;
    any = true;
    i = j + 1;
  }
  if (!any || total > 1e12) return std::nullopt;
  return static_cast<int64_t>(std::llround(total));
}

std::vector<json> StructuredRecords(const StructuredData& data, std::string_view page_url) {
  std::vector<json> out;
  std::set<std::string> seen;  // dumps of emitted records, for de-duplication
  for (size_t i = 0; i < data.items.size() && out.size() < kMaxRecords; ++i) {
    const char* source = i < data.json_ld_items ? "json-ld" : "microdata";
    const json& top = data.items[i];
    // The item itself, then what it is about (a WebPage's or QAPage's mainEntity).
    std::vector<const json*> candidates{&top};
    for (const json* e : Elements(Get(top, "mainEntity"))) {
      if (candidates.size() < 16) candidates.push_back(e);
    }
    for (const json* item : candidates) {
      if (!item->is_object() || out.size() >= kMaxRecords) continue;
      json r;
      switch (KindOf(TypeOf(*item))) {
        case Kind::kArticle: r = Article(*item, source, page_url); break;
        case Kind::kThread: r = ForumThread(*item, source, page_url); break;
        case Kind::kSocial: r = SocialPost(*item, source, page_url); break;
        case Kind::kProduct: r = Product(*item, source, page_url); break;
        case Kind::kRecipe: r = Recipe(*item, source, page_url); break;
        case Kind::kNone: break;
      }
      if (r.is_null()) continue;
      if (!seen.insert(r.dump(-1, ' ', false, json::error_handler_t::replace)).second) continue;
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace swarmcrawl
