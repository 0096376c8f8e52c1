"""What counts as a Matrix user id where one is typed: an owner, a member, a coordinator."""

from __future__ import annotations

import re

# Loose on purpose: the homeserver decides what exists; this only tells an id from a role
# name or a typo such as a missing server part.
_USER_ID = re.compile(r"@[^:\s]+:\S+")


def is_user_id(word: str) -> bool:
    """Whether ``word`` is written as a Matrix user id (``@name:server``)."""
    return _USER_ID.fullmatch(word) is not None
