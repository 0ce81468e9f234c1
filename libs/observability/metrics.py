"""Prometheus metrics shared by every service."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_HANDLED = Counter(
    "redub_stage_items_total", "Work items a stage finished", ["stage", "outcome"]
)
HANDLE_SECONDS = Histogram("redub_stage_handle_seconds", "Time in a stage's handler", ["stage"])
IN_FLIGHT = Gauge("redub_stage_in_flight", "Messages a stage process is working on", ["stage"])
POISON_MESSAGES = Counter(
    "redub_poison_messages_total",
    "Messages settled unhandled because they can never be handled (not ours, malformed)",
    ["consumer", "kind"],
)
REDELIVERIES = Counter(
    "redub_stage_redeliveries_total",
    "Messages a stage received again after a first delivery",
    ["stage"],
)
OUTAGE_WAITS = Counter(
    "redub_stage_outage_retries_total",
    "Store or bus calls retried because the server was unreachable (no delivery charged)",
    ["stage"],
)
EVENTS_APPENDED = Counter("redub_events_appended_total", "Events committed to the log", ["type"])
RELAY_REPUBLISHED = Counter(
    "redub_relay_republished_total", "Outbox events published by the relay, not their writer"
)
APPEND_ERRORS = Counter("redub_append_errors_total", "Appends that failed", ["stage"])
