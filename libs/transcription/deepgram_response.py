"""Deepgram's pre-recorded `/v1/listen` response, read into our transcript (pure)."""

from pydantic import BaseModel, ConfigDict, ValidationError

from libs.documents.transcript import Segment, Transcript, Word


class _Word(BaseModel):
    word: str
    start: float
    end: float
    confidence: float | None = None
    speaker: int | None = None
    punctuated_word: str | None = None


class _Utterance(BaseModel):
    start: float
    end: float
    confidence: float | None = None
    transcript: str
    speaker: int | None = None
    words: list[_Word] = []


class _Results(BaseModel):
    # Present when the request asked for `utterances=true` (we always do).
    utterances: list[_Utterance]


class _Metadata(BaseModel):
    duration: float
    request_id: str | None = None


class ListenResponse(BaseModel):
    """The parts of the response we rely on; anything else is ignored."""

    model_config = ConfigDict(extra="ignore")
    metadata: _Metadata
    results: _Results


class UnreadableResponse(ValueError):
    """The body is not the documented response."""


def parse_listen(body: bytes | str) -> ListenResponse:
    """The response, or `UnreadableResponse` with what is wrong."""
    try:
        return ListenResponse.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UnreadableResponse(f"{where}: {first['msg']}") from exc


def speaker_label(speaker: int | None) -> str | None:
    """Our label for a diarized speaker number."""
    return None if speaker is None else f"speaker_{speaker}"


def _unit(value: float | None) -> float | None:
    return None if value is None else min(1.0, max(0.0, value))


def to_transcript(response: ListenResponse, language: str) -> Transcript:
    """One segment per utterance with its words (punctuated forms), speaker, confidence."""
    segments: list[Segment] = []
    for utterance in sorted(response.results.utterances, key=lambda u: u.start):
        text = " ".join(utterance.transcript.split())
        if not text:
            continue
        start = max(0.0, utterance.start)
        words = [
            Word(
                text=w.punctuated_word or w.word,
                start=max(0.0, w.start),
                end=max(0.0, w.start, w.end),
                confidence=_unit(w.confidence),
            )
            for w in utterance.words
        ]
        segments.append(
            Segment(
                index=len(segments),
                start=start,
                end=max(start, utterance.end),
                text=text,
                speaker=speaker_label(utterance.speaker),
                words=words,
                confidence=_unit(utterance.confidence),
            )
        )
    return Transcript(
        language=language, duration_s=max(0.0, response.metadata.duration), segments=segments
    )
