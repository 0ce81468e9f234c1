"""What-if launcher (`--no-ffprobe`): the transcriber stage with the instant STT told the
stems' duration, so no ffprobe process runs per job.

Measures what the change proposed for `libs/runtime/providers.py` would buy, without
touching it. Run as `python -m bench.probe_free_transcriber` with the stage's environment.
"""

import asyncio

from bench.stems import DURATION_S
from libs.config.settings import Settings, get_settings
from libs.events.stage import Stage
from libs.observability.logging import configure_logging
from libs.runtime.connections import Connections
from libs.runtime.serve_stage import serve_stage
from libs.transcription.instant_stt import InstantSpeechToText
from services.transcriber.handler import Transcriber


def build(settings: Settings, conns: Connections) -> Stage:
    """The transcriber with a probe-free instant STT."""
    return Transcriber(InstantSpeechToText(duration_s=DURATION_S), conns.blobs)


if __name__ == "__main__":
    settings = get_settings()
    configure_logging(settings.log_level, service="transcriber")
    asyncio.run(serve_stage(settings, build))
