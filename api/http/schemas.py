"""The public contract: request and response bodies, as they appear in the OpenAPI schema at /docs.

Request models are built per app by `request_models(max_text_chars)` because the text limit is a setting.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from pydantic import BaseModel, Extra, Field, StrictFloat, StrictInt, StrictStr, root_validator, validator

from api.text_input import (
    MAX_METADATA_BYTES,
    MAX_SENDER_CHARS,
    MEANINGFUL_PATTERN,
    PAYLOAD_PATTERN,
    check_metadata,
    check_payload,
    check_sender,
    clean_message,
    is_blank,
)


def _not_null(value: Any) -> Any:
    # Optional in Python only: a field that is sent must be a string, as the schema says.
    if value is None:
        raise ValueError("must be a string when present")
    return value

# ---- responses --------------------------------------------------------------------------------------


class Button(BaseModel):
    title: str = Field(..., example="Under 18")
    payload: Optional[str] = Field(
        None, description="Send this back as `payload` when the button is pressed.",
        example='/tell_age{"age_group":"under18"}',
    )
    url: Optional[str] = Field(None, description="Present for link buttons instead of a payload.")

    class Config:
        extra = Extra.allow


class Message(BaseModel):
    """One message from the assistant. Every field is optional; most messages have `text`."""

    text: Optional[str] = Field(None, example="You are not in trouble, and this is not your fault.")
    buttons: Optional[List[Button]] = None
    image: Optional[str] = Field(None, description="URL of an image")
    attachment: Optional[Any] = None
    custom: Optional[Dict[str, Any]] = Field(None, description="A custom payload from the assistant")


class ConversationCreated(BaseModel):
    conversation_id: str = Field(
        ..., description="Unguessable id (192 random bits, URL-safe). Treat it as a secret.",
        example="hJ3kP0x1b2Q9mZ7s8VnR4tLw5yUe6aCd",
    )
    messages: List[Message] = Field(..., description="The greeting")


class MessagesResponse(BaseModel):
    messages: List[Message]


class RestMessage(BaseModel):
    """Rasa REST channel output: the assistant's message plus `recipient_id` (the sender)."""

    recipient_id: str
    text: Optional[str] = None
    image: Optional[str] = None
    buttons: Optional[List[Button]] = None
    attachment: Optional[Any] = None
    custom: Optional[Dict[str, Any]] = None


class Intent(BaseModel):
    name: Optional[str]
    confidence: float

    class Config:
        extra = Extra.allow


class ParseResult(BaseModel):
    """Rasa's NLU parse result, as `rasa run`'s /model/parse returns it."""

    text: str
    intent: Intent
    entities: List[Dict[str, Any]]
    intent_ranking: List[Intent] = []

    class Config:
        extra = Extra.allow


class Error(BaseModel):
    detail: str = Field(..., example="Conversation not found. It may have expired or been deleted.")


class Health(BaseModel):
    status: str = Field("ok", example="ok")


class Readiness(BaseModel):
    status: str = Field(..., description="`ready`, `loading` or `failed`", example="ready")
    detail: Optional[str] = None
    unverified: Optional[List[str]] = Field(
        None,
        description="Facts (numbers, addresses, hours) marked unverified in the resource files and not yet "
        "confirmed by the deployer in CONFIRMED_FACTS; absent when there are none",
        example=["kent.police_online_report_url"],
    )


# ---- requests ---------------------------------------------------------------------------------------


def request_models(max_text_chars: int) -> Dict[str, type]:
    """Request bodies whose text limit is `max_text_chars` (shown in the schema as maxLength)."""

    class SendMessage(BaseModel):
        """Exactly one of `text` (what the person typed) or `payload` (a button's payload)."""

        text: Optional[StrictStr] = Field(
            None, maxLength=max_text_chars, pattern=MEANINGFUL_PATTERN,
            description="What the person typed. Control characters are stripped; must not be blank.",
            example="someone has my pics and wants money",
        )
        payload: Optional[StrictStr] = Field(
            None, pattern=PAYLOAD_PATTERN, maxLength=max_text_chars,
            description="A button's payload, exactly as received in `buttons`.",
            example='/tell_age{"age_group":"under18"}',
        )

        class Config:
            schema_extra = {"oneOf": [{"required": ["text"]}, {"required": ["payload"]}]}

        _present_means_string = validator("text", "payload", pre=True, allow_reuse=True)(_not_null)

        @validator("text", allow_reuse=True)
        def _text(cls, value: Optional[str]) -> Optional[str]:
            return None if value is None else clean_message(value, max_text_chars)

        @validator("payload", allow_reuse=True)
        def _payload(cls, value: Optional[str]) -> Optional[str]:
            return None if value is None else check_payload(value, max_text_chars)

        @root_validator(skip_on_failure=True, allow_reuse=True)
        def _exactly_one(cls, values: Dict[str, Any]) -> Dict[str, Any]:
            if (values.get("text") is None) == (values.get("payload") is None):
                raise ValueError("send exactly one of `text` or `payload`")
            return values

    class RestRequest(BaseModel):
        """Rasa REST channel input."""

        sender: Optional[Union[StrictStr, StrictInt, StrictFloat]] = Field(
            None, maxLength=MAX_SENDER_CHARS, pattern=MEANINGFUL_PATTERN,
            description="The conversation id, chosen by the client. Use a long random value. A number is "
            "taken as its text (`42` is `\"42\"`), as in Rasa.",
        )
        message: Optional[StrictStr] = Field(
            None, maxLength=max_text_chars,
            description="Text, or a button payload. Missing, null or blank: the answer is `[]` and nothing "
            "is added to the conversation, as in Rasa.",
        )
        metadata: Optional[Dict[str, Any]] = Field(None, description=f"At most {MAX_METADATA_BYTES} bytes of JSON")

        class Config:
            @staticmethod
            def schema_extra(schema: Dict[str, Any], model: type) -> None:
                # Optional in Python so that a missing sender gets its own explanation (api/channels/rest.py),
                # but required by the contract; and a null message is accepted, as Rasa accepts it.
                schema["required"] = ["sender"]
                message = schema["properties"]["message"]
                described = {k: message.pop(k) for k in ("title", "description") if k in message}
                schema["properties"]["message"] = {"anyOf": [message, {"type": "null"}], **described}

        @validator("sender", allow_reuse=True)
        def _sender(cls, value: Union[str, int, float, None]) -> Optional[str]:
            if value is None:
                return None
            # JSON numbers only (StrictInt refuses true/false), written as Python writes them, like Rasa.
            return check_sender(value if isinstance(value, str) else str(value))

        @validator("message", allow_reuse=True)
        def _message(cls, value: Optional[str]) -> Optional[str]:
            if value is None or is_blank(value):
                return None
            return clean_message(value, max_text_chars, field="message")

        @validator("metadata", pre=True, allow_reuse=True)
        def _metadata_is_an_object(cls, value: Any) -> Any:
            # pydantic v1 would turn a list of pairs (or []) into a dict; the schema says object.
            if not isinstance(value, dict):
                raise ValueError("metadata must be a JSON object when present")
            return value

        @validator("metadata", allow_reuse=True)
        def _metadata(cls, value: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
            return check_metadata(value)

    class ParseTextRequest(BaseModel):
        text: StrictStr = Field(..., maxLength=max_text_chars, pattern=MEANINGFUL_PATTERN)

        @validator("text", allow_reuse=True)
        def _text(cls, value: str) -> str:
            return clean_message(value, max_text_chars)

    return {"SendMessage": SendMessage, "RestRequest": RestRequest, "ParseRequest": ParseTextRequest}
