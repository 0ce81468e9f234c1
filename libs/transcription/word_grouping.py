"""Groups recognised words into caption-sized segments by pauses (pure)."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from libs.documents.transcript import Segment

# Pocketsphinx marks alternate pronunciations as "word(2)"; the variant is irrelevant to text.
_VARIANT_SUFFIX = re.compile(r"\(\d+\)$")


@dataclass(frozen=True, slots=True)
class TimedWord:
    """A recognised word with absolute times in seconds."""

    text: str
    start: float
    end: float


def clean_word(raw: str) -> str | None:
    """The printable form of a decoder token, or None for silences, fillers and noise markers."""
    word = _VARIANT_SUFFIX.sub("", raw.strip())
    if not word or word[0] in "<[(+" or word.startswith("++"):
        return None
    return word


def group_words(
    words: Iterable[TimedWord], *, max_gap_s: float = 0.5, max_segment_s: float = 8.0
) -> list[Segment]:
    """Split words into segments at pauses longer than `max_gap_s` or past `max_segment_s`."""
    groups: list[list[TimedWord]] = []
    for word in sorted(words, key=lambda w: w.start):
        current = groups[-1] if groups else None
        if (
            current is None
            or word.start - current[-1].end > max_gap_s
            or word.end - current[0].start > max_segment_s
        ):
            groups.append([word])
        else:
            current.append(word)
    return [_to_segment(i, group) for i, group in enumerate(groups)]


def _to_segment(index: int, group: Sequence[TimedWord]) -> Segment:
    return Segment(
        index=index,
        start=round(group[0].start, 3),
        end=round(max(w.end for w in group), 3),
        text=" ".join(w.text for w in group),
    )
