"""CPU time of process trees from /proc: who burns the cycles during a run."""

import os
from collections.abc import Mapping
from pathlib import Path

from libs.servers import procs

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def own_cpu_s(pid: int) -> float:
    """User + system seconds of `pid` alone."""
    fields = _stat(pid)
    # After the command name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    return sum(int(x) for x in fields[11:13]) / _TICK if fields else 0.0


def tree_cpu_s(pid: int) -> float:
    """User + system seconds of `pid`, its live descendants and its reaped children
    (e.g. the ffprobe runs a stage waited for)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    total = sum(int(x) for x in fields[11:15]) / _TICK
    return total + sum(tree_cpu_s(child) for child in procs.children(pid))


def snapshot(trees: Mapping[str, int], single: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process tree and each named single process."""
    return {name: tree_cpu_s(pid) for name, pid in trees.items()} | {
        name: own_cpu_s(pid) for name, pid in single.items()
    }


def delta(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds spent between two snapshots, by name."""
    return {name: after[name] - before.get(name, 0.0) for name in after}
