"""Formatting keeps comments: text and order kept, model unchanged, a fixed point.

For every packaged ruleset, and for generated rulesets with comments injected at
random places (own-line and end-of-line, anywhere outside a quoted text).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iiprules import api, parse, unparse

from .strategies import rulesets

# Where quoted texts are, so that injected comments never land inside one.
_STRING = re.compile(r'"""(.|\n)*?"""|"([^"\\\n]|\\.)*"')


def comment_texts(text: str) -> list[str]:
    """The comments of a ruleset's text, in order, as the parser saw them."""
    return [c.text for c in parse(text).trivia.comments]


def assert_formatting_keeps_comments(text: str) -> None:
    """The three properties of ``fmt`` on one text."""
    model = parse(text)
    once = unparse(model)
    assert model == parse(once)
    assert [c.text for c in model.trivia.comments] == comment_texts(once)
    assert once == unparse(parse(once))


@pytest.mark.parametrize("name", api.packaged_names())
def test_packaged_rulesets_keep_their_comments(name):
    """Each packaged ruleset formats with all its comments, in order, to a fixed point."""
    text = (api.packaged_dir() / f"{name}.rules").read_text(encoding="utf-8")
    assert comment_texts(text), "the packaged rulesets have comments to keep"
    assert_formatting_keeps_comments(text)


def _safe_points(text: str) -> tuple[list[int], list[int], list[int]]:
    """Offsets of line starts, line ends and spaces between words, outside quoted texts."""
    inside: list[tuple[int, int]] = [(mo.start(), mo.end()) for mo in _STRING.finditer(text)]

    def outside(pos: int) -> bool:
        return not any(a < pos < b for a, b in inside)

    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n" and i + 1 < len(text)]
    ends = [i for i, ch in enumerate(text) if ch == "\n"]
    gaps = [i for i in range(1, len(text)) if text[i] == " " and text[i - 1] not in " \n"]
    return (
        [p for p in starts if outside(p)],
        [p for p in ends if outside(p)],
        [p for p in gaps if outside(p)] or ends,
    )


@st.composite
def commented(draw: st.DrawFn) -> str:
    """A generated ruleset's text with comments (and blank lines) injected at random."""
    text = unparse(draw(rulesets()))
    starts, ends, gaps = _safe_points(text)
    points = draw(
        st.lists(
            st.one_of(
                st.tuples(st.sampled_from(starts), st.just("own")),
                st.tuples(st.sampled_from(ends), st.just("eol")),
                st.tuples(st.sampled_from(starts), st.just("blank")),
                # A comment in the middle of a construct splits it over two lines.
                st.tuples(st.sampled_from(gaps), st.just("split")),
            ),
            min_size=1,
            max_size=12,
        )
    )
    # Insert from the end so earlier offsets stay valid; number them in text order.
    inserts = sorted(points, key=lambda p: p[0])
    out = text
    for n, (pos, kind) in reversed(list(enumerate(inserts))):
        if kind == "own":
            out = out[:pos] + f"  # note {n}: {{ }} \" (not code)\n" + out[pos:]
        elif kind == "eol":
            out = out[:pos] + f"   # end {n}" + out[pos:]
        elif kind == "split":
            out = out[:pos] + f" # inside {n}\n" + out[pos:]
        else:
            out = out[:pos] + "\n" + out[pos:]
    return out


@given(commented())
def test_generated_rulesets_with_comments_format_losslessly(text):
    """Comments injected anywhere survive formatting in order; the model is unchanged."""
    assert_formatting_keeps_comments(text)
