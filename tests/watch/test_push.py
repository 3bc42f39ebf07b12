"""Consumer API push, end to end in-process: the real ring_doorbell listener and firebase-messaging
against the emulator's Google side (TLS with its test CA), inside a watching Connector; each ding
pushed is downloaded once, and the field's failures cost no ding."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Event
from ringConnector.sources.consumer.push import CREDENTIALS_NAME
from ringConnector.watch.watcher import Watcher
from tests.support import FRONT, wait_for

# The watcher polls rarely here: what finds a ding within a test's time is its push.
SLOW_POLL = 600.0


class Watching:
    """A Connector on the real clock and its started watcher."""

    def __init__(self, settings: Settings) -> None:
        self.connector = Connector(settings)
        self.watcher = Watcher(self.connector)
        self.watcher.start()

    def close(self) -> None:
        self.watcher.stop()
        self.connector.close()

    def push(self) -> dict[str, Any]:
        return self.watcher.status()["push"]  # type: ignore[no-any-return]


@pytest.fixture
def push_settings(settings: Settings) -> Settings:
    return settings.replace(watch_poll_interval=SLOW_POLL, retry_initial_delay=0.2)


@pytest.fixture
def watching(push_settings: Settings) -> Iterator[Watching]:
    found = Watching(push_settings)
    wait_for(lambda: found.push()["state"] == "connected", "push to connect")
    yield found
    found.close()


def on_disk(settings: Settings, event: Event) -> list[Path]:
    return list(settings.videos_dir.glob(f"*-{event.id}.json"))


def test_a_pushed_ding_is_downloaded_once_and_counted_as_found_by_push(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    [token] = emulator.state.push_tokens().values()  # PATCH /clients_api/device on RING_API_URL
    assert emulator.state.push.by_token(token) is not None
    ding = emulator.ring_now(FRONT, ready_after=1.0, pushes=2)  # a battery doorbell pushes twice
    wait_for(lambda: bool(on_disk(push_settings, ding)), "the pushed ding on disk")
    assert emulator.storage_downloads(str(ding.id)) == 1
    assert watching.watcher.status()["found"]["push"] == 1
    wait_for(lambda: emulator.push_waiting() == 0, "both pushes acknowledged")
    credentials = push_settings.oauth_file.with_name(CREDENTIALS_NAME)
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert json.loads(credentials.read_text())["fcm"]["registration"]["token"] == token


def test_a_restart_checks_in_with_the_saved_registration_and_does_not_register_again(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    watching.close()
    again = Watching(push_settings)
    try:
        wait_for(lambda: again.push()["state"] == "connected", "push to connect again")
        counts = emulator.push_counts()
        assert (counts["register"], counts["registration"], counts["login"]) == (1, 1, 2)
        ding = emulator.ring_now(FRONT, ready_after=0.5)
        wait_for(lambda: bool(on_disk(push_settings, ding)), "a ding after the restart")
    finally:
        again.close()


def test_a_dropped_socket_and_a_poison_message_lose_no_ding(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    emulator.drop_push_connections()
    first = emulator.ring_now(FRONT, ready_after=0.5, seq=1)
    wait_for(lambda: bool(on_disk(push_settings, first)), "a ding pushed after the socket dropped")
    emulator.send_poison_push()  # undecryptable: acknowledged and counted, never retried
    second = emulator.ring_now(FRONT, ready_after=0.5, seq=2)
    wait_for(lambda: bool(on_disk(push_settings, second)), "a ding pushed after the poison")
    wait_for(lambda: emulator.push_waiting() == 0, "every message acknowledged, the poison too")
    assert watching.push()["undecryptable"] >= 1
    assert watching.watcher.status()["found"]["push"] == 2


def test_a_push_without_an_event_id_is_resolved_through_history(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    ding = emulator.ring_now(FRONT, ready_after=0.5, with_id=False)
    wait_for(lambda: bool(on_disk(push_settings, ding)), "the ding named by device and time")
    assert watching.watcher.status()["found"]["push"] == 1
