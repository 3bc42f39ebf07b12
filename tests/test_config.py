"""Settings: defaults, reading from the environment, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest
from decouple import Config, RepositoryEnv

from ringConnector.config import SETTING_NAMES, Settings, load_settings, settings_source
from ringConnector.errors import ConfigError
from ringConnector.logs import scrub
from ringConnector.urls import redact


def reader(values: dict[str, str]):  # type: ignore[no-untyped-def]
    def read(name: str, default: object = None) -> object:
        return values.get(name, default)

    return read


def test_defaults_follow_the_article() -> None:
    settings = load_settings(reader({}))
    assert settings.oauth_file == Path.cwd() / "oauth-authorization.json"
    assert settings.ring_api_url == "https://api.ring.com"
    assert settings.ring_oauth_url == "https://oauth.ring.com/oauth/token"
    assert settings.device_types == ("doorbots", "authorized_doorbots")
    assert settings.event_kinds == ("ding",)
    assert settings.retry_max_wait == 100
    assert (settings.host, settings.port) == ("127.0.0.1", 5000)
    assert settings.videos_dir == Path.cwd() / "data" / "videos"


def test_path_settings_are_made_absolute_against_the_working_directory_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    relative = {
        "DATA_DIR": "data",
        "OAUTH_FILE": "tokens/ring.json",
        "RING_PARTNER_TOKEN_FILE": "~/partner.json",
    }
    settings = load_settings(reader(relative))
    monkeypatch.chdir(tmp_path / "..")  # a later change of folder changes nothing
    assert settings.data_dir == tmp_path / "data"
    assert settings.videos_dir == tmp_path / "data" / "videos"
    assert settings.oauth_file == tmp_path / "tokens" / "ring.json"
    assert settings.partner_token_file == tmp_path / "home" / "partner.json"
    assert settings.replace(port=8080).data_dir == tmp_path / "data"


def test_values_are_read_and_typed() -> None:
    settings = load_settings(
        reader(
            {
                "DATA_DIR": "/srv/ring",
                "TIME_ZONE": "Pacific/Kiritimati",
                "RING_DEVICE_TYPES": "doorbots, stickup_cams",
                "RING_DEVICES": "Front Door, 1002",
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
    assert settings.devices == ("Front Door", "1002")  # names keep their case
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
        # urllib.parse reads host 127.0.0.1 here; urllib3, which connects, reads thief.example.
        ("RING_PARTNER_API_URL", "http://thief.example\\@127.0.0.1:8702", "a backslash"),
        ("RING_API_URL", "https://user:secret@api.ring.com", "user-info"),
        ("RING_OAUTH_URL", "https://oauth.ring.com\t/oauth/token", "control character"),
        ("CALLBACK_URL", "http://pipeline.example/ring-events", "loopback"),
        ("CALLBACK_URL", "ftp://pipeline.example/x", "CALLBACK_URL"),
        ("ALLOWED_HOSTS", "https://ring.example.org", "ALLOWED_HOSTS"),
        ("ALLOWED_HOSTS", "ring.example.org:443", "ALLOWED_HOSTS"),
    ],
)
def test_bad_values_name_the_setting(name: str, value: str, mentions: str) -> None:
    with pytest.raises(ConfigError, match=mentions):
        load_settings(reader({name: value}))


def test_plain_http_only_for_loopback_stand_ins() -> None:
    local = Settings(ring_api_url="http://127.0.0.1:1", ring_oauth_url="http://localhost:2/oauth/token")
    assert local.plain_http_allowed
    assert not Settings().plain_http_allowed


def test_env_example_lists_every_setting_and_loads() -> None:
    example = Path(__file__).resolve().parent.parent / ".env.example"
    names = {
        line.split("=", 1)[0]
        for line in example.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert names == set(SETTING_NAMES)
    assert load_settings(Config(RepositoryEnv(str(example)))) == Settings()


def test_partner_settings() -> None:
    settings = load_settings(
        reader(
            {
                "RING_SOURCE": "partner",
                "RING_EVENT_KINDS": "ding,motion.human",
                "CLIP_VIDEO_CODEC": "HEVC",
                "CLIP_WIDTH": "1280",
                "CLIP_HEIGHT": "720",
                "CLIP_AUDIO": "yes",
            }
        )
    )
    assert settings.event_kinds == ("ding", "motion.human")
    assert (settings.clip_codec, settings.clip_width, settings.clip_audio) == ("hevc", 1280, True)


@pytest.mark.parametrize(
    ("values", "mentions"),
    [
        ({"RING_SOURCE": "cloud"}, "RING_SOURCE"),
        ({"RING_EVENT_KINDS": "motion.human"}, "RING_SOURCE=consumer"),
        ({"RING_SOURCE": "partner", "CLIP_VIDEO_CODEC": "vp9"}, "CLIP_VIDEO_CODEC"),
        ({"RING_SOURCE": "partner", "CLIP_FRAME_RATE": "30"}, "CLIP_FRAME_RATE"),
        ({"RING_SOURCE": "partner", "CLIP_WIDTH": "1280"}, "together"),
        ({"RING_SOURCE": "partner", "CLIP_AUDIO": "maybe"}, "CLIP_AUDIO"),
        ({"RING_PARTNER_API_URL": "http://api.amazonvision.com"}, "loopback"),
        ({"RING_SOURCE": "partner", "RING_PARTNER_LINK_DAYS": "0"}, "RING_PARTNER_LINK_DAYS"),
        ({"RING_SOURCE": "partner", "RING_PARTNER_LINK_DAYS": "a month"}, "RING_PARTNER_LINK_DAYS"),
    ],
)
def test_bad_partner_settings(values: dict[str, str], mentions: str) -> None:
    with pytest.raises(ConfigError, match=mentions):
        load_settings(reader(values))


@pytest.mark.parametrize(
    ("values", "url"),
    [
        ({"CALLBACK_URL": "https://pipeline.example/ring-events"}, "https://pipeline.example/ring-events"),
        ({"CALLBACK_URL": "http://127.0.0.1:8000/x"}, "http://127.0.0.1:8000/x"),
        ({"CALLBACK_URL": "http://pipeline.lan/x", "CALLBACK_ALLOW_HTTP": "true"}, "http://pipeline.lan/x"),
    ],
)
def test_a_callback_url_is_https_or_loopback_or_explicitly_allowed(values: dict[str, str], url: str) -> None:
    assert load_settings(reader(values)).callback_url == url


def test_a_ring_url_with_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(reader({"RING_PARTNER_API_URL": "https://user:hunter2@api.amazonvision.com"}))
    assert "hunter2" not in str(refused.value) and "user-info" in str(refused.value)


def test_a_callback_url_may_carry_the_receivers_credentials_but_logs_never_show_them() -> None:
    url = "https://pipe:hunter2@pipeline.example/ring-events"
    assert load_settings(reader({"CALLBACK_URL": url})).callback_url == url
    assert redact(url) == "https://pipeline.example/ring-events"
    assert scrub(f"POST {url} failed") == "POST https://…@pipeline.example/ring-events failed"


def test_settings_come_from_the_environment_and_the_projects_own_env_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("RINGCONNECTOR_ENV_FILE", "RING_SOURCE", "PORT"):
        monkeypatch.delenv(name, raising=False)
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / ".env").write_text("RING_SOURCE=partner\nPORT=6666\n")  # a parent folder's: never read
    assert load_settings(settings_source(project)) == Settings()
    (project / ".env").write_text("RING_SOURCE=partner\nPORT=8080\n")
    monkeypatch.setenv("PORT", "9090")  # the environment comes first
    settings = load_settings(settings_source(project))
    assert (settings.source, settings.port) == ("partner", 9090)


def test_allowed_hosts_are_read_as_a_browser_sends_them() -> None:
    settings = load_settings(reader({"ALLOWED_HOSTS": "Ring.Example.org., [fd00::5], 192.168.1.5"}))
    assert settings.allowed_hosts == ("ring.example.org", "fd00::5", "192.168.1.5")
