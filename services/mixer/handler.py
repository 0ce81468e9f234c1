"""Mixer: `speech.ready` -> voice stem, mix, captions and manifest -> `dub.ready`."""

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from libs.events.catalogue import Artifact, BlobRef, DubReady, Payload, SpeechReady
from libs.events.envelope import RecordedEvent
from libs.events.stage import PermanentError, Stage
from libs.events.store import EventStore
from libs.media.captions import to_srt, to_webvtt
from libs.media.mixdown import PlacedClip
from libs.storage.blob_store import BlobStore
from libs.storage.keys import language_key
from libs.transcription.segment import Transcript
from services.mixer.engine import MixEngine
from services.mixer.manifest import build_manifest
from services.synthesizer.speech_index import SpeechIndex


class Mixer(Stage):
    """Places each clip at its line's start over the background and publishes the outputs."""

    name = "mixer"
    consumes = (SpeechReady.type,)

    def __init__(self, engine: MixEngine, blobs: BlobStore, store: EventStore) -> None:
        self.engine = engine
        self.blobs = blobs
        self.store = store

    async def handle(self, event: RecordedEvent, item: str) -> Sequence[Payload]:
        ready = cast(SpeechReady, event.payload)
        job = await self.store.load_view(event.job_id)
        if job is None:
            raise PermanentError(f"job {event.job_id} has no view")
        lang = ready.language
        index = SpeechIndex.model_validate_json(
            await asyncio.to_thread(self.blobs.read_bytes, ready.speech.key)
        )
        translation = Transcript.from_json(
            await asyncio.to_thread(self.blobs.read_bytes, index.translation.key)
        )
        background = await asyncio.to_thread(self.blobs.local_path, job.background.blob.key)
        clips = [
            PlacedClip(await asyncio.to_thread(self.blobs.local_path, c.blob.key), c.start)
            for c in index.clips
        ]

        def put(name: str, data: bytes, content_type: str) -> BlobRef:
            return self.blobs.put_bytes(language_key(event.job_id, lang, name), data, content_type)

        with tempfile.TemporaryDirectory(prefix="redub-mix-") as tmp:
            voice_out, mix_out = Path(tmp) / "voice.wav", Path(tmp) / "mix.wav"
            await self.engine.render(background, clips, voice_out, mix_out)
            voice = await asyncio.to_thread(
                self.blobs.put_file,
                language_key(event.job_id, lang, "voice.wav"),
                voice_out,
                "audio/wav",
            )
            mix = await asyncio.to_thread(
                self.blobs.put_file,
                language_key(event.job_id, lang, "mix.wav"),
                mix_out,
                "audio/wav",
            )
        srt = await asyncio.to_thread(
            put, "captions.srt", to_srt(translation.segments).encode(), "application/x-subrip"
        )
        vtt = await asyncio.to_thread(
            put, "captions.vtt", to_webvtt(translation.segments).encode(), "text/vtt"
        )
        artifacts = [
            Artifact(kind="mix", blob=mix),
            Artifact(kind="voice", blob=voice),
            Artifact(kind="srt", blob=srt),
            Artifact(kind="vtt", blob=vtt),
        ]
        manifest = build_manifest(job, lang, artifacts, self.engine.name)
        ref = await asyncio.to_thread(put, "manifest.json", manifest, "application/json")
        return [
            DubReady(language=lang, artifacts=[*artifacts, Artifact(kind="manifest", blob=ref)])
        ]
