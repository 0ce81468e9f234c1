"""The word-of-jobs message: job ids, a line each; what is no id is skipped."""

from uuid import uuid4

from libs.events.jetstream_job_changes import job_words, jobs_of


def test_jobs_named_come_back_in_order() -> None:
    jobs = [uuid4() for _ in range(3)]
    assert jobs_of(job_words(jobs)) == jobs
    assert jobs_of(job_words([])) == []


def test_lines_that_are_no_job_id_are_skipped() -> None:
    job = uuid4()
    assert jobs_of(b"\xff\xfe\n" + str(job).encode() + b"\nnot-a-uuid\n") == [job]
