"""Faults on real NATS and PostgreSQL: poison messages, a stage SIGKILLed while it holds a
backlog, a PostgreSQL outage longer than the retry budget, replicas splitting a batch."""

import collections
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

from redub.runtime.dev_stack import DevStack
from tests.support.api import (
    INSTANT,
    SPEAKING,
    client,
    event_counts,
    expected_counts,
    submit,
    upload,
    wait_finished,
)
from tests.support.faults import (
    ADVISORY,
    advisory,
    blob_refs,
    events,
    last_seq,
    metric,
    publish_raw,
    sha256_of,
    spawn_stage,
    wait_consumers_idle,
    wait_for_log,
    wire,
)
from tests.support.media import silent_voice_and_bed

STAGES = ("transcriber", "translator", "synthesizer", "mixer")
FAILURES = ("stage.failed", "language.failed", "job.failed")


def count_of(database_url: str, event_type: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM job_events WHERE type = %s", (event_type,))
        return int(row.fetchone()[0])  # type: ignore[index]


def failures(database_url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT job_id, type, payload FROM job_events WHERE type = ANY(%s)", (list(FAILURES),)
        ).fetchall()


def test_poison_messages_are_settled_once_and_stages_keep_working(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(**INSTANT)
    s = stack.settings
    stream, prefix, url = s.stream_name, s.subject_prefix, s.nats_url
    assert url
    voice, bed = silent_voice_and_bed(tmp_path)
    with client(s.gateway_url, s.jwt_secret) as c:
        ids = upload(c, voice), upload(c, bed)
        first = submit(c, *ids, ["fr", "de"])["job_id"]
        assert wait_finished(c, first, timeout=30)["status"] == "completed"
        rows = {r["type"]: r for r in events(database_url, [first])}
        real_transcript_seq = last_seq(url, stream, f"{prefix}.transcript.ready")
        submitted_wrong_subject = wire(rows["job.submitted"])
        garbage = b"\x00\xff not an event {"
        seqs = publish_raw(
            url,
            [
                # Undecodable bytes, on every stage's subject.
                *((f"{prefix}.{t}", garbage) for t in ("job.submitted", "translation.ready")),
                (f"{prefix}.speech.ready", b'{"type": "speech.ready"}'),
                (f"{prefix}.transcript.ready", garbage),  # [3]
                # A well-formed event on the subject of another type.
                (f"{prefix}.transcript.ready", submitted_wrong_subject),  # [4]
                # Well-formed events no committed event stands behind: an unknown job, and
                # a forged id on the finished job (handled, it would translate it twice).
                (
                    f"{prefix}.transcript.ready",
                    wire(rows["transcript.ready"], event_id=uuid.uuid4(), job_id=uuid.uuid4()),
                ),  # [5]
                (
                    f"{prefix}.transcript.ready",
                    wire(rows["transcript.ready"], event_id=uuid.uuid4()),
                ),  # [6]
            ],
        )
        to_translator = f"{ADVISORY}.{stream}.translator"
        publish_raw(
            url,
            [
                (to_translator, b"not an advisory"),
                (to_translator, b'{"stream": "%s", "consumer": "translator"}' % stream.encode()),
                (to_translator, advisory(stream, "synthesizer", seqs[3])),
                (to_translator, advisory("OTHER", "translator", seqs[3])),
                # Forged: the real job's message, deliveries not exhausted (it would fail it).
                (to_translator, advisory(stream, "translator", real_transcript_seq, 1)),
                # Well-formed advisories naming: garbage, a message of another type, a forged
                # event, a message that is gone, and a message that was handled in full.
                (to_translator, advisory(stream, "translator", seqs[3])),
                (to_translator, advisory(stream, "translator", seqs[4])),
                (to_translator, advisory(stream, "translator", seqs[5])),
                (to_translator, advisory(stream, "translator", 10**9)),
                (to_translator, advisory(stream, "translator", real_transcript_seq)),
            ],
        )

        port = stack.metrics_ports["translator"]
        expected = {
            "undecodable": 2,
            "subject_mismatch": 1,
            "not_in_log": 3,
            "bad_advisory": 2,
            "foreign_advisory": 3,
            "wrong_type": 1,
        }
        # Each stage settles its own poison on its own schedule: wait for all of them.
        others = ("transcriber", "synthesizer", "mixer")
        deadline = time.monotonic() + 30
        while True:
            seen = {
                k: metric(port, "redub_poison_messages_total", consumer="translator", kind=k)
                for k in expected
            }
            undecodable = {
                stage: metric(
                    stack.metrics_ports[stage],
                    "redub_poison_messages_total",
                    consumer=stage,
                    kind="undecodable",
                )
                for stage in others
            }
            done = seen == expected and all(v == 1 for v in undecodable.values())
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert seen == expected
        assert undecodable == dict.fromkeys(others, 1)

        # Every stage process is the one started with the stack: none exited or restarted.
        for name, proc in stack.procs.items():
            assert proc.poll() is None, f"{name} exited with {proc.returncode}"
        log = (stack.state_dir / "logs" / "translator.log").read_text()
        assert log.count("stage started") == 1

        # The next good job goes through at once.
        started = time.monotonic()
        second = submit(c, *ids, ["fr", "de"])["job_id"]
        assert wait_finished(c, second, timeout=20)["status"] == "completed"
        assert time.monotonic() - started < 15

    for job in (first, second):
        assert event_counts(database_url, job) == expected_counts(["fr", "de"]), job
    assert failures(database_url) == []
    # Nothing is left pending or unacknowledged, and no poison message was delivered twice.
    infos = wait_consumers_idle(url, [stream, f"{stream}_ADVISORIES"])
    names = {i.name for i in infos}
    assert {*STAGES, "translator_exhausted"} <= names, names
    for info in infos:
        assert info.num_redelivered == 0, (info.name, info.num_redelivered)


# Enough jobs that a backlog is still queued at the third kill, however fast this machine is.
JOBS = 16


def test_sigkilling_a_stage_with_a_backlog_fails_no_job_it_never_started(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    # One message at a time; at most 3 deliveries each. Three kills would exhaust every
    # message held beyond the one in progress, were any held.
    stack: DevStack = start_stack(
        **SPEAKING,
        REDUB_SYNTHESIZER_CONCURRENCY="1",
        REDUB_SYNTHESIZER_MAX_DELIVER="3",
    )
    voice, bed = silent_voice_and_bed(tmp_path, seconds=45)
    jobs: list[str] = []
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        ids = upload(c, voice), upload(c, bed)
        jobs = [submit(c, *ids, ["fr"])["job_id"] for _ in range(JOBS)]
        # Generous: each restart imports and starts a process, slow on a busy machine.
        deadline = time.monotonic() + 180
        backlogs = []
        for _ in range(3):
            # Let the (re)started synthesizer finish something, then kill it mid-backlog.
            before = count_of(database_url, "speech.ready")
            while count_of(database_url, "speech.ready") == before < JOBS:
                assert time.monotonic() < deadline, "the synthesizer made no progress"
                time.sleep(0.05)
            backlogs.append(JOBS - count_of(database_url, "speech.ready"))
            killed = stack.procs["synthesizer"]
            stack.stop_service("synthesizer", sig=signal.SIGKILL)
            assert killed.returncode == -signal.SIGKILL
            stack.start_service("synthesizer")
        assert min(backlogs) >= 2, f"no backlog was queued at a kill: {backlogs}"
        finished = [wait_finished(c, j, timeout=120) for j in jobs]
    assert [f["status"] for f in finished] == ["completed"] * JOBS, failures(database_url)
    assert failures(database_url) == []
    for j in jobs:
        assert event_counts(database_url, j) == expected_counts(["fr"]), j


def test_postgres_outage_longer_than_the_retry_budget_fails_no_job(
    make_stack: Any, private_servers: Any, stream_prefix: str, tmp_path: Path
) -> None:
    # Deliveries run out within seconds; the outage lasts 15 s.
    db = private_servers.database_url
    stack: DevStack = make_stack(
        private_servers.nats_url,
        db,
        stream_prefix,
        **SPEAKING,
        REDUB_MAX_DELIVER="2",
        REDUB_ACK_WAIT_S="2",
        REDUB_BACKOFF_BASE_S="0.2",
        REDUB_BACKOFF_MAX_S="0.5",
    )
    voice, bed = silent_voice_and_bed(tmp_path, seconds=30)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        ids = upload(c, voice), upload(c, bed)
        jobs = [submit(c, *ids, ["fr", "de"])["job_id"] for _ in range(6)]
        deadline = time.monotonic() + 60
        while count_of(db, "speech.ready") == 0:
            assert time.monotonic() < deadline, "no progress before the outage"
            time.sleep(0.05)
        completed_before = count_of(db, "job.completed")
        private_servers.postgres.stop()
        down = time.monotonic()
        # Every stage is still alive through the outage.
        time.sleep(15)
        for name, proc in stack.procs.items():
            assert proc.poll() is None, f"{name} exited during the outage ({proc.returncode})"
        private_servers.postgres.start()
        assert time.monotonic() - down >= 15
        assert completed_before < 6, "every job finished before the outage"
        finished = []
        for j in jobs:
            deadline = time.monotonic() + 90
            while True:
                try:
                    finished.append(wait_finished(c, j, timeout=90))
                    break
                except httpx.HTTPError:  # the gateway's pool may still be reconnecting
                    assert time.monotonic() < deadline
                    time.sleep(0.5)
    assert failures(db) == []
    assert [f["status"] for f in finished] == ["completed"] * 6
    # The stages met the outage, and waited it out without charging deliveries.
    waits = {
        stage: metric(port, "redub_stage_outage_retries_total", stage=stage)
        for stage, port in stack.metrics_ports.items()
        if stage in STAGES
    }
    assert sum(waits.values()) > 0, waits
    for j in jobs:
        assert event_counts(db, j) == expected_counts(["fr", "de"]), j


def test_three_replicas_split_a_batch_and_do_each_item_once(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(**INSTANT, REDUB_TRANSLATOR_CONCURRENCY="1")
    logs = stack.state_dir / "logs"
    replicas = {"translator": stack.metrics_ports["translator"]}
    extra = []
    try:
        for n in ("2", "3"):
            proc, port = spawn_stage(stack, "translator", n)
            extra.append(proc)
            replicas[f"translator-{n}"] = port
        for name in replicas:
            wait_for_log(logs / f"{name}.log", "stage started")
        voice, bed = silent_voice_and_bed(tmp_path)
        with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
            ids = upload(c, voice), upload(c, bed)
            jobs = [submit(c, *ids, ["fr", "de"])["job_id"] for _ in range(12)]
            finished = [wait_finished(c, j, timeout=60) for j in jobs]
        assert [f["status"] for f in finished] == ["completed"] * 12
        for proc in extra:
            assert proc.poll() is None
        done = {
            name: metric(port, "redub_stage_items_total", outcome="ok", stage="translator")
            for name, port in replicas.items()
        }
    finally:
        for proc in extra:
            proc.send_signal(signal.SIGTERM)
        for proc in extra:
            proc.wait(30)

    rows = events(database_url, jobs)
    translations = collections.Counter(
        (str(r["job_id"]), r["payload"]["language"])
        for r in rows
        if r["type"] == "translation.ready"
    )
    assert translations == {(j, lang): 1 for j in jobs for lang in ("fr", "de")}
    for j in jobs:
        assert event_counts(database_url, j) == expected_counts(["fr", "de"]), j
    assert sum(done.values()) == 24, done
    assert sum(1 for v in done.values() if v > 0) >= 2, f"one replica did everything: {done}"

    # No blob was rewritten: each key names one content, which is what is on disk.
    digests: dict[str, set[str]] = collections.defaultdict(set)
    for r in rows:
        for ref in blob_refs(r["payload"]):
            digests[ref["key"]].add(ref["sha256"])
    root = stack.settings.blob_root
    for key, shas in digests.items():
        assert len(shas) == 1, (key, shas)
        assert sha256_of(root / key) == next(iter(shas)), key
    # Each translation has its own key, and nothing else was left under the translator's.
    keys = [r["payload"]["translation"]["key"] for r in rows if r["type"] == "translation.ready"]
    assert len(set(keys)) == 24
    on_disk = {
        str(p.relative_to(root))
        for j in jobs
        for p in (root / "jobs" / j / "translator").rglob("*")
        if p.is_file()
    }
    assert on_disk == set(keys)
