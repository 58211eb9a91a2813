"""A cache of checked rulesets in the user's cache folder: ruleset text → ``CheckedRuleset``.

Input → output: a ruleset's text and the name it is shown by → the checked
ruleset made from them earlier, or None; and the way to keep one for next time.

Why: parsing and checking the packaged rulesets costs ~50-60 ms in every process
(every ``iiprules`` command, every worker of ``--jobs``), for the same text each
time; unpickling the result costs ~3 ms. The cache lives in the user's cache
folder (``$XDG_CACHE_HOME/iiprules``, ``~/Library/Caches/iiprules``,
``%LOCALAPPDATA%/iiprules/Cache``), never in the install tree. An entry's name
is the SHA-256 of the library version, the Python version, the file's real path
(so two checkouts never share entries), the name the ruleset is shown by and its
text; an entry also records the text's hash of every ruleset
it builds on (``uses``) and where that was found, and is used only while those
are unchanged. Deleting the folder, or any file in it, is always safe: a missing,
unreadable or stale entry is checked again. ``IIPRULES_CACHE_DIR`` moves the
folder; ``IIPRULES_NO_CACHE=1`` turns the cache off. Entries are written whole
or not at all (``outputs.write_bytes``); failing to write one is not an error.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iiprules.check import CheckedRuleset

#: Bumped when what is stored changes shape; part of every key.
FORMAT = 4  # 3: model gained Ruleset.amends (proposals), trivia and clause spans; 4: path in key


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


_CODE: str | None = None


def _code_fingerprint() -> str:
    """The size and modification time of the modules that make a checked ruleset.

    The library version alone does not change while someone edits the parser or the
    checker in a checkout (an editable install), and a ruleset checked by older code
    would then hide a new diagnostic. Only the stages up to ``check`` shape what is
    stored (model, diagnostics, syntax, check and their private subpackages), so only
    they are looked at: a few dozen stat calls, once per process.
    """
    global _CODE
    if _CODE is None:
        root = Path(__file__).resolve().parent
        h = hashlib.sha256()
        names = ["model.py", "diagnostics.py", "syntax.py", "check.py"]
        for sub in ("_check", "_syntax"):
            try:
                names += sorted(f"{sub}/{e.name}" for e in os.scandir(root / sub)
                                if e.name.endswith(".py"))
            except OSError:
                continue
        for name in names:
            try:
                st = (root / name).stat()
            except OSError:
                continue
            h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        _CODE = h.hexdigest()
    return _CODE


def _key(text: str, shown_as: str, where: str) -> str:
    from iiprules._version import __version__

    h = hashlib.sha256()
    # ``where`` (the file's real path) keeps checkouts apart: the rulesets an entry builds
    # on are found beside its file, so the same text elsewhere is another entry.
    parts = (str(FORMAT), __version__, _code_fingerprint(), sys.version, where, shown_as, text)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def digest(path: str) -> str:
    """The SHA-256 of a file's bytes, or "" when there is no such file to read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


class _Pickler(pickle.Pickler):
    """Writes the rulesets an entry builds on as references (their file), not copies.

    Snapshots compare by identity, so a ruleset read from the cache must share its
    base with the one ``api.load`` gives for the base's file, as when both are checked.
    """

    def __init__(self, f: Any, refs: dict[int, tuple[Any, ...]]) -> None:
        super().__init__(f, protocol=4)
        self.refs = refs

    def persistent_id(self, obj: Any) -> Any:
        return self.refs.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, f: Any, resolve: Callable[[str], Any]) -> None:
        super().__init__(f)
        self.resolve = resolve

    def persistent_load(self, pid: Any) -> Any:
        checked = self.resolve(pid[0])
        return checked if len(pid) == 1 else checked.snapshots[pid[1]]


def get(
    text: str, shown_as: str, where: str, resolve: Callable[[str], Any]
) -> tuple[CheckedRuleset, list[tuple[str, str]]] | None:
    """The checked ruleset kept for this text, with the files it builds on, or None.

    ``where`` is the ruleset file's real path; ``resolve`` gives the checked ruleset of
    a file it builds on (``api``'s loader).
    """
    folder_ = folder()
    if folder_ is None:
        return None
    try:
        data = (folder_ / f"checked-{_key(text, shown_as, where)}.pickle").read_bytes()
        head, _, body = data.partition(b"\n")
        deps = [x.split("\t") for x in head.decode("utf-8").split("\0") if x]
        if any(len(d) != 2 or digest(d[0]) != d[1] for d in deps):
            return None  # what it builds on changed (or the entry is damaged)
    except Exception:  # missing or unreadable: check again
        return None
    try:
        checked: Any = _Unpickler(io.BytesIO(body), resolve).load()
    except Exception:  # written by another version, or damaged: check again
        return None
    return checked, [(p, h) for p, h in deps]


def put(
    text: str,
    shown_as: str,
    where: str,
    checked: CheckedRuleset,
    deps: list[tuple[str, str]],
    refs: dict[int, tuple[Any, ...]],
) -> None:
    """Keep a checked ruleset for next time (quietly nothing when that cannot be done).

    ``deps``: (path, SHA-256 or "" for absent) that must still hold; ``refs``: the
    objects to store as references (by ``id``) and the file that gives them back.
    """
    folder_ = folder()
    if folder_ is None:
        return
    try:
        from iiprules.outputs import write_bytes

        buf = io.BytesIO()
        _Pickler(buf, refs).dump(checked)
        head = "\0".join(f"{p}\t{h}" for p, h in deps).encode("utf-8")
        folder_.mkdir(parents=True, exist_ok=True)
        name = f"checked-{_key(text, shown_as, where)}.pickle"
        write_bytes(folder_ / name, head + b"\n" + buf.getvalue())
    except Exception:  # a read-only home, a full disk: the cache is only an optimisation
        return
