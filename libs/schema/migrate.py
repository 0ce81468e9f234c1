"""Applies the SQL migrations in `migrations/` with yoyo."""

from pathlib import Path

from yoyo import get_backend, read_migrations

MIGRATIONS = Path(__file__).parent / "migrations"


def _yoyo_url(database_url: str) -> str:
    # yoyo picks its driver from the scheme; psycopg 3 is the one we install.
    scheme, _, rest = database_url.partition("://")
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return database_url


def migrate(database_url: str) -> int:
    """Apply every pending migration; returns how many were applied."""
    backend = get_backend(_yoyo_url(database_url))
    try:
        migrations = read_migrations(str(MIGRATIONS))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return len(pending)
    finally:
        # The owner's connection must not outlive the migration (a `redub dev` parent
        # would otherwise hold one for its whole life).
        backend.connection.close()
