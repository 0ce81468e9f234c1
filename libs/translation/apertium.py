"""Rule-based machine translation with the Apertium command line (Debian packages)."""

import asyncio
import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.translation.apertium_modes import installed_modes, mode_pairs
from libs.translation.apertium_text import clean_output, prepare_line
from libs.translation.errors import TranslationError, UnsupportedPair
from libs.translation.provider import SourceLine, Translation

DEFAULT_MODES_DIR = Path("/usr/share/apertium/modes")
_TIMEOUT_S = 300.0


class ApertiumTranslator:
    """Translates with `apertium -u <mode>`: dictionaries and rules, not a neural model."""

    name = "apertium"
    # Said on every usage line (and so in every record of the work): this is rule-based.
    model: str | None = "rule-based"

    def __init__(
        self,
        *,
        executable: str = "apertium",
        modes_dir: Path = DEFAULT_MODES_DIR,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        self._executable = executable
        self._modes_dir = modes_dir
        self._prices = prices
        # Read once: the gateway refuses what this cannot do without running a translation.
        self._modes = mode_pairs(installed_modes(modes_dir))

    def pairs(self) -> Collection[tuple[str, str]]:
        """The (source, target) pairs whose Apertium data is installed."""
        return frozenset(self._modes)

    async def translate(
        self,
        lines: Sequence[SourceLine],
        source: str,
        target: str,
        *,
        glossary: Mapping[str, str] | None = None,
    ) -> Translation:
        """Translate every line as its own paragraph of one Apertium run (it has no glossary)."""
        src, tgt = _primary(source), _primary(target)
        mode = self._modes.get((src, tgt))
        if mode is None:
            targets = sorted(t for s, t in self._modes if s == src)
            raise UnsupportedPair(self.name, source, target, targets)
        prepared = [prepare_line(line.text) for line in lines]
        spoken = [text for text in prepared if text]
        outputs = await self._run(mode, spoken) if spoken else []
        if len(outputs) != len(spoken):
            # Apertium keeps one output paragraph per input paragraph; if it ever did not,
            # no line may borrow another's words, so each is translated on its own.
            outputs = [(await self._run(mode, [text]))[0] for text in spoken]
        translated = iter(outputs)
        texts = [clean_output(text, next(translated)) if text else "" for text in prepared]
        characters = sum(len(text) for text in spoken)
        usage = self._prices.price(self.name, self.model, "characters", characters)
        return Translation(texts=texts, usage=[usage])

    async def _run(self, mode: str, texts: Sequence[str]) -> list[str]:
        command = [self._executable, "-u", "-d", str(self._modes_dir.parent), mode]
        # Apertium refuses to run without a UTF-8 locale; C.UTF-8 is always there on Debian.
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
            )
        except FileNotFoundError as exc:
            raise TranslationError(f"{self._executable} is not installed") from exc
        try:
            stdout, stderr = await asyncio.wait_for(
                process.communicate(("\n\n".join(texts) + "\n").encode("utf-8")), _TIMEOUT_S
            )
        except BaseException:
            process.kill()
            await asyncio.shield(process.wait())
            raise
        if process.returncode != 0:
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise TranslationError(
                f"apertium {mode} failed (exit code {process.returncode}): {tail[0][:200]}"
            )
        # A blank line between lines is a hard break: across a single newline Apertium's
        # tagger and transfer rules still see the neighbour ("the" / "red car" is then
        # translated as one phrase), across a paragraph they do not.
        return stdout.decode("utf-8", "replace").strip("\n").split("\n\n")


def _primary(language: str) -> str:
    return language.strip().lower().replace("_", "-").split("-", 1)[0]
