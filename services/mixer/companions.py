"""The artifacts that go with a language's audio: the words and the timeline picture.

One call for the handler once the mix is rendered: the source transcript (the blob the
transcriber stored, published as is), the source captions, the translation document, and
the timeline as PNG and SVG. The dubbed captions stay with the handler (it writes them
already).
"""

import asyncio
from collections.abc import Callable

from libs.documents.transcript import Transcript
from libs.events.catalogue import Artifact, ArtifactKind, JobBrief
from libs.media.timeline import scene_png, scene_svg
from libs.media.timeline_scene import timeline_scene
from libs.storage.blob_store import BlobStore
from libs.storage.named_blobs import read_named
from services.mixer.artifact_files import ARTIFACT_FILES
from services.mixer.engine import Mixed
from services.mixer.words import words_files

# Written by the handler itself.
_HANDLER_KINDS = frozenset({"srt", "vtt"})


async def publish_companions(
    blobs: BlobStore,
    key: Callable[[str], str],
    brief: JobBrief,
    language: str,
    translation: Transcript,
    mixed: Mixed,
    target_lufs: float | None = None,
) -> list[Artifact]:
    """Stores the words and timeline artifacts under `key(file name)`; returns them in order."""
    plans = [line.plan for line in mixed.lines]
    artifacts: list[Artifact] = []
    source: Transcript | None = None
    if brief.transcript is not None:
        raw = await read_named(blobs, brief.transcript, "source transcript")
        source = Transcript.from_json(raw)
        artifacts.append(Artifact(kind="transcript", blob=brief.transcript))
    for f in words_files(source, translation, plans):
        if f.kind not in _HANDLER_KINDS:
            ref = await blobs.put_bytes(key(f.name), f.data, f.content_type)
            artifacts.append(Artifact(kind=f.kind, blob=ref))
    scene = timeline_scene(
        plans,
        mixed.render.duration_s,
        [(p.t, p.lufs) for p in mixed.render.curve],
        target_lufs=target_lufs,
        title=f"{brief.source_language} -> {language}",
    )
    # Drawing an hour's PNG takes a moment of CPU: off the event loop.
    png = await asyncio.to_thread(scene_png, scene)
    pictures: list[tuple[ArtifactKind, bytes]] = [
        ("timeline_png", png),
        ("timeline_svg", scene_svg(scene).encode()),
    ]
    for kind, data in pictures:
        spec = ARTIFACT_FILES[kind]
        ref = await blobs.put_bytes(key(spec.name), data, spec.content_type)
        artifacts.append(Artifact(kind=kind, blob=ref))
    return artifacts
