#include "tests/support/fixture_site.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <set>

namespace swarmcrawl::testing {
namespace {

constexpr std::string_view kRobotsDisallow = "/private/";
constexpr std::string_view kHtmlType = "text/html; charset=utf-8";
constexpr std::string_view kDefaultHostPort = "127.0.0.1:8000";
constexpr std::array<std::string_view, 4> kSections = {"news", "blog", "docs", "shop"};
constexpr int kDocChapters = 5;
constexpr int kMinPages = 20;       // enough articles to host every special link
constexpr int kManyLinks = 3000;    // links on /weird/many-links.html
constexpr int kBasePageModulus = 29;  // articles with i % 29 == 4 carry a <base href>

constexpr std::array<std::string_view, 120> kWords = {
    "harbor",   "lantern",  "meadow",   "signal",   "copper",   "river",    "quiet",
    "engine",   "garden",   "winter",   "market",   "bridge",   "paper",    "orbit",
    "silver",   "thunder",  "maple",    "canvas",   "delta",    "ember",    "falcon",
    "glacier",  "harvest",  "island",   "jungle",   "kettle",   "ladder",   "marble",
    "needle",   "oyster",   "pepper",   "quartz",   "rocket",   "saddle",   "timber",
    "umbrella", "velvet",   "walnut",   "yonder",   "zephyr",   "archive",  "beacon",
    "cabinet",  "dynamo",   "estuary",  "fountain", "gravel",   "horizon",  "ivory",
    "journal",  "kernel",   "lattice",  "mosaic",   "nebula",   "outpost",  "pylon",
    "quiver",   "rampart",  "summit",   "tundra",   "upland",   "vertex",   "willow",
    "yarrow",   "zenith",   "the",      "a",        "of",       "and",      "in",
    "to",       "with",     "for",      "on",       "by",       "from",     "under",
    "over",     "between",  "across",   "crawler",  "network",  "protocol", "server",
    "request",  "response", "packet",   "thread",   "queue",    "index",    "schedule",
    "budget",   "report",   "policy",   "village",  "council",  "season",   "weather",
    "ancient",  "bright",   "careful",  "distant",  "eager",    "fragile",  "gentle",
    "hollow",   "modern",   "narrow",   "patient",  "rapid",    "steady",   "tender",
    "measured", "observed", "built",    "crossed",  "followed", "gathered", "noted",
    "opened"};

// SplitMix64: tiny and bit-identical on every platform (unlike the standard
// distributions), which cross-machine determinism needs.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi]; the modulo bias is irrelevant for a fixture.
  int Range(int lo, int hi) {
    return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool OneIn(int n) { return Next() % static_cast<uint64_t>(n) == 0; }
  std::string_view Word() { return kWords[Next() % kWords.size()]; }

 private:
  uint64_t state_;
};

// A per-page stream, so a page's content does not depend on generation order.
uint64_t StreamSeed(uint64_t seed, uint64_t stream) {
  Rng r(seed ^ (stream * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull));
  r.Next();
  return r.Next();
}

std::string Capitalized(std::string_view w) {
  std::string s(w);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string Phrase(Rng& rng, int words, bool title_case) {
  std::string s;
  for (int i = 0; i < words; ++i) {
    if (i > 0) s += ' ';
    s += title_case ? Capitalized(rng.Word()) : std::string(rng.Word());
  }
  return s;
}

std::string Sentences(Rng& rng, int words) {
  std::string s;
  int in_sentence = 0;
  for (int i = 0; i < words; ++i) {
    std::string_view w = rng.Word();
    if (in_sentence == 0) {
      if (i > 0) s += ' ';
      s += Capitalized(w);
    } else {
      s += ' ';
      s += w;
    }
    if (++in_sentence >= 6 && rng.OneIn(4)) {
      s += '.';
      in_sentence = 0;
    }
  }
  if (in_sentence > 0) s += '.';
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::vector<std::string_view> Segments(std::string_view dir) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < dir.size()) {
    size_t j = dir.find('/', i);
    if (j == std::string_view::npos) j = dir.size();
    if (j > i) out.push_back(dir.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The document-relative reference from `base_dir` (ends with '/') to the
// root-relative `target` ("/x/y.html", "/x/", "/s.html?q=1").
std::string RelativeRef(std::string_view base_dir, std::string_view target) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q);
  size_t slash = path.rfind('/');
  std::vector<std::string_view> from = Segments(base_dir);
  std::vector<std::string_view> to = Segments(path.substr(0, slash + 1));
  std::string_view last = path.substr(slash + 1);
  size_t common = 0;
  while (common < from.size() && common < to.size() && from[common] == to[common]) ++common;
  std::string out;
  for (size_t i = common; i < from.size(); ++i) out += "../";
  for (size_t i = common; i < to.size(); ++i) {
    out += to[i];
    out += '/';
  }
  out += last;
  if (out.empty()) out = "./";  // "" would mean the base document itself
  out += query;
  return out;
}

enum class Style { kRoot, kRelative, kDotRelative, kAbsolute };

// Writes hrefs for in-scope targets as seen from one page's effective base.
class LinkMaker {
 public:
  LinkMaker(std::string_view host_port, std::string_view base_path)
      : host_port_(host_port), base_dir_(base_path.substr(0, base_path.rfind('/') + 1)) {}

  std::string Href(std::string_view target, Style style, std::string_view fragment) const {
    std::string href;
    switch (style) {
      case Style::kRoot:
        href = target;
        break;
      case Style::kRelative:
        href = RelativeRef(base_dir_, target);
        break;
      case Style::kDotRelative:
        href = RelativeRef(base_dir_, target);
        if (!StartsWith(href, "../") && !StartsWith(href, "./")) href = "./" + href;
        break;
      case Style::kAbsolute:
        href = "http://" + host_port_ + std::string(target);
        break;
    }
    if (!fragment.empty()) {
      href += '#';
      href += fragment;
    }
    return href;
  }

 private:
  std::string host_port_;
  std::string base_dir_;
};

// A special link placed on some article: either an in-scope target written
// in `style`, or a `raw` href (out of scope, or needing HTML escaping) whose
// in-scope meaning, if any, is `target`.
struct SpecialLink {
  std::string target;
  Style style = Style::kRoot;
  std::string raw;
  std::string fragment;
};

// Accumulates one HTML page and the in-scope targets of its links.
class PageBuilder {
 public:
  PageBuilder(std::string_view host_port, std::string_view base_path)
      : links_(host_port, base_path) {}

  std::string html;
  std::vector<std::string> targets;

  void Link(std::string_view target, Style style, std::string_view fragment,
            std::string_view text, bool single_quote = false) {
    Raw(links_.Href(target, style, fragment), target, text, single_quote);
  }
  // `href` is emitted as is (already HTML-escaped); `target` may be empty
  // when the link leaves the site.
  void Raw(std::string_view href, std::string_view target, std::string_view text,
           bool single_quote = false) {
    char q = single_quote ? '\'' : '"';
    html += "<a href=";
    html += q;
    html += href;
    html += q;
    html += '>';
    html += text;
    html += "</a>";
    if (!target.empty()) targets.emplace_back(target);
  }

 private:
  LinkMaker links_;
};

void OpenPage(PageBuilder* b, std::string_view title, std::string_view base_href) {
  b->html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  b->html += title;
  b->html += "</title>\n";
  if (!base_href.empty()) {
    b->html += "<base href=\"";
    b->html += base_href;
    b->html += "\">\n";
  }
  b->html += "</head>\n<body id=\"top\">\n<header><nav>\n";
  b->Link("/", Style::kRoot, "", "Home");
  for (std::string_view s : kSections) {
    b->html += " | ";
    b->Link("/" + std::string(s) + "/", Style::kRoot, "", Capitalized(s));
  }
  b->html += " | ";
  b->Link("/about.html", Style::kRoot, "", "About");
  b->html += "\n</nav></header>\n<main>\n";
}

void ClosePage(PageBuilder* b) {
  b->html += "</main>\n<footer>\n<p>swarmcrawl fixture site. ";
  b->Link("/about.html", Style::kRoot, "", "About this site");
  b->html += " &middot; ";
  b->Raw("mailto:webmaster@example.invalid", "", "Contact");
  b->html += "</p>\n</footer>\n</body>\n</html>\n";
}

FixtureResponse Html(std::string body) {
  return FixtureResponse{200, std::string(kHtmlType), std::move(body), {}, 0};
}

std::string ArticlePath(int i) {
  if (i == 0) return "/";
  std::string_view section = kSections[static_cast<size_t>(i - 1) % kSections.size()];
  if (section == "docs") {
    return "/docs/ch-" + std::to_string((i / 4) % kDocChapters) + "/p-" + std::to_string(i) +
           ".html";
  }
  return "/" + std::string(section) + "/p-" + std::to_string(i) + ".html";
}

}  // namespace

FixtureSite::FixtureSite(FixtureOptions options) : options_(std::move(options)) {
  if (options_.host_port.empty()) options_.host_port = kDefaultHostPort;
  options_.pages = std::max(options_.pages, kMinPages);
  options_.slow_ms = std::max(options_.slow_ms, 0);
  Generate();
  ComputeExpectations();
}

std::optional<FixtureResponse> FixtureSite::Get(std::string_view path_query) const {
  auto it = resources_.find(path_query);
  if (it == resources_.end()) {
    size_t q = path_query.find('?');
    if (q == std::string_view::npos) return std::nullopt;
    it = resources_.find(path_query.substr(0, q));
    if (it == resources_.end()) return std::nullopt;
  }
  return it->second.response;
}

void FixtureSite::Generate() {
  const int n = options_.pages;
  const uint64_t seed = options_.seed;
  const std::string& hp = options_.host_port;
  const std::string abs_prefix = "http://" + hp;

  auto add_page = [this](const std::string& path, PageBuilder&& b) {
    resources_[path] = Resource{Html(std::move(b.html)), std::move(b.targets)};
  };
  auto add_redirect = [this, &abs_prefix](const std::string& path, int status,
                                          const std::string& location) {
    FixtureResponse r{status, std::string(kHtmlType),
                      "<!DOCTYPE html>\n<html><head><title>Moved</title></head>"
                      "<body><p>This document has moved.</p></body></html>\n",
                      {{"Location", location}}, 0};
    std::vector<std::string> targets;
    if (StartsWith(location, abs_prefix + "/")) {
      targets.push_back(location.substr(abs_prefix.size()));
    } else if (StartsWith(location, "/")) {
      targets.push_back(location);
    } else if (location.find(':') == std::string::npos) {
      // Relative Location (RFC 9110 allows it): resolve against the source.
      targets.push_back(path.substr(0, path.rfind('/') + 1) + location);
    }
    resources_[path] = Resource{std::move(r), std::move(targets)};
  };

  std::vector<std::string> paths(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) paths[static_cast<size_t>(i)] = ArticlePath(i);
  auto art = [&paths](int i) -> const std::string& { return paths[static_cast<size_t>(i)]; };

  // --- Special links and where they are placed. ---
  std::vector<SpecialLink> specials = {
      {"/old/0.html", Style::kRoot, "", ""},
      {"/old/1.html", Style::kAbsolute, "", ""},
      {"/old/2.html", Style::kRelative, "", ""},
      {"/old/3.html", Style::kRoot, "", "top"},
      {"/moved/start.html", Style::kRoot, "", ""},
      {"/go/elsewhere.html", Style::kRelative, "", ""},
      {"/loop/a.html", Style::kRoot, "", ""},
      {"/missing/0.html", Style::kRoot, "", ""},
      {"/missing/1.html", Style::kAbsolute, "", ""},
      {"/news/p-" + std::to_string(n + 7) + ".html", Style::kRelative, "", ""},
      {"/files/missing.pdf", Style::kRoot, "", ""},
      {"/broken/0.html", Style::kRoot, "", ""},
      {"/broken/1.html", Style::kRelative, "", ""},
      {"/slow/0.html", Style::kRoot, "", ""},
      {"/slow/1.html", Style::kAbsolute, "", ""},
      {"/slow/2.html", Style::kRelative, "", ""},
      {"/slow/3.html", Style::kRoot, "", ""},
      {"/files/report.pdf", Style::kRoot, "", ""},
      {"/files/logo.png", Style::kRelative, "", ""},
      {"/files/data.json", Style::kAbsolute, "", ""},
      {"/files/readme.txt", Style::kRoot, "", ""},
      {"", Style::kRoot, "http://other.invalid/page.html", ""},
      {"", Style::kRoot, "https://example.invalid/secure/login.html", ""},
      {"", Style::kRoot, "//other.invalid/protocol-relative.html", ""},
      {"", Style::kRoot, "mailto:editor@example.invalid", ""},
      {"", Style::kRoot, "javascript:void(0)", ""},
      {"/private/", Style::kRoot, "", ""},
      {"/private/secret-0.html", Style::kAbsolute, "", ""},
      {"/private/secret-1.html", Style::kRelative, "", ""},
      {"/private/secret-2.html", Style::kRoot, "", "details"},
      {"/weird/bad-utf8.html", Style::kRoot, "", ""},
      {"/weird/many-links.html", Style::kRoot, "", ""},
  };
  // Each special link appears on two articles (so crawlers must de-duplicate).
  std::vector<std::vector<const SpecialLink*>> special_on(static_cast<size_t>(n));
  for (size_t k = 0; k < specials.size(); ++k) {
    size_t a = 1 + (k * 37 + 11) % static_cast<size_t>(n - 1);
    size_t b = 1 + (k * 53 + 29) % static_cast<size_t>(n - 1);
    special_on[a].push_back(&specials[k]);
    if (b != a) special_on[b].push_back(&specials[k]);
  }

  // --- Articles (index 0 is the home page). ---
  for (int i = 0; i < n; ++i) {
    Rng rng(StreamSeed(seed, static_cast<uint64_t>(i)));
    const std::string& path = art(i);
    std::string base_href;
    std::string base_path = path;
    if (i > 0 && i % kBasePageModulus == 4) {
      bool docs = (i / kBasePageModulus) % 2 == 0;
      base_path = docs ? "/docs/" : "/blog/";
      base_href = docs ? base_path : abs_prefix + base_path;
    }
    PageBuilder b(hp, base_path);
    auto pick_style = [&rng]() { return static_cast<Style>(rng.Range(0, 3)); };

    std::string title;
    if (i == 0) {
      title = "Swarmcrawl Fixture Site";
    } else {
      title = Phrase(rng, rng.Range(2, 5), true) + " (article " + std::to_string(i) + ")";
    }
    OpenPage(&b, title, base_href);
    b.html += "<article>\n<h1>" + title + "</h1>\n";
    if (i > 0) {
      b.html += "<p class=\"meta\">Filed under ";
      std::string dir = path.substr(0, path.rfind('/') + 1);
      b.Link(dir, Style::kDotRelative, "", "this section");
      b.html += ", following ";
      b.Link(art((i - 1) / 3), pick_style(), "", "the previous article");
      b.html += ".</p>\n";
    } else {
      b.html += "<p>Start at any section: ";
      b.Link("/search.html?q=alpha", Style::kRoot, "", "search alpha");
      b.html += ", ";
      b.Link("/search.html?q=beta", Style::kRelative, "", "search beta");
      b.html += ".</p>\n";
    }

    // Body text sized to a seeded target; the links and footer after it add
    // about 1 KB, so pages land between 2 and 8 KB.
    const size_t target_size = static_cast<size_t>(rng.Range(1800, 6600));
    for (int s = 0; s < 40 && (s < 2 || b.html.size() < target_size); ++s) {
      b.html += "<h2 id=\"sec-" + std::to_string(s) + "\">" + Phrase(rng, rng.Range(2, 4), true) +
                "</h2>\n";
      int paragraphs = rng.Range(1, 3);
      for (int p = 0; p < paragraphs && (p == 0 || b.html.size() < target_size); ++p) {
        b.html += "<p>" + Sentences(rng, rng.Range(20, 70)) + "</p>\n";
      }
    }

    // Children 3i+1..3i+3 keep every article reachable; random links add cycles.
    b.html += "<h2>Related</h2>\n<ul class=\"related\">\n";
    for (int c = 3 * i + 1; c <= 3 * i + 3 && c < n; ++c) {
      std::string fragment = rng.OneIn(4) ? "sec-" + std::to_string(rng.Range(0, 2)) : "";
      b.html += "<li>";
      b.Link(art(c), pick_style(), fragment, Phrase(rng, 3, true), rng.OneIn(8));
      b.html += "</li>\n";
    }
    for (int r = rng.Range(1, 3); r > 0; --r) {
      b.html += "<li>";
      b.Link(art(rng.Range(0, n - 1)), pick_style(), "", Phrase(rng, 2, true));
      b.html += "</li>\n";
    }
    b.html += "</ul>\n";
    if (!special_on[static_cast<size_t>(i)].empty()) {
      b.html += "<h2>See also</h2>\n<ul class=\"see-also\">\n";
      for (const SpecialLink* sl : special_on[static_cast<size_t>(i)]) {
        b.html += "<li>";
        if (!sl->raw.empty()) {
          b.Raw(sl->raw, sl->target, "elsewhere");
        } else {
          b.Link(sl->target, sl->style, sl->fragment, Phrase(rng, 2, false));
        }
        b.html += "</li>\n";
      }
      b.html += "</ul>\n";
    }
    if (i == 0) {
      b.html += "<p>";
      b.Link("/about.html", Style::kRelative, "", "About");
      b.html += "</p>\n";
    }
    // A fragment-only link points at the base document: the page itself, or
    // the <base href> document when there is one.
    b.html += "<p><a href=\"#top\">Back to top</a></p>\n</article>\n";
    b.targets.push_back(base_path);
    ClosePage(&b);
    add_page(path, std::move(b));
  }

  // --- Section and chapter indexes. ---
  for (std::string_view section : kSections) {
    std::string dir = "/" + std::string(section) + "/";
    Rng rng(StreamSeed(seed, 1'000'000 + static_cast<uint64_t>(dir.size()) * 31 +
                                 static_cast<uint64_t>(section[0])));
    PageBuilder b(hp, dir);
    std::string title = Capitalized(section) + " index";
    OpenPage(&b, title, "");
    b.html += "<h1>" + title + "</h1>\n<p>" + Sentences(rng, 40) + "</p>\n<ul>\n";
    if (section == "docs") {
      for (int c = 0; c < kDocChapters; ++c) {
        b.html += "<li>";
        b.Link("/docs/ch-" + std::to_string(c) + "/", c % 2 ? Style::kRelative : Style::kDotRelative,
               "", "Chapter " + std::to_string(c));
        b.html += "</li>\n";
      }
    }
    int listed = 0;
    for (int i = 1; i < n && listed < 40; ++i) {
      if (!StartsWith(art(i), dir)) continue;
      b.html += "<li>";
      b.Link(art(i), listed % 3 ? Style::kRelative : Style::kRoot, "", "Article " + std::to_string(i));
      b.html += "</li>\n";
      ++listed;
    }
    b.html += "</ul>\n";
    ClosePage(&b);
    add_page(dir, std::move(b));
  }
  for (int c = 0; c < kDocChapters; ++c) {
    std::string dir = "/docs/ch-" + std::to_string(c) + "/";
    Rng rng(StreamSeed(seed, 2'000'000 + static_cast<uint64_t>(c)));
    PageBuilder b(hp, dir);
    std::string title = "Docs chapter " + std::to_string(c);
    OpenPage(&b, title, "");
    b.html += "<h1>" + title + "</h1>\n<p>" + Sentences(rng, 40) + " ";
    b.Link("/docs/", Style::kRelative, "", "Up");
    b.html += "</p>\n<ul>\n";
    int listed = 0;
    for (int i = 1; i < n && listed < 30; ++i) {
      if (!StartsWith(art(i), dir)) continue;
      b.html += "<li>";
      b.Link(art(i), listed % 2 ? Style::kDotRelative : Style::kRelative, "",
             "Page " + std::to_string(i));
      b.html += "</li>\n";
      ++listed;
    }
    b.html += "</ul>\n";
    ClosePage(&b);
    add_page(dir, std::move(b));
  }

  // --- Small static pages. ---
  // `extra` may append more content (and links) before the page is closed.
  auto simple_page = [&](const std::string& path, const std::string& title, uint64_t stream,
                         const std::vector<std::string>& links,
                         const std::function<void(PageBuilder*)>& extra = nullptr) {
    Rng rng(StreamSeed(seed, stream));
    PageBuilder b(hp, path);
    OpenPage(&b, title, "");
    b.html += "<h1>" + title + "</h1>\n<p>" + Sentences(rng, rng.Range(60, 160)) + "</p>\n<ul>\n";
    for (const std::string& l : links) {
      b.html += "<li>";
      b.Link(l, Style::kRoot, "", Phrase(rng, 2, true));
      b.html += "</li>\n";
    }
    b.html += "</ul>\n";
    if (extra) extra(&b);
    ClosePage(&b);
    add_page(path, std::move(b));
  };
  simple_page("/about.html", "About this site", 3'000'000, {});
  for (std::string_view q : {"alpha", "beta"}) {
    std::vector<std::string> hits;
    Rng rng(StreamSeed(seed, 3'100'000 + static_cast<uint64_t>(q[0])));
    for (int k = 0; k < 8; ++k) hits.push_back(art(rng.Range(1, n - 1)));
    simple_page("/search.html?q=" + std::string(q), "Search results for " + std::string(q),
                3'200'000 + static_cast<uint64_t>(q[0]), hits, [q](PageBuilder* b) {
                  if (q != "alpha") return;
                  // A query link with an HTML-escaped '&', as real pages write it.
                  b->html += "<p>";
                  b->Raw("/search.html?q=alpha&amp;page=2", "/search.html?q=alpha&page=2",
                         "Next page");
                  b->html += "</p>\n";
                });
  }
  simple_page("/search.html?q=alpha&page=2", "Search results for alpha, page 2", 3'300'000,
              {art(1), art(2)});

  // --- Redirects. ---
  for (int k = 0; k < 4; ++k) {
    const std::string& to = art(1 + (k * 97 + 5) % (n - 1));
    add_redirect("/old/" + std::to_string(k) + ".html", 301, k % 2 ? abs_prefix + to : to);
  }
  add_redirect("/moved/start.html", 302, "/moved/hop.html");
  add_redirect("/moved/hop.html", 302, abs_prefix + "/moved/final.html");
  simple_page("/moved/final.html", "You found the moved page", 4'000'000, {"/", art(1)});
  add_redirect("/go/elsewhere.html", 302, "http://elsewhere.invalid/landing.html");
  add_redirect("/loop/a.html", 302, "/loop/b.html");
  add_redirect("/loop/b.html", 302, "a.html");

  // --- Errors and slow pages. ---
  for (int k = 0; k < 2; ++k) {
    resources_["/broken/" + std::to_string(k) + ".html"] = Resource{
        FixtureResponse{500, std::string(kHtmlType),
                        "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title>"
                        "</head><body><h1>Internal Server Error</h1></body></html>\n",
                        {}, 0},
        {}};
  }
  for (int k = 0; k < 4; ++k) {
    std::string path = "/slow/" + std::to_string(k) + ".html";
    simple_page(path, "A slow page " + std::to_string(k), 5'000'000 + static_cast<uint64_t>(k),
                {"/", art(1 + k)});
    resources_[path].response.delay_ms = options_.slow_ms;
  }

  // --- Non-HTML files. ---
  {
    std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n";
    Rng rng(StreamSeed(seed, 6'000'000));
    for (int k = 0; k < 2048; ++k) pdf += static_cast<char>(rng.Next() & 0xFF);  // includes NULs
    pdf += "\nendstream\n%%EOF\n";
    resources_["/files/report.pdf"] =
        Resource{FixtureResponse{200, "application/pdf", std::move(pdf), {}, 0}, {}};
    static constexpr unsigned char kPng[] = {
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48,
        0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
        0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78,
        0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00,
        0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
    resources_["/files/logo.png"] = Resource{
        FixtureResponse{200, "image/png",
                        std::string(reinterpret_cast<const char*>(kPng), sizeof(kPng)), {}, 0},
        {}};
    resources_["/files/data.json"] = Resource{
        FixtureResponse{200, "application/json",
                        "{\"site\":\"swarmcrawl-fixture\",\"pages\":" + std::to_string(n) +
                            ",\"seed\":" + std::to_string(seed) +
                            ",\"see\":\"/news/p-1.html\"}\n",
                        {}, 0},
        {}};
    resources_["/files/readme.txt"] = Resource{
        FixtureResponse{200, "text/plain; charset=utf-8",
                        "This is the swarmcrawl fixture site.\nPlain text is not parsed for "
                        "links: /news/p-1.html <a href=\"/not-a-link.html\">x</a>\n",
                        {}, 0},
        {}};
  }
  resources_["/robots.txt"] = Resource{
      FixtureResponse{200, "text/plain; charset=utf-8",
                      "User-agent: *\nDisallow: " + std::string(kRobotsDisallow) + "\n", {}, 0},
      {}};

  // --- Robots-disallowed pages, and a page reachable only through them. ---
  simple_page("/private/", "Private area", 7'000'000,
              {"/private/secret-0.html", "/private/secret-1.html", "/private/secret-2.html",
               "/private/secret-3.html", "/orphan/from-private.html"});
  for (int k = 0; k < 4; ++k) {
    simple_page("/private/secret-" + std::to_string(k) + ".html",
                "Secret " + std::to_string(k), 7'000'100 + static_cast<uint64_t>(k),
                {"/orphan/from-private.html", "/"});
  }
  simple_page("/orphan/from-private.html", "Only linked from private pages", 7'100'000, {"/"});

  // --- Hostile-but-valid pages. ---
  {
    PageBuilder b(hp, "/weird/bad-utf8.html");
    OpenPage(&b, "Broken \xFF\xFE encoding \xC3\x28 here \xE2\x82", "");
    b.html +=
        "<h1>Bad bytes \xC0\xAF overlong</h1>\n"
        "<p>Lone continuation \x80\x81, surrogate \xED\xA0\x80, truncated \xF0\x9F\x98, "
        "then valid caf\xC3\xA9.</p>\n<p>";
    b.Link("/", Style::kRoot, "", "Home \xFF");
    b.html += "</p>\n";
    ClosePage(&b);
    add_page("/weird/bad-utf8.html", std::move(b));
  }
  {
    PageBuilder b(hp, "/weird/many-links.html");
    OpenPage(&b, "A page with very many links", "");
    b.html += "<h1>Many links</h1>\n<p>\n";
    for (int k = 0; k < kManyLinks; ++k) {
      int to = k % 12;
      std::string fragment = k % 3 == 0 ? "l" + std::to_string(k) : "";
      b.Link(art(to), static_cast<Style>(k % 4), fragment, "link " + std::to_string(k), k % 7 == 0);
      b.html += '\n';
    }
    b.html += "</p>\n";
    ClosePage(&b);
    add_page("/weird/many-links.html", std::move(b));
  }
}

void FixtureSite::ComputeExpectations() {
  // The 404 paths (linked but not served) are part of the walk too, so the
  // visit bound is every resource plus every distinct link target.
  std::set<std::string> seen = {"/robots.txt", "/"};
  std::deque<std::string> queue = {"/robots.txt", "/"};
  std::set<std::string> html, requests;
  for (size_t steps = 0; !queue.empty() && steps < 10 * resources_.size() + 1000; ++steps) {
    std::string path = std::move(queue.front());
    queue.pop_front();
    if (StartsWith(path, kRobotsDisallow)) continue;  // a polite crawler never asks
    requests.insert(path);
    auto it = resources_.find(path);
    if (it == resources_.end()) continue;  // 404
    const Resource& r = it->second;
    if (r.response.status == 200 && StartsWith(r.response.content_type, "text/html")) {
      html.insert(path);
    }
    for (const std::string& t : r.targets) {
      if (seen.insert(t).second) queue.push_back(t);
    }
  }
  expected_html_.assign(html.begin(), html.end());
  expected_requests_.assign(requests.begin(), requests.end());
  for (const auto& [path, r] : resources_) {
    if (StartsWith(path, kRobotsDisallow)) robots_disallowed_.push_back(path);
  }
}

}  // namespace swarmcrawl::testing
