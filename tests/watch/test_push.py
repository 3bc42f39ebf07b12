"""Consumer API push, end to end in-process: the real ring_doorbell listener and firebase-messaging
against the emulator's Google side (TLS with its test CA), inside a watching Connector; each ding
pushed is downloaded once, and the field's failures cost no ding."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client import REGISTRY

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Event
from ringConnector.sources.consumer.push import (
    CREDENTIALS_NAME,
    UNDECRYPTABLE_CAUSES,
    WATCHDOG_EVERY,
    PushTiming,
)
from ringConnector.watch.watcher import Watcher
from ringConnector.web.app import create_app
from tests.support import FRONT, wait_for


class Watching:
    """A Connector on the real clock and its started watcher."""

    def __init__(self, settings: Settings, timing: PushTiming | None = None) -> None:
        self.connector = Connector(settings, push_timing=timing)
        self.watcher = Watcher(self.connector)
        self.watcher.start()

    def close(self) -> None:
        self.watcher.stop()
        self.connector.close()

    def found(self, how: str) -> int:
        """Events found by `how`; a round counts them once its download returned, just after
        their files appeared."""
        return int(self.watcher.status()["found"][how])

    def push(self) -> dict[str, Any]:
        return self.watcher.status()["push"]  # type: ignore[no-any-return]


def started(found: Watching) -> Watching:
    """`found` once push is connected and the first round is over (a ding rung later is pushed,
    and no round already under way can find it first)."""
    wait_for(lambda: found.push()["state"] == "connected", "push to connect")
    wait_for(lambda: found.watcher.status()["polls"] >= 1, "the first round")
    return found


@pytest.fixture
def watching(push_settings: Settings) -> Iterator[Watching]:
    found = started(Watching(push_settings))
    yield found
    found.close()


# A watchdog that looks often and calls a second without a frame silence (the default: 180 s).
QUICK = PushTiming(silence_limit=1.5, every=0.1, first_delay=0.2, max_delay=1.0)


@pytest.fixture
def quick(push_settings: Settings) -> Iterator[Watching]:
    """A watching Connector whose push watchdog runs on QUICK timings, connected."""
    found = started(Watching(push_settings, QUICK))
    yield found
    found.close()


def on_disk(settings: Settings, event: Event) -> list[Path]:
    return list(settings.videos_dir.glob(f"*-{event.id}.json"))


def landed(settings: Settings, event: Event) -> Callable[[], bool]:
    """Whether `event` is on disk yet, as a condition to wait for."""
    return lambda: bool(on_disk(settings, event))


def test_a_pushed_ding_is_downloaded_once_and_counted_as_found_by_push(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    [token] = emulator.state.push_tokens().values()  # PATCH /clients_api/device on RING_API_URL
    assert emulator.state.push.by_token(token) is not None
    ding = emulator.ring_now(FRONT, ready_after=1.0, pushes=2)  # a battery doorbell pushes twice
    wait_for(lambda: bool(on_disk(push_settings, ding)), "the pushed ding on disk")
    assert emulator.storage_downloads(str(ding.id)) == 1
    wait_for(lambda: watching.found("push") == 1, "it counted as found by push")
    wait_for(lambda: emulator.push_waiting() == 0, "both pushes acknowledged")
    push = watching.push()
    assert (push["state"], push["pushes"], push["undecryptable"]) == ("connected", 2, 0)
    assert push["since"] is not None and push["lastMessage"] is not None
    credentials = push_settings.oauth_file.with_name(CREDENTIALS_NAME)
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert json.loads(credentials.read_text())["fcm"]["registration"]["token"] == token


def test_a_doorbell_rung_over_the_emulators_admin_route_is_pushed_and_downloaded(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    """What a person trying watch mode against `python -m ringConnector.emulator` does with curl."""
    rung = requests.post(emulator.api_url + "/_emulator/ring", json={"ready_after": 1}, timeout=5)
    assert rung.status_code == 201
    wait_for(lambda: bool(list(push_settings.videos_dir.glob(f"*-{rung.json()['id']}.json"))), "it on disk")
    wait_for(lambda: watching.found("push") == 1, "it counted as found by push")


def test_readiness_says_since_when_push_is_up_and_the_last_push_only_to_a_caller_with_the_key(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    keyed = push_settings.replace(api_key="k" * 32)
    client = create_app(keyed, connector=watching.connector, watcher=watching.watcher).test_client()
    ding = emulator.ring_now(FRONT, ready_after=0.3)
    wait_for(lambda: bool(on_disk(push_settings, ding)), "the pushed ding on disk")
    anyone = client.get("/readyz").get_json()["watch"]
    holder = client.get("/readyz", headers={"Authorization": "Bearer " + "k" * 32}).get_json()["watch"]
    push = watching.push()
    assert anyone == {"running": True, "state": "watching", "push": "connected", "pushSince": push["since"]}
    assert holder == anyone | {"lastMessage": push["lastMessage"]} and push["lastMessage"] is not None


def test_a_restart_checks_in_with_the_saved_registration_and_does_not_register_again(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    watching.watcher.stop()
    assert watching.connector.push_status() is None  # the listener stops with the watcher
    watching.connector.close()
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
    wait_for(lambda: watching.found("push") == 2, "both counted as found by push")


def undecryptable(cause: str) -> float:
    """What /metrics counts as undecryptable{cause=...} so far."""
    found = REGISTRY.get_sample_value("ringconnector_push_undecryptable_total", {"cause": cause})
    return found or 0.0


# Push latency, with room for a loaded machine; the watcher's next poll is SLOW_POLL away.
PUSHED_IN = 10.0


def test_pushes_with_unpadded_keys_and_without_ids_are_downloaded_at_once_and_push_lives_on(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    """Google writes the keys without base64 padding, or with a second parameter, and Ring leaves
    ids out (docs/ring-apis.md §7.1, §7.2): four such pushes in a row (firebase-messaging gives up
    after three errors), each found by its push, and an ordinary one after them."""
    before = {cause: undecryptable(cause) for cause in UNDECRYPTABLE_CAUSES}
    for seq, (keys, with_id) in enumerate(
        [("unpadded", True), ("unpadded", False), ("signed", True), ("signed", False)], start=1
    ):
        ding = emulator.ring_now(FRONT, ready_after=0.3, keys=keys, with_id=with_id, seq=seq)
        wait_for(landed(push_settings, ding), f"the {keys} ding", deadline=PUSHED_IN)
    ordinary = emulator.ring_now(FRONT, ready_after=0.3, seq=5)
    wait_for(lambda: bool(on_disk(push_settings, ordinary)), "an ordinary ding after", deadline=PUSHED_IN)
    wait_for(lambda: watching.found("push") == 5, "all five counted as found by push")
    wait_for(lambda: emulator.push_waiting() == 0, "every message acknowledged")
    push = watching.push()
    assert (push["state"], push["reconnects"], push["undecryptable"]) == ("connected", 0, 0)
    assert watching.found("poll") == 0
    assert {cause: undecryptable(cause) for cause in UNDECRYPTABLE_CAUSES} == before


def test_a_message_still_undecryptable_is_counted_by_cause_and_acknowledged(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    decryption = undecryptable("decryption")
    emulator.send_poison_push()  # encrypted for keys nobody holds: no padding helps
    wait_for(lambda: undecryptable("decryption") == decryption + 1, "undecryptable{cause=decryption}")
    wait_for(lambda: emulator.push_waiting() == 0, "the message acknowledged all the same")
    ding = emulator.ring_now(FRONT, ready_after=0.3)
    wait_for(lambda: bool(on_disk(push_settings, ding)), "a ding pushed after it", deadline=PUSHED_IN)
    assert watching.push()["reconnects"] == 0


def test_push_says_down_within_seconds_when_its_socket_is_lost(
    emulator: Emulator, watching: Watching
) -> None:
    """The socket cut and Google silent, so the library's reconnection waits for a login answer:
    push said "connected" until the watchdog's silence limit (3 minutes), not the socket's state."""
    emulator.set_push_silent(True)
    emulator.drop_push_connections()
    wait_for(lambda: watching.push()["state"] == "down", "push to say down", deadline=2 * WATCHDOG_EVERY)
    assert "lost" in watching.push()["lastError"]
    emulator.set_push_silent(False)
    emulator.drop_push_connections()  # the unanswered login's socket: the library tries again
    wait_for(lambda: watching.push()["state"] == "connected", "push connected again", deadline=60)
    assert watching.push()["reconnects"] == 0  # the library reconnected by itself


def test_a_silent_socket_is_probed_and_push_says_down_within_seconds(
    emulator: Emulator, push_settings: Settings
) -> None:
    """Nothing answers on a socket that looks open: a heartbeat finds out in seconds (Ring's own
    listener settings wait two minutes before they ask, and the watchdog three)."""
    probing = PushTiming(silence_limit=600, every=0.1, heartbeat_after=1, heartbeat_answer=1)
    found = started(Watching(push_settings, probing))
    try:
        emulator.set_push_silent(True)
        wait_for(lambda: found.push()["state"] == "down", "push to say it is down", deadline=10)
        emulator.set_push_silent(False)
        emulator.drop_push_connections()  # the login sent while silent stays unanswered
        ding = emulator.ring_now(FRONT, ready_after=0.3)
        wait_for(lambda: bool(on_disk(push_settings, ding)), "a ding once Google answers again")
    finally:
        found.close()


def test_a_push_without_an_event_id_is_resolved_through_history(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    ding = emulator.ring_now(FRONT, ready_after=0.5, with_id=False)
    wait_for(lambda: bool(on_disk(push_settings, ding)), "the ding named by device and time")
    wait_for(lambda: watching.found("push") == 1, "it counted as found by push")


def test_a_silent_socket_is_rebuilt_and_the_ding_pushed_meanwhile_still_arrives(
    emulator: Emulator, quick: Watching, push_settings: Settings
) -> None:
    emulator.set_push_silent(True)  # no frame at all: the connection looks alive and is not
    ding = emulator.ring_now(FRONT, ready_after=0.5)
    wait_for(lambda: quick.push()["reconnects"] >= 1, "the watchdog to rebuild the listener")
    assert quick.push()["state"] in ("down", "connected")
    emulator.set_push_silent(False)
    wait_for(lambda: bool(on_disk(push_settings, ding)), "the ding pushed while silent, delivered later")
    wait_for(lambda: quick.found("push") == 1, "it counted as found by push")
    assert emulator.push_counts()["register"] == 1  # rebuilt from the saved registration


def test_a_registration_google_forgot_is_done_again_from_scratch(emulator: Emulator, quick: Watching) -> None:
    emulator.forget_push_registrations()  # saved credentials no longer log in
    wait_for(lambda: emulator.push_counts()["register"] == 2, "a new registration", deadline=60)
    wait_for(lambda: quick.push()["state"] == "connected", "push to connect again", deadline=60)
    [token] = emulator.state.push_tokens().values()
    assert emulator.state.push.by_token(token) is not None  # Ring was given the new token
    ding = emulator.ring_now(FRONT, ready_after=0.5)
    wait_for(lambda: bool(on_disk(quick.connector.settings, ding)), "a ding on the new registration")


def test_a_push_replayed_for_an_event_on_disk_costs_nothing(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    ding = emulator.ring_now(FRONT, ready_after=0.3)
    wait_for(lambda: bool(on_disk(push_settings, ding)), "the ding on disk")
    announced = watching.watcher.status()["lastAnnouncement"]
    replayed = REGISTRY.get_sample_value("ringconnector_push_messages_total", {"outcome": "replayed"}) or 0
    emulator.reset_counters()
    emulator.push_event(ding)  # as after a reconnect: the same event pushed again

    def counted() -> float:
        return REGISTRY.get_sample_value("ringconnector_push_messages_total", {"outcome": "replayed"}) or 0

    wait_for(lambda: counted() == replayed + 1, "the replay recognised")
    assert watching.watcher.status()["lastAnnouncement"] == announced  # nothing announced
    assert emulator.count("history") == 0  # and no round was woken for it


def test_with_registration_refused_watch_mode_polls_says_push_is_down_and_recovers(
    emulator: Emulator, settings: Settings
) -> None:
    emulator.reject_push_registrations(True)  # Google refuses: no push at all
    quick_poll = settings.replace(watch_poll_interval=0.5, retry_initial_delay=0.2)
    watching = Watching(quick_poll, QUICK)
    try:
        wait_for(lambda: watching.push()["reconnects"] >= 1, "a failed start, retried")
        client = create_app(quick_poll, connector=watching.connector, watcher=watching.watcher).test_client()
        ready = client.get("/readyz")
        assert ready.status_code == 200  # downloads still run, by polling
        assert ready.get_json()["watch"]["push"] == "down"
        assert (
            "push is down" in ready.get_json()["reason"]
            and "polling every 0.5 s" in ready.get_json()["reason"]
        )
        ding = emulator.ring_now(FRONT, ready_after=0.3)  # pushed to nobody: polling finds it
        wait_for(lambda: bool(on_disk(quick_poll, ding)), "the ding found by polling")
        wait_for(lambda: watching.found("poll") >= 1, "it counted as found by polling (a missed push)")
        emulator.reject_push_registrations(False)
        wait_for(lambda: watching.push()["state"] == "connected", "push back once Google takes it")
    finally:
        watching.close()


def test_every_new_ring_session_gets_the_push_token_again(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    """The token is bound to the session: when Ring forgets the session, the new one gets it."""
    before = emulator.count("push_device")
    emulator.state.sessions.forget_all()  # Ring dropped the session (404 naming the hardware id)
    ding = emulator.ring_now(FRONT, ready_after=0.3)
    wait_for(lambda: bool(on_disk(push_settings, ding)), "the ding, through a new session")
    assert emulator.count("push_device") == before + 1


def test_a_motion_push_is_ignored_when_only_dings_are_downloaded(
    emulator: Emulator, watching: Watching, push_settings: Settings
) -> None:
    """RING_EVENT_KINDS=ding: a motion's push would be looked for in history for 15 minutes."""
    assert push_settings.event_kinds == ("ding",)
    ignored = REGISTRY.get_sample_value("ringconnector_push_messages_total", {"outcome": "ignored"}) or 0
    emulator.ring_now(FRONT, kind="motion", ready_after=0.3)
    wait_for(
        lambda: (
            REGISTRY.get_sample_value("ringconnector_push_messages_total", {"outcome": "ignored"})
            == ignored + 1
        ),
        "the motion push ignored",
    )
    assert watching.watcher.status()["lastAnnouncement"] is None


@pytest.mark.parametrize("hang_up", [False, True], ids=["refused", "hung up"])
def test_a_registration_half_done_is_not_kept_and_push_comes_back(
    emulator: Emulator, push_settings: Settings, hang_up: bool
) -> None:
    """Firebase's registrations call refused twice (firebase-messaging then hands on credentials
    without a token), or its installations call hung up on (an aiohttp error the library lets
    through): neither is saved nor ends push; the next start registers properly."""
    call = "installation" if hang_up else "registration"
    emulator.fail_push_calls(call, 1 if hang_up else 2, hang_up=hang_up)
    watching = Watching(push_settings, QUICK)
    try:
        wait_for(lambda: watching.push()["state"] == "connected", "push connected after the failure")
        assert watching.push()["reconnects"] >= 1
        saved = json.loads(push_settings.oauth_file.with_name(CREDENTIALS_NAME).read_text())
        assert saved["fcm"]["registration"]["token"] in emulator.state.push_tokens().values()
        ding = emulator.ring_now(FRONT, ready_after=0.3)
        wait_for(lambda: bool(on_disk(push_settings, ding)), "a ding on the registration")
    finally:
        watching.close()
