"""Smoke test: ring_doorbell 0.9.14's own async Auth and Ring, unmodified, against the emulator."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pytest
from ring_doorbell import Auth
from ring_doorbell.exceptions import AuthenticationError, Requires2FAError, RingError

from ringConnector.emulator import DEMO_CODE, DEMO_PASSWORD, DEMO_USERNAME, Emulator, Scenario
from ringConnector.sources.consumer.adapter import ConfiguredRing


async def _session_against(emu: Emulator, scenario: Scenario) -> tuple[list[dict[str, Any]], int]:
    updates: list[dict[str, Any]] = []
    auth = Auth("ringConnector-test/1.0", token_updater=updates.append, hardware_id="hw-smoke")
    try:
        with pytest.raises(Requires2FAError):
            await auth.async_fetch_token(DEMO_USERNAME, DEMO_PASSWORD)
        with pytest.raises(AuthenticationError):
            await auth.async_fetch_token(DEMO_USERNAME, DEMO_PASSWORD, "000000")
        token = await auth.async_fetch_token(DEMO_USERNAME, DEMO_PASSWORD, DEMO_CODE)
        assert token["scope"] == ["client"] and token["expires_at"] > 0

        ring = ConfiguredRing(auth, emu.api_url)
        await ring.async_create_session()
        await ring.async_update_devices()
        await ring.async_update_data()
        cameras = {d.name: d for d in ring.video_devices()}
        assert set(cameras) == {"Front Door", "Back Door", "Garage"}
        front = cameras["Front Door"]
        assert (front.kind, front.model, front.timezone) == ("lpd_v2", "Doorbell Pro", "America/New_York")
        assert front.has_capability("history") and front.has_subscription
        assert front.location_id == "loc-1" and front.device_api_id == 201000101
        assert cameras["Back Door"].family == "authorized_doorbots"
        assert cameras["Garage"].model == "Stick Up Cam (3rd Gen)"

        history = await front.async_history(limit=100)
        expected = sorted(
            (e for e in scenario.events if e.device_id == front.device_api_id),
            key=lambda e: (e.created_at, e.id),
            reverse=True,
        )
        assert [h["id"] for h in history] == [e.id for e in expected]
        # ring_doorbell parses every created_at form the emulator sends into the same instant.
        assert [h["created_at"] for h in history] == [
            e.created_at.replace(microsecond=e.created_at.microsecond // 1000 * 1000) for e in expected
        ]

        ready = next(e for e in expected if e.recording_status == "ready" and e.prepare_after_hits == 0)
        url = await front.async_recording_url(ready.id)
        assert url is not None and url.startswith(emu.storage_url)
        # The 302 is followed by aiohttp, which drops the bearer token on the port change.
        body = await front.async_recording_download(ready.id)
        assert body is not None
        assert hashlib.sha256(body).hexdigest() == emu.expected_sha256(str(ready.id))

        # On a 401 ring_doorbell refreshes the token but does not retry: the call fails once.
        emu.expire_access_tokens()
        with pytest.raises(RingError, match="401"):
            await front.async_history(limit=1)
        assert len(await front.async_history(limit=1)) == 1
        return updates, ready.id
    finally:
        await auth.async_close()


@pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning")
def test_ring_doorbell_works_against_the_emulator(ring_env: Emulator, demo_day: Scenario) -> None:
    """Login with 2FA, session, devices, history, recording URL and download, token refresh."""
    updates, downloaded = asyncio.run(_session_against(ring_env, demo_day))
    assert len(updates) == 2  # the login, then the refresh after the 401
    assert ring_env.hardware_ids == {"hw-smoke"}
    counts = ring_env.counters()
    assert counts["token"] == 4 and counts["session"] == 1
    assert counts["groups"] >= 1 and counts["dings_active"] == 1
    assert ring_env.storage_downloads(str(downloaded)) == 1
    assert ring_env.count("share_play", str(downloaded)) == 1
