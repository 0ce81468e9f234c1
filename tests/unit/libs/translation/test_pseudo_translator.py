import pytest

from libs.translation.provider import SourceLine
from libs.translation.pseudo import PseudoTranslator, pseudo_reverse, pseudo_translate


async def test_translates_each_text_in_order_and_marks_target() -> None:
    lines = [SourceLine(0, "Hello world."), SourceLine(1, "Second line")]
    translation = await PseudoTranslator().translate(lines, "en", "fr")
    result = translation.texts
    assert len(result) == 2
    assert all(t.startswith("[fr] ") for t in result)
    assert result[0] == "[fr] hÉLLÔ WÔRLD."
    [usage] = translation.usage
    assert (usage.vendor, usage.unit, usage.quantity, usage.amount) == (
        "pseudo",
        "characters",
        23,
        0,
    )


async def test_output_differs_per_target_language() -> None:
    translator = PseudoTranslator()
    outputs = {
        target: (
            await translator.translate([SourceLine(0, "Hello, how are you?")], "en", target)
        ).texts[0]
        for target in ("fr", "de", "es", "it", "pt", "ja")
    }
    assert len(set(outputs.values())) == len(outputs)
    assert all(text != "Hello, how are you?" for text in outputs.values())


@pytest.mark.parametrize("target", ["fr", "de", "es", "it", "nl", "pt-BR", "ja"])
def test_reversible_for_ascii(target: str) -> None:
    text = "The Quick brown FOX, 42 times!"
    assert pseudo_reverse(pseudo_translate(text, target), target) == text


def test_deterministic() -> None:
    assert pseudo_translate("Same input", "es") == pseudo_translate("Same input", "es")


def test_blank_text_stays_blank() -> None:
    assert pseudo_translate("", "fr") == ""
    assert pseudo_translate("   ", "fr") == "   "


def test_name() -> None:
    assert PseudoTranslator.name == "pseudo"
