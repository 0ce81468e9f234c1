"""Redelivery delays."""


def backoff_delay(attempt: int, base_s: float, max_s: float) -> float:
    """Exponential delay before delivery `attempt + 1`: base, 2 base, 4 base ... capped."""
    return float(min(max_s, base_s * 2 ** max(0, attempt - 1)))
