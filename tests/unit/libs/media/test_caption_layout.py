"""Caption layout: line breaks, cue splits and timing, checked through real parsers."""

import random

import srt
import webvtt

from libs.media.caption_layout import CaptionRules, Cue, TimedText, layout_cues, wrap
from libs.media.captions import srt_text, webvtt_text

RULES = CaptionRules()
WORDS = (
    "the a of and to in is it you that he was for on are with as I his they be at one have"
    " this from or had by word but what some we can out other were all there when up use"
    " your how said an each she which do their time if will way about many then them write"
    " would like so these her long make thing see him two has look more day could go come"
    " extraordinarily, incomprehensible. internationalisation! yes? no; maybe: well,"
).split()


def _check(lines: list[TimedText], cues: list[Cue], rules: CaptionRules = RULES) -> None:
    """Every invariant, on what `srt` and `webvtt-py` read back."""
    parsed = list(srt.parse(srt_text(cues)))
    vtt = webvtt.from_string(webvtt_text(cues)).captions
    assert len(parsed) == len(vtt) == len(cues)
    ends = sorted((round(t.end * 1000), round(t.start * 1000)) for t in lines)
    for n, (s, v) in enumerate(zip(parsed, vtt, strict=True)):
        start, end = round(s.start.total_seconds() * 1000), round(s.end.total_seconds() * 1000)
        assert (round(start), round(end)) == (
            v.start_time.in_milliseconds(),
            v.end_time.in_milliseconds(),
        )
        text_lines = s.content.split("\n")
        assert 1 <= len(text_lines) <= rules.max_lines
        assert all(0 < len(x) <= rules.max_chars for x in text_lines), text_lines
        assert v.lines == [x.replace("&", "&amp;") for x in text_lines]
        assert start < end <= start + rules.max_ms
        if n + 1 < len(parsed):
            following = round(parsed[n + 1].start.total_seconds() * 1000)
            assert end <= following
            # Shorter than the minimum only when the next cue starts at its end.
            if end - start < rules.min_ms:
                assert end == following or any(e >= end for e, _ in ends)
    # Nothing said is lost: the cues hold the lines' words in order.
    said = " ".join(t.text for t in sorted(lines, key=lambda t: (t.start, t.end))).split()
    shown = " ".join(s.content.replace("\n", " ") for s in parsed).split()
    assert "".join(shown) == "".join(said)


def test_a_short_line_is_one_cue_at_its_aligned_time() -> None:
    lines = [TimedText(1.25, 3.5, "Hello there.")]
    cues = layout_cues(lines)
    assert cues == [Cue(1250, 3500, ("Hello there.",))]
    _check(lines, cues)


def test_two_lines_break_at_punctuation_and_stay_balanced() -> None:
    text = "When the night came, everybody went home and slept until noon."
    [cue] = layout_cues([TimedText(0, 5, text)])
    assert cue.lines == ("When the night came,", "everybody went home and slept until noon.")


def test_break_before_a_conjunction_rather_than_inside_a_phrase() -> None:
    lines = wrap("I would like a cup of coffee and a slice of that lemon cake".split())
    assert lines[1].startswith(("and", "of")), lines
    assert all(len(x) <= 42 for x in lines)


def test_a_line_never_ends_on_an_article_or_a_preposition() -> None:
    for text in (
        "We walked all the way along the river to the old mill by the bridge",
        "Nous avons marché le long de la rivière jusqu'au vieux moulin du village",
    ):
        top, _ = wrap(text.split())
        assert top.split()[-1].lower() not in {"the", "to", "by", "le", "de", "la", "du"}, top


def test_never_leaves_one_short_word_alone_on_a_line() -> None:
    lines = wrap("Everything that we had planned for the entire summer is gone now".split())
    assert all(len(x.split()) > 1 for x in lines), lines


def test_a_long_line_splits_across_cues_in_proportion_to_its_text() -> None:
    text = (
        "This is the first sentence, which is rather long and has many words in it. "
        "Short one. And a third sentence that is also quite long, to make three cues."
    )
    lines = [TimedText(10.0, 22.0, text)]
    cues = layout_cues(lines)
    assert len(cues) >= 2
    assert cues[0].start_ms == 10_000 and cues[-1].end_ms == 22_000
    chars = [len(c.text.replace("\n", " ")) for c in cues]
    spans = [c.end_ms - c.start_ms for c in cues]
    for a, b in zip(chars, spans, strict=True):
        # Each cue's share of time is its share of characters (within the minimum's pull).
        assert abs(b / 12_000 - a / sum(chars)) < 0.1, (chars, spans)
    _check(lines, cues)


def test_a_long_silent_stretch_caps_the_cue_at_the_maximum() -> None:
    cues = layout_cues([TimedText(0.0, 30.0, "Hmm.")])
    assert cues == [Cue(0, 7000, ("Hmm.",))]


def test_a_slow_long_line_is_split_so_no_cue_exceeds_the_maximum() -> None:
    lines = [TimedText(0.0, 20.0, "We waited for a very long time, then we left.")]
    cues = layout_cues(lines)
    assert len(cues) >= 3
    _check(lines, cues)


def test_a_short_cue_extends_into_silence_but_not_over_the_next() -> None:
    lines = [TimedText(0.0, 0.3, "Oui."), TimedText(2.0, 2.2, "Non."), TimedText(2.5, 4, "Si.")]
    cues = layout_cues(lines)
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 1000), (2000, 2500), (2500, 4000)]


def test_overlapping_input_never_gives_overlapping_cues() -> None:
    lines = [TimedText(0.0, 3.0, "First line."), TimedText(1.0, 2.0, "Second line.")]
    cues = layout_cues(lines)
    _check(lines, cues)


def test_unbroken_text_and_cjk_fit_the_line_length() -> None:
    lines = [
        TimedText(0.0, 4.0, "https://example.com/" + "x" * 90),
        TimedText(
            5.0,
            12.0,
            "你好\uff0c世界。我们今天要讨论一个非常重要的问题\uff0c关于人工智能和未来的工作以及社会的变化。",
        ),
    ]
    cues = layout_cues(lines)
    _check(lines, cues)
    assert " " not in "".join(c.text for c in cues[-2:])


def test_blank_lines_give_no_cue_and_no_lines_give_empty_files() -> None:
    assert layout_cues([TimedText(0, 1, "  \n ")]) == []
    assert srt_text([]) == ""
    assert webvtt_text([]) == "WEBVTT\n"


def test_markup_is_escaped_in_webvtt_and_kept_in_srt() -> None:
    cues = layout_cues([TimedText(0, 1, "a --> b & <c>")])
    assert "a --&gt; b &amp; &lt;c&gt;" in webvtt_text(cues)
    assert webvtt_text(cues).count("-->") == 1
    assert "a --> b & <c>" in srt_text(cues)


def test_random_programmes_keep_every_invariant() -> None:
    rng = random.Random(20261126)
    for _ in range(80):
        at, lines = rng.uniform(0, 5), []
        for _ in range(rng.randint(0, 12)):
            length = rng.choice([0.0, 0.2, 0.9, 2.5, 6.0, 15.0, 40.0]) * rng.uniform(0.5, 1.5)
            words = [rng.choice(WORDS) for _ in range(rng.randint(1, 60))]
            lines.append(TimedText(at, at + length, " ".join(words)))
            # Aligned lines never overlap; some touch, some leave silence.
            at += length + rng.choice([0.0, 0.0, 0.1, 1.5])
        rng.shuffle(lines)
        _check(lines, layout_cues(lines))


def test_random_rules_are_kept_too() -> None:
    rng = random.Random(7)
    for _ in range(40):
        rules = CaptionRules(
            max_chars=rng.randint(16, 50),
            max_lines=rng.choice([1, 2]),
            min_ms=rng.choice([500, 1000]),
            max_ms=rng.choice([3000, 7000]),
        )
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 80))]
        lines = [TimedText(1.0, 1.0 + rng.uniform(0.5, 30), " ".join(words))]
        _check(lines, layout_cues(lines, rules), rules)
