"""Recording bodies: the shipped MP4 clip padded with an MP4 `free` box to an event's size."""

from __future__ import annotations

import functools
import hashlib
import logging
import struct
from collections.abc import Iterator
from importlib import resources

_LOGGER = logging.getLogger(__name__)

# A `free` box is "size (4 bytes, big-endian, header included) + b'free'"; players skip it, so
# the padded file still plays (checked with ffmpeg) and can take any size we ask for.
_BOX_TYPE = b"free"
_SMALL_HEADER = 8
# Above 4 GiB - 1 the 32-bit size field overflows: ISO/IEC 14496-12 then puts 1 in it and the
# real size in a 64-bit "largesize" field right after the box type.
_LARGE_HEADER = 16
_MAX_SMALL_BOX = 2**32 - 1
DEFAULT_CHUNK_SIZE = 64 * 1024
# Hashing goes through bigger chunks: fewer Python round trips for the same bytes.
_HASH_CHUNK_SIZE = 1024 * 1024


@functools.cache
def asset_bytes() -> bytes:
    """Return the bytes of the shipped 4-second doorbell clip."""
    return (resources.files(__package__) / "assets" / "doorbell.mp4").read_bytes()


def min_recording_size() -> int:
    """Return the smallest recording size: the clip plus an empty `free` box header."""
    return len(asset_bytes()) + _SMALL_HEADER


def recording_size(size: int) -> int:
    """Return the byte size a recording asked to be `size` bytes really has (never below the clip)."""
    return max(size, min_recording_size())


def free_box_header(size: int) -> bytes:
    """Return the `free` box header that pads the clip to `recording_size(size)` bytes."""
    box_size = recording_size(size) - len(asset_bytes())
    if box_size <= _MAX_SMALL_BOX:
        return struct.pack(">I4s", box_size, _BOX_TYPE)
    return struct.pack(">I4sQ", 1, _BOX_TYPE, box_size)


def _padding_pattern(event_id: str) -> bytes:
    # The event id in the padding makes every event's file (and so its hash) unique.
    return f"{event_id}:".encode("ascii")


def iter_recording(event_id: str, size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the recording of `event_id` in chunks of at most `chunk_size` bytes, lazily."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    head = asset_bytes() + free_box_header(size)
    for start in range(0, len(head), chunk_size):
        yield head[start : start + chunk_size]
    remaining = recording_size(size) - len(head)
    pattern = _padding_pattern(event_id)
    # One block long enough to cut any chunk from at any phase of the pattern, so each chunk
    # is a single slice and memory stays flat whatever the total size.
    block = pattern * (chunk_size // len(pattern) + 2)
    offset = 0
    while remaining > 0:
        n = min(chunk_size, remaining)
        phase = offset % len(pattern)
        yield block[phase : phase + n]
        offset += n
        remaining -= n


def recording_bytes(event_id: str, size: int) -> bytes:
    """Return the whole recording in memory (for tests of small files)."""
    return b"".join(iter_recording(event_id, size))


@functools.lru_cache(maxsize=256)
def recording_sha256(event_id: str, size: int) -> str:
    """Return the hex SHA-256 of the recording, computed by streaming it."""
    digest = hashlib.sha256()
    for chunk in iter_recording(event_id, size, _HASH_CHUNK_SIZE):
        digest.update(chunk)
    _LOGGER.debug("hashed recording %s (%d bytes)", event_id, recording_size(size))
    return digest.hexdigest()


def recording_etag(event_id: str, size: int) -> str:
    """Return a quoted, S3-like ETag that is stable per recording and cheap to compute."""
    # S3 uses the MD5 of the body; hashing a 1 GB body per request would cost seconds, and
    # clients only compare ETags, so a hash of the recording's identity serves the same purpose.
    return '"' + hashlib.md5(f"{event_id}:{size}".encode(), usedforsecurity=False).hexdigest() + '"'
