"""The LOGIN role services connect as: a member of `redub_app` (migration 0009), no more."""

import time
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import errors, sql

APP_GROUP = "redub_app"
DEV_APP_USER = "redub_service"
DEV_APP_PASSWORD = "redub-dev-service"


class PrivilegedAppRole(ValueError):
    """The role named for the services is a superuser, so it cannot be their role."""


def url_as(url: str, user: str, password: str) -> str:
    """`url` with its user and password replaced (same host, port and database)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def ensure_app_login(owner_url: str, user: str, password: str) -> str:
    """Create or update `user` as a LOGIN member of `redub_app`; returns its URL.

    Run after the migrations, as a role with CREATEROLE (the tables' owner on Supabase).
    Roles are cluster-wide, so concurrent calls for other databases of the server may race
    on the same role: a conflicting catalog update is retried.
    """
    for attempt in range(5):
        try:
            with psycopg.connect(owner_url, autocommit=True) as conn:
                _ensure(conn, user, password)
            return url_as(owner_url, user, password)
        except (errors.UniqueViolation, errors.DuplicateObject, errors.InternalError_):
            # "tuple concurrently updated": another session changed the role at once.
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _ensure(conn: psycopg.Connection, user: str, password: str) -> None:
    row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
    role = sql.Identifier(user)
    if row is None:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                role, sql.Literal(password)
            )
        )
    elif row[0]:
        raise PrivilegedAppRole(f"role {user} is a superuser; name another role for the services")
    else:
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password)))
    member = conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (user, APP_GROUP)).fetchone()
    if not (member and member[0]):
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(APP_GROUP), role))
