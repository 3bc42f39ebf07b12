"""Fixtures of the consumer API tests: a long history to page through, and ring_doorbell pointed here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from ring_doorbell.const import OAuth

from ringConnector.emulator import Emulator, bulk_scenario


@pytest.fixture
def paging_emu() -> Iterator[Emulator]:
    """250 events on one doorbell."""
    with Emulator(bulk_scenario(date(2024, 3, 9), "UTC", events=250, size=1000)) as emulator:
        yield emulator


@pytest.fixture
def ring_env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Plain http on loopback for oauthlib, and the token endpoint moved to the emulator."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    monkeypatch.setattr(OAuth, "ENDPOINT", emu.oauth_url)
    return emu
