"""`python -m dialogues run tests/dialogues/ [--url URL] [--junit FILE] [-k NAME]`

Exit status: 0 every script passed; 1 some script failed; 2 scripts could not be loaded, none matched,
or the assistant could not be reached or loaded.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import warnings
from pathlib import Path
from typing import List, Optional, Sequence, TextIO

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dialogues",
        description="Run Kestrel's dialogue scripts: conversations with what the replies must (not) say.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{run,check}")
    run = commands.add_parser("run", help="run scripts against the assistant (in-process, or --url)")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="script files or folders of them")
    run.add_argument("--url", help="a running deployment (e.g. http://localhost:8000); default: load the model here")
    run.add_argument("--junit", type=Path, metavar="FILE", help="also write JUnit XML results here")
    run.add_argument(
        "-k", dest="keywords", action="append", default=[], metavar="NAME",
        help="only scripts whose name, file name or tag contains NAME (repeat for several)",
    )
    run.add_argument("--transcript", action="store_true", help="print every conversation, not only failures")
    run.add_argument("--model", type=Path, help="in-process only: model .tar.gz or folder (default: newest in models/)")
    run.add_argument(
        "--profile", help="deployer profile in resources/profiles/ (default: KESTREL_PROFILE, else uk); "
        "with --url, use the deployment's profile so its contacts pass the safety check",
    )
    run.add_argument(
        "--max-wait", type=float, default=300, metavar="SECONDS",
        help="with --url: longest wait per message when the service answers 429 or 503 (default 300)",
    )
    check = commands.add_parser("check", help="only check that script files are well formed")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    check.add_argument("--profile", help="deployer profile (as for run)")
    return parser


def _quiet() -> None:
    """Keep the output to the scripts: no TensorFlow banners, deprecation warnings or Rasa debug lines."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    warnings.filterwarnings("ignore")
    # Some of Rasa's dependencies add their own "show" filters on import, after ours: silence the display.
    warnings.showwarning = lambda *args, **kwargs: None
    from api.logging_setup import setup_logging

    setup_logging("WARNING")


def _print_load_errors(errors: Sequence[Exception], out: TextIO) -> None:
    print(f"{len(errors)} script file problem(s):", file=out)
    for error in errors:
        print(f"  {error}", file=out)


async def run_command(args: argparse.Namespace, out: TextIO, driver: Optional[object] = None) -> int:
    from dialogues import report
    from dialogues.drivers import Driver, DriverError, HttpDriver, InProcessDriver
    from dialogues.runner import run_all
    from dialogues.script import load_scripts, select

    scripts, errors = load_scripts(args.paths)
    if errors:
        _print_load_errors(errors, out)
        print("Nothing was run: fix the files above first (`python -m dialogues check` re-checks them).", file=out)
        return EXIT_UNUSABLE
    chosen = select(scripts, args.keywords)
    if not chosen:
        print(f"No scripts to run ({len(scripts)} loaded, none matching -k {' '.join(args.keywords)}).", file=out)
        return EXIT_UNUSABLE

    if driver is None:
        if args.url:
            driver = HttpDriver(args.url, max_wait=args.max_wait)
        else:
            from api.settings import Settings

            overrides = {"model_path": args.model} if args.model else {}
            driver = InProcessDriver(settings=Settings(**overrides))
    assert isinstance(driver, Driver)
    started = time.perf_counter()
    try:
        await driver.start()
    except DriverError as e:
        print(f"Could not start: {e}", file=out)
        return EXIT_UNUSABLE
    noun = "script" if len(chosen) == 1 else "scripts"
    print(f"Running {len(chosen)} dialogue {noun} against {driver.description}", file=out, flush=True)

    def on_result(index: int, result: report.ScriptResult) -> None:
        print(report.progress_line(index, len(chosen), result), file=out, flush=True)
        if result.status != "PASS":
            print("\n".join(report.failure_details(result)), file=out, flush=True)
        if args.transcript:
            print("\n".join(report.transcript(result)), file=out, flush=True)

    try:
        results = await run_all(chosen, driver, on_result)
    finally:
        await driver.stop()
    seconds = time.perf_counter() - started

    failed = [r for r in results if not r.passed]
    known = [r for r in results if r.status == "KNOWN"]
    print("", file=out)
    if known:
        print("Known issues (marked known_issue; they do not fail the run):", file=out)
        for result in known:
            print(f"  KNOWN {result.script.name}  ({report.where(result)}): {result.script.known_issue}", file=out)
    if failed:
        print("Failed:", file=out)
        for result in failed:
            print(f"  {result.status:<5} {result.script.name}  ({report.where(result)})", file=out)
    print(report.summary_line(results, seconds), file=out)
    waited = getattr(driver, "waited", 0.0)
    if waited:
        print(f"(of which {waited:.0f} s waiting out the service's rate limit or start-up: 429/503 answers)", file=out)
    if args.junit:
        report.write_junit(results, args.junit, driver.description, seconds)
        print(f"JUnit XML: {args.junit}", file=out)
    return EXIT_FAILED if failed else EXIT_OK


def check_command(args: argparse.Namespace, out: TextIO) -> int:
    from dialogues.script import load_scripts

    scripts, errors = load_scripts(args.paths)
    if errors:
        _print_load_errors(errors, out)
        return EXIT_UNUSABLE
    turns = sum(len(s.turns) for s in scripts)
    print(f"{len(scripts)} scripts, {turns} turns: all well formed", file=out)
    return EXIT_OK


def main(argv: Optional[List[str]] = None, out: TextIO = sys.stdout) -> int:
    args = build_parser().parse_args(argv)
    if args.profile:
        os.environ["KESTREL_PROFILE"] = args.profile
    _quiet()
    if args.command == "check":
        return check_command(args, out)
    return asyncio.run(run_command(args, out))
