"""iiprules diff: the structural diff between versions, and its impact on a population."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from iiprules import api, diff

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

MINI = """\
ruleset mini
    title "A small ruleset for diff tests"

version 1 effective 2001-01-01 {
    part core "Core" {
        source "test" assumed
    }
    part extra "Extra" {
        source "test" assumed
    }
    fact staff: number default 2
    principle p "Principle" {
        indicator 1 "One" {
            requirement 1.1 in core by managers {
                text "First."
                source "test" assumed
            }
            requirement 1.2 in core by people {
                text "Second."
                source "test" assumed
            }
            requirement 1.3 in core {
                text "Third."
                source "test" assumed
            }
        }
        indicator 2 "Two" {
            requirement 2.1 in core {
                text "Fourth."
                source "test" assumed
            }
            requirement 2.2 in core {
                text "Fifth."
                source "test" assumed
            }
        }
    }
    unnamed 10 as X.other in extra {
        source "test" assumed
    }
    level basic "Basic" {
        source "test" assumed
        requires all of part core and staff >= 2
    }
    level plus "Plus" {
        source "test" assumed
        requires level >= basic and at least 4 of part extra
    }
    award a themed "Award A" {
        source "test" assumed
        requires all of indicator 1
    }
}

version 2 effective 2005-01-01 {
    change level plus "Plus" {
        source "test" assumed
        requires level >= basic and at least 6 of part extra
    }
    change requirement 1.2 in core by people {
        text "Second, reworded."
        source "test" assumed
    }
    change requirement 2.2 in extra {
        text "Fifth."
        source "test" assumed
    }
    remove requirement 1.3
    extend indicator 2 {
        requirement 2.3 in core {
            text "Sixth."
            source "test" assumed
        }
    }
    change award a themed "Award A" {
        source "test" assumed
        requires all of indicator 1 or all of indicator 2
    }
    level top "Top" {
        source "test" assumed
        requires level >= plus and all of part extra
    }
}
"""


@pytest.fixture
def mini(tmp_path):
    path = tmp_path / "mini.rules"
    path.write_text(MINI, encoding="utf-8")
    return str(path)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iiprules", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


# -- the structural diff ----------------------------------------------------------------


def test_2009_adds_bronze_silver_gold_the_wider_framework_and_long_service():
    """standard@2004 → standard@2009 lists the levels 2009 added, and nothing removed."""
    d = diff.diff_refs("standard@2004", "standard@2009")
    assert ["bronze", "silver", "gold"] == d.ids("level", "added")
    assert ["extended"] == d.ids("part", "added")
    assert ["long_service"] == d.ids("award", "added")
    added = d.ids("requirement", "added")
    assert 34 == len(added)  # 33 known by text and the unnamed group
    assert "W.other" == added[-1]
    assert [] == [c for c in d.changes if c.action == "removed"]
    assert "standard@2004" == d.old.key and "2009-04-30" == d.old.until


def test_added_level_shows_rules_text_and_plain_english():
    """An added level carries its condition in rules text and in words, counted in its scope."""
    d = diff.diff_refs("standard@2004", "standard@2009")
    (gold,) = d.of("level", "added")[2:]
    f = gold.field("requires")
    assert "level >= standard and all of part extended" == f.new
    assert "all 126 requirements of the wider framework" in f.new_words


def test_actions_of_the_mini_ruleset(mini):
    """Added, removed, reworded, moved, threshold and condition changes are told apart."""
    d = diff.diff_refs(f"{mini}@1", f"{mini}@2")
    assert ["2.3"] == d.ids("requirement", "added")
    assert ["1.3"] == d.ids("requirement", "removed")
    assert ["1.2"] == d.ids("requirement", "reworded")
    assert ["2.2"] == d.ids("requirement", "moved")
    assert ["top"] == d.ids("level", "added")
    assert ["basic", "plus"] == d.ids("level", "threshold")
    assert ["a"] == d.ids("award", "condition")
    reworded = d.of("requirement", "reworded")[0].field("text")
    assert ("Second.", "Second, reworded.") == (reworded.old, reworded.new)
    moved = d.of("requirement", "moved")[0].field("part")
    assert ("core", "extra") == (moved.old, moved.new)


def test_threshold_change_reads_at_least_26_to_30(mini):
    """A changed number is a threshold change: 'at least 4 → 6 of Extra', with both conditions."""
    d = diff.diff_refs(f"{mini}@1", f"{mini}@2")
    (plus,) = [c for c in d.of("level", "threshold") if c.id == "plus"]
    (t,) = plus.thresholds
    assert ("at least 4", "at least 6") == (t.old, t.new)
    assert t.words().startswith("at least 4 → 6 of Extra")
    f = plus.field("requires")
    assert "level >= basic and at least 4 of part extra" == f.old
    assert "level >= basic and at least 6 of part extra" == f.new
    assert "at least 6 of Extra" in f.new_words


def test_same_words_over_a_changed_selection_is_a_threshold_change(mini):
    """'all of part core' after core lost a requirement: all 5 → 4, though the text is unchanged."""
    d = diff.diff_refs(f"{mini}@1", f"{mini}@2")
    (basic,) = [c for c in d.of("level", "threshold") if c.id == "basic"]
    f = basic.field("requires")
    assert f.old == f.new
    assert (5, 4) == (basic.thresholds[0].old_size, basic.thresholds[0].new_size)
    assert "all 5 → 4 of Core" == basic.thresholds[0].words()


def test_a_requirement_moved_to_another_indicator(tmp_path):
    """Removed and declared again under another indicator in one version: one 'moved' change."""
    text = MINI.split("version 2")[0] + (
        "version 2 effective 2005-01-01 {\n"
        "    remove requirement 1.1\n"
        "    extend indicator 2 {\n"
        '        requirement 1.1 in core by managers {\n            text "First."\n'
        '            source "test" assumed\n        }\n    }\n}\n'
    )
    path = tmp_path / "moved.rules"
    path.write_text(text, encoding="utf-8")
    d = diff.diff_refs(f"{path}@1", f"{path}@2")
    # award a asks for 'all of indicator 1', which now holds 2 requirements, not 3
    assert [("requirement", "1.1", "moved"), ("award", "a", "threshold")] == [
        (c.kind, c.id, c.action) for c in d.changes
    ]
    f = d.changes[0].field("indicator")
    assert ("1", "2") == (f.old, f.new)
    assert "all 3 → 2 of indicator 1 (One)" == d.changes[1].thresholds[0].words()


def test_same_version_has_no_changes():
    """A version against itself: an empty diff, and the text says so."""
    d = diff.diff_refs("standard@2009", "standard@2009")
    assert not d
    assert "No changes." in diff.render_text(d)


def test_version_diffs_start_from_nothing():
    """version_diffs: the first version against nothing (all added), then each against the last."""
    diffs = diff.version_diffs(api.load("standard"))
    assert ["(nothing)", "standard@2004"] == [d.old.key for d in diffs]
    # The Standard's 39, and domain.md's 5.2 as an alias of 5.1 (part 'renumbered').
    assert 40 == len(diffs[0].ids("requirement", "added"))
    assert ["standard"] == diffs[0].ids("level", "added")


def test_diff_between_two_rulesets_compares_the_merged_scopes():
    """lm_theme vs partner_award: the shared 2009 framework is no change; the awards differ."""
    d = diff.diff_refs("lm_theme", "partner_award")
    assert ["lm_partner", "lm_partner_network"] == d.ids("award", "added")
    assert ["lm_themed", "lm_extended"] == d.ids("award", "removed")
    assert () == d.of("level")


def test_renderers_and_to_dict(mini):
    """Text, Markdown and JSON render the same changes; to_dict is JSON-ready."""
    d = diff.diff_refs(f"{mini}@1", f"{mini}@2")
    text = diff.render_text(d)
    assert "~ plus threshold changed" in text and "+ top" in text and "- 1.3" in text
    md = diff.render_markdown(d)
    assert "## Levels" in md and "`level >= basic and at least 6 of part extra`" in md
    data = json.loads(diff.render_json(d))
    assert data == json.loads(json.dumps(d.to_dict()))
    assert {"threshold": 2, "added": 1} == data["summary"]["level"]


# -- impact ---------------------------------------------------------------------------------


def _jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_impact_reports_moves_and_the_first_differing_decision(mini, tmp_path):
    """4 of Extra and 2.2: Plus under version 1 (at least 4), Basic under version 2 (5 of 6)."""
    core = ["1.1", "1.2", "2.1", "2.3"]
    rows = [
        {"organisation": "Five", "assessed_on": "2006-01-01", "met": [*core, "1.3", "2.2"],
         "unnamed_met": {"X.other": 4}},
        {"organisation": "Nine", "assessed_on": "2006-01-01", "met": [*core, "1.3", "2.2"],
         "unnamed_met": {"X.other": 9}},
        {"organisation": "None", "assessed_on": "2006-01-01", "met": ["1.1"]},
    ]  # fmt: skip
    im = diff.impact(f"{mini}@1", f"{mini}@2", _jsonl(tmp_path / "p.jsonl", rows))
    assert (3, 3, 0) == (im.organisations, im.judged, im.error_count)
    assert {("plus", "basic"): 1, ("plus", "plus"): 1, ("none", "none"): 1} == dict(im.moves)
    assert (0, 1, 2) == (im.up, im.down, im.same)
    (five,) = [c for c in im.changes if c.organisation == "Five"]
    assert "down" == five.move
    # 2.2 moved into Extra: 4 met under version 1, 5 under version 2
    assert "plus: at least 4 → 6 of Extra: 4 → 5 met" == five.reason
    assert ("none", "basic", "plus", "top") == im.levels


def test_impact_of_2009_on_the_examples():
    """On examples/, every organisation recognised in 2004 terms with wider-framework ids moves up."""
    im = diff.impact("standard@2004", "standard@2009", EXAMPLES)
    assert 0 == im.down and 0 == im.error_count
    assert {"bronze": 2, "silver": 2, "gold": 1} == {
        lv: im.new_levels[lv] for lv in ("bronze", "silver", "gold")
    }
    reasons = {c.organisation: c.reason for c in im.changes}
    assert reasons["Wexcombe Borough Council"].startswith("bronze: new in standard@2009")
    assert "long_service" in reasons["Fennick Mill Textiles Ltd"]


def test_option_1_against_option_3_on_the_examples():
    """--award lm_themed --vs lm_partner: who gains the partner award, who loses the themed one."""
    im = diff.impact(
        "lm_theme", "partner_award", EXAMPLES, award="lm_themed", vs="lm_partner", limit=0
    )
    (aw,) = im.awards
    assert "lm_themed → lm_partner" == aw.label
    gained = {c.organisation for c in im.changes if c.gained}
    lost = {c.organisation for c in im.changes if c.lost}
    assert {"Lanternfly Labs Ltd", "Gwasanaethau Nant-y-Fedw Cyf"} == gained
    assert {"Carrow Dale Housing Association", "Pennick Lane Primary School"} == lost
    assert (aw.gained, aw.lost) == (len(gained), len(lost))
    assert 0 == im.up + im.down


def test_impact_reports_bad_lines_and_carries_on(tmp_path):
    """A malformed JSONL line is reported with its line number; the others are judged."""
    path = tmp_path / "p.jsonl"
    good = {"organisation": "A", "assessed_on": "2010-01-01", "met": []}
    path.write_text(json.dumps(good) + "\n{not json\n\n" + json.dumps(good) + "\n")
    im = diff.impact("standard@2004", "standard@2009", str(path))
    assert (3, 2, 1) == (im.organisations, im.judged, im.error_count)
    assert im.errors[0][0].endswith("p.jsonl:2")


def test_population_reader_falls_back_to_the_precise_reader(tmp_path):
    """Unusual JSONL (a duplicate id) goes through evidence.load, which names the problem."""
    path = _jsonl(
        tmp_path / "p.jsonl",
        [{"organisation": "A", "assessed_on": "2010-01-01", "met": ["1.1", "1.1"]}],
    )
    ((_where, load),) = list(diff.iter_population(path))
    with pytest.raises(Exception, match="listed twice"):
        load()


def test_unknown_award_is_reported():
    """--award naming no award of OLD is an error naming the awards there are."""
    from iiprules.diagnostics import RulesetNotFound

    with pytest.raises(RulesetNotFound, match=r"no award 'nope' \(awards: long_service\)"):
        diff.impact("standard@2009", "partner_award", EXAMPLES, award="nope", vs="lm_partner")


# -- the command ------------------------------------------------------------------------------


def test_cli_diff_text_and_json():
    """Iiprules diff prints the added levels; --format json parses."""
    r = run("diff", "standard@2004", "standard@2009")
    assert 0 == r.returncode, r.stderr
    assert "+ bronze" in r.stdout and "+ gold" in r.stdout
    r = run("diff", "standard@2004", "standard@2009", "--format", "json")
    assert ["bronze", "silver", "gold"] == [
        c["id"] for c in json.loads(r.stdout)["changes"] if c["kind"] == "level"
    ]


def test_cli_diff_population_with_award_pair():
    """The documented Option 1 vs Option 3 command runs and reports gains and losses."""
    r = run(
        "diff", "lm_theme", "partner_award", "--population", "examples/",
        "--award", "lm_themed", "--vs", "lm_partner", "--impact-only",
    )  # fmt: skip
    assert 0 == r.returncode, r.stderr
    assert "lm_themed → lm_partner" in r.stdout
    assert "Lanternfly Labs Ltd" in r.stdout
    assert "judged 15 organisation(s)" in r.stderr


def test_cli_diff_errors_exit_2():
    """An unknown version or award is one message and exit code 2."""
    r = run("diff", "standard@1999", "standard")
    assert 2 == r.returncode and "no version '1999'" in r.stderr
    r = run("diff", "lm_theme", "partner_award", "--population", "examples/", "--award", "x")
    assert 2 == r.returncode and "has no award 'x'" in r.stderr
