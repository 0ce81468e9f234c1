"""Signing secrets of one development state folder: generated once, private to that folder."""

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

FILE = "dev-secrets.json"


@dataclass(frozen=True, slots=True)
class DevSecrets:
    """The JWT secret and the blob URL secret `redub dev` runs with."""

    jwt: str
    blob_urls: str


def dev_secrets(state_dir: Path) -> DevSecrets:
    """This folder's secrets, generated (mode 0600) on first use."""
    path = state_dir / FILE
    try:
        stored = json.loads(path.read_text())
        return DevSecrets(jwt=stored["jwt"], blob_urls=stored["blob_urls"])
    except FileNotFoundError:
        pass
    state_dir.mkdir(parents=True, exist_ok=True)
    fresh = DevSecrets(jwt=secrets.token_urlsafe(48), blob_urls=secrets.token_urlsafe(48))
    # O_EXCL: two processes starting at once agree on the first one written.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return dev_secrets(state_dir)
    with os.fdopen(fd, "w") as out:
        json.dump({"jwt": fresh.jwt, "blob_urls": fresh.blob_urls}, out)
    return fresh
