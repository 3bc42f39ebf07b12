"""Doorbells of models no library knows by kind (cocoa_doorbell_v5, doorbell_sunray ...: docs/
ring-apis.md §7.4) are found by the list Ring puts them in, never by a kind list: their dings are
downloaded, and so are those pushed for them."""

from __future__ import annotations

import pytest

from ringConnector.connector import Connector
from ringConnector.emulator import Device, Scenario
from tests.support import ACCOUNT, DAY, ZONE, make_event

NEW, SHARED = 2001, 2002


def new_models() -> Scenario:
    """Two doorbells whose kinds ring_doorbell 0.9.14 does not list, each with a ding."""
    devices = [
        Device(NEW, "New Door", "cocoa_doorbell_v5", "doorbots", time_zone=ZONE),
        Device(SHARED, "Shared New", "doorbell_sunray", "authorized_doorbots", time_zone=ZONE),
    ]
    events = [make_event(NEW, DAY, "10:00:00"), make_event(SHARED, DAY, "11:00:00")]
    return Scenario(account=ACCOUNT, devices=devices, events=events)


@pytest.mark.scenario.with_args(new_models)
def test_doorbells_of_unknown_kinds_are_downloaded_like_any(connector: Connector) -> None:
    report = connector.download_day(DAY)
    assert report.complete
    assert {(body["deviceName"], body["kind"]) for body in report.downloaded} == {
        ("New Door", "ding"),
        ("Shared New", "ding"),
    }
    assert {device.kind for device in connector.devices()} >= {"cocoa_doorbell_v5", "doorbell_sunray"}
