"""The whole system on one machine: embedded servers when no URLs are set, one process
per service, all sharing one state folder."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from libs.config.settings import Settings
from libs.schema.app_role import DEV_APP_PASSWORD, DEV_APP_USER, ensure_app_login
from libs.schema.migrate import migrate
from libs.servers.nats import EmbeddedNats
from libs.servers.ports import free_port
from libs.servers.postgres import EmbeddedPostgres
from redub.runtime.dev_secrets import dev_secrets

SERVICES = ("gateway", "transcriber", "translator", "synthesizer", "mixer", "janitor")


@dataclass
class DevStack:
    """Starts servers (if needed) and service processes; `stop()` undoes it all."""

    settings: Settings
    services: tuple[str, ...] = SERVICES
    extra_env: dict[str, str] = field(default_factory=dict)
    nats: EmbeddedNats | None = None
    postgres: EmbeddedPostgres | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)
    # What the services connect as: a LOGIN member of `redub_app`, not the tables' owner.
    app_database_url: str | None = None

    @property
    def state_dir(self) -> Path:
        """Where servers, blobs and logs live."""
        return self.settings.state_dir.resolve()

    def start_servers(self) -> None:
        """Use configured NATS/Postgres URLs, or start embedded ones under the state folder;
        migrate as the owner and make the services' login role."""
        self.fill_secrets()
        if not self.settings.nats_url:
            self.nats = EmbeddedNats(self.state_dir / "nats")
            self.nats.start()
            self.settings.nats_url = self.nats.url
        if not self.settings.database_url:
            self.postgres = EmbeddedPostgres(self.state_dir / "postgres")
            self.postgres.start()
            self.settings.database_url = self.postgres.url
        s = self.settings
        owner = s.owner_database_url or s.database_url
        assert owner is not None
        migrate(owner)
        self.app_database_url = ensure_app_login(
            owner, s.app_db_user or DEV_APP_USER, s.app_db_password or DEV_APP_PASSWORD
        )

    def fill_secrets(self) -> None:
        """Secrets not set are this state folder's own (generated once)."""
        generated = dev_secrets(self.state_dir)
        self.settings.jwt_secret = self.settings.jwt_secret or generated.jwt
        self.settings.blob_url_secret = self.settings.blob_url_secret or generated.blob_urls

    def env(self) -> dict[str, str]:
        """The environment every service process gets."""
        s = self.settings
        env = dict(os.environ)
        env.update(
            {
                "REDUB_NATS_URL": s.nats_url or "",
                "REDUB_DATABASE_URL": self.app_database_url or "",
                "REDUB_STATE_DIR": str(self.state_dir),
                "REDUB_STORAGE_DIR": str(s.blob_root.resolve()),
                "REDUB_SCRATCH_DIR": str((s.scratch_dir or self.state_dir / "scratch").resolve()),
                "REDUB_GATEWAY_PORT": str(s.gateway_port),
                # Signed URLs (uploads, blob fetches) point at this gateway.
                "REDUB_GATEWAY_URL": s.gateway_url,
                "REDUB_STREAM_NAME": s.stream_name,
                "REDUB_SUBJECT_PREFIX": s.subject_prefix,
                "REDUB_JWT_SECRET": s.jwt_secret or "",
                "REDUB_BLOB_URL_SECRET": s.blob_url_secret or "",
            }
        )
        env.update(self.extra_env)
        # Services never get the owner's URL, whatever the parent's environment holds.
        for name in ("REDUB_OWNER_DATABASE_URL", "DATABASE_URL", "SUPABASE_JWT_SECRET"):
            env.pop(name, None)
        return env

    def start_service(self, name: str) -> subprocess.Popen[bytes]:
        """Spawn `redub serve <name>`, logging to `<state>/logs/<name>.log`."""
        logs = self.state_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        env = self.env()
        if name != "gateway":  # the gateway serves /metrics on its own port
            env["REDUB_METRICS_PORT"] = str(self.metrics_ports.setdefault(name, free_port()))
        with (logs / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "redub.cli.main", "serve", name],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.procs[name] = proc
        return proc

    def start(self, timeout: float = 90.0) -> None:
        """Servers, then every service; returns once the gateway answers."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if "gateway" in self.services and not self.settings.gateway_port:
            self.settings.gateway_port = free_port()
        self.settings.gateway_url = f"http://127.0.0.1:{self.settings.gateway_port}"
        self.start_servers()
        for name in self.services:
            self.start_service(name)
        if "gateway" in self.services:
            self.wait_for_gateway(timeout)

    def wait_for_gateway(self, timeout: float) -> None:
        """Poll `/healthz` until it answers or the gateway process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs["gateway"]
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the gateway exited ({proc.returncode}); see "
                    f"{self.state_dir / 'logs' / 'gateway.log'}"
                )
            try:
                if httpx.get(f"{self.settings.gateway_url}/healthz", timeout=1).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"the gateway did not answer within {timeout} s")

    def stop_service(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        """Signal one service and wait for it (SIGKILL if it will not go)."""
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop(self) -> None:
        """Drain every service (SIGTERM), then stop the embedded servers."""
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name in list(self.procs):
            self.stop_service(name)
        if self.nats:
            self.nats.stop()
        if self.postgres:
            self.postgres.stop()
