"""Clip downloads, decided: the request body's rules, and what footage answers a time window."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_LOGGER = logging.getLogger(__name__)

# The media clip page (docs/ring-apis.md §2.5): duration <= 900,000 ms (15 minutes); frame_rate <= 25;
# resolution <= 1920x1080; codec "avc" or "hevc".
MAX_DURATION_MS = 900_000
MAX_FRAME_RATE = 25
MAX_WIDTH, MAX_HEIGHT = 1920, 1080
CODECS = ("avc", "hevc")
_TOP_KEYS = {"timestamp", "duration", "video_options", "audio_options"}
_VIDEO_KEYS = {"codec", "frame_rate", "resolution"}


class ClipRequestError(ValueError):
    """A clip request body that breaks the endpoint's rules; the message is the 400's detail."""


@dataclass(frozen=True)
class Clip:
    """The footage a clip download serves: where it starts and how long it is."""

    device_id: str
    start_ms: int
    length_ms: int
    partial: bool

    @property
    def status(self) -> int:
        """Return 206 for a clip shorter than asked, else 200."""
        return 206 if self.partial else 200

    @property
    def key(self) -> str:
        """Return the identity that makes the clip's bytes (and hash) unique."""
        return f"{self.device_id}:{self.start_ms}:{self.length_ms}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_object(value: object, name: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ClipRequestError(f"{name} must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ClipRequestError(f"unknown fields in {name}: {', '.join(unknown)}")
    return value


def _check_limit(value: object, name: str, top: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise ClipRequestError(f"{name} must be an integer from 1 to {top}")


def _check_options(body: dict[str, Any]) -> None:
    if "video_options" in body:
        video = _check_object(body["video_options"], "video_options", _VIDEO_KEYS)
        if "codec" in video and video["codec"] not in CODECS:
            raise ClipRequestError('video_options.codec must be "avc" or "hevc"')
        if "frame_rate" in video:
            _check_limit(video["frame_rate"], "video_options.frame_rate", MAX_FRAME_RATE)
        if "resolution" in video:
            size = _check_object(video["resolution"], "video_options.resolution", {"width", "height"})
            _check_limit(size.get("width"), "video_options.resolution.width", MAX_WIDTH)
            _check_limit(size.get("height"), "video_options.resolution.height", MAX_HEIGHT)
    if "audio_options" in body:
        audio = _check_object(body["audio_options"], "audio_options", {"audio_enabled"})
        if not isinstance(audio.get("audio_enabled", False), bool):
            raise ClipRequestError("audio_options.audio_enabled must be a boolean")


def parse_clip_request(raw: bytes, now_ms: int) -> tuple[int, int]:
    """Return (timestamp, duration) of a valid request body, else raise ClipRequestError."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as ex:
        raise ClipRequestError("the request body must be a JSON object") from ex
    body = _check_object(body, "the request body", _TOP_KEYS)
    for name in ("timestamp", "duration"):
        if name not in body:
            raise ClipRequestError(f"{name} is required")
        if not _is_int(body[name]):
            raise ClipRequestError(f"{name} must be an integer (epoch milliseconds)")
    timestamp, duration = int(body["timestamp"]), int(body["duration"])
    if not 1 <= duration <= MAX_DURATION_MS:
        raise ClipRequestError(f"duration must be from 1 to {MAX_DURATION_MS} ms")
    if timestamp < 0:
        raise ClipRequestError("timestamp must not be negative")
    if timestamp > now_ms:
        raise ClipRequestError("timestamp must not be in the future")
    _check_options(body)
    return timestamp, duration


def merge_windows(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the union of [start, end] windows as sorted, disjoint windows (touching ones join)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(w for w in windows if w[1] > w[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def decide(device_id: str, timestamp: int, duration: int, footage: list[tuple[int, int]]) -> Clip | None:
    """Return the clip for [timestamp, timestamp + duration), or None if no footage overlaps it."""
    best: tuple[int, int] | None = None
    for start, end in footage:
        overlap = min(end, timestamp + duration) - max(start, timestamp)
        # The footage window that covers most of the request serves it (the earliest on a tie).
        if overlap > 0 and (best is None or overlap > best[1] - best[0]):
            best = (max(start, timestamp), max(start, timestamp) + overlap)
    if best is None:
        return None
    length = best[1] - best[0]
    return Clip(device_id, best[0], length, partial=length < duration)
