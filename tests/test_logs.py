"""Logging: every line scrubbed in both formats, tracebacks and push tokens included."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from ringConnector.logs import configure_logging, scrub

# Shaped as Google issues them (docs/emulator-push.md): "<instance id>:APA91b<...>".
FCM_TOKEN = "cR1tT3x9Q0m-fake_id:APA91bH3" + "x" * 120
ACCESS_TOKEN = "eyJhbGciOi.access-token-that-must-not-leak"
SIGNED = "https://storage.example/v.mp4?X-Amz-Signature=0123456789abcdef&X-Amz-Credential=AKIA/x"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def log_a_failure() -> None:
    """What ring_doorbell logs at DEBUG when the connector hands Ring its push token, then an
    error whose traceback quotes a token and a pre-signed URL."""
    log = logging.getLogger("ring_doorbell.ring")
    body = {"device": {"metadata": {"api_version": "11", "push_notification_token": FCM_TOKEN}}}
    log.debug("url: %s\nmethod: %s\njson: %s", "clients_api/device", "PATCH", body)
    try:
        raise RuntimeError(f"refresh failed: access_token={ACCESS_TOKEN} fetching {SIGNED}")
    except RuntimeError:
        log.exception("the refresh failed")


@pytest.mark.parametrize("json_lines", [False, True], ids=["text", "json"])
def test_tokens_signatures_and_tracebacks_are_scrubbed_in_both_formats(
    capsys: pytest.CaptureFixture[str], json_lines: bool
) -> None:
    configure_logging("DEBUG", json_lines=json_lines)
    log_a_failure()
    written = capsys.readouterr().err
    assert "push_notification_token" in written and "Traceback" in written  # both were logged
    for secret in (FCM_TOKEN, FCM_TOKEN[:20], ACCESS_TOKEN, "0123456789abcdef", "AKIA"):
        assert secret not in written, secret
    if json_lines:
        lines = [json.loads(line) for line in written.splitlines()]
        assert [line["message"] for line in lines][1] == "the refresh failed"
        assert "access_token=…" in lines[1]["exception"]


def test_the_word_token_in_a_sentence_keeps_its_advice() -> None:
    line = "the token file x holds no token: run ./startCreateAuthFile.py to sign in to Ring again"
    assert scrub(line) == line
    assert scrub('{"token": "abc", "securityToken": 123, "fcm_token": "x"}') == (
        '{"token": "…", "securityToken": …, "fcm_token": "…"}'
    )
