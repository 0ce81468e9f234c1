"""The mixer stage on golden programmes: real speech and espeak-ng dubs, measured outputs.

A 30-second programme holds lines that fit, lines that must be compressed, lines that
borrow the silence after them and lines that cannot fit; the real engine (Rubber Band,
ffmpeg) renders it and `dub_checks` measures what came out.
"""

from pathlib import Path
from uuid import uuid4

import pytest

from libs.documents.speech_index import ClipEntry, SpeechIndex
from libs.events.catalogue import BlobRef, DubReady, JobBrief, SpeechReady, Stem
from libs.storage.blob_store import BlobStore
from services.mixer.engine import FfmpegMixEngine, MixOptions
from services.mixer.handler import Mixer
from tests.support.builders import recorded
from tests.support.dub_checks import REQUIRED_KINDS, DubMeasures, check_dub
from tests.support.programmes import Programme, build_programme
from tests.support.stages import attempt, blob_store, only, stored


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Programme:
    return build_programme(tmp_path_factory.mktemp("golden"), seconds=30.0, language="fr")


async def test_the_golden_programme_dubs_to_every_measure(
    programme: Programme, tmp_path: Path
) -> None:
    blobs = blob_store(tmp_path)
    ready = await _speech_ready(blobs, programme)
    options = MixOptions()
    stage = Mixer(FfmpegMixEngine(), blobs, options)

    out = only(await stage.handle(ready, attempt(recorded(ready))), DubReady)

    files = {}
    for a in out.artifacts:
        files[a.kind] = tmp_path / "out" / a.blob.key.rsplit("/", 1)[-1]
        files[a.kind].parent.mkdir(exist_ok=True)
        files[a.kind].write_bytes(await stored(blobs, a.blob))
    measures = check_dub(
        files,
        programme,
        target_lufs=options.target.integrated_lufs,
        tolerance_lu=options.target.tolerance_lu,
        true_peak_max=options.target.true_peak_dbtp,
        max_ratio=options.max_ratio,
    )
    _report(measures)
    assert sorted(files) == sorted(REQUIRED_KINDS)
    assert measures.lines == len(programme.lines)
    assert measures.compressed >= 2 and measures.borrowed >= 1 and measures.overflowing >= 1


async def _speech_ready(blobs: BlobStore, p: Programme) -> SpeechReady:
    """The speech.ready a synthesizer would publish for the programme, blobs stored."""
    prefix = f"golden/{uuid4().hex}"

    async def put(name: str, path: Path, content_type: str) -> BlobRef:
        return await blobs.put_file(f"{prefix}/{name}", path, content_type)

    async def put_bytes(name: str, data: bytes) -> BlobRef:
        return await blobs.put_bytes(f"{prefix}/{name}", data, "application/json")

    background = await put("background.wav", p.background, "audio/wav")
    voice = await put("voice.wav", p.voice, "audio/wav")
    transcript = await put_bytes("transcript.json", p.transcript.to_json().encode())
    translation = await put_bytes("translation.json", p.translation.to_json().encode())
    clips = []
    for g in p.lines:
        ref = await put(f"clips/{g.index}.wav", g.clip, "audio/wav")
        clips.append(
            ClipEntry(
                index=g.index,
                start=g.start,
                end=g.end,
                duration_s=g.clip_s,
                blob=ref,
                speaker=g.speaker,
                voice=f"espeak-ng {p.language}",
            )
        )
    index = SpeechIndex(language=p.language, translation=translation, clips=clips)
    speech = await put_bytes("speech.json", index.model_dump_json().encode())
    brief = JobBrief(
        job_id=uuid4(),
        source_language="en",
        background=Stem(upload_id=uuid4(), blob=background, duration_s=p.duration_s),
        voice=Stem(upload_id=uuid4(), blob=voice, duration_s=p.duration_s),
        transcript=transcript,
    )
    return SpeechReady(
        language=p.language,
        speech=speech,
        clips=len(clips),
        duration_s=p.duration_s,
        provider="espeak",
        brief=brief,
    )


def _report(m: DubMeasures) -> None:
    # Printed with -s: the figures the closing note quotes.
    print(
        f"golden fr: {m.lines} lines ({m.compressed} compressed, {m.borrowed} borrowing,"
        f" {m.overflowing} overflowing, highest ratio {m.highest_ratio}),"
        f" mix {m.integrated_lufs} LUFS / {m.true_peak_dbtp} dBTP, {m.cues} cues,"
        f" frames {m.frames}"
    )
