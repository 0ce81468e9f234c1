"""A synthetic programme for the mixer benchmark: a background bed, an original voice stem with
speech where its lines are, espeak-ng lines to fit (some too long), stored as the mixer reads
them (speech index, translation, stems in a local blob store)."""

import asyncio
import random
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from libs.documents.speech_index import ClipEntry, SpeechIndex
from libs.documents.transcript import Segment, Transcript
from libs.events.catalogue import BlobRef, JobBrief, SpeechReady, Stem
from libs.storage.local_store import LocalBlobStore

SENTENCES = [
    "Bonjour à tous, et bienvenue dans notre émission de ce soir.",
    "Nous avons beaucoup de choses à vous montrer aujourd'hui.",
    "Regardez bien, car tout va très vite.",
    "Je ne sais pas si vous avez remarqué ce détail, mais il change tout.",
    "D'accord.",
    "Après la pause, nous retrouverons nos invités pour la suite de cette histoire.",
    "C'est incroyable, vraiment.",
    "Il faut absolument que tu viennes voir ça avec moi demain matin.",
]
VOICE_RATE = 16_000


@dataclass(frozen=True, slots=True)
class Programme:
    """Where the stored programme is and the event that asks for its mix."""

    blobs_root: Path
    ready: SpeechReady
    background: Path
    seconds: float
    lines: int


def build_programme(folder: Path, seconds: float, lines: int, seed: int = 15) -> Programme:
    """Generate and store a programme of `seconds` with `lines` spoken lines."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    clips = [_espeak(folder / f"clip-{n}.wav", text) for n, text in enumerate(SENTENCES)]
    lengths = [soundfile.info(str(c)).duration for c in clips]
    slot = seconds / lines
    timing: list[tuple[int, float, float, int]] = []
    for i in range(lines):
        pick = rng.randrange(len(clips))
        start = i * slot + rng.uniform(0.0, 0.4)
        # Most originals a little longer than their dubbed line, some shorter (to compress),
        # a few much shorter than a long line (overflow).
        spoken = lengths[pick] * rng.choice([0.7, 0.9, 1.0, 1.1, 1.2, 1.3])
        end = min(start + spoken, (i + 1) * slot - 0.1, seconds)
        timing.append((i, start, end, pick))
    background = folder / "background.wav"
    _bed(background, seconds)
    voice = folder / "voice.wav"
    _voice_stem(voice, clips, timing, seconds)

    blobs = LocalBlobStore(folder / "blobs", secret=b"bench", base_url="http://bench")
    return Programme(
        folder / "blobs",
        _store(blobs, background, voice, clips, lengths, timing, seconds),
        background,
        seconds,
        lines,
    )


def _espeak(out: Path, text: str) -> Path:
    subprocess.run(["espeak-ng", "-v", "fr", "-w", str(out), text], check=True)
    return out


def _bed(out: Path, seconds: float) -> None:
    # Pink noise swelling slowly plus a low hum: a stand-in for music and effects, 48 kHz stereo.
    source = (
        f"anoisesrc=c=pink:a=0.1:r=48000:d={seconds}:seed=15,"
        "volume='0.55+0.45*sin(2*PI*t/13)':eval=frame"
    )
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-ac", "2",
         "-c:a", "pcm_s16le", str(out)],
        check=True,
    )  # fmt: skip


def _voice_stem(
    out: Path, clips: list[Path], timing: list[tuple[int, float, float, int]], seconds: float
) -> None:
    """The original voice: each line's clip (16 kHz) cut to its span, silence between."""
    decoded = [_decode16k(c) for c in clips]
    total = round(seconds * VOICE_RATE)
    with soundfile.SoundFile(str(out), "w", VOICE_RATE, 1, "PCM_16") as wav:
        written = 0
        for _, start, end, pick in timing:
            first, last = round(start * VOICE_RATE), round(end * VOICE_RATE)
            wav.write(np.zeros(max(0, first - written), dtype=np.float32))
            speech = decoded[pick][: last - first]
            wav.write(speech)
            written = first + len(speech)
        wav.write(np.zeros(max(0, total - written), dtype=np.float32))


def _decode16k(path: Path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-ac", "1", "-ar",
         str(VOICE_RATE), "-f", "f32le", "-"],
        check=True,
        capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.float32)


def _store(
    blobs: LocalBlobStore,
    background: Path,
    voice: Path,
    clips: list[Path],
    lengths: list[float],
    timing: list[tuple[int, float, float, int]],
    seconds: float,
) -> SpeechReady:
    async def put() -> SpeechReady:
        bg_ref = await blobs.put_file("uploads/bench/background.wav", background, "audio/wav")
        voice_ref = await blobs.put_file("uploads/bench/voice.wav", voice, "audio/wav")
        clip_refs: list[BlobRef] = [
            await blobs.put_file(f"uploads/bench/clip-{n}.wav", c, "audio/wav")
            for n, c in enumerate(clips)
        ]
        translation = Transcript(
            language="fr",
            duration_s=seconds,
            segments=[
                Segment(index=i, start=s, end=e, text=SENTENCES[pick]) for i, s, e, pick in timing
            ],
        )
        tr_ref = await blobs.put_bytes(
            "jobs/bench/translation.json", translation.to_json().encode(), "application/json"
        )
        index = SpeechIndex(
            language="fr",
            translation=tr_ref,
            clips=[
                ClipEntry(index=i, start=s, end=e, duration_s=lengths[p], blob=clip_refs[p])
                for i, s, e, p in timing
            ],
        )
        speech_ref = await blobs.put_bytes(
            "jobs/bench/speech.json", index.model_dump_json().encode(), "application/json"
        )
        brief = JobBrief(
            job_id=uuid.uuid4(),
            source_language="en",
            background=Stem(upload_id=uuid.uuid4(), blob=bg_ref, duration_s=seconds),
            voice=Stem(upload_id=uuid.uuid4(), blob=voice_ref, duration_s=seconds),
        )
        return SpeechReady(
            language="fr",
            speech=speech_ref,
            clips=len(timing),
            duration_s=seconds,
            provider="espeak",
            brief=brief,
        )

    return asyncio.run(put())
