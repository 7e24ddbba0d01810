#include "core/charset.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace swarmcrawl {
namespace {

constexpr size_t kMax = 1 << 20;

TEST_CASE("A byte order mark beats the HTTP charset, which beats the meta declaration") {
  // BOM (UTF-8) wins over both and is removed from the text.
  DecodedText d =
      DecodeHtmlToUtf8("\xEF\xBB\xBF<meta charset=koi8-r>caf\xC3\xA9", "windows-1252", kMax);
  CHECK(d.encoding == "utf-8");
  CHECK(d.source == "bom");
  CHECK(d.utf8 == "<meta charset=koi8-r>caf\xC3\xA9");
  CHECK_FALSE(d.had_errors);

  // HTTP wins over meta: 0xB1 is U+0105 in ISO-8859-2 (in KOI8-R it would be a box-drawing glyph).
  d = DecodeHtmlToUtf8("<meta charset=koi8-r>\xB1", "ISO-8859-2", kMax);
  CHECK(d.encoding == "iso-8859-2");
  CHECK(d.source == "http");
  CHECK(d.utf8 == "<meta charset=koi8-r>\xC4\x85");

  // Meta alone: KOI8-R "Привет".
  d = DecodeHtmlToUtf8("<meta charset=koi8-r>\xF0\xD2\xC9\xD7\xC5\xD4", "", kMax);
  CHECK(d.encoding == "koi8-r");
  CHECK(d.source == "meta");
  CHECK(d.utf8 == "<meta charset=koi8-r>\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");

  // An unknown HTTP label is ignored and the meta declaration is used instead.
  d = DecodeHtmlToUtf8("<meta charset=koi8-r>\xF0", "no-such-charset", kMax);
  CHECK(d.source == "meta");
  CHECK(d.utf8 == "<meta charset=koi8-r>\xD0\x9F");
}

TEST_CASE("Without any declaration valid UTF-8 stays UTF-8 and anything else is windows-1252") {
  DecodedText d = DecodeHtmlToUtf8("caf\xC3\xA9", "", kMax);
  CHECK(d.encoding == "utf-8");
  CHECK(d.source == "default");
  CHECK(d.utf8 == "caf\xC3\xA9");

  d = DecodeHtmlToUtf8("caf\xE9", "", kMax);  // a lone high byte at the end is not cut UTF-8
  CHECK(d.encoding == "windows-1252");
  CHECK(d.source == "default");
  CHECK(d.utf8 == "caf\xC3\xA9");
  CHECK_FALSE(d.had_errors);

  // A UTF-8 body cut inside its last character (a fetch size limit) is still UTF-8.
  d = DecodeHtmlToUtf8("caf\xC3\xA9 \xE2\x82", "", kMax);
  CHECK(d.encoding == "utf-8");
  CHECK(d.utf8 == "caf\xC3\xA9 \xEF\xBF\xBD");
  CHECK(d.had_errors);
}

TEST_CASE("windows-1252 decodes curly quotes, the euro sign and undefined bytes as browsers do") {
  // 0x93/0x94 are U+201C/U+201D, 0xE9 is U+00E9, 0x80 is U+20AC, 0x81 is the C1 control U+0081.
  DecodedText d = DecodeHtmlToUtf8("\x93hi\x94 caf\xE9 \x80\x81", "latin1", kMax);
  CHECK(d.encoding == "windows-1252");
  CHECK(d.utf8 == "\xE2\x80\x9Chi\xE2\x80\x9D caf\xC3\xA9 \xE2\x82\xAC\xC2\x81");
  CHECK_FALSE(d.had_errors);
}

TEST_CASE("ISO-8859-2, Shift_JIS, EUC-JP, GB18030, Big5 and KOI8-R decode correctly") {
  // "Łódź"
  DecodedText d = DecodeHtmlToUtf8("\xA3\xF3""d\xBC", "iso-8859-2", kMax);
  CHECK(d.utf8 == "\xC5\x81\xC3\xB3""d\xC5\xBA");
  CHECK_FALSE(d.had_errors);

  // "日本あ\" in Shift_JIS; 0x5C stays a backslash (WHATWG, unlike strict JIS's yen sign).
  d = DecodeHtmlToUtf8("\x93\xFA\x96\x7B\x82\xA0\x5C", "x-sjis", kMax);
  CHECK(d.encoding == "shift_jis");
  CHECK(d.utf8 == "\xE6\x97\xA5\xE6\x9C\xAC\xE3\x81\x82\\");
  CHECK_FALSE(d.had_errors);

  // "日本" in EUC-JP.
  d = DecodeHtmlToUtf8("\xC6\xFC\xCB\xDC", "euc-jp", kMax);
  CHECK(d.utf8 == "\xE6\x97\xA5\xE6\x9C\xAC");

  // "中文" (two-byte) and U+1F600 (four-byte 94 39 FC 36) in GB18030, labelled gb2312.
  d = DecodeHtmlToUtf8("\xD6\xD0\xCE\xC4\x94\x39\xFC\x36", "gb2312", kMax);
  CHECK(d.encoding == "gb18030");
  CHECK(d.utf8 == "\xE4\xB8\xAD\xE6\x96\x87\xF0\x9F\x98\x80");
  CHECK_FALSE(d.had_errors);

  // "中文" in Big5.
  d = DecodeHtmlToUtf8("\xA4\xA4\xA4\xE5", "big5", kMax);
  CHECK(d.encoding == "big5");
  CHECK(d.utf8 == "\xE4\xB8\xAD\xE6\x96\x87");

  // "Мир" in KOI8-R (М=0xED, и=0xC9, р=0xD2).
  d = DecodeHtmlToUtf8("\xED\xC9\xD2", "koi8-r", kMax);
  CHECK(d.utf8 == "\xD0\x9C\xD0\xB8\xD1\x80");
}

TEST_CASE("UTF-16 with a byte order mark decodes, and an odd trailing byte becomes U+FFFD") {
  DecodedText d =
      DecodeHtmlToUtf8(std::string("\xFF\xFEh\x00i\x00\xAC\x20", 8), "iso-8859-2", kMax);
  CHECK(d.encoding == "utf-16le");
  CHECK(d.source == "bom");
  CHECK(d.utf8 == "hi\xE2\x82\xAC");
  CHECK_FALSE(d.had_errors);

  d = DecodeHtmlToUtf8(std::string("\xFE\xFF\x00h\x20\xAC\x00", 7), "", kMax);
  CHECK(d.encoding == "utf-16be");
  CHECK(d.utf8 == "h\xE2\x82\xAC\xEF\xBF\xBD");
  CHECK(d.had_errors);

  // A lone high surrogate (D800) followed by 'A': one U+FFFD, then the 'A'.
  d = DecodeHtmlToUtf8(std::string("\xFF\xFE\x00\xD8\x41\x00", 6), "", kMax);
  CHECK(d.utf8 == "\xEF\xBF\xBD""A");
  CHECK(d.had_errors);
}

TEST_CASE("Bytes invalid in the declared charset become U+FFFD and set had_errors") {
  // Declared UTF-8 but latin1 bytes: each maximal invalid subpart is one U+FFFD.
  DecodedText d = DecodeHtmlToUtf8("caf\xE9 ok", "utf-8", kMax);
  CHECK(d.encoding == "utf-8");
  CHECK(d.utf8 == "caf\xEF\xBF\xBD ok");
  CHECK(d.had_errors);

  d = DecodeHtmlToUtf8("\xE2\x82" "A\xF0\x80", "utf-8", kMax);
  CHECK(d.utf8 == "\xEF\xBF\xBD" "A\xEF\xBF\xBD\xEF\xBF\xBD");

  // Shift_JIS lead byte followed by a byte that cannot trail it (a space): U+FFFD,
  // and the space survives; a lead byte at the very end is U+FFFD too.
  d = DecodeHtmlToUtf8("\x81 A\x82", "shift_jis", kMax);
  CHECK(d.utf8 == "\xEF\xBF\xBD A\xEF\xBF\xBD");
  CHECK(d.had_errors);
  CHECK(IsValidUtf8(d.utf8));

  // ISO-8859-3 leaves 0xA5 undefined.
  d = DecodeHtmlToUtf8("a\xA5" "b", "iso-8859-3", kMax);
  CHECK(d.utf8 == "a\xEF\xBF\xBD" "b");
  CHECK(d.had_errors);

  // ISO-2022-KR is the "replacement" encoding: the whole document is one U+FFFD.
  d = DecodeHtmlToUtf8("<html>hello</html>", "iso-2022-kr", kMax);
  CHECK(d.encoding == "replacement");
  CHECK(d.utf8 == "\xEF\xBF\xBD");
  CHECK(d.had_errors);
}

TEST_CASE("Huge input stops at max_output_bytes on a character boundary, quickly") {
  const std::string latin(20 << 20, '\xE9');  // 20 MB of é, 2 UTF-8 bytes each
  const auto start = std::chrono::steady_clock::now();
  DecodedText d = DecodeHtmlToUtf8(latin, "windows-1252", 1001);
  CHECK(d.truncated);
  CHECK(d.utf8.size() == 1000);
  CHECK(IsValidUtf8(d.utf8));

  d = DecodeHtmlToUtf8(std::string(20 << 20, '\xFF'), "shift_jis", 1001);  // all invalid
  CHECK(d.truncated);
  CHECK(d.utf8.size() == 999);  // 333 U+FFFD
  CHECK(d.had_errors);

  const std::string cjk = [] {
    std::string s;
    for (int i = 0; i < (1 << 20); ++i) s += "\xD6\xD0";  // 中, 3 UTF-8 bytes
    return s;
  }();
  d = DecodeHtmlToUtf8(cjk, "gbk", 100000);
  CHECK(d.truncated);
  CHECK(d.utf8.size() == 99999);
  CHECK(IsValidUtf8(d.utf8));
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(secs < 2.0);

  d = DecodeHtmlToUtf8("short", "", 1001);
  CHECK_FALSE(d.truncated);
}

TEST_CASE("The meta prescan handles attribute order, quoting and http-equiv like browsers") {
  auto meta = [](const std::string& head) {
    DecodedText d = DecodeHtmlToUtf8(head + "\xB1", "", kMax);
    return d.source == "meta" ? d.encoding : "(" + d.source + ")";
  };
  CHECK(meta("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-2\">") ==
        "iso-8859-2");
  CHECK(meta("<meta content='text/html;charset=ISO-8859-2' http-equiv=content-type>") ==
        "iso-8859-2");
  CHECK(meta("<META CHARSET=\"Shift_JIS\">") == "shift_jis");
  CHECK(meta("<meta charset = x-sjis >") == "shift_jis");
  CHECK(meta("<meta/charset=\"koi8-r\"/>") == "koi8-r");
  CHECK(meta("<meta/charset=koi8-r/>") == "(default)");  // an unquoted value keeps the slash
  CHECK(meta("<meta content=\"text/html; charset='koi8-r'\" http-equiv=\"content-type\">") ==
        "koi8-r");
  // content= without http-equiv=content-type is not a declaration.
  CHECK(meta("<meta content=\"text/html; charset=koi8-r\">") == "(default)");
  // The first charset attribute wins, even when a later one is valid.
  CHECK(meta("<meta charset=bogus charset=koi8-r>") == "(default)");
  // Declarations inside comments or other tags' attribute values do not count.
  CHECK(meta("<!-- <meta charset=koi8-r> -->") == "(default)");
  CHECK(meta("<div title=\"<meta charset=koi8-r>\">") == "(default)");
  CHECK(meta("<!--><meta charset=koi8-r>") == "koi8-r");  // "<!-->" closes itself
  CHECK(meta("<title>x</title><meta name=x charset=koi8-r>") == "koi8-r");
  // A page cannot declare UTF-16 in ASCII: meta UTF-16 means UTF-8.
  CHECK(meta("<meta charset=utf-16>") == "utf-8");
  CHECK(meta("<meta charset=\"koi8-r") == "(default)");  // ends inside the tag
}

TEST_CASE("A meta declaration after the first 1024 bytes is ignored") {
  const std::string pad(1100, ' ');
  DecodedText d = DecodeHtmlToUtf8(pad + "<meta charset=koi8-r>\xE9", "", kMax);
  CHECK(d.source == "default");
  CHECK(d.encoding == "windows-1252");
  CHECK(d.utf8 == pad + "<meta charset=koi8-r>\xC3\xA9");

  const std::string pad2(1000, ' ');
  d = DecodeHtmlToUtf8(pad2 + "<meta charset=koi8-r>\xE9", "", kMax);
  CHECK(d.source == "meta");
  CHECK(d.encoding == "koi8-r");
}

TEST_CASE("HTTP charset can be given as a whole Content-Type value") {
  CHECK(CharsetFromContentType("text/html; charset=\"ISO-8859-2\"") == "ISO-8859-2");
  CHECK(CharsetFromContentType("text/html;Charset=utf-8;foo=bar") == "utf-8");
  CHECK(CharsetFromContentType("text/html") == "");
  DecodedText d = DecodeHtmlToUtf8("\xB1", "text/html; charset=\"ISO-8859-2\"", kMax);
  CHECK(d.source == "http");
  CHECK(d.utf8 == "\xC4\x85");
}

TEST_CASE("Encoding labels resolve through the WHATWG label table") {
  CHECK(CanonicalEncodingName(" Latin1 ") == "windows-1252");
  CHECK(CanonicalEncodingName("US-ASCII") == "windows-1252");
  CHECK(CanonicalEncodingName("iso-8859-1") == "windows-1252");
  CHECK(CanonicalEncodingName("GBK") == "gb18030");
  CHECK(CanonicalEncodingName("gb2312") == "gb18030");
  CHECK(CanonicalEncodingName("x-sjis") == "shift_jis");
  CHECK(CanonicalEncodingName("UTF8") == "utf-8");
  CHECK(CanonicalEncodingName("ks_c_5601-1987") == "euc-kr");
  CHECK(CanonicalEncodingName("iso-8859-9") == "windows-1254");
  CHECK(CanonicalEncodingName("utf-16") == "utf-16le");
  CHECK(CanonicalEncodingName("bogus") == "");
  CHECK(CanonicalEncodingName("") == "");
}

TEST_CASE("IsValidUtf8 rejects overlongs, surrogates, values past U+10FFFF and cut sequences") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain"));
  CHECK(IsValidUtf8("\xF0\x9F\x98\x80\xE2\x82\xAC\xC3\xA9"));
  CHECK_FALSE(IsValidUtf8("\xC0\x80"));
  CHECK_FALSE(IsValidUtf8("\xE0\x80\xAF"));
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));
  CHECK_FALSE(IsValidUtf8("\xE2\x82"));
  CHECK_FALSE(IsValidUtf8("\xFF"));
}

}  // namespace
}  // namespace swarmcrawl
