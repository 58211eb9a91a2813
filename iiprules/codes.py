"""The error-code catalogue: what each diagnostic code means, a bad example and its fix.

Input → output: a code (``IIP222``) → its ``Entry``: what it means, a ruleset
that makes it, the diagnostic that ruleset gets, and the same ruleset fixed.

Why a catalogue: codes are stable and tools match on them (style §5), so a
reviewer who meets one needs to look it up (``iiprules check --explain
IIP222``, the docs' "Diagnostic codes" page, an editor's hover). The meanings
are written here; the examples are *not* written by hand: they are the golden
bad cases of the test suite (``tests/golden/bad``), each with a
``.fixed.rules`` beside it, collected by ``build`` into ``codes.json`` (package
data). A test rebuilds the file and fails when it is stale, when a code the
package can emit has no entry, or when a fixed example still gets its code.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from pathlib import Path

from attrs import asdict, frozen

__all__ = ["MEANINGS", "Entry", "build", "catalogue", "suggest"]

#: What each code means, in a reviewer's words, and the golden bad case that shows it
#: (relative to tests/golden/bad; None where no ruleset can show it).
MEANINGS: dict[str, tuple[str, str | None]] = {
    "IIP100": ("The file cannot be read: it is missing, a folder, or not UTF-8 text.", None),
    "IIP101": ("The text does not follow the grammar at this point; the message lists what "
               "could come here instead.", "syntax/unexpected_token"),
    "IIP102": ("A word the language does not know here: usually a misspelt keyword, or two "
               "keywords written as one ('atleast').", "syntax/misspelt_keyword_requirement"),
    "IIP103": ("A date that is not a calendar date (dates are YYYY-MM-DD).", "syntax/not_a_date"),
    "IIP104": ("A '{' block is not closed before the next item or the end of the file.",
               "syntax/block_not_closed_before_next_item"),
    "IIP105": ("A quoted text is not closed on its line, or is written in single quotes.",
               "syntax/text_not_closed"),
    "IIP106": ("A '}' closes no block, or closes a version before its items end.",
               "syntax/brace_closes_nothing"),
    "IIP107": ("An operator from another language (&&, ||, =>, ==, !): conditions are written "
               "in words.", "syntax/ampersands_for_and"),
    "IIP108": ("A clause the construct needs is missing: 'requires' in a level or award, "
               "'holds' in an invariant, 'of' after a count, 'in' after a requirement's id, "
               "'effective' in a version.", "syntax/level_without_condition"),
    "IIP109": ("A whole number too long to be a threshold or a fact's value (over 4,300 "
               "digits): a slip.", "syntax/number_too_long"),
    "IIP201": ("The same id is declared twice (a requirement, level, award, part, fact, "
               "principle, indicator or example); a later version replaces with 'change'.",
               "names/duplicate_requirement"),
    "IIP202": ("Two versions have the same label.", "versions/duplicate_version"),
    "IIP203": ("Versions are not in date order, or one ends before it starts.",
               "versions/versions_out_of_order"),
    "IIP204": ("A version's 'until' date runs into the next version.",
               "versions/versions_overlap"),
    "IIP205": ("No version is in force between one version's end and the next one's start.",
               "versions/gap_between_versions"),
    "IIP206": ("'extend indicator' names an indicator the ruleset does not have.",
               "versions/extend_unknown_indicator"),
    "IIP207": ("'change' or 'remove' names an item the earlier versions (or the amended "
               "ruleset) do not have.", "versions/change_unknown_level"),
    "IIP210": ("'uses' names a ruleset that is neither packaged nor in the same folder.",
               "uses/uses_unknown_ruleset"),
    "IIP211": ("A ruleset uses itself.", "uses/uses_itself"),
    "IIP212": ("No version of the used ruleset satisfies the 'uses' constraint.",
               "versions/uses_unsatisfiable_version"),
    "IIP213": ("The used ruleset is there but has errors; the message gives its first one.",
               "uses/uses_a_broken_ruleset"),
    "IIP220": ("A requirement is placed in a part or topic that is not declared.",
               "names/requirement_in_unknown_part"),
    "IIP221": ("A selection names a part, indicator, principle or topic that is not declared.",
               "names/unknown_names_with_suggestions"),
    "IIP222": ("A list names a requirement that is not declared (here, or in the ruleset this "
               "one uses).", "names/unknown_names_with_suggestions"),
    "IIP223": ("A list names the same requirement twice.", "names/requirement_listed_twice"),
    "IIP224": ("A condition or example names a level that is not declared.",
               "names/unknown_level"),
    "IIP225": ("A condition or example names an award that is not declared.",
               "names/unknown_award"),
    "IIP226": ("A condition or example names a fact that is not declared.",
               "names/unknown_names_with_suggestions"),
    "IIP230": ("A fact is used with the wrong type (compared with a value of another type, "
               "or a yes/no fact compared with < or >).", "types/fact_type_mismatch"),
    "IIP231": ("An unnamed group counts fewer than 1 requirement.",
               "structure/unnamed_group_of_zero"),
    "IIP232": ("A count no evidence can reach (at least 80 of a selection of 60).",
               "levels/unreachable_threshold"),
    "IIP233": ("A count over a selection that holds no requirements.",
               "levels/count_over_empty_selection"),
    "IIP234": ("A level refers to itself or to a level above it.",
               "levels/level_refers_to_itself"),
    "IIP235": ("Levels out of order: a higher level needs fewer than a lower one.",
               "levels/levels_out_of_order"),
    "IIP236": ("A mapping or an award depends on itself, round a circle.",
               "structure/mapping_cycle"),
    "IIP237": ("'applies when' depends on a level or award, which are decided after the "
               "requirements.", "structure/applies_on_a_level"),
    "IIP238": ("A level depends on an award, which is decided after the levels.",
               "levels/level_depends_on_an_award"),
    "IIP240": ("A condition nested deeper than the evaluator accepts (64 levels).",
               "structure/condition_nested_too_deep"),
    "IIP241": ("An example is dated when its version is not in force.",
               "examples/example_dated_outside_its_version"),
    "IIP242": ("An example lists a requirement that is met through its mapping; list what it "
               "maps to instead.", "examples/example_lists_a_mapped_requirement"),
    "IIP250": ("A requirement, level or award has no source (warning).",
               "structure/level_without_source"),
    "IIP251": ("A requirement no level, award, mapping or invariant counts (warning).",
               "names/unused_requirement_warning"),
    "IIP252": ("A source does not say how sure it is: no confidence word (warning).",
               "structure/source_without_confidence"),
    "IIP000": ("An iiprules error with no more precise code; please report it with what "
               "you ran.", None),
    "IIP200": ("A ruleset could not be used and no more precise code applies.", None),
    "IIP380": ("No ruleset of that name, version or date: an unknown packaged name, a file "
               "that is not there, or no version in force on the assessment date.", None),
    "IIP390": ("Evaluation failed on a checked ruleset: a bug in iiprules or a caller "
               "passing the wrong thing; please report it.", None),
}

_DATA = Path(__file__).with_name("codes.json")
_CODE = re.compile(r"^IIP\d{3}$")


@frozen
class Entry:
    """One code's catalogue entry."""

    code: str
    meaning: str
    case: str | None = None
    bad: str | None = None
    fixed: str | None = None
    diagnostic: str | None = None

    def render(self) -> str:
        """The entry as text, for ``iiprules check --explain``."""
        out = [f"{self.code}: {self.meaning}", ""]
        if self.bad is not None:
            out += ["For example, this ruleset:", "", _indent(self.bad), "gets:", "",
                    _indent(self.diagnostic or ""), "Fixed:", "", _indent(self.fixed or "")]
        return "\n".join(out).rstrip("\n") + "\n"


def _indent(text: str) -> str:
    return "".join(f"    {ln}\n" if ln else "\n" for ln in text.rstrip("\n").split("\n"))


@functools.cache
def catalogue() -> dict[str, Entry]:
    """Every code's entry, by code (from the ``codes.json`` shipped with the package)."""
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    return {code: Entry(**fields) for code, fields in data.items()}


def suggest(code: str) -> str | None:
    """A "did you mean" for a code that does not exist."""
    close = difflib.get_close_matches(code.upper(), sorted(MEANINGS), n=2, cutoff=0.6)
    return ("did you mean " + " or ".join(close) + "?") if close else None


def build(golden_bad: Path) -> dict[str, dict[str, str | None]]:
    """The catalogue's data from the golden bad cases (for ``codes.json``).

    Args:
        golden_bad: the ``tests/golden/bad`` folder; each case named in
            ``MEANINGS`` gives its text, its first diagnostic with that code
            (rendered as ``check`` prints it) and its ``.fixed.rules``.
    """
    import os

    from iiprules._evidence.codes import CODES as EVIDENCE
    from iiprules.api import check_file

    out: dict[str, dict[str, str | None]] = {
        # Evidence problems come from evidence files, not rulesets: their meaning only,
        # as the evidence contract states it (``iiprules._evidence.codes``).
        code: asdict(Entry(code, meaning[:1].upper() + meaning[1:] + "."))
        for code, meaning in EVIDENCE.items()
        if code not in MEANINGS
    }
    cwd = os.getcwd()
    os.chdir(golden_bad.parent)  # paths in messages read bad/<feature>/<case>.rules
    try:
        for code, (meaning, case) in sorted(MEANINGS.items()):
            entry = Entry(code, meaning)
            if case is not None:
                rules = Path("bad") / f"{case}.rules"
                fixed = rules.with_suffix(".fixed.rules")
                found = [d for d in check_file(rules.as_posix()).diagnostics if d.code == code]
                entry = Entry(
                    code,
                    meaning,
                    case,
                    rules.read_text(encoding="utf-8"),
                    fixed.read_text(encoding="utf-8") if fixed.is_file() else None,
                    found[0].render() if found else None,
                )
            out[code] = asdict(entry)
    finally:
        os.chdir(cwd)
    return out


def write(golden_bad: Path) -> None:
    """Rebuild ``codes.json`` from the golden bad cases."""
    text = json.dumps(build(golden_bad), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    _DATA.write_text(text, encoding="utf-8")


def is_code(text: str) -> bool:
    """True for a string shaped like a diagnostic code."""
    return bool(_CODE.match(text))
