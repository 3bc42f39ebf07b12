"""Settings: defaults, reading from the environment, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringConnector.config import Settings, load_settings
from ringConnector.errors import ConfigError


def reader(values: dict[str, str]):  # type: ignore[no-untyped-def]
    def read(name: str, default: object = None) -> object:
        return values.get(name, default)

    return read


def test_defaults_follow_the_article() -> None:
    settings = load_settings(reader({}))
    assert settings.oauth_file == Path("oauth-authorization.json")
    assert settings.ring_api_url == "https://api.ring.com"
    assert settings.ring_oauth_url == "https://oauth.ring.com/oauth/token"
    assert settings.device_types == ("doorbots", "authorized_doorbots")
    assert settings.event_kinds == ("ding",)
    assert settings.retry_max_wait == 100
    assert (settings.host, settings.port) == ("127.0.0.1", 5000)
    assert settings.videos_dir == Path("data/videos")


def test_values_are_read_and_typed() -> None:
    settings = load_settings(
        reader(
            {
                "DATA_DIR": "/srv/ring",
                "TIME_ZONE": "Pacific/Kiritimati",
                "RING_DEVICE_TYPES": "doorbots, stickup_cams",
                "RING_EVENT_KINDS": "DING,motion",
                "PORT": "8080",
                "RETRY_MAX_WAIT": "12.5",
                "RING_API_URL": "http://127.0.0.1:9999/",
            }
        )
    )
    assert settings.videos_dir == Path("/srv/ring/videos")
    assert settings.zone.key == "Pacific/Kiritimati"
    assert settings.device_types == ("doorbots", "stickup_cams")
    assert settings.event_kinds == ("ding", "motion")
    assert settings.port == 8080
    assert settings.retry_max_wait == 12.5
    assert settings.ring_api_url == "http://127.0.0.1:9999"


@pytest.mark.parametrize(
    ("name", "value", "mentions"),
    [
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE"),
        ("RING_DEVICE_TYPES", "chimes", "RING_DEVICE_TYPES"),
        ("RING_EVENT_KINDS", "doorbell", "RING_EVENT_KINDS"),
        ("PORT", "http", "PORT"),
        ("PORT", "70000", "PORT"),
        ("DOWNLOAD_CONCURRENCY", "0", "DOWNLOAD_CONCURRENCY"),
        ("RING_API_URL", "ftp://api.ring.com", "RING_API_URL"),
        ("RING_API_URL", "http://api.ring.com", "loopback"),
        ("RING_OAUTH_URL", "http://192.168.1.5/oauth/token", "loopback"),
    ],
)
def test_bad_values_name_the_setting(name: str, value: str, mentions: str) -> None:
    with pytest.raises(ConfigError, match=mentions):
        load_settings(reader({name: value}))


def test_plain_http_only_for_loopback_stand_ins() -> None:
    local = Settings(ring_api_url="http://127.0.0.1:1", ring_oauth_url="http://localhost:2/oauth/token")
    assert local.plain_http_allowed
    assert not Settings().plain_http_allowed
