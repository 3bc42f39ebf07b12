"""Only its owner drives the API, not a web page the owner happens to have open.

A page on any site can send requests to 127.0.0.1 (a form, or fetch in no-cors mode, needs no
CORS preflight) and, through DNS rebinding, even read the answers. So: a request for a `Host`
the server does not answer to is refused (421; loopback names, HOST's own address and
ALLOWED_HOSTS are answered); a state-changing one that a browser says came from another site
(`Origin`, `Sec-Fetch-Site`) is refused (403); and a body must be declared JSON (415), which a page
cannot send to another site without a preflight this API never grants. Every answer carries
headers that stop browsers from sniffing, framing or embedding it.

Exempt: Ring's signed webhook (Ring is a server: it sends no Origin, and the Host is whatever a
proxy passes; its HMAC signature is its guard), and the probes' Host (a load balancer or kubelet
calls them by address; they say nothing about the videos).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from urllib.parse import urlsplit

from flask import Flask, Response, request

from ringConnector.config import Settings
from ringConnector.errors import CrossSiteRequest, NotJson, UnknownHost, shown

# Names every server answers to: this machine's.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Endpoints exempt from every check (signed by Ring), and from the Host check (probes).
SIGNED = frozenset({"watch.ring_webhook"})
PROBES = frozenset({"connector.liveness", "status.healthz", "status.readyz"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a browser says of a request's origin that another site's page makes (Fetch Metadata:
# "same-site" is another port or subdomain of the same site, a page of some other local server).
OTHER_SITES = frozenset({"cross-site", "same-site"})
# On every answer (whatever is already set stays).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Nothing of an answer runs or loads anything; a video or image opened on its own still plays.
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "Referrer-Policy": "no-referrer",
    # Another site's page cannot even embed a video or image (<video src>, <img src>).
    "Cross-Origin-Resource-Policy": "same-origin",
}
# The Swagger UI page (/docs): its files from here, its one inline script by hash (computed from
# the page as served), Swagger UI's inline styles and data: icons, and calls to this API only.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def guard_browsers(app: Flask, settings: Settings) -> None:
    """Refuse what a web page could send in the owner's name, and add the headers to every answer."""
    names = set(LOOPBACK_NAMES) | set(settings.allowed_hosts)
    if _specific_address(settings.host):
        names.add(settings.host.strip("[]").lower().rstrip("."))
    any_host = "*" in names

    @app.before_request
    def refuse_other_sites() -> None:
        if request.endpoint in SIGNED:
            return
        host = request.environ.get("HTTP_HOST")
        if host is not None and not any_host and request.endpoint not in PROBES:
            name = _host_and_port(host)[0]
            if name not in names:
                raise UnknownHost(
                    f"this server does not answer to the host name {shown(host)}: it answers to "
                    "localhost and loopback addresses, and to the names in ALLOWED_HOSTS"
                )
        if request.method not in SAFE_METHODS:
            _refuse_cross_site(host)
        if _has_body() and request.mimetype != "application/json":
            raise NotJson(
                "a request body must be JSON, sent with Content-Type: application/json (got "
                f"{shown(request.content_type or 'none')}): a form or text body is what another "
                "site's page can send"
            )

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "text/html" and not response.direct_passthrough:
            response.headers["Content-Security-Policy"] = docs_policy(response.get_data(as_text=True))
        return response


def docs_policy(html: str) -> str:
    """The Content-Security-Policy of an HTML page of ours: its inline scripts allowed by hash."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    ]
    return DOCS_POLICY.format(scripts=" ".join(hashes))


def _refuse_cross_site(host: str | None) -> None:
    """A state-changing request a browser says came from a page of another origin."""
    site = request.headers.get("Sec-Fetch-Site")
    if site in OTHER_SITES:
        raise CrossSiteRequest(
            f"refused: the browser says a page of another site sent this request (Sec-Fetch-Site: {site})"
        )
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not sent by a browser's page (curl, a pipeline, a server), or a same-origin GET
    if origin == "null" or host is None or not _same_origin(origin, host):
        raise CrossSiteRequest(
            f"refused: the browser says a page of {shown(origin)} sent this request, not one of this server"
        )


def _same_origin(origin: str, host: str) -> bool:
    """The Origin names the host and port the request was sent to (behind a TLS proxy, the
    scheme differs: https outside, http here)."""
    try:
        parts = urlsplit(origin)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    name, host_port = _host_and_port(host)
    if parts.hostname != name:
        return False
    return port == host_port if host_port is not None else port in _DEFAULT_PORTS.values()


def _host_and_port(host: str) -> tuple[str | None, int | None]:
    """A Host header's name (lower case, no brackets or final dot) and port, if any."""
    try:
        parts = urlsplit("//" + host.strip())
        return (parts.hostname or "").rstrip(".") or None, parts.port
    except ValueError:
        return None, None


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _specific_address(host: str) -> bool:
    """HOST is one address (not 0.0.0.0 or ::, every address): the server answers to it by name."""
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return bool(host)  # a name
