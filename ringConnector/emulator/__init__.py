"""A Ring emulator on loopback: the consumer API, its OAuth endpoint and the recordings' storage."""

from __future__ import annotations

from .clock import ManualClock
from .faults import Fault, RandomFaults
from .scenario import Account, Device, Event, Scenario, load_scenario
from .seed import bulk_scenario, demo_scenario
from .server import Emulator

__all__ = [
    "Account",
    "Device",
    "Emulator",
    "Event",
    "Fault",
    "ManualClock",
    "RandomFaults",
    "Scenario",
    "bulk_scenario",
    "demo_scenario",
    "load_scenario",
]
