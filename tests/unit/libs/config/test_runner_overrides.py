"""Runner limits: the stage's defaults, then every-stage variables, then the stage's own."""

import pytest

from libs.config.runner_overrides import runner_config
from libs.events.runner_config import RunnerConfig

DEFAULTS = RunnerConfig(concurrency=2, ack_wait_s=60.0, max_deliver=4, handler_timeout_s=3600.0)


def test_defaults_hold_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDUB_CONCURRENCY", raising=False)
    config = runner_config("mixer", DEFAULTS, relay_interval_s=0.5, relay_grace_s=1.0)
    assert config.concurrency == 2 and config.handler_timeout_s == 3600.0
    assert config.relay_interval_s == 0.5 and config.relay_grace_s == 1.0


def test_the_stage_variable_wins_over_the_every_stage_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDUB_CONCURRENCY", "16")
    monkeypatch.setenv("REDUB_ACK_WAIT_S", "3")
    monkeypatch.setenv("REDUB_MIXER_CONCURRENCY", "1")
    mixer = runner_config("mixer", DEFAULTS, 1.0, 2.0)
    other = runner_config("translator", DEFAULTS, 1.0, 2.0)
    assert (mixer.concurrency, mixer.ack_wait_s) == (1, 3.0)
    assert (other.concurrency, other.ack_wait_s) == (16, 3.0)
    assert mixer.max_deliver == 4, "fields not set keep the stage's default"


def test_nonsense_limits_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDUB_MIXER_CONCURRENCY", "0")
    with pytest.raises(ValueError, match="at least 1"):
        runner_config("mixer", DEFAULTS, 1.0, 2.0)
