"""The gateway app in-process over real PostgreSQL and NATS, with a client for a seeded user."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from libs.auth.tokens import mint_token
from libs.config.settings import Settings
from libs.events.postgres_store import PostgresEventStore
from redub.runtime.connections import connect
from redub.runtime.providers import language_support, speech_providers
from services.gateway.app import create_app
from services.gateway.caller_reads import CallerReads
from services.gateway.context import GatewayContext
from services.gateway.view_cache import ViewCache
from tests.support.builders import USER


@dataclass
class Gateway:
    """A client signed in as `USER`, the store behind the app, and tokens for anyone."""

    client: httpx.AsyncClient
    store: PostgresEventStore
    settings: Settings
    # The app itself, for a client of its own (e.g. one without the user's token).
    transport: httpx.ASGITransport

    def token(self, user: UUID = USER, **claims: Any) -> str:
        assert self.settings.jwt_secret
        return mint_token(user, self.settings.jwt_secret, **claims)

    def as_user(self, user: UUID) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}


@asynccontextmanager
async def gateway(
    database_url: str,
    nats_url: str,
    stream_prefix: str,
    tmp_path: Path,
    *,
    ask_providers: bool = False,
    **overrides: Any,
) -> AsyncIterator[Gateway]:
    """The app over real servers; `ask_providers` checks submissions against what the
    configured providers can do (languages, voices), as the gateway process does."""
    settings = Settings(
        database_url=database_url,
        nats_url=nats_url,
        state_dir=tmp_path,
        stream_name=stream_prefix.upper(),
        subject_prefix=stream_prefix,
        jwt_secret=secrets.token_urlsafe(40),
        blob_url_secret=secrets.token_urlsafe(40),
        **overrides,
    )
    conns = await connect(settings, pool_size=4)
    speech = speech_providers(settings) if ask_providers else None
    languages = language_support(settings, speech=speech) if ask_providers else None
    reads = await CallerReads.connect(database_url, size=2)
    # As the gateway process has it: bodies kept until the bus brings a job's next event.
    view_cache = ViewCache(settings.gateway_view_cache_s)
    changes = await conns.bus.watch_jobs(view_cache.changed)
    view_cache.listen(changes)
    app = create_app(
        GatewayContext(
            settings, conns.store, reads, conns.bus, conns.blobs, languages, speech, view_cache
        )
    )
    assert settings.jwt_secret
    token = mint_token(USER, settings.jwt_secret)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://gw",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield Gateway(client, conns.store, settings, transport)
    await changes.close()
    await conns.bus.js.delete_stream(conns.bus.stream)
    await reads.close()
    await conns.close()
