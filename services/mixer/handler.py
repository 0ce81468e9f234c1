"""Mixer: `speech.ready` -> voice stem, mix, captions and manifest -> `dub.ready`."""

from collections.abc import Awaitable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from libs.documents.speech_index import SpeechIndex
from libs.documents.transcript import Segment, Transcript
from libs.events.catalogue import Artifact, BlobRef, DubReady, JobBrief, Payload, SpeechReady
from libs.events.runner_config import RunnerConfig
from libs.events.stage import PermanentError, Stage
from libs.events.work import WorkItem
from libs.media.captions import to_srt, to_webvtt
from libs.media.mixdown import PlacedClip
from libs.storage.attempts import AttemptBlobs
from libs.storage.blob_store import BlobStore
from libs.storage.named_blobs import open_named, read_named
from libs.storage.scratch import scratch_files
from services.mixer.engine import MixEngine
from services.mixer.manifest import build_manifest


class Mixer(Stage[SpeechReady]):
    """Places each clip at its line's start over the background and publishes the outputs."""

    name = "mixer"
    consumes = SpeechReady
    # Rendering a programme's mix with ffmpeg: CPU-heavy, up to an hour of audio.
    runner_defaults = RunnerConfig(
        concurrency=2, ack_wait_s=60.0, max_deliver=4, backoff_base_s=5.0, handler_timeout_s=3600.0
    )

    def __init__(self, engine: MixEngine, blobs: BlobStore) -> None:
        self.engine = engine
        self.blobs = blobs

    async def handle(self, ready: SpeechReady, work: WorkItem) -> Sequence[Payload]:
        job = ready.brief
        if job is None:
            raise PermanentError(
                "this speech.ready predates schema version 2 and does not name the"
                " background stem; submit the job again"
            )
        out = AttemptBlobs(self.blobs, self.name, work)
        async with AsyncExitStack() as local:
            inputs = await self._inputs(ready, job, local)
            with scratch_files("voice.wav", "mix.wav") as [voice_out, mix_out]:
                await self.engine.render(inputs.background, inputs.clips, voice_out, mix_out)
                artifacts = await self._publish(
                    job, ready.language, inputs.captions, voice_out, mix_out, out
                )
        return [DubReady(language=ready.language, artifacts=artifacts)]

    async def discard(self, work: WorkItem) -> None:
        await AttemptBlobs(self.blobs, self.name, work).discard()

    async def _inputs(
        self, ready: SpeechReady, job: JobBrief, local: AsyncExitStack
    ) -> "MixInputs":
        def open_local(ref: BlobRef, what: str) -> Awaitable[Path]:
            return local.enter_async_context(open_named(self.blobs, ref, what))

        b = self.blobs
        index = SpeechIndex.model_validate_json(await read_named(b, ready.speech, "speech index"))
        translation = Transcript.from_json(await read_named(b, index.translation, "translation"))
        clips = [PlacedClip(await open_local(c.blob, "spoken line"), c.start) for c in index.clips]
        background = await open_local(job.background.blob, "background stem")
        return MixInputs(background, clips, translation.segments)

    async def _publish(
        self,
        job: JobBrief,
        lang: str,
        captions: Sequence[Segment],
        voice: Path,
        mix: Path,
        out: AttemptBlobs,
    ) -> list[Artifact]:
        def key(name: str) -> str:
            return out.key(f"{lang}/{name}")

        b = self.blobs
        srt, vtt = to_srt(captions).encode(), to_webvtt(captions).encode()
        artifacts = [
            Artifact(kind="mix", blob=await b.move_file(key("mix.wav"), mix, "audio/wav")),
            Artifact(kind="voice", blob=await b.move_file(key("voice.wav"), voice, "audio/wav")),
            Artifact(
                kind="srt",
                blob=await b.put_bytes(key("captions.srt"), srt, "application/x-subrip"),
            ),
            Artifact(kind="vtt", blob=await b.put_bytes(key("captions.vtt"), vtt, "text/vtt")),
        ]
        manifest = build_manifest(job, lang, artifacts, self.engine.name)
        ref = await b.put_bytes(key("manifest.json"), manifest, "application/json")
        return [*artifacts, Artifact(kind="manifest", blob=ref)]


@dataclass(frozen=True, slots=True)
class MixInputs:
    """What the mix is made of: local paths and the lines for the captions."""

    background: Path
    clips: list[PlacedClip]
    captions: list[Segment]
