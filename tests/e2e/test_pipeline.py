"""A real job through every service process: real NATS, real PostgreSQL, the default offline
providers (faster-whisper, Apertium, espeak-ng, ffmpeg). The downloaded outputs are held to
every measure of a studio-ready dub (`tests/support/dub_checks.py`), as the demo's are."""

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from redub.cli.demo_media import make_demo_stems
from redub.runtime.dev_stack import DevStack
from tests.support.api import (
    client,
    event_counts,
    expected_counts,
    submit,
    upload,
    wait_finished,
)
from tests.support.dub_checks import check_dub
from tests.support.dub_lengths import decoded_frames
from tests.support.observed_programme import observed_programme


def test_two_languages_from_post_to_completed_with_every_artifact(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack()
    voice, background = asyncio.run(make_demo_stems(tmp_path))
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        assert (
            c.get(
                "/v1/jobs/00000000-0000-0000-0000-000000000000", headers={"Authorization": ""}
            ).status_code
            == 401
        )
        job = submit(c, upload(c, voice), upload(c, background), ["es", "ca"])
        assert job["status"] == "submitted"
        done = wait_finished(c, job["job_id"], timeout=120)
        assert done["status"] == "completed", done
        for lang in ("es", "ca"):
            task = done["tasks"][lang]
            assert task["status"] == "dubbed"
            assert task["translated_at"] <= task["synthesized_at"] <= task["mixed_at"]
        assert sorted((a["language"], a["kind"]) for a in done["artifacts"]) == sorted(
            (lang, kind)
            for lang in ("es", "ca")
            for kind in (
                *("mix", "mix_aac", "voice", "voice_aac", "srt", "vtt", "manifest"),
                *("transcript", "source_srt", "source_vtt", "translation"),
                *("timeline_png", "timeline_svg"),
            )
        )
        files: dict[str, dict[str, Path]] = {"es": {}, "ca": {}}
        for a in done["artifacts"]:
            r = c.get(f"/v1/jobs/{job['job_id']}/artifacts/{a['language']}/{a['kind']}")
            assert r.status_code == 200
            assert hashlib.sha256(r.content).hexdigest() == a["sha256"]
            path = tmp_path / "out" / a["language"] / a["file"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(r.content)
            files[a["language"]][a["kind"]] = path
        # Every measure of issue 15 on what a client downloads: lengths to the sample (the
        # programme is the uploaded background), loudness, slots, stretch, captions, manifest,
        # timeline.
        frames = decoded_frames(background)
        for lang, outputs in files.items():
            measures = check_dub(outputs, observed_programme(outputs, frames))
            assert measures.lines == 3 and measures.cues >= 3, (lang, measures)
        # Heard by Whisper and translated by Apertium: real Spanish and Catalan captions.
        srt = c.get(f"/v1/jobs/{job['job_id']}/artifacts/es/srt").text
        assert "Bienvenido al doblaje demo." in srt and "-->" in srt
        srt = c.get(f"/v1/jobs/{job['job_id']}/artifacts/ca/srt").text
        assert "Gràcies per escoltar." in srt
    assert event_counts(database_url, job["job_id"]) == expected_counts(["es", "ca"])
    # Every service exposes Prometheus metrics; the stages count what they did.
    import httpx

    for stage in ("transcriber", "translator", "synthesizer", "mixer"):
        port = stack.metrics_ports[stage]
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert f'redub_stage_items_total{{outcome="ok",stage="{stage}"}}' in text
    gateway = httpx.get(f"{stack.settings.gateway_url}/metrics").text
    assert 'redub_events_appended_total{type="job.submitted"} 1.0' in gateway
