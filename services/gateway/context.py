"""What the gateway's handlers share."""

from dataclasses import dataclass, field

from libs.config.settings import Settings
from libs.events.bus import Bus
from libs.events.group_commit import GroupCommitter
from libs.events.postgres_store import PostgresEventStore
from libs.languages.support import LanguageSupport
from libs.storage.blob_store import BlobStore


@dataclass(slots=True)
class GatewayContext:
    """Settings, open connections, and the group committer submissions go through."""

    settings: Settings
    store: PostgresEventStore
    bus: Bus
    blobs: BlobStore
    # What the configured providers can do; None: only the settings' allow-list is checked.
    languages: LanguageSupport | None = None
    committer: GroupCommitter = field(init=False)

    def __post_init__(self) -> None:
        self.committer = GroupCommitter(self.store, self.bus)
