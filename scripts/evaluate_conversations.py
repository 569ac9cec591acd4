"""Whole conversations scored as a person meets them: each one sent turn by turn through the REST channel
(POST /webhooks/rest/webhook) of a running service, then checked for what it had to convey, what it must
never say, and the crisis reply on the turns that need it (dialogues/concepts.py).

Usage:
  python -m scripts.evaluate_conversations SET.yml [SET.yml ...] [--url URL] [--failures] [--json FILE]

Without --url it starts the service itself (`python -m api`) on a free loopback port and stops it after.
A set is YAML: conversations: [{id, persona, turns: [...], crisis_turns: [...], must_convey: [...],
must_never: [...]}], written by someone who has seen only a description of the assistant and the facts
sheet (tests/conversations/README.md).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import httpx
import yaml

from dialogues.concepts import CONCEPTS, says
from dialogues.drivers import HttpDriver


@dataclass
class Conversation:
    id: str
    persona: str
    turns: List[str]
    crisis_turns: List[int]
    must_convey: List[str]
    must_never: List[str]

    @classmethod
    def from_yaml(cls, raw: Dict[str, Any]) -> "Conversation":
        conversation = cls(
            id=str(raw["id"]), persona=str(raw.get("persona", "")), turns=[str(t) for t in raw["turns"]],
            crisis_turns=[int(t) for t in raw.get("crisis_turns") or []],
            must_convey=list(raw.get("must_convey") or []), must_never=list(raw.get("must_never") or []),
        )
        unknown = [c for c in conversation.must_convey + conversation.must_never if c not in CONCEPTS]
        if unknown:
            raise ValueError(f"{conversation.id}: unknown concepts {unknown}")
        return conversation


@dataclass
class Result:
    id: str
    persona: str
    passed: bool
    missing: List[str] = field(default_factory=list)
    said_never: List[str] = field(default_factory=list)
    crisis_missed: List[int] = field(default_factory=list)
    false_crisis: List[int] = field(default_factory=list)
    transcript: List[Dict[str, Any]] = field(default_factory=list)


def load(path: str) -> List[Conversation]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [Conversation.from_yaml(c) for c in raw["conversations"]]


def score(conversation: Conversation, replies: Sequence[List[str]]) -> Result:
    """`replies[i]`: the texts the assistant sent back to turn i+1."""
    everything = [text for turn in replies for text in turn]
    missing = [c for c in conversation.must_convey if not any(says(c, t) for t in everything)]
    said_never = [c for c in conversation.must_never if any(says(c, t) for t in everything)]
    crisis_at = [n for n, turn in enumerate(replies, start=1) if any(says("crisis_reply", t) for t in turn)]
    crisis_missed = [n for n in conversation.crisis_turns if n not in crisis_at]
    first_due = min(conversation.crisis_turns, default=len(replies) + 1)
    # After a crisis has been said, more crisis support is not a false alarm.
    false_crisis = [n for n in crisis_at if n < first_due]
    passed = not (missing or said_never or crisis_missed or false_crisis)
    transcript = [{"person": said, "assistant": turn} for said, turn in zip(conversation.turns, replies)]
    return Result(conversation.id, conversation.persona, passed, missing, said_never, crisis_missed, false_crisis, transcript)


async def run(conversations: Sequence[Conversation], url: str) -> List[Result]:
    driver = HttpDriver(url)
    await driver.start()
    results = []
    try:
        for conversation in conversations:
            sender = f"eval-{uuid.uuid4().hex}"
            replies = []
            for turn in conversation.turns:
                replies.append([r.text for r in await driver.send(sender, turn, is_payload=False)])
            results.append(score(conversation, replies))
    finally:
        await driver.stop()
    return results


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ, "HOST": "127.0.0.1", "PORT": str(port),
        # One client sends every conversation, over a thousand in all: the limits would pace or stop the run.
        "RATE_LIMIT_PER_CLIENT": "100000", "RATE_LIMIT_PER_CONVERSATION": "1000",
        "MAX_CONVERSATIONS_PER_CLIENT": "100000", "MAX_CONVERSATIONS": "100000",
    }
    process = subprocess.Popen([sys.executable, "-m", "api"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the service stopped while starting: run `make run` to see why")
        try:
            if httpx.get(url + "/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(1)
    process.terminate()
    raise SystemExit("the service was not ready within 300 s")


def summary(name: str, results: Sequence[Result]) -> Dict[str, Any]:
    passed = sum(r.passed for r in results)
    due = sum(len(r.crisis_missed) for r in results)
    crisis_turns = sum(len(r.transcript) for r in results)
    return {
        "set": name, "conversations": len(results), "passed": passed, "pass_rate": round(passed / len(results), 3),
        "crisis_missed": due, "false_crisis_turns": sum(len(r.false_crisis) for r in results),
        "turns": crisis_turns,
        "missing": dict(Counter(c for r in results for c in r.missing).most_common()),
        "said_never": dict(Counter(c for r in results for c in r.said_never).most_common()),
    }


def print_failure(result: Result) -> None:
    print(f"\nFAIL {result.id} ({result.persona})")
    for label, items in (("missing", result.missing), ("said", result.said_never),
                         ("crisis missed on turn", result.crisis_missed), ("false crisis on turn", result.false_crisis)):
        if items:
            print(f"  {label}: {', '.join(map(str, items))}")
    for n, turn in enumerate(result.transcript, start=1):
        print(f"  [{n}] > {turn['person']}")
        for text in turn["assistant"]:
            print("      " + text.replace("\n", "\n      "))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--url", help="a running service (default: start one here)")
    parser.add_argument("--failures", action="store_true", help="print every failing conversation in full")
    parser.add_argument("--json", help="write every result, transcripts included, to this file")
    args = parser.parse_args(argv)
    sets = {path: load(path) for path in args.sets}
    process = None
    url = args.url
    if not url:
        process, url = start_service()
    try:
        report = []
        for path, conversations in sets.items():
            results = asyncio.run(run(conversations, url))
            if args.failures:
                for result in results:
                    if not result.passed:
                        print_failure(result)
            report.append((summary(path, results), results))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    for numbers, _ in report:
        print(
            f"{numbers['set']}: {numbers['passed']}/{numbers['conversations']} conversations pass "
            f"({numbers['pass_rate']:.1%}); crisis replies missed: {numbers['crisis_missed']}; "
            f"false crisis replies: {numbers['false_crisis_turns']} of {numbers['turns']} turns"
        )
        if numbers["missing"]:
            print("  not conveyed: " + ", ".join(f"{k} {v}" for k, v in numbers["missing"].items()))
        if numbers["said_never"]:
            print("  said what it must not: " + ", ".join(f"{k} {v}" for k, v in numbers["said_never"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps(
            [{"summary": numbers, "results": [asdict(r) for r in results]} for numbers, results in report], indent=1
        ), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
