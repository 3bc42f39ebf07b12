"""A Ring emulator on loopback: the consumer API, the Partner API, their OAuth endpoint and storage."""

from __future__ import annotations

from .clock import ManualClock
from .http.faults import Fault, RandomFaults
from .partner.payloads import partner_device_id, partner_event_id
from .scenario import Account, Device, Event, PartnerApp, Scenario, load_scenario
from .seed import bulk_scenario, demo_scenario
from .server import Emulator

__all__ = [
    "Account",
    "Device",
    "Emulator",
    "Event",
    "Fault",
    "ManualClock",
    "PartnerApp",
    "RandomFaults",
    "Scenario",
    "bulk_scenario",
    "demo_scenario",
    "load_scenario",
    "partner_device_id",
    "partner_event_id",
]
