"""Calendar days in the configured zone, and parsing the article's two date spellings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ringConnector.errors import BadRequest
from ringConnector.model.days import CLI_DAY, day_window, parse_day, parse_ring_time, today

KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: its day starts at 10:00 UTC the day before


def test_a_day_far_east_of_utc_starts_the_previous_utc_day() -> None:
    window = day_window(date(2026, 11, 22), KIRITIMATI)
    assert window.start == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert window.contains(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    assert not window.contains(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))


def test_daylight_saving_days_are_23_and_25_hours() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    spring = day_window(date(2026, 3, 29), berlin)
    autumn = day_window(date(2026, 10, 25), berlin)
    assert (spring.end - spring.start).total_seconds() == 23 * 3600
    assert (autumn.end - autumn.start).total_seconds() == 25 * 3600


def test_today_is_computed_at_call_time_in_the_zone() -> None:
    moment = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    assert today(KIRITIMATI, moment) == date(2026, 11, 23)
    assert today(ZoneInfo("Pacific/Pago_Pago"), moment) == date(2026, 11, 22)
    assert today(ZoneInfo("Pacific/Pago_Pago"), datetime(2026, 11, 22, 10, 59, tzinfo=UTC)) == date(
        2026, 11, 21
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20261122", date(2026, 11, 22)), ("20240229", date(2024, 2, 29))],
)
def test_url_days_parse(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["20261341", "20260230", "2026-11-01", "abc", "", "2026112", "202611220"])
def test_bad_url_days_are_bad_requests(text: str) -> None:
    with pytest.raises(BadRequest):
        parse_day(text)


def test_cli_days_use_dashes() -> None:
    assert parse_day("2026-11-22", CLI_DAY) == date(2026, 11, 22)
    with pytest.raises(BadRequest):
        parse_day("20261122", CLI_DAY)


@pytest.mark.parametrize(
    "text",
    ["2024-02-02T11:21:24.000Z", "2024-02-02T11:21:24Z", "2024-02-02T11:21:24.000+00:00"],
)
def test_ring_times_in_every_spelling_are_utc(text: str) -> None:
    assert parse_ring_time(text) == datetime(2024, 2, 2, 11, 21, 24, tzinfo=UTC)


def test_ring_times_keep_real_milliseconds() -> None:
    assert parse_ring_time("2024-02-02T11:21:24.517Z").microsecond == 517000
