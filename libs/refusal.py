"""A refusal whose sender can act on it: `code` for machines, `message` for people."""


class Refused(Exception):
    """Raised where an input is refused for a reason its sender can put right (or at least
    read); a subclass adds the built-in kind callers already catch it as."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
