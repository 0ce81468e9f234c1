from libs.documents.transcript import Word
from libs.transcription.sentences import ends_sentence, split_sentences


def words(*texts: str) -> list[Word]:
    return [Word(text=t, start=float(i), end=i + 0.5) for i, t in enumerate(texts)]


def test_sentence_ends_see_through_closing_quotes() -> None:
    assert ends_sentence("done.")
    assert ends_sentence("why?")
    assert ends_sentence('yes!"')
    assert ends_sentence("so\u2026")
    assert not ends_sentence("Dr")
    assert not ends_sentence("well,")
    assert not ends_sentence('"')


def test_words_are_split_after_each_sentence_end() -> None:
    runs = split_sentences(words("Welcome", "here.", "This", "works!", "And", "then"))
    assert [[w.text for w in run] for run in runs] == [
        ["Welcome", "here."],
        ["This", "works!"],
        ["And", "then"],
    ]
    assert split_sentences([]) == []
