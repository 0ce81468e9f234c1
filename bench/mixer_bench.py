"""The mixer benchmark: the stage on a 10-minute programme next to a bare two-pass `loudnorm`
ffmpeg mix of the same two stems (medians of a few runs), and its peak memory on 60 minutes.

Memory is the stage process with its children (ffmpeg, rubberband), sampled from /proc every
100 ms: the figure held to the target is the largest sum over the tree of each process's
proportional set size (PSS, /proc/PID/smaps_rollup), so pages shared between processes (the
libraries of a forked child, ffmpeg's own libraries in two ffmpegs at once) count once in
total, not once per process as a sum of RSS would. Also reported: the largest peak resident
size of any single process (VmHWM, the kernel's own high-water mark, and getrusage), and the
old sum of RSS for comparison.
"""

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
    peak_tree_mb: float  # largest sampled sum of PSS over the stage process and its children
    peak_single_mb: float  # largest peak RSS of any one process (VmHWM / getrusage)
    peak_rss_sum_mb: float  # largest sampled sum of RSS (counts shared pages more than once)


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
    long_times, memory = _stage(p60, root / "long")
    long_took = long_times["seconds"]
    progress(
        f"mixer: {long[0] / 60:g}-minute run {long_took:.1f} s, peak {memory.pss_kb / 1024:.0f} MB (sum of"
        f" PSS), largest process {memory.single_kb / 1024:.0f} MB, sum of RSS"
        f" {memory.rss_sum_kb / 1024:.0f} MB"
    )
    return MixerMeasured(
        short_s=short[0], short_lines=short[1],
        stage_s=statistics.median(stage_s), fit_s=statistics.median(fit_s),
        render_s=statistics.median(render_s), baseline_s=statistics.median(baseline_s), runs=runs,
        long_s=long[0], long_lines=long[1], long_stage_s=long_took,
        peak_tree_mb=memory.pss_kb / 1024, peak_single_mb=memory.single_kb / 1024,
        peak_rss_sum_mb=memory.rss_sum_kb / 1024,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class PeakMemory:
    """A run's peaks in KiB: sum of PSS over the tree, largest single process, sum of RSS."""

    pss_kb: int
    single_kb: int
    rss_sum_kb: int


def _stage(p: Programme, folder: Path) -> tuple[dict[str, float], PeakMemory]:
    """One run of the stage in its own process: its seconds and its peak memory."""
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
    single = max(report["maxrss_self_kb"], report["maxrss_children_kb"], sampler.peak_hwm_kb)
    times = {k: float(report[k]) for k in ("seconds", "fit_s", "render_s")}
    # A sample can miss a short spike; no tree is smaller than its largest process's peak.
    pss = max(sampler.peak_pss_kb, max(report["maxrss_self_kb"], report["maxrss_children_kb"]))
    return times, PeakMemory(pss, single, sampler.peak_rss_sum_kb)


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
    """Samples a process and its descendants from /proc: peaks of the summed PSS and RSS, and
    the largest VmHWM seen."""

    def __init__(self, pid: int, every_s: float = 0.1) -> None:
        self.pid, self.every_s = pid, every_s
        self.peak_pss_kb = self.peak_rss_sum_kb = self.peak_hwm_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            pss = rss = 0
            for pid in _tree(self.pid):
                fields = _memory_kb(pid)
                pss += fields.get("Pss", 0)
                rss += fields.get("VmRSS", 0)
                self.peak_hwm_kb = max(self.peak_hwm_kb, fields.get("VmHWM", 0))
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.peak_rss_sum_kb = max(self.peak_rss_sum_kb, rss)


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


def _memory_kb(pid: int) -> dict[str, int]:
    """Pss (smaps_rollup), VmRSS and VmHWM (status) of a process in KiB; {} once it is gone."""
    found: dict[str, int] = {}
    try:
        for name in ("smaps_rollup", "status"):
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                key, _, rest = line.partition(":")
                if key in ("Pss", "VmRSS", "VmHWM"):
                    found[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return found
