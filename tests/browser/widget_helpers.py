"""Small helpers the widget's browser tests share. Playwright's CSS locators pierce the open shadow root."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

BOT = ".k-msg.k-bot"
USER = ".k-msg.k-user"
NOTICE = ".k-msg.k-notice"

# JS: describe the element that has focus, looking inside the widget's shadow root.
FOCUSED_JS = """() => {
  let a = document.activeElement;
  if (a && a.shadowRoot) {
    const inner = a.shadowRoot.activeElement;
    return inner ? ('widget:' + inner.className) : 'widget-host';
  }
  return a ? ('page:' + (a.id || a.tagName.toLowerCase())) : 'none';
}"""


def focused(page) -> str:
    return page.evaluate(FOCUSED_JS)


def open_widget(page) -> None:
    page.locator(".k-launcher").click()
    page.locator(BOT).first.wait_for()


def wait_bots(page, count: int, timeout: float = 15000) -> None:
    """Wait until at least `count` assistant messages are on screen."""
    page.locator(BOT).nth(count - 1).wait_for(timeout=timeout)


def bot_count(page) -> int:
    return page.locator(BOT).count()


def send_text(page, text: str) -> None:
    box = page.locator(".k-input")
    box.fill(text)
    box.press("Enter")


def last_bot_text(page) -> str:
    return page.locator(BOT).last.inner_text()


def track_conversations(page) -> list[str]:
    """Collect the ids of conversations the widget creates on this page."""
    ids: list[str] = []

    def on_response(res):
        if res.request.method == "POST" and re.search(r"/api/v1/conversations$", res.url) and res.status == 201:
            try:
                ids.append(res.json()["conversation_id"])
            except Exception:  # noqa: BLE001 - a test will fail on the missing id instead
                pass

    page.on("response", on_response)
    return ids


def storage_snapshot(page) -> dict:
    return page.evaluate(
        """async () => ({
          local: localStorage.length,
          session: sessionStorage.length,
          cookie: document.cookie,
          idb: indexedDB.databases ? (await indexedDB.databases()).length : 0,
        })"""
    )


def http(method: str, url: str, body: dict | None = None, timeout: float = 10) -> tuple[int, dict | None]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            raw = res.read()
            return res.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, (json.loads(raw) if raw else None)
        except ValueError:
            return e.code, None


# ---------------------------------------------------------------- real key and mouse input through CDP
#
# Playwright's page.keyboard does not reproduce what Chromium does with an Escape the page leaves alone
# while a navigation is pending (it stops the navigation); input sent with Input.dispatchKeyEvent does.

_KEYS = {
    "Escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27, "nativeVirtualKeyCode": 27},
    "Shift": {"key": "Shift", "code": "ShiftLeft", "windowsVirtualKeyCode": 16, "nativeVirtualKeyCode": 16,
              "location": 1},
    "a": {"key": "a", "code": "KeyA", "windowsVirtualKeyCode": 65, "nativeVirtualKeyCode": 65, "text": "a"},
}
_SHIFT_MODIFIER = 8


def _cdp(page):
    session = getattr(page, "_kestrel_cdp", None)
    if session is None:
        session = page.context.new_cdp_session(page)
        page._kestrel_cdp = session
    return session


def native_key(page, name: str) -> None:
    """Press and release one key the way a keyboard does (see above)."""
    key = dict(_KEYS[name])
    down = {**key, "type": "keyDown" if "text" in key else "rawKeyDown"}
    if name == "Shift":
        down["modifiers"] = _SHIFT_MODIFIER
    up = {k: v for k, v in key.items() if k != "text"}
    _cdp(page).send("Input.dispatchKeyEvent", down)
    _cdp(page).send("Input.dispatchKeyEvent", {**up, "type": "keyUp"})


def native_click(page, locator) -> None:
    """A real mouse click, which (unlike locator.click) does not wait for the navigation it starts."""
    box = locator.bounding_box()
    assert box, "the element is on screen"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for kind in ("mousePressed", "mouseReleased"):
        _cdp(page).send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})
