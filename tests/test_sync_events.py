"""What the sync loop reads from the events clients send: without a homeserver, from
nio's own parsing of /sync responses (tests/support/sync_batches.py)."""

from __future__ import annotations

import resource
import subprocess
import sys

from tests.support.paths import REPO
from tests.support.sync_batches import message_event, read_batches, sync_response


async def test_a_malformed_relation_is_skipped_and_the_rest_of_the_batch_read() -> None:
    """A buggy client's ``m.relates_to`` that is not an object is a plain message: it
    neither stops the batch (re-read for ever, the bot deaf) nor the commands after it."""
    broken = message_event({"msgtype": "m.text", "body": "!help", "m.relates_to": "junk"})
    listed = message_event({"msgtype": "m.text", "body": "!status", "m.relates_to": ["x"]})
    after = message_event({"msgtype": "m.text", "body": "!help"})
    response = sync_response([broken, listed, after])

    handed = await read_batches([response])

    assert handed.failures == 0
    assert [m.event_id for m in handed.messages] == [
        broken["event_id"],
        listed["event_id"],
        after["event_id"],
    ]
    assert all(m.thread_root is None for m in handed.messages)
    assert handed.token == response.next_batch


def test_a_message_full_of_unclosed_links_is_read_at_once_not_for_minutes() -> None:
    """Reading a 60 kB formatted_body (the most an event holds) must not block the bot.

    Every room member's message is read in the one thread that also answers the intake
    and the health check. Such a body took minutes of CPU to read, so no clock is needed
    to tell: the child process reading it gets 10 s of CPU (reading takes milliseconds,
    starting Python well under a second) and is killed by the kernel beyond that.
    """
    script = (
        "from bot.matrix.events import message_text\n"
        "formatted = '<a href=\"https://matrix.to/#/@a:b\"' * 1760\n"
        "content = {'body': '!help', 'format': 'org.matrix.custom.html',"
        " 'formatted_body': formatted}\n"
        "print(message_text(content))\n"
    )

    def limit_cpu() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (10, 10))

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        preexec_fn=limit_cpu,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "!help\n"), result.stderr


async def test_an_edit_is_handed_on_in_the_thread_of_the_message_it_edits() -> None:
    """An edit says only which message it replaces (``m.replace``): the loop asks the
    homeserver for that message, so an answer to the edit can go into its thread."""
    root = message_event({"msgtype": "m.text", "body": "the outage"})
    in_thread = message_event(
        {
            "msgtype": "m.text",
            "body": "!statsu",
            "m.relates_to": {"rel_type": "m.thread", "event_id": root["event_id"]},
        }
    )
    plain = message_event({"msgtype": "m.text", "body": "!statsu"})
    edits = [
        message_event(
            {
                "msgtype": "m.text",
                "body": "* !status",
                "m.new_content": {"msgtype": "m.text", "body": "!status"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": edited},
            }
        )
        for edited in (in_thread["event_id"], plain["event_id"], "$unknown")
    ]

    handed = await read_batches([sync_response(edits)], held=[root, in_thread, plain])

    assert handed.failures == 0
    # The message the last one edits cannot be read: it is handed on, outside a thread.
    assert [(m.edits, m.thread_root) for m in handed.messages] == [
        (in_thread["event_id"], root["event_id"]),
        (plain["event_id"], None),
        ("$unknown", None),
    ]
