"""Write the bad-input corpus: rule files, evidence files and populations, one fault each.

Run from the checkout (``python tests/bad_inputs/make_corpus.py``) to recreate the
inputs; then ``pytest tests/safety/test_bad_inputs.py --update-golden`` writes each
input's ``.expected`` (exit code and exact message) for review. The inputs are
made by this script rather than by hand so that the big ones (alias bombs, deep
nesting, long values) stay reproducible and the classes are easy to see.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOOD_RULES = (HERE.parents[1] / "tests/golden/good/basics/two_levels.rules").read_text()
HOLE = "requires level >= recognised and all of part extra"


def rules(name: str, text: str) -> None:
    (HERE / "rules" / f"{name}.rules").write_bytes(text.encode("utf-8", "surrogateescape"))


def cond(name: str, requires: str) -> None:
    rules(name, GOOD_RULES.replace(HOLE, "requires " + requires))


def sub(name: str, old: str, new: str) -> None:
    assert old in GOOD_RULES, old
    rules(name, GOOD_RULES.replace(old, new, 1))


GOOD_EVIDENCE = """organisation: Bad Input Ltd
assessed_on: 2010-06-01
met:
  - 1.1
  - 1.2
facts:
  representative_groups: false
  employees: 12
"""


def evidence(name: str, text: str | bytes, suffix: str = ".yaml") -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    (HERE / "evidence" / f"{name}{suffix}").write_bytes(data)


def ev_sub(name: str, old: str, new: str) -> None:
    assert old in GOOD_EVIDENCE, old
    evidence(name, GOOD_EVIDENCE.replace(old, new, 1))


def ev_json(name: str, doc: object) -> None:
    evidence(name, json.dumps(doc), ".json")


ROW = {"organisation": "Row Ltd", "assessed_on": "2010-06-01", "met": ["1.1"]}


def population(name: str, text: str | bytes, suffix: str = ".jsonl") -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    (HERE / "population" / f"{name}{suffix}").write_bytes(data)


def pop_rows(name: str, *bad: object) -> None:
    """A good row, the bad ones, a good row: one error row each, the others judged."""
    lines = [json.dumps(ROW), *(b if isinstance(b, str) else json.dumps(b) for b in bad),
             json.dumps({**ROW, "organisation": "Last Ltd"})]  # fmt: skip
    population(name, "\n".join(lines) + "\n")


def main() -> None:
    for d in ("rules", "evidence", "population"):
        (HERE / d).mkdir(exist_ok=True)
        for f in (HERE / d).iterdir():
            if not f.name.endswith(".expected"):
                f.unlink()

    # -- rules: syntax ------------------------------------------------------------------
    rules("empty", "")
    rules("only_comment", "# nothing here\n")
    rules("binary", "\x00\x01\x02ruleset\x00")
    rules("not_utf8", "ruleset tiny\n\udcff\udcfe\n")
    sub("unclosed_brace", "        }\n    }\n    level", "        }\n    level")
    sub("stray_brace", "    part core", "    }\n    part core")
    sub("single_quotes", '"Core"', "'Core'")
    sub("unclosed_string", 'part core "Core"', 'part core "Core')
    sub("unclosed_doc", '    part core "Core"', '    doc """never closed\n    part core "Core"')
    sub("bad_date", "effective 2004-01-01", "effective 2004-02-30")
    sub("bad_date_format", "effective 2004-01-01", "effective 20040101")
    sub("misspelt_keyword", "requirement 1.2", "requirment 1.2")
    sub("missing_by", "requirement 1.2 in core by people", "requirement 1.2 in core")
    sub("unknown_who", "by people", "by everyone")
    sub("unknown_part", "in extra", "in nowhere")
    sub("unknown_level_ref", "level >= recognised", "level >= gold")
    sub("duplicate_requirement", "requirement 1.2", "requirement 1.1")
    sub("no_version", "version 1 effective 2004-01-01 {", "{")
    sub("bad_fact_type", "fact network: boolean", "fact network: colour")
    sub("tab_in_name", "ruleset tiny", "ruleset ti\tny")
    rules("truncated", GOOD_RULES[: len(GOOD_RULES) // 2])
    rules("doubled", GOOD_RULES + GOOD_RULES)
    # -- rules: deep and long ---------------------------------------------------------------
    cond("union_chain_990", "all of " + " + ".join(["part extra"] * 990))
    cond("within_chain_990", "all of part extra" + " within part core" * 990)
    cond("except_chain_990", "all of part extra" + " except part core" * 990)
    cond("not_chain_1000", "not " * 1000 + "network")
    cond("implies_chain_1000", " implies ".join(["network"] * 1000))
    cond("parens_5000", "(" * 5000 + "network" + ")" * 5000)
    cond("nested_and_or_100", "(network and (" * 100 + "network" + "))" * 100)
    cond("number_5000_digits", "at least " + "9" * 5000 + " of part extra")
    cond("number_4301_digits", "count of part extra >= " + "1" * 4301)
    cond("unknown_fact", "no_such_fact")
    cond("fact_compared_with_text", 'network = "yes"')
    cond("at_least_more_than_there_are", "at least 5 of part extra")
    cond("empty_selection", "all of []")
    cond("level_cycle", "level >= extended")
    cond("unknown_topic", "all of topic nowhere")
    cond("unknown_indicator", "all of indicator 99")
    # -- evidence: reading ---------------------------------------------------------------------
    evidence("empty", "")
    evidence("only_comment", "# nothing\n")
    evidence("binary", b"\x00\x01\x02\xff")
    evidence("not_utf8", GOOD_EVIDENCE.encode().replace(b"Bad Input", b"Bad \xff Input"))
    evidence("not_yaml", "organisation: [unclosed\n")
    evidence("tabs_yaml", "organisation:\tX\n\tassessed_on: 2010-06-01\n")
    evidence("not_json", '{"organisation": "X",', ".json")
    evidence("json_trailing", json.dumps(ROW) + " {}", ".json")
    evidence("a_list", "- 1\n- 2\n")
    evidence("a_string", "just text\n")
    evidence("a_number", "42\n")
    evidence("json_list", "[1, 2]", ".json")
    anchors = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)
    )
    evidence("alias_bomb", anchors + GOOD_EVIDENCE)
    evidence("alias_bomb_in_notes", GOOD_EVIDENCE + "notes: " + anchors.replace("\n", " ") + "\n")
    evidence("deep_yaml", "notes: " + "[" * 5000 + "]" * 5000 + "\n" + GOOD_EVIDENCE)
    evidence("deep_json", '{"notes": ' + "[" * 20_000 + "]" * 20_000 + "}", ".json")
    evidence("duplicate_key_yaml", GOOD_EVIDENCE + "met:\n  - 1.3\n")
    evidence("duplicate_key_json",
             '{"organisation": "X", "assessed_on": "2010-06-01", "met": [], "met": ["1.1"]}',
             ".json")  # fmt: skip
    evidence("duplicate_fact_key", GOOD_EVIDENCE + "  employees: 13\n")
    # -- evidence: fields -----------------------------------------------------------------------
    ev_sub("date_compact", "2010-06-01", "20100601")
    ev_sub("date_week", "2010-06-01", "2010-W22-2")
    ev_sub("date_no_day", "2010-06-01", "2010-02-30")
    ev_sub("date_mapping", "assessed_on: 2010-06-01", "assessed_on: {year: 2010}")
    ev_sub("date_list", "assessed_on: 2010-06-01", "assessed_on: [2010, 6, 1]")
    ev_sub("date_number", "assessed_on: 2010-06-01", "assessed_on: 2010")
    ev_sub("date_with_time", "2010-06-01", "2010-06-01T10:00:00")
    ev_sub("date_year_0", "2010-06-01", "0000-06-01")
    ev_sub("date_before_rules", "2010-06-01", "1990-06-01")
    ev_sub("date_long_value", "2010-06-01", "2" * 10_000)
    ev_sub("organisation_missing", "organisation: Bad Input Ltd\n", "")
    ev_sub("organisation_empty", "organisation: Bad Input Ltd", "organisation: ''")
    ev_sub("organisation_list", "organisation: Bad Input Ltd", "organisation: [a, b]")
    ev_sub("organisation_long", "Bad Input Ltd", "B" * 10_000)
    ev_sub("met_null", "met:\n  - 1.1\n  - 1.2\n", "met: null\n")
    ev_sub("met_text", "met:\n  - 1.1\n  - 1.2\n", "met: 1.1\n")
    ev_sub("met_mapping", "met:\n  - 1.1\n  - 1.2\n", "met: {1.1: yes}\n")
    ev_sub("met_twice", "  - 1.2\n", "  - 1.1\n")
    ev_sub("met_unknown", "  - 1.2\n", "  - 99.9\n")
    ev_sub("met_other_version", "  - 1.2\n", "  - W9.9\n")
    ev_sub("met_nested_list", "  - 1.2\n", "  - [1.2]\n")
    ev_sub("met_float_id", "  - 1.2\n", "  - 1.10\n")
    ev_sub("met_long_id", "  - 1.2\n", "  - " + "x" * 10_000 + "\n")
    evidence("met_many_duplicates", GOOD_EVIDENCE.replace("  - 1.1\n  - 1.2\n",
             "".join(f"  - '{i}'\n" for i in range(5000)) + "  - '0'\n"))  # fmt: skip
    ev_sub("unknown_field", "facts:", "colour: blue\nfacts:")
    ev_sub("misspelt_field", "facts:", "fatcs:")
    ev_sub("facts_null", "facts:\n  representative_groups: false\n  employees: 12\n",
           "facts: null\n")  # fmt: skip
    ev_sub("facts_list", "facts:\n  representative_groups: false\n  employees: 12\n",
           "facts: [employees]\n")  # fmt: skip
    ev_sub("fact_unknown", "employees: 12", "employees: 12\n  shoe_size: 9")
    ev_sub("fact_wrong_type", "employees: 12", "employees: twelve")
    ev_sub("fact_bool_as_text", "representative_groups: false", "representative_groups: 'no'")
    ev_sub("fact_float", "employees: 12", "employees: 12.5")
    ev_sub("fact_huge", "employees: 12", "employees: " + "9" * 400)
    ev_sub("unnamed_null", "facts:", "unnamed_met: null\nfacts:")
    ev_sub("unnamed_negative", "facts:", "unnamed_met:\n  W.other: -1\nfacts:")
    ev_sub("unnamed_too_many", "facts:", "unnamed_met:\n  W.other: 3000000000\nfacts:")
    ev_sub("unnamed_unknown", "facts:", "unnamed_met:\n  W.nothing: 1\nfacts:")
    ev_sub("unnamed_text", "facts:", "unnamed_met:\n  W.other: lots\nfacts:")
    ev_sub("pending_and_met", "facts:", "pending:\n  - 1.1\nfacts:")
    ev_sub("history_bad_date", "facts:", "history:\n  - assessed_on: 20070101\nfacts:")
    ev_sub("history_after", "facts:", "history:\n  - assessed_on: 2012-01-01\nfacts:")
    ev_sub("history_not_list", "facts:", "history: yes\nfacts:")
    ev_sub("history_unknown_field", "facts:", "history:\n  - assessed_on: 2007-01-01\n"
           "    colour: red\nfacts:")  # fmt: skip
    ev_json("json_met_null", {**ROW, "met": None})
    ev_json("json_huge_int_fact", {**ROW, "facts": {"employees": 10**30}})
    ev_json("json_bool_count", {**ROW, "unnamed_met": {"W.other": True}})
    ev_json("json_date_compact", {**ROW, "assessed_on": "20100601"})
    # -- populations -----------------------------------------------------------------------------
    pop_rows("two_objects_on_a_line", json.dumps(ROW) + " " + json.dumps(ROW))
    pop_rows("object_split_over_lines", '{"organisation": "Split",', ' "met": []}')
    pop_rows("duplicate_key_row", json.dumps(ROW)[:-1] + ', "met": []}')
    pop_rows("met_null_row", {**ROW, "met": None})
    pop_rows("huge_int_row", {**ROW, "facts": {"employees": 10**19}})
    pop_rows("huge_count_row", {**ROW, "unnamed_met": {"W.other": 3_000_000_000}})
    pop_rows("compact_date_row", {**ROW, "assessed_on": "20100601"})
    pop_rows("week_date_row", {**ROW, "assessed_on": "2010-W22-2"})
    pop_rows("mapping_date_row", {**ROW, "assessed_on": {"y": 2010}})
    pop_rows("long_value_row", {**ROW, "organisation": "N" * 10_000, "assessed_on": "x" * 10_000})
    pop_rows("not_json_row", "this is not json")
    pop_rows("list_row", [1, 2, 3])
    pop_rows("deep_row", "[" * 20_000 + "]" * 20_000)
    population("bad_utf8", json.dumps(ROW).encode() + b"\n" + b'{"organisation": "\xff"}\n')
    population("csv_bad_cell", "organisation,assessed_on,1.1\nKeep Name Ltd,2010-06-01,maybe\n"
               "Fine Ltd,2010-06-01,1\n", ".csv")  # fmt: skip
    population("csv_unknown_column", "organisation,assessed_on,colour\nX,2010-06-01,red\n",
               ".csv")  # fmt: skip
    population("csv_twice_column", "organisation,organisation\nX,Y\n", ".csv")
    population("csv_bad_utf8", b"organisation,assessed_on\nA\xb2,2010-06-01\nB,2010-06-01\n",
               ".csv")  # fmt: skip
    population("csv_empty", "", ".csv")
    population("csv_huge_int", "organisation,assessed_on,employees\nX,2006-03-01,"
               + "9" * 30 + "\n", ".csv")  # fmt: skip
    population("json_not_list", '"text"', ".json")
    population("json_duplicate_in_item",
               '[{"organisation": "A", "assessed_on": "2010-06-01", "met": [], "met": []}]',
               ".json")  # fmt: skip
    population("json_broken", '[{"organisation": "A"},', ".json")
    population("unknown_suffix", "x", ".txt")


if __name__ == "__main__":
    main()
