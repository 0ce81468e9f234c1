"""Signed URLs of the local store: granted until they expire, refused when altered."""

import pytest

from libs.storage.signed_urls import RefusedUrl, sign, verify

SECRET = b"s3cret"
BASE = "https://api.redub.test/v1/blobs"
KEY = "jobs/j/fr/mix wav#1.wav"
URL = sign(BASE, SECRET, KEY, "GET", expires_at=1_000)


def test_a_signed_url_grants_its_key_until_it_expires() -> None:
    assert verify(URL, SECRET, BASE, "GET", now=999.9) == KEY
    for now in (1_000, 5_000):
        with pytest.raises(RefusedUrl, match="expired"):
            verify(URL, SECRET, BASE, "GET", now=now)


@pytest.mark.parametrize(
    "url",
    [
        URL.replace("expires=1000", "expires=9000"),
        URL.replace("/fr/", "/de/"),
        URL.replace("signature=", "signature=0"),
        URL[: URL.index("&signature=")],
        URL.replace("https://api.redub.test", "https://evil.test"),
        URL.replace("/v1/blobs/", "/v1/other/"),
        URL + "&expires=9000",
        URL + "&extra=1",
        sign(BASE, b"another secret", KEY, "GET", expires_at=1_000),
        sign(BASE, SECRET, KEY, "PUT", expires_at=1_000),
        f"{BASE}/../etc/passwd?expires=1000&signature=00",
    ],
)
def test_altered_forged_or_misused_urls_are_refused(url: str) -> None:
    with pytest.raises(RefusedUrl):
        verify(url, SECRET, BASE, "GET", now=0)


def test_the_method_is_part_of_the_signature() -> None:
    put = sign(BASE, SECRET, KEY, "PUT", expires_at=1_000)
    assert verify(put, SECRET, BASE, "PUT", now=0) == KEY
    with pytest.raises(RefusedUrl):
        verify(URL, SECRET, BASE, "PUT", now=0)
