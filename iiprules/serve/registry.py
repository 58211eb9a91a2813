"""The rulesets a service judges by: loaded, checked and compiled once, swapped whole.

Input → output: a folder of ``.rules`` files (or the packaged ones) → a frozen
``Registry`` of checked rulesets and their compiled evaluators. A request only
ever reads the registry it started with, so a reload (SIGHUP, or a change seen by
``--reload-rulesets``) builds a new registry beside the old one and replaces a
single reference: requests in flight finish on the rules they began with, and a
folder with errors is refused while the old rules keep serving.

Requests name rulesets (``standard``, ``lm_theme@2009``), never paths: nothing a
client sends can make the service read a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from attrs import field, frozen

from iiprules import api
from iiprules.check import CheckedRuleset, Library, Snapshot
from iiprules.diagnostics import RulesetNotFound, did_you_mean
from iiprules.evaluate import Evaluator
from iiprules.evidence import Validator, validator


@frozen(eq=False)
class Registry:
    """Checked rulesets by name, with the folder they came from and a content digest.

    It implements the batch module's ``Rulesets`` protocol (``judges``, ``elsewhere``,
    ``versions``), so a population judged through the service takes the same path
    as ``iiprules evaluate --population``.
    """

    source: str
    rulesets: Mapping[str, CheckedRuleset]
    texts: Mapping[str, str]
    digest: str
    loaded_at: dt.datetime
    _judges: dict[tuple[dt.date, tuple[str, ...]], list[Evaluator]] = field(
        factory=dict, repr=False
    )
    _elsewhere: dict[tuple[Evaluator, ...], dict[str, str]] = field(factory=dict, repr=False)

    @classmethod
    def load(cls, folder: str | Path | None = None) -> Registry:
        """Load, check and compile every ``.rules`` file of a folder (None: the packaged ones).

        Raises:
            RulesetNotFound: the folder does not exist or holds no ``.rules`` file.
            RulesError: a ruleset has errors (with every diagnostic).
        """
        where = Path(folder) if folder is not None else api.packaged_dir()
        if not where.is_dir():
            raise RulesetNotFound(f"no rulesets folder '{where}'")
        files = sorted(where.glob(f"*{api.RULES_SUFFIX}"))
        if not files:
            raise RulesetNotFound(f"no .rules files in '{where}'")
        rulesets: dict[str, CheckedRuleset] = {}
        texts: dict[str, str] = {}
        digest = hashlib.sha256()
        for f in files:
            text = f.read_text(encoding="utf-8")
            checked = api.load(str(f))
            rulesets[checked.name] = checked
            texts[checked.name] = text
            digest.update(f.name.encode() + b"\0" + text.encode() + b"\0")
        registry = cls(
            str(where), rulesets, texts, digest.hexdigest()[:16], dt.datetime.now(dt.UTC)
        )
        registry.compile_all()
        return registry

    # -- names -------------------------------------------------------------------------

    def names(self) -> list[str]:
        """The rulesets served, sorted by name."""
        return sorted(self.rulesets)

    def get(self, name: str) -> CheckedRuleset:
        """A served ruleset by name.

        Raises:
            RulesetNotFound: no such ruleset here (with a "did you mean").
        """
        hit = self.rulesets.get(name)
        if hit is None:
            hint = did_you_mean(name, self.rulesets)
            raise RulesetNotFound(
                f"no ruleset '{name}'"
                + (f"; {hint}" if hint else f" (served: {', '.join(self.names())})")
            )
        return hit

    def snapshot(self, name: str, version: str | None) -> tuple[CheckedRuleset, Snapshot]:
        """A ruleset and one of its versions (None: the newest).

        Raises:
            RulesetNotFound: no such ruleset or version.
        """
        checked = self.get(name)
        if version is None:
            return checked, checked.snapshots[-1]
        try:
            return checked, checked.version(version)
        except KeyError:
            have = ", ".join(s.label for s in checked.snapshots)
            raise RulesetNotFound(
                f"ruleset '{checked.name}' has no version '{version}' (versions: {have})"
            ) from None

    def library(self) -> Library:
        """Finds served rulesets by name, for checking a text that ``uses`` one."""
        return Library(self.rulesets.get)

    # -- evaluators ----------------------------------------------------------------------

    def compile_all(self) -> None:
        """Compile every evaluator a request may need, so the first request is not slow."""
        dates = {s.effective for c in self._all() for s in c.snapshots}
        for checked in self.rulesets.values():
            for snap in checked.snapshots:
                try:
                    api.evaluator_for(checked, snap, None)
                except RulesetNotFound:
                    pass
            for on in sorted(dates):
                snap_on = checked.in_force(on)
                if snap_on is None:
                    continue
                try:
                    api.evaluator_for(checked, snap_on, on)
                except RulesetNotFound:
                    continue

    def evaluators(self, on: dt.date, refs: Sequence[str] | None = None) -> list[Evaluator]:
        """The evaluators judging evidence assessed on a date, as ``api.evaluators_for``.

        Args:
            on: the assessment date (it picks the versions in force).
            refs: ``name`` or ``name@version`` of served rulesets; None or empty for every
                served ruleset with a version in force on the date.

        Raises:
            RulesetNotFound: a ruleset or version is unknown, or none is in force.
        """
        key = (on, tuple(refs or ()))
        hit = self._judges.get(key)
        if hit is not None:
            return hit
        out: list[Evaluator] = []
        if refs:
            for ref in refs:
                name, version = api.split_ref(ref)
                if version is not None:
                    checked, snap = self.snapshot(name, version)
                    out.append(api.evaluator_for(checked, snap, None))
                    continue
                checked = self.get(name)
                found = checked.in_force(on)
                if found is None:
                    raise RulesetNotFound(
                        f"no version of '{checked.name}' is in force on {on.isoformat()}"
                    )
                out.append(api.evaluator_for(checked, found, on))
        else:
            for name in self.names():
                checked = self.rulesets[name]
                found = checked.in_force(on)
                if found is None:
                    continue
                try:
                    out.append(api.evaluator_for(checked, found, on))
                except RulesetNotFound:
                    continue
            if not out:
                raise RulesetNotFound(f"no ruleset is in force on {on.isoformat()}")
        with _CACHE_LOCK:
            if len(self._judges) > 4096:  # assessment dates are many; evaluators are few
                self._judges.clear()
            self._judges[key] = out
        return out

    def validator(self, evaluators: Sequence[Evaluator]) -> Validator:
        """The evidence validator for these evaluators (built once, cached by the library)."""
        return validator([e.scope for e in evaluators], self.elsewhere(evaluators))

    # -- the batch module's Rulesets protocol ------------------------------------------

    def judges(self, on: dt.date) -> Sequence[Evaluator]:
        """Every served ruleset in force on the date (``Rulesets.judges``)."""
        return self.evaluators(on, None)

    def elsewhere(self, evaluators: Sequence[Evaluator]) -> Mapping[str, str]:
        """Requirement ids of other versions of the judging rulesets, with their version.

        The same table as ``api.evaluate`` builds, so evidence naming an id of another
        version gets the same message from the service as from the CLI.
        """
        key = tuple(evaluators)
        hit = self._elsewhere.get(key)
        if hit is None:
            by_name = {c.name: c for c in self._all()}
            hit = {}
            for e in evaluators:
                for s in (e.scope.base, e.scope):
                    if s is None or s.ruleset not in by_name:
                        continue
                    for snap in by_name[s.ruleset].snapshots:
                        for rid in snap.requirements:
                            hit.setdefault(rid, snap.key)
            with _CACHE_LOCK:
                self._elsewhere[key] = hit
        return hit

    def versions(self) -> Sequence[Snapshot]:
        """Every version (used rulesets first) that may judge (``Rulesets.versions``)."""
        out: list[Snapshot] = []
        for checked in self.rulesets.values():
            chain: list[CheckedRuleset] = []
            c: CheckedRuleset | None = checked
            while c is not None:
                chain.append(c)
                c = c.base
            for each in reversed(chain):
                out.extend(s for s in each.snapshots if s not in out)
        return out

    def _all(self) -> Iterable[CheckedRuleset]:
        """The served rulesets and the rulesets they use."""
        seen: dict[int, CheckedRuleset] = {}
        for checked in self.rulesets.values():
            c: CheckedRuleset | None = checked
            while c is not None:
                seen.setdefault(id(c), c)
                c = c.base
        return seen.values()


_CACHE_LOCK = threading.Lock()


def folder_signature(folder: str | Path | None) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of a folder's ``.rules`` files, to see a change."""
    where = Path(folder) if folder is not None else api.packaged_dir()
    out = []
    for f in sorted(where.glob(f"*{api.RULES_SUFFIX}")):
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((f.name, st.st_size, st.st_mtime_ns))
    return tuple(out)
