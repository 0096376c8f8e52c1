"""The error of a failed homeserver call, apart from the client that raises it.

Kept free of matrix-nio so that what only classifies the error (the command line's one-line
failures) does not load nio: every ``weerbaar`` command, the offline ones too, starts faster.
"""

from __future__ import annotations

LIMIT_EXCEEDED = "M_LIMIT_EXCEEDED"
UNKNOWN_TOKEN = "M_UNKNOWN_TOKEN"


class MatrixError(Exception):
    """A failed call to the homeserver."""

    def __init__(
        self,
        operation: str,
        message: str,
        *,
        errcode: str | None = None,
        http_status: int | None = None,
        retry_after_ms: int | None = None,
        final: bool = False,
    ) -> None:
        super().__init__(f"{operation} failed: {errcode or http_status or 'no answer'}: {message}")
        self.operation = operation
        self.errcode = errcode
        self.http_status = http_status
        self.retry_after_ms = retry_after_ms
        self.final = final

    @property
    def transient(self) -> bool:
        """Whether trying again later may succeed (no answer, rate limit, timeout, 5xx).

        Any other 4xx (M_TOO_LARGE, M_FORBIDDEN, an unknown room) is the request's own
        fault and fails again unchanged. A rejected access token is the exception while the
        client could log in again (it did, so the next try carries the new token); it is
        ``final`` once logging in again failed or was not possible (no password).
        """
        if self.final:
            return False
        return (
            self.http_status is None
            or self.http_status >= 500
            or self.http_status in (408, 429)
            or self.errcode in (LIMIT_EXCEEDED, UNKNOWN_TOKEN)
        )
