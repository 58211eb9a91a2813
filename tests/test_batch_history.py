"""Rows with earlier assessments and pending lists are judged in bulk, as evaluate judges each.

The vectorised path reads ``history`` and ``pending`` itself (``_batch.history``);
every row's answer, or its error, must still be the single path's.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from iiprules import api, batch, generate
from iiprules.diagnostics import EvaluationError, EvidenceError, RulesetNotFound

RULESETS = api.PopulationRulesets()

H = '"history": '
ODD = [
    '{"organisation": "A", "assessed_on": "2010-06-01", "met": ["1.1"], ' + H
    + '[{"assessed_on": "2009-01-01", "met": ["1.2"]}]}',
    '{"organisation": "B", "assessed_on": "2010-06-01", "met": ["1.1"], ' + H + "[]}",
    '{"organisation": "C", "assessed_on": "2010-06-01", "met": ["1.1"], ' + H + "null}",
    '{"organisation": "D", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2011-01-01", "met": ["1.2"]}]}',
    '{"organisation": "E", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-02-30", "met": ["1.2"]}]}',
    '{"organisation": "F", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "met": ["no.such"]}]}',
    '{"organisation": "G", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "met": ["LM1.1"]}]}',
    '{"organisation": "H", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "met": ["1.2", "1.2"]}]}',
    '{"organisation": "I", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "level": "platinum"}]}',
    '{"organisation": "J", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "level": null}]}',
    '{"organisation": "K", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "unnamed_met": {"W.other": 94}}]}',
    '{"organisation": "L", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "unnamed_met": {"nope": 3, "W.other": 4}}]}',
    '{"organisation": "M", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "unnamed_met": {"W.other": -1}}]}',
    '{"organisation": "N", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "mett": []}]}',
    '{"organisation": "O", "assessed_on": "2010-06-01", ' + H + '[{"met": ["1.1"]}]}',
    '{"organisation": "P", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "met": ["W4.1"], "ruleset": "standard", "notes": [1]}]}',
    '{"organisation": "Q", "assessed_on": "2010-06-01", ' + H
    + '[{"assessed_on": "2009-01-01", "met": [1.10]}]}',
    '{"organisation": "R", "assessed_on": "2012-02-29", ' + H
    + '[{"assessed_on": "2009-02-28", "level": "standard"}, '
    '{"assessed_on": "2006-03-01", "level": "none"}, {"assessed_on": "2003-01-01"}]}',
    '{"organisation": "S", "assessed_on": "2010-06-01", "met": ["1.1"], "pending": ["1.2"]}',
    '{"organisation": "T", "assessed_on": "2010-06-01", "met": ["1.1"], "pending": ["1.1"]}',
    '{"organisation": "U", "assessed_on": "2010-06-01", "pending": ["no.such"]}',
    '{"organisation": "V", "assessed_on": "2010-06-01", "pending": ["LM1.1"]}',
    '{"organisation": "W", "assessed_on": "2010-06-01", "pending": "1.1"}',
    '{"organisation": "X", "assessed_on": "2010-06-01", "pending": ["1.2", "1.2"]}',
    '{"organisation": "Y", "assessed_on": "2010-06-01", "pending": null}',
    '{"organisation": "Z", "assessed_on": "2010-06-01", ' + H + '[{"assessed_on": "2009-01-01", '
    '"ruleset": 3}]}',
]


def expected_row(doc: dict) -> dict:
    try:
        return api.evaluate(doc, explain=False).to_dict(explanation=False)
    except (EvidenceError, RulesetNotFound, EvaluationError) as exc:
        # One line per problem, each "evidence: <problem>"; the row gives each problem
        # after its own "FILE:LINE:" instead.
        lines = [line.removeprefix("evidence:").strip() for line in str(exc).splitlines()]
        return {"error": "\n".join(lines)}


def check(rows: list[dict], docs: list[dict]) -> None:
    assert len(rows) == len(docs)
    for doc, row in zip(docs, rows, strict=True):
        want = expected_row(doc)
        if "error" in want:
            assert "error" in row, (doc, row)
            for problem in want["error"].splitlines():
                assert problem in row["error"], (doc, row)
        else:
            assert want == row, doc


@pytest.mark.parametrize("vectorise", [True, False])
def test_odd_history_and_pending_rows_give_what_evaluate_gives(tmp_path: Path, vectorise: bool):
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(ODD) + "\n", encoding="utf-8")
    rows = list(batch.iter_rows(path, RULESETS, vectorise=vectorise))
    check(rows, [json.loads(line, parse_float=str) for line in ODD])


def generated(n: int, seed: int) -> list[dict]:
    """A generated population (about 44% with earlier assessments), some with pending lists."""
    rng = random.Random(seed)
    # The Standard first: the first ruleset sets the dates, levels and history; the
    # others add their parts (lm_model, which ends in 2009, would set no history).
    names = sorted(api.packaged_names(), key=lambda name: name != "standard")
    docs = list(generate.generate(names, n, seed))
    for d in docs:
        if rng.random() < 0.15:
            # wider-framework ids only where the 2009 framework is in force
            pool = ("1.1", "4.2", "7.3", "W4.1", "W5.3", "9.4")
            if d["assessed_on"] < "2009-05-01":
                pool = tuple(r for r in pool if not r.startswith("W"))
            unmet = [r for r in pool if r not in d["met"]]
            d["pending"] = unmet[: rng.randint(1, 3)]
    return docs


def test_a_generated_population_with_history_agrees_row_for_row(tmp_path: Path) -> None:
    docs = generated(1_500, seed=7)
    assert sum("history" in d for d in docs) > 400
    path = tmp_path / "population.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    fast = list(batch.iter_rows(path, RULESETS))
    check(fast, docs)
    assert fast == list(batch.iter_rows(path, RULESETS, vectorise=False))


def test_history_rows_are_judged_in_bulk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Rows with history never reach the one-by-one path (it would be 100x slower)."""
    from iiprules._batch import judge

    docs = [d for d in generated(300, seed=8) if "history" in d]
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    called: list[int] = []
    real = judge._Judge.one

    def counted(self: judge._Judge, *args: object, **kw: object) -> object:
        called.append(1)
        return real(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(judge._Judge, "one", counted)
    rows = list(batch.iter_rows(path, RULESETS))
    errors = [r for r in rows if "error" in r]
    assert len(called) == len(errors)
    assert len(rows) == len(docs) and len(errors) < len(docs) // 10
