"""A real job with every stage reading its inputs over the gateway's signed URLs
(REDUB_BLOB_ACCESS=signed): real processes, NATS, PostgreSQL and the offline providers."""

import asyncio
import hashlib
import re
from pathlib import Path
from typing import Any

import httpx

from redub.cli.demo_media import make_demo_stems
from redub.runtime.dev_stack import DevStack
from tests.support.api import client, submit, upload, wait_finished


def _counter(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_stages_fetch_their_inputs_over_signed_urls(start_stack: Any, tmp_path: Path) -> None:
    stack: DevStack = start_stack(REDUB_BLOB_ACCESS="signed")
    voice, background = asyncio.run(make_demo_stems(tmp_path))
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        job = submit(c, upload(c, voice), upload(c, background), ["es"])
        done = wait_finished(c, job["job_id"], timeout=180)
        assert done["status"] == "completed", done
        for a in done["artifacts"]:
            r = c.get(f"/v1/jobs/{job['job_id']}/artifacts/{a['language']}/{a['kind']}")
            assert hashlib.sha256(r.content).hexdigest() == a["sha256"]
        manifest = c.get(f"/v1/jobs/{job['job_id']}/artifacts/es/manifest").json()
    # Named from the events: who heard, translated and spoke, and which voice each line had.
    assert set(manifest["providers"]) == {"stt", "translator", "tts"}
    assert all(manifest["providers"].values())
    assert manifest["lines"] and all(line["voice"] for line in manifest["lines"])
    # Every stage read what it needed over HTTP, checked, and nothing failed a check.
    for stage in ("transcriber", "translator", "synthesizer", "mixer"):
        text = httpx.get(f"http://127.0.0.1:{stack.metrics_ports[stage]}/metrics").text
        assert _counter(text, 'redub_blob_fetches_total{outcome="ok"}') >= 1, stage
        assert _counter(text, "redub_blob_fetch_bytes_total") > 0, stage
        assert 'outcome="mismatch"' not in text and 'outcome="outage"' not in text, stage
