"""Word error rate: how far a transcript is from what was said (pure)."""

import re
from collections.abc import Sequence

# Words are runs of letters, digits and inner apostrophes; case and punctuation do not count.
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def normalised_words(text: str) -> list[str]:
    """`"Hello, world!"` → `["hello", "world"]`: lower case, punctuation dropped."""
    return [w.replace("\u2019", "'") for w in _WORD.findall(text.lower())]


def word_edits(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Substitutions + deletions + insertions turning `reference` into `hypothesis`."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i]
        for j, hyp in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word edits over the reference's word count (0 is perfect; may exceed 1)."""
    ref = normalised_words(reference)
    if not ref:
        raise ValueError("the reference text has no words")
    return word_edits(ref, normalised_words(hypothesis)) / len(ref)
