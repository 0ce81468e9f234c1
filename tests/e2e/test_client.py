"""`redub submit|jobs|show|cancel|delete` against a running system, as a person would run them."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from libs.auth.tokens import mint_token
from redub.runtime.dev_stack import DevStack
from tests.support.api import INSTANT
from tests.support.builders import USER
from tests.support.media import silent_voice_and_bed


def redub(stack: DevStack, *args: str) -> subprocess.CompletedProcess[str]:
    assert stack.settings.jwt_secret
    env = {
        **os.environ,
        "REDUB_GATEWAY_URL": stack.settings.gateway_url,
        "REDUB_TOKEN": mint_token(USER, stack.settings.jwt_secret),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "redub.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_submit_uploads_follows_and_downloads_then_the_job_is_listed_and_deleted(
    start_stack: Any, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(**INSTANT)
    voice, background = silent_voice_and_bed(tmp_path)
    out = tmp_path / "out"
    done = redub(stack, "submit", str(voice), str(background), "--to", "fr,de", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "job.completed" in done.stdout
    for lang in ("fr", "de"):
        assert [p.name for p in (out / lang).iterdir()], lang
    listed = redub(stack, "jobs")
    assert listed.returncode == 0 and "completed" in listed.stdout
    job_id = next(w for w in done.stdout.split() if len(w) == 36 and w.count("-") == 4)
    shown = redub(stack, "show", job_id)
    assert shown.returncode == 0 and "dubbed" in shown.stdout
    deleted = redub(stack, "delete", job_id)
    assert deleted.returncode == 0, deleted.stdout
    again = redub(stack, "cancel", job_id)
    assert again.returncode == 1 and "job_finished" in again.stdout


def test_a_refused_submission_exits_non_zero_with_the_reason(
    start_stack: Any, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(**INSTANT)
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("these are not sounds " * 40)
    r = redub(stack, "submit", str(not_audio), str(not_audio), "--to", "fr")
    assert r.returncode == 1 and "unreadable_media" in r.stdout
