"""The first look, Partner API: a ding's webhook brings Ring's picture of its moment (the image
download, 425 until Ring has it) to disk and to the pipeline at once (status SNAPSHOT), its
history event found meanwhile; the video follows as before. The emulator's Partner host sends
signed webhooks to the real app behind waitress; everything on the real clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ringConnector.config import Settings
from ringConnector.emulator import Emulator, ManualClock, PartnerApp
from ringConnector.web.app import create_app
from tests.support import FRONT, Receiver, served, wait_for
from tests.watch.test_first_look import decodes
from tests.watch.test_push import Watching


@pytest.fixture
def wall() -> ManualClock:  # the emulator on the real clock, as the watcher is
    return time.time  # type: ignore[return-value]


@pytest.fixture
def hook(partner_settings: Settings, partner_emulator: Emulator, receiver: Receiver) -> Iterator[Watching]:
    """A watching Connector (polls 10 minutes apart: webhooks are what find a ding), its app
    served, and the emulator's webhooks registered to it."""
    settings = partner_settings.replace(
        callback_url=receiver.url,
        partner_webhook_key=PartnerApp().hmac_key,
        watch_poll_interval=600.0,
        retry_initial_delay=0.2,
    )
    found = Watching(settings)
    wait_for(lambda: found.watcher.status()["polls"] >= 1, "the first round")
    with served(create_app(settings, connector=found.connector, watcher=found.watcher)) as base:
        partner_emulator.register_webhook(base + "/connector/webhooks/ring")
        yield found
    found.close()


def test_a_dings_webhook_brings_rings_picture_first_then_the_video(
    partner_emulator: Emulator, hook: Watching, receiver: Receiver
) -> None:
    ding = partner_emulator.ring_now(FRONT, ready_after=4.0, still_after=1.0)
    wait_for(lambda: len(receiver.bodies) >= 1, "the first look's callback")
    first = receiver.bodies[0]
    assert (first["status"], first["snapshotSource"]) == ("SNAPSHOT", "partner_image")
    ring_id = first["ringId"]
    assert ring_id.startswith("ava1.ring.history.event.")  # found in history: the webhook names none
    still = Path(first["snapshotFileName"])
    assert decodes(still) and f"ring emulator still of {ding.id}".encode() in still.read_bytes()
    assert first["snapshotTakenAt"] == first["createdAt"]  # X-Media-Timestamp: the ding's start
    assert partner_emulator.count("partner_image") >= 2  # 425 while Ring made it, then the picture
    wait_for(lambda: len(receiver.of(ring_id)) == 2, "the video's callback", deadline=60)
    second = receiver.of(ring_id)[1]
    assert second["status"] == "UNPROCESSED" and Path(second["videoFileName"]).is_file()
    assert (second["snapshotFileName"], second["snapshotSource"]) == (str(still), "partner_image")
    # Our own image download left an on_demand event in history; nothing downloads it.
    assert [b["ringId"] for b in receiver.bodies] == [ring_id, ring_id]
