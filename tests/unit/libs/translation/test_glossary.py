import pytest

from libs.translation.glossary import BadGlossary, load_glossary, parse_glossary


def test_terms_are_read_and_trimmed() -> None:
    assert parse_glossary('{" Redub ": "Redub", "dub": "doblaje"}') == {
        "Redub": "Redub",
        "dub": "doblaje",
    }


@pytest.mark.parametrize("text", ["[1, 2]", '{"a": 1}', '{"": "x"}', "not json"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(BadGlossary):
        parse_glossary(text)


def test_no_file_no_terms() -> None:
    assert load_glossary(None) == {}
