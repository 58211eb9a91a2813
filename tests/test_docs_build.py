"""The documentation site builds with warnings as errors, and its examples are valid rules.

``sphinx-build -W -b html docs <tmp>`` is what CI runs: a broken
cross-reference, a checker warning in a ruleset, a failing embedded example
or a command whose output changed its exit code fails this test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import iiprules
from iiprules.diagnostics import RulesError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs built once, exactly as CI builds them."""
    out = tmp_path_factory.mktemp("html")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "docs", str(out)],
        cwd=ROOT, capture_output=True, text=True)
    assert 0 == proc.returncode, proc.stdout + proc.stderr
    return out


def test_docs_build_without_warnings(site):
    """sphinx-build -W succeeds and writes the home page and the ruleset pages."""
    for page in ("index", "tutorial", "language", "cli", "api", "rulesets/standard",
                 "rulesets/lm_theme", "rulesets/partner_award", "rulesets/lm_mapping"):
        assert (site / f"{page}.html").is_file(), page


def test_site_links_requirements_by_anchor(site):
    """The L&M mapping page links into the Standard's page by requirement anchors."""
    mapping = (site / "rulesets" / "lm_mapping.html").read_text(encoding="utf-8")
    assert 'href="standard.html#iip-req-4-1"' in mapping
    assert 9 == len(re.findall(r'href="lm_theme.html#iip-indicator-lm\d"', mapping))


def test_every_version_of_every_ruleset_has_a_page():
    """Each version of each packaged ruleset is rendered by an iip:version-changes page."""
    pages = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.rst"))
    found = set(re.findall(r"\.\. iip:version-changes:: (\S+)\n\s+:version: (\S+)", pages))
    wanted = {(name, snap.label) for name in iiprules.packaged_names()
              for snap in iiprules.load(name).snapshots}
    assert set() == wanted - found


# Where a snippet of the language reference may stand; one of them must parse.
_HEAD = 'ruleset demo\nversion 1 effective 2020-01-01 {\n'
_WRAPPERS = (
    "@",  # a whole ruleset
    _HEAD + "@\n}\n",  # items of a version
    _HEAD + 'principle p "P" {\n@\n}\n}\n',  # indicators
    _HEAD + 'principle p "P" {\nindicator i "I" {\n@\n}\n}\n}\n',  # requirements
    _HEAD + 'level x "X" {\nrequires @\n}\n}\n',  # a condition
    _HEAD + 'level x "X" {\nrequires all of @\n}\n}\n',  # a selection
    _HEAD + 'example "e" {\n@\n}\n}\n',  # givens and expectations
)


def _iiprules_blocks() -> list[tuple[str, int, str]]:
    """Every ``.. code-block:: iiprules`` in the docs: (file, line, code)."""
    blocks = []
    for path in sorted(DOCS.rglob("*.rst")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.strip() != ".. code-block:: iiprules":
                continue
            indent = len(line) - len(line.lstrip())
            j = i + 1
            while j < len(lines) and lines[j].strip().startswith(":"):
                j += 1  # options
            body: list[str] = []
            for nxt in lines[j:]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                    break
                body.append(nxt)
            code = "\n".join(body)
            blocks.append((path.relative_to(ROOT).as_posix(), i + 1, code))
    return blocks


@pytest.mark.parametrize("where,line,code", _iiprules_blocks(),
                         ids=lambda v: str(v) if not isinstance(v, str) or "\n" not in v else "")
def test_language_reference_examples_are_valid(where, line, code):
    """Every iiprules code block in the docs parses (as a file, items, a condition, ...)."""
    import textwrap

    snippet = textwrap.dedent(code).strip("\n")
    problems = []
    for wrapper in _WRAPPERS:
        try:
            iiprules.parse(wrapper.replace("@", snippet, 1), f"{where}:{line}")
            return
        except RulesError as exc:
            problems.append(str(exc).splitlines()[0])
    pytest.fail(f"{where}:{line}: the example does not parse in any context:\n"
                + "\n".join(problems))
