"""``iiprules serve``: the HTTP service (needs the ``[serve]`` extra).

Input → output: options (address, rulesets folder, workers, bounds) → a running
service until Ctrl-C. Rulesets with errors stop it before it listens, with the
diagnostics the CLI prints for ``check`` and exit status 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from iiprules.cli.common import EXIT_BAD_INPUT, EXIT_OK, error


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
        return value

    return parse


def cmd_serve(args: argparse.Namespace) -> int:
    """``iiprules serve``: load and check the rulesets, then serve until interrupted."""
    try:
        from iiprules.serve import Settings, run
    except ImportError as exc:
        error(f"the service needs its extra: pip install 'iiprules[serve]' ({exc.name} is missing)")
        return EXIT_BAD_INPUT
    settings = Settings(
        rulesets_dir=args.rulesets,
        max_body_bytes=args.max_body_bytes,
        max_batch_bytes=args.max_batch_bytes,
        max_batch_rows=args.max_batch_rows,
        max_depth=args.max_depth,
        timeout_seconds=args.timeout,
        cors_origins=tuple(args.cors_origin or ()),
        reload_interval=2.0 if args.reload_rulesets else None,
    )
    run(settings, args.host, args.port, args.workers, access_log=args.access_log)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``serve``."""
    defaults = _defaults()
    p = sub.add_parser(
        "serve",
        help="serve the rules over HTTP (JSON in, the CLI's JSON out; OpenAPI at /openapi.json)",
        description="Serve evaluate, explain, plan, why-not, critical, pending, lapse and "
        "check over HTTP. Docs at /docs, the playground at /. Rulesets are loaded once; "
        "SIGHUP reloads them without dropping requests.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0: any free)")
    p.add_argument("--rulesets", metavar="DIR",
                   help="serve the .rules files of this folder (default: the packaged ones)")
    p.add_argument("--workers", type=_positive(int), default=1, metavar="N",
                   help="worker processes sharing the port (default 1)")
    p.add_argument("--reload-rulesets", action="store_true",
                   help="reload the rulesets when their files change (SIGHUP always does)")
    p.add_argument("--cors-origin", action="append", metavar="ORIGIN",
                   help="allow browser calls from this origin (repeatable; default: CORS off)")
    p.add_argument("--max-body-bytes", type=_positive(int), default=defaults.max_body_bytes,
                   metavar="N", help="largest body of a single request (413 above)")
    p.add_argument("--max-batch-bytes", type=_positive(int), default=defaults.max_batch_bytes,
                   metavar="N", help="largest body of evaluate/batch (413 above)")
    p.add_argument("--max-batch-rows", type=_positive(int), default=defaults.max_batch_rows,
                   metavar="N", help="most organisations in one batch (413 above)")
    p.add_argument("--max-depth", type=_positive(int), default=defaults.max_depth, metavar="N",
                   help="deepest nesting of a JSON or YAML body (422 above)")
    p.add_argument("--timeout", type=_positive(float), default=defaults.timeout_seconds,
                   metavar="SECONDS", help="longest computation of one request (408 above)")
    p.add_argument("--access-log", action="store_true", help="log one line per request")
    p.set_defaults(func=cmd_serve)


def _defaults() -> Any:
    """The service's default bounds, without importing Starlette (it may not be installed)."""
    from iiprules.serve.settings import Settings

    return Settings()
