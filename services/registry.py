"""The stage services `redub serve <name>` can run."""

from collections.abc import Callable

from libs.config.settings import Settings
from libs.events.stage import Stage
from libs.runtime.connections import Connections
from services.janitor import service as janitor
from services.mixer import service as mixer
from services.synthesizer import service as synthesizer
from services.transcriber import service as transcriber
from services.translator import service as translator

StageBuilder = Callable[[Settings, Connections], Stage]

STAGES: dict[str, StageBuilder] = {
    "transcriber": transcriber.build,
    "translator": translator.build,
    "synthesizer": synthesizer.build,
    "mixer": mixer.build,
    "janitor": janitor.build,
}
SERVICES = ("gateway", *STAGES)
