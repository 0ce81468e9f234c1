"""The versions of the software a dub was made with, for the manifest (asked once)."""

import asyncio
import re
from importlib import metadata

_cache: dict[str, str] | None = None
_TOOLS = {"ffmpeg": ["ffmpeg", "-version"], "rubberband": ["rubberband", "--version"]}
_VERSION = re.compile(r"(\d+(?:\.\d+)+[\w.+-]*)")


async def software_versions() -> dict[str, str]:
    """Redub's and the media tools' versions; a tool that cannot say is left out."""
    global _cache
    if _cache is None:
        found: dict[str, str] = {}
        for package in ("redub", "pyloudnorm", "numpy"):
            try:
                found[package] = metadata.version(package)
            except metadata.PackageNotFoundError:
                continue
        for tool, argv in _TOOLS.items():
            version = await _tool_version(argv)
            if version is not None:
                found[tool] = version
        _cache = found
    return dict(_cache)


async def _tool_version(argv: list[str]) -> str | None:
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=10)
    except (OSError, TimeoutError):
        return None
    first = out.decode(errors="replace").strip().splitlines()[:1]
    match = _VERSION.search(first[0]) if first else None
    return match.group(1) if match else None
