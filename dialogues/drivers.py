"""How scripts reach the assistant: in this process (the trained model, through api.assistant.Assistant,
like every channel) or over HTTP through the Rasa-compatible REST endpoint of any deployment."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any, List, Optional

import httpx

from dialogues.checks import Reply

REST_PATH = "/webhooks/rest/webhook"


class DriverError(Exception):
    """The assistant could not be reached, or answered with something that is not a reply."""


class Driver:
    """One conversation per script: `new_conversation()`, then `send()` each turn."""

    description = "assistant"

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def new_conversation(self) -> str:
        # A fresh random id per script, so no script sees another's conversation.
        return f"dialogue-script-{uuid.uuid4().hex}"

    async def send(self, conversation_id: str, message: str, is_payload: bool) -> List[Reply]:
        raise NotImplementedError

    async def end_conversation(self, conversation_id: str) -> None:
        pass


class InProcessDriver(Driver):
    """The trained model loaded here. Pass a started `assistant` to share one (tests); otherwise one is
    built from `settings` (default: the environment, and the newest model in models/) and stopped after."""

    def __init__(self, assistant: Any = None, settings: Any = None, load_timeout: float = 900) -> None:
        self.assistant = assistant
        self.settings = settings
        self.load_timeout = load_timeout
        self._owns = assistant is None

    @property
    def description(self) -> str:  # type: ignore[override]
        model = getattr(self.assistant, "model_name", None) if self.assistant else None
        return f"in-process, model {model}" if model else "in-process"

    async def start(self) -> None:
        if self.assistant is None:
            from api.assistant import Assistant
            from api.settings import Settings

            # Settings() reads the environment; mypy can't see pydantic v1's defaults, hence the Any.
            settings_class: Any = Settings
            self.assistant = Assistant(self.settings or settings_class())
        if self._owns:
            await self.assistant.start()
        try:
            ready = await self.assistant.wait_until_ready(timeout=self.load_timeout)
        except asyncio.TimeoutError:
            raise DriverError(f"the model did not load within {self.load_timeout:.0f} s") from None
        if not ready:
            raise DriverError(f"the model could not be loaded: {self.assistant.load_error or 'no trained model'}")

    async def stop(self) -> None:
        if self._owns and self.assistant is not None:
            await self.assistant.stop()

    async def send(self, conversation_id: str, message: str, is_payload: bool) -> List[Reply]:
        assert self.assistant is not None, "start() the driver first"
        try:
            if is_payload:
                raw = await self.assistant.send(conversation_id, payload=message, channel="dialogues", create=True)
            else:
                raw = await self.assistant.send(conversation_id, text=message, channel="dialogues", create=True)
        except Exception as e:  # noqa: BLE001 - any failure of the assistant fails this script, clearly
            raise DriverError(f"the assistant raised {type(e).__name__}: {e}") from e
        return [Reply.from_rasa(m) for m in raw]

    async def end_conversation(self, conversation_id: str) -> None:
        if self.assistant is not None:
            await self.assistant.delete(conversation_id)


def rest_base(url: str) -> str:
    """The deployment's base address, whether given as https://host, https://host/ or the webhook itself."""
    url = url.strip().rstrip("/")
    if url.endswith(REST_PATH):
        url = url[: -len(REST_PATH)]
    if not url.startswith(("http://", "https://")):
        raise DriverError(f"--url must start with http:// or https://, not {url!r}")
    return url


class HttpDriver(Driver):
    """Any deployment, through Rasa's REST channel: POST {url}/webhooks/rest/webhook with
    {"sender": id, "message": text or payload}. A 429 or 503 answer is waited out (its Retry-After, up to
    `max_wait` seconds per message), so rate limits and a model still loading slow a run but don't fail it."""

    def __init__(
        self, url: str, timeout: float = 60, max_wait: float = 300, transport: Optional[httpx.AsyncBaseTransport] = None,
        sleep: Any = asyncio.sleep,
    ) -> None:
        self.base = rest_base(url)
        self.timeout = timeout
        self.max_wait = max_wait
        self._transport = transport
        self._sleep = sleep
        self._client: Optional[httpx.AsyncClient] = None
        self.waited = 0.0  # seconds spent waiting out 429/503 answers, for the summary

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"{self.base}{REST_PATH}"

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.timeout, transport=self._transport, follow_redirects=False)
        try:
            response = await self._client.get(self.base + "/webhooks/rest/")
        except httpx.HTTPError as e:
            await self._client.aclose()
            raise DriverError(f"could not reach {self.base}: {type(e).__name__}: {e}") from None
        if response.status_code != 200:
            await self._client.aclose()
            raise DriverError(
                f"{self.base}/webhooks/rest/ answered HTTP {response.status_code}: is the REST channel enabled there?"
            )

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def send(self, conversation_id: str, message: str, is_payload: bool) -> List[Reply]:
        assert self._client is not None, "start() the driver first"
        url = self.base + REST_PATH
        waited = 0.0
        while True:
            try:
                response = await self._client.post(url, json={"sender": conversation_id, "message": message})
            except httpx.HTTPError as e:
                raise DriverError(f"POST {url} failed: {type(e).__name__}: {e}") from None
            if response.status_code in (429, 503):
                pause = _retry_after(response)
                if waited + pause > self.max_wait:
                    raise DriverError(
                        f"POST {url} kept answering HTTP {response.status_code} for {waited:.0f} s: {_detail(response)}"
                    )
                await self._sleep(pause)
                waited += pause
                self.waited += pause
                continue
            if response.status_code != 200:
                raise DriverError(f"POST {url} answered HTTP {response.status_code}: {_detail(response)}")
            try:
                body = response.json()
            except ValueError:
                raise DriverError(f"POST {url} answered with something that is not JSON: {response.text[:200]!r}") from None
            if not isinstance(body, list) or not all(isinstance(m, dict) for m in body):
                raise DriverError(f"POST {url} answered {str(body)[:200]!r}, not a list of messages")
            return [Reply.from_rasa(m) for m in body]


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(60.0, max(0.5, float(response.headers.get("retry-after", "2"))))
    except ValueError:
        return 2.0


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and "detail" in body:
            return str(body["detail"])[:200]
    except ValueError:
        pass
    return response.text[:200]
