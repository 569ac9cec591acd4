"""Dialogue scripts: the YAML format, and a loader whose errors name the file, line and field.

A script is a conversation with Kestrel: the person's turns (typed text, a pressed button or a payload) and
what each reply must or must not contain (docs/dialogue-scripts.md; `python -m dialogues check DIR`).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Pattern, Sequence, Tuple

import yaml

from dialogues.services import service_ids

# Where each mapping came from, kept on the dicts the YAML loader builds (never a real field name).
_LINE = "__line__"
_KEY_LINES = "__key_lines__"

USER_ACTIONS = ("say", "press", "payload")
TEXT_CHECKS = ("contains", "not_contains", "matches", "not_matches")
BUTTON_CHECKS = ("buttons", "not_buttons")
SERVICE_CHECKS = ("mentions", "not_mentions")
EXPECT_FIELDS = TEXT_CHECKS + BUTTON_CHECKS + SERVICE_CHECKS + ("crisis",)
TURN_FIELDS = USER_ACTIONS + ("expect", "note")
SCRIPT_FIELDS = ("name", "about", "tags", "known_issue", "turns", "overall")
FILE_SUFFIXES = (".yml", ".yaml")


class ScriptError(Exception):
    """A script file that cannot be used, with where and why."""

    def __init__(self, path: Path, line: Optional[int], message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Regex:
    source: str
    pattern: Pattern[str]


@dataclass
class Expectations:
    """What one reply (or, under `overall`, the whole conversation) must and must not show."""

    contains: List[str] = field(default_factory=list)
    not_contains: List[str] = field(default_factory=list)
    matches: List[Regex] = field(default_factory=list)
    not_matches: List[Regex] = field(default_factory=list)
    buttons: List[str] = field(default_factory=list)
    not_buttons: List[str] = field(default_factory=list)
    mentions: List[str] = field(default_factory=list)
    not_mentions: List[str] = field(default_factory=list)
    crisis: Optional[bool] = None
    line: Optional[int] = None

    def is_empty(self) -> bool:
        return not any(
            (self.contains, self.not_contains, self.matches, self.not_matches, self.buttons,
             self.not_buttons, self.mentions, self.not_mentions, self.crisis is not None)
        )


@dataclass
class Turn:
    """One thing the person does: `say` free text, `press` a button by its title, or send a `payload`."""

    action: str
    value: str
    expect: Expectations
    line: int
    note: Optional[str] = None

    def describe(self) -> str:
        if self.action == "press":
            return f'pressed the button "{self.value}"'
        if self.action == "payload":
            return f"sent the payload {self.value}"
        return f'said "{self.value}"'


@dataclass
class Script:
    name: str
    path: Path
    line: int
    turns: List[Turn]
    overall: Expectations
    about: Optional[str] = None
    tags: List[str] = field(default_factory=list)
    # The assistant is known to get this conversation wrong: the script is expected to fail (not a failure
    # of the run) until the assistant is fixed; then it passes, the run says so and fails until this is removed.
    known_issue: Optional[str] = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


# ---- YAML with line numbers -----------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers each mapping's line and each key's line, and refuses duplicate keys
    (plain YAML silently keeps the last one, which would hide a half-edited script)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Dict[Any, Any]:
        key_lines: Dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in key_lines:
                raise yaml.constructor.ConstructorError(
                    None, None, f"`{key}` appears twice in the same block (first on line {key_lines[key]})",
                    key_node.start_mark,
                )
            key_lines[key] = key_node.start_mark.line + 1
        mapping = super().construct_mapping(node, deep=True)
        mapping[_LINE] = node.start_mark.line + 1
        mapping[_KEY_LINES] = key_lines
        return mapping


# Only true/false are booleans and nothing is a number: `say: yes`, `say: no` and `say: 15` are what the
# person types, and PyYAML's YAML 1.1 rules would turn them into True, False and 15.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    lambda loader, node: loader.construct_mapping(node),
)


def _yaml_error(path: Path, error: yaml.YAMLError) -> ScriptError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(error, "problem", None) or str(error)
    message = f"not valid YAML: {problem}"
    if problem and "mapping values are not allowed" in problem:
        message += ' (text containing ": " must be in quotes, e.g. contains: "Step 1 of 5: Save the evidence")'
    elif problem and "found character '\\t'" in problem:
        message += " (indent with spaces, not tabs)"
    return ScriptError(path, line, message)


# ---- validation helpers -----------------------------------------------------------------------------


class _Block:
    """A mapping from the file, with helpers that raise ScriptError naming the line and field."""

    def __init__(self, path: Path, raw: Dict[str, Any], what: str) -> None:
        self.path = path
        self.raw = raw
        self.what = what
        self.line: int = raw.get(_LINE, 0)
        self.key_lines: Dict[str, int] = raw.get(_KEY_LINES, {})

    def keys(self) -> List[str]:
        return [k for k in self.raw if k not in (_LINE, _KEY_LINES)]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def fail(self, key: Optional[str], message: str) -> ScriptError:
        line = self.line_of(key) if key else self.line
        return ScriptError(self.path, line, message)

    def only(self, allowed: Sequence[str]) -> None:
        for key in self.keys():
            if not isinstance(key, str) or key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                suggestion = f' (did you mean "{hint[0]}"?)' if hint else ""
                raise self.fail(
                    str(key),
                    f'unknown field "{key}" in {self.what}{suggestion}; allowed: {", ".join(allowed)}',
                )

    def text(self, key: str, required: bool = False) -> Optional[str]:
        if key not in self.raw or self.raw[key] is None:
            if required:
                raise self.fail(None, f'{self.what} needs "{key}"')
            return None
        value = self.raw[key]
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            raise self.fail(key, f'"{key}" in {self.what} must be text, not {_kind(value)}')
        value = str(value)
        if required and not value.strip():
            raise self.fail(key, f'"{key}" in {self.what} is empty')
        return value

    def texts(self, key: str) -> List[str]:
        """A single text or a list of texts."""
        if key not in self.raw or self.raw[key] is None:
            return []
        value = self.raw[key]
        items = value if isinstance(value, list) else [value]
        out: List[str] = []
        for item in items:
            if isinstance(item, (dict, list)) or isinstance(item, bool) or item is None:
                raise self.fail(key, f'"{key}" in {self.what} must be text or a list of texts, not {_kind(item)}')
            if not str(item).strip():
                raise self.fail(key, f'"{key}" in {self.what} has an empty entry')
            out.append(str(item))
        return out


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a block of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "nothing"
    return type(value).__name__


def _expectations(path: Path, raw: Any, what: str, line: int, allow: Sequence[str] = EXPECT_FIELDS) -> Expectations:
    if raw is None:
        return Expectations(line=line)
    if not isinstance(raw, dict):
        raise ScriptError(path, line, f"{what} must be a block of checks (contains:, mentions:, ...), not {_kind(raw)}")
    block = _Block(path, raw, what)
    block.only(allow)
    expect = Expectations(line=block.line)
    expect.contains = block.texts("contains")
    expect.not_contains = block.texts("not_contains")
    for key in ("matches", "not_matches"):
        regexes: List[Regex] = []
        for source in block.texts(key):
            try:
                regexes.append(Regex(source, re.compile(source, re.IGNORECASE)))
            except re.error as e:
                raise block.fail(key, f'"{key}" in {what}: {source!r} is not a valid regular expression ({e})') from None
        setattr(expect, key, regexes)
    expect.buttons = block.texts("buttons")
    expect.not_buttons = block.texts("not_buttons")
    known = service_ids()
    for key in ("mentions", "not_mentions"):
        ids = block.texts(key)
        for service in ids:
            if service not in known:
                hint = difflib.get_close_matches(service, sorted(known), n=1)
                suggestion = f' (did you mean "{hint[0]}"?)' if hint else ""
                raise block.fail(
                    key,
                    f'"{key}" in {what}: "{service}" is not a service id in resources/services.yml{suggestion}; '
                    f"known ids: {', '.join(sorted(known))}",
                )
        setattr(expect, key, ids)
    if "crisis" in block.raw and block.raw["crisis"] is not None:
        value = block.raw["crisis"]
        if not isinstance(value, bool):
            raise block.fail("crisis", f'"crisis" in {what} must be true or false, not {value!r}')
        expect.crisis = value
    return expect


def _turn(path: Path, raw: Any, number: int, script_line: int) -> Turn:
    what = f"turn {number}"
    if not isinstance(raw, dict):
        line = script_line
        raise ScriptError(
            path, line, f"{what} must be a block like `- say: \"...\"` or `- press: \"...\"`, not {_kind(raw)}"
        )
    block = _Block(path, raw, what)
    block.only(TURN_FIELDS)
    given = [key for key in USER_ACTIONS if key in block.raw]
    if len(given) != 1:
        found = " and ".join(f'"{k}"' for k in given) if given else "none"
        raise block.fail(
            given[1] if len(given) > 1 else None,
            f'{what} needs exactly one of "say" (text the person types), "press" (a button title) or '
            f'"payload" (e.g. /greet); found {found}',
        )
    action = given[0]
    value = block.text(action, required=True) or ""
    if action == "payload" and not value.startswith("/"):
        raise block.fail(action, f'{what}: a payload starts with "/" (like /greet); to type text use "say"')
    if action == "press" and number == 1:
        raise block.fail(action, f"{what}: the first turn cannot press a button, because nothing has been offered yet")
    expect = _expectations(path, block.raw.get("expect"), f"the expect block of {what}", block.line_of("expect"))
    return Turn(action=action, value=value, expect=expect, line=block.line, note=block.text("note"))


def _script(path: Path, raw: Any, fallback_line: int) -> Script:
    if not isinstance(raw, dict):
        raise ScriptError(path, fallback_line, f"a script must be a block with name: and turns:, not {_kind(raw)}")
    block = _Block(path, raw, "a script")
    if "stories" in block.raw or "steps" in block.raw:
        raise block.fail(
            "stories" if "stories" in block.raw else "steps",
            "this looks like a Rasa story; dialogue scripts use name: and turns: (see docs/dialogue-scripts.md)",
        )
    block.only(SCRIPT_FIELDS)
    name = (block.text("name", required=True) or "").strip()
    tags_raw = block.raw.get("tags") or []
    if not isinstance(tags_raw, list) or not all(isinstance(t, str) for t in tags_raw):
        raise block.fail("tags", '"tags" must be a list of words, like [teen, money]')
    turns_raw = block.raw.get("turns")
    if not isinstance(turns_raw, list) or not turns_raw:
        raise block.fail(
            "turns" if "turns" in block.raw else None,
            f'script "{name}" needs "turns": a list of at least one turn (- say: "...")',
        )
    turns = [_turn(path, t, i, block.line_of("turns")) for i, t in enumerate(turns_raw, start=1)]
    overall = _expectations(path, block.raw.get("overall"), f'"overall" of script "{name}"', block.line_of("overall"))
    return Script(
        name=name, path=path, line=block.line, turns=turns, overall=overall,
        about=block.text("about"), tags=list(tags_raw), known_issue=block.text("known_issue"),
    )


def load_file(path: Path) -> List[Script]:
    """The scripts in one file: either a single script (name:, turns:) or a list under scripts:."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScriptError(path, None, "not UTF-8 text: save the file as UTF-8") from None
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        raise _yaml_error(path, e) from None
    if raw is None:
        raise ScriptError(path, None, "the file is empty")
    if not isinstance(raw, dict):
        raise ScriptError(path, 1, f"the file must start with name: and turns: (or scripts:), not {_kind(raw)}")
    top = _Block(path, raw, "the file")
    if "scripts" in raw:
        top.only(("scripts",))
        items = raw["scripts"]
        if not isinstance(items, list) or not items:
            raise top.fail("scripts", '"scripts" must be a list of scripts, each starting with "- name: ..."')
        return [_script(path, item, top.line_of("scripts")) for item in items]
    if "turns" not in raw and "name" not in raw:
        if "stories" in raw or "rules" in raw or "nlu" in raw:
            raise ScriptError(path, 1, "this is Rasa training or test data, not a dialogue script (name: and turns:)")
        raise ScriptError(path, 1, 'no "name:" and "turns:" (or "scripts:") at the top of the file')
    return [_script(path, raw, 1)]


def script_files(paths: Iterable[Path]) -> List[Path]:
    files: List[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in FILE_SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise ScriptError(path, None, "no such file or folder")
    return files


def load_scripts(paths: Iterable[Path]) -> Tuple[List[Script], List[ScriptError]]:
    """Every script under these files/folders, and every problem found (all files are checked)."""
    scripts: List[Script] = []
    errors: List[ScriptError] = []
    try:
        files = script_files(paths)
    except ScriptError as e:
        return [], [e]
    for file in files:
        try:
            scripts += load_file(file)
        except ScriptError as e:
            errors.append(e)
    seen: Dict[str, Script] = {}
    for script in scripts:
        if script.name in seen:
            first = seen[script.name]
            errors.append(ScriptError(script.path, script.line, f'the name "{script.name}" is already used at {first.where}'))
        else:
            seen[script.name] = script
    return scripts, errors


def select(scripts: List[Script], patterns: Sequence[str]) -> List[Script]:
    """Scripts whose name, file name or tag contains any of the patterns (case-insensitive)."""
    if not patterns:
        return scripts
    wanted = [p.casefold() for p in patterns]
    return [
        s for s in scripts
        if any(p in s.name.casefold() or p in s.path.stem.casefold() or any(p in t.casefold() for t in s.tags)
               for p in wanted)
    ]
