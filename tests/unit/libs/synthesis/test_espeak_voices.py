import pytest

from libs.synthesis.espeak_voices import espeak_voice


@pytest.mark.parametrize(
    ("code", "voice"),
    [
        ("en", "en-us"),
        ("en-GB", "en-gb"),
        ("fr", "fr-fr"),
        ("fr_CA", "fr-fr"),
        ("pt-BR", "pt-br"),
        ("pt", "pt"),
        ("zh", "cmn"),
        ("zh-Hans", "cmn"),
        ("ja", "ja"),
        (" DE ", "de"),
    ],
)
def test_known_codes(code: str, voice: str) -> None:
    assert espeak_voice(code) == voice


@pytest.mark.parametrize("code", ["", "xx", "tlh", "klingon"])
def test_unknown_codes(code: str) -> None:
    assert espeak_voice(code) is None
