"""Custom actions run in-process through rasa_sdk's executor, answering Rasa's RemoteAction exactly as
the action server would."""
from __future__ import annotations

import textwrap

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from api.rasa.inprocess_actions import InProcessActionEndpoint, action_endpoint

pytestmark = pytest.mark.asyncio(loop_scope="session")

ACTIONS = textwrap.dedent(
    """
    from rasa_sdk import Action, ActionExecutionRejection
    from rasa_sdk.events import SlotSet

    class Greets(Action):
        def name(self):
            return "action_test_greets"

        async def run(self, dispatcher, tracker, domain):
            dispatcher.utter_message(text="hello " + tracker.sender_id,
                                     buttons=[{"title": "Yes", "payload": "/affirm"}])
            return [SlotSet("seen", True)]

    class Rejects(Action):
        def name(self):
            return "action_test_rejects"

        def run(self, dispatcher, tracker, domain):
            raise ActionExecutionRejection("action_test_rejects", "not now")

    class Breaks(Action):
        def name(self):
            return "action_test_breaks"

        def run(self, dispatcher, tracker, domain):
            raise ValueError("the tracker said something private")
    """
)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    import sys

    folder = tmp_path_factory.mktemp("actions_pkg")
    package = folder / "kestrel_test_actions"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(ACTIONS)
    sys.path.insert(0, str(folder))
    try:
        yield InProcessActionEndpoint("kestrel_test_actions")
    finally:
        sys.path.remove(str(folder))


async def run_remote(name: str, endpoint: EndpointConfig):
    domain = Domain.from_dict({"slots": {"seen": {"type": "bool", "mappings": [{"type": "custom"}]}}})
    tracker = DialogueStateTracker.from_events("sender-1", [], slots=domain.slots)
    nlg = TemplatedNaturalLanguageGenerator({})
    return await RemoteAction(name, endpoint).run(CollectingOutputChannel(), nlg, tracker, domain)


async def test_action_events_and_messages_come_back_as_from_an_action_server(endpoint):
    events = await run_remote("action_test_greets", endpoint)
    assert isinstance(events[0], BotUttered)
    assert events[0].text == "hello sender-1"
    assert events[0].data["buttons"] == [{"title": "Yes", "payload": "/affirm"}]
    assert events[1] == SlotSet("seen", True)


async def test_rejection_becomes_rasas_action_execution_rejection(endpoint):
    with pytest.raises(ActionExecutionRejection) as raised:
        await run_remote("action_test_rejects", endpoint)
    assert raised.value.action_name == "action_test_rejects"
    assert "not now" in raised.value.message


async def test_failures_and_unknown_actions_fail_like_an_action_server(endpoint, caplog):
    with pytest.raises(RasaException) as raised:
        await run_remote("action_test_breaks", endpoint)
    assert not isinstance(raised.value, ActionExecutionRejection)
    assert "private" not in caplog.text, "only the exception type is logged"
    assert any(getattr(r, "kestrel_fields", {}).get("error_type") == "ValueError" for r in caplog.records)
    with pytest.raises(RasaException):
        await run_remote("action_does_not_exist", endpoint)


def test_endpoint_choice(endpoint):
    external = action_endpoint("http://actions.internal:5055/webhook")
    assert type(external) is EndpointConfig and external.url == "http://actions.internal:5055/webhook"
    assert isinstance(action_endpoint(None, package="actions"), InProcessActionEndpoint)
    assert action_endpoint(None, package="no_such_actions_package") is None
    assert endpoint.copy() is endpoint, "copy() must not fall back to an HTTP endpoint"
