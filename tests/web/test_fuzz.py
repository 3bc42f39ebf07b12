"""Property-based fuzzing of the API: whatever comes in, the answer is JSON and never a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from tests.web.documented import doc_path

METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
SEGMENT = st.text(min_size=0, max_size=12).map(lambda s: quote(s, safe=""))
DAYS = st.one_of(
    st.from_regex(r"[0-9]{8}", fullmatch=True),  # mostly impossible dates: month 13, day 31 ...
    st.sampled_from(
        ["today", "20261122", "20260230", "2026-11-22", "0000000", "99999999", "00010101", "99991231"]
    ),
    SEGMENT,
)
# Inputs that once gave a 500: thousands of digits (int() refuses over 4,300), ids too long for
# a file name, JSON nested past the parser's recursion limit.
DIGITS = st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n)
LONG_ID = st.integers(min_value=200, max_value=400).map(lambda n: "7" * n)
PATHS = st.one_of(
    st.builds(lambda d: f"/connector/download/{d}", DAYS),
    st.builds(lambda d, q: f"/connector/record/{d}?seconds={q}", SEGMENT, SEGMENT | DIGITS),
    st.builds(lambda i: f"/connector/events/{i}", LONG_ID | SEGMENT),
    st.sampled_from(["/connector/jobs", "/connector/events"]),
    # The first segment is never empty: "//x" would be read by the test client as a host name.
    st.builds(lambda *parts: "/" + "/".join(parts), SEGMENT.filter(bool), SEGMENT, SEGMENT),
    st.sampled_from(["/", "/connector", "/connector/download", "/connector/download/"]),
)


def _containing(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # A named function: hypothesis reads a lambda's source to check that it recurses, misreads
    # this one inside the call, and warns that it "can't actually recurse" (it does).
    return st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    _containing,
    max_leaves=20,
)
NESTED = st.integers(min_value=1, max_value=100_000).map(lambda n: b"[" * n + b"]" * n)
DATED = DAYS.map(lambda d: json.dumps({"date": d}).encode())  # a job's body
BODIES = st.one_of(
    st.binary(max_size=200), JSON.map(lambda v: json.dumps(v).encode()), st.just(b""), NESTED, DATED
)


# One client for all examples: events already downloaded are skipped, so valid days stay quick.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=METHODS, path=PATHS, body=BODIES)
# The inputs a hostile review found giving a 500, always tried besides the random ones.
@example(method="POST", path="/connector/download/00010101", body=b"")
@example(method="GET", path="/connector/download/99991231", body=b"")
@example(method="POST", path="/connector/jobs", body=b'{"date": "00010101"}')
@example(method="POST", path="/connector/record/x?seconds=" + "9" * 5000, body=b"")
@example(method="PATCH", path="/connector/events/" + "7" * 300, body=b'{"status": "PROCESSED"}')
@example(method="POST", path="/connector/download/today", body=b"[" * 100_000 + b"]" * 100_000)
@example(method="POST", path="/connector/jobs", body=b"[" * 100_000 + b"]" * 100_000)
@example(method="PATCH", path="/connector/events/1", body=b"[" * 100_000 + b"]" * 100_000)
def test_any_request_gets_json_and_never_a_500(
    client: FlaskClient, method: str, path: str, body: bytes
) -> None:
    response = client.open(path, method=method, data=body, content_type="application/json")
    assert response.status_code < 500 or response.status_code in (502, 503), response.get_data(as_text=True)
    not_json = path.startswith(("/metrics", "/docs", "/connector/videos/")) and response.status_code == 200
    if method != "HEAD" and not not_json:  # Prometheus text, the HTML docs page, MP4
        assert response.mimetype == "application/json"
        answer = response.get_json()
        assert isinstance(answer, list | dict)
        if response.status_code >= 400:
            assert set(answer) == {"error", "message"}
    documented = documented_answers(client, method, path)
    if documented is not None:  # a route of ours and a method it takes: the answer is in its document
        assert str(response.status_code) in documented, (
            f"{method} {path}: {response.status_code} undocumented"
        )


def documented_answers(client: FlaskClient, method: str, path: str) -> set[str] | None:
    """The statuses the OpenAPI document gives the operation `path` reaches, if it reaches one."""
    try:
        # Decoded as the server decodes it: "%2F" in a path is a "/" (two segments, not a day).
        rule, _ = client.application.url_map.bind("localhost").match(
            unquote(urlsplit(path).path), method="GET" if method == "HEAD" else method, return_rule=True
        )
    except HTTPException:  # no such route, or not with this method
        return None
    if rule.endpoint.endswith("static"):
        return None
    operation = client.get("/openapi.json").get_json()["paths"][doc_path(rule)][
        method.lower() if method != "HEAD" else "get"
    ]
    return set(operation["responses"])
