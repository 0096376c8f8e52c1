"""The published JSON Schema of the playbook format, for editors and other tools.

The schema is generated from the pydantic models and committed as
``playbooks/schema/playbook.schema.json``; a test keeps the two equal, and
:func:`write_playbook_json_schema` regenerates the file after a model change. Rules that span
fields (unknown ids, cycles) are beyond JSON Schema: ``weerbaar playbook validate`` checks them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.playbooks.schema import Playbook

PUBLISHED_SCHEMA = Path("playbooks/schema/playbook.schema.json")
"""Where the schema is published, relative to the repository root."""


def playbook_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that a playbook YAML file must satisfy."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **Playbook.model_json_schema(),
    }


def render_playbook_json_schema() -> str:
    """The schema as the exact text of the published file."""
    return json.dumps(playbook_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_playbook_json_schema(path: Path = PUBLISHED_SCHEMA) -> None:
    """Write the schema file, creating its directory if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_playbook_json_schema(), encoding="utf-8")
