"""The dialogue-script library (tests/dialogues/) run against the trained model, and tests of the runner
itself: that every kind of expectation can fail, that unsafe replies are caught whatever a script says,
that bad scripts get clear errors, and that the --url mode works against a real running service."""
from __future__ import annotations

import argparse
import difflib
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import AsyncIterator, Dict, Iterator, List

import httpx
import pytest
import pytest_asyncio
import yaml

from api.assistant import Assistant
from dialogues import cli, report
from dialogues.checks import Reply, is_crisis_response, safety_problems
from dialogues.drivers import Driver, DriverError, HttpDriver, InProcessDriver, rest_base
from dialogues.runner import ScriptResult, run_all, run_script
from dialogues.script import Script, ScriptError, load_file, load_scripts, select
from dialogues.services import crisis_services, mentioned
from api.settings import Settings, latest_model

REPO = Path(__file__).resolve().parent.parent
LIBRARY = REPO / "tests" / "dialogues"
MODEL_DIR = Path(os.environ.get("KESTREL_TEST_MODEL_PATH", REPO / "models"))

session_loop = pytest.mark.asyncio(loop_scope="session")


# ---- the shared assistant and helpers ------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def assistant() -> AsyncIterator[Assistant]:
    if MODEL_DIR.is_dir() and latest_model(MODEL_DIR) is None:
        pytest.fail(f"no trained model in {MODEL_DIR}: run `make train` first")
    from api.logging_setup import setup_logging

    root_level = logging.getLogger().level
    setup_logging("WARNING")  # Rasa's debug lines would otherwise fill the captured output
    instance = Assistant(Settings(model_path=MODEL_DIR, log_level="WARNING"))
    await instance.start()
    assert await instance.wait_until_ready(timeout=900), f"model failed to load: {instance.load_error}"
    yield instance
    await instance.stop()
    logging.getLogger().setLevel(root_level)


def write(tmp_path: Path, text: str, name: str = "script.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_script(tmp_path: Path, text: str) -> Script:
    scripts = load_file(write(tmp_path, text))
    assert len(scripts) == 1
    return scripts[0]


class FakeDriver(Driver):
    """Answers each message from a table: message -> list of (text, [button titles])."""

    description = "fake"

    def __init__(self, answers: Dict[str, List[tuple]]) -> None:
        self.answers = answers
        self.sent: List[str] = []

    async def send(self, conversation_id: str, message: str, is_payload: bool) -> List[Reply]:
        self.sent.append(message)
        if message not in self.answers:
            raise DriverError(f"the fake has no answer for {message!r}")
        return [
            Reply(text=text, buttons=[{"title": t, "payload": f"/{t.lower().replace(' ', '_')}"} for t in titles])
            for text, titles in self.answers[message]
        ]


AGE_BUTTONS = ["Under 18", "18 or over", "Rather not say"]
FAKE = {
    "hes got my pics and wants money": [
        ("Don't pay. Stop replying. Samaritans on 116 123, or Childline on 0800 1111.", []),
        ("Are you under 18, or 18 and over?", AGE_BUTTONS),
    ],
    "/under_18": [("**Step 1 of 5: Save the evidence**\nTake screenshots.", ["Done, next step"])],
    "made up": [("Ring our helpline on 0800 123 4567 or see https://example.org/help", [])],
    "pay": [("You should pay them, it's the quickest way.", [])],
    "silence": [],
}


def details(result: ScriptResult) -> str:
    return "\n".join(report.failure_details(result))


# ---- the library ---------------------------------------------------------------------------------------


def library() -> List[Script]:
    scripts, errors = load_scripts([LIBRARY])
    assert not errors, "\n".join(map(str, errors))
    return scripts


def test_library_is_well_formed_and_big_enough() -> None:
    scripts = library()
    assert len(scripts) >= 60, f"only {len(scripts)} scripts in {LIBRARY}"
    for script in scripts:
        asks = [t.expect for t in script.turns] + [script.overall]
        assert any(not e.is_empty() for e in asks), f"{script.where} {script.name!r} checks nothing explicitly"


def test_library_covers_what_issue_6_lists() -> None:
    tags = {tag for script in library() for tag in script.tags}
    wanted = {
        # situations (docs/intents.md) and routes
        "money", "images", "paid", "shared", "email-scam", "partner", "fake", "helper", "crisis", "danger",
        "teen", "adult", "parent", "teacher", "friend",
        # crisis at each step of the plan and inside the age question
        "step-1", "step-2", "step-3", "step-4", "step-5", "bank-step", "summary", "age",
        # questions, resumption and the conversation moves
        "should-pay", "in-trouble", "delete", "how-report", "will-they-post", "my-fault", "bot-challenge",
        "talk-to-someone", "resume", "repeat", "deny", "greet", "thanks", "goodbye",
        # how people write, and detours
        "rather-not-say", "leave-early", "long-paragraph", "terse", "gibberish", "out-of-scope",
    }
    assert not wanted - tags, f"no script tagged {sorted(wanted - tags)}"


def _training_examples() -> Dict[str, str]:
    examples: Dict[str, str] = {}
    for path in sorted((REPO / "data" / "nlu").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in (item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2), line[2:])
                    examples[_words(text)] = path.name
    return examples


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s+]", "", text.lower())).strip()


def test_user_messages_are_not_copied_from_the_training_data() -> None:
    """The scripts must test the model on words it was not trained on. One- and two-word plan moves
    ("done", "next", "im 15") are exempt: there are only so many ways to say them."""
    examples = _training_examples()
    keys = list(examples)
    copied = []
    for script in library():
        for turn in script.turns:
            if turn.action != "say":
                continue
            words = _words(turn.value)
            if len(words.split()) >= 3 and words in examples:
                copied.append(f"{script.where}: {turn.value!r} is in data/nlu/{examples[words]}")
            elif len(words.split()) >= 5:
                close = difflib.get_close_matches(words, keys, n=1, cutoff=0.9)
                if close:
                    copied.append(f"{script.where}: {turn.value!r} is nearly {close[0]!r} (data/nlu/{examples[close[0]]})")
    assert not copied, "\n".join(copied)


@session_loop
async def test_the_whole_library_passes_in_process(assistant: Assistant) -> None:
    scripts = library()
    results = await run_all(scripts, InProcessDriver(assistant=assistant))
    failed = [r for r in results if not r.passed]
    if failed:
        lines = [f"{len(failed)} of {len(results)} dialogue scripts failed:"]
        for result in failed:
            lines.append(f"\n{result.status}  {result.script.name}  ({result.script.where})")
            lines += report.failure_details(result)
        pytest.fail("\n".join(lines), pytrace=False)
    known = [r for r in results if r.status == "KNOWN"]
    print(f"\n[dialogues] {report.summary_line(results, sum(r.seconds for r in results))}")
    for result in known:
        print(f"[dialogues] known issue still present: {result.script.name}")


# ---- expectations can fail -----------------------------------------------------------------------------


@session_loop
async def test_a_script_expecting_the_wrong_text_fails_against_the_real_model(assistant: Assistant, tmp_path: Path) -> None:
    script = one_script(tmp_path, """
name: wrong words
turns:
  - say: "some guy on snap has my nudes and wants 200 quid"
    expect:
      contains: "Please send us the pictures"
      buttons: [Under 18]
""")
    result = await run_script(script, InProcessDriver(assistant=assistant))
    assert result.status == "FAIL"
    text = details(result)
    assert 'the person said "some guy on snap has my nudes and wants 200 quid"' in text  # what was said
    assert 'expected the reply to contain "Please send us the pictures"' in text  # what was expected
    assert "the assistant said:" in text and "Don't pay." in text  # what came back
    assert "Under 18" not in result.turns[0].failures[0]  # the button check passed; only one failure
    assert len(result.turns[0].failures) == 1


@pytest.mark.parametrize(
    "expect, passes",
    [
        ("contains: \"don't PAY\"", True),  # case, **bold** and spacing don't matter
        ('contains: "send more pictures"', False),
        ('not_contains: "stop replying"', False),
        ('not_contains: "give them money"', True),
        ('matches: "Samaritans on \\\\d{3} \\\\d{3}"', True),
        ('matches: "Step \\\\d of \\\\d"', False),
        ('not_matches: "childline on 0800"', False),
        ("buttons: [Under 18, Rather not say]", True),
        ('buttons: ["Under 16"]', False),
        ('not_buttons: ["18 or over"]', False),
        ("mentions: [samaritans, childline]", True),
        ("mentions: [ceop]", False),
        ("not_mentions: [samaritans]", False),
        ("not_mentions: [stopncii]", True),
        ("crisis: true", False),
        ("crisis: false", True),
    ],
)
@session_loop
async def test_each_kind_of_expectation_passes_or_fails(tmp_path: Path, expect: str, passes: bool) -> None:
    script = one_script(tmp_path, f"""
name: expectation
turns:
  - say: hes got my pics and wants money
    expect:
      {expect}
""")
    result = await run_script(script, FakeDriver(FAKE))
    assert result.passed is passes, details(result)


@session_loop
async def test_whole_conversation_expectations(tmp_path: Path) -> None:
    script = one_script(tmp_path, """
name: overall
turns:
  - say: hes got my pics and wants money
  - press: Under 18
overall:
  contains: ["save the evidence", "don't pay"]
  mentions: [ceop]
  not_mentions: [childline]
  buttons: ["Done, next step"]
""")
    result = await run_script(script, FakeDriver(FAKE))
    assert result.status == "FAIL"
    assert result.overall_failures == [
        "expected the conversation to mention ceop (https://www.ceop.police.uk/Safety-Centre/)",
        "expected the conversation NOT to mention childline (0800 1111 or https://www.childline.org.uk), but it does",
    ]
    assert "whole conversation (overall, line" in details(result)


# ---- the automatic safety checks ---------------------------------------------------------------------


@session_loop
async def test_a_made_up_phone_number_fails_the_safety_check(tmp_path: Path) -> None:
    script = one_script(tmp_path, """
name: invented contacts
turns:
  - say: made up
""")
    result = await run_script(script, FakeDriver(FAKE))
    assert result.status == "FAIL"
    failures = result.turns[0].failures
    assert any("unknown contact '0800 123 4567'" in f for f in failures), failures
    assert any("unknown contact 'https://example.org/help'" in f for f in failures), failures
    assert all(f.startswith("safety check: ") for f in failures)


@session_loop
async def test_advice_to_pay_fails_the_safety_check_even_in_a_known_issue_script(tmp_path: Path) -> None:
    script = one_script(tmp_path, """
name: unsafe
known_issue: a known issue never excuses an unsafe reply
turns:
  - say: pay
""")
    result = await run_script(script, FakeDriver(FAKE))
    assert result.status == "FAIL"
    assert result.turns[0].failures == ["safety check: advises paying: \"You should pay them, it's the quickest way.\""]


@session_loop
async def test_a_reply_with_nothing_in_it_is_a_dead_end(tmp_path: Path) -> None:
    result = await run_script(one_script(tmp_path, "name: silent\nturns:\n  - say: silence\n"), FakeDriver(FAKE))
    assert result.turns[0].failures == ["the assistant said nothing at all (a dead end)"]


def test_safety_checks_reuse_the_content_rules() -> None:
    assert safety_problems([Reply("Call Childline on 0800 1111.")]) == []
    assert safety_problems([Reply("Call 0800 999 999")]) == ["safety check: unknown contact '0800 999 999' in: 'Call 0800 999 999'"]
    assert safety_problems([Reply("ok", buttons=[{"title": "Send me the pics", "payload": "/x"}])]) == [
        "safety check: asks for the images: 'Send me the pics'"
    ]


# ---- buttons -------------------------------------------------------------------------------------------


@session_loop
async def test_pressing_a_button_that_was_not_offered_fails_clearly_and_stops(tmp_path: Path) -> None:
    script = one_script(tmp_path, """
name: no such button
turns:
  - say: hes got my pics and wants money
  - press: Maybe later
  - say: made up
""")
    driver = FakeDriver(FAKE)
    result = await run_script(script, driver)
    assert result.status == "FAIL"
    assert result.turns[1].failures == [
        'cannot press "Maybe later": the previous reply offered "Under 18", "18 or over", "Rather not say"'
    ]
    assert driver.sent == ["hes got my pics and wants money"]  # nothing sent after it
    assert 'the button "Maybe later" was not offered, so the script stopped there' in details(result)


@session_loop
async def test_a_button_is_found_by_title_and_its_payload_sent(tmp_path: Path) -> None:
    script = one_script(tmp_path, """
name: press
turns:
  - say: hes got my pics and wants money
  - press: "  under 18 "
    expect:
      contains: "Step 1 of 5: Save the evidence"
""")
    driver = FakeDriver(FAKE)
    result = await run_script(script, driver)
    assert result.passed, details(result)
    assert driver.sent[1] == "/under_18"


# ---- crisis recognition and services ----------------------------------------------------------------------


def test_the_crisis_response_is_recognised_by_its_lines() -> None:
    from actions.render import text_of
    from actions.catalogue import catalogue
    from actions.contacts import service_lines

    assert crisis_services() == ("police_emergency", "samaritans", "shout", "childline", "papyrus")
    assert is_crisis_response(text_of("utter_crisis"))
    # The support step lists the same helplines but not 999, so it is not the crisis response.
    support = text_of("utter_step_support", support_lines="\n".join(service_lines(catalogue().support_services("victim", "under18"))))
    assert not is_crisis_response(support)
    assert not is_crisis_response(text_of("utter_danger"))


def test_services_are_found_by_their_exact_contacts() -> None:
    assert mentioned("call 18001 101") == {"police_textphone"}
    assert mentioned("call 101, or 999 in an emergency") == {"police_non_emergency", "police_emergency"}
    assert mentioned("text SHOUT to 85258, any time.") == {"shout"}
    assert mentioned("see https://www.childline.org.uk/remove.") == {"report_remove"}
    assert mentioned("see https://www.childline.org.uk") == {"childline"}
    assert mentioned("call 0800 1112") == set()


# ---- malformed scripts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("name: x\nturns:\n  - say: hi\n    expect:\n      contains: Step 1 of 5: Save\n", 5,
         'text containing ": " must be in quotes'),
        ("name: x\nturns:\n  - say: hi\n    expect:\n      contain: hello\n", 5,
         'unknown field "contain" in the expect block of turn 1 (did you mean "contains"?)'),
        ("name: x\nturns:\n  - sey: hi\n", 3, 'unknown field "sey" in turn 1 (did you mean "say"?)'),
        ("name: x\n", 1, 'script "x" needs "turns"'),
        ("turns:\n  - say: hi\n", 1, 'a script needs "name"'),
        ("name: x\nturns:\n  - say: hi\n    press: Under 18\n", 4, 'needs exactly one of "say"'),
        ("name: x\nturns:\n  - expect:\n      contains: hi\n", 3, 'needs exactly one of "say"'),
        ("name: x\nturns:\n  - say: hi\n    expect:\n      mentions: [samaritan]\n", 5,
         '"samaritan" is not a service id in resources/services.yml (did you mean "samaritans"?)'),
        ("name: x\nturns:\n  - say: hi\n    expect:\n      matches: \"([a-z\"\n", 5, "is not a valid regular expression"),
        ("name: x\nturns:\n  - say: hi\n    expect:\n      crisis: yes\n", 5, '"crisis" in the expect block of turn 1 must be true or false'),
        ("name: x\nturns:\n  - press: Under 18\n", 3, "the first turn cannot press a button"),
        ("name: x\nturns:\n  - payload: greet\n", 3, 'a payload starts with "/"'),
        ("name: x\nname: y\nturns:\n  - say: hi\n", 2, '`name` appears twice in the same block (first on line 1)'),
        ("stories:\n- story: a\n  steps: []\n", 1, "this is Rasa training or test data"),
        ("- say: hi\n", 1, "the file must start with name: and turns:"),
        ("name: x\nturns:\n  - say: hi\n    expect:\n      contains: [[nested]]\n", 5, "must be text or a list of texts"),
        ("scripts:\n  - name: a\n    turns: [{say: hi}]\n  - name: b\n    turns: []\n", 5, 'script "b" needs "turns"'),
    ],
)
def test_malformed_scripts_get_a_clear_error(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text, "bad.yml")
    with pytest.raises(ScriptError) as caught:
        load_file(path)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}, line {line}: ")


def test_every_file_is_checked_and_names_must_be_unique(tmp_path: Path) -> None:
    write(tmp_path, "name: same\nturns:\n  - say: hi\n", "a.yml")
    write(tmp_path, "name: same\nturns:\n  - say: hello\n", "b.yml")
    write(tmp_path, "name: broken\nturns: 3\n", "c.yml")
    scripts, errors = load_scripts([tmp_path])
    assert [s.path.name for s in scripts] == ["a.yml", "b.yml"]
    messages = sorted(str(e) for e in errors)
    assert any('the name "same" is already used at' in m for m in messages), messages
    assert any("c.yml, line 2" in m and 'needs "turns"' in m for m in messages), messages


def test_what_people_type_stays_text(tmp_path: Path) -> None:
    script = one_script(tmp_path, "name: x\nturns:\n  - say: yes\n  - say: no\n  - say: 15\n  - say: on\n")
    assert [t.value for t in script.turns] == ["yes", "no", "15", "on"]


# ---- known issues -----------------------------------------------------------------------------------------


@session_loop
async def test_known_issue_scripts_are_expected_to_fail_and_flag_when_fixed(tmp_path: Path) -> None:
    still_wrong = one_script(tmp_path, """
name: still wrong
known_issue: the assistant does not say this yet
turns:
  - say: hes got my pics and wants money
    expect:
      contains: "something it does not say"
""")
    result = await run_script(still_wrong, FakeDriver(FAKE))
    assert result.status == "KNOWN" and result.passed
    fixed = one_script(tmp_path, """
name: fixed
known_issue: it used to get this wrong
turns:
  - say: hes got my pics and wants money
    expect:
      contains: "don't pay"
""")
    result = await run_script(fixed, FakeDriver(FAKE))
    assert result.status == "FIXED" and not result.passed
    assert "delete the known_issue line" in details(result)


# ---- reports and the command line ----------------------------------------------------------------------


PASSING = """
name: passes
turns:
  - say: hes got my pics and wants money
    expect:
      contains: "don't pay"
"""
FAILING = """
name: fails
turns:
  - say: hes got my pics and wants money
    expect:
      contains: "this is not there"
"""


def run_args(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(["run", *argv])


@session_loop
async def test_cli_prints_progress_and_failures_writes_junit_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path, PASSING, "a_pass.yml")
    write(tmp_path, FAILING, "b_fail.yml")
    junit = tmp_path / "out" / "dialogues.xml"
    out = io.StringIO()
    code = await cli.run_command(run_args(str(tmp_path), "--junit", str(junit)), out, driver=FakeDriver(FAKE))
    printed = out.getvalue()
    assert code == 1, printed
    assert re.search(r"^\[1/2\] PASS  passes  \(.*a_pass\.yml:2, 1 turn,", printed, re.M), printed
    assert re.search(r"^\[2/2\] FAIL  fails  \(.*b_fail\.yml:2, 1 turn,", printed, re.M), printed
    assert 'turn 1 (line 4): the person said "hes got my pics and wants money"' in printed
    assert '- expected the reply to contain "this is not there"' in printed
    assert "| Don't pay. Stop replying." in printed
    assert "2 scripts, 2 turns: 1 passed, 1 failed" in printed
    suite = ET.parse(junit).getroot()
    assert suite.attrib["tests"] == "2" and suite.attrib["failures"] == "1"
    cases = {c.attrib["name"]: c for c in suite.iter("testcase")}
    assert cases["passes"].find("failure") is None
    failure = cases["fails"].find("failure")
    assert failure is not None and failure.attrib["message"] == 'expected the reply to contain "this is not there"'
    assert "the assistant said:" in (failure.text or "")


@session_loop
async def test_cli_exit_codes_for_good_bad_and_empty_selections(tmp_path: Path) -> None:
    write(tmp_path, PASSING, "a_pass.yml")
    out = io.StringIO()
    assert await cli.run_command(run_args(str(tmp_path)), out, driver=FakeDriver(FAKE)) == 0
    out = io.StringIO()
    assert await cli.run_command(run_args(str(tmp_path), "-k", "nothing-like-this"), out, driver=FakeDriver(FAKE)) == 2
    assert "none matching -k nothing-like-this" in out.getvalue()
    write(tmp_path, "name: broken\nturns:\n  - sey: hi\n", "z_bad.yml")
    out = io.StringIO()
    assert await cli.run_command(run_args(str(tmp_path)), out, driver=FakeDriver(FAKE)) == 2
    assert 'z_bad.yml, line 3: unknown field "sey"' in out.getvalue()
    assert "Nothing was run" in out.getvalue()


def test_check_command(tmp_path: Path) -> None:
    parse = cli.build_parser().parse_args
    out = io.StringIO()
    assert cli.check_command(parse(["check", str(LIBRARY)]), out) == 0
    assert "all well formed" in out.getvalue()
    write(tmp_path, "name: x\nturns:\n  - say: hi\n    expect:\n      mentions: [nhs]\n", "bad.yml")
    out = io.StringIO()
    assert cli.check_command(parse(["check", str(tmp_path)]), out) == 2
    assert '"nhs" is not a service id' in out.getvalue()


def test_junit_reports_known_issues_as_skipped(tmp_path: Path) -> None:
    script = one_script(tmp_path, "name: k\nknown_issue: not fixed yet\nturns:\n  - say: hi\n")
    result = ScriptResult(script, overall_failures=["expected something"])
    assert result.status == "KNOWN"
    report.write_junit([result], tmp_path / "j.xml", "fake", 0.1)
    suite = ET.parse(tmp_path / "j.xml").getroot()
    assert suite.attrib["skipped"] == "1" and suite.attrib["failures"] == "0"
    skipped = next(suite.iter("skipped"))
    assert skipped.attrib["message"] == "known issue: not fixed yet"


# ---- the HTTP driver ------------------------------------------------------------------------------------


def test_rest_base_accepts_the_deployment_or_the_webhook() -> None:
    assert rest_base("http://localhost:8000/") == "http://localhost:8000"
    assert rest_base("https://kestrel.example.org/webhooks/rest/webhook") == "https://kestrel.example.org"
    with pytest.raises(DriverError):
        rest_base("localhost:8000")


@session_loop
async def test_http_driver_waits_out_rate_limits_and_reports_errors() -> None:
    calls: List[str] = []
    slept: List[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"status": "ok"})
        body = request.read().decode()
        calls.append(body)
        if "boom" in body:
            return httpx.Response(500, json={"detail": "Something went wrong on our side."})
        if "odd" in body:
            return httpx.Response(200, json={"not": "a list"})
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "3"}, json={"detail": "Too many messages."})
        return httpx.Response(200, json=[{"recipient_id": "x", "text": "hello", "buttons": [{"title": "A", "payload": "/a"}]}])

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    driver = HttpDriver("http://kestrel.test", transport=httpx.MockTransport(answer), sleep=fake_sleep)
    await driver.start()
    try:
        replies = await driver.send("s1", "hi", False)
        assert replies == [Reply("hello", [{"title": "A", "payload": "/a"}])]
        assert slept == [3.0] and driver.waited == 3.0 and len(calls) == 2
        assert json.loads(calls[0]) == {"sender": "s1", "message": "hi"}
        with pytest.raises(DriverError, match=r"answered HTTP 500: Something went wrong on our side\."):
            await driver.send("s1", "boom", False)
        with pytest.raises(DriverError, match="not a list of messages"):
            await driver.send("s1", "odd", False)
    finally:
        await driver.stop()


@session_loop
async def test_http_driver_says_clearly_when_nothing_is_listening() -> None:
    port = free_port()
    driver = HttpDriver(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(DriverError, match=f"could not reach http://127.0.0.1:{port}"):
        await driver.start()


# ---- against a real running service (--url) -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a loopback test server
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service in its own process on a free port, started the way `make run` starts it
    (`python -m api`), with its default settings: rate limits included."""
    if MODEL_DIR.is_dir() and latest_model(MODEL_DIR) is None:
        pytest.fail(f"no trained model in {MODEL_DIR}: run `make train` first")
    port = free_port()
    log = tmp_path_factory.mktemp("service") / "service.log"
    env = dict(
        os.environ, HOST="127.0.0.1", PORT=str(port), MODEL_PATH=str(MODEL_DIR), LOG_LEVEL="WARNING",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    for name in ("RATE_LIMIT_PER_CLIENT", "RATE_LIMIT_PER_CONVERSATION"):
        env.pop(name, None)
    with open(log, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "api"], cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the service exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if _get(url + "/ready") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{url}/ready never answered 200:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def run_cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dialogues", *argv], cwd=REPO, capture_output=True, text=True, timeout=600,
    )


# The safety-critical part of the library (crisis everywhere, danger) and one whole plan: ~70 messages.
URL_SUBSET = ["crisis", "danger", "whole plan with the buttons"]


def test_url_mode_runs_scripts_against_a_running_service(live_service: str, tmp_path: Path) -> None:
    junit = tmp_path / "dialogues.xml"
    args = ["run", "tests/dialogues/", "--url", live_service, "--junit", str(junit)]
    for keyword in URL_SUBSET:
        args += ["-k", keyword]
    done = run_cli(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"against {live_service}/webhooks/rest/webhook" in done.stdout
    chosen = select(library(), URL_SUBSET)
    assert len(chosen) >= 15
    assert len(re.findall(r"^\[\s*\d+/\d+\] (PASS|KNOWN)", done.stdout, re.M)) == len(chosen), done.stdout
    suite = ET.parse(junit).getroot()
    assert suite.attrib["tests"] == str(len(chosen)) and suite.attrib["failures"] == "0"
    # The service runs with its default limit of 60 messages a minute per client; this subset sends more,
    # so the runner must have waited out 429 answers (Retry-After) rather than failing.
    assert "waiting out the service's rate limit" in done.stdout, done.stdout


def test_url_mode_reports_a_failing_script_and_exits_1(live_service: str, tmp_path: Path) -> None:
    write(tmp_path, """
name: wrong over http
turns:
  - payload: /greet
  - press: "They want money or they'll share pics of me"
    expect:
      contains: "We can pay them for you"
  - press: "No such button"
""", "wrong.yml")
    done = run_cli("run", str(tmp_path), "--url", live_service + "/webhooks/rest/webhook")
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "FAIL  wrong over http" in out
    assert """the person pressed the button "They want money or they'll share pics of me" (sent /blackmail_money)""" in out
    assert 'expected the reply to contain "We can pay them for you"' in out
    assert "| I'm really glad you told me." in out
    assert 'cannot press "No such button": the previous reply offered "Under 18", "18 or over", "Rather not say"' in out

