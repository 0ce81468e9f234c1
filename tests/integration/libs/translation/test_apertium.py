"""Real translations with the installed Apertium pairs (Debian apertium-eng-spa and friends)."""

import pytest

from libs.events.stage import PermanentError
from libs.translation.apertium import ApertiumTranslator
from libs.translation.errors import UnsupportedPair
from libs.translation.provider import SourceLine


@pytest.fixture(scope="module")
def apertium() -> ApertiumTranslator:
    return ApertiumTranslator()


def lines(*texts: str) -> list[SourceLine]:
    return [SourceLine(id=i, text=t) for i, t in enumerate(texts)]


def test_the_installed_pairs_are_english_to_spanish_catalan_and_galician(
    apertium: ApertiumTranslator,
) -> None:
    assert {("en", "es"), ("en", "ca"), ("en", "gl")} <= set(apertium.pairs())
    assert ("en", "fr") not in apertium.pairs()
    assert apertium.name == "apertium" and apertium.model == "rule-based"


async def test_english_is_translated_line_for_line(apertium: ApertiumTranslator) -> None:
    source = lines(
        "Welcome to the dubbing demo.",
        "",
        "I saw the",
        "red car",
        '- "The house", he said, costs 3,500 dollars!',
        "Blorfle the zizzy thing.",
        "Thank you\nfor listening.",
    )
    result = await apertium.translate(source, "en", "es")
    assert len(result.texts) == len(source)
    welcome, blank, saw, car, quote, unknown, thanks = result.texts
    assert welcome == "Bienvenido al doblaje demo."
    assert blank == ""
    # A line never takes words from its neighbour, even mid-sentence.
    assert saw == "Vi el" and car == "Coche rojo"
    assert quote.startswith('- "') and "3,500" in quote and quote.endswith("!")
    assert "casa" in quote
    assert "*" not in unknown and "Blorfle" in unknown and unknown.endswith(".")
    assert "\n" not in thanks and "escuchar" in thanks
    (usage,) = result.usage
    assert usage.vendor == "apertium" and usage.model == "rule-based"
    assert usage.unit == "characters" and usage.quantity > 0 and usage.amount == 0


async def test_a_batch_translates_each_line_as_it_would_alone(
    apertium: ApertiumTranslator,
) -> None:
    texts = ["the big", "dog runs", 'I have 3 cats; "yes," she said', "-- really?", "the"]
    batch = await apertium.translate(lines(*texts), "en", "ca")
    alone = [(await apertium.translate(lines(t), "en", "ca")).texts[0] for t in texts]
    assert batch.texts == alone


async def test_catalan_and_galician(apertium: ApertiumTranslator) -> None:
    ca = await apertium.translate(lines("Thank you for listening."), "en", "ca")
    gl = await apertium.translate(lines("Thank you for listening."), "en-US", "gl")
    assert "escoltar" in ca.texts[0]
    assert "escoitar" in gl.texts[0]


async def test_a_pair_that_is_not_installed_is_refused_naming_what_is(
    apertium: ApertiumTranslator,
) -> None:
    # Permanent: the translator stage fails the language at once, with this message.
    with pytest.raises(PermanentError, match=r"into: ca, es, gl") as refused:
        await apertium.translate(lines("Hello."), "en", "fr")
    assert isinstance(refused.value, UnsupportedPair)


async def test_no_lines_cost_no_run(apertium: ApertiumTranslator) -> None:
    result = await apertium.translate(lines("", "  "), "en", "es")
    assert result.texts == ["", ""]
    assert result.usage[0].quantity == 0
