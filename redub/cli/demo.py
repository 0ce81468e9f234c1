"""`redub demo`: one real dubbing job through the running (or a self-started) stack."""

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import httpx

from libs.auth.tokens import mint_token
from libs.config.settings import Settings
from redub.cli.demo_media import make_demo_stems
from redub.runtime.dev_secrets import dev_secrets
from redub.runtime.dev_stack import DevStack

DEMO_USER = uuid5(NAMESPACE_URL, "https://redub.invalid/demo-user")


async def run_demo(settings: Settings, out: Path, languages: list[str], voice: Path | None) -> int:
    """Upload two stems, submit a job, wait for it, download every artifact into `out`."""
    stack = None
    if not await _gateway_up(settings.gateway_url):
        print("no gateway at", settings.gateway_url, "- starting the embedded stack")
        stack = DevStack(settings.model_copy(update={"gateway_port": 0}))
        await asyncio.to_thread(stack.start)
    try:
        base = stack.settings.gateway_url if stack else settings.gateway_url
        secret = (stack.settings if stack else settings).jwt_secret
        # A `redub dev` running on this state folder signs with the folder's secret.
        secret = secret or dev_secrets(settings.state_dir).jwt
        return await _dub(base, secret, out, languages, voice)
    finally:
        if stack:
            await asyncio.to_thread(stack.stop)


async def _gateway_up(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1) as client:
            return (await client.get(f"{url}/healthz")).is_success
    except httpx.HTTPError:
        return False


async def _dub(base: str, secret: str, out: Path, languages: list[str], voice: Path | None) -> int:
    headers = {"Authorization": f"Bearer {mint_token(DEMO_USER, secret)}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        with tempfile.TemporaryDirectory(prefix="redub-demo-") as tmp:
            voice_wav, background_wav = await make_demo_stems(Path(tmp), voice_sample=voice)
            ids = [await _upload(client, path) for path in (voice_wav, background_wav)]
        started = time.monotonic()
        response = await client.post(
            "/v1/jobs",
            json={
                "voice_upload_id": ids[0],
                "background_upload_id": ids[1],
                "target_languages": languages,
            },
        )
        response.raise_for_status()
        job = response.json()
        print(f"job {job['job_id']} submitted for {', '.join(languages)}")
        job = await _wait(client, job["job_id"])
        print(f"job {job['status']} in {time.monotonic() - started:.1f} s")
        if job["status"] != "completed":
            print("failure:", job.get("failure"), [t for t in job["tasks"].values()])
            return 1
        for artifact in job["artifacts"]:
            lang, name = artifact["language"], artifact["file"]
            dest = out / lang / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            r = await client.get(f"/v1/jobs/{job['job_id']}/artifacts/{lang}/{artifact['kind']}")
            r.raise_for_status()
            dest.write_bytes(r.content)
            print(f"  {dest}  ({artifact['size']} bytes, sha256 {artifact['sha256'][:12]}…)")
        for lang in languages:
            srt = out / lang / "captions.srt"
            if srt.exists():
                print(f"--- {srt} (first lines)")
                print("\n".join(srt.read_text().splitlines()[:7]))
        print(f"results in {out.resolve()}/<language>/ with manifest.json each")
    return 0


async def _upload(client: httpx.AsyncClient, path: Path) -> str:
    with path.open("rb") as f:
        r = await client.post("/v1/uploads/file", files={"file": (path.name, f, "audio/wav")})
    r.raise_for_status()
    return str(r.json()["upload_id"])


async def _wait(client: httpx.AsyncClient, job_id: str, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        job: dict[str, Any] = (await client.get(f"/v1/jobs/{job_id}")).json()
        tasks = job.get("tasks") or {}
        state = f"{job['status']} " + " ".join(f"{k}:{v['status']}" for k, v in tasks.items())
        if state != last:
            print(" ", state)
            last = state
        if job["status"] in ("completed", "failed"):
            return job
        await asyncio.sleep(0.5)
    raise TimeoutError(f"job {job_id} did not finish within {timeout} s")
