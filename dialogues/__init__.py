"""Scripted dialogue tests: conversations written in YAML, run in-process or against any deployment's
REST endpoint, checked turn by turn for what a person actually reads. See docs/dialogue-scripts.md."""
from dialogues.checks import Reply, check, is_crisis_response, safety_problems
from dialogues.drivers import Driver, DriverError, HttpDriver, InProcessDriver
from dialogues.runner import ScriptResult, TurnResult, run_all, run_script
from dialogues.script import Expectations, Script, ScriptError, Turn, load_file, load_scripts, select

__all__ = [
    "Driver", "DriverError", "Expectations", "HttpDriver", "InProcessDriver", "Reply", "Script", "ScriptError",
    "ScriptResult", "Turn", "TurnResult", "check", "is_crisis_response", "load_file", "load_scripts",
    "run_all", "run_script", "safety_problems", "select",
]
