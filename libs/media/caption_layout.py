"""Lays out spoken lines as caption cues: line breaks, cue splits and timing (pure).

Times are whole milliseconds (what SRT and WebVTT carry), so every invariant checked here
still holds once written: at most `max_chars` characters a line and `max_lines` lines a
cue, cues in order and never overlapping, no cue longer than `max_ms`, and none shorter
than `min_ms` unless the next cue starts sooner.
"""

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Characters that end a sentence or a clause (Latin and CJK punctuation).
_SENTENCE_END = tuple(".!?\u2026\u3002\uff01\uff1f")
_CLAUSE_END = tuple(",;:)\uff0c\uff1b\uff1a\u3001\u2014\u2013")
# Words a line may start with without splitting a phrase (English, French, Spanish, German).
_BREAK_BEFORE = frozenset(
    """and but or nor so yet because although though while when where which who that if
    than then as to of in on at for from with without into onto over under about after
    before between through during against among et mais ou donc car ni que qui quand
    si comme dans pour avec sans sur sous chez vers pendant parce puis y o pero porque
    cuando donde como con sin para por entre sobre und aber oder denn weil wenn dass als
    mit ohne für über unter nach vor zwischen durch""".split()
)
# Words a line should not end with: articles and the words above (they lead a phrase).
_NO_BREAK_AFTER = _BREAK_BEFORE | frozenset(
    """the a an le la les l' un une des du de au aux der die das den dem ein eine einen el
    los las una unos""".split()
)
# Code points written without spaces between words: each is a token of its own.
_CJK_CLASS = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
_CJK = re.compile(_CJK_CLASS)
_TOKEN = re.compile(rf"{_CJK_CLASS}[^\w\s]*|(?:(?!{_CJK_CLASS})\S)+")


@dataclass(frozen=True, slots=True)
class CaptionRules:
    """Limits a cue keeps (Netflix-style defaults: 42 characters, two lines, 1-7 s)."""

    max_chars: int = 42
    max_lines: int = 2
    min_ms: int = 1000
    max_ms: int = 7000


DEFAULT_RULES = CaptionRules()


@dataclass(frozen=True, slots=True)
class TimedText:
    """A line's text and where it sounds, in seconds from the start of the programme."""

    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class Cue:
    """One caption on screen: its display lines and its time span in milliseconds."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The cue's lines joined by newlines."""
        return "\n".join(self.lines)


def layout_cues(lines: Sequence[TimedText], rules: CaptionRules = DEFAULT_RULES) -> list[Cue]:
    """Cues for `lines` in time order; blank lines give none, nothing overlaps or is lost."""
    groups = _groups(lines, rules)
    spans: list[tuple[int, int, list[str]]] = []
    for n, (start, end, tokens) in enumerate(groups):
        # A line with no length of its own shows in the silence after it.
        following = groups[n + 1][0] if n + 1 < len(groups) else start + rules.min_ms
        end = max(end, min(start + rules.min_ms, following))
        need = max(1, math.ceil((end - start) / rules.max_ms))
        pieces = _pieces(tokens, need, rules, most=end - start)
        for (a, b), text in zip(_share(start, end, pieces, rules), pieces, strict=True):
            spans.append((a, b, text))
    return _timed(spans, rules)


def _groups(lines: Sequence[TimedText], rules: CaptionRules) -> list[tuple[int, int, list[str]]]:
    """Lines in time order (ms); lines that overlap, or start where an instant one is, join."""
    groups: list[tuple[int, int, list[str]]] = []
    for line in sorted(lines, key=lambda t: (t.start, t.end)):
        tokens = _tokens(line.text, rules.max_chars)
        if not tokens:
            continue
        start = max(0, round(line.start * 1000))
        end = max(start, round(line.end * 1000))
        if groups:
            g_start, g_end, g_tokens = groups[-1]
            if start < g_end or (g_start == g_end == start):
                groups[-1] = (g_start, max(g_end, end), [*g_tokens, *tokens])
                continue
        groups.append((start, end, tokens))
    return groups


def wrap(tokens: Sequence[str], rules: CaptionRules = DEFAULT_RULES) -> tuple[str, ...]:
    """The display lines of one cue's tokens: one line if it fits, else the best break."""
    words = _Words(list(tokens))
    cut = words.cut(0, len(tokens), rules)
    if cut is None:
        return (_join(tokens),)
    return (_join(tokens[:cut]), _join(tokens[cut:]))


class _Words:
    """A line's tokens with prefix sums, so any run's printed length is O(1)."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.chars = [0]
        self.spaces = [0, 0]
        for n, token in enumerate(tokens):
            self.chars.append(self.chars[-1] + len(token))
            if n:
                spaced = not (_CJK.match(token) or _CJK.match(tokens[n - 1][-1]))
                self.spaces.append(self.spaces[-1] + int(spaced))
        self.breaks = [0.0, *(_break_cost(tokens, n) for n in range(1, len(tokens)))]
        self.short = [len(t) <= 3 for t in tokens]

    def length(self, i: int, j: int) -> int:
        """Characters of tokens[i:j] as printed."""
        return self.chars[j] - self.chars[i] + self.spaces[j] - self.spaces[i + 1]

    def cut(self, i: int, j: int, rules: CaptionRules) -> int | None:
        """Where tokens[i:j] breaks into two lines (None: one line, or no break fits)."""
        if self.length(i, j) <= rules.max_chars or rules.max_lines < 2 or j - i < 2:
            return None
        best: tuple[float, int] | None = None
        for cut in range(i + 1, j):
            top = self.length(i, cut)
            if top > rules.max_chars:
                break
            bottom = self.length(cut, j)
            if bottom > rules.max_chars:
                continue
            cost = self.breaks[cut] + abs(top - bottom) / 8
            # A lone short word on a line reads as a stray.
            cost += 6.0 * ((cut - i == 1 and self.short[i]) + (j - cut == 1 and self.short[cut]))
            if best is None or cost < best[0]:
                best = (cost, cut)
        return None if best is None else best[1]

    def fits(self, i: int, j: int, rules: CaptionRules) -> bool:
        """Whether tokens[i:j] shows as one cue."""
        length = self.length(i, j)
        if length <= rules.max_chars:
            return True
        if rules.max_lines < 2 or length > rules.max_chars * 2 + 1:
            return False
        return self.cut(i, j, rules) is not None


def _tokens(text: str, max_chars: int) -> list[str]:
    # A token longer than a whole line (a URL, an unbroken script) is cut to fit one.
    out: list[str] = []
    for token in _TOKEN.findall(" ".join(text.split())):
        out.extend(token[i : i + max_chars] for i in range(0, len(token), max_chars))
    return out


def _join(tokens: Sequence[str]) -> str:
    text = ""
    for token in tokens:
        if text and not (_CJK.match(token) or _CJK.match(text[-1])):
            text += " "
        text += token
    return text


def _break_cost(tokens: Sequence[str], cut: int) -> float:
    """How unnatural a break between tokens[cut-1] and tokens[cut] is (0 best)."""
    before, after = tokens[cut - 1], tokens[cut]
    if before.endswith(_SENTENCE_END):
        return 0.0
    if before.endswith(_CLAUSE_END):
        return 1.0
    if before.lower() in _NO_BREAK_AFTER:
        return 6.0
    if after.lower() in _BREAK_BEFORE:
        return 2.0
    return 4.0


def _orphan_cost(tokens: Sequence[str]) -> float:
    # A lone short word on a line or in a cue reads as a stray.
    return 6.0 if len(tokens) == 1 and len(tokens[0]) <= 3 else 0.0


def _pieces(tokens: list[str], need: int, rules: CaptionRules, most: int) -> list[list[str]]:
    """Splits tokens into the fewest cues that fit (at least `need`, at most `most`)."""
    words = _Words(tokens)
    memo: dict[tuple[int, int], bool] = {}

    def fits(i: int, j: int) -> bool:
        if (i, j) not in memo:
            memo[(i, j)] = words.fits(i, j, rules)
        return memo[(i, j)]

    least = _best_split(words, fits, None)
    count = max(len(least), min(len(tokens), need, most))
    return least if count == len(least) else _best_split(words, fits, count)


def _best_split(
    words: "_Words", fits: Callable[[int, int], bool], count: int | None
) -> list[list[str]]:
    tokens = words.tokens
    # Dynamic programme over cut points, ranked by (cues, cost): the fewest cues (or exactly
    # `count` when the line is too long to show in fewer), then the cheapest breaks.
    n = len(tokens)
    layers = 1 if count is None else count
    inf = (math.inf, math.inf)
    best = [[inf] * (n + 1) for _ in range(layers + 1)]
    back = [[-1] * (n + 1) for _ in range(layers + 1)]
    best[0][0] = (0.0, 0.0)
    for k in range(1, layers + 1):
        # Without a count, one layer whose cells chain onto themselves (any number of cues).
        source = best[k - 1] if count is not None else None
        for j in range(1, n + 1):
            for i in range(j - 1, -1, -1):
                # Longer pieces only fit less: stop at the first that does not.
                if not fits(i, j):
                    break
                prev = (source if source is not None else best[k])[i] if i else best[k - 1][0]
                if prev == inf:
                    continue
                cost = prev[1] + words.breaks[i]
                cost += _orphan_cost(tokens[i:j]) if n > 1 else 0.0
                if (prev[0] + 1, cost) < best[k][j]:
                    best[k][j] = (prev[0] + 1, cost)
                    back[k][j] = i
    pieces: list[list[str]] = []
    j, k = n, layers
    while j:
        i = back[k][j]
        pieces.append(tokens[i:j])
        j = i
        if count is not None:
            k -= 1
    return pieces[::-1]


def _share(
    start: int, end: int, pieces: list[list[str]], rules: CaptionRules
) -> list[tuple[int, int]]:
    """Divides a line's span among its pieces in proportion to their characters."""
    weights = [max(1, len(_join(p))) for p in pieces]
    total = end - start
    # Each piece gets at least the minimum the span allows, the rest by characters.
    floor = min(rules.min_ms, total // len(pieces))
    spare = total - floor * len(pieces)
    sizes = [floor + spare * w // sum(weights) for w in weights]
    sizes[-1] += total - sum(sizes)
    out: list[tuple[int, int]] = []
    at = start
    for size in sizes:
        out.append((at, at + size))
        at += size
    return out


def _timed(spans: list[tuple[int, int, list[str]]], rules: CaptionRules) -> list[Cue]:
    """Enforces order, no overlap, and the minimum and maximum durations."""
    cues: list[Cue] = []
    for n, (start, end, tokens) in enumerate(spans):
        next_start = spans[n + 1][0] if n + 1 < len(spans) else None
        start = max(start, cues[-1].end_ms if cues else 0)
        # Short cues borrow the silence after them, up to the next cue.
        end = max(end, start + rules.min_ms)
        end = min(end, start + rules.max_ms)
        if next_start is not None:
            end = min(end, max(next_start, start))
        if end <= start:
            # Squeezed out by the line before (overlapping input): its text joins that cue's.
            if cues:
                cues[-1] = _merged(cues[-1], tokens, rules)
            continue
        cues.append(Cue(start, end, wrap(tokens, rules)))
    return cues


def _merged(cue: Cue, tokens: list[str], rules: CaptionRules) -> Cue:
    joined = _tokens(" ".join([*cue.lines, _join(tokens)]), rules.max_chars)
    lines = wrap(joined, rules)
    if len(lines) <= rules.max_lines and all(len(x) <= rules.max_chars for x in lines):
        return Cue(cue.start_ms, cue.end_ms, lines)
    # It does not fit: the earlier cue keeps its text; the squeezed one is dropped.
    return cue
