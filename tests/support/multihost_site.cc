#include "tests/support/multihost_site.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <deque>
#include <set>

namespace swarmcrawl::testing {
namespace {

constexpr std::string_view kHtmlType = "text/html; charset=utf-8";
constexpr std::string_view kTextType = "text/plain; charset=utf-8";
constexpr std::string_view kXmlType = "application/xml";
constexpr std::string_view kSitemapNs = "http://www.sitemaps.org/schemas/sitemap/0.9";
constexpr std::string_view kAiBot = "GPTBot";

// Includes common stop words so the text reads as prose to quality filters.
constexpr std::array<std::string_view, 80> kWords = {
    "amber",   "basin",    "cedar",   "drift",    "ember",   "fjord",   "grove",   "heron",
    "inlet",   "juniper",  "kestrel", "lagoon",   "mesa",    "nettle",  "orchard", "prairie",
    "quarry",  "ridge",    "spruce",  "thicket",  "upland",  "valley",  "wharf",   "yew",
    "anchor",  "bellows",  "chisel",  "dredge",   "easel",   "forge",   "gimlet",  "hinge",
    "lathe",   "mallet",   "plane",   "rasp",     "sextant", "trowel",  "vise",    "winch",
    "carries", "follows",  "gathers", "holds",    "keeps",   "lifts",   "marks",   "names",
    "passes",  "reaches",  "shapes",  "turns",    "under",   "beyond",  "across",  "beside",
    "the",     "a",        "every",   "each",     "old",     "quiet",   "narrow",  "bright",
    "slowly",  "often",    "rarely",  "together", "north",   "south",   "morning", "evening",
    "to",      "of",       "and",     "with",     "that",    "in",      "for",     "from"};

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int Range(int lo, int hi) {
    return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  std::string_view Word() { return kWords[Next() % kWords.size()]; }

 private:
  uint64_t state_;
};

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string Capitalized(std::string_view w) {
  std::string s(w);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view PathOnly(std::string_view target) {
  std::string_view p = target.substr(0, target.find('?'));
  return p.empty() ? std::string_view("/") : p;
}

std::string Abs(std::string_view host, int port, std::string_view path) {
  return MultihostUrl(host, port, path);
}

// Title and text depend only on host, path and (for /changing.html) the fetch
// number, so every page differs from every other and reruns are identical.
std::string PageTitle(std::string_view host, std::string_view path) {
  Rng rng(Fnv1a(std::string(host) + "|title|" + std::string(path)));
  std::string t;
  for (int i = 0; i < 3; ++i) t += (i ? " " : "") + Capitalized(rng.Word());
  return t + " (" + MultihostHostName(host) + " " + std::string(path) + ")";
}

std::string PageText(std::string_view host, std::string_view path, int fetch) {
  uint64_t seed = Fnv1a(std::string(host) + "|text|" + std::string(path));
  Rng rng(seed ^ (static_cast<uint64_t>(fetch) * 0xD1B54A32D192ED03ull));
  std::string s = "This is " + std::string(path) + " on " + MultihostHostName(host);
  if (fetch > 0) s += ", fetch number " + std::to_string(fetch);
  s += ".";
  for (int sentence = 0; sentence < 6; ++sentence) {
    int words = rng.Range(9, 15);
    s += ' ';
    for (int i = 0; i < words; ++i) {
      std::string_view w = rng.Word();
      s += i == 0 ? Capitalized(w) : " " + std::string(w);
    }
    s += '.';
  }
  return s;
}

std::string RenderHtml(std::string_view host, const MultihostPage& p, int fetch) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>" + HtmlEscape(p.title) + "</title>\n";
  if (!p.meta_robots.empty()) {
    out += "<meta name=\"robots\" content=\"" + HtmlEscape(p.meta_robots) + "\">\n";
  }
  if (!p.meta_tdm_reservation.empty()) {
    out += "<meta name=\"tdm-reservation\" content=\"" + HtmlEscape(p.meta_tdm_reservation) +
           "\">\n";
  }
  if (!p.canonical.empty()) {
    out += "<link rel=\"canonical\" href=\"" + HtmlEscape(p.canonical) + "\">\n";
  }
  out += "</head>\n<body>\n<h1>" + HtmlEscape(p.title) + "</h1>\n";
  out += "<p>" + HtmlEscape(PageText(host, p.path, fetch)) + "</p>\n";
  if (!p.links.empty()) {
    out += "<ul>\n";
    // One sentence per link, worded from host, page and target, so link lists
    // shared by several pages (a, b and c have the same paths) stay distinct.
    for (const std::string& href : p.links) {
      Rng rng(Fnv1a(std::string(host) + "|link|" + p.path + "|" + href));
      std::string about = std::string(rng.Word()) + " " + std::string(rng.Word()) + " and " +
                          std::string(rng.Word());
      out += "<li>Continue with <a href=\"" + HtmlEscape(href) + "\">" + HtmlEscape(href) +
             "</a>, a page about " + about + ".</li>\n";
    }
    out += "</ul>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

std::string Gzip(std::string_view in) {
  z_stream zs{};
  // windowBits 15 + 16: gzip wrapper (mtime 0, so the bytes are deterministic).
  if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string();
}

std::string GarbageRobots() {
  Rng rng(0x726f626f74730000ull);  // "robots"
  std::string s(kMultihostGarbageRobotsBytes, '\0');
  for (char& c : s) c = static_cast<char>(rng.Next() & 0xFF);
  for (size_t i = 0; i < s.size(); i += 61) s[i] = '\0';
  for (size_t i = 7; i < s.size(); i += 67) s[i] = '\xFF';
  for (size_t i = 29; i < s.size(); i += 509) s[i] = '\n';
  // Random bytes practically never spell "disallow"; make sure of it.
  for (;;) {
    size_t pos = Lower(s).find("disallow");
    if (pos == std::string::npos) break;
    s[pos] = '\0';
  }
  return s;
}

// ---- builders -------------------------------------------------------------

MultihostPage Html(std::string path, std::vector<std::string> links,
                   MultihostFate fate = MultihostFate::kStored, std::string note = "") {
  MultihostPage p;
  p.path = std::move(path);
  p.links = std::move(links);
  p.fate = fate;
  p.note = std::move(note);
  return p;
}

MultihostPage Redirect(std::string path, int status, std::string location, std::string header,
                       std::string note) {
  MultihostPage p;
  p.path = std::move(path);
  p.fate = MultihostFate::kNotPage;
  p.status = status;
  p.content_type = std::string(kTextType);
  p.location = std::move(location);
  p.headers.emplace_back("Location", std::move(header));
  p.body = "Redirecting to " + p.location + "\n";
  p.note = std::move(note);
  return p;
}

MultihostPage Resource(std::string path, std::string_view content_type, std::string body,
                       std::string note) {
  MultihostPage p;
  p.path = std::move(path);
  p.fate = MultihostFate::kNotPage;
  p.content_type = std::string(content_type);
  p.body = std::move(body);
  p.note = std::move(note);
  return p;
}

// "/" links /p1.html../pN.html; pK links p(K+1) (when it exists) and "/".
void AddChain(MultihostHost& h, int n, MultihostFate fate, const std::string& note) {
  std::vector<std::string> home_links;
  for (int i = 1; i <= n; ++i) home_links.push_back("/p" + std::to_string(i) + ".html");
  h.pages.push_back(Html("/", home_links, fate, note));
  for (int i = 1; i <= n; ++i) {
    std::vector<std::string> links;
    if (i < n) links.push_back("/p" + std::to_string(i + 1) + ".html");
    links.push_back("/");
    h.pages.push_back(Html("/p" + std::to_string(i) + ".html", links, fate, note));
  }
}

MultihostPage* Find(MultihostHost& h, std::string_view path) {
  for (MultihostPage& p : h.pages) {
    if (p.path == path) return &p;
  }
  return nullptr;
}

std::string RobotsBody(const MultihostHost& h, int port) {
  std::string s = "User-agent: *\n";
  if (h.robots_disallow.empty()) s += "Allow: /\n";
  for (const std::string& d : h.robots_disallow) s += "Disallow: " + d + "\n";
  if (!h.ai_bot_disallow.empty()) {
    s += "\nUser-agent: " + std::string(kAiBot) + "\n";
    for (const std::string& d : h.ai_bot_disallow) s += "Disallow: " + d + "\n";
  }
  for (const std::string& sm : h.robots_sitemaps) s += "Sitemap: " + Abs(h.name, port, sm) + "\n";
  return s;
}

std::string TdmRepJson(const std::vector<MultihostTdmRule>& rules) {
  std::string s = "[";
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) s += ",";
    s += "{\"location\":\"" + rules[i].location +
         "\",\"tdm-reservation\":" + std::to_string(rules[i].reservation);
    if (!rules[i].policy.empty()) s += ",\"tdm-policy\":\"" + rules[i].policy + "\"";
    s += "}";
  }
  return s + "]";
}

std::vector<MultihostRef> Refs(std::vector<std::string> paths) {
  std::vector<MultihostRef> refs;
  for (std::string& p : paths) refs.push_back(MultihostRef{"", std::move(p)});
  return refs;
}

std::string RefUrl(const MultihostRef& r, std::string_view self, int port) {
  return Abs(r.host.empty() ? self : std::string_view(r.host), port, r.path);
}

std::string Urlset(const std::vector<MultihostRef>& refs, std::string_view self, int port,
                   bool lastmod) {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"" +
                  std::string(kSitemapNs) + "\">\n";
  for (size_t i = 0; i < refs.size(); ++i) {
    s += "  <url><loc>" + HtmlEscape(RefUrl(refs[i], self, port)) + "</loc>";
    if (lastmod) s += "<lastmod>2024-01-" + std::to_string(10 + i) + "</lastmod>";
    s += "</url>\n";
  }
  return s + "</urlset>\n";
}

std::string SitemapIndex(const std::vector<MultihostRef>& refs, std::string_view self, int port) {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"" +
                  std::string(kSitemapNs) + "\">\n";
  for (const MultihostRef& r : refs) {
    s += "  <sitemap><loc>" + HtmlEscape(RefUrl(r, self, port)) +
         "</loc><lastmod>2024-02-01</lastmod></sitemap>\n";
  }
  return s + "</sitemapindex>\n";
}

std::string TextSitemap(const std::vector<MultihostRef>& refs, std::string_view self, int port) {
  std::string s;
  for (const MultihostRef& r : refs) s += RefUrl(r, self, port) + "\n";
  return s;
}

std::string Rss(const std::vector<MultihostRef>& refs, std::string_view self, int port) {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n";
  s += "<title>" + MultihostHostName(self) + " news</title>\n";
  s += "<link>" + Abs(self, port, "/") + "</link>\n";
  s += "<description>Pages announced only by this feed.</description>\n";
  for (size_t i = 0; i < refs.size(); ++i) {
    std::string url = RefUrl(refs[i], self, port);
    s += "<item><title>Feed item " + std::to_string(i + 1) + "</title><link>" + url +
         "</link><guid>" + url + "</guid><pubDate>" +
         MultihostHttpDate(1704067200 + 86400 * static_cast<int64_t>(i)) + "</pubDate></item>\n";
  }
  return s + "</channel>\n</rss>\n";
}

std::string Atom(const std::vector<MultihostRef>& refs, std::string_view self, int port) {
  std::string s =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  s += "<title>" + MultihostHostName(self) + " atom</title>\n";
  s += "<id>urn:swarmcrawl:multihost:atom</id>\n<updated>2024-01-05T00:00:00Z</updated>\n";
  for (size_t i = 0; i < refs.size(); ++i) {
    std::string url = RefUrl(refs[i], self, port);
    s += "<entry><title>Atom entry " + std::to_string(i + 1) + "</title><id>" + url +
         "</id><link href=\"" + url + "\"/><updated>2024-01-0" + std::to_string(i + 1) +
         "T00:00:00Z</updated></entry>\n";
  }
  return s + "</feed>\n";
}

MultihostPage Listing(std::string path, std::string_view content_type,
                      std::vector<MultihostRef> refs, std::string body, std::string note) {
  MultihostPage p = Resource(std::move(path), content_type, std::move(body), std::move(note));
  p.listed = std::move(refs);
  return p;
}

// ---- hosts ----------------------------------------------------------------

void AddSitemapHost(std::vector<MultihostHost>& hosts, int port) {
  MultihostHost h;
  h.name = "sitemap";
  h.robots_disallow = {"/blocked/"};
  h.robots_sitemaps = {"/sitemap_index.xml"};
  const std::string& self = h.name;
  h.pages.push_back(Html("/", {"/p1.html"}));
  h.pages.push_back(Html("/p1.html", {"/"}));

  auto index = Refs({"/sitemap-1.xml.gz", "/sitemap-2.txt", "/sitemap-bad.xml",
                     "/sitemap-other.xml"});
  h.pages.push_back(Listing("/sitemap_index.xml", kXmlType, index, SitemapIndex(index, self, port),
                            "sitemap index named by robots.txt"));

  auto gz = Refs({"/orphan/g1.html", "/orphan/g2.html", "/orphan/g3.html", "/orphan/g4.html",
                  "/orphan/g5.html"});
  h.pages.push_back(Listing("/sitemap-1.xml.gz", "application/x-gzip", gz,
                            Gzip(Urlset(gz, self, port, true)),
                            "gzip-compressed urlset (the body is gzip, no Content-Encoding)"));

  auto txt = Refs({"/orphan/t1.html", "/orphan/t2.html", "/blocked/t3.html"});
  h.pages.push_back(Listing("/sitemap-2.txt", kTextType, txt, TextSitemap(txt, self, port),
                            "text sitemap, one URL a line"));

  h.pages.push_back(Resource("/sitemap-bad.xml", kXmlType,
                             "<urlset><url><loc>\x01 garbage &&& <<< ]]> not a url",
                             "malformed XML: must not break the crawl"));

  std::vector<MultihostRef> other = {{"elsewhere", "/x.html"}, {"a", "/p1.html"}};
  h.pages.push_back(Listing("/sitemap-other.xml", kXmlType, other, Urlset(other, self, port, false),
                            "urlset of other hosts' URLs (elsewhere.localhost is unknown: 404)"));

  auto rss = Refs({"/orphan/r1.html", "/orphan/r2.html"});
  MultihostPage feed = Listing("/feed.rss", "application/rss+xml", rss, Rss(rss, self, port),
                               "RSS 2.0, listed nowhere: a crawl-spec sitemap");
  feed.spec_sitemap = true;
  h.pages.push_back(feed);

  auto atom = Refs({"/orphan/a1.html", "/orphan/a2.html"});
  MultihostPage atom_page = Listing("/atom.xml", "application/atom+xml", atom,
                                    Atom(atom, self, port),
                                    "Atom, listed nowhere: a crawl-spec sitemap");
  atom_page.spec_sitemap = true;
  h.pages.push_back(atom_page);

  for (const auto* list : {&gz, &txt, &rss, &atom}) {
    for (const MultihostRef& r : *list) {
      if (r.path.starts_with("/blocked/")) {
        h.pages.push_back(Html(r.path, {"/"}, MultihostFate::kNeverFetched,
                               "in a sitemap, but robots.txt disallows /blocked/"));
      } else {
        h.pages.push_back(Html(r.path, {"/"}, MultihostFate::kStored,
                               "reachable only through a sitemap or feed"));
      }
    }
  }
  hosts.push_back(std::move(h));
}

void AddOptoutHost(std::vector<MultihostHost>& hosts) {
  MultihostHost h;
  h.name = "optout";
  h.ai_bot_disallow = {"/ai-blocked/"};
  h.tdm_rules = {{"/tdm-file/*", 1, "https://optout.localhost/policy.json"}, {"/*", 0, ""}};
  using F = MultihostFate;
  std::vector<MultihostPage> pages;
  pages.push_back(Html("/ok.html", {"/"}, F::kStored, "no opt-out signal"));
  {
    MultihostPage p = Html("/xrobots-noai.html", {"/"}, F::kNotStored, "X-Robots-Tag: noai");
    p.headers.emplace_back("X-Robots-Tag", "noai");
    pages.push_back(p);
  }
  {
    MultihostPage p =
        Html("/xrobots-noindex.html", {"/"}, F::kNotStored, "X-Robots-Tag: noindex");
    p.headers.emplace_back("X-Robots-Tag", "noindex");
    pages.push_back(p);
  }
  {
    MultihostPage p = Html("/xrobots-otherbot.html", {"/"}, F::kStored,
                           "X-Robots-Tag scoped to another bot (otherbot: noindex)");
    p.headers.emplace_back("X-Robots-Tag", "otherbot: noindex");
    pages.push_back(p);
  }
  {
    MultihostPage p = Html("/meta-noai.html", {"/"}, F::kNotStored, "meta robots noai, noimageai");
    p.meta_robots = "noai, noimageai";
    pages.push_back(p);
  }
  {
    MultihostPage p = Html("/meta-noindex.html", {"/"}, F::kNotStored, "meta robots noindex");
    p.meta_robots = "noindex";
    pages.push_back(p);
  }
  {
    MultihostPage p = Html("/meta-nofollow.html", {"/only-via-nofollow.html"}, F::kStored,
                           "meta robots nofollow: stored, its links not followed");
    p.meta_robots = "nofollow";
    pages.push_back(p);
  }
  {
    MultihostPage p = Html("/tdm-header.html", {"/"}, F::kNotStored,
                           "tdm-reservation: 1 response header");
    p.headers.emplace_back("tdm-reservation", "1");
    p.headers.emplace_back("tdm-policy", "https://optout.localhost/p.json");
    pages.push_back(p);
  }
  {
    MultihostPage p = Html("/tdm-meta.html", {"/"}, F::kNotStored, "meta tdm-reservation 1");
    p.meta_tdm_reservation = "1";
    pages.push_back(p);
  }
  pages.push_back(Html("/tdm-file/doc.html", {"/"}, F::kNotStored,
                       "reserved by /.well-known/tdmrep.json (/tdm-file/*)"));
  {
    MultihostPage p = Html("/tdm-override.html", {"/"}, F::kStored,
                           "tdm-reservation: 0 header (the file says 0 for /* too)");
    p.headers.emplace_back("tdm-reservation", "0");
    pages.push_back(p);
  }
  pages.push_back(Html("/ai-blocked/page.html", {"/"}, F::kNotStored,
                       "robots.txt disallows /ai-blocked/ for GPTBot only: an AI opt-out "
                       "(allowed by the * group, so an RFC 9309 crawler with another "
                       "user agent may fetch it)"));

  std::vector<std::string> home_links;
  for (const MultihostPage& p : pages) home_links.push_back(p.path);
  h.pages.push_back(Html("/", home_links));
  for (MultihostPage& p : pages) h.pages.push_back(std::move(p));
  h.pages.push_back(Html("/only-via-nofollow.html", {"/"}, F::kNeverFetched,
                         "linked only from a nofollow page"));
  h.pages.push_back(Resource("/.well-known/tdmrep.json", "application/json",
                             TdmRepJson(h.tdm_rules), "TDMRep file"));
  hosts.push_back(std::move(h));
}

void AddCanonHost(std::vector<MultihostHost>& hosts, int port) {
  MultihostHost h;
  h.name = "canon";
  h.pages.push_back(Html("/", {"/article.html?utm_source=news&id=7&utm_medium=x",
                               "/article.html?id=7&fbclid=abc", "/dup.html", "/main.html",
                               "/self.html", "/r1.html", "/r2.html"}));
  MultihostPage article = Html("/article.html", {"/"}, MultihostFate::kStored,
                               "linked twice with tracking parameters (utm_*, fbclid): one "
                               "record, /article.html?id=7; any query serves this page");
  article.record_path = "/article.html?id=7";
  h.pages.push_back(article);
  MultihostPage dup = Html("/dup.html", {"/"}, MultihostFate::kCanonicalElsewhere,
                           "rel=canonical /main.html");
  dup.canonical = "/main.html";
  h.pages.push_back(dup);
  h.pages.push_back(Html("/main.html", {"/"}));
  MultihostPage self = Html("/self.html", {"/"}, MultihostFate::kStored, "rel=canonical itself");
  self.canonical = "/self.html";
  h.pages.push_back(self);
  h.pages.push_back(Redirect("/r1.html", 301, "/main.html", "/main.html",
                             "301, relative Location, to a page that is linked anyway"));
  h.pages.push_back(Redirect("/r2.html", 302, "/target.html", Abs(h.name, port, "/target.html"),
                             "302, absolute Location"));
  h.pages.push_back(Html("/target.html", {"/"}, MultihostFate::kStored,
                         "reachable only through the /r2.html redirect"));
  hosts.push_back(std::move(h));
}

std::vector<MultihostHost> BuildTable(const MultihostOptions& o) {
  using F = MultihostFate;
  std::vector<MultihostHost> hosts;
  for (const char* name : {"a", "b", "c"}) {
    MultihostHost h;
    h.name = name;
    h.delay_ms = kMultihostPoliteDelayMs;
    AddChain(h, 24, F::kStored, "");
    hosts.push_back(std::move(h));
  }
  {
    MultihostHost h;
    h.name = "slow";
    h.delay_ms = o.slow_ms;
    AddChain(h, 9, F::kStored, "");
    hosts.push_back(std::move(h));
  }
  {
    MultihostHost h;
    h.name = "busy";
    AddChain(h, 11, F::kStored, "");
    MultihostPage* p3 = Find(h, "/p3.html");
    p3->special = MultihostSpecial::kFirst429;
    p3->note = "first request 429 with Retry-After in seconds";
    MultihostPage* p6 = Find(h, "/p6.html");
    p6->special = MultihostSpecial::kFirst503Date;
    p6->note = "first request 503 with Retry-After as an HTTP-date";
    hosts.push_back(std::move(h));
  }
  {
    MultihostHost h;
    h.name = "down";
    h.robots = MultihostRobots::kUnavailable;
    AddChain(h, 5, F::kNeverFetched, "robots.txt answers 503: the host is off limits");
    hosts.push_back(std::move(h));
  }
  {
    MultihostHost h;
    h.name = "norobots";
    h.robots = MultihostRobots::kMissing;
    h.pages.push_back(Html("/", {"/private/x.html", "/p1.html"}));
    h.pages.push_back(Html("/private/x.html", {"/"}, F::kStored, "no robots.txt: all allowed"));
    h.pages.push_back(Html("/p1.html", {"/"}));
    hosts.push_back(std::move(h));
  }
  AddSitemapHost(hosts, o.port);
  AddOptoutHost(hosts);
  AddCanonHost(hosts, o.port);
  {
    MultihostHost h;
    h.name = "recrawl";
    h.pages.push_back(Html("/", {"/static.html", "/changing.html"}));
    MultihostPage st = Html("/static.html", {"/"}, F::kStored,
                            "validators; 304 on If-None-Match / If-Modified-Since");
    st.special = MultihostSpecial::kConditional;
    st.headers.emplace_back("ETag", std::string(kMultihostStaticEtag));
    st.headers.emplace_back("Last-Modified", std::string(kMultihostStaticLastModified));
    h.pages.push_back(st);
    MultihostPage ch = Html("/changing.html", {"/"}, F::kStored,
                            "new text on every fetch, no validators");
    ch.special = MultihostSpecial::kChanging;
    h.pages.push_back(ch);
    hosts.push_back(std::move(h));
  }
  for (auto [name, mode] : {std::pair{"robotsloop", MultihostRobots::kRedirectLoop},
                            std::pair{"robotsgarbage", MultihostRobots::kGarbage}}) {
    MultihostHost h;
    h.name = name;
    h.robots = mode;
    h.pages.push_back(Html("/", {"/p1.html"}));
    h.pages.push_back(Html("/p1.html", {"/"}));
    hosts.push_back(std::move(h));
  }
  {
    MultihostHost h;
    h.name = "robotsredirect";
    h.robots = MultihostRobots::kRedirected;
    h.robots_disallow = {"/secret/"};
    h.pages.push_back(Html("/", {"/p1.html", "/secret/s.html"}));
    h.pages.push_back(Html("/p1.html", {"/"}));
    h.pages.push_back(Html("/secret/s.html", {"/"}, F::kNeverFetched,
                           "disallowed by the robots.txt reached through a redirect"));
    hosts.push_back(std::move(h));
  }

  // robots.txt (and friends) from each host's robots mode.
  for (MultihostHost& h : hosts) {
    switch (h.robots) {
      case MultihostRobots::kFile:
        h.pages.push_back(Resource("/robots.txt", kTextType, RobotsBody(h, o.port), "robots.txt"));
        break;
      case MultihostRobots::kMissing:
        break;  // 404
      case MultihostRobots::kUnavailable: {
        MultihostPage p = Resource("/robots.txt", kTextType, "Service Unavailable\n",
                                   "robots.txt always 503");
        p.status = 503;
        h.pages.push_back(p);
        break;
      }
      case MultihostRobots::kRedirected:
        h.pages.push_back(Redirect("/robots.txt", 301, "/real-robots.txt",
                                   Abs(h.name, o.port, "/real-robots.txt"),
                                   "robots.txt 301, absolute Location"));
        h.pages.push_back(
            Resource("/real-robots.txt", kTextType, RobotsBody(h, o.port), "the real robots.txt"));
        break;
      case MultihostRobots::kRedirectLoop:
        for (int i = 1; i <= kMultihostRobotsLoopHops; ++i) {
          std::string from = i == 1 ? "/robots.txt" : "/robots" + std::to_string(i) + ".txt";
          std::string to = i == kMultihostRobotsLoopHops
                               ? "/robots.txt"
                               : "/robots" + std::to_string(i + 1) + ".txt";
          h.pages.push_back(Redirect(from, 302, to, to, "robots.txt redirect loop, relative"));
        }
        break;
      case MultihostRobots::kGarbage:
        h.pages.push_back(
            Resource("/robots.txt", kTextType, GarbageRobots(), "robots.txt: binary garbage"));
        break;
    }
  }

  for (MultihostHost& h : hosts) {
    for (MultihostPage& p : h.pages) {
      if (p.record_path.empty()) p.record_path = p.path;
      if (p.content_type == kHtmlType && p.status == 200) {
        if (p.title.empty()) p.title = PageTitle(h.name, p.path);
        if (p.special != MultihostSpecial::kChanging) p.body = RenderHtml(h.name, p, 0);
      }
    }
  }
  return hosts;
}

const MultihostHost* FindHost(const std::vector<MultihostHost>& hosts, std::string_view name) {
  for (const MultihostHost& h : hosts) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

const MultihostPage* FindPage(const MultihostHost& h, std::string_view path) {
  path = PathOnly(path);
  for (const MultihostPage& p : h.pages) {
    if (p.path == path) return &p;
  }
  return nullptr;
}

std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(Lower(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(Lower(cur));
  return out;
}

bool HasOptOutToken(std::string_view directives) {
  for (const std::string& t : Tokens(directives)) {
    if (t == "noindex" || t == "noai" || t == "none") return true;
  }
  return false;
}

// The opt-out signals that apply to `p` for a crawler collecting AI data.
std::vector<std::string> OptOutSignals(const MultihostHost& h, const MultihostPage& p) {
  std::vector<std::string> s;
  if (HasOptOutToken(p.meta_robots)) s.push_back("meta robots");
  if (p.meta_tdm_reservation == "1") s.push_back("meta tdm-reservation");
  for (const auto& [name, value] : p.headers) {
    std::string n = Lower(name);
    // "otherbot: noindex" is scoped to another crawler.
    if (n == "x-robots-tag" && value.find(':') == std::string::npos && HasOptOutToken(value)) {
      s.push_back("X-Robots-Tag");
    }
    if (n == "tdm-reservation" && value == "1") s.push_back("tdm-reservation header");
  }
  for (const MultihostTdmRule& r : h.tdm_rules) {
    std::string_view loc = r.location;
    bool match = loc.ends_with('*') ? p.path.starts_with(loc.substr(0, loc.size() - 1))
                                    : p.path == loc;
    if (match) {
      if (r.reservation == 1) s.push_back("tdmrep.json");
      break;  // first matching rule decides
    }
  }
  for (const std::string& d : h.ai_bot_disallow) {
    if (p.path.starts_with(d)) s.push_back("robots.txt AI-bot group");
  }
  return s;
}

void CheckHost(const std::vector<MultihostHost>& hosts, const MultihostHost& h,
               std::vector<std::string>& problems) {
  auto problem = [&](const std::string& path, const std::string& what) {
    problems.push_back(h.name + " " + path + ": " + what);
  };
  auto allowed = [&](std::string_view path) {
    if (h.robots == MultihostRobots::kUnavailable) return false;
    for (const std::string& d : h.robots_disallow) {
      if (path.starts_with(d)) return false;
    }
    return true;
  };

  std::set<std::string> seen_paths;
  for (const MultihostPage& p : h.pages) {
    if (!seen_paths.insert(p.path).second) problem(p.path, "served twice");
    if (p.path.find('?') != std::string::npos) problem(p.path, "path with a query");
    if (PathOnly(p.record_path) != p.path) problem(p.path, "record_path of another path");
    for (const std::string& l : p.links) {
      if (FindPage(h, l) == nullptr) problem(p.path, "links to missing " + l);
    }
    if (!p.location.empty() && FindPage(h, p.location) == nullptr) {
      problem(p.path, "redirects to missing " + p.location);
    }
    for (const MultihostRef& r : p.listed) {
      const MultihostHost* other = r.host.empty() ? &h : FindHost(hosts, r.host);
      if (other != nullptr && FindPage(*other, r.path) == nullptr) {
        problem(p.path, "lists missing " + r.host + r.path);
      }
    }
  }

  // Breadth-first walk of what a crawler can reach and may fetch.
  std::set<std::string> reached;
  std::deque<std::string> queue;
  auto push = [&](std::string_view target) {
    std::string path(PathOnly(target));
    if (reached.insert(path).second) queue.push_back(path);
  };
  push("/");
  for (const std::string& s : h.robots_sitemaps) push(s);
  for (const MultihostPage& p : h.pages) {
    if (p.spec_sitemap) push(p.path);
  }
  std::set<std::string> fetchable;
  while (!queue.empty()) {
    std::string path = queue.front();
    queue.pop_front();
    const MultihostPage* p = FindPage(h, path);
    if (p == nullptr || !allowed(path)) continue;
    fetchable.insert(path);
    if (p->content_type == kHtmlType && p->status == 200) {
      bool nofollow = false;
      for (const std::string& t : Tokens(p->meta_robots)) nofollow |= t == "nofollow" || t == "none";
      if (!nofollow) {
        for (const std::string& l : p->links) push(l);
      }
    }
    if (!p->location.empty()) push(p->location);
    for (const MultihostRef& r : p->listed) {
      if (r.host.empty()) push(r.path);
    }
  }

  for (const MultihostPage& p : h.pages) {
    bool can_fetch = fetchable.count(p.path) > 0;
    bool html = p.content_type == kHtmlType && p.status == 200;
    std::vector<std::string> signals = OptOutSignals(h, p);
    bool self_canonical = p.canonical.empty() || p.canonical == p.path;
    switch (p.fate) {
      case MultihostFate::kStored:
        if (!can_fetch) problem(p.path, "stored but not reachable/allowed");
        if (!html) problem(p.path, "stored but not 200 HTML");
        if (!signals.empty()) problem(p.path, "stored despite opt-out " + signals[0]);
        if (!self_canonical) problem(p.path, "stored but canonical elsewhere");
        break;
      case MultihostFate::kNotStored:
        if (!can_fetch) problem(p.path, "not-stored page is not reachable (use kNeverFetched)");
        if (signals.empty()) problem(p.path, "not stored without an opt-out signal");
        break;
      case MultihostFate::kCanonicalElsewhere: {
        if (!can_fetch) problem(p.path, "canonical duplicate not reachable");
        const MultihostPage* target = FindPage(h, p.canonical);
        if (self_canonical || target == nullptr || target->fate != MultihostFate::kStored) {
          problem(p.path, "canonical does not name another stored page");
        }
        break;
      }
      case MultihostFate::kNeverFetched:
        if (can_fetch) problem(p.path, "never-fetched page is reachable and allowed");
        break;
      case MultihostFate::kNotPage:
        if (html) problem(p.path, "200 HTML marked as not a page");
        break;
    }
  }
}

}  // namespace

std::string_view MultihostFateName(MultihostFate fate) {
  switch (fate) {
    case MultihostFate::kStored: return "stored";
    case MultihostFate::kNotStored: return "not-stored";
    case MultihostFate::kNeverFetched: return "never-fetched";
    case MultihostFate::kCanonicalElsewhere: return "canonical-elsewhere";
    case MultihostFate::kNotPage: return "not-page";
  }
  return "?";
}

std::vector<MultihostHost> MultihostSiteTable(const MultihostOptions& options) {
  return BuildTable(options);
}

std::vector<std::string> MultihostHosts() {
  std::vector<std::string> names;
  for (const MultihostHost& h : MultihostSiteTable()) names.push_back(h.name);
  return names;
}

std::string MultihostHostName(std::string_view host) {
  return std::string(host) + "." + std::string(kMultihostDomain);
}

std::string MultihostUrl(std::string_view host, int port, std::string_view path) {
  return "http://" + MultihostHostName(host) + ":" + std::to_string(port) + std::string(path);
}

std::vector<std::string> MultihostPages(std::string_view host) {
  std::vector<std::string> out;
  std::vector<MultihostHost> hosts = MultihostSiteTable();
  if (const MultihostHost* h = FindHost(hosts, host)) {
    for (const MultihostPage& p : h->pages) {
      if (p.status != 404) out.push_back(p.path);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<MultihostPage> MultihostFindPage(std::string_view host, std::string_view path) {
  std::vector<MultihostHost> hosts = MultihostSiteTable();
  const MultihostHost* h = FindHost(hosts, host);
  if (h == nullptr) return std::nullopt;
  const MultihostPage* p = FindPage(*h, path);
  if (p == nullptr) return std::nullopt;
  return *p;
}

std::vector<std::string> MultihostPathsWithFate(std::string_view host, MultihostFate fate) {
  std::vector<std::string> out;
  std::vector<MultihostHost> hosts = MultihostSiteTable();
  if (const MultihostHost* h = FindHost(hosts, host)) {
    for (const MultihostPage& p : h->pages) {
      if (p.fate == fate) out.push_back(fate == MultihostFate::kStored ? p.record_path : p.path);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MultihostStoredPaths(std::string_view host) {
  return MultihostPathsWithFate(host, MultihostFate::kStored);
}

std::vector<std::string> MultihostSpecSitemaps() {
  std::vector<std::string> out;
  for (const MultihostHost& h : MultihostSiteTable()) {
    for (const MultihostPage& p : h.pages) {
      if (p.spec_sitemap) out.push_back(p.path);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MultihostCheckTable() {
  std::vector<std::string> problems;
  MultihostOptions options;
  options.port = 8000;
  std::vector<MultihostHost> hosts = MultihostSiteTable(options);
  std::set<std::string> names;
  std::map<std::string, std::string> bodies;  // HTML body -> "host path"
  for (const MultihostHost& h : hosts) {
    if (!names.insert(h.name).second) problems.push_back(h.name + ": host listed twice");
    CheckHost(hosts, h, problems);
    for (const MultihostPage& p : h.pages) {
      if (p.content_type != kHtmlType || p.status != 200) continue;
      if (p.special == MultihostSpecial::kChanging) continue;
      auto [it, fresh] = bodies.emplace(p.body, h.name + " " + p.path);
      if (!fresh) problems.push_back(h.name + " " + p.path + ": same body as " + it->second);
    }
    if (h.robots == MultihostRobots::kGarbage) {
      const MultihostPage* r = FindPage(h, "/robots.txt");
      if (r == nullptr || r->body.size() != static_cast<size_t>(kMultihostGarbageRobotsBytes) ||
          Lower(r->body).find("disallow") != std::string::npos ||
          r->body.find('\0') == std::string::npos || r->body.find('\xFF') == std::string::npos) {
        problems.push_back(h.name + " /robots.txt: not the promised garbage");
      }
    }
  }
  std::optional<int64_t> modified = MultihostParseHttpDate(kMultihostStaticLastModified);
  if (!modified || MultihostHttpDate(*modified) != kMultihostStaticLastModified) {
    problems.push_back("kMultihostStaticLastModified does not round-trip as an IMF-fixdate");
  }
  return problems;
}

std::string MultihostHttpDate(int64_t unix_seconds) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm g{};
  gmtime_r(&t, &g);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[g.tm_wday % 7],
                g.tm_mday, kMonths[g.tm_mon % 12], g.tm_year + 1900, g.tm_hour, g.tm_min,
                g.tm_sec);
  return buf;
}

std::optional<int64_t> MultihostParseHttpDate(std::string_view text) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::string s(text);
  char wday[4] = {}, mon[4] = {};
  int day = 0, year = 0, hour = 0, min = 0, sec = 0, consumed = 0;
  if (std::sscanf(s.c_str(), "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", wday, &day, mon,
                  &year, &hour, &min, &sec, &consumed) != 7 ||
      consumed != static_cast<int>(s.size())) {
    return std::nullopt;
  }
  size_t m = kMonths.find(mon);
  if (m == std::string_view::npos || m % 3 != 0 || day < 1 || day > 31 || hour > 23 || min > 59 ||
      sec > 60) {
    return std::nullopt;
  }
  std::tm g{};
  g.tm_year = year - 1900;
  g.tm_mon = static_cast<int>(m / 3);
  g.tm_mday = day;
  g.tm_hour = hour;
  g.tm_min = min;
  g.tm_sec = sec;
  return static_cast<int64_t>(timegm(&g));
}

MultihostSite::MultihostSite(MultihostOptions options)
    : options_(options), hosts_(MultihostSiteTable(options)) {}

int MultihostSite::RequestCount(std::string_view host, std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(std::string(host) + " " + std::string(PathOnly(path)));
  return it == counts_.end() ? 0 : it->second;
}

namespace {

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  auto strip_weak = [](std::string_view t) {
    return t.starts_with("W/") ? t.substr(2) : t;
  };
  size_t start = 0;
  while (start <= if_none_match.size()) {
    size_t comma = if_none_match.find(',', start);
    std::string_view tag = if_none_match.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*" || strip_weak(tag) == strip_weak(etag)) return true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace

MultihostResponse MultihostSite::Handle(const MultihostRequest& request) {
  std::string_view name = request.host;
  if (name.ends_with('.')) name.remove_suffix(1);
  const std::string suffix = "." + std::string(kMultihostDomain);
  const MultihostHost* host = nullptr;
  if (name.size() > suffix.size() && name.ends_with(suffix)) {
    host = FindHost(hosts_, name.substr(0, name.size() - suffix.size()));
  }
  const std::string path(PathOnly(request.target));
  int count = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    count = ++counts_[(host != nullptr ? host->name : request.host) + " " + path];
  }

  MultihostResponse r;
  if (host == nullptr) {
    r.status = 404;
    r.content_type = std::string(kHtmlType);
    r.body = "<!DOCTYPE html>\n<html><head><title>Unknown host</title></head>"
             "<body><h1>Unknown host</h1></body></html>\n";
    return r;
  }
  r.delay_ms = host->delay_ms;
  const MultihostPage* page = FindPage(*host, path);
  if (page == nullptr) {
    r.status = 404;
    r.content_type = std::string(kHtmlType);
    r.body = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
             "<body><h1>Not Found</h1></body></html>\n";
    return r;
  }

  switch (page->special) {
    case MultihostSpecial::kFirst429:
      if (count == 1) {
        r.status = 429;
        r.content_type = std::string(kTextType);
        r.body = "Too Many Requests\n";
        r.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_s));
        return r;
      }
      break;
    case MultihostSpecial::kFirst503Date:
      if (count == 1) {
        r.status = 503;
        r.content_type = std::string(kTextType);
        r.body = "Service Unavailable\n";
        // Rounded up to the whole second: honouring it means waiting >= S.
        int64_t at = (request.now_ms + 999) / 1000 + options_.retry_after_s;
        r.headers.emplace_back("Retry-After", MultihostHttpDate(at));
        return r;
      }
      break;
    case MultihostSpecial::kConditional: {
      bool not_modified = false;
      if (!request.if_none_match.empty()) {
        not_modified = EtagMatches(request.if_none_match, kMultihostStaticEtag);
      } else if (!request.if_modified_since.empty()) {
        std::optional<int64_t> since = MultihostParseHttpDate(request.if_modified_since);
        std::optional<int64_t> modified = MultihostParseHttpDate(kMultihostStaticLastModified);
        not_modified = since && modified && *since >= *modified;
      }
      if (not_modified) {
        r.status = 304;
        r.headers = page->headers;  // ETag, Last-Modified; no body
        return r;
      }
      break;
    }
    case MultihostSpecial::kChanging:
      r.status = 200;
      r.content_type = page->content_type;
      r.body = RenderHtml(host->name, *page, count);
      r.headers = page->headers;
      return r;
    case MultihostSpecial::kNone:
      break;
  }
  r.status = page->status;
  r.content_type = page->content_type;
  r.body = page->body;
  r.headers = page->headers;
  return r;
}

}  // namespace swarmcrawl::testing
