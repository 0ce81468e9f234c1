"""Measured checks of a dub's outputs, with tolerances: decode, measure, compare.

Each `check_*` returns the problems it found (sentences; empty when all is well) and
`check_dub` runs them all on one language's files and raises one AssertionError naming
every problem, or returns the figures it measured (for a test's report). The programme is a
golden one (`programmes.py`, each line built for a situation) or one a finished job describes
(`observed_programme.py`, the lines its transcript found).
"""

import hashlib
import io
import itertools
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import soundfile as sf
import srt
import webvtt
from PIL import Image

from libs.documents.transcript import Transcript
from libs.media.timeline_scene import HEIGHT, WIDTH
from tests.support.dub_lengths import (
    AAC_KINDS,
    WAV_KINDS,
    check_declared,
    check_durations,
    declared_frames,
    decoded_frames,
)

REQUIRED_KINDS = (
    *WAV_KINDS,
    *AAC_KINDS,
    "srt",
    "vtt",
    "manifest",
    "timeline_png",
    "timeline_svg",
    "transcript",
    "source_srt",
    "source_vtt",
    "translation",
)
# Two meters of the same file (the mixer's, ffmpeg's) differ by a few hundredths of a dB.
METER_TOLERANCE_DB = 0.1
# Seconds and milliseconds are compared to a millisecond (what captions and JSON carry).
EPS = 0.0015
# A fade-out and the resampler's ringing may sound this far past a line's end.
SPILL_S = 0.03
SILENT_DBFS = -50.0
_EBUR128 = ["-af", "ebur128=peak=true", "-f", "null", "-"]


class SourceLine(Protocol):
    """What the checks know of a source line: its timing and the situation it was built for."""

    @property
    def index(self) -> int: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def next_start(self) -> float: ...
    @property
    def situation(self) -> str: ...


class DubbedProgramme(Protocol):
    """What the checks know of the programme: its length, lines and words."""

    @property
    def frames(self) -> int: ...
    @property
    def lines(self) -> Sequence[SourceLine]: ...
    @property
    def transcript(self) -> Transcript: ...
    @property
    def translation(self) -> Transcript: ...


@dataclass(frozen=True, slots=True)
class DubMeasures:
    """What a dub's outputs measured."""

    frames: dict[str, int]  # decoded, per audio kind
    declared: dict[str, Fraction]  # what each .m4a's container says it holds
    integrated_lufs: float
    true_peak_dbtp: float
    lines: int
    compressed: int
    borrowed: int
    overflowing: int
    highest_ratio: float
    cues: int


def check_dub(
    files: Mapping[str, Path],
    programme: DubbedProgramme,
    *,
    target_lufs: float = -23.0,
    tolerance_lu: float = 0.5,
    true_peak_max: float = -1.0,
    max_ratio: float = 1.25,
    require: Sequence[str] = REQUIRED_KINDS,
) -> DubMeasures:
    """Every check on one language's outputs; raises AssertionError listing all problems."""
    problems = [f"no {kind!r} artifact" for kind in require if kind not in files]
    manifest = json.loads(files["manifest"].read_bytes()) if "manifest" in files else {}
    lines: list[dict[str, Any]] = manifest.get("lines", [])
    frames = {k: decoded_frames(files[k]) for k in (*WAV_KINDS, *AAC_KINDS) if k in files}
    declared = {k: declared_frames(files[k]) for k in AAC_KINDS if k in files}
    problems += check_durations(frames, programme.frames)
    problems += check_declared(declared, programme.frames)
    lufs, peak = measure_loudness(files["mix"]) if "mix" in files else (float("nan"),) * 2
    problems += check_loudness(lufs, peak, target_lufs, tolerance_lu, true_peak_max)
    problems += check_reported_loudness(manifest, lufs, peak)
    problems += check_manifest(manifest, files)
    problems += check_lines(lines, programme, max_ratio)
    if "voice" in files:
        problems += check_voice_in_slots(files["voice"], lines)
    cues = 0
    if "srt" in files and "vtt" in files:
        srt_text, vtt_text = files["srt"].read_text(), files["vtt"].read_text()
        problems += check_captions(srt_text, vtt_text, lines)
        cues = len(list(srt.parse(srt_text)))
    if "timeline_png" in files and "timeline_svg" in files:
        problems += check_timeline(files["timeline_png"], files["timeline_svg"], len(lines))
    problems += check_words(files, programme)
    if problems:
        raise AssertionError("the dub fails its checks:\n- " + "\n- ".join(problems))
    return DubMeasures(
        frames=frames,
        declared=declared,
        integrated_lufs=lufs,
        true_peak_dbtp=peak,
        lines=len(lines),
        compressed=sum(1 for x in lines if x["stretch_ratio"] > 1.0),
        borrowed=sum(1 for x in lines if x["borrowed_s"] > 0),
        overflowing=sum(1 for x in lines if x["overflow_s"] > 0),
        highest_ratio=max((x["stretch_ratio"] for x in lines), default=1.0),
        cues=cues,
    )


def measure_loudness(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) by ffmpeg's `ebur128` filter."""
    log = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), *_EBUR128],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    summary = log[log.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if integrated is None or peak is None:
        raise ValueError(f"no ebur128 summary for {path.name}")
    return float(integrated.group(1)), float(peak.group(1))


def check_loudness(
    lufs: float, peak: float, target: float, tolerance: float, peak_max: float
) -> list[str]:
    """Integrated loudness within the tolerance of the target; true peak under its ceiling."""
    problems = []
    if not abs(lufs - target) <= tolerance + METER_TOLERANCE_DB:
        problems.append(f"the mix measures {lufs} LUFS, the target is {target} ±{tolerance}")
    if not peak <= peak_max + METER_TOLERANCE_DB:
        problems.append(f"the mix's true peak is {peak} dBTP, above {peak_max}")
    return problems


def check_reported_loudness(manifest: Mapping[str, Any], lufs: float, peak: float) -> list[str]:
    """The manifest's loudness is what the mix measures (to the meters' agreement)."""
    reported = manifest.get("loudness") or {}
    problems = []
    for name, measured in (("integrated_lufs", lufs), ("true_peak_dbtp", peak)):
        claim = reported.get(name)
        if claim is None:
            problems.append(f"the manifest gives no {name}")
        elif not abs(claim - measured) <= METER_TOLERANCE_DB:
            problems.append(f"the manifest says {name} {claim}, the mix measures {measured}")
    return problems


def check_manifest(manifest: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
    """Schema 2; every file but the manifest listed, with its real size and sha256."""
    if not manifest:
        return ["no manifest to read"]
    problems = []
    if manifest.get("schema_version") != 2:
        problems.append(f"manifest schema_version is {manifest.get('schema_version')!r}, not 2")
    listed = {a["kind"]: a for a in manifest.get("artifacts", [])}
    for kind, path in files.items():
        if kind == "manifest":
            continue
        entry = listed.get(kind)
        if entry is None:
            problems.append(f"the manifest does not list {kind!r}")
            continue
        data = path.read_bytes()
        if entry["size"] != len(data):
            problems.append(f"{kind}: manifest size {entry['size']}, file has {len(data)} bytes")
        if entry["sha256"] != hashlib.sha256(data).hexdigest():
            problems.append(f"{kind}: the manifest's sha256 does not match the file")
    return problems


def check_lines(
    lines: Sequence[Mapping[str, Any]], programme: DubbedProgramme, max_ratio: float
) -> list[str]:
    """Every dubbed line in its slot, in order, never overlapping, within the stretch cap."""
    problems = []
    golden = {g.index: g for g in programme.lines}
    if sorted(x["index"] for x in lines) != sorted(golden):
        problems.append(
            f"the manifest lists lines {[x['index'] for x in lines]}, not {sorted(golden)}"
        )
    ordered = sorted(lines, key=lambda x: x["dubbed_start"])
    for n, x in enumerate(ordered):
        i, (start, end) = x["index"], (x["dubbed_start"], x["dubbed_end"])
        g = golden.get(i)
        if g is None:
            continue
        if abs(x["original_start"] - g.start) > EPS or abs(x["original_end"] - g.end) > EPS:
            problems.append(
                f"line {i}: original timing {x['original_start']}-{x['original_end']}"
                f" is not {g.start}-{g.end}"
            )
        if start < g.start - EPS:
            problems.append(f"line {i} starts at {start}, before its original start {g.start}")
        if end > g.next_start + EPS or end > x["slot_end"] + EPS:
            problems.append(f"line {i} ends at {end}, past its slot (next line at {g.next_start})")
        if end < start:
            problems.append(f"line {i} ends before it starts")
        if n + 1 < len(ordered) and end > ordered[n + 1]["dubbed_start"] + EPS:
            problems.append(f"line {i} overlaps line {ordered[n + 1]['index']}")
        if not 1.0 - 1e-6 <= x["stretch_ratio"] <= max_ratio + 1e-6:
            problems.append(
                f"line {i} is stretched by {x['stretch_ratio']}, outside 1..{max_ratio}"
            )
        problems += _situation(i, g.situation, x, max_ratio)
    return problems


def _situation(i: int, situation: str, x: Mapping[str, Any], cap: float) -> list[str]:
    ratio, borrowed, overflow = x["stretch_ratio"], x["borrowed_s"], x["overflow_s"]
    # A line that fits may still be sped up a little to match its neighbours (smoothing),
    # but it stays within its original span.
    if situation == "fits" and (borrowed > 0 or overflow > 0):
        return [f"line {i} fits its span but borrowed {borrowed} s or overflowed {overflow} s"]
    if situation == "compress" and not (ratio > 1.05 and overflow == 0):
        return [f"line {i} had to be compressed into its slot: ratio {ratio}, overflow {overflow}"]
    if situation == "borrow" and not (borrowed > 0 and overflow == 0):
        return [f"line {i} had silence to borrow: borrowed {borrowed}, overflow {overflow}"]
    if situation == "overflow" and not (overflow > 0 and abs(ratio - cap) < 0.01):
        return [
            f"line {i} cannot fit: expected the cap {cap} and an overflow, got {ratio}, {overflow}"
        ]
    return []


def check_voice_in_slots(voice: Path, lines: Sequence[Mapping[str, Any]]) -> list[str]:
    """Measured on the voice stem: sound inside each dubbed span, silence between them."""
    audio, rate = sf.read(voice, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    spans = sorted((x["dubbed_start"], x["dubbed_end"], x["index"]) for x in lines)
    problems = []
    edges = [(0.0, 0.0, -1), *spans, (len(mono) / rate, len(mono) / rate, -1)]
    for (_, end, i), (start, _, j) in itertools.pairwise(edges):
        a, b = round((end + SPILL_S) * rate), round((start - SPILL_S) * rate)
        if b - a > rate // 100:
            level = _dbfs(float(np.max(np.abs(mono[a:b]))))
            if level > SILENT_DBFS:
                problems.append(
                    f"the voice stem sounds at {level:.1f} dBFS between lines {i} and {j}"
                    f" ({end:.3f}-{start:.3f} s)"
                )
    for start, end, i in spans:
        a, b = round(start * rate), round(end * rate)
        if b > a and _dbfs(float(np.sqrt(np.mean(np.square(mono[a:b]))))) < SILENT_DBFS:
            problems.append(f"line {i} is silent in the voice stem ({start:.3f}-{end:.3f} s)")
    return problems


def check_captions(
    srt_text: str, vtt_text: str, lines: Sequence[Mapping[str, Any]], max_chars: int = 42
) -> list[str]:
    """Both parse with the same cues; 42 characters, two lines; on the aligned timing."""
    problems = []
    cues = list(srt.parse(srt_text))
    vtt = webvtt.from_string(vtt_text).captions
    ms = [(_ms(c.start.total_seconds()), _ms(c.end.total_seconds())) for c in cues]
    if ms != [(c.start_time.in_milliseconds(), c.end_time.in_milliseconds()) for c in vtt]:
        problems.append("the SRT and WebVTT cues differ in timing")
    spans = sorted((_ms(x["dubbed_start"]), _ms(x["dubbed_end"])) for x in lines)
    for n, ((start, end), cue) in enumerate(zip(ms, cues, strict=True)):
        rows = cue.content.split("\n")
        if len(rows) > 2 or any(len(r) > max_chars for r in rows):
            problems.append(f"cue {n + 1} breaks the 42x2 layout: {rows}")
        if n + 1 < len(ms) and end > ms[n + 1][0]:
            problems.append(f"cue {n + 1} overlaps the next")
        if not any(a - 1 <= start <= b + 1 for a, b in spans):
            problems.append(f"cue {n + 1} starts at {start} ms, where no dubbed line sounds")
    starts = {s for s, _ in ms}
    for a, b in spans:
        if b > a and not any(abs(a - s) <= 1 for s in starts):
            problems.append(f"no cue starts where the dubbed line at {a} ms does")
    return problems


def check_timeline(png: Path, svg: Path, lines: int) -> list[str]:
    """The picture decodes at its fixed size; the SVG parses with one bar per dubbed line."""
    problems = []
    image = Image.open(io.BytesIO(png.read_bytes()))
    image.load()
    if (image.format, image.size) != ("PNG", (WIDTH, HEIGHT)):
        problems.append(f"timeline.png is {image.format} {image.size}, not PNG {WIDTH}x{HEIGHT}")
    root = ET.fromstring(svg.read_text())
    bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect") if e.get("class") == "dub"]
    if len(bars) != lines:
        problems.append(f"timeline.svg shows {len(bars)} dubbed lines, the manifest {lines}")
    return problems


def check_words(files: Mapping[str, Path], programme: DubbedProgramme) -> list[str]:
    """The source transcript, source captions and translation match the programme."""
    problems = []
    ids = [s.index for s in programme.transcript.segments]
    if "transcript" in files:
        doc = json.loads(files["transcript"].read_bytes())
        if [s["index"] for s in doc["segments"]] != ids:
            problems.append("the transcript artifact's segments are not the programme's")
    if "translation" in files:
        doc = json.loads(files["translation"].read_bytes())
        got = [(s["id"], s["text"]) for s in doc["segments"]]
        if got != [(s.index, s.text) for s in programme.translation.segments]:
            problems.append("the translation artifact's segments are not the programme's")
    if "source_srt" in files:
        cues = list(srt.parse(files["source_srt"].read_text()))
        first = min((s.start for s in programme.transcript.segments), default=0.0)
        if not cues or abs(cues[0].start.total_seconds() - first) > EPS:
            problems.append("the source captions do not start with the first source line")
    return problems


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _dbfs(amplitude: float) -> float:
    return 20 * float(np.log10(max(amplitude, 1e-10)))
