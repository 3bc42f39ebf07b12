"""Ring's still pictures of events, as both hosts serve them: real JPEGs (a frame of the shipped
clip, encoded with PyAV's MJPEG encoder), unique per event, and broken ones for the faults.

Which frame: STILL_FRAME_SECONDS into the clip, never its first frame, so a test can tell Ring's
picture from a frame the connector takes from the video itself (the clip's frames all differ).
"""

from __future__ import annotations

import functools
import io
import struct
import uuid

import av

from .media import asset_bytes

# Where in the shipped 4-second clip Ring's picture of an event is taken from.
STILL_FRAME_SECONDS = 2.0
_SOI = b"\xff\xd8"
_COMMENT = b"\xff\xfe"  # a JPEG COM segment: decoders skip it
# The consumer push's snapshot uuid: "<uuid>:<number>" (python-ring-doorbell's fixture
# tests/fixtures/listen/camera_motion_img.json; ring-client-api's cleanSnapshotUuid drops ":...").
_UUIDS = uuid.UUID("6f7d0d0e-2b1b-4c33-9d5e-8a9e7c1a2b3c")


@functools.cache
def frame_jpeg(at: float = STILL_FRAME_SECONDS) -> bytes:
    """The shipped clip's frame at `at` seconds, as a baseline JPEG."""
    with av.open(io.BytesIO(asset_bytes()), mode="r") as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= at:
                break
        encoder = av.CodecContext.create("mjpeg", "w")
        encoder.width, encoder.height = frame.width, frame.height
        encoder.pix_fmt = "yuvj420p"
        encoder.time_base = frame.time_base or encoder.time_base
        image = frame.reformat(format="yuvj420p")
        packets = [*encoder.encode(image), *encoder.encode(None)]
    return b"".join(bytes(packet) for packet in packets)


def with_comment(jpeg: bytes, text: str) -> bytes:
    """The JPEG with a COM segment right after its start marker (the bytes of each event's
    picture differ, and decoders read it as before)."""
    payload = text.encode()
    return jpeg[:2] + _COMMENT + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def still_jpeg(key: str) -> bytes:
    """Ring's picture of the event `key`: the clip's frame, marked as this event's."""
    return with_comment(frame_jpeg(), f"ring emulator still of {key}")


def corrupt_jpeg(key: str) -> bytes:
    """Bytes that begin as a JPEG and that no decoder reads (Ring's picture gone wrong)."""
    return _SOI + f"not a picture of {key}".encode() + b"\x00" * 64


def snapshot_uuid(event_id: int) -> str:
    """The consumer push's `img.snapshot_uuid` for an event, in the fixture's shape."""
    return f"{uuid.uuid5(_UUIDS, str(event_id))}:{event_id % 100_000_000}"
