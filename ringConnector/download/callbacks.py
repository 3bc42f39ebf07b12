"""CALLBACK_URL: each newly downloaded event's JSON is POSTed to the pipeline, retried with backoff."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from ringConnector.errors import DownloadFailed, TransientError
from ringConnector.retry import RetryPolicy
from ringConnector.sources.http import CALLBACK, network_errors
from ringConnector.urls import redact

_LOGGER = logging.getLogger(__name__)
# How long closing the connector waits for deliveries still being retried.
CLOSE_GRACE = 30.0


class Notifier:
    """Delivers event JSON to CALLBACK_URL in the background; a download never waits for it."""

    def __init__(self, url: str, http: aiohttp.ClientSession, policy: RetryPolicy) -> None:
        """POST to `url` with `http`, retrying under `policy`."""
        self.url = url
        self._http = http
        self._policy = policy
        self._pending: set[asyncio.Task[None]] = set()

    def notify(self, body: dict[str, Any]) -> None:
        """Start delivering one event (call from the event loop)."""
        task = asyncio.get_running_loop().create_task(self._deliver(body))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def close(self) -> None:
        """Wait (a while) for deliveries still under way, then give up on them."""
        if self._pending:
            _done, late = await asyncio.wait(set(self._pending), timeout=CLOSE_GRACE)
            for task in late:
                task.cancel()
                _LOGGER.warning("a callback to %s was still being retried at shutdown", redact(self.url))

    async def _deliver(self, body: dict[str, Any]) -> None:
        what = f"callback for event {body.get('ringId')}"
        try:
            await self._policy.run(lambda: self._post(body, what), what=what)
        except (TransientError, DownloadFailed) as ex:
            _LOGGER.error("%s gave up: %s", what, ex)

    async def _post(self, body: dict[str, Any], what: str) -> None:
        with network_errors(what, cause="callback"):
            # Never on to wherever a receiver redirects: the event JSON goes to CALLBACK_URL only.
            async with self._http.post(self.url, json=body, allow_redirects=False) as response:
                if 300 <= response.status < 400:
                    raise DownloadFailed(
                        f"{what}: the receiver redirected (HTTP {response.status}); not sent on elsewhere"
                    )
                if response.status >= 300:
                    raise CALLBACK.error(response.status, response.headers, what)
