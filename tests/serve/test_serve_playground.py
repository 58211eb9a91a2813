"""The playground in a real browser: Debian's Chromium driven by Playwright (Python).

Load the page, tick the Standard's requirements and see the Standard reached, tick
26 of the wider framework and see Bronze, break the rules text and see the
diagnostic at the line, share the URL and reload into the same case; check it with
axe-core at 1440 and 360 pixels wide, and by keyboard. Screenshots and the
measured timings go to ``test-artifacts/playground/`` (``IIPRULES_ARTIFACTS``
moves it). Chromium is Debian's (``.ci/run`` installs it); Playwright's own browser
downloads are never used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from serve_helpers import ROOT, ThreadServer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = ROOT / "iiprules" / "serve" / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("IIPRULES_ARTIFACTS", ROOT / "test-artifacts")) / "playground"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def timings() -> Iterator[dict[str, Any]]:
    found: dict[str, Any] = {}
    yield found
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(found, indent=2) + "\n")


def open_page(browser: Browser, base: str, width: int = 1440, url: str = "/") -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base + url if url.startswith("/") else url)
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return page


def level(page: Page) -> str:
    return str(page.get_attribute("#level", "data-level"))


def wait_level(page: Page, expected: str) -> None:
    page.wait_for_function(
        f"document.getElementById('level').dataset.level === {json.dumps(expected)}",
        timeout=15_000)


def tick(page: Page, rid: str, value: str = "met") -> None:
    page.check(f'input[data-req="{rid}"][value="{value}"]')


def timed_tick(page: Page, rid: str) -> float:
    """Tick one requirement by a real click and time until the answer changes (ms)."""
    return float(page.evaluate(
        """(rid) => new Promise((resolve) => {
            const target = document.getElementById('answer-live');
            const t0 = performance.now();
            const obs = new MutationObserver(() => {
              if (document.getElementById('answer-time').textContent) {
                obs.disconnect(); resolve(performance.now() - t0); }
            });
            document.getElementById('answer-time').textContent = '';
            obs.observe(target, {subtree: true, childList: true, characterData: true});
            document.querySelector(`input[data-req="${rid}"][value="met"]`).click();
        })""", rid))


def axe(page: Page) -> list[dict[str, Any]]:
    """The serious and critical violations axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def items(base: str) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{base}/v1/rulesets/standard/items").json()
    return data


def test_playground_end_to_end(browser: Browser, live_server: ThreadServer,
                               timings: dict[str, Any]) -> None:
    """Standard, then Bronze, then a syntax error at its line, then the shared link."""
    base = live_server.base
    its = items(base)
    page = open_page(browser, base)
    nav = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    timings["page_load_ms"] = round(page.evaluate(
        "performance.now()") - 0, 1)
    timings["dom_content_loaded_ms"] = round(nav["domContentLoadedEventEnd"], 1)
    assert "none" == level(page)

    standard = [r["id"] for r in its["requirements"] if r["part"] == "standard"
                and not r["derived"]]
    for rid in standard[:-1]:
        tick(page, rid)
    timings["tick_to_answer_ms"] = [round(timed_tick(page, standard[-1]), 1)]
    wait_level(page, "standard")
    title = next(lv["title"] for lv in its["levels"] if lv["id"] == "standard")
    assert title == page.inner_text("#level")

    wider = [r["id"] for r in its["requirements"] if r["part"] == "extended"
             and not r["derived"]][:26]
    for rid in wider[:-1]:
        tick(page, rid)
    timings["tick_to_answer_ms"].append(round(timed_tick(page, wider[-1]), 1))
    wait_level(page, "bronze")
    for rid in wider[:3]:  # a few more ticks, each timed
        tick(page, rid, "no")
        timings["tick_to_answer_ms"].append(round(timed_tick(page, rid), 1))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "bronze-1440.png"), full_page=False)

    # a syntax error typed into the editor (above the first version), reported at its line
    source = httpx.get(f"{base}/v1/rulesets/standard/source").text.splitlines()
    line = next(i for i, t in enumerate(source, 1) if t.lstrip().startswith("version "))
    page.click(".cm-content")
    page.keyboard.press("Control+Home")
    for _ in range(line - 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Home")
    page.keyboard.type("this is not a rule {\n")
    page.wait_for_selector(".diag", timeout=15_000)
    first = page.locator(".diag").first
    assert str(line) == first.get_attribute("data-line")
    page.wait_for_selector(".cm-lintRange-error", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "syntax-error-1440.png"), full_page=False)

    # share the URL, open it afresh: the same case
    page.click("#share")
    page.wait_for_function("location.hash.startsWith('#s=')")
    url = page.url
    again = open_page(browser, base, url=url)
    again.wait_for_selector(".diag", timeout=15_000)
    assert str(line) == again.locator(".diag").first.get_attribute("data-line")
    met = "input[value=met]:checked"
    assert page.locator(met).count() == again.locator(met).count() == len(standard) + len(wider)
    # the reopened page writes its own state back into the URL: the same case, byte for byte
    again.wait_for_function(f"location.href === {json.dumps(url)}", timeout=15_000)
    again.click("#revert-rules")
    wait_level(again, "bronze")
    again.close()
    page.close()


@pytest.mark.parametrize("width", [1440, 360])
def test_playground_is_accessible_at_both_widths(browser: Browser, live_server: ThreadServer,
                                                 width: int) -> None:
    """No serious axe-core violation, and nothing wider than the screen."""
    page = open_page(browser, live_server.base, width)
    page.click("text=Add an earlier assessment")
    page.fill("#h-date-1", "2008-05-01")
    page.dispatch_event("#h-date-1", "change")
    tick(page, "1.1")
    page.wait_for_function("document.getElementById('answer-time').textContent !== ''")
    assert "" == page.inner_text("#problems")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{width}.png"), full_page=False)
    assert [] == [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in axe(page)]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


def test_playground_works_by_keyboard(browser: Browser, live_server: ThreadServer) -> None:
    """A requirement is chosen with the arrow keys and the answer follows."""
    page = open_page(browser, live_server.base)
    page.focus('input[data-req="1.1"][value="no"]')
    page.keyboard.press("ArrowRight")
    assert page.is_checked('input[data-req="1.1"][value="met"]')
    page.wait_for_function("location.hash.startsWith('#s=')")
    page.keyboard.press("ArrowRight")
    assert page.is_checked('input[data-req="1.1"][value="pending"]')
    page.wait_for_selector("#pending-box:not([hidden])", timeout=15_000)
    page.close()
