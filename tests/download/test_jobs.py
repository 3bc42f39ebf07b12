"""The job book: one run per day and skip list, a cap on running jobs, running jobs kept."""

from __future__ import annotations

import pytest

from ringConnector.download.jobs import BUSY_RETRY_AFTER, KEEP_JOBS, MAX_RUNNING_JOBS, JobBook
from ringConnector.errors import Busy


def test_the_same_day_and_skip_list_share_one_running_job() -> None:
    book = JobBook()
    first, new = book.start("20261122", frozenset({"1"}))
    again, again_new = book.start("20261122", frozenset({"1"}))
    other, other_new = book.start("20261122", frozenset())
    assert (new, again_new, other_new) == (True, False, True)
    assert again is first and other is not first


def test_a_finished_job_is_not_shared() -> None:
    book = JobBook()
    first, _ = book.start("20261122", frozenset())
    first.ended(None, "stopped")
    second, new = book.start("20261122", frozenset())
    assert new and second is not first


def test_running_jobs_beyond_the_cap_are_refused_with_a_retry_after() -> None:
    book = JobBook()
    for day in range(MAX_RUNNING_JOBS):
        book.start(f"202611{day + 10:02d}", frozenset())
    with pytest.raises(Busy) as refused:
        book.start("20261130", frozenset())
    assert refused.value.status == 429 and refused.value.retry_after == BUSY_RETRY_AFTER
    assert (
        str(refused.value) == f"{MAX_RUNNING_JOBS} downloads are running in the background; try again shortly"
    )


def test_only_finished_jobs_are_forgotten_and_a_running_one_never() -> None:
    book = JobBook()
    running, _ = book.start("20261101", frozenset())
    finished = []
    for n in range(KEEP_JOBS + 50):
        job, _ = book.start("20261102", frozenset({str(n)}))
        job.ended(None, "done")
        finished.append(job)
    assert book.get(running.id) is running  # 150 newer jobs later, still there
    kept = [job for job in finished if book.get(job.id) is job]
    # The book forgets when a job starts: KEEP_JOBS finished ones, and the last, ended since.
    assert kept == finished[-(KEEP_JOBS + 1) :]
