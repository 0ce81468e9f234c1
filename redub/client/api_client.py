"""The gateway's API over HTTP, as the command-line client uses it (no server code imported)."""

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx

Progress = Callable[[int], None]
_CHUNK = 1 << 20
_TYPES = {
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".aif": "audio/aiff",
    ".aiff": "audio/aiff",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".webm": "audio/webm",
}


class ApiFailure(Exception):
    """The API answered an error: its status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} ({code}, HTTP {status})")
        self.status = status
        self.code = code


class RedubClient:
    """One signed-in caller of one gateway."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 60.0) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    async def close(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def upload(self, path: Path, kind: str, progress: Progress | None = None) -> str:
        """Declare, send and verify one stem; returns its upload id."""
        size, digest = _digest(path)
        ticket = await self._json(
            "POST",
            "/v1/uploads",
            json={
                "kind": kind,
                "filename": path.name,
                "content_type": _TYPES.get(path.suffix.lower(), "application/octet-stream"),
                "size": size,
                "sha256": digest,
            },
        )

        async def body() -> AsyncIterator[bytes]:
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    if progress:
                        progress(len(chunk))
                    yield chunk

        # The upload URL is the store's (signed): no bearer token goes with it.
        async with httpx.AsyncClient(timeout=None) as plain:
            r = await plain.request(
                ticket["upload_method"],
                ticket["upload_url"],
                content=body(),
                headers={**ticket["upload_headers"], "Content-Length": str(size)},
            )
        _raise_for(r)
        await self._json("POST", f"/v1/uploads/{ticket['upload_id']}/complete")
        return str(ticket["upload_id"])

    async def submit(
        self, voice: str, background: str, languages: list[str], source: str = "en"
    ) -> dict[str, Any]:
        """Start a job."""
        return await self._json(
            "POST",
            "/v1/jobs",
            json={
                "voice_upload_id": voice,
                "background_upload_id": background,
                "target_languages": languages,
                "source_language": source,
            },
        )

    async def job(self, job_id: str) -> dict[str, Any]:
        """A job's state."""
        return await self._json("GET", f"/v1/jobs/{job_id}")

    async def jobs(self, status: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The caller's newest jobs."""
        params: dict[str, Any] = {"limit": limit} | ({"status": status} if status else {})
        page = await self._json("GET", "/v1/jobs", params=params)
        return list(page["jobs"])

    async def cancel(self, job_id: str) -> dict[str, Any]:
        """Stop a job."""
        return await self._json("POST", f"/v1/jobs/{job_id}/cancel")

    async def delete(self, job_id: str) -> dict[str, Any]:
        """Delete a finished job's stems and artifacts now."""
        return await self._json("DELETE", f"/v1/jobs/{job_id}/artifacts")

    async def follow(self, job_id: str) -> AsyncIterator[dict[str, Any]]:
        """The job's events as they happen (Server-Sent Events), until it ends."""
        last = 0
        while True:
            headers = {"Accept": "text/event-stream", "Last-Event-ID": str(last)}
            async with self.http.stream(
                "GET", f"/v1/jobs/{job_id}/events", headers=headers, timeout=None
            ) as r:
                if r.status_code != 200:
                    await r.aread()
                    _raise_for(r)
                async for line in r.aiter_lines():
                    if line.startswith("data: "):
                        event: dict[str, Any] = json.loads(line[6:])
                        last = event["seq"]
                        yield event
                        if event["status"] in {"completed", "failed", "cancelled"}:
                            return
            # The stream ended early (a proxy, a restart): resume after the last event seen.

    async def download(self, job_id: str, language: str, folder: Path) -> list[Path]:
        """Every artifact of a language into `folder`, each checked against its sha256."""
        links = await self._json(
            "GET", f"/v1/jobs/{job_id}/download", params={"language": language}
        )
        saved = []
        folder.mkdir(parents=True, exist_ok=True)
        for f in links["files"]:
            dest = folder / Path(f["file"]).name
            r = await self.http.get(f["url"], follow_redirects=True)
            _raise_for(r)
            if hashlib.sha256(r.content).hexdigest() != f["sha256"]:
                raise ApiFailure(200, "checksum_mismatch", f"{f['file']} arrived damaged")
            dest.write_bytes(r.content)
            saved.append(dest)
        return saved

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        r = await self.http.request(method, path, **kwargs)
        _raise_for(r)
        body: dict[str, Any] = r.json()
        return body


def _raise_for(r: httpx.Response) -> None:
    if r.is_success:
        return
    try:
        error = r.json()["error"]
        raise ApiFailure(r.status_code, error["code"], error["message"])
    except (ValueError, KeyError, TypeError):
        raise ApiFailure(r.status_code, "http_error", r.text[:200] or r.reason_phrase) from None


def _digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            size += len(chunk)
            h.update(chunk)
    return size, h.hexdigest()
