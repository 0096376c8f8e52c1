"""The intake's HMAC signature with timestamp."""

from __future__ import annotations

import pytest

from bot.intake.signature import SignatureError, VerifiedSignature, sign, verify

SECRET = b"shared"
BODY = b'{"supplier": "Acme"}'
NOW = 1_800_000_000


def check(timestamp: str | None, signature: str | None, body: bytes = BODY) -> VerifiedSignature:
    return verify(SECRET, body, timestamp, signature, now=NOW, max_skew_seconds=300)


def test_a_fresh_correct_signature_is_accepted() -> None:
    verified = check(str(NOW - 10), sign(SECRET, NOW - 10, BODY))
    assert verified.timestamp == NOW - 10


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "problem"),
    [
        (None, sign(SECRET, NOW, BODY), BODY, "missing"),
        (str(NOW), None, BODY, "missing"),
        ("yesterday", sign(SECRET, NOW, BODY), BODY, "Unix seconds"),
        (str(NOW - 301), sign(SECRET, NOW - 301, BODY), BODY, "more than 300 s"),
        (str(NOW + 301), sign(SECRET, NOW + 301, BODY), BODY, "more than 300 s"),
        (str(NOW), "md5=abc", BODY, "must start with sha256="),
        (str(NOW), sign(b"other", NOW, BODY), BODY, "does not match"),
        (str(NOW), sign(SECRET, NOW, BODY), BODY + b" ", "does not match"),
        # the timestamp is signed too: moving it breaks the signature
        (str(NOW - 1), sign(SECRET, NOW, BODY), BODY, "does not match"),
    ],
)
def test_bad_signatures_are_refused_with_the_reason(
    timestamp: str | None, signature: str | None, body: bytes, problem: str
) -> None:
    with pytest.raises(SignatureError, match=problem):
        check(timestamp, signature, body)
