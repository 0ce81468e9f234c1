"""Reading server log files for error messages."""

from pathlib import Path


def log_tail(path: Path, lines: int = 40) -> str:
    """Return the last `lines` lines of the log at `path`, or a note if it is missing."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])
