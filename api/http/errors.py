"""How expected failures become HTTP answers: a clear 4xx or 503 with `{"detail": "..."}`.
Unexpected ones are caught by `middleware.UnexpectedErrorMiddleware`."""
from __future__ import annotations

from typing import Any, Dict

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.rasa.agent_worker import ModelBusy
from api.assistant import ConversationNotFound, NotReady, StoreUnavailable
from api.idempotency import BadIdempotencyKey, IdempotencyKeyReused
from api.ratelimit import RateLimited
from api.http.schemas import Error

NOT_FOUND_DETAIL = "Conversation not found: it may have expired or been deleted. Start a new one."
NOT_READY_RETRY_SECONDS = 30


def error(status: int, detail: str, headers: Dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ConversationNotFound)
    async def _not_found(_: Request, __: ConversationNotFound) -> JSONResponse:
        return error(404, NOT_FOUND_DETAIL)

    @app.exception_handler(NotReady)
    async def _not_ready(_: Request, exc: NotReady) -> JSONResponse:
        return error(503, str(exc), {"Retry-After": str(NOT_READY_RETRY_SECONDS)})

    @app.exception_handler(StoreUnavailable)
    async def _store_unavailable(_: Request, exc: StoreUnavailable) -> JSONResponse:
        return error(503, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(ModelBusy)
    async def _busy(_: Request, exc: ModelBusy) -> JSONResponse:
        return error(503, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(BadIdempotencyKey)
    async def _bad_key(_: Request, exc: BadIdempotencyKey) -> JSONResponse:
        return error(400, str(exc))

    @app.exception_handler(IdempotencyKeyReused)
    async def _key_reused(_: Request, exc: IdempotencyKeyReused) -> JSONResponse:
        return error(422, str(exc))

    @app.exception_handler(RateLimited)
    async def _limited(_: Request, exc: RateLimited) -> JSONResponse:
        return error(429, str(exc), {"Retry-After": str(exc.retry_after)})



def responses(*statuses: int) -> Dict[int | str, Dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses a route can return."""
    described = {
        400: "Bad Idempotency-Key",
        401: "Missing or wrong bearer token",
        404: "Not found",
        413: "Request body too large",
        415: "Content-Type must be application/json",
        429: "Rate limit reached; see Retry-After",
        503: "Model not loaded yet, busy for too long, or conversation store unreachable; see Retry-After",
    }
    retry_after = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
    out: Dict[int | str, Dict[str, Any]] = {}
    for status in statuses:
        entry: Dict[str, Any] = {"model": Error, "description": described[status]}
        if status in (429, 503):
            entry["headers"] = retry_after
        out[status] = entry
    return out
