"""Operations: liveness, readiness, Prometheus metrics and (with ADMIN_TOKEN) Rasa's NLU parse."""

import hmac
import json
from typing import Any, Callable, Coroutine, Dict, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer

from api.http.errors import error, responses
from api.metrics import CONTENT_TYPE_LATEST
from api.http.routing import JsonRoute, assistant_of, client_ip, limits_of, settings_of
from api.http.schemas import Health, ParseResult, Readiness


def build_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", response_model=Health, summary="Process is alive")
    async def health() -> Dict[str, str]:
        # Answered on the server's loop without touching the model thread, so it stays fast when busy.
        return {"status": "ok"}

    @router.get(
        "/ready",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Model not loaded (yet) or store unreachable"}},
        summary="Model loaded and store reachable",
    )
    async def ready(request: Request) -> JSONResponse:
        assistant = assistant_of(request)
        # Ready or not, so a deployer's probe or dashboard sees it from the first check.
        unverified = {"unverified": request.app.state.unverified_facts} if request.app.state.unverified_facts else {}
        if assistant.is_ready and assistant.store_reachable():
            return JSONResponse({"status": "ready", **unverified})
        status = assistant.state.value if not assistant.is_ready else "store_unreachable"
        detail = assistant.load_error and "model failed to load"
        body: Dict[str, Any] = {"status": status}
        if detail:
            body["detail"] = detail
        return JSONResponse({**body, **unverified}, status_code=503, headers={"Retry-After": "10"})

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
        summary="Prometheus metrics (counts only: no text, no ids)",
    )
    async def metrics(request: Request) -> Response:
        return Response(assistant_of(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _check_admin(request: Request) -> Optional[Response]:
    token = settings_of(request).admin_token
    if not token:
        return error(404, "Not Found")
    failures = limits_of(request).admin_failures
    client = client_ip(request)
    # Checked before the token is compared: once a client has used up its wrong guesses, even a right one
    # waits, so the answer to a guess never depends on whether it was right.
    wait = await failures.wait(client)
    if wait is not None:
        return error(429, "Too many wrong admin tokens. Please wait and try again.", {"Retry-After": str(wait)})
    header = request.headers.get("authorization", "")
    scheme, _, supplied = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(supplied.strip().encode(), token.encode()):
        await failures.hit(client)
        return error(401, "Missing or wrong admin token.", {"WWW-Authenticate": "Bearer"})
    return None


class AdminRoute(JsonRoute):
    """Authorisation before anything else, body parsing included: without ADMIN_TOKEN the route is a
    plain 404 whatever is sent, and a wrong token never learns whether its body was valid."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def admin_only(request: Request) -> Response:
            return await _check_admin(request) or await handler(request)

        return admin_only


def build_admin_router(models: Dict[str, type]) -> APIRouter:
    ParseRequest = models["ParseRequest"]
    router = APIRouter(tags=["admin"], route_class=AdminRoute)
    # Documents the bearer scheme in OpenAPI; AdminRoute does the actual check.
    bearer = HTTPBearer(auto_error=False, description="ADMIN_TOKEN")

    @router.post(
        "/model/parse",
        response_model=ParseResult,
        responses=responses(401, 404, 413, 415, 429, 503),
        dependencies=[Depends(bearer)],
        summary="Parse a message with the NLU model (admin)",
        description="Rasa's parse result (intent, entities, intent_ranking). Needs "
        "`Authorization: Bearer $ADMIN_TOKEN`; 404 when no ADMIN_TOKEN is configured. "
        "Touches no conversation.",
    )
    async def parse(request: Request, body: ParseRequest) -> JSONResponse:  # type: ignore[valid-type]
        await limits_of(request).check_client(client_ip(request))
        text: str = getattr(body, "text")  # noqa: B009 - the class is built per app, unknown to mypy
        result = await assistant_of(request).parse(text)
        # Rasa may put numpy scalars in the result: make them plain JSON numbers.
        return JSONResponse(json.loads(json.dumps(result, default=_plain)))

    return router


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)
