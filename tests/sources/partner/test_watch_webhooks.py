"""Watch mode on the Partner API, end to end: the emulator's Partner host sends Ring's signed
webhooks to a watching server.py, dropped, duplicated and delayed, and forged ones come too:
every ding is on disk once (a dropped webhook costs a poll, never the event)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from ringConnector.config import Settings
from ringConnector.emulator import (
    Emulator,
    Event,
    ManualClock,
    PartnerApp,
    WebhookFaults,
    event_id,
    partner_event_id,
)
from ringConnector.sources.partner.webhooks import signature
from tests.sources.partner.support import partner_environment
from tests.support import FRONT, ROOT, wait_for

pytestmark = pytest.mark.process


@pytest.fixture
def wall() -> ManualClock:  # the emulator on real time: server.py runs on it
    return time.time  # type: ignore[return-value]


@pytest.fixture
def server(request: pytest.FixtureRequest, partner_settings: Settings, tmp_path: Path) -> Iterator[str]:
    """A watching server.py on the Partner API, polling every 30 s (or the test's parameter):
    within a test's time, webhooks are what wake it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = partner_environment(
        partner_settings,
        RING_PARTNER_WEBHOOK_KEY=PartnerApp().hmac_key,
        WATCH="true",
        WATCH_POLL_INTERVAL=getattr(request, "param", "30"),
        PORT=str(port),
    )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([sys.executable, str(ROOT / "server.py")], env=env, stderr=log, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), "server.py to listen")
        yield base
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
        log.close()


def _answers(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def watch_state(server: str) -> dict[str, Any]:
    return dict(requests.get(server + "/connector/watch", timeout=5).json())


def ring(emulator: Emulator, seq: int) -> Event:
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=12)
    event = Event(event_id(moment, seq), FRONT, moment, duration=10.0)
    emulator.add_events([event])
    return event


def test_dropped_duplicated_and_delayed_webhooks_still_put_every_ding_on_disk_once(
    partner_emulator: Emulator, partner_settings: Settings, server: str
) -> None:
    hook = server + "/connector/webhooks/ring"
    # The first round (at start) has run once the watch state shows a poll.
    wait_for(lambda: requests.get(server + "/connector/watch", timeout=5).json()["polls"] >= 1, "a poll")
    partner_emulator.register_webhook(hook, WebhookFaults(duplicate=1, delay_s=0.2))
    dings = [ring(partner_emulator, 1), ring(partner_emulator, 2)]
    forged = b'{"meta": {"request_id": "forged"}, "data": {"type": "button_press"}}'
    wrong = requests.post(hook, data=forged, headers={"X-Signature": signature("guess", forged)}, timeout=5)
    assert wrong.status_code == 401

    def on_disk(event: Event) -> int:
        return len(list(partner_settings.videos_dir.glob(f"*-{partner_event_id(event.id)}.json")))

    wait_for(lambda: all(on_disk(e) == 1 for e in dings), "both dings, woken by webhooks", deadline=60)
    deliveries = partner_emulator.webhook_deliveries()
    assert [d["copies"] for d in deliveries] == [2, 1] and all(d["delivered"] for d in deliveries)
    # The round counts what it found once its download returns: a moment after the files.
    wait_for(lambda: watch_state(server)["found"]["webhook"] == 2, "both counted as found by webhook")
    state = watch_state(server)
    assert state["running"] is True and state["found"]["poll"] == 0
    assert state["lastAnnouncement"]["how"] == "webhook"
    assert all(on_disk(e) == 1 for e in dings)  # the duplicate made nothing twice


@pytest.mark.parametrize("server", ["1"], indirect=True)
def test_a_dropped_webhook_costs_a_poll_never_the_ding(
    partner_emulator: Emulator, partner_settings: Settings, server: str
) -> None:
    partner_emulator.register_webhook(server + "/connector/webhooks/ring", WebhookFaults(drop=1))
    lost = ring(partner_emulator, 3)
    name = f"*-{partner_event_id(lost.id)}.json"
    wait_for(lambda: len(list(partner_settings.videos_dir.glob(name))) == 1, "the ding, found by polling")
    assert [d["dropped"] for d in partner_emulator.webhook_deliveries()] == [True]
    wait_for(lambda: watch_state(server)["found"]["poll"] == 1, "the ding counted as found by polling")
    assert watch_state(server)["found"] == {"poll": 1, "webhook": 0, "push": 0}  # a missed webhook
