from pathlib import Path

from libs.translation.apertium_modes import installed_modes, iso1, mode_pairs


def test_three_letter_codes_become_the_ones_jobs_use() -> None:
    assert iso1("spa") == "es"
    assert iso1("ENG") == "en"
    assert iso1("gl") == "gl"
    assert iso1("xyz") == "xyz"


def test_plain_modes_become_pairs_and_variants_are_skipped() -> None:
    names = ["eng-spa", "spa-eng_US", "eng-cat_valencia", "en-gl", "eng-spa-tagger", "eng-cat"]
    assert mode_pairs(names) == {
        ("en", "es"): "eng-spa",
        ("en", "gl"): "en-gl",
        ("en", "ca"): "eng-cat",
    }


def test_installed_modes_are_the_mode_files(tmp_path: Path) -> None:
    for name in ("eng-spa.mode", "en-gl.mode", "README"):
        (tmp_path / name).write_text("")
    assert installed_modes(tmp_path) == ["en-gl", "eng-spa"]
    assert installed_modes(tmp_path / "absent") == []
