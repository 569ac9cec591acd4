"""Rasa's bot messages as Socket.IO clients receive them from `rasa run`, and text that survives markdown.

`to_socketio_messages` gives, for each bot message, the `bot_uttered` payloads that Rasa 3.6's
`SocketIOOutput` (rasa/core/channels/socketio.py, dispatched by `OutputChannel.send_response`) emits:
text split at blank lines; buttons or quick replies as `quick_replies` on the last part; images,
attachments and each carousel element as `attachment`; custom payloads. It needs the whole bot message,
which Rasa's CollectingOutputChannel (the REST shape) has already flattened (quick replies into
buttons, elements into "title : subtitle" text), hence `raw_output_channel`.

Two differences from SocketIOOutput, both because it would otherwise lose or misdirect a message:
a custom payload is emitted as its `data` (as Rasa does) but always to the person who asked (Rasa lets
the payload name another room), and one without `data` is emitted whole (Rasa raises a TypeError and the
rest of the turn is lost). A message without text but with buttons gets an empty text, not a crash.
"""
from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any, Callable, Dict, Iterable, List, Optional

BotMessage = Dict[str, Any]

_BULLET = re.compile(r"[•·▪‣◦*-]\s+")
_NUMBERED = re.compile(r"\d{1,3}[.)]\s+")


@lru_cache(maxsize=1)
def _raw_channel_class() -> type:
    # Imported here, not at module level: Rasa must not be imported before api/rasa/speedups.py runs on the
    # model's thread, and this is only called there, once the model is loaded.
    from rasa.core.channels.channel import CollectingOutputChannel

    class RawMessages(CollectingOutputChannel):
        """Collects each bot message whole, as Rasa hands it to an output channel. Still a
        CollectingOutputChannel, so Rasa returns the messages from handle_message (and picks
        channel-specific responses for "collector", as for every other way in)."""

        async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
            self.messages.append(copy.deepcopy(message))

    return RawMessages


def raw_output_channel() -> Any:
    """A fresh collecting output channel that keeps bot messages whole (for Assistant.send's `output`)."""
    return _raw_channel_class()()


def _parts(text: Optional[str]) -> List[str]:
    # SocketIOOutput: `text.strip().split("\n\n")`, empty parts included.
    return (text or "").strip().split("\n\n")


def _with_buttons(text: Optional[str], buttons: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    messages: List[Dict[str, Any]] = [{"text": part, "quick_replies": []} for part in _parts(text)]
    messages[-1]["quick_replies"] = [
        {"content_type": "text", "title": button.get("title"), "payload": button.get("payload")}
        for button in buttons
    ]
    return messages


def _custom(custom: Dict[str, Any]) -> Any:
    return custom["data"] if "data" in custom else custom


def to_socketio_messages(
    bot_messages: Iterable[BotMessage], text_format: Callable[[str], str] = lambda text: text
) -> List[Any]:
    """The `bot_uttered` payloads for these bot messages, in order; `text_format` is applied to every
    text part (after the split at blank lines, which decides how many messages there are)."""
    out: List[Any] = []
    for message in bot_messages:
        if message.get("quick_replies"):
            texts = _with_buttons(message.get("text"), message["quick_replies"])
        elif message.get("buttons"):
            texts = _with_buttons(message.get("text"), message["buttons"])
        elif message.get("text"):
            texts = [{"text": part} for part in _parts(message["text"])]
        else:
            texts = []
        out.extend({**m, "text": text_format(m["text"])} for m in texts)
        if message.get("custom"):
            out.append(_custom(message["custom"]))
        if message.get("image"):
            out.append({"attachment": {"type": "image", "payload": {"src": message["image"]}}})
        if message.get("attachment"):
            out.append({"attachment": message["attachment"]})
        for element in message.get("elements") or []:
            out.append({"attachment": {"type": "template", "payload": {"template_type": "generic", "elements": element}}})
    return out


def markdown_text(text: str) -> str:
    """The same words laid out so that a markdown renderer (rasa-webchat, Rasa's chat widget) keeps the
    lines: markdown joins single line breaks into one paragraph, which ran every "•" bullet of an urgent
    reply together. Each line becomes its own paragraph; bullet and numbered lines stay together as a list
    ("•" becomes "-", which markdown knows)."""
    blocks: List[List[str]] = []
    in_list = False
    for raw in text.split("\n"):
        line = raw.strip()  # four leading spaces would make a code block
        if not line:
            in_list = False
            continue
        bullet = _BULLET.match(line)
        item = bullet or _NUMBERED.match(line)
        if bullet:
            line = "- " + line[bullet.end():]
        if item and in_list:
            blocks[-1].append(line)
        else:
            blocks.append([line])
        in_list = bool(item)
    return "\n\n".join("\n".join(block) for block in blocks)
