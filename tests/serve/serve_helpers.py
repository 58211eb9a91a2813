"""Helpers for the service tests: clients, the CLI's JSON, real servers on free ports."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from iiprules.serve import Registry, Settings, create_app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def make_client(registry: Registry, **settings: Any) -> httpx.AsyncClient:
    """An httpx client on an app with these settings (and the shared registry)."""
    app = create_app(Settings(**settings), registry)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def cli_json(*args: str) -> Any:
    """What ``iiprules ARGS`` prints, parsed (run in process, as the CLI tests do)."""
    import contextlib
    import io

    from iiprules.cli.app import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    assert code in (0, 1), out.getvalue()
    text = out.getvalue()
    if text.lstrip().startswith(("{", "[")):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_healthy(base: str, seconds: float = 60.0, proc: subprocess.Popen[bytes] | None = None
                 ) -> None:
    """Poll ``/healthz`` until the service answers (or fail, with the process's output)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"the service exited with {proc.returncode}:\n{out}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no answer from {base} within {seconds} s")


class ThreadServer:
    """A uvicorn server in a thread on a free loopback port (for schemathesis and browsers)."""

    def __init__(self, settings: Settings, registry: Registry) -> None:
        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings, registry), host="127.0.0.1", port=self.port,
                                log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        wait_healthy(self.base)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def start_process(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    """``iiprules serve ARGS`` as a real process on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "iiprules", "serve", "--port", str(port), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    return proc, f"http://127.0.0.1:{port}"
