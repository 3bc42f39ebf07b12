"""The storage host: the S3 bucket Ring's pre-signed URLs point to, holding recordings and clips.

Each half adds its own objects' routes (consumer.recordings, partner.clips) to the app built here."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from .gate import GATE, GateConfig, gate, s3_error

if TYPE_CHECKING:  # the shared state imports http/, so only its type is imported here
    from ..state import EmulatorState

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class StorageSettings:
    """How fast the storage host serves bodies."""

    # Bytes per second per connection; None for as fast as the loopback goes.
    bandwidth: float | None = None


SETTINGS = web.AppKey("storage_settings", StorageSettings)


def two_auth_mechanisms() -> web.Response:
    """Return S3's answer to a pre-signed URL fetched with an Authorization header too."""
    # What a client sending its Ring bearer token along to storage gets.
    return s3_error(
        400,
        "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
        "Signature query string parameter or the Authorization header should be specified",
    )


def create_storage_app(
    state: EmulatorState,
    stopping: asyncio.Event,
    *,
    first_byte_latency: float = 0.0,
    bandwidth: float | None = None,
) -> web.Application:
    """Build the storage host without routes (each half adds its own); `stopping` is set on shutdown."""
    if bandwidth is not None and bandwidth <= 0:
        raise ValueError("bandwidth must be positive or None")
    app = web.Application(middlewares=[gate])
    # The gate's latency delays every answer: a storage host's time to first byte.
    app[GATE] = GateConfig(state, stopping, first_byte_latency, xml_errors=True)
    app[SETTINGS] = StorageSettings(bandwidth)
    return app
