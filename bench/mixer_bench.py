"""The mixer benchmark: the stage on a 10-minute programme next to a bare two-pass `loudnorm`
ffmpeg mix of the same two stems (medians of a few runs), and its peak memory on 60 minutes."""

import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.mixer_programme import Programme, build_programme
from bench.report import REPO, progress

WALL_TARGET_RATIO = 1.5
MEMORY_TARGET_MB = 300.0


@dataclass(frozen=True, slots=True)
class MixerMeasured:
    """Medians of the 10-minute runs and the 60-minute run's memory."""

    short_s: float
    short_lines: int
    stage_s: float
    fit_s: float  # of which fitting the lines (media-fit's part)
    render_s: float  # and rendering the mix
    baseline_s: float
    runs: int
    long_s: float
    long_lines: int
    long_stage_s: float
    peak_tree_mb: float  # sampled sum over the stage process and its children
    peak_single_mb: float  # largest single process (getrusage)


def run_mixer(
    root: Path, runs: int, short: tuple[float, int], long: tuple[float, int]
) -> MixerMeasured:
    """Build both programmes, time the stage and the baseline alternately, then the long run."""
    progress(f"mixer: building a {short[0]:.0f} s programme with {short[1]} lines")
    p10 = build_programme(root / "short", *short)
    stage_s: list[float] = []
    fit_s: list[float] = []
    render_s: list[float] = []
    baseline_s: list[float] = []
    for n in range(1, runs + 1):
        times, _ = _stage(p10, root / "short")
        stage_s.append(times["seconds"])
        fit_s.append(times["fit_s"])
        render_s.append(times["render_s"])
        baseline_s.append(_baseline(p10, root / "short"))
        progress(
            f"mixer: run {n}/{runs}: stage {stage_s[-1]:.1f} s (fitting {fit_s[-1]:.1f} s,"
            f" rendering {render_s[-1]:.1f} s), bare ffmpeg {baseline_s[-1]:.1f} s"
        )
    progress(f"mixer: building a {long[0]:.0f} s programme with {long[1]} lines")
    p60 = build_programme(root / "long", *long)
    long_times, (tree_kb, single_kb) = _stage(p60, root / "long")
    long_took = long_times["seconds"]
    progress(f"mixer: 60-minute run {long_took:.1f} s, peak {tree_kb / 1024:.0f} MB")
    return MixerMeasured(
        short_s=short[0], short_lines=short[1],
        stage_s=statistics.median(stage_s), fit_s=statistics.median(fit_s),
        render_s=statistics.median(render_s), baseline_s=statistics.median(baseline_s), runs=runs,
        long_s=long[0], long_lines=long[1], long_stage_s=long_took,
        peak_tree_mb=tree_kb / 1024, peak_single_mb=single_kb / 1024,
    )  # fmt: skip


def _stage(p: Programme, folder: Path) -> tuple[dict[str, float], tuple[int, int]]:
    """One run of the stage in its own process: (its seconds, (peak tree KiB, peak single KiB))."""
    ready = folder / "ready.json"
    ready.write_text(p.ready.model_dump_json())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.mixer_stage", str(p.blobs_root), str(ready)],
        stdout=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    sampler = _TreeSampler(child.pid)
    sampler.start()
    out, _ = child.communicate()
    sampler.stop()
    if child.returncode != 0:
        raise RuntimeError(f"the mixer stage failed (exit code {child.returncode})")
    # The last line: the stage logs (structlog) to stdout before it.
    report = json.loads(out.decode().strip().splitlines()[-1])
    single = max(report["maxrss_self_kb"], report["maxrss_children_kb"])
    times = {k: float(report[k]) for k in ("seconds", "fit_s", "render_s")}
    return times, (max(sampler.peak_kb, single), single)


def _baseline(p: Programme, folder: Path) -> float:
    """A bare ffmpeg mix of the background and voice stems, two-pass loudnorm, to WAV."""
    background = p.background
    voice = folder / "voice.wav"
    mix = "[1:a]aresample=48000,pan=stereo|c0=c0|c1=c0[v];[0:a][v]amix=inputs=2:duration=first:normalize=0"
    norm = "loudnorm=I=-23:TP=-1:LRA=20"
    started = time.perf_counter()
    first = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", str(background), "-i", str(voice),
         "-filter_complex", f"{mix},{norm}:print_format=json", "-f", "null", "-"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    found = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", first.stderr)
    if found is None:
        raise RuntimeError("loudnorm printed no measurement")
    m = json.loads(found.group(0))
    measured = (
        f"measured_I={m['input_i']}:measured_TP={m['input_tp']}:measured_LRA={m['input_lra']}:"
        f"measured_thresh={m['input_thresh']}:offset={m['target_offset']}:linear=true"
    )
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(background), "-i", str(voice),
         "-filter_complex", f"{mix},{norm}:{measured},aresample=48000",
         "-c:a", "pcm_s24le", str(folder / "baseline-mix.wav")],
        check=True,
    )  # fmt: skip
    took = time.perf_counter() - started
    (folder / "baseline-mix.wav").unlink(missing_ok=True)
    return took


class _TreeSampler:
    """Samples the summed resident size of a process and its descendants from /proc."""

    def __init__(self, pid: int, every_s: float = 0.1) -> None:
        self.pid, self.every_s, self.peak_kb = pid, every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in _tree(self.pid)))


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
