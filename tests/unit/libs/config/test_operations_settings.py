"""Settings of operations: a cluster's NATS URLs, replicas, retention limits."""

import pytest
from pydantic import ValidationError

from libs.config.settings import Settings


def test_nats_url_may_list_a_clusters_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDUB_NATS_URL", "nats://a:4222, nats://b:4222,,nats://c:4222 ")
    assert Settings().nats_servers == ["nats://a:4222", "nats://b:4222", "nats://c:4222"]
    monkeypatch.setenv("REDUB_NATS_URL", "nats://one:4222")
    assert Settings().nats_servers == ["nats://one:4222"]
    monkeypatch.delenv("REDUB_NATS_URL")
    monkeypatch.delenv("NATS_URL", raising=False)
    assert Settings(_env_file=None).nats_servers == []  # type: ignore[call-arg]


def test_replicas_come_from_the_environment_within_one_to_five(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings(_env_file=None).stream_replicas == 1  # type: ignore[call-arg]
    monkeypatch.setenv("REDUB_STREAM_REPLICAS", "3")
    assert Settings().stream_replicas == 3
    monkeypatch.setenv("REDUB_STREAM_REPLICAS", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_retention_limits_must_be_in_order() -> None:
    with pytest.raises(ValidationError, match="exceeds"):
        Settings(retention_min_hours=10, retention_max_hours=5)
