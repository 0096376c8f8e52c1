"""The command registry and argument parsing."""

from __future__ import annotations

import pytest

from bot.commands import build_registry
from bot.commands.access import AccessPolicy, Role
from bot.commands.registry import (
    Command,
    Registry,
    parse_invocation,
)


async def _noop(*_: object) -> None:
    return None


def test_every_command_resolves_by_name_and_dutch_alias() -> None:
    registry = build_registry()
    for command in registry.commands:
        assert registry.resolve(command.name) == (command, "en")
        assert registry.resolve(command.alias) == (command, "nl")
        assert registry.resolve(command.alias.upper()) == (command, "nl")
    names = {c.name for c in registry.commands}
    assert {"help", "escalate", "playbook", "decide", "report"} <= names


def test_a_name_cannot_be_registered_twice() -> None:
    one = Command("x", "y", {"en": "", "nl": ""}, _noop)
    two = Command("y", "z", {"en": "", "nl": ""}, _noop)
    with pytest.raises(ValueError, match="'y' registered twice"):
        Registry([one, two])


def test_help_has_one_line_per_command_with_its_alias() -> None:
    registry = build_registry()
    plain, html = registry.help("nl")
    lines = plain.splitlines()
    assert len(lines) == 1 + len(registry.commands)
    assert "!besluit <besluit> --waarom <reden>" in plain
    assert "(ook !decide)" in plain
    assert html.count("<li>") == len(registry.commands)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("!help", ("help", "")),
        ("!escalate  12 ", ("escalate", "12")),
        ("!decide a b --why c", ("decide", "a b --why c")),
        ("hello", None),
        ("!", None),
        ("! help", None),
        ("> quoted !help", None),
        # Invisible before the "!" (a stray space, pasted zero-width characters).
        (" !help", ("help", "")),
        ("\n\u200b!hulp", ("hulp", "")),
        ("\ufeff\u2060!escalate 12", ("escalate", "12")),
        ("\u200b", None),
    ],
)
def test_parse_invocation(body: str, expected: tuple[str, str] | None) -> None:
    assert parse_invocation(body) == expected


def test_roles_are_ordered_and_the_highest_configured_wins() -> None:
    policy = AccessPolicy(
        members=["@m:x", "@c:x"], coordinators=["@c:x"], observers=["@o:x", "@m:x"]
    )
    assert policy.role_of("@c:x") is Role.COORDINATOR
    assert policy.role_of("@m:x") is Role.MEMBER
    assert policy.role_of("@o:x") is Role.OBSERVER
    assert policy.role_of("@stranger:x") is None
    assert policy.everyone() == ["@c:x", "@m:x", "@o:x"]
    assert Role.OBSERVER < Role.MEMBER < Role.COORDINATOR


def test_observers_may_only_read() -> None:
    readable = {c.name for c in build_registry().commands if c.role is Role.OBSERVER}
    assert readable == {
        "help",
        "report",
        "supplier",
        "concentration",
        "drills",
        "steps",
        "next",
        "log",
        "status",
        "web",  # a login link to the read-only web view, which observers see too
    }


def test_room_members_are_members_unless_configured_otherwise() -> None:
    policy = AccessPolicy(members=["@m:x"], observers=["@o:x"])
    policy.set_room_members(["@o:x", "@r:x"])
    assert policy.role_of("@r:x") is Role.MEMBER
    assert policy.role_of("@o:x") is Role.OBSERVER  # an explicit role wins
    policy.set_room_members([])
    assert policy.role_of("@r:x") is None
