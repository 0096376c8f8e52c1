"""Verifying the HMAC-SHA256 signature and timestamp of a webhook request.

The sender signs ``<timestamp>.<raw body>`` with the shared secret and sends
``X-Weerbaar-Timestamp: <unix seconds>`` and ``X-Weerbaar-Signature: sha256=<hex>``.
The timestamp bounds how long a captured request could be replayed; within that window
the intake refuses a signature it has already accepted.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

TIMESTAMP_HEADER = "X-Weerbaar-Timestamp"
SIGNATURE_HEADER = "X-Weerbaar-Signature"
SCHEME = "sha256="


class SignatureError(Exception):
    """The request is not signed, badly signed or too old or new."""


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that matched; its hex digest identifies the request for replay checks."""

    digest: str
    timestamp: int


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256)
    return SCHEME + mac.hexdigest()


def verify(
    secret: bytes,
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    now: float,
    max_skew_seconds: int,
) -> VerifiedSignature:
    """Check signature and freshness; raises SignatureError saying what is wrong."""
    if not timestamp_header or not signature_header:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        timestamp = int(timestamp_header)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be Unix seconds") from None
    if abs(now - timestamp) > max_skew_seconds:
        raise SignatureError(
            f"{TIMESTAMP_HEADER} is more than {max_skew_seconds} s away from the server's clock"
        )
    if not signature_header.startswith(SCHEME):
        raise SignatureError(f"{SIGNATURE_HEADER} must start with {SCHEME}")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature_header):
        raise SignatureError("signature does not match the body")
    return VerifiedSignature(digest=expected.removeprefix(SCHEME), timestamp=timestamp)
