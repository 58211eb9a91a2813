"""The cache of checked rulesets: same results, stale entries never used, safe to delete."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from iiprules import _cache, api

ROOT = Path(__file__).resolve().parents[2]

BASE = """ruleset base_rules
    title "Base"
    source "test" assumed

version 1 effective 2000-01-01 {{
    part p "P" {{
        source "test" assumed
    }}
    principle pr "Pr" {{
        source "test" assumed
        indicator 1 "One" {{
            source "test" assumed
            requirement R1 in p by people {{
                text "{text}"
                source "test" assumed
            }}
        }}
    }}
    level ok "OK" {{
        source "test" assumed
        requires all of part p
    }}
}}
"""

CHILD = """ruleset child_rules
    title "Child"
    source "test" assumed
    uses base_rules

version 1 effective 2000-01-01 {
    award a themed "A" {
        source "test" assumed
        requires level >= ok
    }
}
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("IIPRULES_CACHE_DIR", str(where))
    monkeypatch.delenv("IIPRULES_NO_CACHE", raising=False)
    monkeypatch.setattr(api, "_LOADED", {})
    return where


def same(a: object, b: object) -> bool:
    """Checked rulesets with the same model and versions (snapshots compare by identity)."""
    return (
        a.model == b.model  # type: ignore[attr-defined]
        and [(s.key, dict(s.requirements)) for s in a.snapshots]  # type: ignore[attr-defined]
        == [(s.key, dict(s.requirements)) for s in b.snapshots]  # type: ignore[attr-defined]
    )


def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what this process loaded, as a new process would."""
    monkeypatch.setattr(api, "_LOADED", {})


def test_a_second_load_reads_the_cache_and_gives_the_same_ruleset(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = api.load("standard")
    example = str(ROOT / "examples" / "millbeck_surgery.yaml")
    want = api.evaluate(example).to_dict()
    entries = sorted(cache.glob("checked-*.pickle"))
    assert entries
    _fresh(monkeypatch)
    calls: list[str] = []
    real = api._check_text
    monkeypatch.setattr(api, "_check_text", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    again = api.load("standard")
    assert calls == []  # not parsed or checked again
    assert same(again, first)
    monkeypatch.setattr(api, "_JUDGES", {})
    assert api.evaluate(example).to_dict() == want


def test_a_changed_base_is_checked_again(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "base_rules.rules").write_text(BASE.format(text="first"), encoding="utf-8")
    (folder / "child_rules.rules").write_text(CHILD, encoding="utf-8")
    child = api.load(folder / "child_rules.rules")
    assert child.base is not None
    assert child.base.snapshots[0].requirements["R1"].node.text == "first"
    (folder / "base_rules.rules").write_text(BASE.format(text="second"), encoding="utf-8")
    _fresh(monkeypatch)
    child = api.load(folder / "child_rules.rules")
    assert child.base is not None
    assert child.base.snapshots[0].requirements["R1"].node.text == "second"


def test_broken_entries_are_checked_again(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = api.load("standard")
    for entry in cache.glob("checked-*.pickle"):
        entry.write_bytes(b"not a pickle")
    _fresh(monkeypatch)
    assert same(api.load("standard"), first)


def test_a_ruleset_from_the_cache_shares_its_base_with_the_base_loaded(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.load("lm_theme")
    _fresh(monkeypatch)
    theme = api.load("lm_theme")  # from the cache now
    assert theme.base is api.load("standard")
    assert theme.base is api.load("partner_award").base


def test_deleting_the_cache_is_safe(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    first = api.load("standard")
    shutil.rmtree(cache)
    _fresh(monkeypatch)
    assert same(api.load("standard"), first)
    assert list(cache.glob("checked-*.pickle"))  # written again


def test_turned_off_it_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = tmp_path / "cache"
    monkeypatch.setenv("IIPRULES_CACHE_DIR", str(where))
    monkeypatch.setenv("IIPRULES_NO_CACHE", "1")
    _fresh(monkeypatch)
    api.load("standard")
    assert _cache.folder() is None
    assert not where.exists()


def test_nothing_is_written_into_the_install_tree(tmp_path: Path) -> None:
    before = {p for p in (ROOT / "iiprules").rglob("*") if "__pycache__" not in p.parts}
    before |= set((ROOT / "rulesets").rglob("*"))
    env = {"PYTHONPATH": str(ROOT), "IIPRULES_CACHE_DIR": str(tmp_path / "c"), "PATH": ""}
    code = "from iiprules import api\nfor n in api.packaged_names(): api.load(n)\n"
    subprocess.run([sys.executable, "-B", "-c", code], check=True, env=env, cwd=tmp_path)
    after = {p for p in (ROOT / "iiprules").rglob("*") if "__pycache__" not in p.parts}
    after |= set((ROOT / "rulesets").rglob("*"))
    assert after == before
    assert list((tmp_path / "c").glob("checked-*.pickle"))


def test_two_folders_with_the_same_text_keep_their_own_bases(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same ruleset text in two checkouts builds on each one's own base."""
    for name, text in (("one", "first"), ("two", "second")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "base_rules.rules").write_text(BASE.format(text=text), encoding="utf-8")
        (folder / "child_rules.rules").write_text(CHILD, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "one")  # the same name shown for both files
    first = api.load("child_rules.rules")
    monkeypatch.chdir(tmp_path / "two")
    _fresh(monkeypatch)
    second = api.load("child_rules.rules")
    assert first.base is not None and second.base is not None
    assert first.base.snapshots[0].requirements["R1"].node.text == "first"
    assert second.base.snapshots[0].requirements["R1"].node.text == "second"
