"""The translator's handler on a temporary blob store with the pseudo-translator."""

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from libs.documents.transcript import Transcript
from libs.events.catalogue import TranslationReady
from libs.events.stage import PermanentError
from libs.storage.keys import job_prefix
from libs.translation.provider import SourceLine, Translation
from libs.translation.pseudo import PseudoTranslator, pseudo_translate
from services.translator.handler import TranslatorStage
from tests.support.builders import recorded
from tests.support.stages import (
    all_keys,
    attempt,
    blob_store,
    chain,
    only,
    prefix_of,
    stored,
    translator,
)


async def test_each_target_language_is_a_work_item(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="transcriber")
    assert list(translator(blobs).work_items(done.transcript)) == ["fr", "de"]


async def test_translates_one_language_and_carries_the_brief_forward(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="transcriber")
    ready = done.transcript
    source = Transcript.from_json(await blobs.read_bytes(ready.transcript.key))
    stage = translator(blobs)
    work = attempt(recorded(ready, job_id=done.job_id), "fr")

    [out] = await stage.handle(ready, work)

    assert isinstance(out, TranslationReady)
    assert out.language == "fr"
    assert out.translation.key.startswith(prefix_of(stage, work))
    assert out.translation.key.endswith("fr/translation.json")
    doc = Transcript.from_json(await stored(blobs, out.translation))
    assert doc.language == "fr"
    assert doc.duration_s == source.duration_s
    assert [s.text for s in doc.segments] == [
        pseudo_translate(s.text, "fr") for s in source.segments
    ]
    assert [(s.index, s.start, s.end) for s in doc.segments] == [
        (s.index, s.start, s.end) for s in source.segments
    ]
    assert out.segments == len(source.segments) == 3
    assert out.provider == "pseudo"
    [usage] = out.usage
    assert usage.unit == "characters"
    assert usage.quantity == sum(len(s.text) for s in source.segments)
    assert out.brief is not None and out.brief == ready.brief
    assert out.brief.job_id == done.job_id
    assert out.brief.source_language == "en"
    assert out.brief.background == done.submitted.background


async def test_attempts_and_languages_write_their_own_keys_and_discard_only_theirs(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="transcriber")
    ready = done.transcript
    event = recorded(ready, job_id=done.job_id)
    stage = translator(blobs)
    fr1, fr2, de = attempt(event, "fr", 1), attempt(event, "fr", 2), attempt(event, "de", 1)

    a = only(await stage.handle(ready, fr1), TranslationReady)
    first_bytes = await stored(blobs, a.translation)
    b = only(await stage.handle(ready, fr2), TranslationReady)
    c = only(await stage.handle(ready, de), TranslationReady)

    assert len({a.translation.key, b.translation.key, c.translation.key}) == 3
    assert await stored(blobs, a.translation) == first_bytes, "the first blob is untouched"

    before = await all_keys(blobs)
    await stage.discard(fr1)
    after = await all_keys(blobs)
    assert before - after == {a.translation.key}
    assert {b.translation.key, c.translation.key, ready.transcript.key} <= after


async def test_a_missing_transcript_fails_at_once(tmp_path: Path) -> None:
    # A blob a committed event names never comes back: retrying cannot help.
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="transcriber")
    ready = done.transcript
    await blobs.delete(ready.transcript.key)
    stage = translator(blobs)

    with pytest.raises(PermanentError) as caught:
        await stage.handle(ready, attempt(recorded(ready, job_id=done.job_id), "fr"))
    assert "transcript" in str(caught.value) and "missing" in str(caught.value)
    assert await all_keys(blobs, job_prefix(done.job_id) + "translator/") == set()


class KeepsGlossary(PseudoTranslator):
    """The pseudo-translator, noting the glossary each call was given."""

    def __init__(self) -> None:
        super().__init__()
        self.glossaries: list[Mapping[str, str] | None] = []

    async def translate(
        self,
        lines: Sequence[SourceLine],
        source: str,
        target: str,
        *,
        glossary: Mapping[str, str] | None = None,
    ) -> Translation:
        self.glossaries.append(glossary)
        return await super().translate(lines, source, target, glossary=glossary)


async def test_the_jobs_glossary_goes_over_the_files(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="transcriber")
    brief = done.transcript.brief
    assert brief is not None
    options = brief.options.model_copy(update={"glossary": {"mix": "mixage", "stem": "piste"}})
    ready = done.transcript.model_copy(
        update={"brief": brief.model_copy(update={"options": options})}
    )
    engine = KeepsGlossary()
    stage = TranslatorStage(engine, blobs, glossary={"Redub": "Redub", "mix": "mélange"})

    await stage.handle(ready, attempt(recorded(ready, job_id=done.job_id), "fr"))
    # A job without options of its own gets the file's glossary alone.
    plain = done.transcript.model_copy(update={"brief": None})
    await stage.handle(plain, attempt(recorded(plain, job_id=done.job_id), "de"))

    assert engine.glossaries == [
        {"Redub": "Redub", "mix": "mixage", "stem": "piste"},
        {"Redub": "Redub", "mix": "mélange"},
    ]


async def test_the_translation_names_the_providers_that_made_it(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="translator")
    doc = Transcript.from_json(await stored(blobs, done.translation.translation))
    assert doc.providers == {"stt": done.transcript.provider, "translator": "pseudo"}
    assert done.transcript.provider  # a real name, not empty
