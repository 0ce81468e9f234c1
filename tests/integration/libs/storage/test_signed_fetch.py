"""Fetching blobs over signed URLs: against a local HTTP server that misbehaves on request,
and against the gateway's own `/v1/blobs` route with the store on another disk."""

import hashlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from libs.events.catalogue import BlobRef
from libs.events.outage import Outage, is_outage
from libs.events.stage import PermanentError
from libs.storage.local_store import LocalBlobStore
from libs.storage.named_blobs import open_named, read_named
from libs.storage.scratch import use_scratch_root
from libs.storage.signed_fetch import BlobMismatch, BlobTooLarge, SignedUrlRefused, fetched
from libs.storage.signed_fetch_store import SignedFetchBlobStore
from tests.support.gateway_app import gateway

BODY = b"spoken words " * 1000
REF = BlobRef(
    key="jobs/j/voice.wav",
    size=len(BODY),
    sha256=hashlib.sha256(BODY).hexdigest(),
    content_type="audio/wav",
)


class _Server:
    """Serves `body` with `status`; `chunked` leaves out the Content-Length."""

    body = BODY
    status = 200
    chunked = False


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Server]]]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(_Server.status)
            if _Server.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(_Server.body), 4096):
                    part = _Server.body[i : i + 4096]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(_Server.body)))
                self.end_headers()
                self.wfile.write(_Server.body)

        def log_message(self, *args: object) -> None:
            pass

    _Server.body, _Server.status, _Server.chunked = BODY, 200, False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/blob", _Server
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "scratch"
    use_scratch_root(root)
    yield root
    use_scratch_root(None)


def _fetches(outcome: str) -> float:
    return REGISTRY.get_sample_value("redub_blob_fetches_total", {"outcome": outcome}) or 0.0


def _left(scratch: Path) -> list[Path]:
    return [p for p in scratch.rglob("*") if p.is_file()]


async def test_a_fetch_is_checked_and_its_file_removed_on_exit(
    server: tuple[str, type[_Server]], scratch: Path
) -> None:
    url, _ = server
    async with httpx.AsyncClient() as client:
        async with fetched(client, url, REF.key, limit=1 << 20, expected=REF) as path:
            assert path.read_bytes() == BODY
        assert not path.exists()
        assert _left(scratch) == []


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(BODY[:-1] + b"X", id="tampered"),
        pytest.param(BODY[:-10], id="short"),
        pytest.param(BODY + b"extra", id="long"),
    ],
)
async def test_altered_bytes_are_refused_and_nothing_is_left(
    server: tuple[str, type[_Server]], scratch: Path, body: bytes, chunked: bool
) -> None:
    url, srv = server
    srv.body, srv.chunked = body, chunked
    async with httpx.AsyncClient() as client:
        with pytest.raises(BlobMismatch) as caught:
            async with fetched(client, url, REF.key, limit=1 << 20, expected=REF):
                pytest.fail("the block must not run")
    assert isinstance(caught.value, PermanentError)
    assert not is_outage(caught.value)
    assert _left(scratch) == []


@pytest.mark.parametrize("chunked", [False, True])
async def test_past_the_limit_is_refused(
    server: tuple[str, type[_Server]], scratch: Path, chunked: bool
) -> None:
    url, srv = server
    srv.chunked = chunked
    async with httpx.AsyncClient() as client:
        # Unknown size (a key read without a ref): the stream itself is cut at the limit.
        with pytest.raises(BlobTooLarge, match="1000-byte limit"):
            async with fetched(client, url, REF.key, limit=1000):
                pass
        # A committed size past the limit: refused before a byte is asked for.
        srv.status = 500
        with pytest.raises(BlobTooLarge):
            async with fetched(client, url, REF.key, limit=1000, expected=REF):
                pass
    assert _left(scratch) == []


async def test_server_trouble_is_an_outage_and_gone_is_missing(
    server: tuple[str, type[_Server]], scratch: Path
) -> None:
    url, srv = server
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/blob"
    async with httpx.AsyncClient() as client:
        with pytest.raises(Outage) as caught:
            async with fetched(client, dead, REF.key, limit=1 << 20, expected=REF):
                pass
        assert is_outage(caught.value)
        for status in (500, 503, 429):
            srv.status = status
            with pytest.raises(Outage, match=str(status)):
                async with fetched(client, url, REF.key, limit=1 << 20, expected=REF):
                    pass
        srv.status = 410
        with pytest.raises(KeyError):
            async with fetched(client, url, REF.key, limit=1 << 20, expected=REF):
                pass
    assert _left(scratch) == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(403, b"forbidden", id="403"),
        pytest.param(401, b"unauthorized", id="401"),
        # Supabase Storage: HTTP 400 with the real status in its JSON body.
        pytest.param(
            400, b'{"statusCode": "400", "error": "InvalidJWT", "message": "x"}', id="jwt"
        ),
        pytest.param(
            400, b'{"statusCode": "403", "error": "Unauthorized", "message": "x"}', id="sb403"
        ),
    ],
)
async def test_a_refused_signature_is_a_configuration_error_not_an_outage(
    server: tuple[str, type[_Server]], scratch: Path, status: int, body: bytes
) -> None:
    # A wrong signing secret or clock: the same on every try, so it must fail, not wait.
    url, srv = server
    srv.status, srv.body = status, body
    async with httpx.AsyncClient() as client:
        with pytest.raises(SignedUrlRefused, match="signing secret or clock") as caught:
            async with fetched(client, url, REF.key, limit=1 << 20, expected=REF):
                pass
    assert isinstance(caught.value, PermanentError)
    assert not is_outage(caught.value)
    assert REF.key not in str(caught.value), "the reason is shown to the job's owner"
    assert _left(scratch) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"statusCode": "404", "error": "not_found", "message": "Object not found"}', KeyError),
        (b'{"statusCode": "503", "error": "DatabaseError", "message": "unavailable"}', Outage),
    ],
)
async def test_supabase_statuses_in_the_body_are_read(
    server: tuple[str, type[_Server]], scratch: Path, body: bytes, expected: type[Exception]
) -> None:
    url, srv = server
    srv.status, srv.body = 400, body
    async with httpx.AsyncClient() as client:
        with pytest.raises(expected):
            async with fetched(client, url, REF.key, limit=1 << 20, expected=REF):
                pass


async def test_a_failure_in_the_block_removes_the_file(
    server: tuple[str, type[_Server]], scratch: Path
) -> None:
    url, _ = server
    async with httpx.AsyncClient() as client:
        with pytest.raises(RuntimeError):
            async with fetched(client, url, REF.key, limit=1 << 20, expected=REF) as path:
                assert path.exists()
                raise RuntimeError("the stage failed")
    assert _left(scratch) == []


async def test_stages_fetch_from_the_gateway_route_not_their_disk(
    database_url: str, nats_url: str, stream_prefix: str, tmp_path: Path, scratch: Path
) -> None:
    async with gateway(database_url, nats_url, stream_prefix, tmp_path / "gw") as gw:
        s = gw.settings
        assert s.blob_url_secret
        secret = s.blob_url_secret.encode()
        served = LocalBlobStore(s.blob_root, secret=secret, base_url=s.blob_base_url)
        ref = await served.put_bytes(REF.key, BODY, "audio/wav")
        doc = await served.put_bytes("jobs/j/index.json", b'{"clips": []}', "application/json")
        # The stage's own folder is another one: it holds none of these objects.
        elsewhere = LocalBlobStore(tmp_path / "stage", secret=secret, base_url=s.blob_base_url)
        stage = SignedFetchBlobStore(
            elsewhere, httpx.AsyncClient(transport=gw.transport), limit=1 << 20
        )
        try:
            async with open_named(stage, ref, "voice stem") as path:
                assert path.read_bytes() == BODY
                assert not path.is_relative_to(s.blob_root)
            assert await read_named(stage, doc, "speech index") == b'{"clips": []}'
            assert await stage.read_bytes(doc.key) == b'{"clips": []}'
            # Replaced behind the event's back: the committed ref no longer matches.
            await served.put_bytes(REF.key, BODY[::-1], "audio/wav")
            before = _fetches("mismatch")
            with pytest.raises(BlobMismatch):
                await read_named(stage, ref, "voice stem")
            assert _fetches("mismatch") == before + 1
            await served.delete(REF.key)
            with pytest.raises(PermanentError, match="voice stem this work needs is missing"):
                async with open_named(stage, ref, "voice stem"):
                    pass
            # Writes go to the stage's store as before.
            await stage.put_bytes("jobs/j/out.txt", b"out", "text/plain")
            assert (tmp_path / "stage" / "jobs/j/out.txt").read_bytes() == b"out"
        finally:
            await stage.close()
    assert _left(scratch) == []
