"""Splits a recognised run of words into sentences, one dubbing line each (pure)."""

from collections.abc import Sequence

from libs.documents.transcript import Word

# A word ending in one of these (before any closing quotes or brackets) ends a sentence.
_SENTENCE_END = ".?!\u2026\u3002\uff1f\uff01"  # ellipsis, CJK full stop, full-width ? and !
_CLOSERS = "\"')]}\u201d\u2019\u00bb"  # curly quotes, guillemet


def ends_sentence(word: str) -> bool:
    """Whether `word` closes a sentence: "done.", "why?", "yes!\u201d"."""
    stripped = word.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def split_sentences(words: Sequence[Word]) -> list[list[Word]]:
    """Consecutive runs of `words`, each ending at a sentence end (the last may not)."""
    runs: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        current.append(word)
        if ends_sentence(word.text):
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs
