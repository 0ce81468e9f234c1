"""The synthesizer against the local fake vendor: a 150-line programme, each line answered
in 200 ms, at most 8 calls at once; wall time next to the ideal (lines x latency / limit)
and next to the bare client (the same calls gathered, no stage) measured in the same run."""

import asyncio
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from libs.documents.transcript import Segment, Transcript
from libs.events.catalogue import TranslationReady
from libs.events.envelope import RecordedEvent, utcnow
from libs.events.work import WorkItem
from libs.storage.keys import job_prefix
from libs.storage.local_store import LocalBlobStore
from libs.synthesis.deepgram_tts import DeepgramTextToSpeech
from libs.vendors.retry import RetryPolicy
from libs.vendors.session import VendorConfig, VendorSession
from services.synthesizer.handler import Synthesizer

TARGET_RATIO = 1.3


@dataclass(frozen=True, slots=True)
class SynthConfig:
    lines: int = 150
    latency_s: float = 0.2
    limit: int = 8
    runs: int = 3

    @property
    def ideal_s(self) -> float:
        return self.lines * self.latency_s / self.limit


@dataclass(frozen=True, slots=True)
class SynthMeasured:
    stage_s: float
    client_s: float
    cached_s: float
    calls_per_run: int
    cached_calls: int
    max_in_flight: int


def _line(i: int) -> str:
    return f"Réplique numéro {i} du programme, dite par quelqu'un."


async def _translation(blobs: LocalBlobStore, lines: int) -> tuple[TranslationReady, RecordedEvent]:
    job_id = uuid4()
    segments = [
        Segment(index=i, start=4.0 * i, end=4.0 * i + 3.5, text=_line(i)) for i in range(lines)
    ]
    doc = Transcript(language="fr", duration_s=4.0 * lines, segments=segments)
    ref = await blobs.put_bytes(
        f"{job_prefix(job_id)}translator/bench/fr/translation.json",
        doc.to_json().encode(),
        "application/json",
    )
    ready = TranslationReady(language="fr", translation=ref, segments=lines, provider="bench")
    now = utcnow()
    event = RecordedEvent(
        position=1, event_id=uuid4(), job_id=job_id, seq=1, payload=ready,
        correlation_id=job_id, causation_id=None, user_id=None, recorded_at=now, occurred_at=now,
    )  # fmt: skip
    return ready, event


@contextmanager
def fake_vendor(latency_s: float) -> Iterator[str]:
    """The fake vendor in a process of its own (as a real one would be); its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_vendors", "--latency-ms", str(latency_s * 1000)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _stats(url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=10) as r:
        return dict(json.loads(r.read()))


def _speak_calls(url: str) -> int:
    calls = _stats(url)["calls"]
    assert isinstance(calls, dict)
    return int(calls.get("speak", 0))


async def _measure(cfg: SynthConfig, root: Path, url: str) -> SynthMeasured:
    session = VendorSession(
        VendorConfig("deepgram", "bench-key", url, max_concurrent=cfg.limit, retry=RetryPolicy())
    )
    try:
        blobs = LocalBlobStore(root / "blobs", secret=b"bench", base_url="http://127.0.0.1/b")
        tts = DeepgramTextToSpeech(session)
        stage = Synthesizer(tts, blobs, line_concurrency=cfg.lines)
        voice = tts.voices("fr")[0]
        # Warm the client's connections and the imports once, untimed.
        await tts.synthesize("Bonjour.", "fr", voice, root / "warm.wav")
        client_runs, stage_runs = [], []
        for run in range(cfg.runs):
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    tts.synthesize(_line(i), "fr", voice, root / f"client-{run}-{i}.wav")
                    for i in range(cfg.lines)
                )
            )
            client_runs.append(time.perf_counter() - started)
            ready, event = await _translation(blobs, cfg.lines)
            calls = _speak_calls(url)
            started = time.perf_counter()
            await stage.handle(ready, WorkItem(event, "", 1, f"bench{run:04d}"))
            stage_runs.append(time.perf_counter() - started)
            calls_per_run = _speak_calls(url) - calls
        # The same job again (a redelivery): every line comes from the cache.
        calls = _speak_calls(url)
        started = time.perf_counter()
        await stage.handle(ready, WorkItem(event, "", 2, "bench-again"))
        cached_s = time.perf_counter() - started
        return SynthMeasured(
            stage_s=statistics.median(stage_runs),
            client_s=statistics.median(client_runs),
            cached_s=cached_s,
            calls_per_run=calls_per_run,
            cached_calls=_speak_calls(url) - calls,
            max_in_flight=int(str(_stats(url)["max_in_flight"])),
        )
    finally:
        await session.aclose()


def run_synth(cfg: SynthConfig, root: Path) -> SynthMeasured:
    """Measure in a fresh event loop; blobs under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    with fake_vendor(cfg.latency_s) as url:
        return asyncio.run(_measure(cfg, root, url))
