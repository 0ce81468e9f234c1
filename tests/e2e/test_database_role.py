"""The dev stack's services connect as the app role, and a job still runs end to end."""

import time
from pathlib import Path
from typing import Any

import psycopg

from libs.schema.app_role import APP_GROUP, DEV_APP_USER
from redub.runtime.dev_stack import SERVICES, DevStack
from tests.support.api import INSTANT, client, submit, upload, wait_finished
from tests.support.media import silent_voice_and_bed


def sessions(database_url: str) -> list[tuple[str, str]]:
    """(user, application) of every other session on this database."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT usename, application_name FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            # Only clients: an autovacuum worker on this database has no user.
            " AND backend_type = 'client backend'"
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def test_services_connect_as_a_member_of_the_app_role(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(**INSTANT)
    assert stack.app_database_url is not None
    assert f"//{DEV_APP_USER}:" in stack.app_database_url
    assert stack.env()["REDUB_DATABASE_URL"] == stack.app_database_url
    voice, background = silent_voice_and_bed(tmp_path)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        job = submit(c, upload(c, voice), upload(c, background), ["fr"])
        assert wait_finished(c, job["job_id"], timeout=60)["status"] == "completed"
    # Every service holds a pooled connection once it runs: one per service at least.
    deadline = time.monotonic() + 30
    while len(found := sessions(database_url)) < len(SERVICES):
        assert time.monotonic() < deadline, found
        time.sleep(0.2)
    assert {user for user, _ in found} == {DEV_APP_USER}
    with psycopg.connect(database_url) as conn:
        role = conn.execute(
            "SELECT rolsuper, pg_has_role(rolname, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            (APP_GROUP, DEV_APP_USER),
        ).fetchone()
    assert role == (False, True)
