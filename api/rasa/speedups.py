"""Hot spots in Rasa 3.6's serving path, removed without changing what Rasa answers.

Found by profiling whole turns and start-up (bench/profile_turn.py, py-spy; docs/performance.md). Each
replacement gives the original's results and errors exactly and only skips work that is the same on
every call. Per-turn figures are CPU on the 2-core development machine:

* Action results: `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`,
  which first re-checks the constant schema against JSON Schema's metaschema: 23-42 ms per custom action,
  more than half of a turn. Here the validator is built (and the schema checked) once; every result is
  still validated, with the same error and Rasa's hint appended.
* Event types: `Event.resolve_by_type` walks every subclass of `Event` recursively (with
  `inspect.isabstract` on each) for every event it deserialises, and the tracker stores deserialise the
  whole conversation at least twice a turn: ~15% of a turn, growing with the conversation. Here the
  class found for each event name is remembered (Rasa defines each name once).
* Graph runs: every NLU parse and policy prediction runs Rasa's graph through dask's scheduler, which
  re-derives the order of a fixed ~10-node graph each time: ~10% of a turn. Here the order is worked out
  once per target list and the same nodes are called with the same inputs (parity tested against dask).
* Classifier weights: scikit-learn multiplies features by `coef_.T`, and scipy copies a row-major
  `coef_.T` into a new array on every prediction. Here `coef_` is stored column-major once at load: the
  same numbers, identical probabilities, ~0.5 ms less per parse.
* Garbage collection: `freeze_loaded_heap()`, called once the model is loaded, keeps Python's full
  collections from walking the ~550,000 objects of the loaded stack (a 280 ms pause every ~10 s).
* Start-up: skops (the classifier's file format) builds its trusted-type list at import by searching
  every loaded module; imported after TensorFlow that took 6-8 s of a 16 s start, imported first ~1-3 s
  (the list is identical either way).

Rasa's versions are pinned (requirements.txt), and tests/api/test_rasa_speedups.py compares each
replacement with the original (kept as `__wrapped__`), so an upgrade that changes them fails there.
`install()` is idempotent.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple, Type

_MARK = "_kestrel_speedup"


def install() -> None:
    """Call on the agent's thread before anything imports Rasa (api/assistant.py does, first thing)."""
    _preload_skops()
    _install_fast_result_validation()
    _install_event_type_cache()
    _install_sequential_graph_runner()
    _install_classifier_layout()


def freeze_loaded_heap() -> None:
    """After the model has loaded: collect once, then leave everything alive out of future collections.

    Rasa, TensorFlow and the model leave ~550,000 long-lived objects. Python's full (generation 2)
    collection walks all of them: measured every ~10 s under load, each a 280 ms stop of every thread,
    which made p99 latency twice p95. Frozen objects are never scanned (nor freed: they live as long as
    the process anyway), so the full collections that remain walk only what serving allocates.
    """
    import gc

    gc.collect()
    gc.freeze()


def _preload_skops() -> None:
    # skops.io (the LogisticRegressionClassifier's file format) builds its list of trusted types at
    # import by searching every loaded module for each numpy/scipy ufunc: ~6 s once Rasa has imported
    # TensorFlow, ~1 s before. The list is the same either way (checked), so import it first.
    import skops.io  # noqa: F401


def _install_fast_result_validation() -> None:
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, _MARK, False):
        return
    original = RemoteAction._validate_action_result
    validators: Dict[Any, Any] = {}

    def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        import jsonschema
        from rasa.shared.constants import DOCS_BASE_URL

        spec_fn = type(self).action_response_format_spec
        if spec_fn is not RemoteAction.action_response_format_spec:
            return original(self, result)  # a subclass with its own schema: leave it to Rasa
        validator = validators.get(spec_fn)
        if validator is None:
            schema = spec_fn()
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)  # once, where jsonschema.validate does it on every call
            validator = validators[spec_fn] = cls(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            # Rasa's own wording (rasa/core/actions/action.py, RemoteAction._validate_action_result).
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    setattr(validate_action_result, _MARK, True)
    validate_action_result.__wrapped__ = original  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate_action_result


def _install_event_type_cache() -> None:
    from rasa.shared.core.events import Event

    if getattr(Event.resolve_by_type, _MARK, False):
        return
    original = Event.resolve_by_type
    found: Dict[Text, Type[Event]] = {}

    def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
        cls = found.get(type_name)
        if cls is not None:
            return cls
        # The original search; only a class actually found under this name is remembered, so unknown
        # names, "topic" and `default` behave exactly as before.
        try:
            cls = original(type_name, None)
        except ValueError:  # unknown name: the call below answers with `default` or raises, as before
            cls = None
        if cls is not None:
            found[type_name] = cls
            return cls
        return original(type_name, default)

    setattr(resolve_by_type, _MARK, True)
    resolve_by_type.__wrapped__ = original  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)


def _install_sequential_graph_runner() -> None:
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    if getattr(DaskGraphRunner.run, _MARK, False):
        return

    def run(
        self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None
    ) -> Dict[Text, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        plans: Dict[Tuple[Text, ...], List[Tuple[Text, Any, Tuple[Text, ...]]]]
        plans = self.__dict__.setdefault("_kestrel_plans", {})
        plan = plans.get(tuple(run_targets))
        if plan is None:
            plan = plans[tuple(run_targets)] = _plan(self, run_targets)
        # What dask's cache would hold: every node's output is (node name, value), inputs alike.
        values: Dict[Text, Any] = {}
        node_names = {name for name, _node, _needs in plan}
        for input_name, input_value in (inputs or {}).items():
            if isinstance(input_value, str) and input_value in node_names | set(values):
                raise GraphRunError(
                    f"Input value '{input_value}' clashes with a node name. Make sure "
                    f"that none of the input names passed to the `run` method are the "
                    f"same as node names in the graph schema."
                )
            values[input_name] = (input_name, input_value)
        try:
            for name, node, needs in plan:
                # A need that nothing provides reaches the node as its bare name, as dask passes it.
                values[name] = node(*[values.get(need, need) for need in needs])
            return dict(values[target] for target in run_targets)
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e

    setattr(run, _MARK, True)
    run.__wrapped__ = DaskGraphRunner.run  # type: ignore[attr-defined]
    DaskGraphRunner.run = run


def _plan(runner: Any, targets: List[Text]) -> List[Tuple[Text, Any, Tuple[Text, ...]]]:
    """The nodes `targets` need, each after the nodes it needs (dask's order among independent nodes
    may differ; they share no state but their inputs)."""
    schema = runner._graph_schema.minimal_graph_schema(targets)
    order: List[Text] = []
    done: set = set()

    def visit(name: Text) -> None:
        if name in done or name not in schema.nodes:
            return
        done.add(name)
        for need in schema.nodes[name].needs.values():
            visit(need)
        order.append(name)

    for name in schema.nodes:
        visit(name)
    return [(name, runner._instantiated_nodes[name], tuple(schema.nodes[name].needs.values())) for name in order]


def _install_classifier_layout() -> None:
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    if getattr(LogisticRegressionClassifier.load, _MARK, False):
        return
    original = LogisticRegressionClassifier.load.__func__

    def load(cls: Any, *args: Any, **kwargs: Any) -> Any:
        import numpy as np

        component = original(cls, *args, **kwargs)
        clf: Any = getattr(component, "clf", None)
        coef = getattr(clf, "coef_", None)
        if isinstance(coef, np.ndarray):
            # The same numbers in column-major order: scikit-learn multiplies by coef_.T, and scipy then
            # copies a row-major coef_.T into a fresh array on every prediction.
            clf.coef_ = np.asfortranarray(coef)
        return component

    setattr(load, _MARK, True)
    load.__wrapped__ = original  # type: ignore[attr-defined]
    LogisticRegressionClassifier.load = classmethod(load)
