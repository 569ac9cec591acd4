"""Everything that knows Rasa's internals, so a Rasa upgrade has this one folder to look at.

* `agent_worker.py`: the agent's own thread and event loop (Rasa predicts synchronously inside coroutines).
* `speedups.py`: hot spots in Rasa's serving path replaced, answers unchanged.
* `stores.py`: Rasa's tracker and lock stores as the service needs them (memory or Redis), fenced saves,
  and FailSafeTrackerStore made to raise.
* `tracker_history.py`: a conversation's stored history kept to a bounded number of events.
* `sessions.py`: Rasa's session expiry derived from the retention period.
* `inprocess_actions.py`: custom actions run in-process through rasa_sdk's executor.
* `turn_events.py`: the events of the turn being handled, for the metrics.
* `run_socketio.py`: Rasa's own Socket.IO connector fixed, for plain `rasa run` only.

Several of these replace or reach into Rasa 3.6 code by name. Importing this package checks the installed
Rasa is the one they were written for (read from the package metadata, so Rasa itself is not imported
here: the service answers /health while the model loads) and refuses to go on with any other.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

SUPPORTED_RASA = "3.6"


class UnsupportedRasa(RuntimeError):
    """The installed Rasa is not the minor version api/rasa/ was written for."""


def installed_rasa() -> str:
    try:
        return version("rasa")
    except PackageNotFoundError:
        return "none"


def check_rasa_version(found: str | None = None) -> None:
    found = found if found is not None else installed_rasa()
    if found.split(".")[:2] != SUPPORTED_RASA.split("."):
        raise UnsupportedRasa(
            f"api/rasa/ is written for Rasa {SUPPORTED_RASA}.x and Rasa {found} is installed: review every "
            "module in api/rasa/ against the new Rasa (tests/api/test_rasa_speedups.py compares the "
            "speed-ups with Rasa's code), then change SUPPORTED_RASA"
        )


check_rasa_version()
