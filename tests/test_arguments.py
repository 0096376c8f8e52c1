"""Declared command arguments: kinds, flags, usage, help, the spec-handler contract and
the README's command table, checked against the real registry."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.commands import build_registry
from bot.commands.arguments import StepRef, UsageError
from bot.commands.context import CommandContext
from bot.commands.registry import Command, Registry
from bot.commands.table import command_table
from bot.decisionlog.grounds import PRIVACY, Withheld
from bot.errors import InvalidMoment
from bot.i18n import LANGUAGES, Language
from bot.services import Services
from bot.situations.phases import Phase
from tests.support.clock import ManualClock

REGISTRY = build_registry()
README = Path(__file__).resolve().parent.parent / "README.md"


def _context(lang: Language) -> CommandContext:
    # Parsing needs only the clock (for moments); nothing touches a database.
    services = cast(Services, SimpleNamespace(clock=ManualClock()))
    return CommandContext(services, REGISTRY, "@alice:x", "!room:x", "$e", lang, "UTC")


def _command(name: str, child: str | None = None) -> Command:
    resolved = REGISTRY.resolve(name)
    assert resolved is not None
    command = resolved[0]
    return next(c for c in command.children if c.name == child) if child else command


def parse(name: str, text: str, lang: Language = "en", child: str | None = None) -> dict[str, Any]:
    return _command(name, child).spec.parse(_context(lang), text)


def problem(name: str, text: str, lang: Language = "en", child: str | None = None) -> str:
    with pytest.raises(UsageError) as raised:
        parse(name, text, lang, child)
    return str(raised.value)


def _runnable(registry: Registry) -> list[Command]:
    return [child for c in registry.commands for child in (c.children or (c,))]


def test_every_handler_takes_exactly_the_arguments_its_spec_declares() -> None:
    for command in _runnable(REGISTRY):
        assert command.handler is not None, command.name
        parameters = list(inspect.signature(command.handler).parameters.values())
        assert parameters[0].name == "context", command.name
        assert [p.name for p in parameters[1:]] == command.spec.names(), command.name
        kinds = {p.kind for p in parameters[1:]}
        assert kinds <= {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY}
    for command in REGISTRY.commands:
        # A parent only picks a subcommand: it neither parses nor handles anything itself.
        if command.children:
            assert command.handler is None and not command.spec.names(), command.name


def test_every_command_and_subcommand_has_usage_and_help_in_both_languages() -> None:
    for command in REGISTRY.commands:
        for child in (*command.children, None):
            for lang in LANGUAGES:
                line = command.usage_line(lang, child)
                assert line.startswith(command.invocation(lang)), line
                if child is not None:
                    assert child.word(lang) in line
                    assert child.summary[lang].strip(), child.name
            assert all(command.summary[lang].strip() for lang in LANGUAGES), command.name
    for command in _runnable(REGISTRY):
        for arg in command.spec.args:
            assert set(arg.label) == set(LANGUAGES), (command.name, arg.name)
        for flag in command.spec.flags:
            assert set(flag.spelling) == set(LANGUAGES), (command.name, flag.name)
            assert flag.label is None or set(flag.label) == set(LANGUAGES)
    for lang in LANGUAGES:
        plain, _html = REGISTRY.help(lang)
        assert all(command.usage_line(lang) in plain for command in REGISTRY.commands)


def test_the_readme_command_table_is_the_generated_one() -> None:
    assert command_table(REGISTRY) in README.read_text(encoding="utf-8")


def test_ids_with_or_without_hash_and_the_error_names_the_argument() -> None:
    assert parse("escalate", "#12") == {"alert": 12}
    assert parse("escalate", "12") == {"alert": 12}
    assert problem("escalate", "twelve") == "<alert-id>: not a number: twelve"
    assert problem("escaleer", "twaalf", "nl") == "<melding-id>: geen nummer: twaalf"
    assert problem("escalate", "") == "<alert-id>: missing"
    assert problem("escaleer", "", "nl") == "<melding-id>: ontbreekt"
    assert problem("escalate", "12 13") == "<alert-id>: unexpected: 13"


def test_matrix_user_ids() -> None:
    assert parse("owner", "3 @bob:example.org") == {"situation_id": 3, "user": "@bob:example.org"}
    assert problem("owner", "3 bob") == "<@user:server>: not a Matrix id (@name:server): bob"
    assert problem("eigenaar", "3 @bob", "nl") == (
        "<@gebruiker:server>: geen Matrix-id (@naam:server): @bob"
    )


def test_step_references_with_and_without_the_run() -> None:
    assert parse("check", "2.3 1") == {"reference": StepRef(2, "3"), "item": 1}
    assert parse("check", "notify 4") == {"reference": StepRef(None, "notify"), "item": 4}
    assert problem("vink", "3 nul", "nl") == "<punt>: geen nummer: nul"
    assert problem("check", "3 0") == "<item>: 0 is not in 1..999"


def test_phases_in_either_language() -> None:
    values = parse("phase", "7 afschaling supplier's CEO resigned")
    assert values == {
        "situation_id": 7,
        "target": Phase.DE_ESCALATION,
        "reason": "supplier's CEO resigned",
    }
    assert parse("fase", "7 Lauwe-Fase x", "nl")["target"] is Phase.LAUWE_FASE
    assert problem("phase", "7 red why").startswith("<phase>: Unknown phase 'red'. Phases:")
    assert problem("fase", "7 rood waarom", "nl").startswith("<fase>: Onbekende fase 'rood'.")
    assert problem("phase", "7 crisis") == "<reason>: missing"


def test_moments_as_flags_and_at_the_end() -> None:
    review = parse("decide", "Fail over --why no ETA --review 17:00")["review"]
    assert review == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    with pytest.raises(InvalidMoment):
        parse("decide", "Fail over --why no ETA --review someday")
    snooze = parse("snooze", "Acme Cloud tomorrow 09:00 --why planned works")
    assert snooze == {
        "target": "Acme Cloud",
        "until": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "reason": "planned works",
    }
    assert parse("snooze", "#12 17:00 --why noisy")["target"] == 12
    assert problem("snooze", "acme 17:00") == "--why: missing"
    assert problem("sluimer", "acme 17:00", "nl") == "--waarom: ontbreekt"
    assert parse("action", "@bob:x call them by 17:00")["due_at"] == datetime(
        2026, 11, 23, 17, 0, tzinfo=UTC
    )


def test_all_or_none_gives_nothing_for_no_arguments() -> None:
    assert parse("snooze", "") == {"target": None, "until": None, "reason": None}
    assert parse("role", " ") == {"user": None, "name": None}
    assert problem("role", "@bob:x") == "coordinator|scribe|comms|liaison: missing"


def test_free_text_quotes_and_flags() -> None:
    assert parse("alert", '"Acme Cloud" portal down') == {
        "supplier": "Acme Cloud",
        "text": "portal down",
    }
    assert problem("alert", '"Acme Cloud portal down') == "<supplier>: quotation mark not closed"
    values = parse(
        "decide", 'Fail over --waarom no ETA  --options "wait: slow; fail over" --info x'
    )
    assert values == {
        "decision": "Fail over",
        "rationale": "no ETA",
        "options": "wait: slow; fail over",
        "information": "x",
        "review": None,
        "confidential": None,
    }
    assert parse("note", "two\nlines --vertrouwelijk") == {
        "text": "two\nlines",
        "confidential": Withheld(),
    }
    # Text after the flag is its Woo ground, cited in Dutch or English.
    assert parse("note", 'a --vertrouwelijk "5.1 lid 2 sub e"') == {
        "text": "a",
        "confidential": Withheld(PRIVACY),
    }
    assert parse("note", "a --confidential 5.1(2)(e)")["confidential"] == Withheld(PRIVACY)
    assert problem("note", "a --confidential b").startswith(
        "--confidential: not a Woo exception ground: b (known: 5.1(1)(a), "
    )
    assert problem("decide", "x --why a --waarom b") == "--why: given twice"
    assert problem("besluit", "x --waarom", "nl") == "--waarom: zonder waarde"
    assert problem("status", "everything") == "unexpected: everything"


def test_flag_values_are_checked_by_their_kind() -> None:
    start = "exercise"
    assert parse(start, "drill --speed 60", child="start") == {
        "scenario_name": "drill",
        "speed": 60,
    }
    assert problem(start, "drill --speed fast", child="start") == "--speed: fast is not in 0..10000"
    assert problem("oefening", "drill --snelheid 0", "nl", child="start") == (
        "--snelheid: 0 valt niet in 0..10000"
    )


def test_subcommands_have_names_in_both_languages_and_their_own_usage() -> None:
    step = _command("step")
    context = _context("nl")
    child, rest = step.pick(context, "klaar 2.3 alles gebeld")
    assert child is not None and child.name == "done" and rest == "2.3 alles gebeld"
    assert child.spec.parse(context, rest) == {"reference": StepRef(2, "3"), "note": "alles gebeld"}
    assert step.usage_line("nl", child) == "!stap klaar <n> [notitie]"
    assert step.usage_line("en") == "!step done <n> [note] | skip <n> <reason>"
    with pytest.raises(UsageError, match="kies klaar\\|overslaan"):
        step.pick(context, "af 3")
    assert problem("step", "3", child="skip") == "<reason>: missing"
