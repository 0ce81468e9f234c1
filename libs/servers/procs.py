"""Linux /proc helpers for processes we did not start ourselves (orphans, grandchildren)."""

import os
import signal
import time
from pathlib import Path


def read_pid_file(path: Path) -> int | None:
    """Return the pid on the first line of `path`, or None if absent or unreadable."""
    try:
        first = path.read_text().split("\n", 1)[0].strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(first) if first.isdigit() else None


def alive(pid: int) -> bool:
    """True if `pid` runs; zombies count as gone since they hold no ports or shared memory."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def runs_with(pid: int, argument: str) -> bool:
    """True if live process `pid` has `argument` among its command-line arguments."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return os.fsencode(argument) in argv and alive(pid)


def children(pid: int) -> list[int]:
    """Pids whose parent is `pid`."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def send(pid: int, sig: signal.Signals) -> None:
    """Send `sig` to `pid`, ignoring processes that are already gone."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_gone(pids: list[int], timeout: float) -> bool:
    """Poll until none of `pids` is alive; False if `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _stat_fields(pid: int) -> list[str] | None:
    # Fields after the parenthesised command name: state, ppid, ...
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()
