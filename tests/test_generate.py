"""iiprules generate: plausible, valid, reproducible populations in realistic proportions."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import iiprules
from iiprules import api
from iiprules import generate as gen
from iiprules.evidence import load as load_evidence
from iiprules.evidence import validate

ROOT = Path(__file__).resolve().parent.parent


def jsonl(ref, n: int, seed: int) -> str:
    out = io.StringIO()
    gen.write_jsonl(gen.generate(ref, n, seed), out)
    return out.getvalue()


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iiprules", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def outcomes():
    """3,000 organisations under the 2009 framework, judged."""
    checked, snap = api.resolve_ref("standard@2009")
    evaluator = api.evaluator_for(checked, snap)
    records = list(gen.generate("standard@2009", 3000, seed=42))
    results = [
        evaluator.evaluate(validate(load_evidence(r), [evaluator.scope]), explain=True)
        for r in records
    ]
    return records, results


def test_same_seed_same_bytes_different_seed_different():
    """The seed fixes the output; another seed gives another population."""
    assert jsonl("standard@2009", 200, 1) == jsonl("standard@2009", 200, 1)
    assert jsonl("standard@2009", 200, 1) != jsonl("standard@2009", 200, 2)


def test_same_seed_same_bytes_across_processes():
    """Byte-identical output from two processes with different hash seeds."""
    args = ("generate", "--ruleset", "lm_theme", "--ruleset", "partner_award", "-n", "300")
    a = run(*args, "--seed", "9", env={"PYTHONHASHSEED": "1"})
    b = run(*args, "--seed", "9", env={"PYTHONHASHSEED": "2"})
    assert 0 == a.returncode, a.stderr
    assert a.stdout == b.stdout
    assert 300 == len(a.stdout.splitlines())


def test_generation_is_lazy():
    """A huge N costs nothing until records are taken (JSONL streams in constant memory)."""
    first = list(itertools.islice(gen.generate("standard@2009", 10**12, 3), 2))
    assert ["GEN-000001", "GEN-000002"] == [r["id"] for r in first]


def test_every_record_is_valid_evidence_for_every_packaged_ruleset():
    """Generated evidence loads and is judged by the rulesets in force on its date."""
    for r in gen.generate(["lm_theme", "partner_award"], 150, 5):
        outcome = iiprules.evaluate(r, explain=False)
        assert outcome.organisation == r["organisation"]
    for r in gen.generate("standard", 150, 6):
        iiprules.evaluate(r, explain=False)


def test_levels_in_realistic_proportions(outcomes):
    """Most recognised hold only the Standard; Silver is under 3% of the recognised; some fail."""
    _records, results = outcomes
    levels = Counter(o.level or "none" for o in results)
    recognised = sum(v for k, v in levels.items() if k != "none")
    assert 0.10 < levels["none"] / len(results) < 0.20
    assert levels["standard"] / recognised > 0.75
    assert levels["silver"] / recognised < 0.03
    assert levels["bronze"] > levels["silver"] > levels["gold"] > 0


def test_near_misses_are_near(outcomes):
    """Organisations not recognised miss between 1 and 3 requirements of the Standard."""
    records, results = outcomes
    for r, o in zip(records, results, strict=True):
        if o.level is None:
            trace = o.levels[0]
            assert not trace.holds
            facts = r.get("facts", {})
            applicable = 37 if facts.get("representative_groups") is False else 39
            met = sum(1 for x in r["met"] if not x.startswith(("W", "ST", "NOS")))
            assert 1 <= applicable - met <= 3


def test_history_and_facts_are_present_for_some(outcomes):
    """Some organisations carry history (some long-service), all carry employees and groups."""
    records, results = outcomes
    assert all({"employees", "representative_groups"} <= set(r["facts"]) for r in records)
    with_history = [r for r in records if "history" in r]
    assert 0.2 < len(with_history) / len(records) < 0.6
    long_service = sum(o.award("long_service") for o in results)
    assert 0 < long_service < len(results) * 0.2
    assert all(r["facts"]["employees"] >= 2 for r in records)


def test_dates_lie_within_the_version_and_span_versions_without_one():
    """standard@2009 dates from 2009-05-01 for 3 years; 'standard' also covers 2004-2009."""
    dates = [dt.date.fromisoformat(r["assessed_on"]) for r in gen.generate("standard@2009", 500, 8)]
    assert min(dates) >= dt.date(2009, 5, 1)
    assert max(dates) < dt.date(2012, 5, 1)
    years = {r["assessed_on"][:4] for r in gen.generate("standard", 500, 8)}
    assert {"2004", "2008", "2010"} <= years


def test_2004_evidence_names_no_wider_framework_requirement():
    """Under the 2004 Standard there is nothing beyond it to meet."""
    for r in gen.generate("standard@2004", 300, 4):
        assert not any(x.startswith("W") for x in r["met"])
        assert "unnamed_met" not in r


def test_a_second_ruleset_adds_its_optional_parts():
    """--ruleset lm_theme --ruleset partner_award: topics of stretch and partner criteria appear."""
    ids = Counter(x for r in gen.generate(["lm_theme", "partner_award"], 1000, 2) for x in r["met"])
    assert ids["ST.impact"] > 0 and ids["NOS.A"] > 0
    assert ids["NOS.A"] < 200  # G8: few take part


def test_yaml_folder_round_trips(tmp_path):
    """--format yaml writes one evidence file per organisation, readable by evidence.load."""
    n = gen.write_yaml_dir(gen.generate("standard@2009", 5, 1), tmp_path / "pop")
    files = sorted((tmp_path / "pop").glob("*.yaml"))
    assert 5 == n == len(files)
    assert files[0].name.startswith("GEN-000001_")
    ev = load_evidence(files[0])
    assert "GEN-000001" == ev.extra["id"]
    assert len(ev.met) >= 30


def test_cli_generate_writes_a_jsonl_file(tmp_path):
    """Iiprules generate --out FILE writes N lines of JSON and says so on stderr."""
    out = tmp_path / "pop.jsonl"
    r = run("generate", "--ruleset", "standard@2009", "-n", "25", "--seed", "3", "--out", str(out))
    assert 0 == r.returncode, r.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert 25 == len(lines)
    assert "organisation" in json.loads(lines[0])
    assert "wrote 25 organisation(s)" in r.stderr


def test_cli_generate_yaml_needs_a_folder():
    """--format yaml without --out is a usage error (exit 2)."""
    r = run("generate", "--ruleset", "standard", "-n", "2", "--format", "yaml")
    assert 2 == r.returncode
    assert "--out DIR" in r.stderr


def test_cli_help_documents_the_proportions():
    """The command's help states the assumed proportions."""
    r = run("generate", "--help")
    assert "2% Silver" in r.stdout and "fewer than 3%" in r.stdout
