"""Readers for deploy/: the Dockerfile's instructions, the compose file, README code blocks."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.support.paths import REPO

DEPLOY = REPO / "deploy"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def compose() -> dict[str, Any]:
    """deploy/compose.yaml as data."""
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def first_run_step(number: int) -> str:
    """The first ``sh`` block of step ``number`` of deploy/README.md's first run, dedented."""
    text = (DEPLOY / "README.md").read_text()
    step = re.search(rf"(?ms)^{number}\. .*?```sh\n(.*?)```", text)
    assert step, f"deploy/README.md has no step {number} with a sh block"
    return re.sub(r"(?m)^   ", "", step.group(1))
