"""Shared test options (``--update-golden`` rewrites the golden files) and evidence builders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/**/*.expected from the current output",
    )


#: The 39 requirements of the Investors in People Standard: indicators 1-10, in order,
#: numbered as domain.md numbers them (indicator 5 has 5.1, 5.3 and 5.4: no 5.2).
_STANDARD_IDS = tuple(
    f"{i}.{k}"
    for i, n in [(1, 6), (2, 5), (3, 5), (4, 3), (5, 3), (6, 3), (7, 3), (8, 3), (9, 5), (10, 3)]
    for k in ((1, 3, 4) if i == 5 else range(1, n + 1))
)


@pytest.fixture
def standard_ids() -> list[str]:
    """The 39 Standard requirement ids in order (a fresh list: tests may slice and add)."""
    return list(_STANDARD_IDS)


@pytest.fixture(scope="session")
def _extended_ids() -> tuple[str, ...]:
    from iiprules import api

    scope = api.load("standard").version("2009")
    return tuple(
        k for k, r in scope.requirements.items() if r.node.part == "extended" and k != "W.other"
    )


@pytest.fixture
def extended_ids(_extended_ids: tuple[str, ...]) -> list[str]:
    """The wider framework's requirements known by text (standard@2009), in declaration order."""
    return list(_extended_ids)


@pytest.fixture
def standard_org() -> Callable[..., dict[str, Any]]:
    """A builder of evidence mappings for "Test Ltd" judged by the packaged Standard.

    ``standard_org(met, extra=0, on="2010-06-01", **fields)``: ``met`` the ids met,
    ``extra`` how many of the unnamed ``W.other`` group are met; further fields
    (``facts``, ``history``, ``pending``, ...) are passed through.
    """

    def build(
        met: Iterable[str], extra: int = 0, on: str = "2010-06-01", **fields: Any
    ) -> dict[str, Any]:
        return {
            "organisation": "Test Ltd",
            "assessed_on": on,
            "met": list(met),
            "unnamed_met": {"W.other": extra} if extra else {},
            **fields,
        }

    return build
