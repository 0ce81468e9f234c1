"""Errors raised when media cannot be read or produced."""


class MediaError(RuntimeError):
    """A file is not usable audio, or ffmpeg failed to process it; the message is for people."""
