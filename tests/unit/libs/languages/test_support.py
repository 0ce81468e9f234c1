from libs.languages.support import LanguageSupport, primary

SUPPORT = LanguageSupport(
    allowed=("ca", "de", "en", "es", "fr", "gl"),
    stt_provider="faster-whisper",
    stt_model="whisper-tiny.en",
    stt_languages=("en",),
    translator="apertium",
    translator_model="rule-based",
    translation_pairs=frozenset({("en", "es"), ("en", "ca"), ("en", "gl"), ("es", "en")}),
    tts_provider="espeak",
    tts_model=None,
    tts_languages=("ca", "de", "en", "es", "fr"),
)


def test_primary_codes() -> None:
    assert primary(" pt_BR ") == "pt"
    assert primary("ES") == "es"


def test_targets_are_allowed_translated_and_spoken() -> None:
    # gl is translated but not spoken; fr and de are spoken but not translated.
    assert SUPPORT.targets("en") == ["ca", "es"]
    assert SUPPORT.targets("en-US") == ["ca", "es"]
    assert SUPPORT.sources() == ["en"]
    assert SUPPORT.can_translate("en", "es-MX")
    assert not SUPPORT.can_translate("en", "fr")
    assert not SUPPORT.can_speak("gl")


def test_unchecked_support_allows_every_allowed_language() -> None:
    unchecked = LanguageSupport.unchecked(("de", "en", "fr"))
    assert unchecked.sources() == ["de", "en", "fr"]
    assert unchecked.targets("en") == ["de", "fr"]
