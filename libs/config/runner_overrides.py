"""Stage runner limits from the environment: `REDUB_<FIELD>` for every stage, then
`REDUB_<STAGE>_<FIELD>` for one, over the defaults the stage declares."""

from dataclasses import replace

from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.events.runner_config import RunnerConfig


class RunnerOverrides(BaseSettings):
    """Limits set in the environment; unset ones keep the stage's default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    concurrency: int | None = None
    ack_wait_s: float | None = None
    max_deliver: int | None = None
    backoff_base_s: float | None = None
    backoff_max_s: float | None = None
    handler_timeout_s: float | None = None
    transient_hold_s: float | None = None
    fetch_timeout_s: float | None = None


def runner_config(
    stage: str, defaults: RunnerConfig, relay_interval_s: float, relay_grace_s: float
) -> RunnerConfig:
    """The stage's limits: its defaults, then every-stage variables, then its own."""
    config = replace(defaults, relay_interval_s=relay_interval_s, relay_grace_s=relay_grace_s)
    for prefix in ("REDUB_", f"REDUB_{stage.upper()}_"):
        set_here = RunnerOverrides(_env_prefix=prefix).model_dump(exclude_none=True)
        config = replace(config, **set_here)
    return config
