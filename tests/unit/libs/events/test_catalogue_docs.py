from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import Field

from libs.events import catalogue_docs
from libs.events.catalogue import CATALOGUE, Payload
from libs.events.catalogue_docs import COMMAND, UndocumentedField, render
from redub.cli.docs_command import run_docs

DOC = Path(__file__).resolve().parents[4] / "docs" / "events.md"


def test_docs_events_md_is_the_current_rendering() -> None:
    assert DOC.read_text() == render(), f"docs/events.md is stale: run `{COMMAND}`"


def test_every_type_field_and_version_is_in_the_document() -> None:
    text = render()
    for t, model in CATALOGUE.items():
        assert f"### {t}\n" in text
        assert f"Current version: {model.version}." in text
        for name in model.model_fields:
            assert f"| `{name}` |" in text
        for v in range(2, model.version + 1):
            assert f"- version {v}: " in text.split(f"### {t}\n")[1].split("\n### ")[0]


def test_an_undescribed_field_or_unnoted_version_fails_rendering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Bare(Payload):
        """A new event."""

        type: ClassVar[str] = "bare.event"
        thing: int

    monkeypatch.setitem(CATALOGUE, Bare.type, Bare)
    with pytest.raises(UndocumentedField, match=r"Bare\.thing"):
        render()

    class Versioned(Payload):
        """A new event."""

        type: ClassVar[str] = "bare.event"
        version: ClassVar[int] = 2
        thing: int = Field(description="A thing.")

    monkeypatch.setitem(CATALOGUE, Bare.type, Versioned)
    with pytest.raises(UndocumentedField, match="version 2"):
        render()
    monkeypatch.setitem(catalogue_docs.CHANGES, ("bare.event", 1), "Adds a thing.")
    assert "- version 2: Adds a thing." in render()


def test_check_reports_a_stale_file(tmp_path: Path) -> None:
    out = tmp_path / "events.md"
    assert run_docs(out, check=True) == 1
    assert run_docs(out, check=False) == 0
    assert run_docs(out, check=True) == 0
    out.write_text(out.read_text().replace("recorded_at", "written_at"))
    assert run_docs(out, check=True) == 1
