"""Prometheus metrics shared by every service."""

from prometheus_client import Counter, Histogram

EVENTS_HANDLED = Counter(
    "redub_stage_items_total", "Work items a stage finished", ["stage", "outcome"]
)
HANDLE_SECONDS = Histogram("redub_stage_handle_seconds", "Time in a stage's handler", ["stage"])
BATCH_SIZE = Histogram(
    "redub_stage_batch_size", "Messages per fetch", ["stage"], buckets=(1, 2, 4, 8, 16, 32, 64, 128)
)
EVENTS_APPENDED = Counter("redub_events_appended_total", "Events committed to the log", ["type"])
RELAY_REPUBLISHED = Counter(
    "redub_relay_republished_total", "Outbox events published by the relay, not their writer"
)
APPEND_ERRORS = Counter("redub_append_errors_total", "Appends that failed", ["stage"])
