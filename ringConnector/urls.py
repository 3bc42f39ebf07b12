"""URLs judged as the code that sends them reads them: urllib3's parser (requests and our checks
agree on the host), with anything two parsers could read differently refused outright.

`http://A\\@B/` is the example: urllib.parse sees host B, urllib3 (which connects) sees A. So an
authority with a backslash, user-info, whitespace or a control character is no URL of ours,
whether Ring handed it back (a page link, a redirect, a session Location) or a setting holds it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters that have no business in a URL we send a request to.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


class UnsafeUrl(ValueError):
    """A URL that is not plainly one http(s) origin and a path."""


@dataclass(frozen=True)
class Origin:
    """(scheme, host, port), the default port made explicit; hosts lower-case."""

    scheme: str
    host: str
    port: int

    @property
    def is_loopback(self) -> bool:
        """True for localhost and loopback addresses (a stand-in on this machine)."""
        return is_loopback(self.host)


def origin(url: str, *, user_info: bool = False) -> Origin:
    """The origin a request to `url` goes to; UnsafeUrl if the URL is ambiguous or not http(s).

    `user_info` allows user:password@ (a pipeline's own basic auth; never for Ring's URLs)."""
    if _UNSAFE.search(url):
        raise UnsafeUrl("a backslash, a space or a control character")
    try:
        parsed = parse_url(url)
    except LocationParseError as ex:
        raise UnsafeUrl(f"not a URL ({ex})") from ex
    if parsed.scheme not in DEFAULT_PORTS or not parsed.host:
        raise UnsafeUrl("not an http(s) URL with a host")
    if not user_info and (parsed.auth is not None or "@" in (urlsplit(url).netloc or "")):
        raise UnsafeUrl("user-info (user:password@) in the address")
    host = parsed.host.lower().strip("[]")
    if host != (urlsplit(url).hostname or "").lower():
        raise UnsafeUrl("its host reads differently to different parsers")
    return Origin(parsed.scheme, host, parsed.port or DEFAULT_PORTS[parsed.scheme])


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redact(url: str) -> str:
    """A URL fit for logs: no user-info, and no query (pre-signed ones carry signatures)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}" + ("?…" if parts.query else "")
