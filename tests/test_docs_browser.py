"""Every page of the built site, opened in a real browser at a desktop and a phone width.

Why a browser and not HTML parsing: overflow, broken images and console errors
only exist once a page is laid out and its scripts have run. Playwright for
Python drives Debian's Chromium (``/usr/bin/chromium``, installed by
``.ci/run``); ``playwright install`` is never used, so nothing is downloaded at
test time. The site is built once and served from a local ``http.server``
thread, so the browser sees it as a reader does (same origin, real URLs).

One browser for the whole module and one context per width keep the test to
well under a minute for the whole site.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = (1280, 390)
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
# Pages whose screenshots a person looks at when judging the site.
SHOT_PAGES = {"index.html": "landing", "rulesets/standard.html": "ruleset",
              "rulesets/lm_mapping.html": "lm_mapping", "guides/assessor.html": "assessor"}
# Pages Sphinx writes that are not documents a reader navigates to.
SKIP = {"genindex.html", "search.html", "py-modindex.html"}

# Runs in the page: what a reader would see wrong. Returned as one dict per page.
_PROBE = r"""() => {
  const doc = document.documentElement;
  const overflow = doc.scrollWidth > doc.clientWidth + 1
    ? `document is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window` : null;
  const images = [...document.images].filter(i => i.complete && i.naturalWidth === 0)
    .map(i => i.getAttribute('src'));
  const article = document.querySelector('article') || document.body;
  // Text a reader sees as prose: code and literal blocks may show markup on purpose.
  const raw = [];
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('pre, code, script, style, kbd, samp')) continue;
    const t = n.textContent;
    if (t.includes('``')) raw.push(t.trim().slice(0, 100));
    if (/:(iip|ref|doc):/.test(t)) raw.push(t.trim().slice(0, 100));
    if (/(^|\n)\s*\.\. [a-z-:]+::/.test(t)) raw.push(t.trim().slice(0, 100));
    if (/\n\s*- \S/.test(t) && n.parentElement.closest('p')) raw.push(t.trim().slice(0, 100));
  }
  const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
  const names = new Set([...document.querySelectorAll('a[name]')].map(e => e.name));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  return {overflow, images, raw, links, ids: [...ids, ...names]};
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the built site without logging every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        """Silence: the test reports what matters itself."""

    def do_GET(self) -> None:
        """Answer the browser's own ``/favicon.ico`` probe with "no content".

        The site declares no favicon; Chromium asks for one anyway, once per
        context, and a 404 for it would be a console error no page caused.
        """
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs built once, exactly as CI builds them (warnings are errors)."""
    out = tmp_path_factory.mktemp("html")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "docs", str(out)],
        cwd=ROOT, capture_output=True, text=True)
    assert 0 == proc.returncode, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The base URL of the built site on a local port chosen by the OS."""
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; one for every page and width."""
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if p.relative_to(site).as_posix() not in SKIP
                  and not p.relative_to(site).as_posix().startswith("_"))


def _ids_of(site: Path, cache: dict[str, set[str]], page: str) -> set[str]:
    """The ids and anchor names a page defines, read from the HTML (for links to it)."""
    if page not in cache:
        import re
        html = (site / page).read_text(encoding="utf-8")
        cache[page] = set(re.findall(r'\bid="([^"]+)"', html)) | set(
            re.findall(r'\bname="([^"]+)"', html))
    return cache[page]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_reads_well(site: Path, server: str, browser: Browser, width: int) -> None:
    """No overflow, no raw markup, no broken image, no console error, no dead internal link."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    problems: list[str] = []
    ids_cache: dict[str, set[str]] = {}
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: errors.append(f"{r.status} for {r.url}")
                if r.status >= 400 else None)
        for rel in _pages(site):
            errors.clear()
            page.goto(server + rel, wait_until="load")
            found = page.evaluate(_PROBE)
            where = f"{rel} at {width}px"
            if found["overflow"]:
                problems.append(f"{where}: {found['overflow']}")
            problems += [f"{where}: broken image {src}" for src in found["images"]]
            problems += [f"{where}: raw markup {text!r}" for text in found["raw"]]
            problems += [f"{where}: console error {e}" for e in errors]
            if width == WIDTHS[0]:
                problems += _dead_links(site, rel, found["links"], set(found["ids"]), ids_cache)
            if rel in SHOT_PAGES:
                page.screenshot(path=str(SHOTS / f"{SHOT_PAGES[rel]}-{width}.png"),
                                full_page=False)
    finally:
        context.close()
    assert [] == problems, "\n".join(problems)


def _dead_links(site: Path, rel: str, links: list[str], own_ids: set[str],
                cache: dict[str, set[str]]) -> list[str]:
    """Internal links from page ``rel`` whose file or anchor does not exist."""
    dead = []
    base = Path(rel).parent
    for href in links:
        if urlparse(href).scheme or href.startswith(("mailto:", "//", "javascript:")):
            continue
        path, frag = urldefrag(href)
        frag = unquote(frag)
        if not path:
            if frag and frag not in own_ids:
                dead.append(f"{rel}: link to missing anchor #{frag}")
            continue
        target = (base / unquote(path)).as_posix()
        parts: list[str] = []
        for part in target.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        target = "/".join(parts)
        file = site / target
        if file.is_dir():
            file, target = file / "index.html", f"{target}/index.html".lstrip("/")
        if not file.is_file():
            dead.append(f"{rel}: link to missing file {href}")
        elif frag and target.endswith(".html") and frag not in _ids_of(site, cache, target):
            dead.append(f"{rel}: link to missing anchor {href}")
    return dead
