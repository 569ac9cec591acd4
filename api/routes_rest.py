"""Rasa's REST channel, byte-for-byte: `POST /webhooks/rest/webhook` so existing Rasa clients work unchanged."""

from typing import Any, Dict, List

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.errors import responses
from api.routing import JsonRoute, assistant_of, client_ip, limits_of
from api.schemas import Health, RestMessage


def build_router(models: Dict[str, type]) -> APIRouter:
    RestRequest = models["RestRequest"]
    router = APIRouter(prefix="/webhooks/rest", tags=["rasa-compatible"], route_class=JsonRoute)

    @router.get("/", response_model=Health, summary="REST channel health (as in Rasa)")
    async def rest_health() -> Dict[str, str]:
        return {"status": "ok"}

    @router.post(
        "/webhook",
        response_model=List[RestMessage],
        responses=responses(413, 415, 429, 503),
        summary="Rasa REST channel",
        description="Rasa's REST input format `{sender, message, metadata?}` and output "
        "`[{recipient_id, text?, buttons?, image?, ...}]`. The sender names the conversation; an unknown "
        "sender starts a new one. Streaming (`?stream=true`) is not supported.",
    )
    async def receive(request: Request, body: RestRequest) -> JSONResponse:  # type: ignore[valid-type]
        rest: Any = body  # its class is built per app (the text limit is a setting), so mypy cannot see it
        limits = limits_of(request)
        limits.check_client(client_ip(request))
        limits.check_conversation(rest.sender)
        replies = await assistant_of(request).send(
            rest.sender, text=rest.message, channel="rest", metadata=rest.metadata, create=True
        )
        # Rasa's messages as they are, recipient_id first: no re-serialisation through a model.
        return JSONResponse(replies)

    return router
