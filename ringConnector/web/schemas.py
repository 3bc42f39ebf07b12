"""The API's inputs and answers as typed models: flask-openapi3 validates requests against them and
writes /openapi.json from them, so each is described once."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from flask_openapi3.types import ResponseDict
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    WithJsonSchema,
    model_validator,
)

from ringConnector.download.on_demand import MAX_RECORD_SECONDS, check_seconds
from ringConnector.errors import SHOWN, ConnectorError, shown
from ringConnector.model.days import parse_day
from ringConnector.model.events import ARTICLE_FIELDS, SNAPSHOT_STATUS, STATUSES
from ringConnector.storage.stills import SOURCES as STILL_SOURCES

# A day has at most a few hundred events; a skip list far longer is a caller's mistake.
MAX_SKIP_IDS = 10_000
# The change feed's page: the default and the most a caller may ask for at once.
FEED_LIMIT, MAX_FEED_LIMIT = 100, 1000


def _example(value: Any) -> dict[str, Any]:
    """A schema's example for Swagger UI: "example", since flask-openapi3 keeps no "examples" in a
    schema and lifts a parameter's "examples" to the parameter, where OpenAPI means another thing."""
    return {"example": value}


# The document's examples are what the emulator's demo day really has (the README's session: 21
# November 2026 in Berlin, the 07:42:10 ding at the Front Door); tests/web/test_openapi.py holds
# them to the emulator, so Swagger UI shows ids and dates that answer there.
EXAMPLE_DAY = "20261121"
EXAMPLE_EVENT: dict[str, Any] = {
    "ringId": "7710511390712590570",
    "date": EXAMPLE_DAY,
    "eventName": "20261121-074210",
    "createdAt": "2026-11-21T06:42:10.000000Z",
    "answered": False,
    "kind": "ding",
    "duration": 56.0,
    "videoFileName": "/opt/ringConnector/data/videos/20261121-074210-7710511390712590570.mp4",
    "status": "UNPROCESSED",
    "deviceId": "201000101",
    "deviceName": "Front Door",
    "seq": 1796440094018,
}
EXAMPLE_DEVICE: dict[str, Any] = {
    "id": "201000101",
    "name": "Front Door",
    "kind": "lpd_v2",
    "type": "doorbots",
    "timeZone": "Europe/Berlin",
    "hasRecordings": True,
}
DAY_SCHEMA = {
    "type": "string",
    "pattern": "^[0-9]{8}$",
    "description": "YYYYMMDD, in TIME_ZONE",
    **_example(EXAMPLE_DAY),
}


def _as_value_error(check: Any, value: Any) -> Any:
    """Run one of the connector's own checks, its BadRequest as pydantic's ValueError (same text)."""
    try:
        return check(value)
    except ConnectorError as ex:
        raise ValueError(str(ex)) from ex


def _day(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("a date is a string YYYYMMDD")
    found: date = _as_value_error(parse_day, value)
    return found


def _day_or_today(value: Any) -> date | None:
    return None if value == "today" else _day(value)


def _whole_seconds(value: Any) -> int:
    # [0-9] only: str.isdigit() also takes "²", which int() then refuses; a length bound first,
    # as int() refuses more than 4,300 digits.
    raw = value if isinstance(value, str) else ""
    if not raw or not raw.isascii() or not raw.isdecimal() or len(raw) > 6:
        got = shown(str(value))
        raise ValueError(f"seconds must be a whole number of seconds, e.g. ?seconds=10; got {got}")
    return int(raw)


def _ring_id(value: Any) -> str:
    # bool is an int in Python, but true/false are no ring ids.
    if isinstance(value, bool) or not isinstance(value, str | int):
        text = json.dumps(value)
        raise ValueError(
            f"ring ids must be strings, got {text if len(text) <= SHOWN else text[:SHOWN] + '…'}"
        )
    return str(value)


# A day in a URL or body: YYYYMMDD, a real date, in the years every zone can shift.
Day = Annotated[date, BeforeValidator(_day), WithJsonSchema(DAY_SCHEMA)]
DayOrToday = Annotated[
    date | None,
    BeforeValidator(_day_or_today),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^([0-9]{8}|today)$",
            "description": "YYYYMMDD or today",
            **_example(EXAMPLE_DAY),
        }
    ),
]
RingIdItem = Annotated[
    str, BeforeValidator(_ring_id), WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]})
]
SkipIds = Annotated[list[RingIdItem], Field(max_length=MAX_SKIP_IDS)]
Seconds = Annotated[
    int,
    BeforeValidator(_whole_seconds),
    AfterValidator(lambda seconds: _as_value_error(check_seconds, seconds)),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_RECORD_SECONDS}),
]
# Any text: an id the library does not hold, however long, is a 404 (the library never makes a
# file name of it).
PathId = str


# Requests -------------------------------------------------------------------------------------


class DownloadDayPath(BaseModel):
    day: DayOrToday


class DevicePath(BaseModel):
    device_id: PathId = Field(
        description="a Partner API device id",
        json_schema_extra=_example(f"ava1.ring.device.{EXAMPLE_DEVICE['id']}"),
    )


class RingIdPath(BaseModel):
    ring_id: PathId = Field(json_schema_extra=_example(EXAMPLE_EVENT["ringId"]))


class JobIdPath(BaseModel):
    job_id: PathId = Field(description="the id in the Location of POST /connector/jobs")


class RecordQuery(BaseModel):
    seconds: Seconds


class EventsQuery(BaseModel):
    date: Day | None = Field(default=None, description="YYYYMMDD, in TIME_ZONE; default today")
    after: int | None = Field(
        default=None,
        ge=0,
        description="the change feed: the events written after this sequence number (0: from the "
        "start), in write order, instead of a day's",
    )
    limit: int = Field(
        default=FEED_LIMIT, ge=1, le=MAX_FEED_LIMIT, description="with `after`: at most this many"
    )

    @model_validator(mode="after")
    def _a_day_or_a_cursor(self) -> EventsQuery:
        if self.date is not None and self.after is not None:
            raise ValueError("give a date or after=, not both: the change feed is not by day")
        return self


class SkipList(RootModel[SkipIds | None]):
    """Ring ids the caller already has for the day (strings; integers accepted); no body: none."""

    model_config = ConfigDict(openapi_extra={"required": False})  # type: ignore[typeddict-unknown-key]

    @property
    def ids(self) -> list[str]:
        """The ids sent (none without a body)."""
        return self.root or []

    @property
    def sent(self) -> bool:
        """True when the caller sent its list (an empty one included)."""
        return self.root is not None


class JobRequest(BaseModel):
    """A day to download in the background (default today) and the ids to skip; an empty body is {}."""

    model_config = ConfigDict(extra="forbid", openapi_extra={"required": False})  # type: ignore[typeddict-unknown-key]
    date: Day | None = None
    skip: SkipIds = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_defaults(cls, value: Any) -> Any:
        return {} if value is None else value


class StatusChange(BaseModel):
    """The status the pipeline gives an event."""

    model_config = ConfigDict(extra="forbid")
    status: Literal[STATUSES]  # type: ignore[valid-type]


# Answers --------------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """Every error: a code and a sentence."""

    model_config = ConfigDict(extra="forbid")
    error: str
    message: str


class Event(BaseModel):
    """The article's event JSON; sources add fields (deviceId, subType, clipStart ...)."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_example(EXAMPLE_EVENT))
    # The article's field names are the contract (N815).
    ringId: str = Field(json_schema_extra=_example(EXAMPLE_EVENT["ringId"]))  # noqa: N815
    date: str = Field(
        pattern="^[0-9]{8}$",
        description="the local day, in TIME_ZONE",
        json_schema_extra=_example(EXAMPLE_DAY),
    )
    eventName: str = Field(  # noqa: N815
        pattern="^[0-9]{8}-[0-9]{6}$",
        description="the local time",
        json_schema_extra=_example(EXAMPLE_EVENT["eventName"]),
    )
    createdAt: str = Field(  # noqa: N815
        pattern="Z$", description="UTC", json_schema_extra=_example(EXAMPLE_EVENT["createdAt"])
    )
    answered: bool
    kind: str = Field(description="ding, motion or on_demand", json_schema_extra=_example("ding"))
    duration: float | None = Field(
        description="seconds, always a number (56.0); null when Ring gives none",
        json_schema_extra=_example(EXAMPLE_EVENT["duration"]),
    )
    videoFileName: str = Field(  # noqa: N815
        description="the MP4's absolute path", json_schema_extra=_example(EXAMPLE_EVENT["videoFileName"])
    )
    status: Literal[(*STATUSES, SNAPSHOT_STATUS)] = Field(  # type: ignore[valid-type]
        description="the pipeline's state of the event (PATCH sets it); SNAPSHOT: the first look, its "
        "still on disk and its video not yet (a second callback follows with the video)"
    )
    snapshotFileName: str | None = Field(  # noqa: N815
        default=None, description="its still picture (JPEG), beside the video"
    )
    snapshotSource: Literal[STILL_SOURCES] | None = Field(  # type: ignore[valid-type]  # noqa: N815
        default=None, description="where the still came from: Ring's picture, or a frame of the video"
    )
    snapshotTakenAt: str | None = Field(  # noqa: N815
        default=None, pattern="Z$", description="the moment the still shows, UTC"
    )
    seq: int | None = Field(
        default=None,
        description="its number in the change feed (GET /connector/events?after=): grows with each "
        "write, not by one; none on events written before the change feed existed",
        json_schema_extra=_example(EXAMPLE_EVENT["seq"]),
    )


assert tuple(Event.model_fields)[: len(ARTICLE_FIELDS)] == ARTICLE_FIELDS, "Event must follow the article"

_DOWNLOAD_HEADERS = {
    name: {"description": text, "schema": {"type": "string"}}
    for name, text in {
        "X-Download-Complete": "true when every event of the day was considered and none failed",
        "X-Events-Downloaded": "how many events this call fetched from Ring",
        "X-Events-From-Disk": "how many events of the answer were on disk already (POST with a list)",
        "X-Events-Skipped": "how many were skipped (already here, on the skip list, not ready...)",
        "X-Events-Failed": "how many failed",
        "X-Events-Failed-Ids": "their ring ids, each percent-encoded, comma-separated",
        "X-Devices-Failed": "device ids whose history could not be read, percent-encoded, comma-separated",
        "X-Items-Unreadable": "history items that could not be read",
        "X-Late-Downloaded-Ids": "other days' recordings downloaded now, pending since their day "
        "(ring ids, percent-encoded, comma-separated)",
        "X-Ring-Authorization-Required": "true when Ring's sign-in must be renewed",
    }.items()
}


class Downloaded(RootModel[list[Event]]):
    """GET, or POST without a body: the events this call downloaded. POST with the caller's list:
    every event of the day not in it (on disk already, or downloaded now), oldest first."""

    model_config = ConfigDict(  # type: ignore[typeddict-unknown-key]
        openapi_extra={
            "description": "GET (or POST without a body): the events this call downloaded. POST with "
            "the caller's list of ring ids: every event of the day not in it, oldest first. The X- "
            "headers tell what else happened.",
            "headers": _DOWNLOAD_HEADERS,
        }
    )


class FeedPage(BaseModel):
    """A page of the change feed: the events written after the cursor, in write order."""

    model_config = ConfigDict(
        json_schema_extra=_example({"events": [EXAMPLE_EVENT], "next": EXAMPLE_EVENT["seq"], "more": True})
    )
    events: list[Event]
    next: int = Field(
        description="the cursor to ask from next (after=): the last event's seq, or the one given"
    )
    more: bool = Field(description="more events were written after `next`: ask again at once")


class EventList(RootModel[list[Event] | FeedPage]):
    """A day's downloaded events, oldest first; or, with after=, a page of the change feed."""


class Device(BaseModel):
    """A video device on the account."""

    model_config = ConfigDict(json_schema_extra=_example(EXAMPLE_DEVICE))
    id: str
    name: str
    kind: str
    # "video" on the Partner API, which has no device kind (docs/ring-apis.md §2.2).
    type: Literal["doorbots", "authorized_doorbots", "stickup_cams", "video"]
    timeZone: str | None  # noqa: N815
    hasRecordings: bool  # noqa: N815


class DeviceList(RootModel[list[Device]]):
    """The account's video devices."""


class Job(BaseModel):
    """A background download: its state and progress."""

    model_config = ConfigDict(
        json_schema_extra=_example(
            {
                "id": "a62d388eaa6d44d2abda8cef06c3b723",
                "date": EXAMPLE_DAY,
                "state": "done",
                "eventsTotal": 1,
                "eventsDone": 1,
                "eventsFailed": 0,
                "bytes": 412331,
                "downloaded": [EXAMPLE_EVENT],
                "error": None,
                "startedAt": "2026-12-05T03:08:34Z",
                "finishedAt": "2026-12-05T03:08:35Z",
            }
        )
    )
    id: str
    date: str
    state: Literal["running", "done", "failed"]
    eventsTotal: int | None  # noqa: N815
    eventsDone: int  # noqa: N815
    eventsFailed: int  # noqa: N815
    bytes: int
    downloaded: list[Event]
    error: str | None
    startedAt: str  # noqa: N815
    finishedAt: str | None  # noqa: N815


class Liveness(BaseModel):
    """The process answers (says nothing about Ring)."""

    status: Literal["ok"]
    service: str | None = None


class WatchReadiness(BaseModel):
    """Watch mode, as readiness sees it: the watcher running, and how Ring tells it of events."""

    running: bool
    state: Literal["watching", "retrying", "hung", "stopped"] = Field(
        description="retrying: its rounds fail and are tried again with backoff (the reason says since "
        "when and the last error); hung: a round shows no progress; stopped: not running"
    )
    push: str = Field(description='"connected", "webhooks" (Partner API), "down" or "off" (polling only)')
    pushSince: str | None = Field(description="when the push state last changed (consumer API)")  # noqa: N815
    lastMessage: str | None = Field(  # noqa: N815
        default=None,
        description="the last push (or, Partner API, webhook) received; left out for a caller "
        "without the API key when one is set",
    )


class Readiness(BaseModel):
    """A token is present and Ring answers, or why not."""

    status: Literal["ready", "not_ready"]
    reason: str
    watch: WatchReadiness | None = Field(default=None, description="with WATCH=true only")
    warning: str | None = Field(
        default=None, description="what needs doing soon while still ready: a Partner link about to run out"
    )


class WatchState(BaseModel):
    """Watch mode: running or not, the last poll, pending events, the callback outbox."""

    running: bool
    state: Literal["watching", "retrying", "hung", "stopped"] | None = None
    reason: str | None = None
    since: str | None = None
    lastPoll: str | None = None  # noqa: N815
    lastError: str | None = Field(  # noqa: N815
        default=None, description="why the last round failed (null: it succeeded)"
    )
    retryingSince: str | None = Field(  # noqa: N815
        default=None, description="when the rounds began to fail (they are tried again with backoff)"
    )
    failedRounds: int | None = Field(default=None, description="rounds failed in a row")  # noqa: N815
    polls: int | None = None
    pollInterval: float | None = None  # noqa: N815
    found: dict[str, int] | None = None
    pending: list[dict[str, Any]] | None = None
    lastAnnouncement: dict[str, Any] | None = None  # noqa: N815
    awaiting: list[dict[str, Any]] | None = Field(
        default=None, description="announcements (webhooks, pushes) whose event is not on disk yet"
    )
    push: dict[str, Any] | None = None
    outbox: int | None = Field(default=None, description="event JSON still to deliver to CALLBACK_URL")


# How answers other than a model's JSON are described ---------------------------------------

_ERROR_WORDS = {
    400: "bad input",
    401: "no or wrong API key (or, for webhooks, no valid signature)",
    404: "not found",
    429: "too many background downloads running; Retry-After says when to try again",
    502: "Ring failed",
    503: "Ring sign-in needed (or not ready); for a webhook: not kept now, Ring retries it",
}


def errors(*statuses: int) -> ResponseDict:
    """The error answers of an operation, each an ErrorBody."""
    return {
        status: {
            "description": _ERROR_WORDS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        }
        for status in statuses
    }


def media(mimetype: str, description: str) -> dict[str, Any]:
    """An answer that is not JSON (a video, text, a page)."""
    return {"description": description, "content": {mimetype: {"schema": {"type": "string"}}}}
