"""Measure /health latency and another conversation's wait while the model is busy (not a test).

Starts the service as its own process (as `make run` would) on a loopback port, drives it from this
process, and prints the figures quoted in the README:

    .venv/bin/python tests/api/measure_busy_latency.py              # the service as built
    .venv/bin/python tests/api/measure_busy_latency.py --inline     # baseline: the agent on the server's loop

`--inline` serves the same model from a bare app that awaits `agent.handle_message` on uvicorn's own
loop, the way Rasa's server does, to show what the model thread buys.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import httpx

REPO = Path(__file__).resolve().parents[2]
TEXTS = [
    "someone has my nudes and wants £200 or he'll send them to my family",
    "/next_step",
    "he says he'll post it tonight what do i do",
]

INLINE_APP = r"""
import asyncio, logging, secrets
from fastapi import FastAPI
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.utils.common import configure_logging_and_warnings
from api.rasa.inprocess_actions import action_endpoint
from api.settings import Settings

configure_logging_and_warnings(logging.WARNING)
app = FastAPI()
state = {}

@app.on_event("startup")
async def load():
    state["agent"] = Agent.load(str(Settings().resolved_model_path()), action_endpoint=action_endpoint(None))

@app.get("/ready")
async def ready():
    return {"status": "ready"}

@app.get("/health")
async def health():
    return {"status": "ok"}

@app.post("/api/v1/conversations")
async def create():
    cid = secrets.token_urlsafe(24)
    out = await state["agent"].handle_message(UserMessage("/greet", CollectingOutputChannel(), cid))
    return {"conversation_id": cid, "messages": out}

@app.post("/api/v1/conversations/{cid}/messages")
async def message(cid: str, body: dict):
    out = await state["agent"].handle_message(UserMessage(body["text"], CollectingOutputChannel(), cid))
    return {"messages": out}
"""


def pct(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))] * 1000


async def drive(url: str, conversations: int, rounds: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as c:
        ids = [(await c.post("/api/v1/conversations")).json()["conversation_id"] for _ in range(conversations + 1)]
        observer = ids.pop()

        idle = []
        for _ in range(50):
            t = time.perf_counter()
            await c.get("/health")
            idle.append(time.perf_counter() - t)

        done = asyncio.Event()
        health: List[float] = []

        async def sample() -> None:
            async with httpx.AsyncClient(base_url=url, timeout=120) as h:
                while not done.is_set():
                    t = time.perf_counter()
                    await h.get("/health")
                    health.append(time.perf_counter() - t)
                    await asyncio.sleep(0.01)

        async def talk(cid: str) -> None:
            for _ in range(rounds):
                for text in TEXTS:
                    await c.post(f"/api/v1/conversations/{cid}/messages", json={"text": text})

        sampler = asyncio.ensure_future(sample())
        start = time.perf_counter()
        load = asyncio.gather(*(talk(cid) for cid in ids))
        await asyncio.sleep(0.2)
        t = time.perf_counter()
        await c.post(f"/api/v1/conversations/{observer}/messages", json={"text": TEXTS[0]})
        other = time.perf_counter() - t
        await load
        elapsed = time.perf_counter() - start
        done.set()
        await sampler

    turns = conversations * rounds * len(TEXTS)
    print(f"idle /health: p50 {pct(idle, .5):.1f} ms, max {pct(idle, 1):.1f} ms")
    print(f"{turns} turns from {conversations} conversations in {elapsed:.1f} s ({turns / elapsed:.1f} turns/s)")
    print(f"/health during load: n={len(health)} p50 {pct(health, .5):.1f} ms, p95 {pct(health, .95):.1f} ms, "
          f"max {pct(health, 1):.1f} ms")
    print(f"one more conversation's turn during load: {other * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inline", action="store_true")
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    env = dict(os.environ, PYTHONPATH=str(REPO), LOG_LEVEL="WARNING", PORT=str(args.port),
               RATE_LIMIT_PER_CLIENT="100000", RATE_LIMIT_PER_CONVERSATION="100000")
    if args.inline:
        app_file = REPO / "build" / "inline_app.py"
        app_file.parent.mkdir(exist_ok=True)
        app_file.write_text(INLINE_APP)
        env["PYTHONPATH"] += os.pathsep + str(app_file.parent)
        command = [sys.executable, "-m", "uvicorn", "inline_app:app", "--host", "127.0.0.1",
                   "--port", str(args.port), "--ws", "websockets", "--no-access-log", "--log-level", "warning"]
    else:
        command = [sys.executable, "-m", "api"]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise SystemExit("server exited")
            time.sleep(0.5)
        print(f"== {'inline (agent on the server loop)' if args.inline else 'service (model thread)'}")
        asyncio.run(drive(url, args.conversations, args.rounds))
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
