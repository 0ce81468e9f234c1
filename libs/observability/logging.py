"""JSON logs with structlog; job_id / event_id are bound per message via contextvars."""

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import Processor

# Context, level and time, for our lines and for those of libraries (stdlib `logging`).
SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(
    level: str = "INFO", service: str = "redub", stream: TextIO | None = None
) -> None:
    """Send one JSON object per line to stderr (or `stream`), every line carrying the bound
    context, whether it comes from our code or from a library logging through `logging`."""
    level = level.upper()
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*SHARED, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # Python's warnings, as JSON lines too
    structlog.configure(
        processors=[
            *SHARED,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Client libraries log every request at INFO; that is noise next to our own lines.
    for noisy in ("httpx", "httpcore", "nats", "asyncio", "yoyo"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
