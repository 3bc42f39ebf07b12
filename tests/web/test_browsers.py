"""Only its owner drives the API, not a web page the owner has open: a cross-site or text/plain
request that would change something, a DNS-rebinding Host and framing are refused, over a real
socket as a browser would send them; every answer carries the security headers; Ring's signed
webhook and the probes still work."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator
from ringConnector.sources.partner.webhooks import signature
from ringConnector.web.app import create_app
from tests.support import SmallDay, served

DAY = "/connector/download/20261122"
FIRST = str(SmallDay.first.id)
KEY = "the-apps-hmac-key"
WEBHOOK = (Path(__file__).parents[1] / "fixtures" / "partner" / "webhook_button_press.json").read_bytes()
EVIL = "http://attacker.example"
CROSS_SITE = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def base(settings: Settings, connector: Connector) -> Iterator[str]:
    app = create_app(settings.replace(partner_webhook_key=KEY), connector=connector)
    with served(app) as url:
        yield url


def call(base: str, method: str, path: str, **options: Any) -> requests.Response:
    return requests.request(method, base + path, timeout=30, **options)


def refused(answer: requests.Response, status: int, error: str) -> str:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "message"} and body["error"] == error
    message: str = body["message"]
    return message


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("POST", "/connector/jobs", {"Content-Type": "text/plain"}, b'{"date": "20261122"}'),
        ("POST", DAY, {"Content-Type": "text/plain;charset=UTF-8"}, b'["1"]'),
        ("PATCH", f"/connector/events/{FIRST}", FORM, b"status=IGNORED"),
        ("POST", "/connector/record/1001?seconds=5", {"Content-Type": "text/plain"}, b"x"),
    ],
)
def test_a_text_or_form_body_is_refused_and_starts_nothing(
    base: str,
    connector: Connector,
    emulator: Emulator,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    """What a web page can send anywhere without a CORS preflight (even a browser without Origin)."""
    message = refused(call(base, method, path, headers=headers, data=body), 415, "unsupported_media_type")
    assert "Content-Type: application/json" in message
    assert emulator.count("history") == emulator.count("devices") == 0  # Ring was not asked anything
    assert connector.jobs._jobs == {} and list(connector.settings.videos_dir.glob("*.json")) == []


@pytest.mark.parametrize(
    "headers",
    [
        CROSS_SITE,  # a page of another site, as every current browser says it
        {"Origin": EVIL},  # a browser without Fetch Metadata
        {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:8080"},  # another local server's page
        {"Origin": "null"},  # a sandboxed page or a file
    ],
)
def test_a_state_changing_request_from_another_sites_page_is_refused(
    base: str, emulator: Emulator, headers: dict[str, str]
) -> None:
    for method, path in [("POST", DAY), ("POST", "/connector/jobs"), ("POST", "/connector/record/1001")]:
        refused(call(base, method, path, headers=headers), 403, "cross_site_request")
    refused(
        call(base, "PATCH", f"/connector/events/{FIRST}", headers=headers, json={}), 403, "cross_site_request"
    )
    assert emulator.count("history") == 0


def test_swagger_ui_on_this_server_and_a_pipeline_without_origin_still_work(base: str) -> None:
    same_origin = {"Origin": base, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
    tried = call(base, "POST", DAY, headers=same_origin, json=[])  # "Try it out" on /docs
    assert tried.status_code == 200 and {e["ringId"] for e in tried.json()} == SmallDay.expected_dings()
    assert call(base, "POST", DAY, json=[FIRST]).status_code == 200  # curl, a pipeline: no Origin
    assert call(base, "POST", DAY).status_code == 200  # no body, no Content-Type
    assert call(base, "GET", DAY, headers=CROSS_SITE).status_code == 200  # reads nothing it can see


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:5000", "192.168.1.7", "[::2]:80"])
def test_a_rebinding_host_is_refused_but_probes_answer_any_host(base: str, host: str) -> None:
    message = refused(
        call(base, "GET", "/connector/events?date=20261122", headers={"Host": host}), 421, "unknown_host"
    )
    assert "ALLOWED_HOSTS" in message
    refused(call(base, "GET", f"/connector/videos/{FIRST}", headers={"Host": host}), 421, "unknown_host")
    for probe in ("/", "/healthz", "/readyz"):  # a load balancer or kubelet calls them by address
        assert call(base, "GET", probe, headers={"Host": host}).status_code == 200


def test_loopback_names_and_allowed_hosts_are_answered(settings: Settings, connector: Connector) -> None:
    proxied = settings.replace(allowed_hosts=("ring.example.org",))
    with served(create_app(proxied, connector=connector)) as base:
        port = base.rsplit(":", 1)[1]
        for host in (
            "localhost",
            f"localhost:{port}",
            f"127.0.0.1:{port}",
            f"[::1]:{port}",
            "ring.example.org",
        ):
            assert (
                call(base, "GET", "/connector/events?date=20261122", headers={"Host": host}).status_code
                == 200
            )
        refused(
            call(base, "GET", "/connector/events", headers={"Host": "ring.example.org.evil"}),
            421,
            "unknown_host",
        )


def test_rings_signed_webhook_needs_no_origin_and_takes_the_proxys_host(base: str) -> None:
    headers = {
        "Content-Type": "application/json",
        "Host": "ring.example.org",
        "X-Signature": signature(KEY, WEBHOOK),
    }
    assert call(base, "POST", "/connector/webhooks/ring", headers=headers, data=WEBHOOK).status_code == 204


def test_every_answer_carries_the_security_headers(
    app: Flask, settings: Settings, connector: Connector
) -> None:
    with served(app) as base:
        assert call(base, "POST", DAY).status_code == 200
        answers = [
            call(base, "GET", path)
            for path in (
                "/",
                "/healthz",
                "/readyz",
                "/openapi.json",
                "/metrics",
                "/nowhere",
                f"/connector/videos/{FIRST}",
            )
        ]
        answers += [
            call(base, "PUT", DAY),
            call(base, "POST", DAY, headers=FORM, data=b"a=1"),
            call(base, "POST", DAY, headers=CROSS_SITE),
            call(base, "GET", "/connector/events", headers={"Host": "attacker.example"}),
            call(base, "GET", "/docs/assets/js/swagger-ui-bundle.js"),
        ]
    with served(create_app(settings.replace(api_key="k"), connector=connector)) as keyed:
        answers.append(call(keyed, "GET", "/connector/devices"))
    assert {a.status_code for a in answers} >= {200, 401, 403, 404, 405, 415, 421}
    for answer in answers:
        assert answer.headers["X-Content-Type-Options"] == "nosniff", answer.url
        assert answer.headers["X-Frame-Options"] == "DENY", answer.url
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], answer.url
        assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin", answer.url


def test_the_docs_page_cannot_be_framed_and_runs_only_its_own_scripts(app: Flask) -> None:
    with served(app) as base:
        page = call(base, "GET", "/docs")
        policy = dict(
            part.strip().split(" ", 1)
            for part in page.headers["Content-Security-Policy"].split(";")
            if part.strip()
        )
        assert page.headers["X-Frame-Options"] == "DENY" and policy["frame-ancestors"] == "'none'"
        # Its one inline script (Swagger UI's set-up) by hash; its files from this server.
        (inline,) = re.findall(r"<script>(.*?)</script>", page.text, re.S)
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert policy["script-src"] == f"'self' 'sha256-{digest}'"
        for url in re.findall(r'(?:src|href)="([^"]+)"', page.text):
            assert url.startswith("/docs/assets/")  # 'self'
            assert call(base, "GET", url).status_code == 200
        assert policy["connect-src"] == "'self'"  # /openapi.json and "Try it out"
        assert "data:" in policy["img-src"]  # Swagger UI's icons are data: URIs in its style sheet
