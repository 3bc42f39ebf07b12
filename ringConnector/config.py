"""The one place that reads settings (python-decouple): the environment first, then one `.env`
file, the project folder's own (or the one RINGCONNECTOR_ENV_FILE names), never a parent's."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from decouple import Config, Csv, RepositoryEmpty, RepositoryEnv, UndefinedValueError
from tzlocal import get_localzone_name

from ringConnector.errors import ConfigError
from ringConnector.urls import UnsafeUrl, is_loopback, origin, redact

# The device lists of Ring's /clients_api/ring_devices that carry video; chimes and
# intercoms ("other") have no recordings.
VIDEO_DEVICE_TYPES = ("doorbots", "authorized_doorbots", "stickup_cams")
# Event kinds found in a doorbell's history (docs/ring-apis.md §1.4, §3).
EVENT_KINDS = ("ding", "motion", "on_demand")
# The Partner API also filters motion by sub type (docs/ring-apis.md §2.4).
PARTNER_EVENT_KINDS = (*EVENT_KINDS, "motion.human", "motion.vehicle", "motion.animal", "motion.other_motion")
SOURCES = ("consumer", "partner")
# SNAPSHOTS: a still per event beside its video ("also"), the stills alone ("only"), or none.
SNAPSHOT_MODES = ("also", "only", "never")
# The Partner API's limits on clip options (docs/ring-apis.md §2.5, "Video Options").
CLIP_CODECS = ("avc", "hevc")
MAX_CLIP_FRAME_RATE, MAX_CLIP_WIDTH, MAX_CLIP_HEIGHT = 25, 1920, 1080
# The settings that are paths (OAUTH_FILE, DATA_DIR, RING_PARTNER_TOKEN_FILE): absolute once loaded.
PATH_FIELDS = ("oauth_file", "data_dir", "partner_token_file")
# The project's own folder (server.py, .env.example): its `.env` is the one read.
PROJECT_DIR = Path(__file__).resolve().parent.parent
# Set in the environment (never in a .env), it names the one .env file to read instead.
ENV_FILE_VARIABLE = "RINGCONNECTOR_ENV_FILE"


@dataclass(frozen=True)
class Settings:
    """Every setting of the connector, typed; see `.env.example` for each one's meaning."""

    source: str = "consumer"
    oauth_file: Path = Path("oauth-authorization.json")
    data_dir: Path = Path("data")
    ring_api_url: str = "https://api.ring.com"
    ring_oauth_url: str = "https://oauth.ring.com/oauth/token"
    partner_api_url: str = "https://api.amazonvision.com"
    partner_token_url: str = "https://oauth.ring.com/oauth/token"  # noqa: S105 - a URL, not a secret
    partner_token_file: Path = Path("partner-token.json")
    partner_client_id: str = ""
    partner_client_secret: str = ""
    # How long a Partner account link lasts: Ring's refresh tokens live about 30 days
    # (docs/ring-apis.md §2.1); warnings start a week before.
    partner_link_days: float = 30.0
    clip_codec: str = ""  # empty: each option is left to the device
    clip_frame_rate: int = 0
    clip_width: int = 0
    clip_height: int = 0
    clip_audio: bool | None = None
    time_zone: str = ""  # empty: the machine's local zone
    device_types: tuple[str, ...] = ("doorbots", "authorized_doorbots")
    devices: tuple[str, ...] = ()  # ids or names (as --device); empty: every device of device_types
    event_kinds: tuple[str, ...] = ("ding",)
    snapshots: str = "also"  # SNAPSHOT_MODES
    download_concurrency: int = 4
    retry_max_wait: float = 100.0  # the article waited up to ~100 s for a fresh recording
    retry_initial_delay: float = 2.0
    retry_max_delay: float = 30.0
    http_timeout: float = 30.0
    host: str = "127.0.0.1"
    port: int = 5000
    api_key: str = ""  # empty: no key asked (fine on loopback only)
    # Host names the API answers to besides loopback's (and HOST's own address): a proxy's name.
    allowed_hosts: tuple[str, ...] = ()
    callback_url: str = ""  # empty: no callback
    callback_allow_http: bool = False  # plain http to a CALLBACK_URL beyond this machine
    callback_concurrency: int = 4  # deliveries at once, on connections of their own
    callback_timeout: float = 10.0  # one POST, connecting to the answer's end
    watch: bool = False  # server.py also watches (startDownload.py --watch watches alone)
    watch_poll_interval: float = 60.0  # one history page per device a minute is what Ring tolerates
    watch_max_wait: float = 900.0  # how long a watched recording is looked for soon and often
    partner_webhook_key: str = ""  # the app's HMAC key; empty: webhooks are refused
    push: bool = True  # watch mode on the consumer API listens to Ring's pushes (Firebase)
    push_google_url: str = ""  # empty: Google's own hosts; else one base URL for all four calls
    push_mcs: str = "mtalk.google.com:5228"  # Firebase's MCS socket, host:port, TLS
    allow_remote_without_key: bool = False
    log_level: str = "INFO"
    log_format: str = "text"  # or json: one JSON object a line

    def __post_init__(self) -> None:
        """Make the path settings absolute; reject settings that cannot work, with a message
        naming the setting."""
        for name in PATH_FIELDS:
            # Against the working directory, once, at start: a relative DATA_DIR would otherwise
            # be the package's folder to Flask's send_file, and a pipeline running elsewhere
            # could not open the videoFileName of an event JSON.
            object.__setattr__(self, name, Path(getattr(self, name)).expanduser().absolute())
        if self.source not in SOURCES:
            raise ConfigError(f"RING_SOURCE must be one of {', '.join(SOURCES)}; got {self.source!r}")
        for name, url in self._urls():
            _check_url(name, url)
        unknown = set(self.device_types) - set(VIDEO_DEVICE_TYPES)
        if unknown or not self.device_types:
            raise ConfigError(
                f"RING_DEVICE_TYPES must be a comma list of {', '.join(VIDEO_DEVICE_TYPES)}; "
                f"got {','.join(self.device_types)!r}"
            )
        kinds = PARTNER_EVENT_KINDS if self.source == "partner" else EVENT_KINDS
        unknown = set(self.event_kinds) - set(kinds)
        if unknown or not self.event_kinds:
            raise ConfigError(
                f"RING_EVENT_KINDS must be a comma list of {', '.join(kinds)} "
                f"(with RING_SOURCE={self.source}); got {','.join(self.event_kinds)!r}"
            )
        self._check_clip_options()
        if self.snapshots not in SNAPSHOT_MODES:
            raise ConfigError(f"SNAPSHOTS must be one of {', '.join(SNAPSHOT_MODES)}; got {self.snapshots!r}")
        if self.callback_url:
            # A receiver's own basic auth may ride in the URL; logs never show it (urls.redact).
            _check_url("CALLBACK_URL", self.callback_url, plain_http=self.callback_allow_http, user_info=True)
        if self.download_concurrency < 1:
            raise ConfigError("DOWNLOAD_CONCURRENCY must be at least 1")
        if self.callback_concurrency < 1 or self.callback_timeout <= 0:
            raise ConfigError("CALLBACK_CONCURRENCY must be at least 1 and CALLBACK_TIMEOUT positive")
        if min(self.retry_max_wait, self.retry_initial_delay, self.retry_max_delay) < 0:
            raise ConfigError("RETRY_MAX_WAIT, RETRY_INITIAL_DELAY and RETRY_MAX_DELAY must be >= 0")
        if self.partner_link_days <= 0:
            raise ConfigError(
                f"RING_PARTNER_LINK_DAYS must be a positive number of days, got {self.partner_link_days:g}"
            )
        if self.watch_poll_interval <= 0 or self.watch_max_wait < 0:
            raise ConfigError("WATCH_POLL_INTERVAL must be positive and WATCH_MAX_WAIT >= 0")
        host, _, port = self.push_mcs.rpartition(":")
        if not host or not port.isdecimal() or not 0 < int(port) < 65536:
            raise ConfigError(
                f"RING_PUSH_MCS must be host:port, e.g. mtalk.google.com:5228; got {self.push_mcs!r}"
            )
        for name in self.allowed_hosts:
            if name != "*" and not _HOST_NAME.fullmatch(name):
                raise ConfigError(
                    "ALLOWED_HOSTS must be a comma list of host names or addresses as a browser sends "
                    f"them, without scheme or port (or *: any); got {name!r}"
                )
        if self.log_format not in ("text", "json"):
            raise ConfigError(f"LOG_FORMAT must be text or json, got {self.log_format!r}")
        if self.http_timeout <= 0:
            raise ConfigError("HTTP_TIMEOUT must be positive")
        if not 0 < self.port < 65536:
            raise ConfigError("PORT must be between 1 and 65535")
        self.zone  # noqa: B018 - validates TIME_ZONE now rather than at the first request

    def _urls(self) -> tuple[tuple[str, str], ...]:
        return (
            ("RING_API_URL", self.ring_api_url),
            ("RING_OAUTH_URL", self.ring_oauth_url),
            ("RING_PARTNER_API_URL", self.partner_api_url),
            ("RING_PARTNER_TOKEN_URL", self.partner_token_url),
            *((("RING_PUSH_GOOGLE_URL", self.push_google_url),) if self.push_google_url else ()),
        )

    def _check_clip_options(self) -> None:
        if self.clip_codec and self.clip_codec not in CLIP_CODECS:
            raise ConfigError(f"CLIP_VIDEO_CODEC must be one of {', '.join(CLIP_CODECS)} or empty")
        for name, value, limit in (
            ("CLIP_FRAME_RATE", self.clip_frame_rate, MAX_CLIP_FRAME_RATE),
            ("CLIP_WIDTH", self.clip_width, MAX_CLIP_WIDTH),
            ("CLIP_HEIGHT", self.clip_height, MAX_CLIP_HEIGHT),
        ):
            if not 0 <= value <= limit:
                raise ConfigError(f"{name} must be between 1 and {limit} (0 or empty: the device's default)")
        if bool(self.clip_width) != bool(self.clip_height):
            raise ConfigError("CLIP_WIDTH and CLIP_HEIGHT must be set together")

    @property
    def zone(self) -> ZoneInfo:
        """The time zone whose calendar days the connector downloads."""
        name = self.time_zone or get_localzone_name() or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as ex:
            raise ConfigError(f"TIME_ZONE {name!r} is not an IANA time zone name") from ex

    @property
    def videos_dir(self) -> Path:
        """Where videos and their event JSON files are kept."""
        return self.data_dir / "videos"

    @property
    def listens_on_loopback(self) -> bool:
        """True when HOST is a loopback address (only this machine can reach the API)."""
        return is_loopback(self.host)

    @property
    def plain_http_allowed(self) -> bool:
        """True when every Ring URL is plain http to loopback (the emulator)."""
        return all(urlsplit(url).scheme == "http" for url in (self.ring_api_url, self.ring_oauth_url))

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)


# A DNS name, an IPv4 address or an IPv6 address (without brackets), lower case.
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?|[0-9a-f:.]*:[0-9a-f:.]*")


def _check_url(name: str, url: str, *, plain_http: bool = False, user_info: bool = False) -> None:
    try:
        where = origin(url, user_info=user_info)
    except UnsafeUrl as ex:
        raise ConfigError(f"{name} must be a plain http(s) URL ({ex}), got {redact(url)!r}") from ex
    if where.scheme == "http" and not where.is_loopback and not plain_http:
        # Tokens and event JSON travel in these requests: plain http only to this machine.
        raise ConfigError(f"{name} may use plain http only for a loopback host, got {redact(url)!r}")


def settings_source(project: Path = PROJECT_DIR) -> Config:
    """The environment, then one `.env` file: the one RINGCONNECTOR_ENV_FILE names (ConfigError if
    it cannot be read), else `project`'s own, if it has one. Never a parent folder's: python-decouple's
    AutoConfig walks up every parent looking for one, so a checkout without its own `.env` took
    RING_API_URL and CALLBACK_URL from a file anyone could plant in a shared or temporary folder."""
    named = os.environ.get(ENV_FILE_VARIABLE, "").strip()
    path = Path(named).expanduser() if named else project / ".env"
    if not named and not path.is_file():
        return Config(RepositoryEmpty())
    try:
        return Config(RepositoryEnv(str(path)))
    except (OSError, UnicodeDecodeError) as ex:
        which = f"{ENV_FILE_VARIABLE}={named}" if named else str(path)
        why = ex.strerror if isinstance(ex, OSError) else "it is not text"
        raise ConfigError(f"the settings file {which} cannot be read ({why})") from ex


def load_settings(config: Callable[..., Any] | None = None) -> Settings:
    """Read every setting from the environment and the `.env` file (`settings_source`)."""
    read = config or settings_source()
    defaults = Settings.__dataclass_fields__
    kwargs: dict[str, Any] = {}
    try:
        for field_name, env_name, cast in _FIELDS:
            default = defaults[field_name].default
            raw = read(env_name, default=None)
            if raw is None or raw == "":
                kwargs[field_name] = default
                continue
            kwargs[field_name] = cast(raw)
    except (ValueError, UndefinedValueError) as ex:
        raise ConfigError(f"a setting has an invalid value: {ex}") from ex
    return Settings(**kwargs)


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(item.lower() for item in Csv()(raw))


def _number(name: str, cast: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(raw: str) -> Any:
        try:
            return cast(raw)
        except ValueError as ex:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from ex

    return convert


def _boolean(name: str) -> Callable[[str], bool | None]:
    def convert(raw: str) -> bool | None:
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true or false (or empty: the device's default), got {raw!r}")

    return convert


_FIELDS: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
    ("source", "RING_SOURCE", lambda raw: raw.strip().lower()),
    ("oauth_file", "OAUTH_FILE", Path),
    ("data_dir", "DATA_DIR", Path),
    ("ring_api_url", "RING_API_URL", lambda raw: raw.rstrip("/")),
    ("ring_oauth_url", "RING_OAUTH_URL", str),
    ("partner_api_url", "RING_PARTNER_API_URL", lambda raw: raw.rstrip("/")),
    ("partner_token_url", "RING_PARTNER_TOKEN_URL", str),
    ("partner_token_file", "RING_PARTNER_TOKEN_FILE", Path),
    ("partner_client_id", "RING_PARTNER_CLIENT_ID", str),
    ("partner_client_secret", "RING_PARTNER_CLIENT_SECRET", str),
    ("partner_link_days", "RING_PARTNER_LINK_DAYS", _number("RING_PARTNER_LINK_DAYS", float)),
    ("clip_codec", "CLIP_VIDEO_CODEC", lambda raw: raw.strip().lower()),
    ("clip_frame_rate", "CLIP_FRAME_RATE", _number("CLIP_FRAME_RATE", int)),
    ("clip_width", "CLIP_WIDTH", _number("CLIP_WIDTH", int)),
    ("clip_height", "CLIP_HEIGHT", _number("CLIP_HEIGHT", int)),
    ("clip_audio", "CLIP_AUDIO", _boolean("CLIP_AUDIO")),
    ("time_zone", "TIME_ZONE", str),
    ("device_types", "RING_DEVICE_TYPES", _csv),
    ("devices", "RING_DEVICES", lambda raw: tuple(Csv()(raw))),  # names keep their case
    ("event_kinds", "RING_EVENT_KINDS", _csv),
    ("snapshots", "SNAPSHOTS", lambda raw: raw.strip().lower()),
    ("download_concurrency", "DOWNLOAD_CONCURRENCY", _number("DOWNLOAD_CONCURRENCY", int)),
    ("retry_max_wait", "RETRY_MAX_WAIT", _number("RETRY_MAX_WAIT", float)),
    ("retry_initial_delay", "RETRY_INITIAL_DELAY", _number("RETRY_INITIAL_DELAY", float)),
    ("retry_max_delay", "RETRY_MAX_DELAY", _number("RETRY_MAX_DELAY", float)),
    ("http_timeout", "HTTP_TIMEOUT", _number("HTTP_TIMEOUT", float)),
    ("host", "HOST", str),
    ("api_key", "CONNECTOR_API_KEY", str),
    ("allowed_hosts", "ALLOWED_HOSTS", lambda raw: tuple(h.strip("[]").rstrip(".") for h in _csv(raw))),
    ("callback_url", "CALLBACK_URL", str),
    ("callback_allow_http", "CALLBACK_ALLOW_HTTP", lambda raw: bool(_boolean("CALLBACK_ALLOW_HTTP")(raw))),
    ("callback_concurrency", "CALLBACK_CONCURRENCY", _number("CALLBACK_CONCURRENCY", int)),
    ("callback_timeout", "CALLBACK_TIMEOUT", _number("CALLBACK_TIMEOUT", float)),
    ("watch", "WATCH", lambda raw: bool(_boolean("WATCH")(raw))),
    ("watch_poll_interval", "WATCH_POLL_INTERVAL", _number("WATCH_POLL_INTERVAL", float)),
    ("watch_max_wait", "WATCH_MAX_WAIT", _number("WATCH_MAX_WAIT", float)),
    ("partner_webhook_key", "RING_PARTNER_WEBHOOK_KEY", str),
    ("push", "RING_PUSH", lambda raw: bool(_boolean("RING_PUSH")(raw))),
    ("push_google_url", "RING_PUSH_GOOGLE_URL", lambda raw: raw.strip().rstrip("/")),
    ("push_mcs", "RING_PUSH_MCS", lambda raw: raw.strip()),
    (
        "allow_remote_without_key",
        "ALLOW_REMOTE_WITHOUT_KEY",
        lambda raw: bool(_boolean("ALLOW_REMOTE_WITHOUT_KEY")(raw)),
    ),
    ("port", "PORT", _number("PORT", int)),
    ("log_level", "LOG_LEVEL", lambda raw: raw.upper()),
    ("log_format", "LOG_FORMAT", lambda raw: raw.strip().lower()),
)
# Every setting's name, and the Settings field it fills, for documentation checks.
SETTING_NAMES = tuple(env_name for _, env_name, _ in _FIELDS)
SETTING_FIELDS = {env_name: field_name for field_name, env_name, _ in _FIELDS}
