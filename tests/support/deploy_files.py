"""Helpers for the tests of deploy/: the metric names we export, and promtool."""

import re
import shutil
import subprocess
from pathlib import Path

from prometheus_client import REGISTRY

import libs.observability.metrics  # noqa: F401 - registers every metric

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
METRIC_IN_EXPR = re.compile(r"\b(redub_[a-z0-9_]+)\b")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
}


def exported_series() -> set[str]:
    """Every series name the services can export (the registry of libs/observability)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        if family.name.startswith("redub_"):
            names.update(family.name + s for s in SUFFIXES.get(family.type, ("",)))
    return names


def metrics_in(expr: str) -> set[str]:
    """Our metric names a PromQL expression reads."""
    return set(METRIC_IN_EXPR.findall(expr))


def promtool(*args: str, cwd: Path = DEPLOY) -> subprocess.CompletedProcess[str]:
    """Run promtool (Debian package `prometheus`, installed by `make deps`)."""
    exe = shutil.which("promtool")
    assert exe, "promtool is missing: `make deps` installs the Debian package prometheus"
    return subprocess.run(
        [exe, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
