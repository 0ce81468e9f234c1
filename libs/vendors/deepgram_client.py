"""The `deepgram-sdk` client on a vendor session, and its errors in our two kinds."""

from typing import Any

from deepgram import AsyncDeepgramClient
from deepgram.core.api_error import ApiError
from deepgram.environment import DeepgramClientEnvironment

from libs.vendors.errors import VendorError, from_status, malformed
from libs.vendors.fern_headers import freeze_headers
from libs.vendors.retry import parse_retry_after
from libs.vendors.session import VendorSession

VENDOR = "deepgram"


def deepgram_client(session: VendorSession) -> AsyncDeepgramClient:
    """An SDK client on the session's HTTP client; the SDK's own retries off (ours apply)."""
    base = session.config.base_url.rstrip("/")
    ws = base.replace("https://", "wss://").replace("http://", "ws://")
    environment = DeepgramClientEnvironment(base=base, production=ws, agent=ws, agent_rest=base)
    client = AsyncDeepgramClient(
        api_key=session.config.api_key,
        environment=environment,
        httpx_client=session.http,
        timeout=session.config.timeout_s,
        max_retries=0,
    )
    freeze_headers(client._client_wrapper)
    return client


def deepgram_error(exc: ApiError) -> VendorError:
    """What an SDK `ApiError` means: its status, `Retry-After` and Deepgram's `err_msg`."""
    if exc.status_code is None or 200 <= exc.status_code < 300:
        # The SDK reports a success whose body it could not parse as an ApiError too.
        return malformed(VENDOR, "the body is not the documented JSON")
    headers: dict[str, Any] = {k.lower(): v for k, v in (exc.headers or {}).items()}
    retry_after = parse_retry_after(headers.get("retry-after"))
    return from_status(VENDOR, exc.status_code, exc.body, retry_after)
