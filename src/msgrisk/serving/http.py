"""HTTP serving: a small FastAPI app over :class:`msgrisk.serving.predict.Predictor`.

Endpoints: ``POST /predict``, ``POST /redact``, ``GET /health``; OpenAPI docs at ``/docs``.
Request bodies are bounded (413 past ``max_body_bytes``, checked on ``Content-Length`` and
on the bytes actually received), invalid ones get 422, and any internal error gets a
generic 500 JSON body: no stack trace and no message text ever leaves the process or
reaches the logs.
"""

import asyncio
import json
import logging
import threading
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints

from msgrisk.serving.predict import FULFILLMENTS, SENDER_ROLES, Predictor, default_predictor, redact

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


class RequestGuard:
    """ASGI middleware: bounded request bodies (413) and a generic 500 for anything unhandled.

    The body is buffered here (at most ``max_body_bytes``) and replayed to the app, so the
    limit holds even when ``Content-Length`` is absent or lies (chunked uploads).
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body_bytes
            except ValueError:
                await _send_json(send, 400, {"detail": "invalid Content-Length header"})
                return
            if too_big:
                await self._reject(send)
                return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                await self._reject(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, replay, tracking_send)
        except Exception as err:
            # why: the exception text may quote a message; log the type and frames only
            frames = "".join(traceback.format_list(traceback.extract_tb(err.__traceback__)[-6:]))
            log.error("unhandled %s on %s %s\n%s", type(err).__name__, scope.get("method"),
                      scope.get("path"), frames)
            if not started:
                await _send_json(send, 500, {"detail": "internal server error"})

    async def _reject(self, send: Send) -> None:
        await _send_json(send, 413, {"detail": f"request body larger than "
                                               f"{self.max_body_bytes} bytes"})


def _models(max_batch: int, max_text_chars: int) -> tuple[type[BaseModel], type[BaseModel]]:
    """Request models carrying this app's limits (pydantic turns violations into 422)."""
    Text = Annotated[StrictStr, StringConstraints(max_length=max_text_chars)]
    Texts = Annotated[list[Text], Field(min_length=1, max_length=max_batch)]

    class PredictRequest(BaseModel):
        """Messages to classify, with optional context about the sender."""

        model_config = ConfigDict(extra="forbid")
        texts: Texts
        sender_role: Literal[SENDER_ROLES] | None = None  # type: ignore[valid-type]
        fulfillment: Literal[FULFILLMENTS] | None = None  # type: ignore[valid-type]

    class RedactRequest(BaseModel):
        """Messages to redact."""

        model_config = ConfigDict(extra="forbid")
        texts: Texts

    return PredictRequest, RedactRequest


class SpanOut(BaseModel):
    label: str
    start: int
    end: int
    rule: str
    text: str


class PredictionOut(BaseModel):
    labels: list[str]
    primary: str
    scores: dict[str, float]
    source: str
    label_sources: dict[str, str] = {}
    spans: list[SpanOut]
    top_features: dict[str, list[tuple[str, float]]]
    model_version: str | None
    truncated: bool


class PredictResponse(BaseModel):
    model_version: str | None
    source_mode: str
    predictions: list[PredictionOut]


class RedactResponse(BaseModel):
    texts: list[str]


class HealthResponse(BaseModel):
    status: str
    mode: str
    model_version: str | None
    fallback_reason: str | None


def create_app(predictor: Predictor | None = None, max_body_bytes: int = 1_000_000,
               max_batch: int = 256, max_text_chars: int = 20_000) -> FastAPI:
    """The msgrisk HTTP app; with no ``predictor`` it serves the process-wide default one."""
    PredictRequest, RedactRequest = _models(max_batch, max_text_chars)
    holder: dict[str, Predictor] = {}
    lock = threading.Lock()

    def get_predictor() -> Predictor:
        # lazy and thread-safe: first request (or startup) loads it, everyone reuses it
        if "p" not in holder:
            with lock:
                if "p" not in holder:
                    holder["p"] = (predictor if predictor is not None
                                   else default_predictor())
        return holder["p"]

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        await asyncio.to_thread(get_predictor)  # load before the first request, off the loop
        yield

    app = FastAPI(title="msgrisk", summary="Message-risk classifier for order messaging.",
                  version=_version(), lifespan=lifespan)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # why: pydantic echoes the offending input; drop it so no message text is sent back
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type")}
                  for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.get("/health", response_model=HealthResponse)
    def health_endpoint() -> dict[str, Any]:
        """Liveness plus what is being served: a trained model or the rules fallback."""
        p = get_predictor()
        return {"status": "ok", "mode": p.mode, "model_version": p.model_version,
                "fallback_reason": p.fallback_reason}

    @app.post("/predict", response_model=PredictResponse)
    def predict_endpoint(body: PredictRequest) -> dict[str, Any]:  # type: ignore[valid-type]
        """Risk labels, scores and explanations for each text (same order as the input)."""
        p = get_predictor()
        predictions = p.predict_batch(body.texts)  # type: ignore[attr-defined]
        return {"model_version": p.model_version, "source_mode": p.mode,
                "predictions": [x.to_dict() for x in predictions]}

    @app.post("/redact", response_model=RedactResponse)
    def redact_endpoint(body: RedactRequest) -> dict[str, Any]:  # type: ignore[valid-type]
        """Each text with contact details and secrets masked."""
        return {"texts": [redact(t) for t in body.texts]}  # type: ignore[attr-defined]

    app.add_middleware(RequestGuard, max_body_bytes=max_body_bytes)
    return app


def _version() -> str:
    from importlib.metadata import version

    __version__ = version("msgrisk")

    return __version__


#: Idle keep-alive before the server closes a connection. uvicorn's default (5 s) races with
#: clients reusing a pooled connection just as it closes (ReadError in the load test).
KEEP_ALIVE_S = 75


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the API with uvicorn (each worker process loads the predictor once at startup)."""
    import uvicorn

    uvicorn.run("msgrisk.serving.http:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="info", timeout_keep_alive=KEEP_ALIVE_S)
