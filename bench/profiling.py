"""Optional py-spy sampling of the stage processes during the burst (`--profile DIR`)."""

import contextlib
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from bench.report import progress


@contextlib.contextmanager
def sampled(pids: Mapping[str, int], out: Path | None) -> Iterator[None]:
    """Record collapsed stacks of each process into `out/<name>.txt` while inside."""
    if out is None:
        yield
        return
    spy = shutil.which("py-spy")
    if spy is None:
        progress("profile: py-spy not on PATH (pip install py-spy); not profiling")
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    recorders = []
    for name, pid in pids.items():
        command = [spy, "record", "--pid", str(pid), "--rate", "200", "--format", "raw"]
        command += ["--nonblocking", "-o", str(out / f"{name}.txt")]
        recorders.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    try:
        yield
    finally:
        for r in recorders:
            r.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for r in recorders:
            try:
                r.wait(30)
            except subprocess.TimeoutExpired:
                r.kill()
                r.wait()
        progress(f"profile: collapsed stacks in {out}")
