"""A fake messaging platform (a real HTTP server on a loopback port that records what it receives) and
the platforms' side of webhook signing, written out independently of api/channels so a mistake there
cannot hide in a shared helper. A module with a unique name, so no clash with other folders' helpers."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qsl, urlencode

# ---- credentials the tests configure ----------------------------------------------------------------

PUBLIC_BASE_URL = "https://kestrel.example.org"
CHANNEL_ID_SECRET = "test-channel-id-secret-0123456789"
TELEGRAM_TOKEN = "123456:TEST-telegram-bot-token"
TELEGRAM_SECRET = "test_telegram_webhook_secret_0123456789"
WHATSAPP_TOKEN = "test-whatsapp-access-token"
WHATSAPP_APP_SECRET = "test-whatsapp-app-secret"
WHATSAPP_VERIFY_TOKEN = "test-whatsapp-verify-token"
WHATSAPP_PHONE_ID = "1098765432"
WHATSAPP_VERSION = "v21.0"
TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "test-twilio-auth-token"
TWILIO_NUMBER = "+447700900001"


def channel_settings(platform_url: str) -> Dict[str, Any]:
    """Settings for all three channels, with every outbound API pointed at the fake platform."""
    return dict(
        public_base_url=PUBLIC_BASE_URL,
        channel_id_secret=CHANNEL_ID_SECRET,
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_base=platform_url,
        whatsapp_access_token=WHATSAPP_TOKEN,
        whatsapp_app_secret=WHATSAPP_APP_SECRET,
        whatsapp_verify_token=WHATSAPP_VERIFY_TOKEN,
        whatsapp_phone_number_id=WHATSAPP_PHONE_ID,
        whatsapp_api_base=platform_url,
        whatsapp_api_version=WHATSAPP_VERSION,
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_api_base=platform_url,
    )


# ---- the fake platform --------------------------------------------------------------------------------


class Recorded(dict):
    """One request the fake platform received: method, path, headers, and `json` or `form`."""


class FakePlatform:
    """Telegram Bot API, Graph API messages and Twilio Messages in one server. Answers like the real ones
    (enough for the service), records every request, and can be told to fail the next few requests."""

    def __init__(self) -> None:
        self.requests: List[Recorded] = []
        self._lock = threading.Lock()
        self._failures: List[int] = []
        self._ids = itertools.count(1)
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                record = Recorded(method="POST", path=self.path, headers={k.lower(): v for k, v in self.headers.items()})
                if "json" in (self.headers.get("Content-Type") or ""):
                    record["json"] = json.loads(raw or b"null")
                else:
                    record["form"] = dict(parse_qsl(raw.decode()))
                status, body = platform._answer(record)
                with platform._lock:
                    platform.requests.append(record)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-platform", daemon=True)

    def __enter__(self) -> "FakePlatform":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures += [status] * count

    def _answer(self, record: Recorded) -> tuple[int, Any]:
        with self._lock:
            if self._failures:
                record["failed"] = self._failures[0]
                return self._failures.pop(0), {"error": "injected failure"}
        n = next(self._ids)
        path = record["path"]
        if path.startswith("/bot"):
            return 200, {"ok": True, "result": {"message_id": n} if path.endswith("/sendMessage") else True}
        if path.endswith("/messages"):
            return 200, {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.out{n}"}]}
        if path.endswith("/Messages.json"):
            return 201, {"sid": f"SM{n:032d}", "status": "queued"}
        return 404, {"error": "unknown endpoint"}

    # ---- reading what arrived -----------------------------------------------------------------------

    def received(self, predicate: Callable[[Recorded], bool] = lambda r: True) -> List[Recorded]:
        with self._lock:
            return [r for r in self.requests if "failed" not in r and predicate(r)]

    async def wait_for(self, predicate: Callable[[Recorded], bool], count: int = 1,
                       timeout: float = 30.0) -> List[Recorded]:
        """Wait (letting the event loop run the service's background turns) until `count` matching
        requests have arrived, then a little longer so stragglers (which would be bugs) show up too."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received(predicate)) >= count:
                await asyncio.sleep(0.3)
                return self.received(predicate)
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} request(s), got {len(self.received(predicate))}: "
                             f"{self.received(predicate)}")

    async def settle(self, app: Any, timeout: float = 30.0) -> None:
        """Wait until the app has no turn left in flight."""
        runtime = app.state.channels
        deadline = time.monotonic() + timeout
        while runtime.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)


# ---- the platforms' side of signing --------------------------------------------------------------------

_update_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)


def telegram_message(chat_id: int, text: str, update_id: Optional[int] = None, chat_type: str = "private",
                     date: Optional[int] = None) -> Dict[str, Any]:
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
            "chat": {"id": chat_id, "type": chat_type, "first_name": "Test"},
            "date": date if date is not None else int(time.time()),
            "text": text,
        },
    }


def telegram_callback(chat_id: int, data: str, update_id: Optional[int] = None) -> Dict[str, Any]:
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "callback_query": {
            "id": f"cbq{next(_update_ids)}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
            "message": {"message_id": 1, "chat": {"id": chat_id, "type": "private"}, "date": int(time.time()),
                        "text": "earlier question"},
            "chat_instance": "1",
            "data": data,
        },
    }


def whatsapp_notification(wa_id: str, message: Dict[str, Any], phone_number_id: str = WHATSAPP_PHONE_ID) -> Dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "WABA-1",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "447700900002", "phone_number_id": phone_number_id},
                    "contacts": [{"profile": {"name": "Test"}, "wa_id": wa_id}],
                    "messages": [{"from": wa_id, "timestamp": str(int(time.time())), **message}],
                },
            }],
        }],
    }


def whatsapp_text(wa_id: str, text: str, message_id: str) -> Dict[str, Any]:
    return whatsapp_notification(wa_id, {"id": message_id, "type": "text", "text": {"body": text}})


def whatsapp_button_reply(wa_id: str, button_id: str, title: str, message_id: str, kind: str = "button_reply") -> Dict[str, Any]:
    return whatsapp_notification(
        wa_id, {"id": message_id, "type": "interactive", "interactive": {"type": kind, kind: {"id": button_id, "title": title}}}
    )


def meta_signature(body: bytes, secret: str = WHATSAPP_APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_params(sender: str, body: str, sid: str, to: str = TWILIO_NUMBER, **extra: str) -> Dict[str, str]:
    return {"AccountSid": TWILIO_SID, "MessageSid": sid, "SmsSid": sid, "From": sender, "To": to, "Body": body,
            "NumMedia": "0", "ApiVersion": "2010-04-01", **extra}


def twilio_signature(url: str, params: Dict[str, str], token: str = TWILIO_TOKEN) -> str:
    """Twilio's algorithm: HMAC-SHA1 over the URL followed by each parameter name and value, sorted."""
    signed = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def form(params: Dict[str, str]) -> bytes:
    return urlencode(params).encode()
