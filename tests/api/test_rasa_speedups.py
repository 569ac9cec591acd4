"""api/rasa/speedups.py: each replacement answers exactly as the Rasa code it replaces.

The speed-ups are installed by the service's model load (the session's shared assistant), so every other
test in tests/api already runs through them; these tests compare them with the originals directly.
"""
from __future__ import annotations

import random

import jsonschema
import numpy as np
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from api.rasa import speedups as rasa_speedups
from api.assistant import Assistant
from bench.conversations import conversation

def _original(fn):
    return fn.__wrapped__


def test_the_service_installs_every_speedup(assistant: Assistant) -> None:
    assert assistant.is_ready
    for fn in (RemoteAction._validate_action_result, Event.resolve_by_type, DaskGraphRunner.run,
               LogisticRegressionClassifier.load):
        assert getattr(fn, "_kestrel_speedup", False), fn
    rasa_speedups.install()  # idempotent: installing again wraps nothing twice
    assert not getattr(_original(DaskGraphRunner.run), "_kestrel_speedup", False)


GOOD = {
    "events": [{"event": "slot", "name": "situation", "value": "money", "timestamp": None}],
    "responses": [{"text": "hello", "buttons": [{"title": "Next", "payload": "/next_step"}]}],
}
BAD = [
    {"events": [{"name": "situation", "value": "money"}], "responses": []},  # no "event"
    {"events": [{"event": "slot", "value": "money"}], "responses": []},  # slot without a name
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
    {"events": [{"event": "user", "text": 5}], "responses": []},
]


@pytest.mark.usefixtures("assistant")
def test_action_results_validate_exactly_as_rasa_does() -> None:
    action = RemoteAction("action_anything", None)
    original = _original(RemoteAction._validate_action_result)
    assert action._validate_action_result(GOOD) is True
    assert original(action, GOOD) is True
    for bad in BAD:
        with pytest.raises(jsonschema.ValidationError) as ours:
            action._validate_action_result(bad)
        with pytest.raises(jsonschema.ValidationError) as rasas:
            original(action, bad)
        assert ours.value.message == rasas.value.message
        assert list(ours.value.path) == list(rasas.value.path)
        assert "Failed to validate Action server response" in ours.value.message


@pytest.mark.usefixtures("assistant")
def test_event_types_resolve_exactly_as_rasa_does() -> None:
    original = _original(Event.resolve_by_type)
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is original(cls.type_name)
        assert Event.resolve_by_type(cls.type_name) is original(cls.type_name)  # from the cache
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    assert Event.resolve_by_type("topic") is None


@pytest.mark.asyncio(loop_scope="session")
async def test_graph_runs_give_dask_s_results(assistant: Assistant) -> None:
    """The whole serving path (NLU parse and the policies' predictions) with the sequential runner and
    with dask: identical intents, confidences, entities and next actions over benchmark conversations."""
    agent = assistant._agent
    rng = random.Random(3)
    texts = [text for _ in range(6) for text in conversation(rng)]
    sequential = DaskGraphRunner.run

    async def parse_all() -> list:
        return [await agent.parse_message(text) for text in texts]

    async def run_on_worker(use_dask: bool) -> list:
        DaskGraphRunner.run = _original(sequential) if use_dask else sequential
        try:
            return await parse_all()
        finally:
            DaskGraphRunner.run = sequential

    ours = await assistant.worker.run(lambda: run_on_worker(False), timeout=120)
    dasks = await assistant.worker.run(lambda: run_on_worker(True), timeout=120)
    assert ours == dasks

    # And a policy prediction on a real tracker, both ways.
    sender = "speedups-parity"
    for text in texts[:8]:
        await assistant.send(sender, text=text, channel="rest", create=True)

    async def predict(use_dask: bool) -> tuple:
        DaskGraphRunner.run = _original(sequential) if use_dask else sequential
        try:
            tracker = await agent.processor.fetch_tracker_with_initial_session(sender)
            prediction = agent.processor._predict_next_with_tracker(tracker)
            return prediction.max_confidence_index, prediction.probabilities, prediction.policy_name
        finally:
            DaskGraphRunner.run = sequential

    assert await assistant.worker.run(lambda: predict(False), timeout=60) == await assistant.worker.run(
        lambda: predict(True), timeout=60
    )
    await assistant.delete(sender)


@pytest.mark.usefixtures("assistant")
def test_classifier_weights_are_column_major_with_the_same_predictions(assistant: Assistant) -> None:
    nodes = assistant._agent.processor.graph_runner._instantiated_nodes.values()
    classifiers = [n._component for n in nodes if isinstance(getattr(n, "_component", None),
                                                                LogisticRegressionClassifier)]
    assert classifiers
    clf = classifiers[0].clf
    assert clf.coef_.flags["F_CONTIGUOUS"]
    features = np.random.default_rng(0).random((5, clf.coef_.shape[1]))
    from scipy.sparse import csr_matrix

    X = csr_matrix(features * (features > 0.95))
    column_major = clf.predict_proba(X)
    clf.coef_ = np.ascontiguousarray(clf.coef_)
    try:
        assert np.array_equal(clf.predict_proba(X), column_major)
    finally:
        clf.coef_ = np.asfortranarray(clf.coef_)

