"""HMAC-signed object URLs of the local store: made by `sign`, checked by `verify` (pure)."""

import hashlib
import hmac
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from libs.storage.valid_keys import InvalidKey, check_key


class RefusedUrl(PermissionError):
    """A URL that is forged, altered, expired, or used with another method or server."""


def sign(base_url: str, secret: bytes, key: str, method: str, expires_at: int) -> str:
    """A URL under `base_url` granting `method` on `key` until `expires_at` (Unix seconds)."""
    signature = _mac(secret, method, check_key(key), expires_at)
    query = urlencode({"expires": expires_at, "signature": signature})
    return f"{base_url.rstrip('/')}/{quote(key)}?{query}"


def verify(url: str, secret: bytes, base_url: str, method: str, now: float) -> str:
    """The key `url` grants `method` on at time `now`; `RefusedUrl` if it grants nothing."""
    got, base = urlsplit(url), urlsplit(base_url.rstrip("/"))
    folder = f"{base.path}/"
    if (got.scheme, got.netloc) != (base.scheme, base.netloc) or not got.path.startswith(folder):
        raise RefusedUrl("not a URL of this store")
    try:
        key = check_key(unquote(got.path[len(folder) :]))
        query = parse_qs(got.query, strict_parsing=True)
        [expires], [signature] = query.pop("expires"), query.pop("signature")
        expires_at = int(expires)
    except (InvalidKey, KeyError, ValueError):
        raise RefusedUrl("malformed signed URL") from None
    if query or not hmac.compare_digest(signature, _mac(secret, method, key, expires_at)):
        raise RefusedUrl("bad signature")
    if now >= expires_at:
        raise RefusedUrl("expired")
    return key


def _mac(secret: bytes, method: str, key: str, expires_at: int) -> str:
    # The key goes last and the fields before it hold no newline: no two (method, expiry,
    # key) triples sign the same message.
    message = f"{method}\n{expires_at}\n{key}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
