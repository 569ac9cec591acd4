"""Running scripts: each in a fresh conversation, each turn checked as it comes back."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

from dialogues.checks import SAFETY_PREFIX, Reply, button_titles, check, find_button, safety_problems
from dialogues.drivers import Driver, DriverError
from dialogues.script import Script, Turn


@dataclass
class TurnResult:
    number: int
    turn: Turn
    sent: Optional[str] = None  # the text or payload actually sent (a pressed button's payload)
    replies: List[Reply] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class ScriptResult:
    script: Script
    turns: List[TurnResult] = field(default_factory=list)
    overall_failures: List[str] = field(default_factory=list)
    error: Optional[str] = None  # the script could not go on (assistant unreachable, button not offered)
    error_kind: Optional[str] = None  # "driver" (no answer from the assistant) or "button"
    seconds: float = 0.0

    @property
    def failed_turns(self) -> List[TurnResult]:
        return [t for t in self.turns if not t.passed]

    @property
    def went_wrong(self) -> bool:
        """Something the script expects did not happen (whether or not that is a known issue)."""
        return self.error is not None or bool(self.overall_failures) or bool(self.failed_turns)

    @property
    def safety_failures(self) -> List[str]:
        return [f for t in self.turns for f in t.failures if f.startswith(SAFETY_PREFIX)]

    @property
    def status(self) -> str:
        """PASS; FAIL; ERROR (the assistant could not be reached); KNOWN (a script marked known_issue
        went wrong, as expected); FIXED (a known_issue script passes now: remove the marker)."""
        if self.error_kind == "driver" and not self.overall_failures and not self.failed_turns[:-1]:
            return "ERROR"
        if self.script.known_issue:
            if self.safety_failures:
                return "FAIL"  # a known issue never excuses an unsafe reply
            return "KNOWN" if self.went_wrong else "FIXED"
        return "FAIL" if self.went_wrong else "PASS"

    @property
    def passed(self) -> bool:
        """Whether this script lets the run pass."""
        return self.status in ("PASS", "KNOWN")


async def run_script(script: Script, driver: Driver) -> ScriptResult:
    result = ScriptResult(script)
    started = time.perf_counter()
    conversation = driver.new_conversation()
    previous: List[Reply] = []
    try:
        for number, turn in enumerate(script.turns, start=1):
            outcome = TurnResult(number, turn)
            result.turns.append(outcome)
            if turn.action == "press":
                button = find_button(previous, turn.value)
                if button is None:
                    titles = button_titles(previous)
                    offered = ", ".join(f'"{t}"' for t in titles) if titles else "no buttons at all"
                    outcome.failures.append(
                        f'cannot press "{turn.value}": the previous reply offered {offered}'
                    )
                    result.error = f"turn {number}: the button \"{turn.value}\" was not offered, so the script stopped there"
                    result.error_kind = "button"
                    break
                outcome.sent = button["payload"]
                is_payload = True
            else:
                outcome.sent = turn.value
                is_payload = turn.action == "payload"
            try:
                outcome.replies = await driver.send(conversation, outcome.sent, is_payload)
            except DriverError as e:
                outcome.failures.append(str(e))
                result.error = f"turn {number}: {e}"
                result.error_kind = "driver"
                break
            if not any(r.text.strip() or r.buttons for r in outcome.replies):
                outcome.failures.append("the assistant said nothing at all (a dead end)")
            outcome.failures += safety_problems(outcome.replies)
            outcome.failures += check(turn.expect, outcome.replies)
            previous = outcome.replies
        if result.error is None:
            everything = [r for t in result.turns for r in t.replies]
            result.overall_failures = check(script.overall, everything, scope="the conversation")
    finally:
        result.seconds = time.perf_counter() - started
        try:
            await driver.end_conversation(conversation)
        except DriverError:
            pass
    return result


async def run_all(
    scripts: Sequence[Script], driver: Driver, on_result: Optional[Callable[[int, ScriptResult], None]] = None
) -> List[ScriptResult]:
    """Run scripts one after another (a conversation each); `on_result(index, result)` after each."""
    results: List[ScriptResult] = []
    for index, script in enumerate(scripts, start=1):
        result = await run_script(script, driver)
        results.append(result)
        if on_result is not None:
            on_result(index, result)
    return results
