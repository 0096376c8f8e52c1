"""Prometheus metrics of one bot instance (its own registry, so tests can run several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    """The counters, gauges and histograms the bot exposes on ``/metrics``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "weerbaar_commands",
            "Chat commands handled, by command and outcome",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.webhook_requests = Counter(
            "weerbaar_webhook_requests",
            "HTTP intake requests, by route and status code",
            ["route", "status"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "weerbaar_outbox_backlog",
            "Messages stored but not yet confirmed by the homeserver",
            registry=self.registry,
        )
        self.outbox_dead = Gauge(
            "weerbaar_outbox_dead",
            "Messages the homeserver refused for good, set aside (weerbaar outbox list)",
            registry=self.registry,
        )
        self.outbox_delivery_seconds = Histogram(
            "weerbaar_outbox_delivery_seconds",
            "Time from storing a message to the homeserver confirming it",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.sync_lag_seconds = Gauge(
            "weerbaar_sync_lag_seconds",
            "Seconds since the last successful sync with the homeserver",
            registry=self.registry,
        )
        self.source_last_contact_age = Gauge(
            "weerbaar_source_last_contact_age_seconds",
            "Seconds since an intake source or poller was last heard from (at the last check)",
            ["source"],
            registry=self.registry,
        )
        self.active = Gauge(
            "weerbaar_active",
            "1 when this instance is the active one (holds the lease), else 0",
            registry=self.registry,
        )

        self.matrix_unreachable_since = Gauge(
            "weerbaar_matrix_unreachable_since_seconds",
            "Unix time since when the homeserver is unreachable (degraded mode), else 0",
            registry=self.registry,
        )
        self.fallback_mails = Counter(
            "weerbaar_fallback_mails",
            "Mails of the e-mail fallback, by outcome (sent, failed)",
            ["outcome"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The metrics in the Prometheus text format."""
        return generate_latest(self.registry)
