// JsonSchema: a validator for the subset of JSON Schema (draft 2020-12) that
// the record schemas in schemas/ use, so the coordinator can hold every record
// it stores to its published schema (a worker's bytes are not trusted).
//
// Supported keywords: type (a name or a list), const, enum, required,
// properties, additionalProperties (false or a schema), propertyNames, items,
// minItems, maxItems, minLength, maxLength (in code points), pattern
// (ECMAScript, searched, as the specification says), minimum, maximum,
// exclusiveMinimum, exclusiveMaximum. Annotations ($schema, $id, title,
// description, default) are ignored. Any other keyword makes Compile fail, so
// a schema can never be silently half-enforced.
//
// Invariants: Validate never throws; its error names the JSON path of the
// first violation ("$.offers.price: expected number"). Work is linear in the
// value's size times the schema's depth; recursion depth is bounded by the
// schema (values deeper than the schema describes are not descended into
// except through additionalProperties / items schemas, which are capped at
// kMaxDepth).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace swarmcrawl {

class JsonSchema {
 public:
  static constexpr int kMaxDepth = 64;

  JsonSchema();
  ~JsonSchema();
  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;

  static Status Compile(const nlohmann::json& schema, JsonSchema* out);
  Status Validate(const nlohmann::json& value) const;
  // The schema of one top-level property (properties.NAME); fails if absent.
  Status Property(std::string_view name, JsonSchema* out) const;

 private:
  struct Node;
  std::shared_ptr<const Node> root_;
};

// The record schemas of schemas/, embedded at build time ("web_page.v1",
// "product.v1", ...); empty when unknown.
std::string_view EmbeddedSchema(std::string_view name);

}  // namespace swarmcrawl
