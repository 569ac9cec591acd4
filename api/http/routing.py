"""Shared route plumbing: the JSON-only route class, and access to the app's services from a request."""
from __future__ import annotations

from email.message import Message as _HeaderParser
from typing import Any, Callable, Coroutine, Optional

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException  # the base class: FastAPI raises this one, not its subclass

from api.assistant import Assistant
from api.ratelimit import Limits
from api.settings import Settings


def is_json(content_type: Optional[str]) -> bool:
    if not content_type:
        return False
    parser = _HeaderParser()
    parser["content-type"] = content_type
    main, sub = parser.get_content_maintype(), parser.get_content_subtype()
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def read_as_json(request: Request) -> Request:
    """The same request, with its body declared JSON whatever its Content-Type said."""
    headers = [(name, value) for name, value in request.scope["headers"] if name != b"content-type"]
    headers.append((b"content-type", b"application/json"))
    return Request({**request.scope, "headers": headers}, request.receive)


class JsonRoute(APIRoute):
    """Routes with a body accept only JSON: anything else is 415, decided before the body is parsed.

    A dependency could not do this: FastAPI parses (and may reject) the body before dependencies run,
    so the same request could get 422 or 415 depending on whether it happened to be valid JSON.
    """

    # Set by AnyContentTypeJsonRoute: read every body as JSON instead of refusing other content types.
    any_content_type = False

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def json_only(request: Request) -> Response:
            if self.any_content_type:
                request = read_as_json(request)
            elif not is_json(request.headers.get("content-type")):
                return JSONResponse({"detail": "Content-Type must be application/json."}, status_code=415)
            try:
                return await handler(request)
            except HTTPException as e:
                # FastAPI answers 400 when the body is not even text (invalid UTF-8); to a client that is
                # just malformed JSON, which is 422 everywhere else.
                if e.status_code == 400:
                    raise RequestValidationError(
                        [{"type": "json_invalid", "loc": ("body", 0), "msg": "Body is not valid UTF-8 JSON"}]
                    ) from None
                raise

        return json_only


class AnyContentTypeJsonRoute(JsonRoute):
    """For Rasa's REST webhook: the body is JSON whatever Content-Type says, as under `rasa run` (Sanic
    parses it regardless), so `curl -d '{...}'` (sent as a form) and text/plain clients keep working.
    A body that is not valid JSON is still 422, and the size limit still applies first."""

    any_content_type = True


def assistant_of(request: Any) -> Assistant:
    return request.app.state.assistant


def limits_of(request: Any) -> Limits:
    return request.app.state.limits


def settings_of(request: Any) -> Settings:
    return request.app.state.settings


def client_ip(request: Request) -> str:
    # Behind a proxy, run uvicorn with --proxy-headers/--forwarded-allow-ips so this is the real client.
    return request.client.host if request.client else "unknown"
