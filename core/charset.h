// Charset: decoding fetched HTML bytes to UTF-8, the way a browser picks the encoding.
//
// The encoding is chosen in the HTML standard's order (WHATWG "encoding
// sniffing"): a byte order mark, then the HTTP Content-Type charset, then a
// <meta charset> / <meta http-equiv=content-type> found by the prescan of the
// first 1024 bytes, then a default (UTF-8 when the whole body is valid UTF-8,
// else windows-1252). Labels are resolved through the WHATWG Encoding
// standard's label table, so "latin1", "iso-8859-1" and "us-ascii" all mean
// windows-1252, "gb2312" and "gbk" decode as gb18030, and so on.
//
// Decoding never fails: invalid or undefined sequences become U+FFFD and set
// `had_errors`. The output is always valid UTF-8 and never longer than
// `max_output_bytes` (cut on a code point boundary, `truncated` set). Work is
// linear in the input; conversion uses glibc's iconv (no extra library), with
// UTF-8, windows-1252 and x-user-defined done here so their WHATWG-specific
// mappings are exact.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace swarmcrawl {

struct DecodedText {
  std::string utf8;      // the decoded text, valid UTF-8, any BOM removed
  std::string encoding;  // canonical WHATWG name used, e.g. "utf-8", "windows-1252",
                         // "iso-8859-2", "shift_jis", "euc-jp", "gb18030", "big5",
                         // "koi8-r", "utf-16le", "replacement"
  std::string source;    // why: "bom", "http", "meta" or "default"
  bool had_errors = false;  // some input was not valid in `encoding` (U+FFFD emitted)
  bool truncated = false;   // output stopped at max_output_bytes
};

// `http_content_type_charset` is either a bare label ("ISO-8859-1") or a whole
// Content-Type value ("text/html; charset=ISO-8859-1"); empty or unknown labels
// are ignored, as browsers do.
DecodedText DecodeHtmlToUtf8(std::string_view body, std::string_view http_content_type_charset,
                             size_t max_output_bytes);

// The WHATWG canonical (lower-case) name for an encoding label, surrounding
// ASCII whitespace and case ignored, or "" if the label is unknown. Labels of
// the gbk family map to "gb18030" (the standard decodes them identically).
std::string CanonicalEncodingName(std::string_view label);

// The charset parameter of a Content-Type value, unquoted; "" if absent.
std::string CharsetFromContentType(std::string_view content_type);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace swarmcrawl
