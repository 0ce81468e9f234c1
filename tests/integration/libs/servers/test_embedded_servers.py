"""The embedded NATS and PostgreSQL servers start, and keep their data across restarts/crashes."""

from pathlib import Path

import nats
import psycopg
import pytest

from libs.servers import EmbeddedNats, EmbeddedPostgres


async def _stored_messages(url: str, stream: str) -> list[bytes]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        return [
            (await js.get_msg(stream, seq)).data or b""
            for seq in range(info.state.first_seq, info.state.last_seq + 1)
        ]
    finally:
        await nc.close()


async def test_nats_jetstream_file_storage_survives_restart(tmp_path: Path) -> None:
    with EmbeddedNats(tmp_path / "nats") as server:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(name="S", subjects=["s.>"])
        await js.publish("s.one", b"hello")
        await nc.close()
        url_before = server.url

        server.restart()

        assert server.url == url_before
        assert await _stored_messages(server.url, "S") == [b"hello"]


async def test_nats_jetstream_survives_kill(tmp_path: Path) -> None:
    with EmbeddedNats(tmp_path / "nats") as server:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(name="S", subjects=["s.>"])
        await js.publish("s.one", b"acked")
        await nc.close()

        server.kill()
        server.start()

        assert await _stored_messages(server.url, "S") == [b"acked"]


def _rows(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute("SELECT v FROM t ORDER BY v")]


def _insert(url: str, value: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO t VALUES (%s)", (value,))


def test_postgres_data_survives_restart_and_kill(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path / "pg") as server:
        with psycopg.connect(server.url) as conn:
            conn.execute("CREATE TABLE t (v text)")
        _insert(server.url, "a")

        server.restart()
        assert _rows(server.url) == ["a"]

        _insert(server.url, "b")
        server.kill()
        assert not server.running
        server.start()
        assert _rows(server.url) == ["a", "b"]


def test_postgres_kill_with_open_connection_recovers(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path / "pg") as server:
        idle = psycopg.connect(server.url)
        idle.execute("CREATE TABLE t (v text)")
        idle.commit()
        server.kill()
        server.start()
        assert _rows(server.url) == []
        idle.close()


def test_postgres_start_is_idempotent_and_database_exists(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path / "pg", database="other") as server:
        server.start()
        assert server.url.endswith("/other")
        with psycopg.connect(server.admin_url) as conn:
            names = [r[0] for r in conn.execute("SELECT datname FROM pg_database")]
        assert "other" in names


def test_postgres_reports_log_tail_when_port_taken(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path / "a") as first:
        second = EmbeddedPostgres(tmp_path / "b", port=first.port)
        with pytest.raises(RuntimeError, match="could not"):
            second.start()
        assert not second.running


def test_nats_reports_log_tail_when_port_taken(tmp_path: Path) -> None:
    with EmbeddedNats(tmp_path / "a") as first:
        second = EmbeddedNats(tmp_path / "b", port=first.port)
        with pytest.raises(RuntimeError, match="nats-server exited"):
            second.start()


def test_shared_fixtures(nats_url: str, database_url: str, stream_prefix: str) -> None:
    assert nats_url.startswith("nats://")
    assert stream_prefix.startswith("t") and len(stream_prefix) == 9
    with psycopg.connect(database_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables is not None and tables[0] > 0


def test_database_url_is_private_per_test(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("CREATE TABLE only_here (x int)")


def test_database_url_is_private_per_test_again(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        found = conn.execute("SELECT to_regclass('only_here')").fetchone()
    assert found == (None,)


async def test_private_servers(private_servers) -> None:  # type: ignore[no-untyped-def]
    nc = await nats.connect(private_servers.nats_url)
    await nc.close()
    private_servers.postgres.kill()
    private_servers.postgres.start()
    with psycopg.connect(private_servers.database_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_postgres_start_stops_leftover_from_crashed_owner(tmp_path: Path) -> None:
    orphaned = EmbeddedPostgres(tmp_path / "pg")
    orphaned.start()
    orphaned._release()  # the owning process "died" without stopping its server

    with EmbeddedPostgres(tmp_path / "pg", port=orphaned.port) as server:
        assert server.running
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_nats_start_stops_leftover_from_crashed_owner(tmp_path: Path) -> None:
    orphaned = EmbeddedNats(tmp_path / "nats")
    orphaned.start()
    orphaned._release()  # the owning process "died" without stopping its server

    with EmbeddedNats(tmp_path / "nats", port=orphaned.port) as server:
        assert server.running
