"""The web API, `/api/v1`: create a conversation, send it messages, delete it; the widget's help contacts."""

from typing import Any, Dict, List

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.http import pages
from api.assistant import ConversationNotFound
from api.conversations import API, in_namespace, new_conversation_id
from api.http.errors import responses
from api.idempotency import KEY_PATTERN, MAX_KEY_CHARS, checked_key
from api.http.routing import JsonRoute, assistant_of, client_ip, limits_of, settings_of
from api.http.schemas import ConversationCreated, MessagesResponse

GREETING_PAYLOAD = "/greet"
_MESSAGE_KEYS = ("text", "buttons", "image", "attachment", "custom")

ConversationId = Path(..., description="The id returned when the conversation was created")
# Described here and read in the handler (not a FastAPI Header parameter), so a bad key is the 400 the
# IETF Idempotency-Key draft asks for rather than FastAPI's 422.
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": f"1-{MAX_KEY_CHARS} printable ASCII characters, such as a random UUID: new for each message, "
    "the same when that message is sent again. A repeat within the conversation's life gets the first "
    "delivery's reply (200) and changes nothing; the same key with a different message is 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_CHARS, "pattern": KEY_PATTERN},
}


class HelpContacts(BaseModel):
    values: Dict[str, str] = Field(
        ...,
        description="`{service}_{field}` values from the resource file (name, phone, text_number, text_word, "
        "url, email, hours; `_under` is the first age a service no longer takes), as in the assistant's replies.",
        example={"childline_name": "Childline", "childline_phone": "0800 1111", "childline_under": "19"},
    )


def to_api_messages(replies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rasa's output messages minus `recipient_id` (the client already knows its conversation)."""
    return [{k: reply[k] for k in _MESSAGE_KEYS if reply.get(k) is not None} for reply in replies]


def build_router(models: Dict[str, type]) -> APIRouter:
    SendMessage = models["SendMessage"]
    router = APIRouter(prefix="/api/v1", tags=["conversations"], route_class=JsonRoute)

    @router.post(
        "/conversations",
        status_code=201,
        response_model=ConversationCreated,
        responses=responses(429, 503),
        summary="Start a conversation",
        description="Creates a conversation with a new unguessable id and returns the assistant's greeting. "
        "Conversations idle for RETENTION_MINUTES are deleted. 503 with Retry-After when MAX_CONVERSATIONS "
        "are live, or this client has started MAX_CONVERSATIONS_PER_CLIENT within RETENTION_MINUTES.",
    )
    async def create_conversation(request: Request) -> JSONResponse:
        await limits_of(request).check_client(client_ip(request))
        conversation_id = new_conversation_id(API)
        replies = await assistant_of(request).send(
            conversation_id, payload=GREETING_PAYLOAD, channel="api", create=True, client=client_ip(request)
        )
        return JSONResponse(
            {"conversation_id": conversation_id, "messages": to_api_messages(replies)}, status_code=201
        )

    @router.post(
        "/conversations/{conversation_id}/messages",
        response_model=MessagesResponse,
        responses=responses(400, 404, 413, 415, 429, 503),
        summary="Send a message",
        description="Send what the person typed as `text`, or a pressed button's `payload`. "
        "Control characters are stripped; text must not be empty and is limited to MAX_TEXT_CHARS. "
        "With an `Idempotency-Key` header, sending the same message again (after a lost reply or an "
        "error) returns the first reply instead of answering twice.",
        openapi_extra={"parameters": [IDEMPOTENCY_KEY_PARAMETER]},
    )
    async def send_message(
        request: Request,
        body: SendMessage,  # type: ignore[valid-type]
        conversation_id: str = ConversationId,
    ) -> JSONResponse:
        idempotency_key = request.headers.get("idempotency-key")
        if idempotency_key is not None:
            checked_key(idempotency_key)  # a bad key is refused before anything else is looked at
        assistant = assistant_of(request)
        limits = limits_of(request)
        await limits.check_client(client_ip(request))
        if not in_namespace(conversation_id, API) or not await assistant.conversation_exists(conversation_id):
            raise ConversationNotFound(conversation_id)
        await limits.check_conversation(conversation_id)
        message: Any = body  # its class is built per app (the text limit is a setting), so mypy cannot see it
        replies = await assistant.send(
            conversation_id, text=message.text, payload=message.payload, channel="api",
            idempotency_key=idempotency_key,
        )
        return JSONResponse({"messages": to_api_messages(replies)})

    @router.delete(
        "/conversations/{conversation_id}",
        status_code=204,
        response_class=Response,
        responses=responses(404),
        summary="Delete a conversation",
        description="Erases the conversation from the store at once (erasure on request). "
        "Later messages to this id get 404.",
    )
    async def delete_conversation(request: Request, conversation_id: str = ConversationId) -> Response:
        # Never rate limited: a person leaving in a hurry must always be able to erase the conversation.
        if not in_namespace(conversation_id, API) or not await assistant_of(request).delete(conversation_id):
            raise ConversationNotFound(conversation_id)
        return Response(status_code=204)

    @router.get(
        "/help-contacts",
        response_model=HelpContacts,
        summary="Help contacts for the website widget",
        description="Who to call and for whom, from the deployer's resource file. The widget fetches this "
        "when it loads, so that it can still point someone to a person if the chat later fails.",
    )
    async def help_contacts(request: Request) -> JSONResponse:
        # Not rate limited and cacheable: public facts that every page view of a deployer's site may ask for.
        facts = pages.profile_facts(settings_of(request).kestrel_profile)
        return JSONResponse(
            pages.widget_help(facts), headers={"Cache-Control": f"public, max-age={pages.STATIC_MAX_AGE}"}
        )

    return router
