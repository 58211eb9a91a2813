"""The Pygments lexer is registered: any Pygments user finds it by name or by file name."""

from __future__ import annotations

from pathlib import Path

from pygments import lex
from pygments.lexers import find_lexer_class_by_name, get_lexer_for_filename
from pygments.token import Error

from iiprules.lexer import RulesLexer

RULESETS = sorted((Path(__file__).resolve().parents[2] / "rulesets").glob("*.rules"))


def test_found_by_name_and_by_file_name() -> None:
    """`find_lexer_class_by_name('iiprules')` and `*.rules` both give our lexer."""
    assert RulesLexer is find_lexer_class_by_name("iiprules")
    assert isinstance(get_lexer_for_filename("lm_theme.rules"), RulesLexer)


def test_packaged_rulesets_lex_without_error_tokens() -> None:
    """Every packaged ruleset highlights with no error token (Sphinx would warn on one)."""
    for path in RULESETS:
        kinds = {kind for kind, _ in lex(path.read_text(encoding="utf-8"), RulesLexer())}
        assert Error not in kinds, path.name
