"""The transcriber on the demo voice: faster-whisper's real-time factor and word error rate,
next to pocketsphinx (the smallest offline fallback) measured in the same run."""

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.report import REPO, Figure, figure, progress
from bench.stats import median
from libs.transcription.faster_whisper_stt import FasterWhisperSpeechToText
from libs.transcription.pocketsphinx_stt import PocketSphinxSpeechToText
from libs.transcription.provider import SpeechToText
from libs.transcription.whisper_model import packaged_model
from libs.transcription.word_error_rate import word_error_rate
from redub.cli.demo_media import DEFAULT_LINES, make_demo_stems

# The shared English sample says "one two three" (its source project's tests expect it).
ENGLISH_SAMPLE = REPO / "tests" / "media" / "english.wav"
ENGLISH_SAMPLE_TEXT = "one two three"


@dataclass(frozen=True, slots=True)
class SttMeasured:
    """One provider's figures on the demo voice."""

    load_s: float
    median_s: float
    # CPU seconds (every thread of this process) per transcription: on a machine shared
    # with other work, wall time grows with the load while this does not.
    median_cpu_s: float
    audio_s: float
    wer_demo: float
    wer_sample: float

    @property
    def real_time_factor(self) -> float:
        """Seconds of work per second of audio (below 1: faster than real time)."""
        return self.median_s / self.audio_s


async def measure(stt: SpeechToText, voice: Path, runs: int) -> SttMeasured:
    """Load (first, untimed transcription), then the median of `runs` timed ones."""
    started = time.monotonic()
    first = await stt.transcribe(voice, "en")
    load_s = time.monotonic() - started
    seconds, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.monotonic(), time.process_time()
        await stt.transcribe(voice, "en")
        seconds.append(time.monotonic() - started)
        cpu.append(time.process_time() - cpu_started)
    transcript = first.transcript
    heard = " ".join(s.text for s in transcript.segments)
    sample = (await stt.transcribe(ENGLISH_SAMPLE, "en")).transcript
    return SttMeasured(
        load_s=load_s,
        median_s=median(seconds),
        median_cpu_s=median(cpu),
        audio_s=transcript.duration_s,
        wer_demo=word_error_rate(" ".join(DEFAULT_LINES), heard),
        wer_sample=word_error_rate(ENGLISH_SAMPLE_TEXT, " ".join(s.text for s in sample.segments)),
    )


async def run_stt(runs: int, beam_size: int) -> list[Figure]:
    """Figures for faster-whisper (beam `beam_size` and greedy) against pocketsphinx."""
    with tempfile.TemporaryDirectory(prefix="bench-stt-") as tmp:
        voice, _ = await make_demo_stems(Path(tmp))
        progress("stt: pocketsphinx (baseline)")
        base = await measure(PocketSphinxSpeechToText(), voice, runs)
        figures = [figure("stt_pocketsphinx", "audio_seconds", base.audio_s, "s")]
        for beam in dict.fromkeys((beam_size, 1)):
            progress(f"stt: faster-whisper tiny.en int8, beam {beam}")
            stt = FasterWhisperSpeechToText(packaged_model(), beam_size=beam)
            m = await measure(stt, voice, runs)
            bench = f"stt_faster_whisper_beam{beam}"
            figures += [
                figure(bench, "real_time_factor", m.real_time_factor, "x", base.real_time_factor),
                figure(bench, "median_seconds", m.median_s, "s", base.median_s),
                figure(
                    bench,
                    "cpu_real_time_factor",
                    m.median_cpu_s / m.audio_s,
                    "x",
                    base.median_cpu_s / base.audio_s,
                ),
                figure(bench, "first_call_seconds", m.load_s, "s", base.load_s),
                figure(bench, "wer_demo_voice", m.wer_demo, "ratio", base.wer_demo),
                figure(bench, "wer_english_sample", m.wer_sample, "ratio", base.wer_sample),
            ]
        figures += [
            figure("stt_pocketsphinx", "real_time_factor", base.real_time_factor, "x"),
            figure(
                "stt_pocketsphinx", "cpu_real_time_factor", base.median_cpu_s / base.audio_s, "x"
            ),
            figure("stt_pocketsphinx", "wer_demo_voice", base.wer_demo, "ratio"),
            figure("stt_pocketsphinx", "wer_english_sample", base.wer_sample, "ratio"),
        ]
        return figures


def stt_bench(runs: int, beam_size: int) -> list[Figure]:
    """Run the transcriber benchmark in its own event loop."""
    return asyncio.run(run_stt(runs, beam_size))
