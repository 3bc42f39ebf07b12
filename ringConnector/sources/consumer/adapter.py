"""ring_doorbell aimed at the configured hosts: its base URLs are module constants and defaults."""

from __future__ import annotations

import os
from typing import Any

from ring_doorbell import Auth, Ring
from ring_doorbell.const import API_URI, OAuth

from ringConnector.config import Settings


def point_library_at(settings: Settings) -> None:
    """Aim ring_doorbell at the configured hosts; it reads OAuth.ENDPOINT at call time."""
    OAuth.ENDPOINT = settings.ring_oauth_url
    if settings.plain_http_allowed:
        # oauthlib refuses http:// ("OAuth 2 MUST utilize https"); config.py allows http
        # only for loopback hosts, i.e. the emulator on this machine.
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


class ConfiguredRing(Ring):
    """ring_doorbell's Ring with RING_API_URL instead of the base URI frozen in its defaults."""

    def __init__(self, auth: Auth, api_url: str) -> None:
        super().__init__(auth)
        self._api_url = api_url

    async def _async_query(
        self,
        url: str,
        method: str = "GET",
        extra_params: dict[str, Any] | None = None,
        data: bytes | None = None,
        json: dict[Any, Any] | None = None,
        timeout: float | None = None,
        base_uri: str = API_URI,
    ) -> Auth.Response:
        if base_uri == API_URI:
            base_uri = self._api_url
        return await super()._async_query(url, method, extra_params, data, json, timeout, base_uri)
