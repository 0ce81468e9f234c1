"""The chat completion requests the OpenAI translator sends, and reading their answers
(pure): structured JSON output that keeps each line's id."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from libs.translation.provider import SourceLine

# Strict structured output: an object with one array of {id, text}.
RESPONSE_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "dubbing_lines",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "translations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"id": {"type": "integer"}, "text": {"type": "string"}},
                        "required": ["id", "text"],
                        "additionalProperties": False,
                    },
                }
            },
            "required": ["translations"],
            "additionalProperties": False,
        },
    },
}

_TRANSLATE = (
    "You translate the lines of a programme for dubbing, from {source} to {target}. "
    "Translate every object in `lines`, keeping its `id`; `context_before` and "
    "`context_after` are neighbouring lines of the same programme, for meaning only: do not "
    "translate them. A line's `max_chars` is how many characters fit the time it is spoken "
    "in: stay within it, preferring natural, shorter phrasing over a literal one. The "
    "`glossary` maps source terms to the exact target wording to use (a term mapped to "
    "itself stays untranslated). Answer with JSON only."
)
_SHORTEN = (
    "You shorten one line of a {target} dubbing script so it can be spoken in less time. "
    "Rewrite the line in `lines` in {target} within `max_chars` characters, keeping its "
    "meaning, tone and `id`. Answer with JSON only."
)


@dataclass(frozen=True, slots=True)
class Batch:
    """Lines translated in one request, and the neighbouring lines sent as context."""

    lines: Sequence[SourceLine]
    before: Sequence[str]
    after: Sequence[str]


def plan_batches(
    lines: Sequence[SourceLine], *, batch_lines: int, context_lines: int
) -> list[Batch]:
    """Consecutive batches of at most `batch_lines`, each with up to `context_lines` of the
    programme on either side."""
    if batch_lines < 1 or context_lines < 0:
        raise ValueError("batch_lines must be at least 1 and context_lines non-negative")
    batches = []
    for start in range(0, len(lines), batch_lines):
        end = min(len(lines), start + batch_lines)
        before = [line.text for line in lines[max(0, start - context_lines) : start]]
        after = [line.text for line in lines[end : end + context_lines]]
        batches.append(Batch(lines[start:end], before, after))
    return batches


def _line(line: SourceLine) -> dict[str, object]:
    out: dict[str, object] = {"id": line.id, "text": line.text}
    if line.max_chars is not None:
        out["max_chars"] = line.max_chars
    return out


def translate_messages(
    batch: Batch, source: str, target: str, glossary: Mapping[str, str] | None
) -> list[dict[str, str]]:
    """System instructions and the batch as JSON."""
    user = {
        "task": "translate",
        "source_language": source,
        "target_language": target,
        "glossary": dict(sorted((glossary or {}).items())),
        "context_before": list(batch.before),
        "lines": [_line(line) for line in batch.lines],
        "context_after": list(batch.after),
    }
    return [
        {"role": "system", "content": _TRANSLATE.format(source=source, target=target)},
        {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
    ]


def shorten_messages(line: SourceLine, language: str) -> list[dict[str, str]]:
    """Instructions to fit one already translated line within its `max_chars`."""
    user = {"task": "shorten", "target_language": language, "lines": [_line(line)]}
    return [
        {"role": "system", "content": _SHORTEN.format(target=language)},
        {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
    ]


class _Item(BaseModel):
    id: int
    text: str


class _Answer(BaseModel):
    translations: list[_Item]


class UnreadableAnswer(ValueError):
    """The model's answer is not the JSON asked for, or does not cover the lines."""


def read_answer(content: str | None, ids: Sequence[int]) -> list[str]:
    """The texts for `ids`, in their order; `UnreadableAnswer` when any is missing or
    unknown ids appear."""
    if content is None:
        raise UnreadableAnswer("the answer has no content (a refusal?)")
    try:
        answer = _Answer.model_validate_json(content)
    except ValidationError as exc:
        raise UnreadableAnswer(f"not the requested JSON: {exc.errors()[0]['msg']}") from exc
    by_id: dict[int, str] = {}
    for item in answer.translations:
        if item.id in by_id:
            raise UnreadableAnswer(f"line {item.id} answered twice")
        by_id[item.id] = item.text
    missing = [i for i in ids if i not in by_id]
    extra = sorted(set(by_id) - set(ids))
    if missing or extra:
        raise UnreadableAnswer(f"lines missing {missing[:5]}, unknown {extra[:5]}")
    return [by_id[i].strip() for i in ids]
