"""Vendor errors in the two kinds the stage runner understands."""

import json

from libs.events.stage import PermanentError, TransientError

_REASON_MAX = 300


class VendorTransientError(TransientError):
    """The vendor could not answer now (rate limit, server error, timeout): try later."""

    def __init__(
        self,
        vendor: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(f"{vendor}: {reason}", retry_after_s=retry_after_s)
        self.vendor = vendor
        self.status = status
        self.reason = reason


class VendorPermanentError(PermanentError):
    """The vendor refused the request for a reason retrying cannot change."""

    def __init__(self, vendor: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"{vendor}: {reason}")
        self.vendor = vendor
        self.status = status
        self.reason = reason


VendorError = VendorTransientError | VendorPermanentError

# Statuses worth another try: timeouts, conflicts, rate limits and the server's own errors.
_TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})


def is_transient_status(status: int) -> bool:
    """True for a status a later identical request may get past."""
    return status in _TRANSIENT_STATUSES or status >= 500


def vendor_message(body: object) -> str | None:
    """The human sentence in a vendor's error body (Deepgram `err_msg`, OpenAI
    `error.message`, ElevenLabs `detail.message`), bounded; None when there is none."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    found: object = None
    if isinstance(body, dict):
        for path in (("err_msg",), ("error", "message"), ("detail", "message"), ("message",)):
            node: object = body
            for part in path:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, str) and node.strip():
                found = node
                break
        else:
            detail = body.get("detail") or body.get("error")
            found = detail if isinstance(detail, str) else None
    if not isinstance(found, str):
        return None
    text = " ".join(found.split())
    return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 3] + "..."


def from_status(
    vendor: str, status: int, body: object, retry_after_s: float | None = None
) -> VendorError:
    """The error an HTTP status and body mean, with the vendor's reason when it gave one."""
    said = vendor_message(body)
    reason = f"HTTP {status}" + (f": {said}" if said else "")
    if is_transient_status(status):
        return VendorTransientError(vendor, reason, status=status, retry_after_s=retry_after_s)
    return VendorPermanentError(vendor, reason, status=status)


def malformed(vendor: str, what: str) -> VendorTransientError:
    """An answer we cannot read: most often a truncated body or a proxy's page; retried."""
    return VendorTransientError(vendor, f"malformed response: {what}")
