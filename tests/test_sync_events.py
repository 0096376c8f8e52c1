"""What the sync loop reads from the events clients send: without a homeserver, from
nio's own parsing of /sync responses (tests/support/sync_batches.py)."""

from __future__ import annotations

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
