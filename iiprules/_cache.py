"""A cache of checked rulesets in the user's cache folder: ruleset text → ``CheckedRuleset``.

Input → output: a ruleset's text and the name it is shown by → the checked
ruleset made from them earlier, or None; and the way to keep one for next time.

Why: parsing and checking the packaged rulesets costs ~50-60 ms in every process
(every ``iiprules`` command, every worker of ``--jobs``), for the same text each
time; unpickling the result costs ~3 ms. The cache lives in the user's cache
folder (``$XDG_CACHE_HOME/iiprules``, ``~/Library/Caches/iiprules``,
``%LOCALAPPDATA%/iiprules/Cache``), never in the install tree. An entry's name
is the SHA-256 of the library version, the Python version, the name the ruleset
is shown by and its text; an entry also records the text's hash of every ruleset
it builds on (``uses``) and where that was found, and is used only while those
are unchanged. Deleting the folder, or any file in it, is always safe: a missing,
unreadable or stale entry is checked again. ``IIPRULES_CACHE_DIR`` moves the
folder; ``IIPRULES_NO_CACHE=1`` turns the cache off. Entries are written whole
or not at all (``outputs.write_bytes``); failing to write one is not an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iiprules.check import CheckedRuleset

#: Bumped when what is stored changes shape; part of every key.
FORMAT = 1


def folder() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    if os.environ.get("IIPRULES_NO_CACHE", "") not in ("", "0"):
        return None
    given = os.environ.get("IIPRULES_CACHE_DIR")
    if given:
        return Path(given)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "iiprules" / "Cache" if base else None
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "iiprules"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "iiprules"


def _key(text: str, shown_as: str) -> str:
    from iiprules import __version__

    h = hashlib.sha256()
    for part in (str(FORMAT), __version__, sys.version, shown_as, text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def digest(path: str) -> str:
    """The SHA-256 of a file's bytes, or "" when there is no such file to read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def get(text: str, shown_as: str) -> tuple[CheckedRuleset, list[tuple[str, str]]] | None:
    """The checked ruleset kept for this text, with the files it builds on, or None."""
    where = folder()
    if where is None:
        return None
    try:
        data = (where / f"checked-{_key(text, shown_as)}.pickle").read_bytes()
        entry: Any = pickle.loads(data)
        checked, deps = entry["checked"], entry["deps"]
    except Exception:  # missing, unreadable, written by another version: check again
        return None
    for path, sha in deps:
        if digest(path) != sha:
            return None
    return checked, deps


def put(text: str, shown_as: str, checked: CheckedRuleset, deps: list[tuple[str, str]]) -> None:
    """Keep a checked ruleset for next time (quietly nothing when that cannot be done)."""
    where = folder()
    if where is None:
        return
    try:
        from iiprules.outputs import write_bytes

        where.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps({"checked": checked, "deps": deps}, protocol=4)
        write_bytes(where / f"checked-{_key(text, shown_as)}.pickle", data)
    except Exception:  # a read-only home, a full disk: the cache is only an optimisation
        return
