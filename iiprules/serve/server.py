"""Running the service under uvicorn: one process, or several workers sharing a socket.

Input → output: ``Settings``, host, port and a worker count → a running server
(until SIGINT or SIGTERM). The rulesets are loaded once here, before the server
starts, so a folder with errors is reported as the CLI reports it (diagnostics,
exit status) rather than as a failed start-up inside uvicorn. With one worker the
loaded registry is handed straight to the app; with several, each worker process
builds the app from the settings left in its environment.
"""

from __future__ import annotations

import os

from iiprules.serve.app import configure_logging, create_app
from iiprules.serve.registry import Registry
from iiprules.serve.settings import ENV_VAR, Settings


def run(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    access_log: bool = False,
    registry: Registry | None = None,
) -> None:
    """Serve until interrupted.

    Args:
        settings: bounds and where the rulesets are.
        host: the address to listen on (loopback unless told otherwise).
        port: the TCP port (0: any free port; uvicorn prints it).
        workers: processes serving the same socket.
        access_log: log a line per request (off: it costs a fifth of the throughput).
        registry: rulesets already loaded and checked (else they are loaded here).

    Raises:
        RulesError, RulesetNotFound: the rulesets cannot be loaded.
    """
    import uvicorn

    configure_logging()
    if registry is None:
        registry = Registry.load(settings.rulesets_dir)
    common = {
        "host": host,
        "port": port,
        "access_log": access_log,
        "log_level": "info",
        "timeout_graceful_shutdown": 10,
        "server_header": False,
    }
    if workers <= 1:
        uvicorn.run(create_app(settings, registry), **common)  # type: ignore[arg-type]
        return
    os.environ[ENV_VAR] = settings.to_env()  # inherited by the worker processes
    uvicorn.run("iiprules.serve.app:factory", factory=True, workers=workers,
                **common)  # type: ignore[arg-type]

