"""Run custom actions inside this process, through rasa_sdk's executor, with no HTTP hop.

Rasa 3.6 open source only calls custom actions (and form validation) through
`EndpointConfig.request(json=..., method="post", timeout=..., compress=...)` from `RemoteAction.run`
(rasa/core/actions/action.py). This subclass answers that call by awaiting
`rasa_sdk.executor.ActionExecutor.run` directly and reproduces what the action server (rasa_sdk/endpoint.py)
would have answered:
- success: the JSON body `{"events": [...], "responses": [...]}`;
- `ActionExecutionRejection`: status 400 with `{"error", "action_name"}`, which RemoteAction turns back
  into its own ActionExecutionRejection so other policies can predict a different action;
- `ActionNotFoundException`: status 404, which RemoteAction reports as a failed custom action;
- any other exception: status 500, as the action server's exception handler would.

It depends on Rasa internals, so the versions are pinned and tests/api exercise it end to end.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Optional, Text

from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from api.logging_setup import log_fields

logger = logging.getLogger(__name__)

# A marker url: Rasa formats it into error messages ("Couldn't connect to the server at ...").
INPROCESS_URL = "inprocess://actions"


class InProcessActionEndpoint(EndpointConfig):
    def __init__(self, package: str = "actions") -> None:
        super().__init__(url=INPROCESS_URL)
        from rasa_sdk.executor import ActionExecutor

        self.package = package
        self.executor = ActionExecutor()
        # register_package calls sys.exit(1) on ImportError; let a missing package fail loudly but politely.
        self.executor.register_package(package)

    async def request(
        self,
        method: Text = "post",
        subpath: Optional[Text] = None,
        content_type: Optional[Text] = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Optional[Any]:
        from rasa_sdk import ActionExecutionRejection
        from rasa_sdk.interfaces import ActionNotFoundException

        # A JSON round trip gives the action exactly what it would get over HTTP (plain types, its own
        # copy of the tracker) and gives Rasa a response it may mutate freely (RemoteAction pops keys).
        action_call = json.loads(json.dumps(kwargs.get("json") or {}))
        try:
            result = await self.executor.run(action_call)
        except ActionExecutionRejection as e:
            raise ClientResponseError(
                400, "Bad Request", json.dumps({"error": e.message, "action_name": e.action_name})
            ) from None
        except ActionNotFoundException as e:
            raise ClientResponseError(
                404, "Not Found", json.dumps({"error": e.message, "action_name": e.action_name})
            ) from None
        except Exception as e:  # noqa: BLE001 - the action server turns every other failure into a 500
            # The message may quote the tracker (user text), so only the type is logged.
            logger.error("custom action failed", extra=log_fields(error_type=type(e).__name__))
            raise ClientResponseError(
                500, "Internal Server Error", json.dumps({"error": type(e).__name__})
            ) from None
        return json.loads(json.dumps(result)) if result is not None else None

    def copy(self) -> "InProcessActionEndpoint":
        # EndpointConfig.copy() would return a plain (HTTP) EndpointConfig; keep the in-process one.
        return self


def action_endpoint(action_endpoint_url: Optional[str], package: str = "actions") -> Optional[EndpointConfig]:
    """The action endpoint Rasa should use: external when ACTION_ENDPOINT_URL is set, else in-process.

    Returns None when there is no actions package (e.g. a model without custom actions): Rasa then
    reports any custom action it tries to run as misconfigured, which is the honest outcome.
    """
    if action_endpoint_url:
        return EndpointConfig(url=action_endpoint_url)
    import importlib.util

    if importlib.util.find_spec(package) is None:
        logger.warning("no actions package: custom actions are unavailable", extra=log_fields(reason="no_package"))
        return None
    return InProcessActionEndpoint(package)
