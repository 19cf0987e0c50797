#!/usr/bin/env python3
"""Lighthouse (mobile and desktop) on the front page, a story with a photo and a section.

    python3 .ci/lighthouse.py --base http://127.0.0.1:PORT [--ci-dir .ci] [--performance 100]

Nothing here lists the site's URLs: the story is the front page's first story link whose page
has a featured image (`figure.story-image`), the section the first `/category/…/` link.

Fails when, on any page and either form factor:
- accessibility, best practices or SEO scores below 100;
- cumulative layout shift above 0 (the failure names what moved);
- the largest contentful paint is an image the browser could not find in the initial HTML
  (Lighthouse's `lcp-discovery-insight`: discoverable, not lazy, `fetchpriority=high`);
- the performance score is below `--performance` (default 0: printed, not judged, because
  performance depends on how busy the machine is; bench/lighthouse.sh asks for 100).

Needs Chromium (`CHROME_PATH`, default /usr/bin/chromium) and the npm `lighthouse` package
from .ci/package.json (`npm ci --prefix .ci --ignore-scripts`).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
ALWAYS_100 = ["accessibility", "best-practices", "seo"]


def fetch(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=30) as r:
        return r.read().decode("utf-8", "replace")


def discover(base):
    home = fetch(base + "/")
    stories = re.findall(r'href="((?:%s)?/\d{4}/\d{2}/\d{2}/[^"#?]+/)"' % re.escape(base), home)
    story = None
    for href in dict.fromkeys(stories):
        path = href[len(base):] if href.startswith(base) else href
        if 'class="story-image' in fetch(base + path):
            story = path
            break
    sections = re.findall(r'href="(?:%s)?(/category/[^"#?]+/)"' % re.escape(base), home)
    if story is None or not sections:
        sys.exit("lighthouse: no story with a featured image or no section link on the front page")
    return [("home", "/"), ("story", story), ("section", sections[0])]


def run(lighthouse, url, desktop, out):
    cmd = [
        lighthouse,
        url,
        "--quiet",
        "--output=json",
        "--output-path=" + out,
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if desktop:
        cmd.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    env.pop("http_proxy", None)
    env.pop("https_proxy", None)
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, timeout=300)
    with open(out) as f:
        return json.load(f)


def lcp_element(report):
    try:
        items = report["audits"]["largest-contentful-paint-element"]["details"]["items"]
        return items[0]["items"][0]["node"]["selector"]
    except (KeyError, IndexError, TypeError):
        return "?"


def shifted(audits):
    """What moved, as Lighthouse's `layout-shifts` audit names it: each shift's score and the
    elements it moved (selector and the start of their HTML)."""
    items = audits.get("layout-shifts", {}).get("details", {}).get("items", [])
    if not items:
        return "Lighthouse names no element"
    out = []
    for item in items[:5]:
        node = item.get("node") or {}
        what = node.get("selector") or node.get("snippet", "?")[:120]
        out.append(f"{item.get('score', 0):g} at `{what}` {node.get('snippet', '')[:160]}")
    return "; ".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--ci-dir", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--performance", type=int, default=0)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    lighthouse = os.path.join(args.ci_dir, "node_modules", ".bin", "lighthouse")
    if not os.access(lighthouse, os.X_OK):
        sys.exit("lighthouse: not installed (npm ci --prefix .ci --ignore-scripts)")

    failures = []
    version = "?"
    print("| form factor | page | perf | a11y | best pr. | SEO | LCP | CLS | TBT | LCP element |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in discover(base):
            for desktop in (False, True):
                factor = "desktop" if desktop else "mobile"
                out = os.path.join(tmp, f"{label}-{factor}.json")
                report = run(lighthouse, base + path, desktop, out)
                version = report.get("lighthouseVersion", version)
                scores = {c: report["categories"][c]["score"] for c in CATEGORIES}
                audits = report["audits"]
                shown = {c: "—" if s is None else round(s * 100) for c, s in scores.items()}
                cls = audits["cumulative-layout-shift"]["numericValue"]
                element = lcp_element(report)
                print(
                    f"| {factor} | {label} `{path}` | {shown['performance']} | "
                    f"{shown['accessibility']} | {shown['best-practices']} | {shown['seo']} | "
                    f"{audits['largest-contentful-paint']['displayValue']} | {cls:g} | "
                    f"{audits['total-blocking-time']['displayValue']} | `{element}` |"
                )
                where = f"{factor} {path}"
                for c in ALWAYS_100:
                    if shown[c] != 100:
                        bad = [
                            f"{a['id']} ({audits[a['id']].get('displayValue', '')})"
                            for a in report["categories"][c]["auditRefs"]
                            if a["weight"] > 0 and audits[a["id"]].get("score") not in (None, 1)
                        ]
                        failures.append(f"{where}: {c} {shown[c]}: {', '.join(bad)}")
                if shown["performance"] == "—" or shown["performance"] < args.performance:
                    failures.append(f"{where}: performance {shown['performance']} < {args.performance}")
                if cls > 0:
                    failures.append(f"{where}: cumulative layout shift {cls:g}: {shifted(audits)}")
                discovery = audits.get("lcp-discovery-insight", {}).get("score")
                if discovery is not None and discovery < 1:
                    failures.append(f"{where}: the LCP image {element} is not discoverable in the initial HTML")
    print(f"Lighthouse {version}, Chromium {os.environ.get('CHROME_PATH', '/usr/bin/chromium')}")
    for f in failures:
        print("FAIL", f)
    if failures:
        sys.exit(1)
    print("PASS lighthouse: accessibility, best practices and SEO 100, CLS 0, LCP image in the initial HTML")


if __name__ == "__main__":
    main()
