"""A glossary file: JSON {"source term": "fixed rendering"} (pure but for the read)."""

import json
from pathlib import Path


class BadGlossary(ValueError):
    """The glossary file is not a JSON object of strings."""


def parse_glossary(text: str) -> dict[str, str]:
    """The terms; a term mapped to itself stays untranslated."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadGlossary(f"the glossary is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k.strip() for k, v in data.items()
    ):
        raise BadGlossary('the glossary must be a JSON object {"term": "rendering", ...}')
    return {k.strip(): v.strip() for k, v in data.items()}


def load_glossary(path: Path | None) -> dict[str, str]:
    """The glossary at `path`; empty when no file is configured."""
    return {} if path is None else parse_glossary(path.read_text(encoding="utf-8"))
