"""Single-use, expiring download links: what they grant, signed, and why one is refused (pure)."""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from uuid import UUID

from libs.refusal import Refused


class RefusedLink(Refused, PermissionError):
    """A link that grants nothing; `code` says which way it failed."""


@dataclass(frozen=True, slots=True)
class Grant:
    """One artifact of one job, once, until `expires_at` (Unix seconds)."""

    job_id: UUID
    language: str
    kind: str
    expires_at: int
    nonce: UUID


def _key(secret: bytes) -> bytes:
    # Its own key, derived: a blob URL's signature can never pass as a link's, nor back.
    return hmac.new(secret, b"redub download links v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def sign_link(grant: Grant, secret: bytes) -> str:
    """The token of a download link (URL-safe)."""
    body = json.dumps(
        [str(grant.job_id), grant.language, grant.kind, grant.expires_at, str(grant.nonce)],
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(_key(secret), body, hashlib.sha256).digest()
    return f"{_b64(body)}.{_b64(mac)}"


def verify_link(token: str, secret: bytes, now: float) -> Grant:
    """What `token` grants at `now`; `RefusedLink` (tampered, expired) if nothing."""
    try:
        body_part, mac_part = token.split(".")
        body = base64.urlsafe_b64decode(body_part + "=" * (-len(body_part) % 4))
        mac = base64.urlsafe_b64decode(mac_part + "=" * (-len(mac_part) % 4))
    except ValueError:
        raise RefusedLink("link_tampered", "This download link is malformed.") from None
    if not hmac.compare_digest(mac, hmac.new(_key(secret), body, hashlib.sha256).digest()):
        raise RefusedLink(
            "link_tampered", "This download link was altered or not issued by this service."
        )
    job, language, kind, expires_at, nonce = json.loads(body)
    grant = Grant(UUID(job), language, kind, int(expires_at), UUID(nonce))
    if now >= grant.expires_at:
        raise RefusedLink(
            "link_expired", "This download link has expired; ask for new links for the job."
        )
    return grant
