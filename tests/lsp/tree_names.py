"""The names of a ruleset as the parse tree sees them: the truth the lexical reader is tested against."""

from __future__ import annotations

from lark import Token, Tree

from iiprules.syntax import _parser

_DECL = {"part", "topic", "principle", "indicator", "level", "award", "invariant", "fact",
         "requirement", "unnamed", "ruleset", "version"}
_KIND = {"unnamed": "requirement", "in_part": "part", "in_topic": "topic", "sel_part": "part",
         "sel_indicator": "indicator", "sel_principle": "principle", "sel_topic": "topic",
         "sel_list": "requirement", "level_cmp": "level", "award_ref": "award",
         "fact_true": "fact", "fact_cmp": "fact", "years_since": "fact", "given_fact": "fact",
         "expect_level": "level", "expect_award": "award", "expect_no_award": "award",
         "extend": "indicator"}


def tree_names(text: str) -> set[tuple[int, str, str, bool]]:
    """(offset, kind, name, is_declaration) for every ID token of the parse tree."""
    tree = _parser().parse(text)
    out: set[tuple[int, str, str, bool]] = set()
    for sub in tree.iter_subtrees():
        rule = sub.data
        ids = [c for c in sub.children if isinstance(c, Token) and c.type == "ID"]
        if not ids:
            continue
        if rule in ("uses", "amends"):
            out.add((ids[0].start_pos, "ruleset", str(ids[0]), False))
            if len(ids) > 1:
                out.add((ids[1].start_pos, "version", str(ids[1]), False))
        elif rule == "remove":
            kind = next(c for c in sub.children if isinstance(c, Tree)).children[0]
            out.add((ids[0].start_pos, str(kind), str(ids[0]), False))
        elif rule in _DECL:
            out.add((ids[0].start_pos, _KIND.get(rule, rule), str(ids[0]), True))
        else:
            for t in ids:
                out.add((t.start_pos, _KIND[rule], str(t), False))
    return out
