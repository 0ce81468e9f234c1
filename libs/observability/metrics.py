"""Prometheus metrics shared by every service (deploy/prometheus and the dashboard use them)."""

from prometheus_client import Counter, Gauge, Histogram

# -- stage runner ------------------------------------------------------------------------------
EVENTS_CONSUMED = Counter(
    "redub_events_consumed_total", "Messages a stage took from its consumer", ["stage", "type"]
)
EVENTS_HANDLED = Counter(
    "redub_stage_items_total", "Work items a stage finished", ["stage", "outcome"]
)
HANDLER_ERRORS = Counter(
    "redub_stage_handler_errors_total",
    "Handler attempts that raised and were left for a retry (a redelivery)",
    ["stage"],
)
# Stage work runs from milliseconds (routing) to minutes (transcribing an hour of audio).
HANDLE_SECONDS = Histogram(
    "redub_stage_handle_seconds",
    "Time in a stage's handler",
    ["stage"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
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
    "Store or bus calls, and handler tries that met a storage outage, retried because our "
    "infrastructure was unreachable (no delivery charged)",
    ["stage"],
)
EVENTS_APPENDED = Counter("redub_events_appended_total", "Events committed to the log", ["type"])
RELAY_REPUBLISHED = Counter(
    "redub_relay_republished_total", "Outbox events published by the relay, not their writer"
)
APPEND_ERRORS = Counter("redub_append_errors_total", "Appends that failed", ["stage"])

# -- blob fetches over signed URLs (REDUB_BLOB_ACCESS=signed) --------------------------------
BLOB_FETCHES = Counter(
    "redub_blob_fetches_total",
    "Blobs a stage fetched over a signed URL, by outcome (ok, missing, mismatch, too_large, "
    "refused, outage)",
    ["outcome"],
)
BLOB_FETCH_BYTES = Counter(
    "redub_blob_fetch_bytes_total", "Bytes of blobs fetched and verified over signed URLs"
)

# -- JetStream consumers (refreshed from consumer info every few seconds) ----------------------
CONSUMER_PENDING = Gauge(
    "redub_consumer_pending_messages",
    "Messages in the stream the consumer has not delivered yet",
    ["stream", "consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "redub_consumer_ack_pending_messages",
    "Messages delivered to the consumer and not acknowledged yet",
    ["stream", "consumer"],
)
CONSUMER_REDELIVERED = Gauge(
    "redub_consumer_redelivered_messages",
    "Messages of the consumer delivered more than once and not acknowledged yet",
    ["stream", "consumer"],
)

# -- the database (refreshed every few seconds; every process reports the same values) ---------
OUTBOX_BACKLOG = Gauge("redub_outbox_backlog_events", "Committed events not confirmed by the bus")
OUTBOX_OLDEST_AGE = Gauge(
    "redub_outbox_oldest_age_seconds", "Age of the oldest unconfirmed event (0 when none)"
)
ACTIVE_JOBS = Gauge("redub_jobs_active", "Jobs neither completed nor failed")
OLDEST_ACTIVE_JOB_AGE = Gauge(
    "redub_jobs_oldest_active_age_seconds", "Age of the oldest job still running (0 when none)"
)
PURGE_OVERDUE_JOBS = Gauge(
    "redub_retention_overdue_jobs", "Jobs past their purge time whose blobs are not purged yet"
)
PURGE_OVERDUE_SECONDS = Gauge(
    "redub_retention_overdue_seconds",
    "How long the most overdue purge has been due (0 when none is)",
)
JANITOR_LAST_SWEEP = Gauge(
    "redub_janitor_last_sweep_timestamp_seconds", "Unix time the retention sweep last finished"
)

# -- vendors (recorded by the provider clients) ------------------------------------------------
VENDOR_CALL_SECONDS = Histogram(
    "redub_vendor_call_seconds",
    "Time of one call to a vendor API; outcome is ok or the error kind",
    ["vendor", "operation", "outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
VENDOR_ERRORS = Counter(
    "redub_vendor_errors_total",
    "Vendor calls that failed; outcome is the error kind (timeout, rate_limited, server, client)",
    ["vendor", "operation", "outcome"],
)
VENDOR_COST = Counter(
    "redub_vendor_cost_total",
    "Money vendors charge for our calls, as priced usage lines (amount in the currency)",
    ["vendor", "currency"],
)

# -- readiness ---------------------------------------------------------------------------------
READY = Gauge("redub_ready", "1 while /readyz answers 200 (NATS and PostgreSQL reachable)")
