"""The web application: the HTTP API under /api and the dashboard, in one ASGI app.

    create_app(config)  ->  FastAPI
      /api/...          api.py     JSON; one error shape: {"error": {status, code, message}};
                                   every invalid parameter a 422 invalid_request
      /api/docs         pages.py   Swagger UI from the fastapi-offline package (no CDN)
      /...              pages.py   server-rendered HTML (Jinja2, autoescaped); charts.py
                                   draws its figures, reads.py holds the web's own queries
      /static/...                  our CSS and JS; Plotly's and Swagger UI's bundles from
                                   their installed packages (/static/vendor/...)

Requests borrow a Store from a small pool (one connection per concurrent request). Writes
(uploads, reviews) change records in their own transaction, then measures are recomputed
in the background, one reconciliation at a time (Reconciler). Read answers are kept by
ResponseCache (cache.py) until any process commits a write.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.staticfiles import StaticFiles

from aidtrace import budget, pipeline
from aidtrace.errors import AidtraceError, ConfigError, InvalidRequest
from aidtrace.ingest import failure_for
from aidtrace.model import DocumentResult
from aidtrace.params import InvalidParameter
from aidtrace.reconcile_blocks import reconcile_changes
from aidtrace.settings import Settings
from aidtrace.store import Store, default_url, open_store
from aidtrace.store.keyset import InvalidCursor
from aidtrace.web.cache import App, Message, Receive, ResponseCache, Scope, Send
from aidtrace.web.security import SESSION_COOKIE, Forbidden, Guard

log = logging.getLogger("aidtrace.web")


@dataclass(frozen=True, slots=True, kw_only=True)
class WebConfig:
    db: str | None = None  # None: AIDTRACE_DB, else the default database
    token: str | None = None  # None: writes refused
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    max_upload_bytes: int = 10_000_000
    export_cap: int = 200_000  # rows in one download of a view; 'aidtrace export' has no cap
    pool_size: int = 32
    cache_entries: int = 4096  # API answers kept until the data changes (web/cache.py); 0: none

    @classmethod
    def from_env(cls, **given: Any) -> WebConfig:
        """AIDTRACE_TOKEN (or AIDTRACE_TOKEN_FILE, a file holding it: a path in the
        environment of workers instead of the secret itself), _SECRET, _MAX_UPLOAD_BYTES
        and _CACHE_ENTRIES, under explicit values."""
        values: dict[str, Any] = {}
        if os.environ.get("AIDTRACE_TOKEN_FILE"):
            values["token"] = read_token(Path(os.environ["AIDTRACE_TOKEN_FILE"]))
        elif os.environ.get("AIDTRACE_TOKEN"):
            values["token"] = os.environ["AIDTRACE_TOKEN"]
        if os.environ.get("AIDTRACE_SECRET"):
            values["secret"] = os.environ["AIDTRACE_SECRET"].encode("utf-8")
        for name, key, least in (
            ("AIDTRACE_MAX_UPLOAD_BYTES", "max_upload_bytes", 1),
            ("AIDTRACE_CACHE_ENTRIES", "cache_entries", 0),
        ):
            raw = os.environ.get(name)
            if raw:
                if not raw.isdigit() or int(raw) < least:
                    raise ConfigError(f"{name}={raw!r} is not a whole number of at least {least}")
                values[key] = int(raw)
        values.update({k: v for k, v in given.items() if v is not None})
        config = cls(**values)
        if config.token is not None and len(config.token) < 16:
            raise ConfigError("the write token is shorter than 16 characters; use a long random one")
        return config


def read_token(path: Path) -> str:
    """The write token from its file (first line, blanks stripped)."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the token file ({err})") from None
    if not token:
        raise ConfigError(f"{path}: the token file is empty")
    return token


class Extractor:
    """Uploads are read and extracted in a worker process, never in the server's own: the
    regex engine holds the interpreter lock, so a pathological upload extracted in a thread
    would stall every request, and a signal (the time budget) only reaches a main thread.
    The worker has the memory budget of Settings.memory_mb; one that dies or overruns its
    time is replaced, and its document recorded as a failure. One pool serves every app of
    the process (started on the first upload)."""

    _pool: ProcessPoolExecutor | None = None
    _lock = threading.Lock()
    WORKERS = 2
    GRACE = 10.0  # seconds past the document's budget before the worker is killed

    @classmethod
    def extract(cls, data: bytes, name: str, meta: dict[str, Any], settings: Settings) -> DocumentResult:
        seconds = budget.seconds_for(len(data), settings)
        try:
            future = cls._executor(settings).submit(pipeline.extract_bytes, data, name, meta, settings)
            return future.result(timeout=seconds + cls.GRACE if seconds else None)
        except FutureTimeout:
            cls._restart()
            err: Exception = budget.OverBudget(
                f"{name}: processing took longer than its budget of {seconds:g} s; please report the document"
            )
        except BrokenProcessPool:
            cls._restart()
            err = budget.memory_failure(name, settings)
        return DocumentResult(source=name, failure=failure_for(Path(name), err))

    @classmethod
    def _executor(cls, settings: Settings) -> ProcessPoolExecutor:
        with cls._lock:
            if cls._pool is None:
                cls._pool = ProcessPoolExecutor(
                    max_workers=cls.WORKERS,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=budget.start_worker,
                    initargs=(settings.memory_mb,),
                )
            return cls._pool

    @classmethod
    def _restart(cls) -> None:
        with cls._lock:
            pool, cls._pool = cls._pool, None
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()  # a worker stuck past its budget does not end by itself
            pool.shutdown(wait=False, cancel_futures=True)


class StorePool:
    """Open connections kept for reuse; a connection that failed is closed, not reused."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self._idle: queue.LifoQueue[Store] = queue.LifoQueue()
        self._size = size

    @contextmanager
    def store(self) -> Iterator[Store]:
        try:
            store = self._idle.get_nowait()
        except queue.Empty:
            store = Store(self.url)
        healthy = True
        try:
            yield store
        except AidtraceError:
            raise  # a bad request, not a bad connection
        except BaseException:
            healthy = False
            raise
        finally:
            if healthy and self._idle.qsize() < self._size:
                self._idle.put(store)
            else:
                store.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


class Reconciler:
    """Recompute the measures of the groups writes touched, in the background, never two at
    once in this process (nor across processes: reconcile_changes holds the database's
    reconciliation lock); requests that arrive while one runs are folded into one more run."""

    def __init__(self, pool: StorePool) -> None:
        self._pool = pool
        self._running = threading.Lock()
        self._state = threading.Lock()
        self._pending = False
        self.last_error: str | None = None  # why the last reconciliation failed (for /api/health)

    @property
    def busy(self) -> bool:
        return self._running.locked() or self._pending

    def request(self) -> None:
        with self._state:
            self._pending = True
        while self._running.acquire(blocking=False):
            try:
                while self._take():
                    with self._pool.store() as store:
                        reconcile_changes(store)  # the groups the writes touched
                    self.last_error = None
            except Exception as err:  # a background job has no caller to tell; the log and health do
                self.last_error = f"{type(err).__name__}: {err}"
                log.exception("reconciliation after a write failed; run 'aidtrace reconcile'")
            finally:
                self._running.release()
            with self._state:
                if not self._pending:
                    return

    def _take(self) -> bool:
        with self._state:
            pending, self._pending = self._pending, False
            return pending


def create_app(config: WebConfig | None = None) -> FastAPI:
    """The API and dashboard over the database in `config` (migrated on start)."""
    from aidtrace.web import api, pages

    config = config or WebConfig.from_env()
    url = config.db or default_url()
    with open_store(url):  # migrate once, here, not per request; fail now if unreachable
        pass
    pool = StorePool(url, config.pool_size)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        yield
        pool.close()

    app = FastAPI(
        title="aidtrace",
        summary="Evidence-linked records of international support for Ukraine",
        description="Reads are open. Writes (uploads, reviews) need `Authorization: Bearer <token>`. "
        'Every error is `{"error": {"status", "code", "message"}}`.',
        version=_version(),
        lifespan=lifespan,
        docs_url=None,  # served by pages.api_docs from bundled assets, under the CSP
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.config = config
    app.state.pool = pool
    app.state.guard = Guard(config.token, config.secret)
    app.state.reconciler = Reconciler(pool)
    app.state.extract = Extractor.extract
    app.add_middleware(ResponseCache, version=lambda: _data_version(pool), entries=config.cache_entries)
    app.add_middleware(SecurityHeaders, max_body=config.max_upload_bytes + 1_000_000)  # outermost
    app.add_exception_handler(AidtraceError, _aidtrace_error)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    return app


def _data_version(pool: StorePool) -> int:
    with pool.store() as store:
        return store.data_version()


def _version() -> str:
    from aidtrace import __version__

    return __version__


# --- errors: one shape for the API, an HTML page for the dashboard ------------------------


def error_response(request: Request, status: int, code: str, message: str, **extra: Any) -> Response:
    if request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", ""):
        body = {"error": {"status": status, "code": code, "message": message, **extra}}
        return JSONResponse(body, status_code=status)
    from aidtrace.web.pages import error_page

    return error_page(request, status, message)


async def _aidtrace_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AidtraceError)
    if isinstance(exc, InvalidRequest):
        # one kind of error, one answer: every invalid parameter is a 422 'invalid_request',
        # whether pydantic or aidtrace (params.py, queries) found it
        if isinstance(exc, InvalidParameter):
            details = [{"where": f"query.{exc.name}", "problem": str(exc)}]
            if isinstance(exc, InvalidCursor):  # a cursor we never gave out: the request is malformed
                return error_response(request, 400, exc.code, str(exc), details=details)
            return error_response(request, 422, "invalid_request", str(exc), details=details)
        return error_response(request, 422, "invalid_request", str(exc))
    return error_response(request, exc.status, exc.code, str(exc))


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    return error_response(request, exc.status, exc.code, str(exc))


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"where": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]}
        for error in exc.errors()
    ]
    first = details[0] if details else {"where": "request", "problem": "invalid"}
    message = f"{first['where']}: {first['problem']}"
    return error_response(request, 422, "invalid_request", message, details=details)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_type"}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and message == "Not Found":
        message = f"nothing at {request.url.path}; the API is described at /api/docs"
    return error_response(request, exc.status_code, code, message)


async def _internal(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        request,
        500,
        "internal_error",
        "internal error; this is a bug in aidtrace, the server log has details",
    )


# --- headers, body limit and write gate, as plain ASGI (no per-request task overhead) -------

HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
OPEN_FORMS = {"/login", "/logout"}  # dashboard writes that need no session (small bodies)
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class BodyTooLarge(Exception):
    """The client sent more body than the limit; raised from `receive`, answered with 413."""


class SecurityHeaders:
    """The outermost layer of every request:

    1. a write (POST, PUT, PATCH, DELETE) without credentials is refused before any of its
       body is read: the API needs the bearer token, dashboard forms a signed-in session;
    2. a body larger than `max_body` is refused: by its Content-Length before reading, and
       while reading (a chunked upload has none), so nothing past the limit is stored;
    3. the security headers go on every response, a 500 included, and an unhandled error
       is answered here (logged, with the error shape) instead of ending the connection.
    """

    def __init__(self, app: App, max_body: int) -> None:
        self.app = app
        self.max_body = max_body
        self._warned = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self._warn_exposure(scope)
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        state = {"started": False, "too_large": False}
        seen = 0

        async def capped(  # the body as the app reads it, cut at the limit
        ) -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    state["too_large"] = True
                    raise BodyTooLarge
            return message

        async def with_headers(message: Message) -> None:
            if state["too_large"]:
                return  # whatever the app answers to the cut body, the 413 below goes instead
            if message["type"] == "http.response.start":
                state["started"] = True
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        try:
            await self.app(scope, capped, with_headers)
        except BodyTooLarge:
            pass
        except Exception as exc:
            if state["started"]:
                raise  # nothing better can be sent once the response began
            response = await _internal(request, exc)
            response.headers.update({k.decode(): v.decode() for k, v in HEADERS})
            await response(scope, receive, send)
            return
        if state["too_large"] and not state["started"]:
            await self._too_large()(scope, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        length = request.headers.get("content-length", "0")
        if length.isdigit() and int(length) > self.max_body:
            return self._too_large()
        if request.method not in WRITES or request.url.path in OPEN_FORMS or not _routed(request):
            return None
        guard: Guard = request.app.state.guard
        try:
            if request.url.path.startswith("/api/"):
                guard.check_bearer(request.headers.get("authorization"))
            elif guard.reviewer(request.cookies.get(SESSION_COOKIE)) is None:
                raise Forbidden("sign in with the write token first (Sign in, top right)")
        except Forbidden as exc:
            response = error_response(request, exc.status, exc.code, str(exc))
            response.headers.update({k.decode(): v.decode() for k, v in HEADERS})
            return response
        return None

    def _too_large(self) -> Response:
        message = (
            f"the request body is larger than {self.max_body} bytes; "
            "upload a smaller document or raise AIDTRACE_MAX_UPLOAD_BYTES"
        )
        return JSONResponse(
            {"error": {"status": 413, "code": "too_large", "message": message}},
            status_code=413,
            headers={k.decode(): v.decode() for k, v in HEADERS},
        )

    def _warn_exposure(self, scope: Scope) -> None:
        if self._warned:
            return
        self._warned = True
        host = (scope.get("server") or ("127.0.0.1", 0))[0]
        warning = exposure_warning(str(host), token=scope["app"].state.config.token)
        if warning:
            log.warning(warning)


def _routed(request: Request) -> bool:
    """Whether a route takes this method at this path (else the app answers 404 or 405)."""
    return any(route.matches(request.scope)[0] is Match.FULL for route in request.app.router.routes)


def exposure_warning(host: str, *, token: str | None) -> str | None:
    """What to tell the operator of a server reachable beyond this machine without a token
    (the CLI may call this before it starts serving); None when there is nothing to say."""
    if token is not None or host in LOOPBACK or host.startswith("127."):
        return None
    return (
        f"serving on {host} without a write token: anyone who can reach it can read everything, "
        "and writes are disabled; set AIDTRACE_TOKEN_FILE (or serve --token-file) to enable writes, "
        "or serve on 127.0.0.1"
    )
