"""Rasa's REST channel, byte-for-byte: `POST /webhooks/rest/webhook` so existing Rasa clients work unchanged."""

import re
from typing import Any, Dict, List

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.conversations import rest_conversation_id
from api.errors import responses
from api.routing import JsonRoute, assistant_of, client_ip, limits_of, settings_of
from api.schemas import Health, RestMessage
from api.settings import REST_SENDER_PATTERN

_UNGUESSABLE_SENDER = re.compile(REST_SENDER_PATTERN)


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
        "sender starts a new one. Unless REST_OPEN_SENDERS is on (for a trusted front end only), the sender "
        "must be at least 22 characters of A-Z, a-z, 0-9, `_` and `-`: a UUID or 16+ random bytes. REST "
        "conversations are reachable through this webhook only. Streaming (`?stream=true`) is not supported.",
    )
    async def receive(request: Request, body: RestRequest) -> JSONResponse:  # type: ignore[valid-type]
        rest: Any = body  # its class is built per app (the text limit is a setting), so mypy cannot see it
        limits = limits_of(request)
        limits.check_client(client_ip(request))
        if not settings_of(request).rest_open_senders and not _UNGUESSABLE_SENDER.fullmatch(rest.sender):
            raise RequestValidationError([{
                "type": "value_error", "loc": ("body", "sender"),
                "msg": "sender must be at least 22 characters of A-Z, a-z, 0-9, _ and - (a UUID or random "
                       "token), so that no one can guess it",
            }])
        conversation_id = rest_conversation_id(rest.sender)
        limits.check_conversation(conversation_id)
        replies = await assistant_of(request).send(
            conversation_id, text=rest.message, channel="rest", metadata=rest.metadata, create=True
        )
        # Rasa's messages as they are, recipient_id first (and the sender, as Rasa's clients expect, not
        # the namespaced id): no re-serialisation through a model.
        return JSONResponse([
            {**reply, "recipient_id": rest.sender} if "recipient_id" in reply else reply for reply in replies
        ])

    return router
