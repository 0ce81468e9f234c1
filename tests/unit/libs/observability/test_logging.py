"""Every line is one JSON object with the bound context, ours and libraries' alike."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from libs.observability.logging import configure_logging


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("INFO", service="translator", stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()


def lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_our_lines_carry_the_bound_context(out: io.StringIO) -> None:
    with structlog.contextvars.bound_contextvars(job_id="j1", attempt=2, language="fr"):
        structlog.get_logger().info("item handled", duration_s=0.5)
    [line] = lines(out.getvalue())
    assert line["event"] == "item handled" and line["level"] == "info"
    assert (line["service"], line["job_id"], line["attempt"], line["language"]) == (
        "translator",
        "j1",
        2,
        "fr",
    )
    assert line["duration_s"] == 0.5 and line["timestamp"]


def test_library_lines_are_json_too(out: io.StringIO) -> None:
    with structlog.contextvars.bound_contextvars(job_id="j2"):
        try:
            raise ConnectionRefusedError("connect call failed")
        except ConnectionRefusedError:
            logging.getLogger("asyncpg.pool").error("Failed to restore the pool", exc_info=True)
    [line] = lines(out.getvalue())
    assert line["event"] == "Failed to restore the pool"
    assert line["logger"] == "asyncpg.pool" and line["level"] == "error"
    assert line["job_id"] == "j2" and line["service"] == "translator"
    assert "ConnectionRefusedError: connect call failed" in str(line["exception"])


def test_noisy_libraries_stay_below_warning(out: io.StringIO) -> None:
    logging.getLogger("httpx").info("HTTP Request: GET http://x")
    assert out.getvalue() == ""
