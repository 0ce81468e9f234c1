"""Shared fixtures: NATS and PostgreSQL servers, per-test databases and stream prefixes.

Servers come from TEST_NATS_URL / TEST_DATABASE_URL when set, else from embedded binaries
(or Docker when REDUB_TEST_SERVERS=testcontainers).
"""

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from libs.config.settings import Settings
from libs.servers import EmbeddedNats, EmbeddedPostgres
from libs.servers.nats_cluster import NatsCluster
from redub.runtime.dev_stack import SERVICES, DevStack
from tests.support.fake_vendors import FakeVendors
from tests.support.guarded_nats import GuardedNats
from tests.support.supabase_storage_fake import RunningFake, StorageFake

SERVERS_ENV = "REDUB_TEST_SERVERS"


def _use_testcontainers() -> bool:
    return os.environ.get(SERVERS_ENV) == "testcontainers"


def with_database(url: str, database: str) -> str:
    """Return `url` pointing at `database` on the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _admin(url: str, statement: sql.Composable, params: tuple[object, ...] = ()) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement, params)


def _migrate(url: str) -> None:
    # Imported late so a broken migration module fails only the tests that need a database.
    from libs.schema.migrate import migrate

    migrate(url)


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a JetStream-enabled NATS server shared by the whole session."""
    if url := os.environ.get("TEST_NATS_URL"):
        yield url
    elif _use_testcontainers():
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.waiting_utils import wait_for_logs

        with DockerContainer("nats:2.10").with_command("-js").with_exposed_ports(4222) as box:
            wait_for_logs(box, "Server is ready")
            yield f"nats://{box.get_container_host_ip()}:{box.get_exposed_port(4222)}"
    else:
        with EmbeddedNats(tmp_path_factory.mktemp("nats")) as server:
            yield server.url


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Superuser URL of a PostgreSQL server shared by the session (maintenance database)."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
    elif _use_testcontainers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver=None) as box:
            yield box.get_connection_url()
    else:
        # Shared server is never crashed on purpose, so durability can go for speed.
        with EmbeddedPostgres(tmp_path_factory.mktemp("postgres"), fast=True) as server:
            yield server.admin_url


@pytest.fixture(scope="session")
def _template_database(pg_admin_url: str) -> Iterator[str]:
    """Name of a database migrated once per session; test databases are cloned from it."""
    name = f"redub_template_{uuid.uuid4().hex[:8]}"
    _admin(pg_admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    _migrate(with_database(pg_admin_url, name))
    # CREATE DATABASE ... TEMPLATE fails while anyone (e.g. a lingering yoyo connection) is
    # connected to the template.
    _admin(
        pg_admin_url,
        sql.SQL(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()"
        ),
        (name,),
    )
    yield name
    _admin(
        pg_admin_url,
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
    )


@pytest.fixture
def database_url(pg_admin_url: str, _template_database: str) -> Iterator[str]:
    """URL of a fresh, fully migrated database private to this test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    ident = sql.Identifier(name)
    template = sql.Identifier(_template_database)
    _admin(pg_admin_url, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(ident, template))
    yield with_database(pg_admin_url, name)
    _admin(pg_admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


# What Supabase's initial schema does before any project migration: API roles, PostgREST's
# login `authenticator` able to become them, and default privileges that grant every new table
# and function in `public` to `anon` and `authenticated`.
SUPABASE_ROLES = (
    "DO $$ BEGIN"
    " IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN"
    " CREATE ROLE anon NOLOGIN NOINHERIT; END IF;"
    " IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN"
    " CREATE ROLE authenticated NOLOGIN NOINHERIT; END IF;"
    " IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN"
    " CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD 'authenticator'; END IF;"
    " END $$"
)
SUPABASE_DEFAULTS = (
    "GRANT anon, authenticated TO authenticator",
    "GRANT USAGE ON SCHEMA public TO anon, authenticated",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated",
)


@pytest.fixture
def supabase_like_database_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh database set up as a Supabase project is, then migrated."""
    name = f"supa_{uuid.uuid4().hex[:12]}"
    ident = sql.Identifier(name)
    _admin(pg_admin_url, sql.SQL(SUPABASE_ROLES))  # type: ignore[arg-type]
    _admin(pg_admin_url, sql.SQL("CREATE DATABASE {}").format(ident))
    url = with_database(pg_admin_url, name)
    for statement in SUPABASE_DEFAULTS:
        _admin(url, sql.SQL(statement))  # type: ignore[arg-type]
    _migrate(url)
    yield url
    _admin(pg_admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


@pytest.fixture
def stream_prefix() -> str:
    """Short unique token for naming this test's JetStream streams and subjects."""
    return "t" + uuid.uuid4().hex[:8]


@dataclass
class PrivateServers:
    """Servers owned by one test, free to be stopped, killed and restarted."""

    nats: EmbeddedNats
    postgres: EmbeddedPostgres

    @property
    def nats_url(self) -> str:
        """Client URL of the private NATS server."""
        return self.nats.url

    @property
    def database_url(self) -> str:
        """URL of the private, migrated application database."""
        return self.postgres.url


@pytest.fixture
def private_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServers]:
    """A fresh NATS and a migrated PostgreSQL used only by this test (even with TEST_* URLs)."""
    root = tmp_path_factory.mktemp("private")
    servers = PrivateServers(EmbeddedNats(root / "nats"), EmbeddedPostgres(root / "postgres"))
    with ExitStack() as stack:
        stack.callback(servers.nats.stop)
        stack.callback(servers.postgres.stop)
        servers.nats.start()
        servers.postgres.start()
        _migrate(servers.postgres.url)
        yield servers


def _running(server: EmbeddedNats) -> Iterator[EmbeddedNats]:
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNats]:
    """A NATS server used only by this test, free to be stopped and restarted."""
    yield from _running(EmbeddedNats(tmp_path_factory.mktemp("private-nats")))


@pytest.fixture
def guarded_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNats]:
    """A NATS server whose one user (gw:pw) may publish anything but subscribe to inboxes only."""
    yield from _running(GuardedNats(tmp_path_factory.mktemp("guarded-nats")))


@pytest.fixture
def nats_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    """Three nats-server processes routed into one JetStream cluster, private to the test
    (nodes may be killed); `.url` lists all three, comma-separated."""
    with NatsCluster(tmp_path_factory.mktemp("nats-cluster")) as cluster:
        yield cluster


@pytest.fixture
def make_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., DevStack]:
    """Starts the whole system as separate processes; every stack is stopped when the test
    ends, before the servers and databases it uses are torn down."""

    def start(
        nats_url: str,
        database_url: str,
        prefix: str,
        services: tuple[str, ...] = SERVICES,
        **env: str,
    ) -> DevStack:
        settings = Settings(
            nats_url=nats_url,
            database_url=database_url,
            state_dir=tmp_path_factory.mktemp("state"),
            stream_name=prefix.upper(),
            subject_prefix=prefix,
            gateway_port=0,
        )
        fast = {
            "REDUB_ACK_WAIT_S": "3",
            "REDUB_BACKOFF_BASE_S": "0.2",
            "REDUB_BACKOFF_MAX_S": "1",
            "REDUB_RELAY_INTERVAL_S": "0.2",
            "REDUB_RELAY_GRACE_S": "0.5",
            # Tests submit many jobs as one user: the per-caller limits are not under test.
            "REDUB_MAX_RUNNING_JOBS": "10000",
            "REDUB_MAX_MINUTES_PER_DAY": "1000000",
        }
        stack = DevStack(settings, services=services, extra_env={**fast, **env})
        # On the test's own finalizers (last in, first out, fixtures' teardowns included):
        # this runs before the teardown of any fixture the test asked for, whatever their
        # order. Were the database dropped or a private server stopped first, every service
        # would sit in its reconnect loop until stopped, seconds per test.
        request.node.addfinalizer(stack.stop)
        stack.start()
        return stack

    return start


@pytest.fixture
def start_stack(
    make_stack: Callable[..., DevStack], nats_url: str, database_url: str, stream_prefix: str
) -> Callable[..., DevStack]:
    """`make_stack` on the shared servers and this test's database and stream."""

    def start(**env: str) -> DevStack:
        return make_stack(nats_url, database_url, stream_prefix, **env)

    return start


@pytest.fixture(scope="module")
def gateway_stack(
    pg_admin_url: str,
    _template_database: str,
    nats_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DevStack]:
    """A gateway process on its own database, shared by a module's tests (the fuzz run)."""
    name = f"m_{uuid.uuid4().hex[:12]}"
    ident = sql.Identifier(name)
    template = sql.Identifier(_template_database)
    _admin(pg_admin_url, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(ident, template))
    prefix = "g" + uuid.uuid4().hex[:8]
    settings = Settings(
        nats_url=nats_url,
        database_url=with_database(pg_admin_url, name),
        state_dir=tmp_path_factory.mktemp("gateway"),
        stream_name=prefix.upper(),
        subject_prefix=prefix,
        gateway_port=0,
    )
    stack = DevStack(settings, services=("gateway",))
    try:
        stack.start(timeout=90)
        yield stack
    finally:
        stack.stop()
        _admin(pg_admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


# -- vendors: a local fake of Deepgram, OpenAI and ElevenLabs (tests/support/fake_vendors.py)


@pytest.fixture
def fake_vendors() -> Iterator[FakeVendors]:
    """The fake vendor server on 127.0.0.1, answering at once."""
    server = FakeVendors().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def supabase_storage() -> Iterator[StorageFake]:
    """A local Supabase Storage (the object API's wire format) on 127.0.0.1 for the session;
    tests make a bucket of their own with `create_bucket`."""
    with RunningFake(StorageFake(service_key=f"service-{uuid.uuid4().hex}")) as fake:
        yield fake
