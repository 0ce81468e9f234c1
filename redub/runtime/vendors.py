"""The vendor sessions of one process: each opened on first use, all closed on shutdown."""

from collections.abc import Callable

from libs.billing.price_table import PriceTable, load_price_table
from libs.config.settings import Settings
from libs.vendors.retry import RetryPolicy
from libs.vendors.session import VendorConfig, VendorSession


class VendorNotConfigured(RuntimeError):
    """A vendor was asked for but its key is not set."""


class VendorSessions:
    """One `VendorSession` per vendor per process (its HTTP client and concurrency bound)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._sessions: dict[str, VendorSession] = {}
        self._prices: PriceTable | None = None

    @property
    def prices(self) -> PriceTable:
        """The price table (defaults, overridden by REDUB_PRICE_TABLE_FILE), read once."""
        if self._prices is None:
            self._prices = load_price_table(self.settings.price_table_file)
        return self._prices

    def configured(self, vendor: str) -> bool:
        """Whether the vendor's key is set."""
        return bool(_VENDORS[vendor](self.settings)[0])

    def get(self, vendor: str) -> VendorSession:
        """The vendor's session, opened on first use."""
        found = self._sessions.get(vendor)
        if found is not None:
            return found
        key, base_url, limit = _VENDORS[vendor](self.settings)
        if not key:
            raise VendorNotConfigured(f"{vendor} needs its API key (e.g. {vendor.upper()}_API_KEY)")
        s = self.settings
        session = VendorSession(
            VendorConfig(
                vendor=vendor,
                api_key=key,
                base_url=base_url,
                max_concurrent=limit,
                timeout_s=s.vendor_timeout_s,
                retry=RetryPolicy(
                    attempts=s.vendor_retry_attempts,
                    base_s=s.vendor_retry_base_s,
                    max_s=s.vendor_retry_max_s,
                ),
            )
        )
        self._sessions[vendor] = session
        return session

    async def close(self) -> None:
        """Close every session opened."""
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.aclose()


_VENDORS: dict[str, Callable[[Settings], tuple[str | None, str, int]]] = {
    "deepgram": lambda s: (s.deepgram_api_key, s.deepgram_base_url, s.deepgram_max_concurrent),
    "openai": lambda s: (s.openai_api_key, s.openai_base_url, s.openai_max_concurrent),
    "elevenlabs": lambda s: (
        s.elevenlabs_api_key,
        s.elevenlabs_base_url,
        s.elevenlabs_max_concurrent,
    ),
}
