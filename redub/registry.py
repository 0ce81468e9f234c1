"""The stage services `redub serve <name>` can run."""

from collections.abc import Callable
from typing import Any

from libs.config.settings import Settings
from libs.events.stage import Stage
from redub.runtime.connections import Connections
from redub.wiring import janitor, mixer, synthesizer, transcriber, translator

StageBuilder = Callable[[Settings, Connections], Stage[Any]]

STAGES: dict[str, StageBuilder] = {
    "transcriber": transcriber.build,
    "translator": translator.build,
    "synthesizer": synthesizer.build,
    "mixer": mixer.build,
    "janitor": janitor.build,
}
SERVICES = ("gateway", *STAGES)
