"""What the gateway's handlers share."""

from dataclasses import dataclass, field

from libs.config.settings import Settings
from libs.events.bus import Bus
from libs.events.postgres_store import PostgresEventStore
from libs.languages.support import LanguageSupport
from libs.storage.blob_store import BlobStore
from libs.synthesis.provider_table import SpeechProviders
from services.gateway.caller_reads import CallerReads
from services.gateway.view_cache import ViewCache


@dataclass(slots=True)
class GatewayContext:
    """Settings and open connections (each request's database work runs as its caller:
    `user_session`)."""

    settings: Settings
    store: PostgresEventStore
    # The one-statement read of a job as its caller (`GET /v1/jobs/{id}`), pooled apart.
    reads: CallerReads
    bus: Bus
    blobs: BlobStore
    # What the configured providers can do; None: only the settings' allow-list is checked.
    languages: LanguageSupport | None = None
    # The speech providers, whose voices a job's voice map is checked against; None: unchecked.
    speech: SpeechProviders | None = None
    # Bodies of `GET /v1/jobs/{id}` kept until the job's next event; off unless it listens.
    view_cache: ViewCache = field(default_factory=lambda: ViewCache(0))
