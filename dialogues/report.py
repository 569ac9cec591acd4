"""What a run prints (a progress line per script, and for each failing turn what was said, what was
expected and what came back) and the JUnit XML that CI systems read."""
from __future__ import annotations

import datetime as dt
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import List, Sequence

from dialogues.checks import Reply
from dialogues.runner import ScriptResult, TurnResult


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def where(result: ScriptResult) -> str:
    return f"{_relative(result.script.path)}:{result.script.line}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def replies_block(replies: Sequence[Reply], indent: str) -> List[str]:
    lines: List[str] = []
    if not replies:
        return [f"{indent}(nothing)"]
    for reply in replies:
        for text_line in (reply.text.splitlines() or ([""] if not reply.buttons else [])):
            lines.append(f"{indent}| {text_line}".rstrip())
        if reply.buttons:
            titles = ", ".join(f'"{b["title"]}"' for b in reply.buttons)
            lines.append(f"{indent}  [buttons: {titles}]")
    return lines


def said(turn: TurnResult) -> str:
    text = turn.turn.describe()
    if turn.turn.action == "press" and turn.sent:
        text += f" (sent {turn.sent})"
    return text


def turn_block(turn: TurnResult, indent: str = "    ") -> List[str]:
    lines = [f"{indent}turn {turn.number} (line {turn.turn.line}): the person {said(turn)}"]
    if turn.turn.note:
        lines.append(f"{indent}  note: {turn.turn.note}")
    lines += [f"{indent}  - {failure}" for failure in turn.failures]
    if turn.sent is not None and (turn.replies or turn.failures):
        lines.append(f"{indent}  the assistant said:")
        lines += replies_block(turn.replies, indent + "    ")
    return lines


def failure_details(result: ScriptResult, indent: str = "    ") -> List[str]:
    """For a script that did not pass: each failing turn (said, expected, came back) and the rest."""
    if result.status == "FIXED":
        return [
            f"{indent}- this script is marked known_issue (\"{result.script.known_issue}\") but now passes: "
            f"if the assistant was fixed, delete the known_issue line ({where(result)})"
        ]
    if result.status == "KNOWN":
        lines = [f"{indent}known issue: {result.script.known_issue}"]
        for turn in result.failed_turns:
            lines += [f"{indent}  turn {turn.number}: {failure}" for failure in turn.failures]
        lines += [f"{indent}  whole conversation: {failure}" for failure in result.overall_failures]
        return lines
    lines = []
    for turn in result.failed_turns:
        lines += turn_block(turn, indent)
    if result.overall_failures:
        lines.append(f"{indent}whole conversation (overall, line {result.script.overall.line}):")
        lines += [f"{indent}  - {failure}" for failure in result.overall_failures]
    if result.error and not result.failed_turns:
        lines.append(f"{indent}- {result.error}")
    elif result.error:
        lines.append(f"{indent}(stopped: {result.error})")
    return lines


def transcript(result: ScriptResult, indent: str = "    ") -> List[str]:
    lines: List[str] = []
    for turn in result.turns:
        mark = "" if turn.passed else "   <-- FAILED"
        lines.append(f"{indent}> {said(turn)}{mark}")
        if turn.sent is not None:
            lines += replies_block(turn.replies, indent + "  ")
    return lines


def progress_line(index: int, total: int, result: ScriptResult) -> str:
    width = len(str(total))
    return (
        f"[{index:>{width}}/{total}] {result.status:<5} {result.script.name}  "
        f"({where(result)}, {_count(len(result.turns), 'turn')}, {result.seconds:.1f} s)"
    )


def summary_line(results: Sequence[ScriptResult], seconds: float) -> str:
    count = {status: sum(r.status == status for r in results) for status in ("PASS", "FAIL", "ERROR", "KNOWN", "FIXED")}
    turns = sum(len(r.turns) for r in results)
    text = (
        f"{_count(len(results), 'script')}, {_count(turns, 'turn')}: "
        f"{count['PASS']} passed, {count['FAIL'] + count['FIXED']} failed"
    )
    if count["ERROR"]:
        text += f", {count['ERROR']} could not run"
    if count["KNOWN"]:
        text += f", {count['KNOWN']} known issue(s) still present"
    if count["FIXED"]:
        text += f" ({count['FIXED']} of them known issues that now pass)"
    return text + f" ({seconds:.1f} s)"


def write_junit(results: Sequence[ScriptResult], path: Path, target: str, seconds: float) -> None:
    failures = sum(r.status in ("FAIL", "FIXED") for r in results)
    errors = sum(r.status == "ERROR" for r in results)
    skipped = sum(r.status == "KNOWN" for r in results)
    attrs = {
        "name": "dialogue scripts", "tests": str(len(results)), "failures": str(failures),
        "errors": str(errors), "skipped": str(skipped), "time": f"{seconds:.3f}",
    }
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(
        suites, "testsuite",
        dict(attrs, timestamp=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()),
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "target", "value": target})
    for result in results:
        case = ET.SubElement(
            suite, "testcase",
            {
                "classname": f"dialogues.{result.script.path.stem}",
                "name": result.script.name,
                "file": _relative(result.script.path),
                "line": str(result.script.line),
                "time": f"{result.seconds:.3f}",
            },
        )
        if result.status == "KNOWN":
            skipped_element = ET.SubElement(case, "skipped", {"message": f"known issue: {result.script.known_issue}"[:500]})
            skipped_element.text = "\n".join(failure_details(result, indent=""))
            ET.SubElement(case, "system-out").text = "\n".join(transcript(result, indent=""))
        elif not result.passed:
            details = failure_details(result, indent="")
            first = next((line.strip() for line in details if line.strip().startswith("- ")), details[0] if details else "")
            tag = "error" if result.status == "ERROR" else "failure"
            element = ET.SubElement(
                case, tag, {"message": first.lstrip("- ")[:500], "type": "DialogueScriptError" if tag == "error" else "DialogueScriptFailure"}
            )
            element.text = "\n".join(details)
            ET.SubElement(case, "system-out").text = "\n".join(transcript(result, indent=""))
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.indent(suites)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
