"""A running stack's /metrics, /healthz, /readyz and JSON logs, on real NATS and PostgreSQL."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from libs.servers.ports import free_port
from redub.registry import STAGES
from redub.runtime.dev_stack import DevStack
from tests.support.api import INSTANT, client, submit, upload, wait_finished
from tests.support.media import silent_voice_and_bed

# Stages a job without deletions passes through (the janitor only purges).
WORKING = ("transcriber", "translator", "synthesizer", "mixer")


def scrape(base: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a /metrics page, by name and labels."""
    text = httpx.get(f"{base}/metrics", timeout=5).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def has(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> bool:
    want = set(labels.items())
    return any(n == name and want <= ls for n, ls in samples)


def wait_status(url: str, status: int, timeout: float = 20) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = httpx.get(url, timeout=5)
            if r.status_code == status:
                return r
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{url} never answered {status}"
        time.sleep(0.2)


def test_a_job_moves_the_metrics_and_readyz_follows_nats(
    make_stack: Any, private_servers: Any, stream_prefix: str, tmp_path: Path
) -> None:
    stack: DevStack = make_stack(
        private_servers.nats_url,
        private_servers.database_url,
        stream_prefix,
        services=tuple(STAGES),
        **INSTANT,
        REDUB_METRICS_REFRESH_S="0.3",
    )
    # The gateway last, with a generous wait: it builds FastAPI's models at start, which on
    # a machine shared by many test runs can take longer than the stack's default wait.
    stack.settings.gateway_port = free_port()
    stack.settings.gateway_url = f"http://127.0.0.1:{stack.settings.gateway_port}"
    stack.start_service("gateway")
    stack.wait_for_gateway(120)
    ports = {name: f"http://127.0.0.1:{port}" for name, port in stack.metrics_ports.items()}
    assert set(ports) == set(STAGES)
    gateway = stack.settings.gateway_url
    for base in [*ports.values(), gateway]:
        wait_status(f"{base}/readyz", 200)
    before = {name: scrape(base) for name, base in ports.items()}

    voice, bed = silent_voice_and_bed(tmp_path, 2.0)
    with client(gateway, stack.settings.jwt_secret) as c:
        job = submit(c, upload(c, voice), upload(c, bed), ["fr", "de"])
        assert wait_finished(c, job["job_id"])["status"] == "completed"
    time.sleep(1)  # a gauge refresh after the last ack

    stream = stream_prefix.upper()
    for name in WORKING:
        after = scrape(ports[name])
        moved = total(after, "redub_events_consumed_total", stage=name) - total(
            before[name], "redub_events_consumed_total", stage=name
        )
        assert moved >= 1, name
        assert total(after, "redub_stage_items_total", stage=name, outcome="ok") >= 1, name
        assert total(after, "redub_stage_handle_seconds_count", stage=name) >= 1, name
        assert total(after, "redub_events_appended_total") >= 1, name
        # Lag of the stage's own consumer, read from JetStream: all caught up.
        assert has(after, "redub_consumer_pending_messages", stream=stream, consumer=name)
        assert total(after, "redub_consumer_pending_messages", consumer=name) == 0
        assert total(after, "redub_consumer_ack_pending_messages", consumer=name) == 0
        assert has(after, "redub_outbox_backlog_events")
    translator = scrape(ports["translator"])
    assert total(translator, "redub_events_consumed_total", type="transcript.ready") >= 1
    assert total(translator, "redub_stage_items_total", outcome="ok") >= 2  # fr and de
    gw = scrape(gateway)
    assert total(gw, "redub_events_appended_total", type="job.submitted") >= 1
    assert total(gw, "redub_jobs_active") == 0

    # The logs: one JSON object a line (libraries' lines too), the item's context bound.
    logs = {
        name: [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        for name, path in ((p.stem, p) for p in (stack.state_dir / "logs").glob("*.log"))
    }
    assert set(logs) == {"gateway", *STAGES}
    lines = logs["synthesizer"]
    handled = [x for x in lines if x.get("event") == "item handled"]
    assert {x["language"] for x in handled} == {"fr", "de"}
    for x in handled:
        assert x["job_id"] == job["job_id"]
        assert x["stage"] == "synthesizer" and x["attempt"] == 1
        assert x["event_type"] == "translation.ready" and x["event_id"]
        assert x["duration_s"] >= 0 and x["level"] == "info" and x["timestamp"]

    polls = [
        x
        for x in logs["gateway"]
        if x.get("event") == "request" and x.get("job_id") == job["job_id"]
    ]
    assert polls and all(x["method"] == "GET" and x["status"] == 200 for x in polls)
    assert total(scrape(ports["janitor"]), "redub_janitor_last_sweep_timestamp_seconds") > 0

    # NATS goes away: every service is still alive, and none is ready. The services are
    # asked at once: a /readyz without NATS takes its checks' 2 s timeout to answer.
    private_servers.nats.stop()

    def not_ready(base: str) -> None:
        r = wait_status(f"{base}/readyz", 503)
        assert r.json()["checks"]["nats"] != "ok"
        assert r.json()["checks"]["postgres"] == "ok"
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200

    def ready_again(base: str) -> None:
        wait_status(f"{base}/readyz", 200, timeout=30)

    services = [*ports.values(), gateway]
    with ThreadPoolExecutor(len(services)) as pool:
        list(pool.map(not_ready, services))  # list(): raises what any of them raised
        private_servers.nats.start()
        list(pool.map(ready_again, services))
