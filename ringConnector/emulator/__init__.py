"""A Ring emulator on loopback: the consumer API, the Partner API, their OAuth endpoint and storage.

Callers import from this package only; its modules are laid out by host: consumer/ (the consumer
API and its recordings), partner/ (the Partner API and its clips), http/ (what every host shares),
oauth.py (the token endpoint both APIs use), and at this level what ties them together.
"""

from __future__ import annotations

from .clock import ManualClock
from .http.faults import Fault, RandomFaults
from .partner.payloads import partner_device_id, partner_event_id
from .partner.webhooks import WebhookFaults
from .scenario import Account, Device, Event, PartnerApp, Scenario, load_scenario
from .seed import (
    BACK_DOOR,
    CHIME,
    DEMO_CODE,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    FRONT_DOOR,
    GARAGE,
    bulk_scenario,
    demo_scenario,
    event_id,
)
from .server import Emulator

__all__ = [
    "BACK_DOOR",
    "CHIME",
    "DEMO_CODE",
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "FRONT_DOOR",
    "GARAGE",
    "Account",
    "Device",
    "Emulator",
    "Event",
    "Fault",
    "ManualClock",
    "PartnerApp",
    "RandomFaults",
    "Scenario",
    "WebhookFaults",
    "bulk_scenario",
    "demo_scenario",
    "event_id",
    "load_scenario",
    "partner_device_id",
    "partner_event_id",
]
