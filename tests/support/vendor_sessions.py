"""Vendor sessions pointed at the fake server, with retries fast enough for tests."""

from libs.vendors.retry import RetryPolicy
from libs.vendors.session import VendorConfig, VendorSession

FAST_RETRY = RetryPolicy(attempts=3, base_s=0.01, max_s=0.05, max_retry_after_s=2.0)


def session(vendor: str, base_url: str, *, limit: int = 8, timeout_s: float = 5.0) -> VendorSession:
    return VendorSession(
        VendorConfig(
            vendor=vendor,
            api_key=f"test-{vendor}-key",
            base_url=base_url,
            max_concurrent=limit,
            timeout_s=timeout_s,
            retry=FAST_RETRY,
        )
    )
