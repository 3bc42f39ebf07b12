"""What the README and the documentation pages say, against what the code knows: the settings
and their defaults, the endpoints and which of them are open, the download headers, the event
JSON's fields, the package tree and the emulator's admin routes. A page that drifts from the
code fails here, naming what differs."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from flask import Flask

from ringConnector.config import SETTING_FIELDS, SETTING_NAMES, Settings
from ringConnector.emulator.admin import add_admin_routes
from ringConnector.model.events import ARTICLE_FIELDS, EventJson
from ringConnector.web import openapi, schemas
from ringConnector.web.api_key import OPEN_ENDPOINTS
from tests.docs.pages import ENDPOINT, fenced, names, page, section, table, template
from tests.support import ROOT

# Routes that are no endpoint of the API: Flask's static files (unused) and Swagger UI's script
# and style sheet (part of /docs).
NOT_ENDPOINTS = {"static", "swagger_ui.static"}
# A folder in the package tree: `storage/`, not `DATA_DIR/` or `/_emulator/`.
FOLDER = re.compile(r"(?<![\w./])([a-z][a-z_]*)/")


def settings_table() -> list[list[str]]:
    return table(section(page("configuration.md"), "## Every setting"))


def test_the_configuration_table_has_a_row_for_every_setting_and_none_for_another() -> None:
    documented = Counter(name for row in settings_table() for name in names(row[0]))
    assert [name for name, n in documented.items() if n > 1] == []
    assert set(documented) ^ set(SETTING_NAMES) == set()


def documented_default(value: Any) -> str | None:
    """How the configuration table writes a default: the value as .env.example would set it, or
    None for a default that means "none" (the table then says what in parentheses)."""
    if value in ("", 0, None, ()) and not isinstance(value, bool):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@pytest.mark.parametrize("row", settings_table(), ids=lambda row: row[0])
def test_each_default_in_the_configuration_table_is_the_code_default(row: list[str]) -> None:
    defaults = Settings.__dataclass_fields__
    cell = row[1]
    for name in names(row[0]):
        expected = documented_default(defaults[SETTING_FIELDS[name]].default)
        if expected is None:
            assert cell.startswith("(") and "`" not in cell, f"{name}: the default is none, not {cell}"
        else:
            assert cell == f"`{expected}`", f"{name}: the default is {expected}"


def routes(app: Flask) -> set[tuple[str, str]]:
    """(method, path template) of every endpoint the app serves."""
    return {
        (method, template(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_ENDPOINTS
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def open_routes(app: Flask) -> set[tuple[str, str]]:
    """(method, path template) of every endpoint anyone may call without the API key."""
    return {
        (method, template(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint in OPEN_ENDPOINTS - NOT_ENDPOINTS
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def readme_endpoints() -> list[tuple[set[tuple[str, str]], str]]:
    """Each row of the README's endpoint table: its endpoints, and its API key column."""
    return [
        ({(method, template(path)) for method, path in ENDPOINT.findall(row[0])}, row[2])
        for row in table(section(page("README.md"), "## The API"))
    ]


def test_the_readme_endpoint_table_lists_every_route_of_the_app_and_no_other(app: Flask) -> None:
    listed = [endpoint for endpoints, _ in readme_endpoints() for endpoint in endpoints]
    assert [endpoint for endpoint, n in Counter(listed).items() if n > 1] == []
    assert set(listed) ^ routes(app) == set()


def test_the_readme_endpoint_table_says_which_endpoints_need_no_api_key(app: Flask) -> None:
    rows = readme_endpoints()
    said_open = {endpoint for endpoints, key in rows if key.startswith("no") for endpoint in endpoints}
    assert all(key == "yes" or key.startswith("no") for _, key in rows)
    assert said_open ^ open_routes(app) == set()


def test_the_security_page_lists_the_open_endpoints(app: Flask) -> None:
    rows = table(section(page("security.md"), "## The API key"))
    listed = {(method, template(path)) for row in rows for method, path in ENDPOINT.findall(row[0])}
    assert listed ^ open_routes(app) == set()


def paths(text: str) -> set[str]:
    """The absolute URL paths named in a sentence (`/`, `/healthz`, `/connector/webhooks/ring`)."""
    return {template(path) for path in re.findall(r"(?<![\w.:/<])/[\w./{}<>-]*", text)}


def test_env_example_names_the_open_endpoints(app: Flask) -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    start = key = lines.index("CONNECTOR_API_KEY=")
    while lines[start - 1].startswith("#"):
        start -= 1
    comment = " ".join(line.lstrip("# ") for line in lines[start:key])
    assert paths(comment) == {path for _, path in open_routes(app)}


def test_the_openapi_description_names_the_open_endpoints(app: Flask) -> None:
    assert paths(openapi.INFO.description or "") == {path for _, path in open_routes(app)}


def test_the_download_headers_table_names_every_header_the_answers_carry() -> None:
    rows = table(section(page("api.md"), "### Telling that something failed"))
    documented = Counter(name for row in rows for name in names(row[0]))
    assert [name for name, n in documented.items() if n > 1] == []
    assert set(documented) ^ set(schemas._DOWNLOAD_HEADERS) == set()


def test_the_event_json_table_lists_every_field_the_article_s_first_in_its_order() -> None:
    rows = table(section(page("events.md"), "## The event JSON"))
    documented = [name for row in rows for name in names(row[0])]
    assert documented[: len(ARTICLE_FIELDS)] == list(ARTICLE_FIELDS)
    written = EventJson.__required_keys__ | EventJson.__optional_keys__ | {"seq"}
    assert sorted(documented) == sorted(written)


def package_tree() -> str:
    (tree,) = fenced(section(page("architecture.md"), "## The package"), "text")
    return tree


def test_the_package_tree_names_every_package_and_module() -> None:
    package = ROOT / "ringConnector"
    emulator_hosts = [p for p in (package / "emulator").iterdir() if (p / "__init__.py").exists()]
    modules = [
        p
        for p in package.rglob("*.py")
        if p.name != "__init__.py" and not any(host in p.parents for host in emulator_hosts)
    ]
    folders = [p.parent for p in package.rglob("__init__.py") if p.parent != package]
    tree = package_tree()
    named = Counter(re.findall(r"(?<![\w/])([\w]+\.py)\b", tree))
    # A name used by several modules (source.py, progress.py ...) is named once for each.
    wanted = Counter(p.name for p in modules)
    assert {name: n for name, n in wanted.items() if named[name] < n} == {}
    folders_named = set(FOLDER.findall(tree))
    assert {p.name for p in folders} - folders_named == set()


def test_the_package_tree_names_nothing_that_does_not_exist() -> None:
    package = ROOT / "ringConnector"
    existing = {p.name for p in package.rglob("*.py")} | {p.name for p in ROOT.glob("*.py")}
    tree = package_tree()
    assert set(re.findall(r"(?<![\w/])([\w]+\.py)\b", tree)) - existing == set()
    folders = {p.parent.name for p in package.rglob("__init__.py")}
    assert set(FOLDER.findall(tree)) - folders == set()


def test_the_emulator_page_lists_every_admin_route() -> None:
    app = web.Application()
    add_admin_routes(app)
    served = [(route.method, route.resource.get_info()) for route in app.router.routes() if route.resource]
    rows = table(section(page("emulator.md"), "## Running it"))
    listed = {(method, path) for row in rows for method, path in ENDPOINT.findall(row[0])}

    def serves(route: tuple[str, Any], method: str, path: str) -> bool:
        info = route[1]
        pattern = info.get("pattern")
        return route[0] == method and (info.get("path") == path or bool(pattern and pattern.fullmatch(path)))

    assert {(m, p) for m, p in listed if not any(serves(route, m, p) for route in served)} == set()
    assert [route for route in served if not any(serves(route, m, p) for m, p in listed)] == []


def test_the_pages_name_files_of_the_project_that_exist() -> None:
    """Paths in backticks that look like the project's own files (docs/…, tests/…, bench/…,
    scripts/…) exist, or are folders the project makes and ignores (bench/results/). Another
    project's file is named as its own ("firebase-messaging's `tests/fakes.py`")."""
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    missing = set()
    for doc in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for path in re.findall(
            r"(?<!'s )`((?:docs|tests|bench|scripts|ringConnector)/[\w./-]+?)`", doc.read_text()
        ):
            made = any(path == i or path.startswith(i.rstrip("/") + "/") for i in ignored if i)
            if not made and not any((folder / path).exists() for folder in (ROOT, ROOT / "ringConnector")):
                missing.add(f"{Path(doc).name}: {path}")
    assert missing == set()
