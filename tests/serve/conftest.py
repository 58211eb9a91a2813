"""Fixtures for the service tests: the packaged rulesets loaded once, a live server.

Helpers shared by the test modules live in ``serve_helpers``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from serve_helpers import ThreadServer

from iiprules.serve import Registry


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: long runs (set IIPRULES_SLOW=1 to run them)")


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The packaged rulesets, loaded and compiled once for the session."""
    return Registry.load(None)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def live_server(registry: Registry) -> Iterator[ThreadServer]:
    """One real server for the session, on loopback."""
    from test_serve_schemathesis import SETTINGS

    with ThreadServer(SETTINGS, registry) as server:
        yield server
