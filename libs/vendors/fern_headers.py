"""The Fern-generated SDKs (deepgram-sdk, elevenlabs) rebuild their headers on every request,
reading the package's metadata from disk each time (~10 ms on a loaded host, on the event
loop). The headers of a client never change, so they are built once."""

from typing import Any


def freeze_headers(client_wrapper: Any) -> None:
    """Make the SDK client's HTTP wrapper send headers computed once, now."""
    headers = dict(client_wrapper.get_headers())
    http = client_wrapper.httpx_client

    def frozen() -> dict[str, str]:
        return dict(headers)

    http.base_headers = frozen
    if hasattr(http, "async_base_headers"):
        http.async_base_headers = None
