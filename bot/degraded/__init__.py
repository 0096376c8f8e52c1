"""Degraded mode: noticing that the homeserver is unreachable, and mailing meanwhile."""
