"""The ASGI application: routes, problem documents for every error, reloads.

Input → output: ``Settings`` (and optionally a ready ``Registry``) → a Starlette
application. Every error a client can cause leaves as an RFC 9457 problem
document; an exception nobody expected leaves as a 500 problem document without a
traceback (and is logged), which the schemathesis tests hold at zero.

Reloading: SIGHUP (or a change seen by ``--reload-rulesets``) loads the folder
again in a worker thread and, only if every ruleset checks, replaces the registry
reference in one assignment. Requests keep the registry they started with. With
several workers uvicorn's supervisor answers SIGHUP itself by replacing the
workers one at a time, each new one ready before the old one stops.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from iiprules.diagnostics import EvaluationError, EvidenceError, RulesError, RulesetNotFound
from iiprules.serve import batch, endpoints, openapi, playground
from iiprules.serve.problems import MEDIA_TYPE, Problem, from_exception
from iiprules.serve.registry import Registry, folder_signature
from iiprules.serve.settings import Settings

log = logging.getLogger("iiprules.serve")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("iiprules")
    except Exception:  # not installed (a checkout on the path)
        return "0.1.0"


def static_dir() -> resources.abc.Traversable:
    """The packaged assets (API docs page, playground)."""
    return resources.files("iiprules.serve") / "static"


def _problem_response(request: Request, problem: Problem) -> Response:
    return Response(problem.body(request.url.path), problem.status, problem.headers, MEDIA_TYPE)


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return _problem_response(request, exc)


async def _on_library_error(request: Request, exc: Exception) -> Response:
    return _problem_response(request, from_exception(exc))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 400: "Bad request"}
    title = titles.get(exc.status_code, "Client error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404:
        detail = f"no endpoint at {request.url.path}; see /openapi.json"
    kind = title.lower().replace(" ", "-")
    problem = Problem(exc.status_code, kind, title, detail, headers=exc.headers)
    return _problem_response(request, problem)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path)
    problem = Problem(500, "internal", "Internal error",
                      f"internal error ({exc.__class__.__name__}); please report it")
    return _problem_response(request, problem)


async def health(request: Request) -> Response:
    """``GET /healthz``: serving, and which rules are loaded."""
    registry = endpoints.registry_of(request)
    return JSONResponse({
        "status": "ok",
        "version": request.app.state.version,
        "rulesets": registry.names(),
        "digest": registry.digest,
        "loaded_at": registry.loaded_at.isoformat(),
        "limits": endpoints.settings_of(request).limits(),
    })


async def openapi_json(request: Request) -> Response:
    """``GET /openapi.json``: the OpenAPI document (built once per process)."""
    return JSONResponse(request.app.state.openapi)


async def docs(request: Request) -> Response:
    """``GET /docs``: interactive API documentation (Swagger UI, packaged: no CDN)."""
    page = (static_dir() / "docs.html").read_text(encoding="utf-8")
    return HTMLResponse(page)


async def index(request: Request) -> Response:
    """``GET /``: the playground (packaged page; it calls the ``/v1`` endpoints)."""
    page = (static_dir() / "playground" / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(page)


def reload_registry(app: Starlette) -> bool:
    """Load the rulesets again and swap them in; keep the old ones if the new have errors.

    Returns:
        True when the new rulesets are in service.
    """
    settings: Settings = app.state.settings
    try:
        new = Registry.load(settings.rulesets_dir)
    except (RulesError, RulesetNotFound, OSError) as exc:
        log.error("reload refused, the rulesets in service stay: %s", exc)
        return False
    app.state.registry = new  # one assignment: requests see the old or the new, never a mix
    log.info("rulesets reloaded: %s (digest %s)", ", ".join(new.names()), new.digest)
    return True


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Load the rulesets (unless given) and listen for reloads."""
    settings: Settings = app.state.settings
    if getattr(app.state, "registry", None) is None:
        app.state.registry = await anyio.to_thread.run_sync(Registry.load, settings.rulesets_dir)
    async with anyio.create_task_group() as tg:
        tg.start_soon(_watch_signals, app)
        if settings.reload_interval:
            tg.start_soon(_watch_folder, app, settings.reload_interval)
        yield
        tg.cancel_scope.cancel()


async def _watch_signals(app: Starlette) -> None:
    try:
        with anyio.open_signal_receiver(signal.SIGHUP) as signals:
            async for _ in signals:
                await anyio.to_thread.run_sync(reload_registry, app)
    except (NotImplementedError, RuntimeError, ValueError):  # no signals here (a thread)
        return


async def _watch_folder(app: Starlette, interval: float) -> None:
    settings: Settings = app.state.settings
    seen = folder_signature(settings.rulesets_dir)
    while True:
        await anyio.sleep(interval)
        now = await anyio.to_thread.run_sync(folder_signature, settings.rulesets_dir)
        if now != seen:
            seen = now
            await anyio.to_thread.run_sync(reload_registry, app)


def create_app(settings: Settings | None = None, registry: Registry | None = None) -> Starlette:
    """The ASGI application.

    Args:
        settings: bounds and where the rulesets are (default: packaged rulesets,
            default bounds).
        registry: rulesets already loaded (tests); None to load them at start-up.
    """
    settings = settings or Settings()
    routes = [
        Route("/healthz", health, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        Route("/v1/rulesets", endpoints.list_rulesets, methods=["GET"]),
        Route("/v1/rulesets/{name}", endpoints.get_ruleset, methods=["GET"]),
        Route("/v1/rulesets/{name}/items", endpoints.ruleset_items, methods=["GET"]),
        Route("/v1/rulesets/{name}/source", endpoints.ruleset_source, methods=["GET"]),
        Route("/v1/evaluate", endpoints.evaluate, methods=["POST"]),
        Route("/v1/evaluate/batch", batch.evaluate_batch, methods=["POST"]),
        Route("/v1/explain", endpoints.explain, methods=["POST"]),
        Route("/v1/plan", endpoints.plan, methods=["POST"]),
        Route("/v1/why-not", endpoints.why_not, methods=["POST"]),
        Route("/v1/critical", endpoints.critical, methods=["POST"]),
        Route("/v1/pending", endpoints.pending, methods=["POST"]),
        Route("/v1/lapse", endpoints.lapse, methods=["POST"]),
        Route("/v1/check", endpoints.check, methods=["POST"]),
        Route("/v1/playground", playground.playground_answer, methods=["POST"]),
        Route("/", index, methods=["GET"]),
        Mount("/static", StaticFiles(packages=[("iiprules.serve", "static")]), name="static"),
    ]
    middleware = []
    if settings.cors_origins:
        middleware.append(Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        ))
    handlers: dict[Any, Any] = {
        Problem: _on_problem,
        EvidenceError: _on_library_error,
        RulesError: _on_library_error,
        RulesetNotFound: _on_library_error,
        EvaluationError: _on_library_error,
        HTTPException: _on_http,
        Exception: _on_unexpected,
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers,
                    lifespan=lifespan)
    app.state.settings = settings
    app.state.registry = registry
    app.state.version = _version()
    # Created here, not at start-up, so that tests driving the app without its
    # lifespan (httpx's ASGI transport) find it too.
    app.state.limiter = anyio.CapacityLimiter(settings.threads)
    app.state.openapi = openapi.document(settings, app.state.version)
    return app


def factory() -> Starlette:
    """The app for uvicorn's worker processes, configured from the environment."""
    configure_logging()
    return create_app(Settings.from_env())


def configure_logging() -> None:
    """Reloads and refusals are printed in uvicorn's format, beside its own lines."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-9s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
