"""The reviewer's workbench: check a text as it is being edited, and what it breaks elsewhere.

Input → output: a ruleset's text (or file) → its ``CheckResult``; and for a
file, the results of the rulesets that *use* it (in its folder, which for a
packaged ruleset is the packaged folder), checked against the edited text.

Why this module: an edit to ``standard.rules`` (say, deleting ``W4.1``) is
fine in itself and breaks ``lm_theme.rules``, which lists ``W4.1``. Checking
only the edited file hides that; checking the folder shows it without saying
why. Here the dependents are checked too, and a reference to an id the edit
removed says so, with the caret on that id:

    'W4.1' is not declared in standard.rules@2009 any more (removed in this change)

"Removed in this change" compares with the file as last committed to git
(``git show HEAD:path``) or, outside git, with the packaged ruleset of the same
name; without either, the message still names where the id was looked for.

Editors and the HTTP service call ``check_text`` with the texts of open,
unsaved documents as ``neighbours``.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from attrs import frozen

from iiprules import api
from iiprules import model as m
from iiprules.check import CheckedRuleset, CheckResult, Library, Unusable, check
from iiprules.diagnostics import RulesError
from iiprules.syntax import parse

__all__ = ["FileResult", "check_text", "check_with_dependents", "dependents_of"]


@frozen
class FileResult:
    """One file's check result, and whether it was checked because it uses the edited file."""

    path: Path
    result: CheckResult
    dependent: bool = False


def check_text(
    text: str,
    path: str = "<string>",
    neighbours: Mapping[str, str] | None = None,
    removed: frozenset[str] = frozenset(),
) -> CheckResult:
    """Check a ruleset's text as an editor holds it; syntax errors come back as diagnostics.

    Args:
        text: the ruleset's text (saved or not).
        path: its file name, for diagnostics; used rulesets are looked up in its
            folder, then among the packaged ones.
        neighbours: texts of other rulesets by name (open documents), preferred
            to the files on disk when this one uses them.
        removed: ids an edit just removed from a used ruleset (for wording).
    """
    return _check_text(text, path, dict(neighbours or {}), removed, ())


def _check_text(
    text: str,
    path: str,
    neighbours: dict[str, str],
    removed: frozenset[str],
    stack: tuple[str, ...],
) -> CheckResult:
    try:
        model = parse(text, path)
    except RulesError as exc:
        return CheckResult(exc.diagnostics, None)
    folder = Path(path).resolve().parent
    inner = (*stack, model.name)

    def finder(name: str) -> CheckedRuleset | Unusable | None:
        if name in inner:
            return None
        if name in neighbours:
            where = f"{name}{api.RULES_SUFFIX}"
            res = _check_text(neighbours[name], str(folder / where), neighbours, frozenset(), inner)
            return res.checked or Unusable(where, res.errors[0])
        for base_dir in (folder, api.packaged_dir()):
            candidate = base_dir / f"{name}{api.RULES_SUFFIX}"
            if candidate.is_file():
                try:
                    return api.load(str(candidate))
                except RulesError as exc:
                    return Unusable(_display(candidate), exc.diagnostics[0])
        return None

    return check(model, Library(finder), path, removed)


def _display(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


_RULESET = re.compile(r"^\s*ruleset\s+([A-Za-z0-9_.]+)", re.MULTILINE)


def _uses(name: str) -> re.Pattern[str]:
    return re.compile(r"^\s*uses\s+" + re.escape(name) + r"\b", re.MULTILINE)


def dependents_of(path: Path) -> list[Path]:
    """The ``.rules`` files beside ``path`` that use the ruleset it declares."""
    text = path.read_text(encoding="utf-8")
    mo = _RULESET.search(text)
    name = mo.group(1) if mo else path.stem
    uses = _uses(name)
    out = []
    for other in sorted(path.resolve().parent.glob(f"*{api.RULES_SUFFIX}")):
        if other.resolve() == path.resolve():
            continue
        try:
            if uses.search(other.read_text(encoding="utf-8")):
                out.append(other)
        except (OSError, UnicodeDecodeError):
            continue
    return out


def check_with_dependents(path: str | Path) -> list[FileResult]:
    """Check a file, then every ruleset beside it that uses it, against its current text.

    Returns:
        The file's result first, then one per dependent, in name order.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        # an unreadable file is one IIP100 diagnostic (check_file words it), not a crash
        return [FileResult(p, api.check_file(p))]
    results = [FileResult(p, check_text(text, str(path)))]
    deps = dependents_of(p)
    if not deps:
        return results
    removed = _removed_ids(p, text)
    shown_dir = p.parent
    for dep in deps:
        shown = shown_dir / dep.name
        dep_text = dep.read_text(encoding="utf-8")
        results.append(
            FileResult(shown, check_text(dep_text, str(shown), removed=removed), dependent=True)
        )
    return results


def _removed_ids(path: Path, text: str) -> frozenset[str]:
    """Requirement ids the file declared before this change and no longer declares."""
    before = _baseline(path)
    if before is None:
        return frozenset()
    try:
        old = _declared_ids(parse(before, str(path)))
    except RulesError:
        return frozenset()
    try:
        new = _declared_ids(parse(text, str(path)))
    except RulesError:
        return frozenset()
    return frozenset(old - new)


def _baseline(path: Path) -> str | None:
    """The file as last committed to git, else the packaged ruleset of the same name."""
    folder = path.resolve().parent
    try:
        top = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
        rel = path.resolve().relative_to(Path(top).resolve()).as_posix()
        shown = subprocess.run(
            ["git", "-C", top, "show", f"HEAD:{rel}"],
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
        return shown.stdout
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    packaged = api.packaged_dir() / path.name
    if packaged.is_file() and packaged.resolve() != path.resolve():
        return packaged.read_text(encoding="utf-8")
    return None


def _declared_ids(ruleset: m.Ruleset) -> set[str]:
    """Every requirement (and unnamed group) id any version of a ruleset declares."""
    ids: set[str] = set()
    stack: list[object] = [i for v in ruleset.versions for i in v.items]
    while stack:
        item = stack.pop()
        match item:
            case m.Requirement(id=i) | m.Unnamed(id=i):
                ids.add(i)
            case m.Principle(indicators=inds):
                stack.extend(inds)
            case m.Indicator(members=mems) | m.Extend(members=mems):
                stack.extend(mems)
            case m.Change(item=inner):
                stack.append(inner)
    return ids
