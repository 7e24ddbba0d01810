#include "core/json_schema.h"

#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <vector>

namespace swarmcrawl {

namespace {

using json = nlohmann::json;

enum TypeBit : unsigned {
  kNull = 1, kBoolean = 2, kObject = 4, kArray = 8, kNumber = 16, kString = 32, kInteger = 64,
};

// libstdc++'s regex matcher recurses per character: patterns are only run on
// strings up to this long (longer ones fail), so a hostile value cannot
// exhaust the stack. Every patterned field of our schemas is shorter.
constexpr size_t kMaxPatternInput = 8192;

std::optional<unsigned> TypeFromName(const std::string& n) {
  if (n == "null") return kNull;
  if (n == "boolean") return kBoolean;
  if (n == "object") return kObject;
  if (n == "array") return kArray;
  if (n == "number") return kNumber;
  if (n == "string") return kString;
  if (n == "integer") return kInteger;
  return std::nullopt;
}

bool HasType(const json& v, unsigned types) {
  switch (v.type()) {
    case json::value_t::null: return types & kNull;
    case json::value_t::boolean: return types & kBoolean;
    case json::value_t::object: return types & kObject;
    case json::value_t::array: return types & kArray;
    case json::value_t::string: return types & kString;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return types & (kNumber | kInteger);
    case json::value_t::number_float: {
      const double d = v.get<double>();
      return (types & kNumber) || ((types & kInteger) && std::isfinite(d) && d == std::floor(d));
    }
    default: return false;
  }
}

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

struct JsonSchema::Node {
  unsigned types = 0;  // 0: any
  std::optional<json> constant;
  std::vector<json> enumeration;
  bool has_enum = false;
  std::vector<std::string> required;
  std::map<std::string, std::shared_ptr<Node>, std::less<>> properties;
  bool additional_allowed = true;
  std::shared_ptr<Node> additional, property_names, items;
  std::optional<int64_t> min_items, max_items, min_length, max_length;
  std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum;
  std::optional<std::regex> pattern;
  std::string pattern_text;

  static Status Build(const json& s, const std::string& where, int depth, std::shared_ptr<Node>* out);
  Status Check(const json& v, const std::string& path, int depth) const;
};

Status JsonSchema::Node::Build(const json& s, const std::string& where, int depth,
                               std::shared_ptr<Node>* out) {
  if (depth > kMaxDepth) return Status::Error("bad_schema", where + ": nested too deeply");
  if (s.is_boolean()) {  // true: anything; false: nothing
    auto n = std::make_shared<Node>();
    if (!s.get<bool>()) n->has_enum = true;  // an empty enum matches nothing
    *out = n;
    return Status::OK();
  }
  if (!s.is_object()) return Status::Error("bad_schema", where + ": expected an object");
  auto n = std::make_shared<Node>();
  auto integer = [&](const json& v, const std::string& key, std::optional<int64_t>* dst) {
    if (!v.is_number_integer()) return Status::Error("bad_schema", where + "." + key + ": expected an integer");
    *dst = v.get<int64_t>();
    return Status::OK();
  };
  auto number = [&](const json& v, const std::string& key, std::optional<double>* dst) {
    if (!v.is_number()) return Status::Error("bad_schema", where + "." + key + ": expected a number");
    *dst = v.get<double>();
    return Status::OK();
  };
  for (const auto& [key, v] : s.items()) {
    Status st = Status::OK();
    if (key == "$schema" || key == "$id" || key == "title" || key == "description" ||
        key == "default" || key == "examples" || key == "$comment") {
      continue;
    } else if (key == "type") {
      std::vector<json> names = v.is_array() ? v.get<std::vector<json>>() : std::vector<json>{v};
      for (const auto& name : names) {
        auto bit = name.is_string() ? TypeFromName(name.get<std::string>()) : std::nullopt;
        if (!bit) return Status::Error("bad_schema", where + ".type: unknown type");
        n->types |= *bit;
      }
    } else if (key == "const") {
      n->constant = v;
    } else if (key == "enum") {
      if (!v.is_array()) return Status::Error("bad_schema", where + ".enum: expected an array");
      n->has_enum = true;
      n->enumeration = v.get<std::vector<json>>();
    } else if (key == "required") {
      if (!v.is_array()) return Status::Error("bad_schema", where + ".required: expected an array");
      for (const auto& r : v) {
        if (!r.is_string()) return Status::Error("bad_schema", where + ".required: expected strings");
        n->required.push_back(r.get<std::string>());
      }
    } else if (key == "properties") {
      if (!v.is_object()) return Status::Error("bad_schema", where + ".properties: expected an object");
      for (const auto& [name, sub] : v.items()) {
        std::shared_ptr<Node> child;
        st = Build(sub, where + ".properties." + name, depth + 1, &child);
        if (!st.ok()) return st;
        n->properties[name] = std::move(child);
      }
    } else if (key == "additionalProperties") {
      if (v.is_boolean()) {
        n->additional_allowed = v.get<bool>();
      } else {
        st = Build(v, where + ".additionalProperties", depth + 1, &n->additional);
      }
    } else if (key == "propertyNames") {
      st = Build(v, where + ".propertyNames", depth + 1, &n->property_names);
    } else if (key == "items") {
      st = Build(v, where + ".items", depth + 1, &n->items);
    } else if (key == "minItems") {
      st = integer(v, key, &n->min_items);
    } else if (key == "maxItems") {
      st = integer(v, key, &n->max_items);
    } else if (key == "minLength") {
      st = integer(v, key, &n->min_length);
    } else if (key == "maxLength") {
      st = integer(v, key, &n->max_length);
    } else if (key == "minimum") {
      st = number(v, key, &n->minimum);
    } else if (key == "maximum") {
      st = number(v, key, &n->maximum);
    } else if (key == "exclusiveMinimum") {
      st = number(v, key, &n->exclusive_minimum);
    } else if (key == "exclusiveMaximum") {
      st = number(v, key, &n->exclusive_maximum);
    } else if (key == "pattern") {
      if (!v.is_string()) return Status::Error("bad_schema", where + ".pattern: expected a string");
      try {
        n->pattern.emplace(v.get<std::string>(), std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error&) {
        return Status::Error("bad_schema", where + ".pattern: not a valid regular expression");
      }
      n->pattern_text = v.get<std::string>();
    } else {
      return Status::Error("bad_schema", where + "." + key + ": keyword not supported");
    }
    if (!st.ok()) return st;
  }
  *out = std::move(n);
  return Status::OK();
}

Status JsonSchema::Node::Check(const json& v, const std::string& path, int depth) const {
  auto fail = [&](const std::string& what) { return Status::Error("schema", path + ": " + what); };
  if (depth > kMaxDepth) return fail("nested too deeply");
  if (types != 0 && !HasType(v, types)) return fail("wrong type (" + std::string(v.type_name()) + ")");
  if (constant && v != *constant) return fail("expected " + constant->dump());
  if (has_enum) {
    bool found = false;
    for (const auto& e : enumeration) found = found || e == v;
    if (!found) return fail("not one of the allowed values");
  }
  if (v.is_number()) {
    const double d = v.get<double>();
    if (minimum && d < *minimum) return fail("below the minimum");
    if (maximum && d > *maximum) return fail("above the maximum");
    if (exclusive_minimum && d <= *exclusive_minimum) return fail("not above the exclusive minimum");
    if (exclusive_maximum && d >= *exclusive_maximum) return fail("not below the exclusive maximum");
  }
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    const size_t n = (min_length || max_length) ? CodePoints(s) : 0;
    if (min_length && static_cast<int64_t>(n) < *min_length) return fail("too short");
    if (max_length && static_cast<int64_t>(n) > *max_length) return fail("too long");
    if (pattern) {
      if (s.size() > kMaxPatternInput) return fail("too long to match " + pattern_text);
      if (!std::regex_search(s, *pattern)) return fail("does not match " + pattern_text);
    }
  }
  if (v.is_array()) {
    if (min_items && static_cast<int64_t>(v.size()) < *min_items) return fail("too few items");
    if (max_items && static_cast<int64_t>(v.size()) > *max_items) return fail("too many items");
    if (items) {
      for (size_t i = 0; i < v.size(); ++i) {
        if (Status s = items->Check(v[i], path + "[" + std::to_string(i) + "]", depth + 1); !s.ok()) {
          return s;
        }
      }
    }
  }
  if (v.is_object()) {
    for (const auto& r : required) {
      if (!v.contains(r)) return fail("missing required property \"" + r + "\"");
    }
    for (const auto& [key, child] : v.items()) {
      const std::string sub = path + "." + key.substr(0, 64);
      if (property_names) {
        if (Status s = property_names->Check(json(key), sub + " (name)", depth + 1); !s.ok()) return s;
      }
      auto it = properties.find(key);
      if (it != properties.end()) {
        if (Status s = it->second->Check(child, sub, depth + 1); !s.ok()) return s;
      } else if (additional) {
        if (Status s = additional->Check(child, sub, depth + 1); !s.ok()) return s;
      } else if (!additional_allowed) {
        return Status::Error("schema", sub + ": property not allowed");
      }
    }
  }
  return Status::OK();
}

JsonSchema::JsonSchema() = default;
JsonSchema::~JsonSchema() = default;
JsonSchema::JsonSchema(JsonSchema&&) noexcept = default;
JsonSchema& JsonSchema::operator=(JsonSchema&&) noexcept = default;

Status JsonSchema::Compile(const json& schema, JsonSchema* out) {
  std::shared_ptr<Node> root;
  try {
    if (Status s = Node::Build(schema, "$", 0, &root); !s.ok()) return s;
  } catch (const std::exception& e) {
    return Status::Error("bad_schema", e.what());
  }
  out->root_ = std::move(root);
  return Status::OK();
}

Status JsonSchema::Validate(const json& value) const {
  if (!root_) return Status::Error("schema", "$: no schema compiled");
  try {
    return root_->Check(value, "$", 0);
  } catch (const std::exception& e) {
    return Status::Error("schema", std::string("$: ") + e.what());
  }
}

Status JsonSchema::Property(std::string_view name, JsonSchema* out) const {
  if (!root_) return Status::Error("bad_schema", "no schema compiled");
  auto it = root_->properties.find(name);
  if (it == root_->properties.end()) {
    return Status::Error("bad_schema", "no property " + std::string(name));
  }
  out->root_ = it->second;
  return Status::OK();
}

}  // namespace swarmcrawl
