"""Every setting Redub reads, from environment variables (documented in `.env.example`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process-wide configuration; `REDUB_*` plus the vendors' usual names."""

    model_config = SettingsConfigDict(
        env_prefix="REDUB_", env_file=".env", extra="ignore", populate_by_name=True
    )

    nats_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDUB_NATS_URL", "NATS_URL")
    )
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDUB_DATABASE_URL", "DATABASE_URL")
    )
    # The tables' owner, for `redub migrate` and `redub replay`; services never get it.
    owner_database_url: str | None = None
    # The login role `redub migrate` (and `redub dev`) make a member of `redub_app`, the
    # group with exactly the services' grants; services connect as it.
    app_db_user: str | None = None
    app_db_password: str | None = None
    state_dir: Path = Path(".redub")
    storage_dir: Path | None = None
    # HMAC key of the local blob store's signed URLs (`redub dev` generates one per state
    # folder; outside development a published or missing one stops the gateway from starting).
    blob_url_secret: str | None = None
    # Work in progress (rendered audio before it is stored); the system's temp folder when
    # unset. Beside the embedded blob store, storing a finished file is a rename.
    scratch_dir: Path | None = None

    # Object storage: "local" (the folder above, URLs signed by the gateway) or "supabase"
    # (Supabase Storage, one private bucket; the service-role key stays in this process: clients
    # only ever get Storage's own signed URLs).
    storage_backend: Literal["local", "supabase"] = "local"
    supabase_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDUB_SUPABASE_URL", "SUPABASE_URL")
    )
    supabase_service_role_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "REDUB_SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_SERVICE_ROLE_KEY"
        ),
    )
    supabase_bucket: str = "redub"
    # One Storage request (a large upload or download: between two chunks).
    supabase_timeout_s: float = 60.0
    # How long a call that meets a Storage outage is retried before it raises one.
    supabase_retry_s: float = 10.0

    # JetStream layout: one stream for every event; subjects are `<prefix>.<event type>`.
    stream_name: str = "REDUB"
    subject_prefix: str = "redub"
    duplicate_window_s: float = 120.0

    # Stage runner limits are per stage (libs/config/runner_overrides.py); the outbox relay
    # runs in every process.
    relay_interval_s: float = 1.0
    relay_grace_s: float = 2.0

    # Providers: offline by default so the whole system runs with no account.
    stt_provider: str = "pocketsphinx"
    translator_provider: str = "pseudo"
    tts_provider: str = "espeak"
    mixer_engine: str = "ffmpeg"
    espeak_bin: str = "espeak-ng"

    # Gateway.
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    gateway_url: str = "http://127.0.0.1:8080"
    # "development" accepts published secrets (never deploy it); anything else is production.
    environment: str = "production"
    # Supabase Auth signs with the project's HS256 secret, or (newer projects) with
    # asymmetric keys published at `<project>/auth/v1/.well-known/jwks.json`; set either or both.
    # `redub dev` generates a secret per state folder.
    jwt_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("REDUB_JWT_SECRET", "SUPABASE_JWT_SECRET")
    )
    jwt_jwks_url: str | None = None
    jwt_audience: str = "authenticated"
    # Required `iss` claim when set (e.g. https://<project>.supabase.co/auth/v1).
    jwt_issuer: str | None = None
    # Clock skew allowed on `exp`/`nbf`.
    jwt_leeway_s: float = 30.0
    # A declared upload (sent to its signed URL); a direct multipart one; any other body.
    max_upload_bytes: int = 500 * 1024 * 1024
    max_direct_upload_bytes: int = 100 * 1024 * 1024
    max_json_bytes: int = 1024 * 1024
    # Longest programme accepted (decoded length), and how long an upload URL stays valid.
    max_programme_s: float = 3 * 3600.0
    upload_url_ttl_s: int = 3600
    # Per caller: jobs running at once, and programme minutes submitted in any 24 hours.
    max_running_jobs: int = 5
    max_minutes_per_day: float = 600.0
    # Live progress (Server-Sent Events): how often the log is read, and a comment line this
    # often so proxies keep an idle stream open.
    sse_poll_s: float = 0.5
    sse_keepalive_s: float = 15.0
    # Lifetime of the single-use download links `GET /v1/jobs/{id}/download` hands out.
    download_link_ttl_s: int = 900
    supported_languages: list[str] = ["de", "en", "es", "fr", "it", "nl", "pt"]

    # Janitor.
    retention_hours: float = 48.0
    sweep_interval_s: float = 300.0
    # Handled keys older than this are dropped. A key must outlive its message's
    # redeliveries (max_deliver x (ack wait + backoff): minutes) and the relay's late
    # republishes (seconds); days leave a wide margin and bound the table.
    handled_horizon_days: float = 30.0

    # Garbage collection in service processes: 0 keeps Python's defaults. Above 0, the start-up
    # heap is frozen and young objects are collected every this many allocations, which cuts
    # the collector's share of CPU when a process handles thousands of small events a second.
    gc_young_threshold: int = 0

    # Observability.
    log_level: str = "INFO"
    metrics_port: int = 0

    @property
    def development(self) -> bool:
        """Whether published development secrets are acceptable."""
        return self.environment == "development"

    @property
    def blob_root(self) -> Path:
        """Folder of the embedded blob store."""
        return self.storage_dir or self.state_dir / "blobs"

    @property
    def blob_base_url(self) -> str:
        """Where the local blob store's signed URLs point (under the gateway)."""
        return f"{self.gateway_url.rstrip('/')}/v1/blobs"


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
