"""What the embedded servers share: a child process with a log file and a fixed port."""

import subprocess
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self


class Lifecycle(ABC):
    """Something started and stopped, also as a `with` block (a server, a cluster of them)."""

    @abstractmethod
    def start(self, timeout: float = 60.0) -> None:
        """Start and block until it answers."""

    @abstractmethod
    def stop(self, timeout: float = 30.0) -> None:
        """Shut down gracefully."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ServerProcess(Lifecycle):
    """A server run as a child process; `restart` keeps its ports and data directory."""

    log_path: Path
    _proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def restart(self, timeout: float = 60.0) -> None:
        """Stop, then start again on the same ports and data directory."""
        self.stop()
        self.start(timeout)

    def _spawn(self, command: list[str], **popen: Any) -> None:
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Own session: a Ctrl-C aimed at `redub dev` must not bypass our orderly stop().
            start_new_session=True,
            **popen,
        )

    def _release(self) -> None:
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
