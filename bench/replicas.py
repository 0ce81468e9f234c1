"""Replicas of every stage for a benchmark: processes of `bench.mixed_stage` sharing each
stage's durable consumer, started together, stopped by draining, and counted per item."""

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from bench.pipeline import STAGES
from bench.report import REPO, progress
from libs.config.settings import Settings
from redub.runtime.dev_stack import DevStack


class Replicas:
    """`count` processes per stage; each writes a line per item it handled under `items/`."""

    def __init__(self, settings: Settings, folder: Path, count: int, env: dict[str, str]) -> None:
        self.folder = folder
        self.items_dir = folder / "items"
        self.count = count
        self.procs: dict[str, list[subprocess.Popen[bytes]]] = {s: [] for s in STAGES}
        stack = DevStack(
            settings, services=(), extra_env={**env, "BENCH_ITEMS_DIR": str(self.items_dir)}
        )
        stack.start_servers()  # the servers run already: this migrates and makes the app login
        self.env = stack.env()

    def start(self) -> None:
        """Spawn every replica, logging to `logs/<stage>-<n>.log`."""
        logs = self.folder / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for stage in STAGES:
            for n in range(self.count):
                with (logs / f"{stage}-{n}.log").open("ab") as log:
                    proc = subprocess.Popen(
                        [sys.executable, "-m", "bench.mixed_stage", stage],
                        env=self.env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        cwd=REPO,
                    )
                self.procs[stage].append(proc)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every replica (they drain), then wait; SIGKILL one that will not go."""
        alive = [p for ps in self.procs.values() for p in ps if p.poll() is None]
        for p in alive:
            p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in alive:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def dead(self) -> list[str]:
        """Replicas that exited, as "stage pid (code)"."""
        return [
            f"{s} {p.pid} ({p.returncode})"
            for s, ps in self.procs.items()
            for p in ps
            if p.poll() is not None
        ]

    def items(self, job_ids: set[str]) -> tuple[dict[str, dict[int, int]], int, int]:
        """Per stage and replica, the items of `job_ids` it handled (every line, so a
        redelivered item counts where it ran again); and how many, and how many slow."""
        out: dict[str, dict[int, int]] = {s: {p.pid: 0 for p in ps} for s, ps in self.procs.items()}
        total = slow = 0
        for stage, pids in out.items():
            for pid in pids:
                path = self.items_dir / f"{stage}.{pid}.items"
                if not path.exists():
                    continue
                for line in path.read_text().splitlines():
                    job, _, is_slow, *_ = line.split("\t")
                    if job in job_ids:
                        pids[pid] += 1
                        total += 1
                        slow += is_slow == "1"
        return out, total, slow

    async def wait_ready(self, js: JetStreamContext, stream: str, timeout: float = 60.0) -> None:
        """Until every stage's durable consumer exists and has a pull request waiting from
        each replica (so none starts with a head start); a replica that exits fails the run."""
        deadline = time.monotonic() + timeout
        for stage in STAGES:
            waiting = 0
            while True:
                if dead := self.dead():
                    raise RuntimeError(f"replica exited: {dead}; see {self.folder / 'logs'}")
                try:
                    waiting = (await js.consumer_info(stream, stage)).num_waiting or 0
                except NotFoundError:
                    waiting = -1
                if waiting >= self.count:
                    break
                if time.monotonic() > deadline:
                    if waiting < 0:
                        raise TimeoutError(f"stage {stage} did not subscribe in {timeout:.0f} s")
                    progress(f"replicas: {stage}: {waiting} of {self.count} pulling; going on")
                    break
                await asyncio.sleep(0.1)
