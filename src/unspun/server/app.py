"""The FastAPI application: `create_app(options, settings)`.

Routes are thin shells over the same functions the CLI calls: readers build a `Source`, the micro-batcher
runs `Pipeline.pipe`, and the answer is `Document.to_dict()` (the ``unspun/1`` object). The models load
in the lifespan, before the first request is accepted: in this process, or once in each pipeline worker
process when there are several (`server.workers`).

Every error is JSON: ``{"error": {"code": <reason>, "message": <for a person>}}`` on our own routes, and
Google's shape (``{"error": {"code": 400, "message", "status", "details"}}``) on the Perspective routes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unspun import __version__
from unspun.document import Document
from unspun.errors import INTERNAL, ErrorRecord, MalformedInputError, PipelineError, UnspunError
from unspun.options import Options
from unspun.server import perspective as P
from unspun.server.batcher import MicroBatcher
from unspun.server.settings import ServerSettings
from unspun.server.workers import PipelineProcesses

#: the Perspective-compatible routes (Google's error shape, Perspective's status codes)
PERSPECTIVE_PREFIXES = ("/v1alpha1/", "/$discovery", "/discovery/")
#: routes that need an API key when the server has a key file
KEYED_PREFIXES = ("/v1/", "/v1alpha1/")
#: the request fields that may change the analysis options (never model_dir, threads, fetch limits...)
REQUEST_OPTIONS = ("stages", "thresholds", "language")

# Content-Security-Policy of the web page: scripts and styles from this server only, never inline; the page
# talks to this server only; nothing may frame it.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# Swagger UI (/docs) sets inline styles from its own script; still no inline or foreign script.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

# HTTP status of an error record's reason on /v1/analyze.
REASON_STATUS = {
    "empty": 422, "binary": 422, "encoding": 422, "no_content": 422, "malformed": 422, "unreadable": 422,
    "too_large": 413, "url_refused": 400, "fetch": 502, "options": 400, "pipeline": 400,
    "model_missing": 503, INTERNAL: 500,
}


# -- request models ----------------------------------------------------------------------------------------


class AnalysisOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stages: list[str] | str | None = Field(
        None, description="Stages to run, in order (a list or a comma-separated string); default: all.",
        examples=[["structure", "sentences", "encode", "hate", "summary"]])
    thresholds: dict[str, float] | None = Field(
        None, description="Per task, the threshold that replaces the model's calibrated one, e.g. "
                          "{\"hate\": 0.7} (hate: the toxicity threshold, 1 - p(normal)).")
    language: str | None = Field(None, description="Force the document language (ISO 639-1).")


class DocumentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, description="Your identifier, echoed as document.id (or the error's id).")
    text: str | None = Field(None, description="Plain text (a copied page: title, paragraphs, comments).")
    html: str | None = Field(None, description="An HTML page.")
    url: str | None = Field(None, description="An http(s) URL to fetch (public addresses only).")


class AnalyzeRequest(DocumentInput, AnalysisOptions):
    """One document (exactly one of text, html, url) and the analysis options."""


class BatchRequest(AnalysisOptions):
    """Many documents, one set of options."""

    documents: list[DocumentInput] = Field(..., description="The documents, answered in this order.")


# -- state -------------------------------------------------------------------------------------------------


class Busy(Exception):
    """The server holds as many analysis requests as it admits."""


@dataclass
class Service:
    """What one worker holds: the options, the settings, the batcher, and the count of admitted requests."""

    options: Options
    settings: ServerSettings
    batcher: MicroBatcher
    pending: int = 0
    started: bool = False
    initialize: bool = True
    #: why the Perspective endpoint cannot answer (its hate model is not installed), or None
    perspective_unavailable: str | None = None

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        if self.pending >= self.settings.max_pending:
            raise Busy()
        self.pending += 1
        try:
            yield
        finally:
            self.pending -= 1

    async def analyze(self, items: list[Any], options: Options) -> list[Document | ErrorRecord]:
        return await asyncio.wait_for(self.batcher.analyze(items, options), self.settings.timeout_s)


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def rendering_response(data: dict[str, Any], render: Callable[[dict[str, Any]], Any]) -> JSONResponse:
    """A rendering of the `unspun/1` analysis a client sent, or 422 when it is not one."""
    import jsonschema

    from unspun.document import validate

    try:
        validate(data)
    except jsonschema.ValidationError as exc:
        return error_response(422, "invalid_request", f"not an unspun/1 analysis: {exc.message}")
    return JSONResponse(render(data))


def error_response(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def is_perspective(path: str) -> bool:
    return path.startswith(PERSPECTIVE_PREFIXES)


# -- middleware --------------------------------------------------------------------------------------------


class GuardMiddleware:
    """Security headers on every response; the request body limit (HTTP 413), enforced on the declared
    Content-Length and on the bytes actually received; and the API keys, when the server has a key file."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, api_keys: frozenset[str] | None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.api_keys = api_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path == "/docs" else PAGE_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"content-security-policy"]
                headers.append((b"content-security-policy", csp.encode()))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        headers = dict(scope.get("headers") or [])
        if self.api_keys is not None and path.startswith(KEYED_PREFIXES):
            refusal = self._refuse_key(path, scope, headers)
            if refusal is not None:
                await refusal(scope, receive, send_with_headers)
                return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(path, send_with_headers)
            return
        # Read the body here, bounded, before the app sees it: FastAPI would turn an error raised while it
        # reads into a 400, and the limit must hold for bodies sent without a Content-Length too.
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body_bytes:
                await self._too_large(path, send_with_headers)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)

    def _refuse_key(self, path: str, scope: Scope, headers: dict[bytes, bytes]) -> JSONResponse | None:
        """The 403 for a request without one of the served keys (``?key=`` or ``X-Goog-Api-Key``)."""
        from urllib.parse import parse_qs

        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        key = (query.get("key") or [""])[0] or headers.get(b"x-goog-api-key", b"").decode("latin-1")
        assert self.api_keys is not None
        if key in self.api_keys:
            return None
        message = ("API key not valid. Please pass a valid API key." if key
                   else "The request is missing a valid API key.")
        if not is_perspective(path):
            return error_response(403, "forbidden", message)
        detail = {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                  "reason": "API_KEY_INVALID" if key else "API_KEY_MISSING",
                  "domain": "googleapis.com", "metadata": {"service": "commentanalyzer.googleapis.com"}}
        return _google(P.PerspectiveError(message, http_status=403, status="PERMISSION_DENIED",
                                          details=[detail]))

    async def _too_large(self, path: str, send: Send) -> None:
        message = f"the request body is larger than this server's limit of {self.max_body_bytes:,} bytes"
        if is_perspective(path):
            body = P.PerspectiveError(message, http_status=413, status="INVALID_ARGUMENT").body()
        else:
            body = error_body("too_large", message)
        response = JSONResponse(body, status_code=413)
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:  # pragma: no cover - a response never reads
    return {"type": "http.disconnect"}


# -- helpers -----------------------------------------------------------------------------------------------


def request_options(base: Options, req: AnalysisOptions) -> Options:
    """The analysis options of a request: the server's, with the request's stages/thresholds/language."""
    changes: dict[str, Any] = {}
    if req.stages is not None:
        changes["stages"] = req.stages
    if req.thresholds is not None:
        changes["thresholds"] = req.thresholds
    if req.language is not None:
        changes["language"] = req.language
    return Options.from_mapping(changes, base=base) if changes else base


@cache
def model_files(model_dir: Path) -> dict[str, Any]:
    """The installed model's name and the sha256 of each of its files (computed once per worker)."""
    files = {}
    for path in sorted(p for p in model_dir.iterdir() if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        files[path.name] = {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}
    name = None
    config = model_dir / "config.json"
    if config.is_file():
        name = json.loads(config.read_text("utf-8")).get("name")
    return {"name": name or model_dir.name, "files": files}


def static_dir() -> Path:
    return Path(str(resources.files("unspun.server") / "static"))


def discovery_document(root_url: str) -> dict[str, Any]:
    data = json.loads((resources.files("unspun.server") / "discovery.json").read_text("utf-8"))
    data["rootUrl"] = root_url
    data["baseUrl"] = root_url
    data["mtlsRootUrl"] = root_url
    return data


# -- the app -----------------------------------------------------------------------------------------------


def create_app(options: Options | None = None, settings: ServerSettings | None = None, *,
               initialize: bool = True, workers: int = 1) -> FastAPI:
    """The unspun HTTP service. `initialize=False` skips loading the models at start-up (tests of routes
    that never analyse). With `workers` > 1 the analyses run in that many pipeline processes
    (`server.workers`) and this process loads no model."""
    options = options or Options()
    settings = settings or ServerSettings()
    perspective_options = options.replace(stages=P.STAGES, input_format="text")
    processes = PipelineProcesses(workers, (options, perspective_options)) if workers > 1 else None
    service = Service(options, settings,
                      MicroBatcher(max_batch=settings.batch_size, wait_s=settings.batch_wait_ms / 1000,
                                   max_chars=settings.batch_max_chars, processes=processes),
                      initialize=initialize)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # load every model now, before the first request is accepted: here, or in each worker process
        if processes is not None:
            problems = await processes.start()
            if problems[0] is not None:
                await asyncio.to_thread(processes.stop)
                raise PipelineError(problems[0])
            service.perspective_unavailable = problems[1]
        elif service.initialize:
            from unspun import cached_pipeline

            await asyncio.to_thread(lambda: cached_pipeline(options).initialize())
            try:
                await asyncio.to_thread(lambda: cached_pipeline(perspective_options).initialize())
            except PipelineError as exc:  # no hate model here: the rest of the service still runs
                service.perspective_unavailable = str(exc)
        await service.batcher.start()
        service.started = True
        try:
            yield
        finally:
            service.started = False
            await service.batcher.stop()
            if processes is not None:
                await asyncio.to_thread(processes.stop)

    app = FastAPI(
        title="unspun",
        version=__version__,
        summary="Span-level analysis of news pages, and a Perspective-compatible comment scorer.",
        description=(
            "`POST /v1/analyze` returns the `unspun/1` analysis of a page (text, HTML or URL); "
            "`POST /v1/analyze:batch` many at once. `POST /v1alpha1/comments:analyze` answers Perspective "
            "API requests (TOXICITY, SEVERE_TOXICITY, IDENTITY_ATTACK). Nothing sent is stored."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    app.add_middleware(GuardMiddleware, max_body_bytes=settings.max_body_bytes, api_keys=settings.api_keys)

    # -- errors --

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body') or 'body'}: {err.get('msg')}"
            for err in exc.errors()
        )
        if is_perspective(request.url.path):
            return _google(P.invalid(f"Invalid request: {problems}"))
        return error_response(422, "invalid_request", f"invalid request: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if is_perspective(request.url.path):
            status = {404: "NOT_FOUND", 405: "INVALID_ARGUMENT"}.get(exc.status_code, "UNKNOWN")
            return _google(P.PerspectiveError(message, http_status=exc.status_code, status=status))
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, message)

    @app.exception_handler(P.PerspectiveError)
    async def on_perspective(request: Request, exc: P.PerspectiveError) -> JSONResponse:
        return _google(exc)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        message = f"internal error ({type(exc).__name__}); please report it"
        if is_perspective(request.url.path):
            return _google(P.PerspectiveError(message, http_status=500, status="INTERNAL"))
        return error_response(500, INTERNAL, message)

    # -- /v1 --

    async def analyze_items(items: list[DocumentInput], opts: Options) -> list[Document | ErrorRecord]:
        """Read each input (fetching URLs in threads), then analyse them all in the batcher, in order."""
        from unspun import cached_pipeline

        if opts != options:  # unknown stage, wrong order: refused before anything is read
            await asyncio.to_thread(cached_pipeline, opts)
        sources = await asyncio.gather(*(asyncio.to_thread(read_input, item, k, opts)
                                         for k, item in enumerate(items)))
        live = [(k, s) for k, s in enumerate(sources) if not isinstance(s, ErrorRecord)]
        results: list[Document | ErrorRecord] = list(sources)  # type: ignore[arg-type]
        analysed = await service.analyze([s for _, s in live], opts) if live else []
        for (k, _), result in zip(live, analysed, strict=True):
            results[k] = result
        return results

    async def analyze_admitted(
        items: list[DocumentInput], req: AnalysisOptions
    ) -> list[Document | ErrorRecord] | JSONResponse:
        """The /v1 endpoints' admission and analysis: each input's result in order, or the error response
        (server full, timed out, bad options)."""
        try:
            async with service.admitted():
                return await analyze_items(items, request_options(options, req))
        except Busy:
            return busy_response(settings, perspective=False)
        except TimeoutError:
            return timeout_response(settings, perspective=False)
        except UnspunError as exc:
            return error_response(REASON_STATUS.get(exc.reason, 400), exc.reason, str(exc))

    @app.post("/v1/analyze", tags=["analysis"], summary="Analyse one page",
              responses={200: {"description": "The `unspun/1` analysis (see the JSON Schema shipped in the "
                                              "package)."},
                         400: {"description": "Bad options, or a URL that is refused (private address)."},
                         413: {"description": "Request or input too large."},
                         422: {"description": "The input cannot be analysed (empty, binary, no text)."},
                         502: {"description": "The URL could not be fetched."},
                         503: {"description": "The server is full or the analysis timed out (Retry-After)."}})
    async def analyze(req: Annotated[AnalyzeRequest, Body()]) -> JSONResponse:
        given = [name for name in ("text", "html", "url") if getattr(req, name) is not None]
        if len(given) != 1:
            return error_response(422, "invalid_request",
                                  "give exactly one of text, html or url" + (f" (got {', '.join(given)})"
                                                                             if given else ""))
        results = await analyze_admitted([req], req)
        if isinstance(results, JSONResponse):
            return results
        (result,) = results
        if isinstance(result, ErrorRecord):
            return error_response(REASON_STATUS.get(result.reason, 422), result.reason, result.message)
        return JSONResponse(result.to_dict())

    @app.post("/v1/analyze:batch", tags=["analysis"], summary="Analyse many pages",
              responses={200: {"description": "`{\"results\": [...]}`: per document, in order, its "
                                              "`unspun/1` analysis or an `unspun/1-error` record."}})
    async def analyze_batch(req: Annotated[BatchRequest, Body()]) -> JSONResponse:
        if not req.documents:
            return error_response(422, "invalid_request", "documents is empty")
        if len(req.documents) > settings.max_batch_documents:
            return error_response(413, "too_large", f"{len(req.documents)} documents; at most "
                                                   f"{settings.max_batch_documents} per request")
        results = await analyze_admitted(req.documents, req)
        if isinstance(results, JSONResponse):
            return results
        return JSONResponse({"results": [r.to_dict() for r in results]})

    @app.post("/v1/view", tags=["analysis"], summary="The web page's view of an analysis",
              responses={200: {"description": "Blocks, highlighted layers, legend and tables of an "
                                              "`unspun/1` analysis, as plain strings and offsets "
                                              "(`unspun/1-view`)."},
                         422: {"description": "Not an `unspun/1` analysis."}})
    async def view(data: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        from unspun.render.view import page_view

        return rendering_response(data, page_view)

    @app.post("/v1/brat", tags=["analysis"], summary="An analysis as brat standoff",
              responses={200: {"description": "`{\"txt\", \"ann\", \"annotation_conf\", \"visual_conf\"}`: "
                                              "the files `unspun analyze --format brat` writes for it."},
                         422: {"description": "Not an `unspun/1` analysis."}})
    async def brat_files(data: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        from unspun.render.brat import brat_json

        return rendering_response(data, brat_json)

    @app.get("/healthz", tags=["service"], summary="Liveness and load")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok" if service.started else "starting", "pending": service.pending,
                "queued": service.batcher.queued, "batches": service.batcher.stats.to_dict()}

    @app.get("/version", tags=["service"], summary="Package, schema and model versions")
    async def version() -> dict[str, Any]:
        from unspun.encoder import default_model_dir, model_installed
        from unspun.pipeline import default_stage_names

        model_dir = options.model_dir or default_model_dir()
        model = await asyncio.to_thread(model_files, model_dir) if model_installed(model_dir) else None
        return {"unspun": __version__, "schema": "unspun/1", "model": model,
                "stages": list(options.stages or default_stage_names()),
                "perspective": {"attributes": list(P.SCORED_ATTRIBUTES),
                                "languages": list(P.SUPPORTED_LANGUAGES)}}

    # -- Perspective --

    @app.post("/v1alpha1/comments:analyze", tags=["perspective"], summary="Perspective API: score a comment",
              response_model=None)
    async def comments_analyze(req: Annotated[P.AnalyzeCommentRequest, Body()]) -> JSONResponse:
        if service.perspective_unavailable:
            raise P.PerspectiveError(f"The comment analyzer is not available on this server: "
                                     f"{service.perspective_unavailable}", http_status=503,
                                     status="UNAVAILABLE")
        checked = P.check_request(req)
        if not checked.attributes:  # every attribute asked for was dropped (dropUnsupportedAttributes)
            return JSONResponse(P.build_response(checked, None))
        opts = perspective_options
        if checked.languages:
            opts = opts.replace(language="en")
        try:
            async with service.admitted():
                (result,) = await service.analyze([checked.text], opts)
        except Busy:
            return busy_response(settings, perspective=True)
        except TimeoutError:
            return timeout_response(settings, perspective=True)
        if isinstance(result, ErrorRecord):
            if result.reason in ("empty", "no_content"):
                raise P.invalid("Comment must be non-empty.", "COMMENT_EMPTY")
            raise P.PerspectiveError(result.message, http_status=500, status="INTERNAL")
        if P.detected_unsupported(checked, result):
            checked = replace(checked, attributes={})
        return JSONResponse(P.build_response(checked, result))

    @app.get("/$discovery/rest", tags=["perspective"], summary="Discovery document of commentanalyzer")
    async def discovery(request: Request, version: Annotated[str, Query()] = "v1alpha1") -> JSONResponse:
        return discovery_response(request, version)

    @app.get("/discovery/v1/apis/commentanalyzer/{api_version}/rest", include_in_schema=False)
    async def discovery_v1(request: Request, api_version: str) -> JSONResponse:
        return discovery_response(request, api_version)

    # -- the web page and the docs --

    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    try:
        import swagger_ui_bundle

        assets = StaticFiles(directory=swagger_ui_bundle.swagger_ui_path)
        app.mount("/docs-assets", assets, name="docs-assets")
        docs_assets = True
    except ImportError:  # pragma: no cover - a runtime dependency
        docs_assets = False

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(static_dir() / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        if not docs_assets:
            return HTMLResponse("<p>Swagger UI is not installed; the API is described at /openapi.json</p>")
        return FileResponse(static_dir() / "docs.html", media_type="text/html; charset=utf-8")

    return app


def read_input(item: DocumentInput, index: int, options: Options) -> Any:
    """The `Source` of one request document, or its `ErrorRecord` (run in a thread: a URL is fetched)."""
    from unspun.errors import to_error_record
    from unspun.readers import HTML, TEXT, source_from_string

    record_id = item.id or (item.url or f"document {index}")
    try:
        if item.url is not None:
            from unspun.readers.url import fetch_url

            source = fetch_url(item.url, options=options)
            if item.id:
                source.id = item.id
            return source
        given = [(TEXT, item.text), (HTML, item.html)]
        present = [(fmt, content) for fmt, content in given if content is not None]
        if len(present) != 1:
            raise MalformedInputError(f"{record_id}: give exactly one of text, html or url")
        fmt, content = present[0]
        return source_from_string(content or "", options=options.replace(input_format=fmt),
                                  id=item.id or "")
    except Exception as exc:
        return to_error_record(exc, record_id)


def discovery_response(request: Request, version: str) -> JSONResponse:
    if version != "v1alpha1":
        error = P.PerspectiveError(f"Discovery document for commentanalyzer {version} not found; this server "
                                   f"serves v1alpha1", http_status=404, status="NOT_FOUND")
        return _google(error)
    return JSONResponse(discovery_document(str(request.base_url)))


def _google(exc: P.PerspectiveError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.http_status, headers=exc.headers or None)


def busy_response(settings: ServerSettings, *, perspective: bool) -> JSONResponse:
    headers = {"retry-after": str(settings.retry_after_s)}
    message = f"the server is busy ({settings.max_pending} requests in progress); retry later"
    if perspective:  # what Perspective's clients back off from: quota exceeded
        return _google(P.PerspectiveError(message[0].upper() + message[1:], http_status=429,
                                          status="RESOURCE_EXHAUSTED", headers=headers))
    return error_response(503, "busy", message, headers)


def timeout_response(settings: ServerSettings, *, perspective: bool) -> JSONResponse:
    headers = {"retry-after": str(settings.retry_after_s)}
    message = f"the analysis did not finish within {settings.timeout_s:g} s; retry later"
    if perspective:
        return _google(P.PerspectiveError(message[0].upper() + message[1:], http_status=504,
                                          status="DEADLINE_EXCEEDED", headers=headers))
    return error_response(503, "timeout", message, headers)

