"""Which object keys every store accepts: relative, slash-separated, nothing that climbs."""


class InvalidKey(ValueError):
    """A key (or prefix) that is empty, absolute, or has an empty, "." or ".." part."""


def check_key(key: str) -> str:
    """`key` if it is a valid object key; `InvalidKey` otherwise."""
    # Lexical (no filesystem calls), so a remote store refuses exactly what the local one does.
    if not key or key[0] == "/" or any(p in ("", ".", "..") for p in key.split("/")):
        raise InvalidKey(f"invalid object key {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """`prefix` if its folders are valid ("" lists everything); `InvalidKey` otherwise."""
    folder, _, _ = prefix.rpartition("/")
    if folder:
        check_key(folder)
    elif prefix.startswith("/"):
        raise InvalidKey(f"invalid object prefix {prefix!r}")
    return prefix
