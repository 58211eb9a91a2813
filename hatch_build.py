"""Hatch build hook: the wheel carries parser tables made from the grammar it ships.

``iiprules/_parser_tables.pickle`` is committed beside the code; when it does not
match ``grammar/rules.lark`` (someone changed the grammar and did not run
``python -m iiprules._parser_build``), the hook makes it again before the wheel
is assembled, so an installed iiprules never rebuilds its parser at start-up.
The generator is loaded by its path: the isolated build environment has Lark
(``build-system.requires``) but not iiprules' other dependencies.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ParserTablesHook(BuildHookInterface):  # type: ignore[misc]
    """Regenerate stale parser tables before building."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Make the tables again when they were made from another grammar text."""
        root = Path(self.root)
        spec = importlib.util.spec_from_file_location(
            "_iiprules_parser_build", root / "iiprules" / "_parser_build.py"
        )
        assert spec is not None and spec.loader is not None
        pb = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(pb)
        grammar = root / "grammar" / "rules.lark"
        tables = pb.read(pb.TABLES)
        fresh = pb.grammar_sha256(grammar.read_text(encoding="utf-8"))
        if tables is None or tables.get("grammar_sha256") != fresh:
            pb.write(grammar, pb.TABLES)
