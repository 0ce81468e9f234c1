"""Redelivery delays."""

from libs.events.backoff import backoff_delay


def test_delay_doubles_then_caps() -> None:
    assert [backoff_delay(a, 1.0, 5.0) for a in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
