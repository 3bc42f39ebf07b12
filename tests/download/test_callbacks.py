"""CALLBACK_URL: the pipeline is told of each new video, even when it stumbles at first."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.errors import ConfigError
from tests.support import DAY, FakeSleep, SmallDay


class Pipeline(ThreadingHTTPServer):
    """A receiver on loopback: answers 503 to the first `failures` calls, then 204."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.received: list[dict[str, object]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(BaseHTTPRequestHandler):
    server: Pipeline

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.calls += 1
            failing = self.server.calls <= self.server.failures
            if not failing:
                self.server.received.append(body)
        self.send_response(503 if failing else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    server = Pipeline(failures=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_each_new_event_is_posted_and_retried(
    settings: Settings, pipeline: Pipeline, sleep: FakeSleep
) -> None:
    url = f"http://127.0.0.1:{pipeline.server_address[1]}/ring-events"
    with Connector(settings.replace(callback_url=url), sleep=sleep) as connector:
        report = connector.download_day(DAY)
        again = connector.download_day(DAY)
    # Closing waits for deliveries still being retried.
    assert again.downloaded == []
    assert sorted(str(body["ringId"]) for body in pipeline.received) == sorted(SmallDay.expected_dings())
    assert pipeline.received[0] in report.downloaded  # the event JSON itself
    assert pipeline.calls == len(SmallDay.expected_dings()) + 2  # two 503s were retried, nothing sent twice


def test_no_callback_url_no_calls(connector: Connector, pipeline: Pipeline) -> None:
    connector.download_day(DAY)
    assert pipeline.calls == 0


def test_a_bad_callback_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="CALLBACK_URL"):
        Settings(callback_url="ftp://pipeline/events")


class Redirector(BaseHTTPRequestHandler):
    """A receiver that answers every POST with a 307 to `target` (another origin)."""

    target = ""
    calls = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls += 1
        self.send_response(307)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_redirect_to_another_host_is_not_followed(
    settings: Settings, pipeline: Pipeline, sleep: FakeSleep, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline.failures = 0
    Redirector.target = f"http://localhost:{pipeline.server_address[1]}/stolen"
    Redirector.calls = 0
    redirector = ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    threading.Thread(target=redirector.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{redirector.server_address[1]}/ring-events"
        with Connector(settings.replace(callback_url=url), sleep=sleep) as connector:
            connector.download_day(DAY)
    finally:
        redirector.shutdown()
        redirector.server_close()
    assert pipeline.calls == 0 and pipeline.received == []  # the event JSON never reached it
    assert Redirector.calls == len(SmallDay.expected_dings())  # one try each: a redirect is final
    assert "the receiver redirected (HTTP 307); not sent on elsewhere" in caplog.text
