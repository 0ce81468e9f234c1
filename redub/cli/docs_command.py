"""`redub docs events`: render docs/events.md from the event catalogue."""

import sys
from pathlib import Path

from libs.events.catalogue_docs import render


def run_docs(out: Path | None, check: bool) -> int:
    """Write the rendering to `out` (or stdout); with `check`, only compare and say so."""
    text = render()
    if check:
        if out is None or not out.exists() or out.read_text() != text:
            print(f"redub: {out} is stale; run `redub docs events --out {out}`", file=sys.stderr)
            return 1
        return 0
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    return 0
