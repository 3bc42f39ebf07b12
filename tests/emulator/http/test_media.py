"""Recording bodies: the clip, then a `free` box padding to the exact size, streamed lazily."""

from __future__ import annotations

import hashlib
import itertools
import struct
import tracemalloc

import av
import av.error
import av.logging
import pytest

from ringConnector.emulator.http.media import (
    asset_bytes,
    iter_recording,
    min_recording_size,
    recording_bytes,
    recording_sha256,
    recording_size,
)
from tests.support import decoded

EVENT = "7330963245622279024"


def test_padded_file_starts_with_the_clip_and_has_the_exact_size() -> None:
    """The clip comes first, then a 32-bit free box whose size fills up to the event's size."""
    asset = asset_bytes()
    body = recording_bytes(EVENT, 300_000)
    assert len(body) == 300_000
    assert body.startswith(asset)
    box_size, box_type = struct.unpack(">I4s", body[len(asset) : len(asset) + 8])
    assert box_type == b"free"
    assert box_size == 300_000 - len(asset)
    assert body[len(asset) + 8 :].startswith(f"{EVENT}:{EVENT}:".encode())


def test_size_below_the_clip_is_raised_to_the_minimum() -> None:
    """A size smaller than the clip still yields a valid file: clip plus an empty free box."""
    assert recording_size(10) == min_recording_size() == len(asset_bytes()) + 8
    assert len(recording_bytes(EVENT, 10)) == min_recording_size()


def test_padding_differs_per_event() -> None:
    """Two events of the same size have different bytes and hashes."""
    assert recording_bytes("1", 100_000) != recording_bytes("2", 100_000)
    assert recording_sha256("1", 100_000) != recording_sha256("2", 100_000)


def test_sha256_matches_the_streamed_bytes() -> None:
    """The streamed hash is the hash of the whole body."""
    body = recording_bytes(EVENT, 1_234_567)
    assert recording_sha256(EVENT, 1_234_567) == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize("chunk_size", [1, 1000, 7, 64 * 1024, 10**7])
def test_chunks_respect_chunk_size_and_join_to_the_same_bytes(chunk_size: int) -> None:
    """Any chunk size gives the same bytes, in chunks no bigger than asked."""
    size = 50_000 if chunk_size < 10 else 200_000
    chunks = list(iter_recording(EVENT, size, chunk_size))
    assert all(0 < len(c) <= chunk_size for c in chunks)
    assert b"".join(chunks) == recording_bytes(EVENT, size)


def test_boundary_of_the_32_bit_box_size() -> None:
    """A box of exactly 4 GiB - 1 bytes keeps the 32-bit form (checked from the header only)."""
    size = len(asset_bytes()) + 2**32 - 1
    header = _header(size)
    assert struct.unpack(">I4s", header[:8]) == (2**32 - 1, b"free")


def test_size_above_4_gib_uses_the_64_bit_largesize() -> None:
    """Past 4 GiB the box says size 1 and carries the 64-bit largesize (not streamed)."""
    size = 5 * 2**30
    assert recording_size(size) == size
    header = _header(size)
    assert struct.unpack(">I4sQ", header) == (1, b"free", size - len(asset_bytes()))


def _header(size: int) -> bytes:
    # Take only the first chunks of the lazy generator: the clip and the box header.
    head = b"".join(itertools.islice(iter_recording(EVENT, size, 1024), 64))
    return head[len(asset_bytes()) : len(asset_bytes()) + 16]


def test_streaming_keeps_memory_flat() -> None:
    """Streaming 64 MiB allocates about one chunk at a time, not the body."""
    tracemalloc.start()
    try:
        total = sum(len(c) for c in iter_recording(EVENT, 64 * 2**20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 64 * 2**20
    assert peak < 2 * 2**20


@pytest.mark.parametrize("size", [10, 300_000, 1_234_567])
def test_the_padded_files_decode_as_the_four_second_clip(size: int) -> None:
    """A real decoder (PyAV, installed with aiortc) reads every padded variant as the clip:
    H.264 video 320x240 and AAC audio, 4 s, every frame decoded, FFmpeg logging no error."""
    found = decoded(recording_bytes(EVENT, size))
    assert found["streams"] == [("video", "h264", 40), ("audio", "aac", 64)]
    assert found["size"] == (320, 240)
    assert found["duration"] == pytest.approx(4.0, abs=0.05)
    assert found["video"] == 40  # every frame the container lists
    assert found["audio"] == 63  # AAC: the first packet only primes the decoder
    assert found["errors"] == []


def test_a_truncated_file_is_caught_by_the_decoder() -> None:
    """The check can fail: the clip cut in half does not decode as the whole clip."""
    body = recording_bytes(EVENT, 300_000)
    with pytest.raises(av.error.FFmpegError):
        decoded(body[: len(asset_bytes()) // 2])
