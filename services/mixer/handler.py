"""Mixer: `speech.ready` -> lines fitted, voice stem, mix (WAV, AAC), captions, the words,
the timeline, manifest -> `dub.ready`."""

from collections.abc import Awaitable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from libs.documents.speech_index import SpeechIndex
from libs.documents.transcript import Transcript
from libs.events.catalogue import Artifact, BlobRef, DubReady, JobBrief, Payload, SpeechReady
from libs.events.runner_config import RunnerConfig
from libs.events.stage import PermanentError, Stage
from libs.events.work import WorkItem
from libs.media.caption_layout import layout_cues
from libs.media.captions import srt_text, webvtt_text
from libs.media.dub_render import DubOutputs
from libs.media.line_fitting import ClipInput
from libs.storage.attempts import AttemptBlobs
from libs.storage.blob_store import BlobStore
from libs.storage.named_blobs import open_named, read_named
from libs.storage.scratch import scratch_folder
from services.mixer.companions import publish_companions
from services.mixer.engine import Mixed, MixEngine, MixOptions, MixRequest
from services.mixer.manifest import AudioFacts, build_manifest
from services.mixer.words import dubbed_lines


class Mixer(Stage[SpeechReady]):
    """Fits each line to its slot, mixes it over the background and publishes the outputs."""

    name = "mixer"
    consumes = SpeechReady
    # Rendering a programme's mix with ffmpeg: CPU-heavy, up to an hour of audio.
    runner_defaults = RunnerConfig(
        concurrency=2, ack_wait_s=60.0, max_deliver=4, backoff_base_s=5.0, handler_timeout_s=3600.0
    )

    def __init__(self, engine: MixEngine, blobs: BlobStore, options: MixOptions) -> None:
        self.engine = engine
        self.blobs = blobs
        self.options = options

    async def handle(self, ready: SpeechReady, work: WorkItem) -> Sequence[Payload]:
        job = ready.brief
        if job is None:
            raise PermanentError(
                "this speech.ready predates schema version 2 and does not name the"
                " background stem; submit the job again"
            )
        if job.voice is None:
            raise PermanentError(
                "this speech.ready was written before the voice stem travelled with the job,"
                " and the mix needs it to match each line's level; submit the job again"
            )
        out = AttemptBlobs(self.blobs, self.name, work)
        async with AsyncExitStack() as local:
            inputs = await self._inputs(ready, job, job.voice.blob, local)
            with scratch_folder("mix") as folder:
                outputs = DubOutputs(
                    folder / "mix.wav",
                    folder / "mix.m4a",
                    folder / "voice.wav",
                    folder / "voice.m4a",
                )
                request = MixRequest(
                    inputs.background, inputs.voice, inputs.clips, outputs, folder / "lines"
                )
                mixed = await self.engine.mix(request, self._options(job))
                artifacts = await self._publish(
                    job, ready.language, ready.provider, inputs, mixed, outputs, out
                )
        return [DubReady(language=ready.language, artifacts=artifacts)]

    def _options(self, job: JobBrief) -> MixOptions:
        """The configured render, at the loudness the job asked for."""
        wanted = job.options.loudness_target_lufs
        if wanted is None:  # the operator's default (REDUB_MIX_LOUDNESS_LUFS)
            return self.options
        return replace(self.options, target=replace(self.options.target, integrated_lufs=wanted))

    async def discard(self, work: WorkItem) -> None:
        await AttemptBlobs(self.blobs, self.name, work).discard()

    async def _inputs(
        self, ready: SpeechReady, job: JobBrief, voice: BlobRef, local: AsyncExitStack
    ) -> "MixInputs":
        def open_local(ref: BlobRef, what: str) -> Awaitable[Path]:
            return local.enter_async_context(open_named(self.blobs, ref, what))

        b = self.blobs
        index = SpeechIndex.model_validate_json(await read_named(b, ready.speech, "speech index"))
        translation = Transcript.from_json(await read_named(b, index.translation, "translation"))
        clips = [
            ClipInput(c.index, c.start, c.end, await open_local(c.blob, "spoken line"), c.speaker)
            for c in index.clips
        ]
        background = await open_local(job.background.blob, "background stem")
        voice_stem = await open_local(voice, "voice stem")
        voices = {c.index: c.voice for c in index.clips}
        return MixInputs(background, voice_stem, clips, translation, voices)

    async def _publish(
        self,
        job: JobBrief,
        lang: str,
        provider: str,
        inputs: "MixInputs",
        mixed: Mixed,
        outputs: DubOutputs,
        out: AttemptBlobs,
    ) -> list[Artifact]:
        def key(name: str) -> str:
            return out.key(f"{lang}/{name}")

        b = self.blobs
        # Captions follow where each dubbed line actually sounds, not the source timing.
        cues = layout_cues(dubbed_lines(inputs.translation, [line.plan for line in mixed.lines]))
        srt, vtt = srt_text(cues).encode(), webvtt_text(cues).encode()
        artifacts = [
            Artifact(kind="mix", blob=await b.move_file(key("mix.wav"), outputs.mix_wav, "audio/wav")),
            Artifact(kind="mix_aac", blob=await b.move_file(key("mix.m4a"), outputs.mix_aac, "audio/mp4")),
            Artifact(kind="voice", blob=await b.move_file(key("voice.wav"), outputs.voice_wav, "audio/wav")),
            Artifact(kind="voice_aac", blob=await b.move_file(key("voice.m4a"), outputs.voice_aac, "audio/mp4")),
            Artifact(kind="srt", blob=await b.put_bytes(key("captions.srt"), srt, "application/x-subrip")),
            Artifact(kind="vtt", blob=await b.put_bytes(key("captions.vtt"), vtt, "text/vtt")),
        ]  # fmt: skip
        target = self._options(job).target
        # The words (source transcript and captions, translation) and the timeline picture.
        artifacts += await publish_companions(
            b, key, job, lang, inputs.translation, mixed, target_lufs=target.integrated_lufs
        )
        facts = AudioFacts(
            duration_s=mixed.render.duration_s,
            target_lufs=target.integrated_lufs,
            target_true_peak_dbtp=target.true_peak_dbtp,
            tolerance_lu=target.tolerance_lu,
        )
        manifest = build_manifest(
            job,
            lang,
            artifacts,
            self.engine.name,
            mixed,
            facts,
            # The translation names the speech-to-text and translator that made it.
            providers={**inputs.translation.providers, "tts": provider},
            voices=inputs.voices,
            versions=await self.engine.versions(),
            max_ratio=self.options.max_ratio,
        )
        ref = await b.put_bytes(key("manifest.json"), manifest, "application/json")
        return [*artifacts, Artifact(kind="manifest", blob=ref)]


@dataclass(frozen=True, slots=True)
class MixInputs:
    """What the mix is made of: local paths, and the translation the lines speak."""

    background: Path
    voice: Path
    clips: list[ClipInput]
    translation: Transcript
    # Which voice spoke each line, by line index.
    voices: dict[int, str | None]
