"""A pipeline variant and the bare bus measured side by side, their bursts taking turns."""

from collections.abc import Callable
from pathlib import Path

from bench.bare_bus import Workers, bare_target
from bench.measure import LoadConfig, Measured, measure
from bench.pipeline import pipeline_target
from libs.config.settings import Settings
from redub.runtime.dev_stack import DevStack


async def measure_paired(
    name: str,
    settings: Settings,
    stack: DevStack,
    servers: dict[str, int],
    spawn: Callable[[], Workers],
    cfg: LoadConfig,
    languages: list[str],
    profile: Path | None = None,
) -> tuple[Measured, Measured]:
    """The pipeline's figures and its baseline's, from interleaved bursts: on a machine whose
    speed drifts, phases a minute apart would compare different machines."""
    assert settings.nats_url
    async with (
        pipeline_target(name, settings, stack, servers, cfg, languages, profile) as pipe,
        bare_target(
            settings.nats_url, spawn, {"nats": servers["nats"]}, languages, profile
        ) as bare,
    ):
        pipeline, baseline = await measure([pipe, bare], cfg)
    return pipeline, baseline
