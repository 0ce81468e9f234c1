"""The words of a dub as artifacts: captions and the translation document (pure builders)."""

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic_core import to_json

from libs.documents.transcript import Transcript
from libs.events.catalogue import ArtifactKind
from libs.media.alignment import LinePlan
from libs.media.caption_layout import DEFAULT_RULES, CaptionRules, TimedText, layout_cues
from libs.media.captions import srt_text, to_srt, to_webvtt, webvtt_text
from services.mixer.artifact_files import ARTIFACT_FILES

# The translation document's own schema (what a client reading it may rely on).
TRANSLATION_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class WordsFile:
    """One words artifact ready to store: its kind, file name, content type and bytes."""

    kind: ArtifactKind
    name: str
    content_type: str
    data: bytes


def dubbed_lines(translation: Transcript, plans: Sequence[LinePlan]) -> list[TimedText]:
    """Each translated line where its dubbed clip sounds (lines without a plan are silent)."""
    texts = {s.index: s.text for s in translation.segments}
    return [TimedText(p.start, p.end, texts[p.index]) for p in plans if p.index in texts]


def words_files(
    transcript: Transcript | None,
    translation: Transcript,
    plans: Sequence[LinePlan],
    rules: CaptionRules = DEFAULT_RULES,
) -> list[WordsFile]:
    """The dubbed captions (aligned timing), the source captions and the translation JSON.

    The source transcript itself is published as the transcriber stored it (the brief's
    `transcript` blob), so it is not rebuilt here.
    """
    dubbed = layout_cues(dubbed_lines(translation, plans), rules)
    files = [
        _file("srt", srt_text(dubbed).encode()),
        _file("vtt", webvtt_text(dubbed).encode()),
    ]
    if transcript is not None:
        files += [
            _file("source_srt", to_srt(transcript.segments, rules).encode()),
            _file("source_vtt", to_webvtt(transcript.segments, rules).encode()),
        ]
    files.append(_file("translation", translation_document(transcript, translation, plans)))
    return files


def translation_document(
    transcript: Transcript | None, translation: Transcript, plans: Sequence[LinePlan] = ()
) -> bytes:
    """JSON: per segment its id, speaker, source and target text, source and dubbed timing."""
    source = {s.index: s for s in transcript.segments} if transcript is not None else {}
    placed = {p.index: p for p in plans}
    segments = []
    for seg in translation.segments:
        original, plan = source.get(seg.index), placed.get(seg.index)
        segments.append(
            {
                "id": seg.index,
                "speaker": seg.speaker,
                "start": seg.start,
                "end": seg.end,
                "source_text": original.text if original is not None else None,
                "text": seg.text,
                # Where the dubbed line sounds; null when nothing was spoken for it.
                "dubbed_start": plan.start if plan is not None else None,
                "dubbed_end": plan.end if plan is not None else None,
            }
        )
    doc = {
        "schema_version": TRANSLATION_SCHEMA_VERSION,
        "source_language": transcript.language if transcript is not None else None,
        "language": translation.language,
        "duration_s": translation.duration_s,
        "segments": segments,
    }
    return bytes(to_json(doc, indent=2))


def _file(kind: ArtifactKind, data: bytes) -> WordsFile:
    spec = ARTIFACT_FILES[kind]
    return WordsFile(kind, spec.name, spec.content_type, data)
