"""Rasa's REST channel, byte-for-byte: `POST /webhooks/rest/webhook` so existing Rasa clients work unchanged.

Like `rasa run`: any Content-Type (the body is read as JSON), a numeric sender taken as text, a missing or
blank message answered with `[]`, and `?stream=true` answered one JSON object per line. Unlike it, on
purpose (docs/rasa-clients.md): a missing sender is refused rather than put in a shared "default"
conversation, and bad bodies get a 4xx instead of an empty answer or a 500.
"""

import json
import re
from typing import Any, Dict, Iterator, List, Optional

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse

from api.conversations import rest_conversation_id
from api.http.errors import responses
from api.http.routing import AnyContentTypeJsonRoute, assistant_of, client_ip, limits_of, settings_of
from api.http.schemas import Health, RestMessage
from api.idempotency import split_idempotency_key
from api.settings import REST_SENDER_PATTERN

_UNGUESSABLE_SENDER = re.compile(REST_SENDER_PATTERN)

MISSING_SENDER = (
    "sender is required: send an id of this person's own conversation, such as a random UUID. (Rasa would "
    "put every message without a sender into one shared conversation, \"default\", where people would read "
    "each other's replies.)"
)
GUESSABLE_SENDER = (
    "sender must be at least 22 characters of A-Z, a-z, 0-9, _ and - (a UUID or random token), so that no "
    "one can guess it"
)


def wants_stream(stream: Optional[str]) -> bool:
    """Rasa's rule (rasa.utils.endpoints.bool_arg): only "true", in any case, turns streaming on."""
    return stream is not None and stream.lower() == "true"


def json_lines(messages: List[Dict[str, Any]]) -> Iterator[str]:
    # Written as Rasa's RestInput.stream_response writes them: json.dumps' defaults, one object a line.
    for message in messages:
        yield json.dumps(message) + "\n"


def _refuse_sender(message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("body", "sender"), "msg": message}])


def build_router(models: Dict[str, type]) -> APIRouter:
    RestRequest = models["RestRequest"]
    router = APIRouter(prefix="/webhooks/rest", tags=["rasa-compatible"], route_class=AnyContentTypeJsonRoute)

    @router.get("/", response_model=Health, summary="REST channel health (as in Rasa)")
    async def rest_health() -> Dict[str, str]:
        return {"status": "ok"}

    @router.post(
        "/webhook",
        response_model=List[RestMessage],
        responses={
            200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                  "description": "The replies; with `?stream=true`, one JSON object per line"},
            **responses(400, 413, 429, 503),
        },
        summary="Rasa REST channel",
        description="Rasa's REST input format `{sender, message, metadata?}` and output "
        "`[{recipient_id, text?, buttons?, image?, ...}]`. The body is read as JSON whatever its "
        "Content-Type, as in Rasa. The sender names the conversation; an unknown sender starts a new one. "
        "Unless REST_OPEN_SENDERS is on (for a trusted front end only), the sender must be at least 22 "
        "characters of A-Z, a-z, 0-9, `_` and `-`: a UUID or 16+ random bytes. REST conversations are "
        "reachable through this webhook only. A missing or blank `message` is answered with `[]`. "
        "`metadata.idempotency_key` (1-128 printable ASCII characters) makes a resend of the same message "
        "return the first reply instead of answering twice.",
    )
    async def receive(
        request: Request,
        body: RestRequest,  # type: ignore[valid-type]
        stream: Optional[str] = Query(
            None, description="`true` (any case): each reply as one JSON object per line, "
            "`text/event-stream`, as Rasa's `?stream=true`",
        ),
    ) -> Response:
        rest: Any = body  # its class is built per app (the text limit is a setting), so mypy cannot see it
        limits = limits_of(request)
        await limits.check_client(client_ip(request))
        if rest.sender is None:
            raise _refuse_sender(MISSING_SENDER)
        if not settings_of(request).rest_open_senders and not _UNGUESSABLE_SENDER.fullmatch(rest.sender):
            raise _refuse_sender(GUESSABLE_SENDER)
        metadata, idempotency_key = split_idempotency_key(rest.metadata)
        replies: List[Dict[str, Any]] = []
        if rest.message is not None:  # None: missing or blank, which Rasa answers with nothing
            conversation_id = rest_conversation_id(rest.sender)
            await limits.check_conversation(conversation_id)
            replies = await assistant_of(request).send(
                conversation_id, text=rest.message, channel="rest", metadata=metadata, create=True,
                client=client_ip(request), idempotency_key=idempotency_key,
            )
        # Rasa's messages as they are, recipient_id first (and the sender, as Rasa's clients expect, not
        # the namespaced id): no re-serialisation through a model.
        messages = [{**reply, "recipient_id": rest.sender} if "recipient_id" in reply else reply for reply in replies]
        if wants_stream(stream):
            # The turn is over before the first line is written (Kestrel's one action sends its messages
            # together anyway), so a refusal is still a 429 or 503 rather than a stream that stops.
            return StreamingResponse(json_lines(messages), media_type="text/event-stream")
        return JSONResponse(messages)

    return router
