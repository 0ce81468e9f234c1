"""Declared uploads on real PostgreSQL: a signed PUT checked as bytes arrive, then verified by
decoding; every refusal says why and leaves no blob behind."""

import hashlib
import struct
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from libs.storage.local_store import MARKER
from tests.support.gateway_app import Gateway, gateway
from tests.support.media import tone_wav


@pytest.fixture
async def gw(
    database_url: str, nats_url: str, stream_prefix: str, tmp_path: Path
) -> AsyncIterator[Gateway]:
    async with gateway(
        database_url, nats_url, stream_prefix, tmp_path, max_direct_upload_bytes=2_000_000
    ) as g:
        yield g


def declaration(data: bytes, kind: str = "voice", **over: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "filename": "stem.wav",
        "content_type": "audio/wav",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    } | over


async def declare(gw: Gateway, data: bytes, **over: Any) -> dict[str, Any]:
    r = await gw.client.post("/v1/uploads", json=declaration(data, **over))
    assert r.status_code == 201, r.text
    ticket = dict(r.json())
    assert ticket["status"] == "pending" and ticket["upload_method"] == "PUT"
    return ticket


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def stored(gw: Gateway) -> list[Path]:
    return [p for p in gw.settings.blob_root.rglob("*") if p.is_file() and p.name != MARKER]


def code(r: Any) -> str:
    return str(r.json()["error"]["code"])


async def put(gw: Gateway, ticket: dict[str, Any], data: bytes) -> Any:
    return await gw.client.put(
        path_of(ticket["upload_url"]), content=data, headers={"Authorization": ""}
    )


async def test_declare_put_complete_then_a_job_may_use_it(gw: Gateway, tmp_path: Path) -> None:
    data = tone_wav(tmp_path / "v.wav", 2.0).read_bytes()
    ticket = await declare(gw, data)
    assert (await put(gw, ticket, data)).status_code == 201
    r = await gw.client.post(f"/v1/uploads/{ticket['upload_id']}/complete")
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "verified" and abs(done["duration_s"] - 2.0) < 0.01
    again = await gw.client.post(f"/v1/uploads/{ticket['upload_id']}/complete")
    assert again.json() == done
    # The bytes are in the store once: a second PUT to the same URL is refused.
    assert (await put(gw, ticket, data)).status_code == 409


async def test_bytes_that_differ_from_the_declaration_are_refused_as_they_arrive(
    gw: Gateway, tmp_path: Path
) -> None:
    data = tone_wav(tmp_path / "v.wav", 1.0).read_bytes()
    ticket = await declare(gw, data)
    r = await put(gw, ticket, data + b"more")
    assert r.status_code == 413 and code(r) == "larger_than_declared"
    r = await put(gw, ticket, data[:-1] + b"\x01")
    assert r.status_code == 422 and code(r) == "checksum_mismatch"
    r = await put(gw, ticket, data[:-10])
    assert r.status_code == 422 and code(r) == "size_mismatch"
    assert stored(gw) == []
    r = await gw.client.post(f"/v1/uploads/{ticket['upload_id']}/complete")
    assert r.status_code == 409 and code(r) == "not_uploaded"


async def test_a_tampered_or_expired_upload_url_is_refused(gw: Gateway, tmp_path: Path) -> None:
    data = tone_wav(tmp_path / "v.wav", 1.0).read_bytes()
    ticket = await declare(gw, data)
    url = path_of(ticket["upload_url"])
    r = await gw.client.put(url.replace("signature=", "signature=0"), content=data)
    assert r.status_code == 403 and code(r) == "url_refused"
    r = await gw.client.put(url.replace("expires=", "expires=1"), content=data)
    assert r.status_code == 403 and "signature" in r.json()["error"]["message"]
    assert stored(gw) == []


async def test_the_ticket_expires_when_its_url_does(gw: Gateway, tmp_path: Path) -> None:
    ticket = await declare(gw, tone_wav(tmp_path / "v.wav", 1.0).read_bytes())
    expires = int(parse_qs(urlsplit(ticket["upload_url"]).query)["expires"][0])
    assert datetime.fromisoformat(ticket["expires_at"]).timestamp() == expires
    assert abs(expires - (time.time() + gw.settings.upload_url_ttl_s)) < 5


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def video_with_sound(path: Path) -> None:
    lavfi = ["-f", "lavfi", "-i", "sine=d=1", "-f", "lavfi", "-i", "color=s=16x16:d=1"]
    ffmpeg(*lavfi, "-shortest", str(path))


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("text.wav", lambda p: p.write_bytes(b"hello, not audio " * 50), "unreadable_media"),
        (
            "list.txt",
            lambda p: p.write_text("ffconcat version 1.0\nfile /etc/hostname\n"),
            "unreadable_media",
        ),
        (
            "list.m3u8",
            lambda p: p.write_text("#EXTM3U\n#EXTINF:1,\nhttp://169.254.169.254/x.ts\n"),
            "unreadable_media",
        ),
        (
            "video.mkv",
            video_with_sound,
            "not_single_audio_stream",
        ),
    ],
)
async def test_what_is_not_one_accepted_audio_stream_is_refused_with_a_code(
    gw: Gateway, tmp_path: Path, name: str, make: Any, expected: str
) -> None:
    path = tmp_path / name
    make(path)
    data = path.read_bytes()
    ticket = await declare(gw, data, filename=name, content_type="application/octet-stream")
    assert (await put(gw, ticket, data)).status_code == 201
    r = await gw.client.post(f"/v1/uploads/{ticket['upload_id']}/complete")
    assert r.status_code == 422 and code(r) == expected, r.text
    assert str(tmp_path) not in r.text and "ffmpeg" not in r.text.lower()
    assert stored(gw) == []
    status = (await gw.client.get(f"/v1/uploads/{ticket['upload_id']}")).json()
    assert status["status"] == "refused" and status["refusal"] == expected


async def test_a_header_that_claims_more_audio_than_it_holds_gets_the_real_length(
    gw: Gateway, tmp_path: Path
) -> None:
    data = bytearray(tone_wav(tmp_path / "v.wav", 1.0).read_bytes())
    # A data chunk claiming ten times the samples the file holds.
    at = data.index(b"data") + 4
    (real,) = struct.unpack_from("<I", data, at)
    struct.pack_into("<I", data, at, real * 10)
    r = await gw.client.post(
        "/v1/uploads/file", files={"file": ("liar.wav", bytes(data), "audio/wav")}
    )
    assert r.status_code == 201, r.text
    assert abs(r.json()["duration_s"] - 1.0) < 0.01


async def test_bodies_over_their_ceiling_are_refused_before_they_are_read(
    gw: Gateway, tmp_path: Path
) -> None:
    r = await gw.client.post("/v1/uploads", json=declaration(b"x", size=10**12))
    assert r.status_code == 413 and code(r) == "upload_too_large"
    r = await gw.client.post(
        "/v1/jobs",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413 and code(r) == "body_too_large"
    big = b"\0" * 2_100_000
    r = await gw.client.post("/v1/uploads/file", files={"file": ("big.wav", big, "audio/wav")})
    assert r.status_code == 413
    assert stored(gw) == []
