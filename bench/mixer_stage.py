"""`python -m bench.mixer_stage BLOBS READY.json`: one run of the mixer stage (real engine) in a
process of its own, so its peak memory (with its ffmpeg and rubberband children) is its own.
Prints the handler's wall time and peak resident sizes as JSON."""

import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

from libs.events.catalogue import SpeechReady
from libs.events.envelope import RecordedEvent, utcnow
from libs.events.work import WorkItem
from libs.storage.local_store import LocalBlobStore
from services.mixer.engine import FfmpegMixEngine, Mixed, MixOptions
from services.mixer.handler import Mixer


async def run(blobs_root: Path, ready: SpeechReady) -> dict[str, float]:
    """Seconds the mixer's handler took on `ready` (all, fitting, rendering); its outputs are
    removed afterwards."""
    blobs = LocalBlobStore(blobs_root, secret=b"bench", base_url="http://bench")
    assert ready.brief is not None
    now = utcnow()
    event = RecordedEvent(
        position=1, event_id=uuid4(), job_id=ready.brief.job_id, seq=1, payload=ready,
        correlation_id=ready.brief.job_id, causation_id=None, user_id=None,
        occurred_at=now, recorded_at=now,
    )  # fmt: skip
    work = WorkItem(event, "", 1, uuid4().hex[:16])
    engine = _Timed()
    stage = Mixer(engine, blobs, MixOptions())
    started = time.perf_counter()
    await stage.handle(ready, work)
    took = time.perf_counter() - started
    await stage.discard(work)
    return {"seconds": took, "fit_s": engine.fit_s, "render_s": engine.render_s}


class _Timed(FfmpegMixEngine):
    """The real engine, keeping the split of its time."""

    fit_s = render_s = 0.0

    async def mix(self, *args: Any, **kwargs: Any) -> Mixed:
        mixed = await super().mix(*args, **kwargs)
        self.fit_s, self.render_s = mixed.fit_s, mixed.render_s
        return mixed


def main() -> int:
    blobs_root, ready_json = Path(sys.argv[1]), Path(sys.argv[2])
    ready = SpeechReady.model_validate_json(ready_json.read_bytes())
    times = asyncio.run(run(blobs_root, ready))
    # Largest single process: this one, or the biggest of its ffmpeg/rubberband children.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({**times, "maxrss_self_kb": own, "maxrss_children_kb": children}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
