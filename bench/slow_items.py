"""Which work items of the `mixed_work` benchmark are slow: a pure, deterministic choice
shared by the bench stage processes (which sleep) and the driver (which sorts the jobs)."""

import hashlib
from collections.abc import Sequence

LANGUAGE_STAGES = ("translator", "synthesizer", "mixer")
"""Stages that handle one work item per target language; the transcriber handles one a job."""


def is_slow(job_id: str, stage: str, item: str, fraction: float) -> bool:
    """True for about `fraction` of (job, stage, item) triples: the first 8 bytes of
    sha256("<job>:<stage>:<item>") read as a number below `fraction` of their range."""
    if fraction <= 0:
        return False
    digest = hashlib.sha256(f"{job_id}:{stage}:{item}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < fraction * 2**64


def job_items(languages: Sequence[str]) -> list[tuple[str, str]]:
    """Every (stage, item) one job makes: the transcriber's "" and one per stage and language."""
    return [("transcriber", "")] + [(s, lang) for s in LANGUAGE_STAGES for lang in languages]


def slow_items(job_id: str, languages: Sequence[str], fraction: float) -> int:
    """How many of one job's work items are slow."""
    return sum(is_slow(job_id, s, i, fraction) for s, i in job_items(languages))
