"""Background jobs: start a day's download, then follow its state and progress."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from tests.support import SmallDay


def wait_for_end(client: FlaskClient, location: str) -> dict[str, Any]:
    """Poll the job until it ends (a condition wait with a deadline, not a fixed sleep)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = client.get(location).get_json()
        if job["state"] != "running":
            return job  # type: ignore[no-any-return]
        time.sleep(0.02)
    pytest.fail("the job did not end within 30 s")


def test_a_job_downloads_the_day_and_reports_progress(client: FlaskClient) -> None:
    response = client.post("/connector/jobs", json={"date": "20261122", "skip": [str(SmallDay.first.id)]})
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location == f"/connector/jobs/{response.get_json()['id']}"
    assert response.get_json()["state"] == "running"
    job = wait_for_end(client, location)
    expected = SmallDay.expected_dings() - {str(SmallDay.first.id)}
    assert job["state"] == "done" and job["error"] is None
    assert (job["eventsTotal"], job["eventsDone"], job["eventsFailed"]) == (4, 4, 0)
    assert {e["ringId"] for e in job["downloaded"]} == expected
    assert job["bytes"] == sum(e.size for e in SmallDay.events() if str(e.id) in expected)
    assert job["finishedAt"] is not None
    # The synchronous endpoint stays as it was: it fetches the one the job was told to skip.
    assert [e["ringId"] for e in client.post("/connector/download/20261122").get_json()] == [
        str(SmallDay.first.id)
    ]


def test_a_job_without_a_date_is_today(client: FlaskClient) -> None:
    response = client.post("/connector/jobs")
    assert response.status_code == 202 and response.get_json()["date"] == "20261122"
    assert wait_for_end(client, response.headers["Location"])["eventsDone"] == 5


def test_a_job_that_cannot_sign_in_ends_failed_with_the_reason(
    client: FlaskClient, settings: Settings
) -> None:
    settings.oauth_file.unlink()
    job = wait_for_end(client, client.post("/connector/jobs", json={"date": "20261122"}).headers["Location"])
    assert job["state"] == "failed" and "startCreateAuthFile.py" in job["error"]


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"date": 20261122}',
        b'{"date": "20261341"}',
        b'{"day": "20261122"}',
        b'{"skip": "x"}',
        b"nope",
    ],
)
def test_bad_job_bodies_are_400s(client: FlaskClient, body: bytes) -> None:
    response = client.post("/connector/jobs", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_an_unknown_job_is_a_404(client: FlaskClient) -> None:
    response = client.get("/connector/jobs/0123abc")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


# Slow storage keeps the first job running while the others arrive.
@pytest.mark.storage_bandwidth(100_000)
def test_many_posts_for_the_same_day_share_one_run(client: FlaskClient, emulator: Emulator) -> None:
    answers = [client.post("/connector/jobs", json={"date": "20261122"}) for _ in range(150)]
    assert {answer.status_code for answer in answers} == {202}
    assert len({answer.get_json()["id"] for answer in answers}) == 1
    wait_for_end(client, answers[0].headers["Location"])
    one_run = emulator.count("history")
    client.post("/connector/download/20261122")  # a second run, for comparison
    assert emulator.count("history") == 2 * one_run  # the 150 posts cost one run's requests


@pytest.mark.storage_bandwidth(100_000)
def test_running_jobs_beyond_the_cap_are_a_429_with_retry_after(client: FlaskClient) -> None:
    started = [client.post("/connector/jobs", json={"date": "20261122", "skip": [str(n)]}) for n in range(4)]
    assert [answer.status_code for answer in started] == [202] * 4
    refused = client.post("/connector/jobs", json={"date": "20261122", "skip": ["another"]})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "10"
    assert refused.get_json() == {
        "error": "too_busy",
        "message": "4 downloads are running in the background; try again shortly",
    }
    for answer in started:
        assert wait_for_end(client, answer.headers["Location"])["state"] == "done"
