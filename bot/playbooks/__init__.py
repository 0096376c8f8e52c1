"""Continuity playbooks (draaiboeken): the YAML format, its safe loader and its JSON Schema."""

from bot.playbooks.durations import format_deadline, parse_deadline, parse_duration
from bot.playbooks.jsonschema import playbook_json_schema
from bot.playbooks.loader import (
    MAX_FILE_BYTES,
    PlaybookError,
    load_playbook,
    load_playbook_dir,
    validate_paths,
)
from bot.playbooks.schema import (
    Condition,
    DecisionOption,
    DecisionPoint,
    Fact,
    FallbackOption,
    LocalizedText,
    MessageTemplate,
    Playbook,
    RecoveryTargets,
    Role,
    Step,
    Trigger,
)

__all__ = [
    "MAX_FILE_BYTES",
    "Condition",
    "DecisionOption",
    "DecisionPoint",
    "Fact",
    "FallbackOption",
    "LocalizedText",
    "MessageTemplate",
    "Playbook",
    "PlaybookError",
    "RecoveryTargets",
    "Role",
    "Step",
    "Trigger",
    "format_deadline",
    "load_playbook",
    "load_playbook_dir",
    "parse_deadline",
    "parse_duration",
    "playbook_json_schema",
    "validate_paths",
]
