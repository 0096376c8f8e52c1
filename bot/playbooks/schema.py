"""The playbook format: pydantic models for one YAML continuity playbook (draaiboek).

A playbook is a flat YAML mapping: metadata (``id``, ``version``, ``title``, ``scenario``,
``triggers``), the declarations other parts refer to by id (``roles``, ``facts``,
``fallback_options``), the ``recovery_targets`` of the affected service, and then
``decisions`` and ``steps``. All user-facing text is bilingual (``{nl: ..., en: ...}``).

Semantics the engine relies on:

- Steps are listed in the order they should be presented. The order does not block: every
  active step runs against its own ``deadline``, measured from playbook activation (``T+1h``).
- **Main line and branches.** A step named in any decision option's ``next_steps`` is a
  *branch step*: it becomes active only when (one of) those options is chosen. Every other
  step is on the *main line* and is active from activation. The first listed step must be on
  the main line and must not wait for a decision: that is where a playbook starts.
- ``requires_decision`` makes a step wait until that decision is taken; with
  ``requires_option`` the step only goes ahead if that option was chosen (otherwise it is
  skipped).
- A decision point is open from activation, or, with ``after_step``, once that step is done.
  Cycles through ``after_step``, ``requires_decision`` and ``next_steps`` are rejected because
  they could never make progress.
- ``condition`` skips a step unless a fact has the given value. Facts are declared with the
  question the bot asks when it needs the answer; a condition may only use declared facts.

Cross-reference rules (unknown ids, duplicates, cycles, legal-clock limits) live in
:mod:`bot.playbooks.checks`; they run after the field checks and report every problem with
its field path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from bot.alerts.model import Severity
from bot.i18n import Language
from bot.playbooks.checks import consistency_issues
from bot.playbooks.durations import (
    DURATION_PATTERN,
    format_deadline,
    format_duration,
    parse_deadline,
    parse_duration,
)
from bot.yamlfiles.loader import SKIP_CONSISTENCY


def _text_to(parse: Callable[[str], timedelta]) -> Callable[[object], object]:
    """A before-validator that parses text with ``parse`` and passes timedeltas through."""

    def validate(value: object) -> object:
        if isinstance(value, timedelta):
            return value
        if not isinstance(value, str):
            raise ValueError(f"expected text such as 'T+1h' or '4h', got {value!r}")
        return parse(value)

    return validate


Deadline = Annotated[
    timedelta,
    BeforeValidator(_text_to(parse_deadline)),
    PlainSerializer(format_deadline, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": rf"^T\+{DURATION_PATTERN}$",
            "description": "Time after activation: 'T+' then w/d/h/m, largest first.",
            "examples": ["T+30m", "T+1h", "T+1h30m", "T+2d", "T+1w"],
        }
    ),
]
"""A deadline relative to playbook activation, written ``T+1h``."""

Duration = Annotated[
    timedelta,
    BeforeValidator(_text_to(parse_duration)),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": rf"^{DURATION_PATTERN}$",
            "description": "A duration: w/d/h/m, largest first.",
            "examples": ["0m", "4h", "1h30m", "3d", "1w"],
        }
    ),
]
"""A length of time, written ``4h`` or ``1h30m``."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
"""An id other parts of the playbook refer to: lower case, digits, '-' and '_'."""

_VERSION_PATTERN = r"^\d+(\.\d+){0,2}$"


def _version_text(value: object) -> object:
    # YAML reads `version: 1` as an int (fine) but `version: 1.10` as the float 1.1, which
    # silently changes the version; make the author quote it instead.
    if isinstance(value, bool | float):
        raise ValueError(f'write the version as text, e.g. version: "{value}"')
    return str(value) if isinstance(value, int) else value


Version = Annotated[
    str,
    BeforeValidator(_version_text),
    StringConstraints(pattern=_VERSION_PATTERN),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": _VERSION_PATTERN},
            ],
            "description": 'Playbook version, e.g. 3 or "1.2" (quote versions with a dot).',
        }
    ),
]

TriggerPhase = Literal["signal", "lauwe_fase", "crisis"]
"""Situation phases in which a playbook can be suggested (codes as in ``situations.Phase``)."""

Audience = Literal[
    "dependent_organisations", "citizens", "press", "supplier", "authorities", "internal"
]
"""Who a message template is for; ``authorities`` covers regulators, CSIRTs and ministries."""

LegalClock = Literal[
    "nis2_early_warning", "nis2_notification", "nis2_final_report", "gdpr_breach_notification"
]
"""A statutory reporting deadline a step fulfils."""


class _Model(BaseModel):
    # Unknown keys are typos in hand-written YAML; frozen because a loaded playbook is shared.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class LocalizedText(_Model):
    """User-facing text in Dutch and English."""

    nl: str = Field(min_length=1)
    """Dutch text."""
    en: str = Field(min_length=1)
    """English text."""

    def get(self, lang: Language) -> str:
        """The text in ``lang``."""
        return self.en if lang == "en" else self.nl


class Trigger(_Model):
    """A circumstance that suggests this playbook; the bot suggests, people decide."""

    description: LocalizedText
    """What is going on, in words."""
    keywords: tuple[str, ...] = ()
    """Words that, found in an alert's title or details, suggest the playbook."""
    phases: tuple[TriggerPhase, ...] = ()
    """Situation phases in which the playbook is suggested."""
    min_severity: Severity | None = None
    """Only suggest at this severity or worse (S1 is the most severe)."""


class Role(_Model):
    """A role that people take on while the playbook runs."""

    id: Identifier
    name: LocalizedText
    description: LocalizedText | None = None


class Fact(_Model):
    """Something the bot asks the room when a condition needs it."""

    id: Identifier
    type: Literal["boolean", "string"]
    question: LocalizedText
    """The question the bot asks to establish the fact."""
    choices: tuple[str, ...] = ()
    """For string facts: the allowed answers (empty means any text)."""


class Condition(_Model):
    """A step only goes ahead if ``fact`` has the value ``equals``."""

    fact: Identifier
    equals: StrictBool | StrictStr

    def holds(self, facts: Mapping[str, bool | str]) -> bool | None:
        """Whether the condition holds given the known facts; None while the fact is unknown."""
        if self.fact not in facts:
            return None
        return facts[self.fact] == self.equals


class RecoveryTargets(_Model):
    """What the affected service must achieve, so steps and fallbacks can be judged."""

    max_tolerable_outage: Duration
    """Longest outage the dependent processes can bear."""
    rto: Duration
    """Recovery time objective: target time to restore the service."""
    rpo: Duration
    """Recovery point objective: how much recent data may be lost."""
    minimum_service_level: LocalizedText
    """What must keep working, at least, during the disruption."""


class FallbackOption(_Model):
    """A way to replace or leave the service, with when it was last tested."""

    id: Identifier
    kind: Literal["fallback", "exit"] = "fallback"
    description: LocalizedText
    last_tested: date | None
    """Date of the last test; write null if it was never tested (that gap is the point)."""
    test_result: Literal["passed", "partial", "failed", "not_tested"]
    test_notes: LocalizedText | None = None


class MessageTemplate(_Model):
    """A prepared message; subject and body may hold Jinja2 placeholders such as {{ supplier }}."""

    id: Identifier
    audience: Audience
    subject: LocalizedText
    body: LocalizedText


class DecisionOption(_Model):
    """One answer to a decision point."""

    id: Identifier
    label: LocalizedText
    consequences: LocalizedText
    """What choosing this option means; weighed before deciding."""
    next_steps: tuple[Identifier, ...] = ()
    """Branch steps that become active when this option is chosen."""


class DecisionPoint(_Model):
    """A question the room must decide, with its options."""

    id: Identifier
    question: LocalizedText
    decided_by: Identifier
    """Role that takes the decision."""
    after_step: Identifier | None = None
    """The decision opens once this step is done; without it, at activation."""
    deadline: Deadline | None = None
    options: tuple[DecisionOption, ...] = Field(min_length=2)


class Step(_Model):
    """One task in the playbook."""

    id: Identifier
    title: LocalizedText
    description: LocalizedText | None = None
    owner: Identifier
    """Role responsible for the step."""
    deadline: Deadline
    checklist: tuple[LocalizedText, ...] = ()
    templates: tuple[MessageTemplate, ...] = ()
    fallbacks: tuple[Identifier, ...] = ()
    """Fallback or exit options (ids in fallback_options) this step may use."""
    requires_decision: Identifier | None = None
    """The step waits until this decision is taken."""
    requires_option: Identifier | None = None
    """With requires_decision: only go ahead if this option was chosen."""
    condition: Condition | None = None
    legal_clock: LegalClock | None = None
    """A statutory reporting deadline this step fulfils; the deadline must respect it."""


class Playbook(_Model):
    """One continuity playbook (draaiboek)."""

    id: Identifier
    version: Version
    title: LocalizedText
    scenario: LocalizedText
    """The situation this playbook is for."""
    triggers: tuple[Trigger, ...] = Field(min_length=1)
    roles: tuple[Role, ...] = Field(min_length=1)
    facts: tuple[Fact, ...] = ()
    recovery_targets: RecoveryTargets
    fallback_options: tuple[FallbackOption, ...] = ()
    decisions: tuple[DecisionPoint, ...] = ()
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_consistency(self, info: ValidationInfo) -> Playbook:
        if isinstance(info.context, Mapping) and info.context.get(SKIP_CONSISTENCY):
            return self
        issues = consistency_issues(self)
        if issues:
            # One ValidationError carrying every issue at its own location, so the loader can
            # report them all with field paths and lines, like the field errors.
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "playbook_consistency", "{message}", {"message": issue.message}
                        ),
                        loc=issue.loc,
                        input=None,
                    )
                    for issue in issues
                ],
            )
        return self

    def branch_step_ids(self) -> frozenset[str]:
        """Ids of steps that only become active when a decision option names them."""
        return frozenset(
            step_id
            for decision in self.decisions
            for option in decision.options
            for step_id in option.next_steps
        )

    def main_line_steps(self) -> tuple[Step, ...]:
        """Steps active from activation, in playbook order; the first is where a run starts."""
        branch = self.branch_step_ids()
        return tuple(step for step in self.steps if step.id not in branch)

    def get_step(self, step_id: str) -> Step:
        """The step with this id; KeyError if there is none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def get_decision(self, decision_id: str) -> DecisionPoint:
        """The decision point with this id; KeyError if there is none."""
        for decision in self.decisions:
            if decision.id == decision_id:
                return decision
        raise KeyError(decision_id)
