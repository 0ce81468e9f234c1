"""Preparing lines for Apertium and cleaning what it gives back (pure)."""

import re

# Apertium flags words it could not handle: *unknown (not in the dictionary), @untranslated
# (no bilingual entry), #ungenerated (no target form). `-u` drops most; any that remain are
# dropped here unless the source line itself used the character.
_MARKS = "*@#"
_SPACES = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?])")


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
    return _match_initial_case(source, text)


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
