"""Socket.IO as Rasa's clients expect it (docs/rasa-clients.md): every reply type in the shapes of Rasa's
own SocketIOOutput, text laid out so markdown keeps its lines, a session that has ended said so, and
client-chosen session ids only when a trusted front end turns them on."""
from __future__ import annotations

import asyncio
import copy
import inspect
import secrets
from typing import Any, Dict, List

import pytest
import socketio
from kestrel_webtest import BLACKMAIL_TEXT, LiveServer, RasaSocketClient, user_texts
from markdown_it import MarkdownIt
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.channels.socketio import SocketIOOutput
from rasa.shared.core.events import BotUttered

from actions.render import text_of
from api.conversations import SOCKETIO, new_conversation_id
from api.http.v1 import GREETING_PAYLOAD
from api.settings import Settings
from api.channels.socketio.output import markdown_text, raw_output_channel, to_socketio_messages

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "https://img.example/x.png"
BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
ELEMENTS = [
    {"title": "Report Remove", "subtitle": "under 18", "image_url": URL, "buttons": [{"title": "Open", "url": URL, "type": "web_url"}]},
    {"title": "StopNCII", "subtitle": "18 and over", "buttons": [{"title": "More", "payload": "/more"}]},
]


def bot(text: Any = None, **data: Any) -> Dict[str, Any]:
    """A bot message exactly as Rasa's processor hands it to an output channel."""
    return BotUttered(text, data, {"utter_action": "utter_test"}).message()


MESSAGES = {
    "text": bot("Hello"),
    "text-in-parts": bot("First\n\nSecond\n\n\n\nThird\nsame part"),
    "buttons": bot("Pick one\n\nor the other", buttons=BUTTONS),
    "quick-replies": bot("Quick?", quick_replies=BUTTONS),
    "quick-replies-win-over-buttons": bot("Both", quick_replies=BUTTONS[:1], buttons=BUTTONS),
    "image": bot(image=URL),
    "text-and-image": bot("Look", image=URL),
    "attachment": bot(attachment={"type": "video", "payload": {"src": URL}}),
    "elements": bot(elements=ELEMENTS),
    "custom": bot(custom={"data": {"type": "map", "lat": 51.5}}),
    "everything": bot("All\n\nof it", buttons=BUTTONS, custom={"data": [1, 2]}, image=URL,
                      attachment={"type": "file"}, elements=ELEMENTS),
}


class RecordingSio:
    """Stands in for python-socketio's server under Rasa's SocketIOOutput: records what is emitted."""

    def __init__(self) -> None:
        self.sent: List[Any] = []
        self.rooms: List[Any] = []

    async def emit(self, *args: Any, **kwargs: Any) -> None:
        # Bound to python-socketio's own signature, so a call the real server would refuse fails here too.
        call = inspect.signature(socketio.AsyncServer.emit).bind(self, *args, **kwargs).arguments
        assert call["event"] == "bot_uttered"
        self.sent.append(call.get("data"))
        self.rooms.append(call.get("room") or call.get("to"))


async def rasas_output(messages: List[Dict[str, Any]]) -> RecordingSio:
    sio = RecordingSio()
    output = SocketIOOutput(sio, "bot_uttered")  # type: ignore[arg-type]
    for message in messages:
        await output.send_response("the-session", copy.deepcopy(message))  # it pops keys off the message
    return sio


# ---- 6. every reply type as Rasa's SocketIOOutput sends it -----------------------------------------------


@pytest.mark.parametrize("name", sorted(MESSAGES))
async def test_each_reply_type_matches_rasas_socketio_output(name):
    message = MESSAGES[name]
    assert to_socketio_messages([copy.deepcopy(message)]) == (await rasas_output([message])).sent


async def test_a_real_turn_matches_rasas_socketio_output(assistant):
    replies = await assistant.send(new_conversation_id(SOCKETIO), text=BLACKMAIL_TEXT, channel="socketio",
                                   create=True, output=raw_output_channel)
    assert any(m.get("buttons") for m in replies)
    assert to_socketio_messages(replies) == (await rasas_output(replies)).sent


async def test_the_collecting_channel_keeps_messages_whole():
    channel = raw_output_channel()
    assert isinstance(channel, CollectingOutputChannel), "so Rasa's handle_message returns its messages"
    message = MESSAGES["everything"]
    await channel.send_response("r", message)
    assert channel.messages == [message] and channel.messages[0] is not message
    # Rasa's own collector flattens what Socket.IO needs: quick replies become buttons, elements text.
    flat = CollectingOutputChannel()
    await flat.send_response("r", copy.deepcopy(MESSAGES["elements"]))
    assert all("attachment" not in m for m in to_socketio_messages(flat.messages))


async def test_deliberate_differences_from_rasas_socketio_output():
    # A custom payload naming another room: Rasa sends it there; Kestrel's server sends only to the asker.
    elsewhere = bot(custom={"data": {"x": 1}, "room": "someone-else"})
    assert (await rasas_output([elsewhere])).rooms == ["someone-else"]
    assert to_socketio_messages([elsewhere]) == [{"x": 1}]
    # A custom payload without `data`: Rasa raises (and the rest of the turn is lost); Kestrel sends it whole.
    with pytest.raises(TypeError):
        await rasas_output([bot(custom={"kind": "card"})])
    assert to_socketio_messages([bot(custom={"kind": "card"})]) == [{"kind": "card"}]
    # Buttons without text: Rasa raises; Kestrel sends them on an empty text.
    with pytest.raises(AttributeError):
        await rasas_output([bot(buttons=BUTTONS)])
    assert to_socketio_messages([bot(buttons=BUTTONS)])[0]["text"] == ""


# ---- 8. text that survives markdown ------------------------------------------------------------------


def rendered(text: str) -> List[str]:
    """The block-level HTML tags a CommonMark renderer makes of the text, in order."""
    return [t.tag for t in MarkdownIt("commonmark").parse(text) if t.nesting == 1 and t.tag in ("p", "ul", "ol", "li")]


URGENT = text_of("utter_urgent_money")


def test_urgent_bullets_are_a_list_and_lines_stay_lines():
    bullets = [line for line in URGENT.split("\n") if line.startswith("•")]
    others = [line for line in URGENT.split("\n") if not line.startswith("•")]
    assert len(bullets) >= 3 and others, "the reply this test is about has bullets and plain lines"
    # As Rasa sends it, markdown makes one paragraph of the lot.
    assert rendered(URGENT) == ["p"]
    tags = rendered(markdown_text(URGENT))
    assert tags.count("li") == len(bullets) and tags.count("ul") == 1
    assert tags.count("p") == len(others) + len(bullets), "each plain line its own paragraph (a <p> in each item)"


def test_markdown_layout_keeps_the_words():
    laid_out = markdown_text(URGENT)
    assert laid_out.replace("\n", " ").split() == URGENT.replace("•", "-").replace("\n", " ").split()
    assert markdown_text("1. first\n2. second\nthen this") == "1. first\n2. second\n\nthen this"
    assert markdown_text("    indented\n* star") == "indented\n\n- star"
    assert markdown_text("plain") == "plain"


async def test_socketio_sends_markdown_ready_text(live_server):
    client = RasaSocketClient()
    await client.connect(live_server.url, "websocket")
    try:
        session_id = await client.session()
        replies = await client.utter(BLACKMAIL_TEXT, session_id)
    finally:
        await client.close()
    lists = [m["text"] for m in replies if "\n- " in m.get("text", "")]
    assert lists, replies
    assert all("•" not in m.get("text", "") for m in replies)
    assert all(rendered(text).count("li") >= 3 for text in lists)


# ---- 7. resuming a session that has ended -------------------------------------------------------------


async def end(assistant, session_id: str, how: str) -> None:
    if how == "deleted":  # as after a restart without Redis
        await assistant.delete(session_id)
    else:  # idle past the retention period
        retention = assistant.registry.retention_seconds
        assistant.registry.retention_seconds = 0.2
        try:
            await asyncio.sleep(0.4)
            assert not await assistant.conversation_exists(session_id)
        finally:
            assistant.registry.retention_seconds = retention


@pytest.mark.parametrize("how", ["expired", "deleted"])
async def test_resuming_an_ended_session_says_so_and_greets_again(live_server, assistant, how):
    first = RasaSocketClient()
    await first.connect(live_server.url, "websocket")
    try:
        old = await first.session()
        await first.utter(BLACKMAIL_TEXT, old)
    finally:
        await first.close()
    await end(assistant, old, how)

    again = RasaSocketClient()  # rasa-webchat after a reload: it still shows the old transcript
    await again.connect(live_server.url, "websocket")
    try:
        new = await again.session(old)
        assert new != old
        restarted = await again.replies()
        assert restarted[0] == {"text": text_of("utter_session_restarted")}
        greeting = restarted[1:]
        assert greeting and greeting[0]["text"] == markdown_text(text_of("utter_greet").split("\n\n")[0])
        assert any(m.get("quick_replies") for m in greeting), "the greeting's choices, to start again"
        await again.utter("done", new)
        assert user_texts(assistant, new) == [GREETING_PAYLOAD, "done"]
        assert user_texts(assistant, old) == [], "nothing of the old conversation came back"
    finally:
        await again.close()


async def test_no_notice_for_a_new_session_or_a_live_one(live_server):
    client = RasaSocketClient()
    await client.connect(live_server.url, "websocket")
    try:
        session_id = await client.session(None)
        await client.utter("/greet", session_id)
        assert await client.session(session_id) == session_id  # a reconnect, e.g. after a network blip
        await asyncio.sleep(1)
        assert client.bot.empty() and client.errors.empty()
    finally:
        await client.close()


# ---- 9. session ids: issued by the server, unless a trusted front end asks for its own ----------------


async def test_by_default_a_message_cannot_name_another_conversation(live_server, assistant):
    owner, other = RasaSocketClient(), RasaSocketClient()
    await owner.connect(live_server.url, "websocket")
    await other.connect(live_server.url, "websocket")
    try:
        owned = await owner.session()
        await owner.utter("/greet", owned)
        own = await other.session()
        await other.utter("hello", owned)  # names the owner's session id in user_uttered
        assert user_texts(assistant, owned) == ["/greet"]
        assert user_texts(assistant, own) == ["hello"]
    finally:
        await owner.close()
        await other.close()


def test_client_session_ids_setting(monkeypatch):
    assert Settings().socketio_client_session_ids is False
    monkeypatch.setenv("SOCKETIO_CLIENT_SESSION_IDS", "true")
    assert Settings().socketio_client_session_ids is True


async def test_trusted_front_end_keys_conversations_to_its_own_ids(app_factory, assistant):
    with LiveServer(app_factory(socketio_client_session_ids=True)) as server:
        chosen = "crm-user-" + secrets.token_hex(4)
        first = RasaSocketClient()
        await first.connect(server.url, "websocket")
        try:
            assert await first.session(chosen) == chosen
            await asyncio.sleep(0.5)
            assert first.bot.empty(), "an id the server has not seen is the front end's own: no notice"
            await first.utter(BLACKMAIL_TEXT, chosen)
        finally:
            await first.close()
        second = RasaSocketClient()
        await second.connect(server.url, "websocket")
        try:
            assert await second.session(chosen) == chosen
            await second.utter("/greet", chosen)
            assert user_texts(assistant, f"{SOCKETIO}-{chosen}") == [BLACKMAIL_TEXT, "/greet"]

            fresh = await second.session(None)
            assert fresh != chosen and len(fresh) >= 32
            # As `rasa run` with session_persistence: a message's session_id names its conversation.
            named = "crm-user-" + secrets.token_hex(4)
            await second.utter("hello", named)
            assert user_texts(assistant, f"{SOCKETIO}-{named}") == ["hello"]

            await second.sio.emit("session_request", {"session_id": "x" * 129})
            error = await asyncio.wait_for(second.errors.get(), 10)
            assert error["status"] == 422 and "session_id" in error["detail"]
        finally:
            await second.close()
