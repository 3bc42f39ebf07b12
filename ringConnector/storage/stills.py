"""DATA_DIR/videos/<eventName>-<ringId>.jpg: an event's still picture, the pipeline's first look.

A still is a JPEG a decoder opens (checked before it is kept), written atomically beside the
video, with where it came from and when it was taken in a JPEG comment (COM segment, which
decoders skip): the file carries its own provenance, so the event JSON written later (the
video's) says it again without any other state. A still from the video itself is a frame of
the saved MP4 at the event's moment, decoded and encoded with PyAV (FFmpeg).
"""

from __future__ import annotations

import io
import logging
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import av

from ringConnector.model.days import parse_ring_time, utc_text
from ringConnector.storage.atomic import AtomicFile

_LOGGER = logging.getLogger(__name__)

# Where a still came from (the event JSON's snapshotSource).
PARTNER_IMAGE = "partner_image"  # the Partner API's image download (docs/ring-apis.md §2.6)
CONSUMER_SNAPSHOT = "consumer_snapshot"  # the consumer API's picture by the push's snapshot uuid
VIDEO_FRAME = "video_frame"  # a frame of the downloaded recording, taken here
SOURCES = (PARTNER_IMAGE, CONSUMER_SNAPSHOT, VIDEO_FRAME)
_SOI = b"\xff\xd8"
_COM = b"\xff\xfe"
_MARK = b"ringConnector "  # the comment this module writes: "ringConnector <source> <takenAt>"
# Ring's pictures are a few hundred kB; anything far bigger is not one.
MAX_STILL_BYTES = 16 << 20


@dataclass(frozen=True)
class Still:
    """An event's still picture: a JPEG, where it came from, and the moment it shows."""

    jpeg: bytes
    source: str  # one of SOURCES
    taken_at: datetime  # aware, UTC

    def fields(self, path: Path) -> dict[str, str]:
        """The event JSON's fields for this still saved at `path`."""
        return {
            "snapshotFileName": str(path),
            "snapshotSource": self.source,
            "snapshotTakenAt": utc_text(self.taken_at),
        }


def decodes(jpeg: bytes) -> bool:
    """Tell whether a JPEG decoder opens the bytes and finds a picture in them."""
    if not jpeg.startswith(_SOI) or len(jpeg) > MAX_STILL_BYTES:
        return False
    try:
        with av.logging.Capture(), av.open(io.BytesIO(jpeg), mode="r", format="mjpeg") as container:
            frame = next(container.decode(video=0), None)
    except (av.error.FFmpegError, StopIteration, ValueError):
        return False
    return frame is not None and frame.width > 0 and frame.height > 0


def save(path: Path, still: Still) -> dict[str, str]:
    """Write the still atomically at `path` with its provenance; returns its event JSON fields."""
    text = _MARK + f"{still.source} {utc_text(still.taken_at)}".encode()
    marked = still.jpeg[:2] + _COM + struct.pack(">H", len(text) + 2) + text + still.jpeg[2:]
    with AtomicFile(path) as out:
        out.write(marked)
    return still.fields(path)


def saved(path: Path) -> dict[str, str] | None:
    """The event JSON fields of a still this module saved at `path`, or None (none there, or not
    one of ours)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4 + 2 + 256)
    except OSError:
        return None
    if head[:2] != _SOI or head[2:4] != _COM:
        return None
    length = struct.unpack(">H", head[4:6])[0]
    text = head[6 : 6 + length - 2]
    if not text.startswith(_MARK):
        return None
    source, _, taken = text[len(_MARK) :].decode(errors="replace").partition(" ")
    try:
        moment = parse_ring_time(taken)
    except ValueError:
        return None
    return Still(b"", source, moment).fields(path)


def frame_of(video: Path, at: float) -> bytes:
    """The video's frame at `at` seconds (the first one at or after it; the last one if the video
    is shorter), as a baseline JPEG. Raises ValueError when the file holds no decodable frame."""
    try:
        with av.logging.Capture(), av.open(str(video), mode="r") as container:
            if not container.streams.video:
                raise ValueError(f"{video.name} has no video stream")
            chosen = None
            for frame in container.decode(video=0):
                chosen = frame
                if frame.time is not None and frame.time >= at:
                    break
            if chosen is None:
                raise ValueError(f"{video.name} has no decodable frame")
            return _jpeg(chosen)
    except av.error.FFmpegError as ex:
        raise ValueError(f"{video.name} could not be decoded: {ex}") from ex


def _jpeg(frame: av.VideoFrame) -> bytes:
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = frame.width, frame.height
    encoder.pix_fmt = "yuvj420p"
    if frame.time_base is not None:
        encoder.time_base = frame.time_base
    picture = frame.reformat(format="yuvj420p")
    return b"".join(bytes(packet) for packet in [*encoder.encode(picture), *encoder.encode(None)])


def taken_from_video(created_at: datetime, clip_start: str | None) -> tuple[float, datetime]:
    """Where in its video an event's moment is (seconds) and that moment: its start, counted from
    the clip's real start when the Partner API said it (clipStart), else the recording's start."""
    if clip_start is None:
        return 0.0, created_at.astimezone(UTC)
    try:
        start = parse_ring_time(clip_start)
    except ValueError:
        return 0.0, created_at.astimezone(UTC)
    return max(0.0, (created_at - start).total_seconds()), created_at.astimezone(UTC)
