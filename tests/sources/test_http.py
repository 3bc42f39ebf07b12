"""The network-error mapping names where an exchange could not go, for both HTTP libraries."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
import requests

from ringConnector.errors import TransientError
from ringConnector.sources.http import network_errors


@pytest.fixture
def nowhere() -> str:
    """host:port of a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def test_a_refused_connection_through_aiohttp_names_the_host_and_why(nowhere: str) -> None:
    async def fetch() -> None:
        async with aiohttp.ClientSession() as http:
            with network_errors("recording of event 1"):
                await http.get(f"http://{nowhere}/video.mp4")

    with pytest.raises(TransientError) as raised:
        asyncio.run(fetch())
    assert str(raised.value) == f"recording of event 1: could not reach {nowhere} (Connection refused)"
    assert raised.value.cause == "network"


def test_a_refused_connection_through_requests_names_the_host(nowhere: str) -> None:
    with pytest.raises(TransientError) as raised, network_errors("device list"):
        requests.get(f"http://{nowhere}/v1/devices", timeout=5)
    assert str(raised.value) == f"device list: could not reach {nowhere} (ConnectionError)"
