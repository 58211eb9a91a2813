"""``iiprules serve`` as a real process on a free loopback port, talked to over HTTP."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
from serve_helpers import EXAMPLES, ROOT, cli_json, start_process, wait_healthy


def stop(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    """SIGTERM, then the exit status and everything the process printed."""
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    return proc.returncode, out.decode()


def test_serve_answers_over_http_and_reloads_on_sighup(tmp_path: Path) -> None:
    """The service judges evidence as the CLI does, reloads edited rules on SIGHUP, stops cleanly."""
    for p in (ROOT / "rulesets").glob("*.rules"):
        shutil.copy(p, tmp_path / p.name)
    proc, base = start_process("--rulesets", str(tmp_path))
    try:
        wait_healthy(base, proc=proc)
        path = EXAMPLES / "pennick_lane_primary.yaml"
        r = httpx.post(f"{base}/v1/evaluate", content=path.read_bytes(),
                       headers={"content-type": "application/yaml"}, timeout=30)
        assert cli_json("evaluate", str(path), "--format", "json", "--brief") == r.json()
        before = httpx.get(f"{base}/healthz").json()
        (tmp_path / "partner_award.rules").unlink()
        proc.send_signal(signal.SIGHUP)
        for _ in range(100):
            now = httpx.get(f"{base}/healthz").json()
            if now["digest"] != before["digest"]:
                break
            time.sleep(0.1)
        left = sorted(p.stem for p in tmp_path.glob("*.rules"))
        assert left == now["rulesets"] and "partner_award" not in left
    finally:
        code, out = stop(proc)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the parent sees why it ended
    assert code in (0, -signal.SIGTERM), out
    assert f"rulesets reloaded: {', '.join(left)}" in out
    assert "Traceback" not in out


def test_serve_with_two_workers(tmp_path: Path) -> None:
    """With --workers 2 both processes serve the same port."""
    proc, base = start_process("--workers", "2")
    try:
        wait_healthy(base, proc=proc)
        digests = {httpx.get(f"{base}/healthz").json()["digest"] for _ in range(10)}
        assert 1 == len(digests)
    finally:
        code, out = stop(proc)
    assert code in (0, -signal.SIGTERM), out
    assert "Traceback" not in out


def test_serve_refuses_rulesets_with_errors(tmp_path: Path) -> None:
    """A folder whose rules have errors is reported like `check`, exit 2, before listening."""
    (tmp_path / "broken.rules").write_text("ruleset broken\nversion {\n")
    proc, _ = start_process("--rulesets", str(tmp_path))
    out, _ = proc.communicate(timeout=60)
    text = out.decode()
    assert 2 == proc.returncode, text
    assert "broken.rules:2" in text and "Traceback" not in text


def test_the_cli_does_not_load_the_service_until_serve_runs() -> None:
    """`iiprules --help` lists serve without importing Starlette or uvicorn."""
    import sys

    code = ("import sys; from iiprules.cli.app import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert "[]" == out.stdout.strip()
