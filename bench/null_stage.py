"""Backbone-only launcher (`--handlers null`): a stage whose handler emits the same events
as the real one but touches no storage and no media, so the figure isolates the event store,
the outbox, the runner and the bus.

Run as `python -m bench.null_stage <stage>` with the stage's environment.
"""

import asyncio
import hashlib
import sys
from collections.abc import Sequence
from typing import Any, cast

from libs.config.settings import Settings, get_settings
from libs.events.catalogue import (
    Artifact,
    BlobRef,
    DubReady,
    JobSubmitted,
    Payload,
    SpeechReady,
    TranscriptReady,
    TranslationReady,
)
from libs.events.envelope import RecordedEvent
from libs.events.stage import Stage
from libs.events.work import WorkItem
from libs.observability.logging import configure_logging
from redub.registry import STAGES
from redub.runtime.connections import Connections
from redub.runtime.serve_stage import serve_stage

KINDS = ("mix", "voice", "srt", "vtt", "manifest")


def _ref(event: RecordedEvent, name: str) -> BlobRef:
    key = f"jobs/{event.job_id}/{name}"
    return BlobRef(
        key=key,
        size=1,
        sha256=hashlib.sha256(key.encode()).hexdigest(),
        content_type="application/octet-stream",
    )


class NullStage(Stage[Payload]):
    """The real stage's consumer, items and event types; no work in between."""

    def __init__(self, real: Stage[Any]) -> None:
        self.real = real
        self.name = real.name  # type: ignore[misc]
        self.consumes = real.consumes
        self.runner_defaults = real.runner_defaults  # type: ignore[misc]

    def work_items(self, payload: Payload) -> Sequence[str]:
        return self.real.work_items(payload)

    async def handle(self, p: Payload, work: WorkItem) -> Sequence[Payload]:
        event, item = work.event, work.item
        if isinstance(p, JobSubmitted):
            return [
                TranscriptReady(
                    transcript=_ref(event, "t.json"),
                    segments=1,
                    duration_s=p.voice.duration_s,
                    target_languages=p.target_languages,
                    provider="null",
                )
            ]
        if isinstance(p, TranscriptReady):
            return [
                TranslationReady(
                    language=item,
                    translation=_ref(event, f"{item}/tr.json"),
                    segments=1,
                    provider="null",
                )
            ]
        if isinstance(p, TranslationReady):
            return [
                SpeechReady(
                    language=p.language,
                    speech=_ref(event, f"{p.language}/s.json"),
                    clips=1,
                    duration_s=1.0,
                    provider="null",
                )
            ]
        ready = cast(SpeechReady, p)
        return [
            DubReady(
                language=ready.language,
                artifacts=[
                    Artifact(kind=k, blob=_ref(event, f"{ready.language}/{k}")) for k in KINDS
                ],
            )
        ]


def build(settings: Settings, conns: Connections) -> Stage[Any]:
    """The null twin of the stage named on the command line."""
    return NullStage(STAGES[sys.argv[1]](settings, conns))


if __name__ == "__main__":
    settings = get_settings()
    configure_logging(settings.log_level, service=sys.argv[1])
    asyncio.run(serve_stage(settings, build))
