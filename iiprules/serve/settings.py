"""Settings of the HTTP service: where the rulesets are, and every bound on a request.

Input → output: command-line options (or the environment, for worker processes) →
one frozen ``Settings``. Every limit a client can hit lives here with its default,
so that the OpenAPI document, the problem documents and ``iiprules serve --help``
all quote the same numbers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import attrs
from attrs import frozen

#: The environment variable that carries the settings to uvicorn's worker processes
#: (with ``--workers N`` uvicorn imports the app factory in each child process).
ENV_VAR = "IIPRULES_SERVE_SETTINGS"


@frozen
class Settings:
    """How one service runs; the defaults suit a service on a laptop or behind a proxy.

    Attributes:
        rulesets_dir: a folder of ``.rules`` files to serve; None for the packaged rulesets.
        max_body_bytes: the largest request body for single-organisation endpoints (413).
        max_batch_bytes: the largest body for ``evaluate/batch`` (413).
        max_batch_rows: the most organisations in one batch (413).
        max_depth: the deepest nesting of arrays and objects in a JSON body (422).
        max_rules_bytes: the largest rules text ``check`` accepts (413).
        timeout_seconds: the longest a request may compute before it is answered 408.
        threads: how many computations may run at once per worker (the rest wait).
        cors_origins: origins allowed to call the service from a browser; empty: CORS off.
        reload_interval: with ``--reload-rulesets``, seconds between looks at the folder;
            None: reload only on SIGHUP.
    """

    rulesets_dir: str | None = None
    max_body_bytes: int = 1 << 20
    max_batch_bytes: int = 64 << 20
    max_batch_rows: int = 100_000
    max_depth: int = 32
    max_rules_bytes: int = 1 << 20
    timeout_seconds: float = 10.0
    threads: int = 4
    cors_origins: tuple[str, ...] = ()
    reload_interval: float | None = None

    def to_env(self) -> str:
        """The settings as JSON, for the worker processes' environment."""
        return json.dumps(attrs.asdict(self))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings a parent process left in the environment, or the defaults."""
        raw = (environ if environ is not None else os.environ).get(ENV_VAR)
        if not raw:
            return cls()
        data: dict[str, Any] = json.loads(raw)
        data["cors_origins"] = tuple(data.get("cors_origins", ()))
        return cls(**data)

    def limits(self) -> dict[str, Any]:
        """The bounds a client may hit, as shown by ``GET /healthz`` and the docs."""
        return {
            "max_body_bytes": self.max_body_bytes,
            "max_batch_bytes": self.max_batch_bytes,
            "max_batch_rows": self.max_batch_rows,
            "max_depth": self.max_depth,
            "max_rules_bytes": self.max_rules_bytes,
            "timeout_seconds": self.timeout_seconds,
        }
