"""Fresh embedded servers for one benchmark run: own temp folders, free ports."""

import argparse
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

from libs.schema.migrate import migrate
from libs.servers import EmbeddedNats, EmbeddedPostgres, procs


def start_nats(root: Path, cleanup: ExitStack) -> EmbeddedNats:
    """A JetStream server (file storage) under `root/nats`, stopped by `cleanup`."""
    server = EmbeddedNats(root / "nats")
    cleanup.callback(server.stop)
    server.start()
    return server


def start_postgres(root: Path, cleanup: ExitStack, *, fast: bool = False) -> EmbeddedPostgres:
    """A migrated PostgreSQL under `root/postgres`, stopped by `cleanup`.

    `fast` turns off fsync; the default keeps the durability `redub dev` has."""
    server = EmbeddedPostgres(root / "postgres", fast=fast)
    cleanup.callback(server.stop)
    server.start()
    migrate(server.url)
    return server


def nats_pid(server: EmbeddedNats) -> int:
    """The server's process id (from its pid file)."""
    pid = procs.read_pid_file(server.pid_path)
    if pid is None:
        raise RuntimeError(f"no pid in {server.pid_path}")
    return pid


def postgres_pid(server: EmbeddedPostgres) -> int:
    """The postmaster's process id (its backends are its children)."""
    pid = procs.read_pid_file(server.pgdata / "postmaster.pid")
    if pid is None:
        raise RuntimeError(f"no pid in {server.pgdata / 'postmaster.pid'}")
    return pid


def files_dir(args: argparse.Namespace, cleanup: ExitStack) -> Path | None:
    """A fresh folder for the stages' blobs and scratch files under --files-dir, if any."""
    if args.files_dir is None or str(args.files_dir) == "none":
        return None
    files = Path(tempfile.mkdtemp(prefix="redub-bench-files-", dir=args.files_dir))
    if not args.keep:
        cleanup.callback(shutil.rmtree, files, ignore_errors=True)
    return files
