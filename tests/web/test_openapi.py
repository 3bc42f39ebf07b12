"""The OpenAPI document: it covers every route, and real answers match what it says."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import demo_scenario
from ringConnector.model.days import utc_text
from ringConnector.model.events import STATUSES
from ringConnector.web.api_key import OPEN_ENDPOINTS
from ringConnector.web.app import create_app
from ringConnector.web.schemas import EXAMPLE_DEVICE, EXAMPLE_EVENT
from tests.support import ROOT, SmallDay
from tests.web.documented import doc_path, operations

FIRST = str(SmallDay.first.id)


def test_every_route_and_method_is_documented(app: Flask, client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    for rule, method in operations(app):
        path = doc_path(rule)
        assert method.lower() in doc["paths"].get(path, {}), f"{method} {path} is not documented"


def test_the_document_says_no_key_for_exactly_the_endpoints_that_need_none(
    app: Flask, client: FlaskClient
) -> None:
    doc = client.get("/openapi.json").get_json()
    assert doc["security"]  # a key by default, for every operation that does not say otherwise
    for rule, method in operations(app):
        documented_open = doc["paths"][doc_path(rule)][method.lower()].get("security") == [{}]
        assert documented_open == (rule.endpoint in OPEN_ENDPOINTS), f"{method} {rule.rule}"


def test_a_400_is_documented_as_one_error_body_and_only_where_input_can_be_refused(
    client: FlaskClient,
) -> None:
    doc = client.get("/openapi.json").get_json()
    refusing = set()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if "400" in operation["responses"]:
                schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, f"{method} {path}"
                refusing.add(f"{method.upper()} {path}")
    assert {"GET /", "GET /healthz", "GET /readyz", "GET /docs", "GET /connector/watch"}.isdisjoint(refusing)
    assert {
        "POST /connector/download/{day}",
        "POST /connector/jobs",
        "PATCH /connector/events/{ring_id}",
    } <= refusing


def test_the_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # what Swagger UI reads; raises on anything malformed
    broken = {**doc, "paths": {"/x": {"get": {"responses": {"200": {}}}}}}  # no description
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def check(doc: dict[str, Any], template: str, method: str, response: Any) -> None:
    """The answer's status is documented for the operation, and its JSON body matches."""
    operation = doc["paths"][template][method.lower()]
    answers = operation["responses"]
    assert str(response.status_code) in answers, f"{method} {template}: {response.status_code} undocumented"
    content = answers[str(response.status_code)].get("content", {})
    if "application/json" in content:
        schema = {**content["application/json"]["schema"], "components": doc["components"]}
        Draft202012Validator(schema).validate(response.get_json())
    elif content:
        assert response.mimetype in content


def test_real_answers_match_the_document(
    client: FlaskClient, settings: Settings, connector: Connector
) -> None:
    doc = client.get("/openapi.json").get_json()
    calls: list[tuple[str, str, str, dict[str, Any]]] = [
        ("/", "GET", "/", {}),
        ("/healthz", "GET", "/healthz", {}),
        ("/openapi.json", "GET", "/openapi.json", {}),
        ("/docs", "GET", "/docs", {}),
        ("/readyz", "GET", "/readyz", {}),
        ("/metrics", "GET", "/metrics", {}),
        ("/connector/download/{day}", "POST", "/connector/download/20261122", {"json": [FIRST]}),
        ("/connector/download/{day}", "GET", "/connector/download/20261122", {}),
        ("/connector/download/{day}", "POST", "/connector/download/20261341", {}),
        ("/connector/download/today", "GET", "/connector/download/today", {}),
        ("/connector/download/{day}", "POST", "/connector/download/today", {"json": []}),
        ("/connector/record/{device_id}", "POST", "/connector/record/x?seconds=5", {}),
        ("/connector/events", "GET", "/connector/events?date=20261122", {}),
        ("/connector/events", "GET", "/connector/events?date=x", {}),
        ("/connector/events/{ring_id}", "GET", f"/connector/events/{FIRST}", {}),
        ("/connector/events/{ring_id}", "GET", "/connector/events/404", {}),
        (
            "/connector/events/{ring_id}",
            "PATCH",
            f"/connector/events/{FIRST}",
            {"json": {"status": "PROCESSED"}},
        ),
        ("/connector/events/{ring_id}", "PATCH", f"/connector/events/{FIRST}", {"json": {"status": "?"}}),
        ("/connector/videos/{ring_id}", "GET", f"/connector/videos/{FIRST}", {}),
        (
            "/connector/videos/{ring_id}",
            "GET",
            f"/connector/videos/{FIRST}",
            {"headers": {"Range": "bytes=0-9"}},
        ),
        ("/connector/videos/{ring_id}", "GET", "/connector/videos/404", {}),
        ("/connector/snapshots/{ring_id}", "GET", f"/connector/snapshots/{FIRST}", {}),
        ("/connector/snapshots/{ring_id}", "GET", "/connector/snapshots/404", {}),
        ("/connector/events", "GET", "/connector/events?after=0", {}),
        ("/connector/devices", "GET", "/connector/devices", {}),
        ("/connector/jobs", "POST", "/connector/jobs", {"json": {"date": "20261122"}}),
        ("/connector/jobs", "POST", "/connector/jobs", {"json": {"date": 1}}),
        ("/connector/jobs/{job_id}", "GET", "/connector/jobs/nope", {}),
        ("/connector/watch", "GET", "/connector/watch", {}),
        ("/connector/webhooks/ring", "POST", "/connector/webhooks/ring", {"data": b"{}"}),  # 401: no key
    ]
    covered = set()
    for template, method, url, options in calls:
        check(doc, template, method, client.open(url, method=method, **options))
        covered.add((template, method.lower()))
    job = client.post("/connector/jobs").headers["Location"]
    check(doc, "/connector/jobs/{job_id}", "GET", client.get(job))
    etag = client.get(f"/connector/videos/{FIRST}").headers["ETag"]
    check(
        doc,
        "/connector/videos/{ring_id}",
        "GET",
        client.get(f"/connector/videos/{FIRST}", headers={"If-None-Match": etag}),
    )
    keyed = create_app(settings.replace(api_key="k"), connector=connector).test_client()
    check(doc, "/connector/devices", "GET", keyed.get("/connector/devices"))  # 401
    documented = {(p, m) for p, item in doc["paths"].items() for m in item if m != "parameters"}
    assert documented - covered <= {("/connector/jobs/{job_id}", "get")}  # every operation was called


def test_the_docs_page_is_swagger_ui_served_from_here(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'SwaggerUIBundle({url: "/openapi.json"' in html
    linked = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert sorted(linked) == ["/docs/assets/css/swagger-ui.css", "/docs/assets/js/swagger-ui-bundle.js"]
    for url in linked:  # no CDN: every file the page needs comes from this app (the pip package)
        asset = client.get(url)
        assert asset.status_code == 200 and asset.mimetype in {"text/css", "text/javascript"}
        assert len(asset.get_data()) > 10_000
    assert b"SwaggerUIBundle" in client.get("/docs/assets/js/swagger-ui-bundle.js").get_data()


def test_a_refused_request_is_described_in_words_not_echoed(client: FlaskClient) -> None:
    body = client.post("/connector/jobs", json={"date": "20261122", "skip": [True, "x" * 500, {}]}).get_json()
    assert body == {
        "error": "bad_request",
        "message": "ring ids must be strings, got true; ring ids must be strings, got {}",
    }
    answer = client.post("/connector/jobs", json={"d" * 500: 1}).get_json()
    assert answer["error"] == "bad_request" and len(answer["message"]) < 120
    assert answer["message"].startswith("ddd") and "Extra inputs are not permitted" in answer["message"]


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/docs/assets/js/swagger-ui-bundle.js"])
def test_the_document_needs_no_key(settings: Settings, connector: Connector, path: str) -> None:
    assert (
        create_app(settings.replace(api_key="k"), connector=connector).test_client().get(path).status_code
        == 200
    )


def test_swagger_ui_groups_every_operation_under_one_described_tag(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    described = {tag["name"] for tag in doc["tags"] if tag.get("description")}
    assert described == {"downloads", "library", "devices", "watch", "status"}
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert len(operation["tags"]) == 1 and operation["tags"][0] in described, f"{method} {path}"


def test_the_document_has_the_package_s_own_version(client: FlaskClient) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert client.get("/openapi.json").get_json()["info"]["version"] == project["version"]


def test_an_event_s_status_is_one_of_its_five_values_or_the_first_looks(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert document["Event"]["properties"]["status"]["enum"] == [*STATUSES, "SNAPSHOT"]
    assert document["StatusChange"]["properties"]["status"]["enum"] == list(STATUSES)  # what PATCH takes


def test_the_examples_are_an_event_the_emulator_s_demo_day_really_has(client: FlaskClient) -> None:
    """The README's session: 21 November 2026 in Berlin; Swagger UI's ids and dates answer there."""
    scenario = demo_scenario(date(2026, 11, 21), "Europe/Berlin")
    (ring,) = [e for e in scenario.events if str(e.id) == EXAMPLE_EVENT["ringId"]]
    (device,) = [d for d in scenario.devices if d.id == ring.device_id]
    local = ring.created_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert EXAMPLE_EVENT["createdAt"] == utc_text(ring.created_at)
    assert (EXAMPLE_EVENT["date"], EXAMPLE_EVENT["eventName"]) == (
        local.strftime("%Y%m%d"),
        local.strftime("%Y%m%d-%H%M%S"),
    )
    assert (EXAMPLE_EVENT["kind"], EXAMPLE_EVENT["answered"], EXAMPLE_EVENT["duration"]) == (
        ring.kind,
        ring.answered,
        ring.duration,
    )
    assert (EXAMPLE_EVENT["deviceId"], EXAMPLE_EVENT["deviceName"]) == (str(device.id), device.description)
    assert (EXAMPLE_DEVICE["id"], EXAMPLE_DEVICE["name"], EXAMPLE_DEVICE["kind"]) == (
        str(device.id),
        device.description,
        device.kind,
    )
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Event"]["example"] == EXAMPLE_EVENT
    assert schemas["Event"]["properties"]["date"]["example"] == EXAMPLE_EVENT["date"]
    for name in ("Event", "Device", "Job", "FeedPage"):
        # The schema within the document, so that its $refs to other components resolve.
        within = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
        Draft202012Validator(within).validate(schemas[name]["example"])


def test_duration_is_a_number_in_every_answer(client: FlaskClient) -> None:
    """A day's list, one event and a download answer all write 30.0, never 30."""
    downloaded = client.get("/connector/download/20261122").get_data(as_text=True)
    listed = client.get("/connector/events?date=20261122").get_data(as_text=True)
    one = client.get(f"/connector/events/{FIRST}").get_data(as_text=True)
    for text in (downloaded, listed, one):
        durations = re.findall(r'"duration":\s*([^,}]+)', text)
        assert durations and all(d == "null" or "." in d for d in durations), text
