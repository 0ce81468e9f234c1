"""The words and timeline artifacts, stored next to a rendered mix."""

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from uuid import uuid4

from PIL import Image

from libs.documents.transcript import Segment, Transcript
from libs.events.catalogue import JobBrief, Stem
from libs.media.alignment import LinePlan
from libs.media.dub_render import DubRender
from libs.media.line_fitting import FittedLine
from libs.media.loudness_report import CurvePoint, Loudness
from libs.media.timeline_scene import HEIGHT, WIDTH
from services.mixer.companions import publish_companions
from services.mixer.engine import Mixed
from tests.support.builders import blob
from tests.support.stages import blob_store

SOURCE = Transcript(
    language="en",
    duration_s=10.0,
    segments=[
        Segment(index=0, start=1.0, end=3.0, text="Hello there.", speaker="A"),
        Segment(index=1, start=4.0, end=6.0, text="Goodbye now.", speaker="B"),
    ],
)
TRANSLATION = SOURCE.model_copy(
    update={
        "language": "fr",
        "segments": [
            SOURCE.segments[0].model_copy(update={"text": "Bonjour."}),
            SOURCE.segments[1].model_copy(update={"text": "Au revoir."}),
        ],
    }
)
PLANS = [
    LinePlan(0, 1.0, 3.0, 4.0, 1.0, 3.4, 1.1, 0.4, 0.0, "A"),
    LinePlan(1, 4.0, 6.0, 10.0, 4.0, 6.0, 1.25, 0.0, 0.2, "B"),
]
MIXED = Mixed(
    lines=[FittedLine(p, Path("/nowhere.wav"), -24.0, -20.0, -4.0) for p in PLANS],
    render=DubRender(
        frames=480_000,
        loudness=Loudness(-23.0, -2.0),
        gain_db=-3.0,
        limited=False,
        on_target=True,
        curve=[CurvePoint(t / 10, None if t < 10 else -23.0) for t in range(100)],
    ),
)


def _brief(transcript: bool) -> JobBrief:
    return JobBrief(
        job_id=uuid4(),
        source_language="en",
        background=Stem(upload_id=uuid4(), blob=blob("bed"), duration_s=10.0),
        transcript=blob("t") if transcript else None,
    )


async def test_words_and_timeline_are_stored_under_the_attempts_keys(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    ref = await blobs.put_bytes(
        "jobs/j/transcriber/1/transcript.json", SOURCE.to_json().encode(), "application/json"
    )
    brief = _brief(True).model_copy(update={"transcript": ref})

    artifacts = await publish_companions(
        blobs, lambda name: f"jobs/j/mixer/1/fr/{name}", brief, "fr", TRANSLATION, MIXED, -23.0
    )

    kinds = [a.kind for a in artifacts]
    assert kinds == [
        "transcript",
        "source_srt",
        "source_vtt",
        "translation",
        "timeline_png",
        "timeline_svg",
    ]
    by_kind = {a.kind: a.blob for a in artifacts}
    assert by_kind["transcript"] == ref
    for kind in kinds[1:]:
        assert by_kind[kind].key.startswith("jobs/j/mixer/1/fr/")
    names = {k: by_kind[k].key.rsplit("/", 1)[-1] for k in kinds}
    assert names["source_srt"] == "source.srt" and names["timeline_png"] == "timeline.png"
    doc = json.loads(await blobs.read_bytes(by_kind["translation"].key))
    assert [(s["id"], s["dubbed_end"]) for s in doc["segments"]] == [(0, 3.4), (1, 6.0)]
    png = Image.open(io.BytesIO(await blobs.read_bytes(by_kind["timeline_png"].key)))
    assert (png.format, png.size) == ("PNG", (WIDTH, HEIGHT))
    assert by_kind["timeline_png"].content_type == "image/png"
    svg = ET.fromstring(await blobs.read_bytes(by_kind["timeline_svg"].key))
    dubbed = [e for e in svg.iter("{http://www.w3.org/2000/svg}rect") if e.get("class") == "dub"]
    assert len(dubbed) == 2


async def test_without_a_source_transcript_only_translation_and_timeline(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    artifacts = await publish_companions(
        blobs, lambda name: f"k/{name}", _brief(False), "fr", TRANSLATION, MIXED
    )
    assert [a.kind for a in artifacts] == ["translation", "timeline_png", "timeline_svg"]
