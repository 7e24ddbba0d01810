#include "parsers/structured_data.h"

#include <gumbo.h>

#include <string_view>
#include <utility>

#include "core/strings.h"
#include "parsers/html_page.h"

namespace swarmcrawl {
namespace {

// Microdata is bounded separately from JSON-LD: a page of 100,000 itemprops
// must not build 100,000 JSON values.
constexpr size_t kMaxMicrodataValues = 16384;
constexpr size_t kMaxTextValueBytes = 256 << 10;  // one itemprop's text content
constexpr size_t kMaxTypeBytes = 256;
// Nodes visited for text content per page: itemprops nested in itemprops
// would otherwise visit the same subtree once per level.
constexpr size_t kTextNodeBudget = 4u << 20;

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const char* Attr(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a == nullptr ? nullptr : a->value;
}

// "https://schema.org/Product" -> "Product". Other vocabularies keep their URL.
std::string NormalizeType(std::string_view t) {
  t = Trim(t);
  for (std::string_view prefix : {"https://schema.org/", "http://schema.org/",
                                  "https://www.schema.org/", "http://www.schema.org/",
                                  "schema:"}) {
    if (StartsWith(t, prefix)) {
      t.remove_prefix(prefix.size());
      break;
    }
  }
  std::string out = SanitizeUtf8(t);
  TruncateUtf8(&out, kMaxTypeBytes);
  return out;
}

// Appends `s` to *out with runs of whitespace collapsed to one space, never
// letting *out exceed `cap` bytes. `*pending_space` carries a run across calls.
void AppendCollapsed(std::string_view s, size_t cap, std::string* out, bool* pending_space) {
  for (char c : s) {
    if (out->size() >= cap) return;
    if (IsSpace(c)) {
      *pending_space = !out->empty();
      continue;
    }
    if (*pending_space) {
      out->push_back(' ');
      *pending_space = false;
      if (out->size() >= cap) return;
    }
    out->push_back(c);
  }
}

std::string Collapse(std::string_view s, size_t cap) {
  std::string out;
  bool pending = false;
  AppendCollapsed(s, cap, &out, &pending);
  out = SanitizeUtf8(out);
  TruncateUtf8(&out, cap);
  return out;
}

// textContent of an element (every descendant text node), whitespace
// collapsed; each node visited costs one unit of *budget.
std::string TextContent(const GumboNode* node, size_t cap, size_t* budget) {
  std::string out;
  bool pending = false;
  std::vector<const GumboNode*> stack{node};
  while (!stack.empty() && out.size() < cap && *budget > 0) {
    --*budget;
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
        n->type == GUMBO_NODE_CDATA) {
      AppendCollapsed(n->v.text.text, cap, &out, &pending);
      continue;
    }
    if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE) continue;
    const GumboVector& kids = n->v.element.children;
    for (size_t i = kids.length; i-- > 0;) stack.push_back(static_cast<GumboNode*>(kids.data[i]));
  }
  out = SanitizeUtf8(out);
  TruncateUtf8(&out, cap);
  return out;
}

// ---------------------------------------------------------------------------
// JSON-LD

// Strips what CMSs wrap JSON-LD in: an HTML comment, a CDATA section (often
// behind "//" so old browsers' JS engines ignore it), trailing semicolons.
std::string_view Unwrap(std::string_view s) {
  s = Trim(s);
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view open : {"<!--", "//<![CDATA[", "/*<![CDATA[*/", "<![CDATA["}) {
      if (StartsWith(s, open)) {
        s = Trim(s.substr(open.size()));
        changed = true;
      }
    }
    for (std::string_view close : {"-->", "//]]>", "/*]]>*/", "]]>", ";"}) {
      if (EndsWith(s, close)) {
        s = Trim(s.substr(0, s.size() - close.size()));
        changed = true;
      }
    }
  }
  return s;
}

// Nesting depth of the JSON text (brackets outside strings). nlohmann's
// parser is iterative but copying and destroying values recurse, so depth is
// checked before parsing.
size_t JsonDepth(std::string_view s) {
  size_t depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) max_depth = depth;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

// Every "@type" in the value becomes one normalized string (the first when
// an array; removed when it holds no string). Iterative: values are bounded
// by max_depth, but no recursion is cheaper to trust.
void NormalizeTypes(nlohmann::json* root) {
  std::vector<nlohmann::json*> stack{root};
  while (!stack.empty()) {
    nlohmann::json* v = stack.back();
    stack.pop_back();
    if (v->is_array()) {
      for (auto& e : *v) stack.push_back(&e);
      continue;
    }
    if (!v->is_object()) continue;
    auto it = v->find("@type");
    if (it != v->end()) {
      const nlohmann::json* t = &*it;
      if (t->is_array()) {
        const nlohmann::json* first = nullptr;
        for (const auto& e : *t) {
          if (e.is_string()) {
            first = &e;
            break;
          }
        }
        t = first;
      }
      if (t != nullptr && t->is_string()) {
        *it = NormalizeType(t->get_ref<const std::string&>());
      } else {
        v->erase(it);
      }
    }
    for (auto& [key, e] : v->items()) {
      if (e.is_structured()) stack.push_back(&e);
    }
  }
}

// Flattens top-level arrays and "@graph" into node objects, in document order.
void AddJsonLdNodes(nlohmann::json doc, size_t max_items, std::vector<nlohmann::json>* out) {
  // Frames of (array, next index); a lone object is wrapped in an array.
  std::vector<std::pair<nlohmann::json, size_t>> stack;
  nlohmann::json top = nlohmann::json::array();
  top.push_back(std::move(doc));
  stack.emplace_back(std::move(top), 0);
  while (!stack.empty() && out->size() < max_items) {
    auto& [array, index] = stack.back();
    if (index >= array.size()) {
      stack.pop_back();
      continue;
    }
    nlohmann::json v = std::move(array[index++]);
    if (v.is_array()) {
      stack.emplace_back(std::move(v), 0);
      continue;
    }
    if (!v.is_object()) continue;
    auto graph = v.find("@graph");
    if (graph != v.end()) {
      nlohmann::json nodes = std::move(*graph);
      v.erase("@graph");
      // A graph container that also describes something itself is a node too.
      if (v.contains("@type")) {
        v.erase("@context");
        NormalizeTypes(&v);
        if (!v.contains("@type")) v["@type"] = "";
        out->push_back(std::move(v));
      }
      if (!nodes.is_array()) {
        nlohmann::json wrapped = nlohmann::json::array();
        wrapped.push_back(std::move(nodes));
        nodes = std::move(wrapped);
      }
      stack.emplace_back(std::move(nodes), 0);  // invalidates `array`, `index`
      continue;
    }
    v.erase("@context");
    NormalizeTypes(&v);
    if (!v.contains("@type")) v["@type"] = "";
    out->push_back(std::move(v));
  }
}

// ---------------------------------------------------------------------------
// Microdata (HTML Living Standard, "Microdata": items, properties, values)

struct MicroItem {
  const GumboNode* element;
  size_t depth;  // 1 for a top-level item
  // Properties in tree order; a value is either JSON or a nested item (index).
  struct Prop {
    std::string name;
    nlohmann::json value;
    size_t child = 0;  // index into the item list when nonzero
  };
  std::vector<Prop> props;
};

// The value of an itemprop element that is not itself an item.
std::string PropertyValue(const GumboNode* node, size_t* budget) {
  const GumboElement& e = node->v.element;
  const char* attr = nullptr;
  switch (e.tag) {
    case GUMBO_TAG_META:
      attr = "content";
      break;
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK:
    case GUMBO_TAG_VIDEO:
      attr = "src";
      break;
    case GUMBO_TAG_A:
    case GUMBO_TAG_AREA:
    case GUMBO_TAG_LINK:
      attr = "href";
      break;
    case GUMBO_TAG_OBJECT:
      attr = "data";
      break;
    case GUMBO_TAG_DATA:
    case GUMBO_TAG_METER:
      attr = "value";
      break;
    case GUMBO_TAG_TIME:
      if (Attr(e, "datetime") != nullptr) attr = "datetime";
      break;
    default:
      break;
  }
  // Outside the spec but common (and honoured by the big consumers): a
  // content attribute on any element, e.g. <span itemprop=price content="9.99">$9.99</span>.
  if (attr == nullptr && Attr(e, "content") != nullptr) attr = "content";
  if (attr != nullptr) {
    const char* v = Attr(e, attr);
    return Collapse(v == nullptr ? "" : v, kMaxTextValueBytes);
  }
  return TextContent(node, kMaxTextValueBytes, budget);
}

template <typename Fn>
void ForEachToken(std::string_view s, Fn fn) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !IsSpace(s[j])) ++j;
    if (j > i) fn(s.substr(i, j - i));
    i = j;
  }
}

class MicrodataBuilder {
 public:
  MicrodataBuilder(const StructuredDataLimits& limits) : limits_(limits) {}

  // Builds the top-level item rooted at `element` into *out (false when a
  // limit left nothing to build).
  bool Build(const GumboNode* element, nlohmann::json* out) {
    items_.clear();
    items_.push_back(MicroItem{element, 1, {}});
    // Items are appended as they are found, so a nested item always comes
    // after its parent: filling props first and assembling in reverse needs
    // no recursion.
    for (size_t i = 0; i < items_.size(); ++i) CollectProps(i);
    std::vector<nlohmann::json> built(items_.size());
    for (size_t i = items_.size(); i-- > 0;) built[i] = Assemble(&items_[i], &built);
    *out = std::move(built[0]);
    return true;
  }

  bool exhausted() const { return values_ >= kMaxMicrodataValues; }

 private:
  void CollectProps(size_t index) {
    const GumboNode* scope = items_[index].element;
    const size_t depth = items_[index].depth;
    std::vector<const GumboNode*> stack;
    const GumboVector& top = scope->v.element.children;
    for (size_t i = top.length; i-- > 0;) stack.push_back(static_cast<GumboNode*>(top.data[i]));
    while (!stack.empty()) {
      const GumboNode* n = stack.back();
      stack.pop_back();
      if (n->type != GUMBO_NODE_ELEMENT) continue;
      const GumboElement& e = n->v.element;
      const char* itemprop = Attr(e, "itemprop");
      const bool scoped = Attr(e, "itemscope") != nullptr;
      if (itemprop != nullptr && values_ < kMaxMicrodataValues) {
        size_t child = 0;
        std::string value;
        if (scoped) {
          if (depth + 1 > limits_.max_depth) {
            // Too deep to nest: cut, as the header promises.
          } else {
            child = items_.size();
            items_.push_back(MicroItem{n, depth + 1, {}});
          }
        } else {
          value = PropertyValue(n, &text_budget_);
        }
        if (!scoped || child != 0) {
          MicroItem& item = items_[index];  // push_back above may have moved it
          ForEachToken(itemprop, [&](std::string_view name) {
            if (values_ >= kMaxMicrodataValues) return;
            ++values_;
            MicroItem::Prop p;
            p.name = SanitizeUtf8(name);
            TruncateUtf8(&p.name, kMaxTypeBytes);
            // A name given as a URL ("https://schema.org/name") is the same property.
            p.name = NormalizeType(p.name);
            if (child != 0) {
              p.child = child;
            } else {
              p.value = value;
            }
            item.props.push_back(std::move(p));
          });
        }
      }
      // The children of a nested item are its own properties, not ours.
      if (scoped) continue;
      const GumboVector& kids = e.children;
      for (size_t i = kids.length; i-- > 0;) {
        stack.push_back(static_cast<GumboNode*>(kids.data[i]));
      }
    }
  }

  nlohmann::json Assemble(MicroItem* item, std::vector<nlohmann::json>* built) {
    nlohmann::json obj = nlohmann::json::object();
    const GumboElement& e = item->element->v.element;
    if (const char* type = Attr(e, "itemtype")) {
      std::string first;
      ForEachToken(type, [&](std::string_view t) {
        if (first.empty()) first = NormalizeType(t);
      });
      obj["@type"] = first;
    } else if (item->depth == 1) {
      obj["@type"] = "";
    }
    if (const char* id = Attr(e, "itemid")) obj["@id"] = Collapse(id, kMaxTextValueBytes);
    for (MicroItem::Prop& p : item->props) {
      if (p.name.empty() || p.name[0] == '@') continue;
      nlohmann::json v = p.child != 0 ? std::move((*built)[p.child]) : std::move(p.value);
      auto it = obj.find(p.name);
      if (it == obj.end()) {
        obj[p.name] = std::move(v);
      } else {
        if (!it->is_array()) {
          nlohmann::json arr = nlohmann::json::array();
          arr.push_back(std::move(*it));
          *it = std::move(arr);
        }
        it->push_back(std::move(v));
      }
    }
    return obj;
  }

  const StructuredDataLimits& limits_;
  std::vector<MicroItem> items_;
  size_t values_ = 0;  // across all items of the page
  size_t text_budget_ = kTextNodeBudget;
};

bool IsJsonLdScript(const GumboElement& e) {
  if (e.tag != GUMBO_TAG_SCRIPT) return false;
  const char* type = Attr(e, "type");
  if (type == nullptr) return false;
  std::string_view t = Trim(type);
  t = Trim(t.substr(0, t.find(';')));  // "application/ld+json; charset=utf-8"
  return EqualsIgnoreCase(t, "application/ld+json");
}

}  // namespace

StructuredData ExtractStructuredData(const GumboNode* root, const StructuredDataLimits& limits) {
  StructuredData data;
  if (root == nullptr) return data;
  std::vector<nlohmann::json> micro;
  MicrodataBuilder builder(limits);
  size_t json_bytes = 0;

  // Only items are capped, not the walk: the tree itself is bounded by the
  // HTML parser's limits, and the walk keeps its stack on the heap.
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_DOCUMENT &&
        n->type != GUMBO_NODE_TEMPLATE) {
      continue;
    }
    if (n->type != GUMBO_NODE_DOCUMENT) {
      const GumboElement& e = n->v.element;
      if (IsJsonLdScript(e)) {
        ++data.json_ld_blocks;
        std::string text;
        for (size_t i = 0; i < e.children.length; ++i) {
          const GumboNode* c = static_cast<GumboNode*>(e.children.data[i]);
          if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_WHITESPACE ||
              c->type == GUMBO_NODE_CDATA) {
            text.append(c->v.text.text);
          }
        }
        const std::string_view body = Unwrap(text);
        if (json_bytes + body.size() > limits.max_json_bytes ||
            data.items.size() >= limits.max_items) {
          json_bytes = limits.max_json_bytes;  // the budget is spent: read no more blocks
          continue;
        }
        json_bytes += body.size();
        const std::string clean = SanitizeUtf8(body);
        if (JsonDepth(clean) > limits.max_depth) {
          ++data.json_ld_errors;
          continue;
        }
        nlohmann::json doc = nlohmann::json::parse(clean, nullptr, /*allow_exceptions=*/false);
        if (doc.is_discarded()) {
          ++data.json_ld_errors;
          continue;
        }
        AddJsonLdNodes(std::move(doc), limits.max_items, &data.items);
        continue;
      }
      // A top-level item: itemscope without itemprop (nested items are built
      // by the item that owns them).
      if (Attr(e, "itemscope") != nullptr && Attr(e, "itemprop") == nullptr &&
          micro.size() < limits.max_items && !builder.exhausted()) {
        nlohmann::json item;
        if (builder.Build(n, &item)) micro.push_back(std::move(item));
      }
    }
    const GumboVector& kids =
        n->type == GUMBO_NODE_DOCUMENT ? n->v.document.children : n->v.element.children;
    for (size_t i = kids.length; i-- > 0;) {
      stack.push_back(static_cast<GumboNode*>(kids.data[i]));
    }
  }
  data.json_ld_items = data.items.size();
  for (nlohmann::json& m : micro) {
    if (data.items.size() >= limits.max_items) break;
    data.items.push_back(std::move(m));
  }
  return data;
}

}  // namespace swarmcrawl
