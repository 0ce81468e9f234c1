"""Preparing lines for Apertium and cleaning what it gives back (pure)."""

import re

# Apertium flags words it could not handle: *unknown (not in the dictionary), @untranslated
# (no bilingual entry), #ungenerated (no target form). `-u` drops most; any that remain are
# dropped here unless the source line itself used the character.
_MARKS = "*@#"
_SPACES = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?])")
# A word and whether it starts a sentence: at the start of the line or after . ! ? (past
# any quotes, dashes or brackets).
_WORD = re.compile(r"(?:^|(?<=[.!?\u2026]))([\s\"'\u201c\u00ab(\[-]*)(\w+)|(\w+)")


def prepare_line(text: str) -> str:
    """One source line on one physical line (Apertium's input is newline-separated)."""
    return _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()


def clean_output(source: str, output: str) -> str:
    """Apertium's translation of `source` without its marks, stray spaces or lost capital."""
    text = output
    for mark in _MARKS:
        if mark not in source:
            text = re.sub(rf"{re.escape(mark)}(?=\w)", "", text)
    text = _SPACES.sub(" ", text).strip()
    if not _SPACE_BEFORE_PUNCT.search(source):
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    if not _capitalised_inside(source):
        text = _lower_inside(text)
    return _match_initial_case(source, text)


def _words(text: str) -> list[tuple[str, bool]]:
    """(word, starts a sentence) for every word of `text`."""
    out: list[tuple[str, bool]] = []
    for match in _WORD.finditer(text):
        if match.group(2) is not None:
            out.append((match.group(2), True))
        else:
            out.append((match.group(3), False))
    return out


def _capitalised_inside(source: str) -> bool:
    # "I" is always upper case in English and says nothing about names.
    return any(w[0].isupper() and w != "I" for w, first in _words(source) if not first)


def _lower_inside(text: str) -> str:
    # Apertium capitalises some words mid-sentence ("Gracias Para escuchar"); when the
    # source had no capital inside a sentence (so no names), neither does the translation.
    def lower(match: re.Match[str]) -> str:
        word = match.group(3)
        if word is not None and word[0].isupper() and word[1:].islower():
            return word.lower()
        return match.group(0)

    return _WORD.sub(lower, text)


def _match_initial_case(source: str, text: str) -> str:
    # Apertium sometimes lower-cases a line's first word ("I saw" -> "vi"); a caption that
    # started with a capital keeps one.
    src = next((c for c in source if c.isalpha()), "")
    for i, c in enumerate(text):
        if c.isalpha():
            if src.isupper() and c.islower():
                return text[:i] + c.upper() + text[i + 1 :]
            return text
    return text
