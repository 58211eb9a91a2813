"""The Sphinx extension, asserted on the HTML it builds from small projects in ``roots/``."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

# -- reading HTML -----------------------------------------------------------------------


class _Cell:
    def __init__(self, classes: list[str]) -> None:
        self.classes = classes
        self.text = ""
        self.hrefs: list[str] = []
        self.links: list[str] = []  # the text of each link


class _Tables(HTMLParser):
    """Collects the rows of the tables that have a given class."""

    def __init__(self, table_class: str) -> None:
        super().__init__()
        self.table_class = table_class
        self.tables: list[list[list[_Cell]]] = []
        self.depth = 0
        self.cell: _Cell | None = None
        self.in_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif self.table_class in classes:
                self.depth = 1
                self.tables.append([])
        elif self.depth == 1 and tag == "tr":
            self.tables[-1].append([])
        elif self.depth == 1 and tag in ("td", "th"):
            self.cell = _Cell(classes)
            self.tables[-1][-1].append(self.cell)
        elif self.cell is not None and tag == "a":
            self.cell.hrefs.append(a.get("href") or "")
            self.cell.links.append("")
            self.in_link = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "a":
            self.in_link = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.text += data
            if self.in_link:
                self.cell.links[-1] += data


def tables(html: str, table_class: str) -> list[list[list[_Cell]]]:
    parser = _Tables(table_class)
    parser.feed(html)
    return parser.tables


def text(html: str) -> str:
    """The visible text of a page's body, whitespace collapsed."""
    body = html.split('<div class="body"', 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    blocks = r"</?(?:p|div|dl|dt|dd|ul|ol|li|table|tr|td|th|pre|h\d|br)\b[^>]*>"
    plain = re.sub(r"<[^>]+>", "", re.sub(blocks, " ", body))
    plain = plain.replace("&#8217;", "'").replace("’", "'").replace("&amp;", "&")
    plain = plain.replace("&quot;", '"')
    plain = re.sub(r"\s+", " ", plain)
    return plain.replace(" :", ":").replace(" ¶", "")


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# -- requirements, anchors, conditions ------------------------------------------------


def test_requirements_render_with_their_anchors(build):
    """Every requirement of the newest version is on the page with an iip-req-<id> anchor."""
    page = build("basic").html("index")
    for rid in ("a-1", "a-3", "b-1", "b-2", "b-3"):
        assert f'id="iip-req-{rid}"' in page
    assert 'id="iip-req-a-2"' not in page  # removed in version 2
    body = text(page)
    assert "Top managers can describe the plan and its targets." in body
    assert "Unions are consulted on the plan." in body


def test_requirement_shows_who_part_and_provenance(build):
    """A requirement says who gives the evidence, its part and its sources with confidence."""
    page = build("basic").html("index")
    a1 = page.split('id="iip-req-a-1"', 1)[1].split("</dl>\n</dd></dl>", 1)[0]
    assert "top managers" in text(a1)
    assert "test source one" in a1
    assert 'class="iip-confidence iip-confidence-confirmed"' in a1
    b1 = text(page.split('id="iip-req-b-1"', 1)[1].split('id="iip-req-b-2"', 1)[0])
    assert "Added in: version 2" in b1


def test_conditions_read_as_plain_english(build):
    """Levels, awards, invariants and 'applies when' are described in words, counts included."""
    body = text(build("basic").html("index"))
    assert "Requires: all 2 requirements of the core and unions is true" in body
    assert ("Requires: recognised at Basic or above and at least 2 of the 3 requirements of "
            "the extras") in body
    assert "Eligible when: recognised at Advanced or above or all of B.1 and B.2" in body
    assert "Holds: if recognised at Advanced or above, then eligible for Star award" in body
    assert "Applies: only when unions is true" in body


def test_packaged_standard_conditions_in_plain_english(build):
    """The Standard's levels read "all 39 requirements of the Standard", "at least 26 of the 126"."""
    body = text(build("matrix").html("standard"))
    assert "Requires: all 39 requirements of the Standard and at least 2 employees" in body
    assert ("Requires: recognised at Investor in People or above and at least 26 of the 126 "
            "requirements of the wider framework") in body
    assert ("Requires: recognised at Investor in People or above and all 126 requirements of "
            "the wider framework") in body


def test_conditions_are_also_shown_as_written_and_highlighted(build):
    """The condition as written is a highlighted iiprules block; code-block iiprules works."""
    page = build("basic").html("index")
    assert page.count("highlight-iiprules") >= 4
    assert '<span class="kd">level</span>' in page  # a declaration keyword, by our lexer
    assert "Lexing" not in build("basic").warning_text


def test_examples_are_a_table_run_at_build_time(build):
    """Embedded examples are a table with the evidence, the expectation and the verdict."""
    rows = tables(build("basic").html("index"), "iip-examples")[0]
    header, *body = rows
    assert ["Example", "Version", "Evidence", "Expected", "Now"] == [squash(c.text)
                                                                       for c in header]
    by_name = {squash(r[0].text): r for r in body}
    advanced = by_name["advanced"]
    assert "2" == squash(advanced[1].text)
    assert "met: the core and the extras" == squash(advanced[2].text)
    assert "level Advanced eligible for Star award" == squash(advanced[3].text)
    assert "passes" == squash(advanced[4].text)


def test_assumptions_are_anchors_that_sources_link_to(build):
    """'Assumption A1' in a source links to the ruleset's assumption A1 on the same page."""
    page = build("basic").html("index")
    assert 'id="iip-demo-a1"' in page
    assert 'href="#iip-demo-a1"' in page


# -- cross-references -------------------------------------------------------------------


def test_roles_link_to_the_items(build):
    """:iip:req:, :iip:level:, :iip:award:, :iip:indicator: resolve, also across pages."""
    built = build("basic")
    index = built.html("index")
    for href in ("#iip-req-a-1", "#iip-level-advanced", "#iip-award-star",
                 "#iip-indicator-i1", "#iip-req-b-2", "#iip-req-b-3"):
        assert f'href="{href}"' in index
    assert "and the third." in text(index)
    other = built.html("other")
    assert 'href="index.html#iip-req-a-1"' in other
    assert 'href="index.html#iip-level-basic"' in other


def test_versioned_target_resolves_to_the_versions_page(build):
    """``demo@1:A.2`` links to requirement A.2 as rendered for version 1."""
    page = build("basic").html("versions")
    assert 'href="#iip-req-a-2"' in page
    assert 'id="iip-req-a-2"' in page


def test_unknown_reference_warns_with_file_and_line(build):
    """An unknown requirement is a warning at the role's file:line, with a suggestion."""
    warnings = build("basic").warning_text
    match = re.search(r"other\.rst:(\d+): WARNING: unknown requirement 'Z\.9'", warnings)
    assert match is not None, warnings
    assert 8 == int(match.group(1))
    assert 1 == warnings.count("WARNING")


def test_single_items_render_from_the_default_ruleset(build):
    """iip:requirement and iip:level render one item from the default ruleset."""
    body = text(build("basic").html("other"))
    assert "Managers can explain the targets." in body
    assert "Requires: recognised at Basic or above and at least 2 of the 3" in body


def test_requirement_index_lists_requirements(build):
    """The domain index lists each requirement with a link and its text."""
    page = build("basic").outdir.joinpath("iip-reqindex.html").read_text(encoding="utf-8")
    assert 'href="index.html#iip-req-b-1"' in page
    assert "Managers can explain the targets." in page


# -- versions ----------------------------------------------------------------------------


def test_version_changes_list_added_removed_and_changed(build):
    """The changes page says what version 2 adds, removes and changes against version 1."""
    page = build("basic").html("versions")
    changes = tables(page, "iip-changes")
    flat = [[squash(c.text) for c in row] for t in changes for row in t]
    assert ["A.2", "People know the plan. (evidence from people)"] in flat
    assert any(row[:2] == ["A.1", "text"] for row in flat)
    changed_basic = next(row for row in flat if row[0] == "basic")
    assert "condition" == changed_basic[1]
    assert "Basic: requires all 3 requirements of the core" == changed_basic[2]
    assert "Basic: requires all 2 requirements of the core and unions is true" == changed_basic[3]
    added = {row[0] for row in flat if len(row) == 2}
    assert {"B.1", "B.2", "B.3", "advanced", "star", "advanced_star", "extras"} <= added


# -- the mapping matrix -----------------------------------------------------------------

#: Appendix 2 of the L&M report, as rulesets/lm_theme.rules maps it: for each L&M
#: indicator, the Standard's statements and the wider framework's, in the report's order.
APPENDIX_2 = {
    "LM1": (["4.1"], ["W4.1", "W4.2"]),
    "LM2": ([], ["W5.1", "W5.2", "W4.3", "W5.3"]),
    "LM3": (["4.1"], ["W4.1", "W3.1", "W4.2"]),
    "LM4": (["4.1"], ["W4.3", "W4.4", "W4.5", "W4.6"]),
    "LM5": ([], ["W3.2", "W3.3"]),
    "LM6": (["6.1", "6.2", "6.3"], ["W5.4", "W5.5", "W6.1", "W6.2"]),
    "LM7": (["3.1", "3.2", "3.3", "3.4", "3.5"], ["W4.7", "W2.1", "W2.2", "W2.3", "W8.1"]),
    "LM8": (["9.3"], ["W9.1", "W4.7", "W4.5", "W9.2", "W9.3"]),
    "LM9": (["10.1", "10.2", "10.3"],
            ["W10.1", "W10.2", "W10.3", "W10.4", "W10.5", "W10.6", "W4.2", "W10.7", "W10.8",
             "W10.9"]),
}


def test_mapping_matrix_matches_appendix_2_row_for_row(build):
    """Nine rows LM1..LM9; for each, the Standard and wider-framework ids of Appendix 2."""
    (matrix,) = tables(build("matrix").html("index"), "iip-matrix")
    header, *rows = matrix
    assert ["Indicator", "Its requirements", "The Standard", "The wider framework"] == [
        squash(c.text) for c in header]
    assert list(APPENDIX_2) == [row[0].links[0] for row in rows]
    for row in rows:
        standard, wider = APPENDIX_2[row[0].links[0]]
        assert standard == row[2].links, row[0].links[0]
        assert wider == row[3].links, row[0].links[0]
        assert "iip-col-standard" in row[2].classes and "iip-col-extended" in row[3].classes


def test_mapping_matrix_links_both_ways(build):
    """Cells link to the Standard's requirements; those link back to the L&M indicators."""
    built = build("matrix")
    (matrix,) = tables(built.html("index"), "iip-matrix")
    lm1 = matrix[1]
    assert "lm_theme.html#iip-indicator-lm1" == lm1[0].hrefs[0]
    assert "standard.html#iip-req-4-1" == lm1[2].hrefs[0]
    assert "standard.html#iip-req-w4-2" == lm1[3].hrefs[1]
    standard = built.html("standard")
    req_41 = standard.split('id="iip-req-4-1"', 1)[1].split('id="iip-req-4-2"', 1)[0]
    back = text(req_41)
    assert "Mapped from: LM1, LM3, LM4 (ruleset lm_theme)" in back
    assert 'href="lm_theme.html#iip-indicator-lm1"' in req_41
    assert "" == built.warning_text


def test_derived_requirements_say_what_they_are_met_through(build):
    """An L&M requirement names the framework statements it is met through, as links."""
    page = build("matrix").html("lm_theme")
    lm11 = page.split('id="iip-req-lm1-1"', 1)[1].split('id="iip-req-lm1-2"', 1)[0]
    assert ("Met through: all of 4.1, W4.1 and W4.2 (its indicator's mapping)"
            in text(lm11))
    assert 'href="standard.html#iip-req-w4-1"' in lm11


# -- the checker, dependencies, parallel builds ------------------------------------------


def test_checker_diagnostics_become_warnings_at_the_directive(build):
    """Checker warnings and errors are Sphinx warnings at the directive, naming file:line:col."""
    warnings = build("check").warning_text
    assert re.search(r"index\.rst:4: WARNING: ruleset warned: \S*warned\.rules:10:25: "
                     r"warning IIP250: requirement 'A\.1' has no source", warnings), warnings
    assert re.search(r"index\.rst:6: WARNING: ruleset broken\.rules has errors: \S*broken\.rules:6:25: "
                     r"error IIP221: unknown part 'nowhere'", warnings), warnings
    assert re.search(r"index\.rst:8: WARNING: no packaged ruleset 'no_such_ruleset'", warnings)
    assert "iip.check" in warnings


def test_rules_files_are_dependencies(build):
    """Each document depends on the .rules files it renders, and on the rulesets they use."""
    deps = build("matrix").app.env.dependencies
    assert any(str(d).endswith("standard.rules") for d in deps["standard"])
    lm_deps = {Path(d).name for d in deps["lm_theme"]}
    assert {"lm_theme.rules", "standard.rules"} <= lm_deps


def test_editing_a_rules_file_rebuilds_the_page(fresh_build):
    """After a .rules file changes, an incremental build shows the new text."""
    first = fresh_build("basic")
    rules = first.srcdir / "demo.rules"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "Managers can explain the targets.", "Managers can explain every target."),
        encoding="utf-8")
    later = rules.stat().st_mtime + 10
    os.utime(rules, (later, later))
    second = fresh_build("basic")
    assert "Managers can explain every target." in second.html("index")
    assert "Managers can explain every target." in second.html("other")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="parallel builds need fork")
def test_parallel_build_gives_the_same_links(fresh_build):
    """With parallel reading, objects from every process are merged and links resolve."""
    built = fresh_build("basic", parallel=2)
    assert 'href="index.html#iip-req-a-1"' in built.html("other")
    assert 'href="#iip-req-a-2"' in built.html("versions")
    assert 1 == built.warning_text.count("WARNING")


# -- the lexer ---------------------------------------------------------------------------


def test_lexer_covers_the_packaged_rulesets_without_errors():
    """The Pygments lexer never yields an error token and gives back the text it was given."""
    from pygments.token import Error, Keyword, Name

    import iiprules
    from iiprules.api import packaged_dir
    from iiprules.lexer import RulesLexer

    for name in iiprules.packaged_names():
        source = (packaged_dir() / f"{name}.rules").read_text(encoding="utf-8")
        tokens = list(RulesLexer().get_tokens(source))
        assert [] == [v for t, v in tokens if t is Error], name
        assert source == "".join(v for _, v in tokens)  # the files end with a newline
    tokens = [(t, v) for t, v in RulesLexer().get_tokens("    requirement 4.1 in standard {")
              if v.strip()]
    assert (Keyword.Declaration, "requirement") == tokens[0]
    assert (Name.Label, "4.1") == tokens[1]


def test_a_ruleset_rendered_twice_warns_once(build):
    """Rendering the same ruleset on two pages is one duplicate warning, not one per item."""
    warnings = build("check").warning_text
    assert 1 == warnings.count("is already rendered in"), warnings
    assert "duplicate description" not in warnings
