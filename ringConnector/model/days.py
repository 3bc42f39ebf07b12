"""Calendar days in the configured time zone (parsing, "today", the UTC window of a day), and every
date format the connector writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ringConnector.errors import BadRequest, shown

# The article's two spellings of a day: YYYYMMDD in URLs, YYYY-MM-DD on the command line.
# [0-9], not \d: \d also matches other scripts' digits, e.g. fullwidth ones.
URL_DAY = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
CLI_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# Days whose UTC window exists in every zone: 0001-01-01 and 9999-12-31 overflow when shifted.
FIRST_YEAR, LAST_YEAR = 1970, 9998
# What the connector writes: the day (URLs, the event JSON's `date`, file names), the article's
# eventName (local time), and UTC moments (createdAt, clip starts, jobs' times).
DAY_FORMAT = "%Y%m%d"
EVENT_NAME_FORMAT = "%Y%m%d-%H%M%S"
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
UTC_SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def day_text(day: date) -> str:
    """A day as YYYYMMDD."""
    return day.strftime(DAY_FORMAT)


def utc_text(moment: datetime) -> str:
    """An aware moment in UTC, with microseconds, as the event JSON writes it."""
    return moment.astimezone(UTC).strftime(UTC_FORMAT)


@dataclass(frozen=True)
class DayWindow:
    """One calendar day in a zone, as the half-open UTC interval [start, end)."""

    day: date
    zone: ZoneInfo
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        """True if `moment` (aware) falls on this day."""
        return self.start <= moment < self.end


def parse_day(text: str, pattern: re.Pattern[str] = URL_DAY) -> date:
    """Parse a day in `pattern`'s format; anything else, or an impossible date, is a BadRequest."""
    match = pattern.fullmatch(text)  # fullmatch: "$" would accept a trailing newline
    if match is None:
        shape = "YYYYMMDD" if pattern is URL_DAY else "YYYY-MM-DD"
        raise BadRequest(f"{shown(text)} is not a date in the form {shape}")
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError as ex:
        raise BadRequest(f"{shown(text)} is not a real date: {ex}") from ex
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadRequest(f"{shown(text)} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    return day


def today(zone: ZoneInfo, now: datetime | None = None) -> date:
    """The current calendar day in `zone`, computed when called (never frozen at import)."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(zone).date()


def day_window(day: date, zone: ZoneInfo) -> DayWindow:
    """The UTC interval of `day` in `zone`; 23 or 25 hours long on daylight-saving days."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return DayWindow(day, zone, start.astimezone(UTC), end.astimezone(UTC))


def parse_ring_time(text: str) -> datetime:
    """Parse Ring's `created_at` ("2024-02-02T11:21:24.000Z", with or without fractions)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:  # Ring's times are UTC even when unmarked
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
