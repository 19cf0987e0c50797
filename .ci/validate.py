#!/usr/bin/env python3
"""Check a running Newsdesk site with outside validators.

Started by .ci/validate, which runs `newsdesk serve --demo` and passes its address. Nothing here
knows the site's URLs beyond the home page, the search path and robots.txt: pages, feeds and
sitemaps are discovered the way a reader, a feed reader or a crawler finds them.

  HTML      Nu HTML Checker (vnu.jar, npm vnu-jar) on the home, story, section, author, search
            and 404 pages: no errors allowed, warnings printed.
  feeds     every feed announced by <link rel="alternate"> in those pages: RSS and Atom through
            feedparser (no bozo, right version, entries with id, link and date), JSON Feed 1.1
            through json, and conditional GET (304 for the ETag / Last-Modified just received).
  sitemaps  robots.txt's Sitemap: lines, followed through sitemap indexes: xmllint against the
            sitemaps.org schemas from npm `sitemap`, every <loc> absolute, on this host and
            answering 200, and the Google News fields.
  metadata  JSON-LD (extruct): NewsArticle on the story, BreadcrumbList on section and author
            archives; OpenGraph tags.
  admin     with --admin-login (password in NEWSDESK_VALIDATE_PASSWORD): signs in through the
            sign-in form (a wrong password first, which must be refused), follows every link and
            GET form from the dashboard to reach each admin page type (one URL per type, a
            list's status filters counted apart), sends the main forms back with their text
            fields emptied (each must be refused with an error summary), makes an application
            password through the profile's form, opens the application-authorization page the REST API index names,
            the admin's 404 and signs out; with --password-link, the set-password pages. All of
            them through the Nu HTML Checker: no errors allowed, warnings printed.

Prints one PASS/FAIL line per check and exits 1 if any failed.
"""

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import extruct
import feedparser
import lxml.etree
import lxml.html

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
}
# Content-Type a feed may be served with, per format (the announced type, or the generic one).
FEED_CONTENT_TYPES = {
    "rss": {"application/rss+xml", "application/xml", "text/xml"},
    "atom": {"application/atom+xml", "application/xml", "text/xml"},
    "json": {"application/feed+json", "application/json"},
}
FEEDPARSER_VERSION = {"rss": "rss20", "atom": "atom10"}
STORY_PATH = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/$")
SECTION_PATH = re.compile(r"^/category/.+/$")
AUTHOR_PATH = re.compile(r"^/author/[^/]+/$")
MAX_LOC_FETCHES = 2000
MAX_STORIES_SCANNED = 15
STORY_LABELS = ("story", "second story")


# ---------------------------------------------------------------------------------------------
# Reporting


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, area, url, what, reason=""):
        if ok:
            self.passed += 1
            line = f"PASS  [{area}] {url}  {what}"
        else:
            self.failed += 1
            line = f"FAIL  [{area}] {url}  {what}"
        if reason:
            line += f": {reason}"
        print(line, flush=True)
        return ok

    def ok(self, area, url, what, detail=""):
        return self.check(True, area, url, what, detail)

    def fail(self, area, url, what, reason):
        return self.check(False, area, url, what, reason)

    def note(self, text):
        print(f"      {text}", flush=True)


# ---------------------------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, url, status, headers, body):
        self.url = url  # the URL that answered, after redirects
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def media_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def text(self):
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url, headers=None, follow=True):
    """GET url; redirects are followed (up to 5) when follow is true. Never raises for HTTP
    statuses; raises OSError when the server does not answer."""
    for _ in range(6):
        req = urllib.request.Request(url, headers={"User-Agent": "newsdesk-ci-validate", **(headers or {})})
        try:
            with _opener.open(req, timeout=30) as r:
                status, hdrs, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, body = e.code, e.headers, e.read()
        except ValueError as e:  # not a URL urllib can fetch
            raise OSError(str(e)) from e
        if follow and status in (301, 302, 303, 307, 308) and hdrs.get("Location"):
            url = urllib.parse.urljoin(url, hdrs["Location"])
            continue
        return Response(url, status, hdrs, body)
    raise OSError(f"too many redirects at {url}")


# ---------------------------------------------------------------------------------------------
# Helpers


def same_host(url, base):
    u, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    return u.scheme in ("http", "https") and u.netloc == b.netloc


def is_absolute_http(url):
    return isinstance(url, str) and urllib.parse.urlsplit(url).scheme in ("http", "https") and bool(
        urllib.parse.urlsplit(url).netloc
    )


def parse_html(body):
    """The parsed document, or None for a body lxml cannot make a document of (empty)."""
    try:
        return lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return None


def links(doc, page_url, base, pattern):
    """Absolute same-host links in document order whose path matches pattern."""
    out = []
    for a in doc.iter("a"):
        href = a.get("href")
        if not href:
            continue
        url = urllib.parse.urldefrag(urllib.parse.urljoin(page_url, href.strip()))[0]
        parts = urllib.parse.urlsplit(url)
        if same_host(url, base) and not parts.query and pattern.match(parts.path):
            if url not in out:
                out.append(url)
    return out


def credit_elements(doc):
    """The theme prints a wire credit line / source agency as .credit-line / .source-agency."""
    return doc.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " credit-line ") or '
                     'contains(concat(" ", normalize-space(@class), " "), " source-agency ")]')


def has_comments(doc):
    """The theme gives each shown comment id="comment-N"."""
    return bool(doc.xpath('//*[starts-with(@id, "comment-")]'))


def story_features(doc):
    return ({"credit line"} if credit_elements(doc) else set()) | ({"comments"} if has_comments(doc) else set())


def parse_datetime(value):
    """An RFC 3339 / W3C date-time with a time zone, or None."""
    if not isinstance(value, str):
        return None
    try:
        d = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo is not None else None


def parse_w3c_date(value):
    """W3C Datetime as sitemaps use it: a date, or a date-time with a time zone."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc)
        except ValueError:
            return None
    return parse_datetime(value)


def short(text, n=160):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Discovery


class Page:
    def __init__(self, label, url, expected_status):
        self.label = label
        self.url = url
        self.expected_status = expected_status
        self.resp = None
        self.doc = None

    @property
    def usable(self):
        return self.resp is not None and self.resp.status == self.expected_status and self.doc is not None


def load_page(report, page):
    try:
        page.resp = fetch(page.url)
    except OSError as e:
        report.fail("page", page.url, page.label, f"no answer ({e})")
        return page
    r = page.resp
    if r.status != page.expected_status:
        report.fail("page", page.url, page.label, f"HTTP {r.status}, expected {page.expected_status}")
        return page
    if r.media_type != "text/html":
        report.fail("page", page.url, page.label, f"Content-Type {r.media_type!r}, expected text/html")
        return page
    page.doc = parse_html(r.body)
    if page.doc is None:
        report.fail("page", page.url, page.label, "empty or unparseable HTML")
        return page
    report.ok("page", r.url, page.label, f"HTTP {r.status}")
    return page


def discover_pages(report, base):
    pages = {}
    home = load_page(report, Page("home", base + "/", 200))
    pages["home"] = home

    story_links = links(home.doc, home.resp.url, base, STORY_PATH) if home.usable else []
    if story_links:
        pages["story"] = load_page(report, Page("story", story_links[0], 200))
    else:
        report.fail("page", base + "/", "story", "no link to a story (/YYYY/MM/DD/slug/) on the home page")

    # The demo credits wire copy ("RHM/PR") and has comments on some stories only. When the
    # first story lacks either, the first home-page story showing what it lacks (both if one
    # does) is checked as well, so the sourceOrganization/isBasedOn rule, the comment thread's
    # markup and a non-empty comments feed are covered.
    story = pages.get("story")
    if story is not None and story.usable:
        need = {"credit line", "comments"} - story_features(story.doc)
        best, best_url = set(), None
        for url in story_links[1:MAX_STORIES_SCANNED] if need else []:
            try:
                r = fetch(url)
            except OSError:
                continue
            if r.status != 200 or r.media_type != "text/html":
                continue
            doc = parse_html(r.body)
            has = story_features(doc) & need if doc is not None else set()
            if len(has) > len(best):
                best, best_url = has, url
            if best == need:
                break
        if best_url:
            pages["second story"] = load_page(report, Page("second story", best_url, 200))
        for missing in sorted(need - best):
            report.note(f"no story with {missing} among the first {MAX_STORIES_SCANNED} on the home page")

    # Sections and authors: the first link on the home page, else on the story page.
    for label, pattern, hint in (("section", SECTION_PATH, "/category/…/"), ("author", AUTHOR_PATH, "/author/…/")):
        found = []
        for src in ("home", "story"):
            p = pages.get(src)
            if p is not None and p.usable:
                found = links(p.doc, p.resp.url, base, pattern)
                if found:
                    break
        if found:
            pages[label] = load_page(report, Page(label, found[0], 200))
        else:
            report.fail("page", base + "/", label, f"no {hint} link on the home or story page")

    story = pages.get("story")
    if story is not None and story.usable:
        title = " ".join(story.doc.xpath("string(//h1)").split()) or story.doc.findtext(".//title") or ""
        words = [w for w in re.findall(r"[^\W\d_]+", title) if len(w) >= 4]
        if words:
            word = max(words, key=len)
            url = base + "/search?" + urllib.parse.urlencode({"q": word})
            search = load_page(report, Page("search", url, 200))
            pages["search"] = search
            if search.usable:
                story_path = urllib.parse.urlsplit(story.resp.url).path
                found = any(urllib.parse.urlsplit(u).path == story_path
                            for u in links(search.doc, search.resp.url, base, STORY_PATH))
                report.check(found, "search", search.resp.url, f"results link to the story whose title has {word!r}",
                             "" if found else f"no link to {story_path}")
        else:
            report.fail("page", story.url, "search", f"no word of 4+ letters in the story title {title!r}")
    else:
        report.fail("page", base + "/search", "search", "no story page to take a search word from")

    pages["404"] = load_page(report, Page("404", base + "/no-such-page-xyz/", 404))
    return pages


# ---------------------------------------------------------------------------------------------
# HTML: Nu HTML Checker


def check_html(report, pages, vnu_jar, workdir):
    docs = []
    for label, page in pages.items():
        if page.usable:
            docs.append((label, page.resp.url, page.resp.body))
        else:
            report.fail("html", page.url, f"vnu {label} page", "not checked: the page did not load as expected")
    run_vnu(report, docs, vnu_jar, workdir, "page")


def run_vnu(report, docs, vnu_jar, workdir, prefix):
    """Nu HTML Checker on docs, a list of (label, url, body): zero errors each, warnings printed.
    One JVM for all of them, with a planted invalid page that must get an error."""
    if not docs:
        return
    files = {}
    for n, (label, url, body) in enumerate(docs):
        path = os.path.join(workdir, f"{prefix}-{n:03d}.html")
        with open(path, "wb") as f:
            f.write(body)
        files[path] = (label, url)
    # A page with a known error goes along, to prove errors are seen and told apart per file.
    planted = os.path.join(workdir, f"{prefix}-planted-invalid.html")
    with open(planted, "w", encoding="utf-8") as f:
        f.write('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>planted</title>'
                '</head><body><img src="x.png"></body></html>\n')
    # JSON output keeps the messages apart per file.
    cmd = ["java", "-jar", vnu_jar, "--format", "json", "--stdout", planted, *files]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    try:
        messages = json.loads(proc.stdout)["messages"]
    except (ValueError, KeyError):
        for label, url in files.values():
            report.fail("html", url, f"vnu {label} page",
                        f"vnu gave no JSON (exit {proc.returncode}): {short(proc.stderr or proc.stdout, 300)}")
        return
    by_file = {path: [] for path in files}
    for m in messages:
        path = urllib.parse.unquote(urllib.parse.urlsplit(m.get("url", "")).path)
        by_file.setdefault(path, []).append(m)
    planted_errors = [m for m in by_file.get(planted, []) if m.get("type") == "error"]
    report.check(bool(planted_errors), "self-check", os.path.basename(planted), "vnu reports the planted error",
                 short(planted_errors[0].get("message", ""), 100) if planted_errors else "no error reported")
    for path, (label, url) in files.items():
        msgs = by_file.get(path, [])
        errors = [m for m in msgs if m.get("type") in ("error", "non-document-error")]
        warnings = [m for m in msgs if m.get("type") == "info" and m.get("subType") == "warning"]
        report.check(not errors, "html", url, f"vnu {label} page",
                     f"{len(errors)} errors, {len(warnings)} warnings")
        for m in errors + warnings:
            kind = "error" if m in errors else "warning"
            report.note(f"{kind} line {m.get('lastLine', '?')}: {short(m.get('message', ''), 200)}"
                        f"  «{short(m.get('extract', ''), 80)}»")


# ---------------------------------------------------------------------------------------------
# Feeds


def announced_feeds(pages, base):
    """{absolute url: {"format": rss|atom|json, "on": {page labels}}} from <head> links."""
    feeds = {}
    for label, page in pages.items():
        if not page.usable:
            continue
        for link in page.doc.xpath("//head//link[@href and @type and @rel]"):
            rel = link.get("rel", "").lower().split()
            kind = FEED_TYPES.get(link.get("type", "").strip().lower())
            if "alternate" not in rel or kind is None:
                continue
            url = urllib.parse.urljoin(page.resp.url, link.get("href").strip())
            entry = feeds.setdefault(url, {"format": kind, "on": set()})
            entry["on"].add(label)
    return feeds


def check_feeds(report, pages, base):
    feeds = announced_feeds(pages, base)
    for label in ("home", "section", "author"):
        page = pages.get(label)
        if page is None or not page.usable:
            continue
        kinds = sorted({f["format"] for f in feeds.values() if label in f["on"]})
        report.check(bool(kinds), "feed", page.resp.url, f"{label} page announces a feed",
                     ", ".join(kinds) if kinds else
                     'no feed announced (<link rel="alternate" type="application/rss+xml|'
                     'application/atom+xml|application/feed+json"> in <head>)')
    home = pages.get("home")
    if home is not None and home.usable:
        kinds = {f["format"] for f in feeds.values() if "home" in f["on"]}
        missing = [k for k in ("rss", "atom", "json") if k not in kinds]
        report.check(not missing, "feed", home.resp.url, "home page announces RSS, Atom and JSON Feed",
                     "missing " + ", ".join(missing) if missing else "")

    for url, info in sorted(feeds.items()):
        # A feed only story pages announce is a story's (comments) feed: it may be empty, but
        # only when the story announcing it shows no comments.
        story_only = info["on"] <= set(STORY_LABELS)
        may_be_empty = story_only and not any(has_comments(pages[l].doc) for l in info["on"])
        where = ", ".join(sorted(info["on"]))
        if not same_host(url, base):
            report.fail("feed", url, f"{info['format']} feed (on {where})", "not on the server's host")
            continue
        check_feed(report, url, info["format"], where, may_be_empty, base)


def check_feed(report, url, kind, where, may_be_empty, base):
    what = f"{kind} feed (on {where})"
    try:
        r = fetch(url)
    except OSError as e:
        report.fail("feed", url, what, f"no answer ({e})")
        return
    if r.status != 200:
        report.fail("feed", url, what, f"HTTP {r.status}")
        return
    if r.media_type not in FEED_CONTENT_TYPES[kind]:
        report.fail("feed", url, what + " Content-Type",
                    f"{r.media_type!r}, expected one of {sorted(FEED_CONTENT_TYPES[kind])}")
    else:
        report.ok("feed", url, what + " Content-Type", r.media_type)

    if kind == "json":
        problems, count = json_feed_problems(r.body, base)
    else:
        problems, count = xml_feed_problems(r, kind, base)
    if count == 0 and not may_be_empty:
        problems.append("no entries")
    report.check(not problems, "feed", url, what, "; ".join(problems) if problems else f"{count} entries")
    check_conditional_get(report, url, r)


def xml_feed_problems(r, kind, base):
    d = feedparser.parse(r.body, response_headers={"content-type": r.headers.get("Content-Type", ""),
                                                    "content-location": r.url})
    problems = []
    if d.bozo:
        problems.append(f"feedparser bozo: {short(d.bozo_exception, 200)}")
    if d.version != FEEDPARSER_VERSION[kind]:
        problems.append(f"version {d.version!r}, expected {FEEDPARSER_VERSION[kind]!r}")
    if not d.feed.get("title"):
        problems.append("feed has no title")
    if not d.feed.get("link"):
        problems.append("feed has no link")
    if kind == "atom":
        if not d.feed.get("id"):
            problems.append("feed has no id")
        if not d.feed.get("updated_parsed"):
            problems.append("feed has no updated date")
    for i, e in enumerate(d.entries):
        missing = [k for k in ("id", "link") if not e.get(k)]
        if not (e.get("published_parsed") or e.get("updated_parsed")):
            missing.append("published/updated date")
        if missing:
            problems.append(f"entry {i + 1} ({short(e.get('title', ''), 60)!r}) lacks " + ", ".join(missing))
            break
        if not same_host(e.link, base):
            problems.append(f"entry {i + 1} link {e.link!r} is not an absolute URL on this host")
            break
    return problems, len(d.entries)


def json_feed_problems(body, base):
    try:
        doc = json.loads(body)
    except ValueError as e:
        return [f"not JSON: {e}"], 0
    if not isinstance(doc, dict):
        return ["not a JSON object"], 0
    problems = []
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version {doc.get('version')!r}, expected 'https://jsonfeed.org/version/1.1'")
    if not isinstance(doc.get("title"), str) or not doc.get("title"):
        problems.append("no title")
    items = doc.get("items")
    if not isinstance(items, list):
        return problems + ["no items array"], 0
    for i, item in enumerate(items):
        bad = []
        if not isinstance(item, dict):
            problems.append(f"item {i + 1} is not an object")
            break
        if not isinstance(item.get("id"), str) or not item.get("id"):
            bad.append("id (a non-empty string)")
        if not (isinstance(item.get("url"), str) and same_host(item["url"], base)):
            bad.append("url (absolute, on this host)")
        if parse_datetime(item.get("date_published")) is None:
            bad.append("date_published (RFC 3339)")
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            bad.append("content_html or content_text")
        if bad:
            problems.append(f"item {i + 1} lacks " + ", ".join(bad))
            break
    return problems, len(items)


def check_conditional_get(report, url, first):
    etag = first.headers.get("ETag")
    last_modified = first.headers.get("Last-Modified")
    if not etag and not last_modified:
        report.fail("feed", url, "conditional GET", "response has neither ETag nor Last-Modified")
        return
    for header, value, name in (("If-None-Match", etag, "ETag"), ("If-Modified-Since", last_modified, "Last-Modified")):
        if not value:
            continue
        try:
            r = fetch(url, headers={header: value}, follow=False)
        except OSError as e:
            report.fail("feed", url, f"conditional GET ({header})", f"no answer ({e})")
            continue
        ok = r.status == 304 and not r.body
        reason = f"{header}: {short(value, 60)} -> HTTP {r.status}"
        if r.status == 304 and r.body:
            reason += " with a body"
        report.check(ok, "feed", url, f"conditional GET with {name}", reason)


# ---------------------------------------------------------------------------------------------
# Sitemaps


class Schemas:
    def __init__(self, ci_dir, workdir):
        self.urlset = os.path.join(ci_dir, "node_modules", "sitemap", "schema", "sitemap.xsd")
        self.index = os.path.join(ci_dir, "schema", "siteindex.xsd")
        # Google News sitemaps put news:news elements inside <url>. sitemap.xsd admits them via
        # <xsd:any namespace="##other" processContents="strict">: strict means xmllint must
        # have a schema for the news namespace, and Google's sitemap-news.xsd is on no package
        # registry (the npm package's all.xsd only imports it from google.com, which CI
        # cannot reach). So news sitemaps are validated against a copy of sitemap.xsd with
        # processContents="lax" (every sitemaps.org element still checked, news elements left
        # to xmllint unchecked), and check_news() checks the news fields in Python.
        with open(self.urlset, encoding="utf-8") as f:
            xsd = f.read()
        self.news_mode = "strict" if 'processContents="strict"' in xsd else "lax"
        if self.news_mode == "strict":
            self.news = os.path.join(workdir, "sitemap-lax.xsd")
            with open(self.news, "w", encoding="utf-8") as f:
                f.write(xsd.replace('processContents="strict"', 'processContents="lax"'))
        else:
            self.news = self.urlset


def xmllint(schema, body, workdir, name):
    path = os.path.join(workdir, name)
    with open(path, "wb") as f:
        f.write(body)
    proc = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", schema, path],
                          capture_output=True, text=True)
    lines = [l for l in proc.stderr.splitlines() if not l.endswith(" validates")]
    return proc.returncode, " | ".join(lines[:3])


PLANTED_URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><lastmod>2024-01-01</lastmod></url></urlset>
"""
PLANTED_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>x</loc></sitemap></sitemapindex>
"""


def self_check_schemas(report, schemas, workdir):
    """Each schema must reject a broken file, so a schema that fails to load cannot pass all."""
    for schema, body, what in ((schemas.urlset, PLANTED_URLSET, "sitemap.xsd"),
                               (schemas.news, PLANTED_URLSET, "the news (lax) schema"),
                               (schemas.index, PLANTED_INDEX, "siteindex.xsd")):
        rc, msg = xmllint(schema, body, workdir, "planted-invalid.xml")
        # xmllint exits 3 for an invalid document, 5 when the schema itself does not compile.
        report.check(rc == 3, "self-check", "planted-invalid.xml",
                     f"xmllint with {what} rejects a broken sitemap", short(msg, 160))


def check_sitemaps(report, base, pages, schemas, workdir):
    self_check_schemas(report, schemas, workdir)
    robots_url = base + "/robots.txt"
    try:
        r = fetch(robots_url)
    except OSError as e:
        report.fail("sitemap", robots_url, "robots.txt", f"no answer ({e})")
        return
    if r.status != 200:
        report.fail("sitemap", robots_url, "robots.txt", f"HTTP {r.status}")
        return
    report.check(r.media_type == "text/plain", "sitemap", robots_url, "robots.txt Content-Type", r.media_type)
    sitemap_urls = []
    for line in r.text().splitlines():
        m = re.match(r"\s*sitemap\s*:\s*(\S+)", line, re.I)
        if m:
            sitemap_urls.append(m.group(1))
    report.check(bool(sitemap_urls), "sitemap", robots_url, "robots.txt names a sitemap",
                 ", ".join(sitemap_urls) if sitemap_urls else "no 'Sitemap:' line")

    state = {"seen": set(), "locs": set(), "news": 0, "n": 0}
    for url in sitemap_urls:
        if not (is_absolute_http(url) and same_host(url, base)):
            report.fail("sitemap", url, "robots.txt Sitemap: URL", "not an absolute URL on this host")
            continue
        check_sitemap_file(report, url, base, schemas, workdir, state, depth=0)

    if sitemap_urls:
        report.check(state["news"] > 0, "sitemap", robots_url, "a Google News sitemap is listed",
                     f"{state['news']} found" if state["news"] else
                     f"no <urlset> using the {NEWS_NS} namespace among the sitemaps")
        story = pages.get("story")
        if story is not None and story.usable:
            listed = story.resp.url in state["locs"]
            report.check(listed, "sitemap", story.resp.url, "the story is listed in a sitemap",
                         "" if listed else "not in any <loc>")
        check_locs_answer(report, sorted(state["locs"]), base)


def check_sitemap_file(report, url, base, schemas, workdir, state, depth):
    if url in state["seen"]:
        return
    state["seen"].add(url)
    try:
        r = fetch(url)
    except OSError as e:
        report.fail("sitemap", url, "sitemap", f"no answer ({e})")
        return
    if r.status != 200:
        report.fail("sitemap", url, "sitemap", f"HTTP {r.status}")
        return
    report.check(r.media_type in ("application/xml", "text/xml"), "sitemap", url, "Content-Type", r.media_type)
    if len(r.body) > 50 * 1024 * 1024:
        report.fail("sitemap", url, "size", f"{len(r.body)} bytes, over the 50 MB limit")
    try:
        root = lxml.etree.fromstring(r.body, lxml.etree.XMLParser(resolve_entities=False, no_network=True))
    except lxml.etree.XMLSyntaxError as e:
        report.fail("sitemap", url, "well-formed XML", str(e))
        return
    state["n"] += 1
    name = f"sitemap-{state['n']}.xml"
    ns = {"s": SITEMAP_NS, "n": NEWS_NS}
    if root.tag == f"{{{SITEMAP_NS}}}sitemapindex":
        rc, msg = xmllint(schemas.index, r.body, workdir, name)
        report.check(rc == 0, "sitemap", url, "<sitemapindex> valid (xmllint, siteindex.xsd)", msg)
        children = [l.strip() for l in root.xpath("s:sitemap/s:loc/text()", namespaces=ns)]
        check_loc_list(report, url, children, base, 50000)
        if depth >= 3:
            report.fail("sitemap", url, "nesting", "sitemap indexes nested more than 3 deep")
            return
        for child in children:
            if is_absolute_http(child) and same_host(child, base):
                check_sitemap_file(report, child, base, schemas, workdir, state, depth + 1)
    elif root.tag == f"{{{SITEMAP_NS}}}urlset":
        locs = [l.strip() for l in root.xpath("s:url/s:loc/text()", namespaces=ns)]
        is_news = NEWS_NS in root.nsmap.values() or bool(root.xpath("//n:*", namespaces=ns))
        if is_news:
            state["news"] += 1
            rc, msg = xmllint(schemas.news, r.body, workdir, name)
            how = "sitemap.xsd" if schemas.news_mode == "lax" else "sitemap.xsd with processContents=lax"
            report.check(rc == 0, "sitemap", url, f"Google News <urlset> valid (xmllint, {how})", msg)
            check_news(report, url, root, ns)
            check_loc_list(report, url, locs, base, 1000)
        else:
            rc, msg = xmllint(schemas.urlset, r.body, workdir, name)
            report.check(rc == 0, "sitemap", url, "<urlset> valid (xmllint, sitemap.xsd)", msg)
            check_loc_list(report, url, locs, base, 50000)
        state["locs"].update(locs)
    else:
        report.fail("sitemap", url, "root element", f"{root.tag}, expected <urlset> or <sitemapindex> "
                                                    f"in the {SITEMAP_NS} namespace")


def check_loc_list(report, url, locs, base, limit):
    bad = [l for l in locs if not (is_absolute_http(l) and same_host(l, base))]
    problems = []
    if not locs:
        problems.append("no <loc>")
    if bad:
        problems.append(f"{len(bad)} not absolute on {urllib.parse.urlsplit(base).netloc}, e.g. {bad[0]!r}")
    if len(locs) > limit:
        problems.append(f"{len(locs)} entries, over the limit of {limit}")
    if len(set(locs)) != len(locs):
        problems.append("duplicate <loc>")
    report.check(not problems, "sitemap", url, "<loc> URLs absolute, on this host",
                 "; ".join(problems) if problems else f"{len(locs)} URLs")


def check_news(report, url, root, ns):
    """The Google News fields, which xmllint cannot check without Google's news schema."""
    now = dt.datetime.now(dt.timezone.utc)
    problems = []
    for u in root.xpath("s:url", namespaces=ns):
        loc = (u.findtext(f"{{{SITEMAP_NS}}}loc") or "").strip()
        news = u.xpath("n:news", namespaces=ns)
        if len(news) != 1:
            problems.append(f"{loc}: {len(news)} <news:news> elements, expected 1")
            continue
        n = news[0]
        name = n.xpath("string(n:publication/n:name)", namespaces=ns).strip()
        lang = n.xpath("string(n:publication/n:language)", namespaces=ns).strip()
        date = n.xpath("string(n:publication_date)", namespaces=ns).strip()
        title = n.xpath("string(n:title)", namespaces=ns).strip()
        if not name:
            problems.append(f"{loc}: no news:publication/news:name")
        if not re.fullmatch(r"[a-z]{2,3}|zh-cn|zh-tw", lang):
            problems.append(f"{loc}: news:language {lang!r} is not an ISO 639 code")
        published = parse_w3c_date(date)
        if published is None:
            problems.append(f"{loc}: news:publication_date {date!r} is not a W3C date")
        elif not (now - dt.timedelta(days=2, hours=1) <= published <= now + dt.timedelta(minutes=5)):
            problems.append(f"{loc}: news:publication_date {date} is not within the last two days")
        if not title:
            problems.append(f"{loc}: no news:title")
    count = len(root.xpath("s:url", namespaces=ns))
    report.check(not problems, "sitemap", url, "Google News fields (publication name, language, "
                 "publication_date within 2 days, title)",
                 "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else "")
                 if problems else f"{count} stories")


def check_locs_answer(report, locs, base):
    locs = [l for l in locs if is_absolute_http(l) and same_host(l, base)]  # others failed already
    if not locs:
        return
    bad = []
    for loc in locs[:MAX_LOC_FETCHES]:
        try:
            r = fetch(loc, follow=False)
            if r.status != 200:
                bad.append(f"{loc} -> HTTP {r.status}")
        except OSError as e:
            bad.append(f"{loc} -> {e}")
    report.check(not bad, "sitemap", "(all sitemaps)", "every <loc> answers 200 without a redirect",
                 f"{len(bad)} of {min(len(locs), MAX_LOC_FETCHES)} do not: " + "; ".join(bad[:3]) if bad
                 else f"{min(len(locs), MAX_LOC_FETCHES)} URLs")


# ---------------------------------------------------------------------------------------------
# JSON-LD and OpenGraph


def jsonld_nodes(items):
    """Every JSON object in the JSON-LD items (top-level, @graph members and nested values)."""
    out = []

    def walk(x):
        if isinstance(x, dict):
            out.append(x)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(items)
    return out


def types_of(node):
    t = node.get("@type", [])
    t = t if isinstance(t, list) else [t]
    return {str(x).rsplit("/", 1)[-1] for x in t}


class Graph:
    def __init__(self, items):
        self.nodes = jsonld_nodes(items)
        self.by_id = {n["@id"]: n for n in self.nodes if "@id" in n and len(n) > 1}

    def deref(self, x):
        if isinstance(x, dict) and set(x) == {"@id"}:
            return self.by_id.get(x["@id"], x)
        return x

    def of_type(self, name):
        return [n for n in self.nodes if name in types_of(n)]


def as_list(x):
    return x if isinstance(x, list) else [x]


def url_of(graph, x):
    """A URL given as a string, or as an object with url (ImageObject) or @id."""
    x = graph.deref(x)
    if isinstance(x, str):
        return x
    if isinstance(x, dict):
        return x.get("url") or x.get("contentUrl") or x.get("@id")
    return None


def raw_jsonld_problems(page):
    """extruct reads JSON-LD leniently; search engines do not, so each script must be strict JSON."""
    problems = []
    for i, s in enumerate(page.doc.xpath('//script[@type="application/ld+json"]')):
        try:
            json.loads(s.text or "")
        except ValueError as e:
            problems.append(f"script {i + 1}: {e}")
    return problems


def extract_metadata(report, page):
    try:
        return extruct.extract(page.resp.body, base_url=page.resp.url, syntaxes=["json-ld", "opengraph"],
                               uniform=True, errors="strict")
    except Exception as e:  # extruct raises whatever its parsers raise
        report.fail("json-ld", page.resp.url, f"{page.label} page metadata", f"extruct failed: {short(e)}")
        return None


def check_news_article(report, page, base):
    url = page.resp.url
    raw = raw_jsonld_problems(page)
    if raw:
        report.fail("json-ld", url, "ld+json scripts are valid JSON", "; ".join(raw))
    data = extract_metadata(report, page)
    if data is None:
        return None
    graph = Graph(data.get("json-ld", []))
    articles = graph.of_type("NewsArticle")
    if not articles:
        found = sorted({t for n in graph.nodes for t in types_of(n) if t})
        report.fail("json-ld", url, "NewsArticle", "none in the page's JSON-LD"
                    + (f" (types found: {', '.join(found)})" if found else " (no JSON-LD at all)"))
        return data
    a = articles[0]
    report.ok("json-ld", url, "NewsArticle", f"{len(articles)} found")

    def prop(name, problems):
        report.check(not problems, "json-ld", url, f"NewsArticle.{name}", "; ".join(problems))

    headline = a.get("headline")
    prop("headline", [] if isinstance(headline, str) and headline.strip() else [f"missing or empty ({headline!r})"])

    images = [url_of(graph, i) for i in as_list(a.get("image"))] if a.get("image") else []
    prop("image", ["missing"] if not images else
         [f"{i!r} is not an absolute URL" for i in images if not is_absolute_http(i)])

    published, modified = parse_datetime(a.get("datePublished")), parse_datetime(a.get("dateModified"))
    prop("datePublished", [] if published else [f"{a.get('datePublished')!r} is not an ISO 8601 date-time with a time zone"])
    dm = [] if modified else [f"{a.get('dateModified')!r} is not an ISO 8601 date-time with a time zone"]
    if published and modified and modified < published:
        dm.append("earlier than datePublished")
    prop("dateModified", dm)

    authors = [graph.deref(x) for x in as_list(a.get("author"))] if a.get("author") else []
    ap = [] if authors else ["missing"]
    for au in authors:
        if not isinstance(au, dict) or "Person" not in types_of(au):
            ap.append(f"{short(au, 80)} is not a Person")
        else:
            if not au.get("name"):
                ap.append("a Person without name")
            if not (is_absolute_http(au.get("url")) and same_host(au["url"], base)):
                ap.append(f"Person {au.get('name')!r} has no absolute url on this site ({au.get('url')!r})")
    prop("author", ap)

    pub = graph.deref(a.get("publisher"))
    pp = []
    if not isinstance(pub, dict):
        pp.append("missing")
    elif not types_of(pub) & {"Organization", "NewsMediaOrganization"}:
        pp.append(f"@type {pub.get('@type')!r}, expected Organization")
    else:
        if not pub.get("name"):
            pp.append("Organization without name")
        logo = url_of(graph, pub.get("logo")) if pub.get("logo") else None
        if not is_absolute_http(logo):
            pp.append(f"logo {logo!r} is not an absolute URL")
    prop("publisher", pp)

    for name in ("articleSection", "keywords"):
        v = a.get(name)
        ok = (isinstance(v, str) and v.strip()) or (isinstance(v, list) and v and all(isinstance(x, str) and x for x in v))
        prop(name, [] if ok else [f"missing or empty ({v!r})"])

    credit = credit_elements(page.doc)
    if credit:
        shown = " / ".join(" ".join(c.text_content().split()) for c in credit)
        has = bool(a.get("sourceOrganization") or a.get("isBasedOn"))
        report.check(has, "json-ld", url, "NewsArticle.sourceOrganization or isBasedOn (story has a credit line)",
                     f"page shows {shown!r}" + ("" if has else ", JSON-LD has neither"))
    return data


def check_breadcrumbs(report, page):
    url = page.resp.url
    raw = raw_jsonld_problems(page)
    if raw:
        report.fail("json-ld", url, "ld+json scripts are valid JSON", "; ".join(raw))
    data = extract_metadata(report, page)
    if data is None:
        return None
    graph = Graph(data.get("json-ld", []))
    lists = graph.of_type("BreadcrumbList")
    if not lists:
        report.fail("json-ld", url, f"BreadcrumbList on the {page.label} page", "none in the page's JSON-LD")
        return data
    items = [graph.deref(i) for i in as_list(lists[0].get("itemListElement") or [])]
    problems = [] if items else ["no itemListElement"]
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or "ListItem" not in types_of(item):
            problems.append(f"element {n} is not a ListItem")
            continue
        if item.get("position") not in (n, str(n)):
            problems.append(f"element {n} has position {item.get('position')!r}")
        target = url_of(graph, item.get("item")) if item.get("item") else None
        item_obj = graph.deref(item.get("item"))
        name = item.get("name") or (item_obj.get("name") if isinstance(item_obj, dict) else None)
        if not name:
            problems.append(f"element {n} has no name")
        # Google allows the last crumb (the page itself) without item.
        if target is None and n != len(items):
            problems.append(f"element {n} has no item URL")
        elif target is not None and not is_absolute_http(target):
            problems.append(f"element {n} item {target!r} is not an absolute URL")
    report.check(not problems, "json-ld", url, f"BreadcrumbList on the {page.label} page",
                 "; ".join(problems) if problems else f"{len(items)} crumbs")
    return data


def check_opengraph(report, page, data, need_image):
    url = page.resp.url
    og = {}
    # extruct's uniform OpenGraph output: og:* keys with the first non-empty value, except
    # og:type, which it moves to @type.
    for item in (data or {}).get("opengraph", []):
        for k, v in item.items():
            if k == "@type":
                k = "og:type"
            if k.startswith("og:"):
                og.setdefault(k, v[0] if isinstance(v, list) and v else v)
    wanted = ["og:title", "og:url", "og:type"] + (["og:image"] if need_image else [])
    problems = [f"no {k}" for k in wanted if not og.get(k)]
    if og.get("og:url") and og["og:url"] != url:
        problems.append(f"og:url {og['og:url']!r} is not the page's address {url!r}")
    if need_image and og.get("og:type") and og["og:type"] != "article":
        problems.append(f"og:type {og['og:type']!r}, expected 'article'")
    if og.get("og:image") and not is_absolute_http(og["og:image"]):
        problems.append(f"og:image {og['og:image']!r} is not an absolute URL")
    report.check(not problems, "opengraph", url, f"OpenGraph on the {page.label} page ({', '.join(wanted)})",
                 "; ".join(problems))


def check_metadata(report, pages, base):
    for label in STORY_LABELS:
        story = pages.get(label)
        if story is not None and story.usable:
            data = check_news_article(report, story, base)
            check_opengraph(report, story, data, need_image=True)
        elif label == "story":
            report.fail("json-ld", base, "NewsArticle", "no story page")
    for label in ("section", "author"):
        page = pages.get(label)
        if page is not None and page.usable:
            data = check_breadcrumbs(report, page)
            check_opengraph(report, page, data, need_image=False)
        else:
            report.fail("json-ld", base, f"BreadcrumbList on the {label} page", f"no {label} page")
    home = pages.get("home")
    if home is not None and home.usable:
        check_opengraph(report, home, extract_metadata(report, home), need_image=False)


# ---------------------------------------------------------------------------------------------
# The newsroom admin


class Browser:
    """A signed-in (or signed-out) visitor: keeps cookies, follows redirects itself and sends
    Origin with every form, as a browser does."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, url, form=None):
        """GET url, or POST form (a list of pairs, urlencoded); redirects are followed (a 303
        turns into a GET). Never raises for HTTP statuses."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        for _ in range(6):
            headers = {"User-Agent": "newsdesk-ci-validate"}
            if data is not None:
                headers.update({"Origin": self.base, "Content-Type": "application/x-www-form-urlencoded"})
            req = urllib.request.Request(url, data=data, headers=headers)
            try:
                with self.opener.open(req, timeout=60) as r:
                    status, hdrs, body = r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                status, hdrs, body = e.code, e.headers, e.read()
            except ValueError as e:
                raise OSError(str(e)) from e
            if status in (301, 302, 303, 307, 308) and hdrs.get("Location"):
                url = urllib.parse.urljoin(url, hdrs["Location"])
                if status in (301, 302, 303):
                    data = None
                continue
            return Response(url, status, hdrs, body)
        raise OSError(f"too many redirects at {url}")


def admin_path_key(url):
    """The page type an admin URL shows: numbers and tokens in the path become {id} / {token};
    of the query only a list's status filter counts (it changes the rows' actions)."""
    parts = urllib.parse.urlsplit(url)
    path = re.sub(r"/[0-9a-f]{32,}(?=/|$)", "/{token}", parts.path)
    path = re.sub(r"/\d+(?=/|$)", "/{id}", path)
    status = dict(urllib.parse.parse_qsl(parts.query)).get("status")
    return path + (f"?status={status}" if status else "")


def find_form(doc, page_url, pred):
    """The first <form> for which pred(form, action URL) is true, as (form, action URL)."""
    for form in doc.iter("form"):
        action = urllib.parse.urljoin(page_url, (form.get("action") or "").strip() or page_url)
        if pred(form, action):
            return form, action
    return None, None


def form_fields(form):
    """The pairs a browser sends for a form left as it is (no button pressed)."""
    return [(k, v if v is not None else "") for k, v in form.form_values()]


def load_admin(report, browser, docs, label, url, expected_status=200, form=None, expect_path=None):
    """Fetch (or POST to) an admin page; on the expected answer its HTML goes to vnu as label."""
    try:
        r = browser.request(url, form)
    except OSError as e:
        report.fail("admin", url, label, f"no answer ({e})")
        return None, None
    problems = []
    if r.status != expected_status:
        problems.append(f"HTTP {r.status}, expected {expected_status}")
    if r.media_type != "text/html":
        problems.append(f"Content-Type {r.media_type!r}, expected text/html")
    if expect_path and urllib.parse.urlsplit(r.url).path != expect_path:
        problems.append(f"ended at {r.url}, expected {expect_path}")
    doc = parse_html(r.body) if not problems else None
    if not problems and doc is None:
        problems.append("empty or unparseable HTML")
    if problems:
        report.fail("admin", r.url, label, "; ".join(problems))
        return r, None
    report.ok("admin", r.url, label, f"HTTP {r.status}")
    docs.append((label, r.url, r.body))
    return r, doc


# Page types the crawl from the dashboard must reach (the rest it finds are checked as well).
ADMIN_REQUIRED = [
    ("dashboard", "/admin/"),
    ("stories list", "/admin/stories"),
    ("new story editor", "/admin/stories/new"),
    ("story editor", "/admin/stories/{id}"),
    ("pages list", "/admin/pages"),
    ("new page editor", "/admin/pages/new"),
    ("page editor", "/admin/pages/{id}"),
    ("media library", "/admin/media"),
    ("media item", "/admin/media/{id}"),
    ("comments", "/admin/comments"),
    ("comment", "/admin/comments/{id}"),
    ("sections", "/admin/sections"),
    ("section", "/admin/sections/{id}"),
    ("tags", "/admin/tags"),
    ("tag", "/admin/tags/{id}"),
    ("widgets", "/admin/widgets"),
    ("new widget", "/admin/widgets/new"),
    ("widget", "/admin/widgets/{id}"),
    ("menus", "/admin/menus"),
    ("people", "/admin/users"),
    ("person", "/admin/users/{id}"),
    ("settings", "/admin/settings"),
    ("audit log", "/admin/audit"),
    ("tools (export)", "/admin/tools"),
    ("import", "/admin/tools/import"),
    ("profile and application passwords", "/admin/profile"),
]
MAX_ADMIN_PAGES = 150
# Never followed: the admin's static files, and anything that is not a page to read.
ADMIN_SKIP = re.compile(r"^/admin/(static/|logout)")


def admin_sign_in(report, browser, base, login, password, docs):
    """Sign in through the real form. First proves the admin is closed to the signed-out and
    that a wrong password is refused; returns the dashboard's (response, doc) or (None, None)."""
    r, doc = load_admin(report, browser, docs, "sign-in (signed out, sent from /admin/)", base + "/admin/",
                        expect_path="/admin/login")
    if doc is None:
        return None, None

    def login_form(doc, url):
        return find_form(doc, url, lambda f, a: f.get("method", "").lower() == "post"
                         and f.xpath('.//input[@type="password"]'))

    def filled(form, pw):
        fields = [(k, v) for k, v in form_fields(form) if k not in ("login", "password")]
        has_csrf = any(k == "_csrf" and v for k, v in fields)
        return fields + [("login", login), ("password", pw)], has_csrf

    form, action = login_form(doc, r.url)
    if form is None:
        report.fail("admin", r.url, "sign-in form", "no POST form with a password field")
        return None, None
    fields, has_csrf = filled(form, password + "-wrong")
    report.check(has_csrf, "admin", r.url, "sign-in form carries a CSRF token (_csrf)")
    # A wrong password must be refused: the sign-in check can fail.
    r2, doc2 = load_admin(report, browser, docs, "sign-in, wrong password refused", action,
                          expected_status=422, form=fields)
    if doc2 is not None:
        form, action = login_form(doc2, r2.url)
    if form is None:
        return None, None
    fields, _ = filled(form, password)
    r3, doc3 = load_admin(report, browser, docs, "dashboard", action, form=fields, expect_path="/admin/")
    if doc3 is None:
        return None, None
    signed = find_form(doc3, r3.url, lambda f, a: urllib.parse.urlsplit(a).path == "/admin/logout")[0] is not None
    cookie = any(c.path.startswith("/admin") for c in browser.jar)
    report.check(signed and cookie, "admin", r3.url, "signed in (session cookie for /admin, sign-out form shown)",
                 "" if signed and cookie else f"sign-out form {'found' if signed else 'missing'}, "
                 f"session cookie {'set' if cookie else 'missing'}")
    return (r3, doc3) if signed and cookie else (None, None)


def crawl_admin(report, browser, base, start, docs):
    """Every admin page type reachable from the dashboard by links and GET forms, first URL of
    each type. Returns {type: url}."""
    found = {admin_path_key(start[0].url): start[0].url}
    queue = []

    def enqueue(doc, page_url):
        targets = []
        for a in doc.iter("a"):
            if a.get("href"):
                targets.append(urllib.parse.urljoin(page_url, a.get("href").strip()))
        # Forms that only ask for a page (a search, "add a widget of this kind"), sent as left.
        for form in doc.iter("form"):
            if (form.get("method") or "get").lower() != "get":
                continue
            action = urllib.parse.urljoin(page_url, (form.get("action") or "").strip() or page_url)
            query = urllib.parse.urlencode(form_fields(form))
            targets.append(urllib.parse.urlsplit(action)._replace(query=query).geturl())
        for url in targets:
            url = urllib.parse.urldefrag(url)[0]
            path = urllib.parse.urlsplit(url).path
            if same_host(url, base) and path.startswith("/admin/") and not ADMIN_SKIP.match(path):
                if admin_path_key(url) not in found and url not in queue:
                    queue.append(url)

    enqueue(start[1], start[0].url)
    fetched = 0
    while queue and fetched < MAX_ADMIN_PAGES:
        url = queue.pop(0)
        key = admin_path_key(url)
        if key in found:
            continue
        found[key] = url
        fetched += 1
        try:
            r = browser.request(url)
        except OSError as e:
            report.fail("admin", url, key, f"no answer ({e})")
            continue
        if r.status == 200 and r.media_type != "text/html":
            report.note(f"not a page, not checked: {url} ({r.media_type})")
            continue
        if r.status != 200 or urllib.parse.urlsplit(r.url).path == "/admin/login":
            report.fail("admin", url, key, f"HTTP {r.status} at {r.url}")
            continue
        doc = parse_html(r.body)
        if doc is None:
            report.fail("admin", url, key, "empty or unparseable HTML")
            continue
        report.ok("admin", r.url, key, f"HTTP {r.status}")
        docs.append((key, r.url, r.body))
        enqueue(doc, r.url)
    if queue:
        report.note(f"crawl stopped after {MAX_ADMIN_PAGES} pages; {len(queue)} links left")
    missing = [f"{label} ({path})" for label, path in ADMIN_REQUIRED if path not in found]
    report.check(not missing, "admin", base + "/admin/", "crawl from the dashboard reaches every admin page type",
                 "missing " + ", ".join(missing) if missing else f"{len(found)} page types")
    return found


# Forms sent back with every text field emptied: each must be refused (422, nothing saved) and
# the page that answers, with its error summary and marked fields, is checked too. By page type
# and the path the form posts to; the first such form on the page is sent.
ADMIN_REFUSED_FORMS = [
    ("/admin/stories/new", r"/admin/stories/new"),
    ("/admin/stories/{id}", r"/admin/stories/\d+"),
    ("/admin/pages/new", r"/admin/pages/new"),
    ("/admin/pages/{id}", r"/admin/pages/\d+"),
    ("/admin/comments/{id}", r"/admin/comments/\d+/edit"),
    ("/admin/sections", r"/admin/sections"),
    ("/admin/sections/{id}", r"/admin/sections/\d+"),
    ("/admin/tags", r"/admin/tags"),
    ("/admin/tags/{id}", r"/admin/tags/\d+"),
    ("/admin/menus", r"/admin/menus/[^/]+/items"),
    ("/admin/users", r"/admin/users"),
    ("/admin/users/{id}", r"/admin/users/\d+"),
    ("/admin/settings", r"/admin/settings"),
    ("/admin/profile", r"/admin/profile"),
    ("/admin/profile", r"/admin/profile/password"),
]
EMPTIED_TYPES = {"text", "search", "password", "textarea"}


def check_refused_forms(report, browser, found, docs):
    for key, action_path in ADMIN_REFUSED_FORMS:
        url = found.get(key)
        if url is None:
            continue  # the crawl has failed already
        label = f"{key} form to {action_path} with empty fields, refused"
        try:
            r = browser.request(url)
        except OSError as e:
            report.fail("admin", url, label, f"no answer ({e})")
            continue
        doc = parse_html(r.body) if r.status == 200 else None
        form, action = (None, None) if doc is None else find_form(
            doc, r.url, lambda f, a: (f.get("method") or "").lower() == "post"
            and re.fullmatch(action_path, urllib.parse.urlsplit(a).path))
        if form is None:
            report.fail("admin", r.url, label, f"no POST form to {action_path}")
            continue
        emptied = set()
        for el in form.inputs:
            kind = el.tag if el.tag == "textarea" else (el.get("type") or "text").lower()
            if el.get("name") and el.tag in ("input", "textarea") and kind in EMPTIED_TYPES:
                emptied.add(el.get("name"))
        fields = [(k, v) for k, v in form_fields(form) if k not in emptied] + [(k, "") for k in sorted(emptied)]
        label = f"{key} form to {admin_path_key(action)} with empty fields, refused"
        _, page = load_admin(report, browser, docs, label, action, expected_status=422, form=fields)
        if page is not None:
            summary = page.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " error-summary ")]')
            report.check(bool(summary), "admin", action, f"{key} refused form shows an error summary",
                         "" if summary else "no .error-summary")


def check_app_password_form(report, browser, profile_url, docs):
    """The profile's "New application password" form: refused without a name, then the page
    that shows a new password once."""
    try:
        r = browser.request(profile_url)
    except OSError as e:
        report.fail("admin", profile_url, "application password form", f"no answer ({e})")
        return
    doc = parse_html(r.body) if r.status == 200 else None
    form, action = (None, None) if doc is None else find_form(
        doc, r.url, lambda f, a: f.get("method", "").lower() == "post"
        and urllib.parse.urlsplit(a).path.endswith("/app-passwords"))
    if form is None:
        report.fail("admin", r.url, "application password form", "no POST form to …/app-passwords")
        return
    fields = [(k, v) for k, v in form_fields(form) if k != "name"]
    load_admin(report, browser, docs, "new application password without a name, refused", action,
               expected_status=422, form=fields + [("name", "")])
    r2, doc2 = load_admin(report, browser, docs, "new application password, shown once", action,
                          form=fields + [("name", "CI validate form")])
    if doc2 is not None:
        shown = doc2.xpath('//*[@id="new-app-password"]')
        report.check(bool(shown), "admin", r2.url, "the new application password is shown",
                     "" if shown else 'no id="new-app-password" on the page')


def check_authorize(report, browser, base, docs):
    """The page a WordPress app sends a person to for an application password, found the way
    the app finds it: the REST API index's authentication endpoint."""
    try:
        r = fetch(base + "/wp-json/")
        endpoint = json.loads(r.body)["authentication"]["application-passwords"]["endpoints"]["authorization"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        report.fail("admin", base + "/wp-json/", "application-password authorization endpoint",
                    f"not in the API index ({type(e).__name__}: {short(e, 100)})")
        return
    query = urllib.parse.urlencode({"app_name": "Newsdesk CI validate",
                                    "success_url": "https://example.invalid/callback"})
    load_admin(report, browser, docs, "authorize an application (application password)",
               endpoint + ("&" if "?" in endpoint else "?") + query)


def check_sign_out(report, browser, base, dashboard, docs):
    """Sign out with the layout's form; the page it ends on is the signed-out sign-in page."""
    form, action = find_form(dashboard[1], dashboard[0].url,
                             lambda f, a: urllib.parse.urlsplit(a).path == "/admin/logout")
    if form is None:
        report.fail("admin", dashboard[0].url, "sign out", "no sign-out form")
        return
    load_admin(report, browser, docs, "sign-in (just signed out)", action, form=form_fields(form),
               expect_path="/admin/login")
    try:
        r = browser.request(base + "/admin/")
        ok = urllib.parse.urlsplit(r.url).path == "/admin/login"
        report.check(ok, "admin", base + "/admin/", "signed out: the dashboard leads to the sign-in page",
                     "" if ok else f"ended at {r.url} (HTTP {r.status})")
    except OSError as e:
        report.fail("admin", base + "/admin/", "signed out", f"no answer ({e})")


def check_password_link(report, base, link, docs):
    """A one-time set-password link as `newsdesk user add --invite` prints it: the form, the
    form refusing two different passwords, setting one, and the link once used."""
    browser = Browser(base)
    r, doc = load_admin(report, browser, docs, "set-password link", link)
    if doc is None:
        return
    form, action = find_form(doc, r.url, lambda f, a: f.get("method", "").lower() == "post")
    if form is None:
        report.fail("admin", r.url, "set-password form", "no POST form")
        return
    keep = [(k, v) for k, v in form_fields(form) if k not in ("password", "repeat")]
    chosen = "ci " + secrets.token_urlsafe(18)
    load_admin(report, browser, docs, "set-password link, two different passwords refused", action,
               expected_status=422, form=keep + [("password", chosen), ("repeat", chosen + "x")])
    load_admin(report, browser, docs, "sign-in (password just set)", action,
               form=keep + [("password", chosen), ("repeat", chosen)], expect_path="/admin/login")
    load_admin(report, browser, docs, "set-password link, used", link, expected_status=404)


def check_admin(report, base, vnu_jar, workdir, login, password, password_link):
    docs = []
    browser = Browser(base)
    dashboard = admin_sign_in(report, browser, base, login, password, docs)
    if dashboard[1] is not None:
        found = crawl_admin(report, browser, base, dashboard, docs)
        check_refused_forms(report, browser, found, docs)
        if "/admin/profile" in found:
            check_app_password_form(report, browser, found["/admin/profile"], docs)
        check_authorize(report, browser, base, docs)
        load_admin(report, browser, docs, "admin 404", base + "/admin/no-such-page-xyz/", expected_status=404)
        check_sign_out(report, browser, base, dashboard, docs)
    if password_link:
        check_password_link(report, base, password_link, docs)
    else:
        report.note("no --password-link: the set-password pages are not checked")
    run_vnu(report, docs, vnu_jar, workdir, "admin")


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="the running site, e.g. http://127.0.0.1:8080")
    ap.add_argument("--ci-dir", default=os.path.dirname(os.path.abspath(__file__)),
                    help="the .ci folder (node_modules with vnu-jar and sitemap, schema/)")
    ap.add_argument("--admin-login", help="an administrator's login; its password comes in the "
                    "NEWSDESK_VALIDATE_PASSWORD environment variable. Without it the admin is not checked")
    ap.add_argument("--password-link", help="a one-time set-password link (`newsdesk user add --invite`) "
                    "of an account the checks may set a password for")
    args = ap.parse_args()
    # Stopped by .ci/validate's trap: unwind, so temporary files and a running vnu go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    base = args.base.rstrip("/")
    vnu_jar = os.path.join(args.ci_dir, "node_modules", "vnu-jar", "build", "dist", "vnu.jar")

    report = Report()
    with tempfile.TemporaryDirectory(prefix="newsdesk-validate-") as workdir:
        schemas = Schemas(args.ci_dir, workdir)
        print(f"== validate {base} (sitemap.xsd wildcards are {schemas.news_mode}; "
              f"feedparser {feedparser.__version__})", flush=True)
        print("== pages", flush=True)
        pages = discover_pages(report, base)
        sections = [
            ("html", lambda: check_html(report, pages, vnu_jar, workdir)),
            ("feeds", lambda: check_feeds(report, pages, base)),
            ("sitemaps", lambda: check_sitemaps(report, base, pages, schemas, workdir)),
            ("metadata", lambda: check_metadata(report, pages, base)),
        ]
        # Last: signing in, out and setting a password change the site (sessions, audit log).
        if args.admin_login:
            password = os.environ.get("NEWSDESK_VALIDATE_PASSWORD", "")
            sections.append(("admin", lambda: check_admin(report, base, vnu_jar, workdir, args.admin_login,
                                                          password, args.password_link)))
        else:
            report.note("no --admin-login: the admin is not checked")
        for name, run in sections:
            print(f"== {name}", flush=True)
            try:
                run()
            except Exception as e:  # a validator bug or a surprising answer: report, go on
                report.fail(name, base, "checks", f"stopped by {type(e).__name__}: {short(e, 300)}")
    print(f"validate: {report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
