"""A vendor is paid once per line across a SIGKILL of the synthesizer and its redelivery:
the whole system against the local fake of Deepgram's `/v1/speak`."""

import collections
import json
import signal
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from libs.config.settings import Settings
from redub.runtime.dev_stack import SERVICES, DevStack
from tests.support.api import client, event_counts, expected_counts, submit, upload, wait_finished
from tests.support.fake_vendors import FakeVendors
from tests.support.media import silent_voice_and_bed

VENDOR_LIMIT = 8


@pytest.fixture
def vendor_stack(
    nats_url: str, database_url: str, stream_prefix: str, tmp_path: Path, fake_vendors: FakeVendors
) -> Iterator[DevStack]:
    """The whole system (no janitor) with Deepgram for speech-to-text and speech, at the
    fake; given a minute to start (this test's host is often loaded)."""
    settings = Settings(
        nats_url=nats_url,
        database_url=database_url,
        state_dir=tmp_path / "state",
        stream_name=stream_prefix.upper(),
        subject_prefix=stream_prefix,
        gateway_port=0,
    )
    env = {
        "REDUB_ACK_WAIT_S": "3",
        "REDUB_BACKOFF_BASE_S": "0.2",
        "REDUB_BACKOFF_MAX_S": "1",
        "REDUB_RELAY_INTERVAL_S": "0.2",
        "REDUB_RELAY_GRACE_S": "0.5",
        "REDUB_MIXER_ENGINE": "instant",
        # Apertium has no French or German; what is paid for here is speech.
        "REDUB_TRANSLATOR_PROVIDER": "pseudo",
        "REDUB_MAX_RUNNING_JOBS": "10000",
        "DEEPGRAM_API_KEY": "test-deepgram-key",
        "REDUB_DEEPGRAM_BASE_URL": fake_vendors.url,
        "REDUB_DEEPGRAM_MAX_CONCURRENT": str(VENDOR_LIMIT),
        "REDUB_TTS_ORDER": '["deepgram"]',
    }
    services = tuple(s for s in SERVICES if s != "janitor")
    stack = DevStack(settings, services=services, extra_env=env)
    try:
        stack.start(timeout=120)
        yield stack
    finally:
        stack.stop()


def test_lines_paid_before_a_crash_are_not_paid_again(
    vendor_stack: DevStack, database_url: str, tmp_path: Path, fake_vendors: FakeVendors
) -> None:
    fake_vendors.latency_s = 0.03
    # Deepgram transcribes 200 distinct lines (a line said twice is made once: same key).
    fake_vendors.listen_lines = 200
    stack = vendor_stack
    voice, background = silent_voice_and_bed(tmp_path, seconds=600)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        job = submit(c, upload(c, voice), upload(c, background), ["fr", "de"])
        cache = stack.settings.blob_root / "jobs" / job["job_id"] / "cache" / "tts"
        deadline = time.monotonic() + 60
        while len(list(cache.glob("*/*.json"))) < 40:
            assert time.monotonic() < deadline, "the synthesizer never got going"
            time.sleep(0.01)
        stack.stop_service("synthesizer", sig=signal.SIGKILL)
        paid_before = len(fake_vendors.calls("speak"))
        assert c.get(f"/v1/jobs/{job['job_id']}").json()["status"] != "completed"
        stack.start_service("synthesizer")
        done = wait_finished(c, job["job_id"], timeout=120)
    assert done["status"] == "completed", done
    assert event_counts(database_url, job["job_id"]) == expected_counts(["fr", "de"])

    spoken = collections.Counter(
        (call.query["model"], json.loads(call.body)["text"]) for call in fake_vendors.calls("speak")
    )
    lines = 2 * 200
    assert 40 <= paid_before < lines, "killed mid-way"
    # Every line once, but for those in flight at the kill (paid, never stored): at most
    # the vendor's bound of them, once more.
    assert len(spoken) == lines
    assert sum(spoken.values()) <= lines + VENDOR_LIMIT
    assert max(spoken.values()) <= 2

    # The events bill what the attempts that committed paid: not the lines reused.
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT payload FROM job_events WHERE job_id = %s AND type = 'speech.ready'",
            (job["job_id"],),
        ).fetchall()
    billed = [u for (payload,) in rows for u in payload["usage"]]
    assert {(u["vendor"], u["model"], u["unit"]) for u in billed} == {
        ("deepgram", "aura-2", "characters")
    }
    characters = sum(Decimal(u["quantity"]) for u in billed)
    all_characters = sum(len(text) for _, text in spoken)
    assert 0 < characters < all_characters
    assert all(Decimal(u["amount"]) > 0 and u["price_table"] for u in billed)
