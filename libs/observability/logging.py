"""JSON logs with structlog; job_id / event_id are bound per message via contextvars."""

import logging
import sys

import structlog


def configure_logging(level: str = "INFO", service: str = "redub") -> None:
    """Send one JSON object per line to stderr, every line carrying the bound context."""
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Client libraries log every request at INFO; that is noise next to our own lines.
    for noisy in ("httpx", "httpcore", "nats", "asyncio", "yoyo"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
