"""The bad-input corpus: every broken input gets its exact message and exit code; none ends in 70.

``tests/bad_inputs/{rules,evidence,population}/`` hold over a hundred broken
inputs (made by ``tests/bad_inputs/make_corpus.py``), one fault each, covering
every class of issue 11: syntax, deep and long input, huge numbers, alias
bombs, duplicate keys, dates, nulls, wrong types, long values, bad UTF-8, rows
that are not JSON on their own, CSV cells. Beside each is ``NAME.expected``:
the exit code and the exact text on standard error (``--update-golden``
rewrites them, for review). A second test feeds every command a broken input
of each kind and proves no command answers with exit code 70 or a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iiprules import exitcodes
from iiprules.cli.app import build_parser, subcommands

from .conftest import ROOT, Run

CORPUS = ROOT / "tests/bad_inputs"

#: How each kind of input is given to the command line.
COMMAND = {
    "rules": lambda p: ["check", p],
    "evidence": lambda p: ["evaluate", p],
    "population": lambda p: ["evaluate", "--population", p],
}

CASES = sorted(
    f"{kind}/{f.name}"
    for kind in COMMAND
    for f in (CORPUS / kind).iterdir()
    if not f.name.endswith(".expected")
)


def test_the_corpus_is_big_enough() -> None:
    """At least 100 broken rule, evidence and population files, each with its expectation."""
    assert len(CASES) >= 100
    missing = [c for c in CASES if not (CORPUS / f"{c}.expected").exists()]
    assert [] == missing


@pytest.mark.parametrize("case", CASES)
def test_bad_input(
    case: str, run: Run, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The exact message and exit code for one broken input (never 70, never a traceback)."""
    monkeypatch.chdir(CORPUS)
    kind = case.split("/")[0]
    code, _out, err = run(*COMMAND[kind](case))
    got = f"exit {code}\n{err}"
    expected = CORPUS / f"{case}.expected"
    if request.config.getoption("--update-golden"):
        expected.write_text(got, encoding="utf-8")
    # 0 for the few inputs that are odd but valid (a 400-digit fact, 5,000 parentheses)
    assert code in (exitcodes.OK, exitcodes.FAILED, exitcodes.BAD_INPUT), got[:2000]
    assert "internal error" not in err and "Traceback" not in err
    assert expected.read_text(encoding="utf-8") == got


#: Every command with a place for a broken rules file ({rules}), evidence file
#: ({evidence}), population ({population}) or folder to write to ({out}).
EVERY_COMMAND = {
    "check": [["check", "{rules}"]],
    "evaluate": [["evaluate", "{evidence}"], ["evaluate", "{good}", "--ruleset", "{rules}"],
                 ["evaluate", "--population", "{population}"],
                 ["evaluate", "--population", "{population}", "--out", "{out}/o.jsonl"]],
    "explain": [["explain", "{evidence}"], ["explain", "{good}", "--ruleset", "{rules}"]],
    "test": [["test", "{rules}"]],
    "fmt": [["fmt", "{rules}"]],
    "verify": [["verify", "{rules}", "--out", "{out}"]],
    "diff": [["diff", "{rules}", "standard@2009"],
             ["diff", "standard@2004", "standard@2009", "--population", "{population}"]],
    "generate": [["generate", "--ruleset", "{rules}", "-n", "2"]],
    "plan": [["plan", "{evidence}"], ["plan", "{good}", "--ruleset", "{rules}"]],
    "why-not": [["why-not", "{evidence}"]],
    "critical": [["critical", "{evidence}"]],
    "pending": [["pending", "{evidence}"]],
    "lapse": [["lapse", "{evidence}"]],
    "schema": [["schema", "{rules}"]],
}  # fmt: skip

#: A broken input of each kind (a few per class; the corpus above has them all).
BROKEN = {
    "rules": ["rules/binary.rules", "rules/not_utf8.rules", "rules/unclosed_brace.rules",
              "rules/union_chain_990.rules", "rules/number_5000_digits.rules",
              "rules/unknown_fact.rules", "rules/empty.rules", "missing.rules", "rules"],
    "evidence": ["evidence/alias_bomb.yaml", "evidence/duplicate_key_yaml.yaml",
                 "evidence/date_mapping.yaml", "evidence/met_null.yaml", "evidence/binary.yaml",
                 "evidence/deep_json.json", "evidence/json_huge_int_fact.json",
                 "missing.yaml", "evidence"],
    "population": ["population/two_objects_on_a_line.jsonl", "population/huge_int_row.jsonl",
                   "population/csv_bad_utf8.csv", "population/json_broken.json",
                   "population/unknown_suffix.txt", "missing.jsonl"],
}  # fmt: skip


def test_every_command_is_listed() -> None:
    """Each command of the CLI (but the servers, which run until stopped) is fed input here."""
    names = {name for name, _help, _p in subcommands(build_parser())} - {"lsp", "serve"}
    assert names == set(EVERY_COMMAND)


@pytest.mark.parametrize("command", sorted(EVERY_COMMAND))
def test_no_command_ends_in_70(
    command: str, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every command, given a broken input of each kind, answers with a message, not 70."""
    monkeypatch.chdir(CORPUS)
    good = str(ROOT / "examples/lanternfly_labs.yaml")
    for template in EVERY_COMMAND[command]:
        kinds = [k for k in BROKEN if "{" + k + "}" in " ".join(template)]
        for kind in kinds:
            for bad in BROKEN[kind]:
                argv = [a.format(**{kind: bad}, good=good, out=tmp_path) for a in template]
                code, _out, err = run(*argv)
                assert code != exitcodes.INTERNAL, f"{argv}: {err[-500:]}"
                assert "Traceback" not in err and "internal error" not in err, argv
                assert code in (0, 1, 2), (argv, code)
