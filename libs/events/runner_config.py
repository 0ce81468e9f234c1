"""How a stage's runner takes, retries and bounds its work; each stage declares its own."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunnerConfig:
    """Delivery and concurrency limits of one stage process."""

    # Messages worked on at once; the runner never holds more than this many.
    concurrency: int = 8
    # How long JetStream waits for an ack (or a heartbeat) before redelivering.
    ack_wait_s: float = 30.0
    # Deliveries before the last one's error becomes a failure event.
    max_deliver: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    # Heartbeats keep a long handler's message; this bounds a hung one (a vendor that
    # never answers), so its message is retried instead of held forever.
    handler_timeout_s: float = 900.0
    # A `TransientError` (a vendor's bad minute) is retried in place, the message held, for
    # up to this long; past it, the error is an ordinary failure that uses a delivery.
    transient_hold_s: float = 300.0
    # How long one idle fetch waits for a message before looking at `stop` again.
    fetch_timeout_s: float = 1.0
    relay_interval_s: float = 1.0
    relay_grace_s: float = 2.0

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.max_deliver < 1:
            raise ValueError("concurrency and max_deliver must be at least 1")
        if self.ack_wait_s <= 0 or self.handler_timeout_s <= 0:
            raise ValueError("ack_wait_s and handler_timeout_s must be positive")
