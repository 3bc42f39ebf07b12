"""The app's routes as the OpenAPI document names them, for the tests that hold the two together."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Flask
from werkzeug.routing import Rule


def doc_path(rule: Rule) -> str:
    """The document's path for a Flask rule: /connector/events/<ring_id> is .../{ring_id}."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)


def operations(app: Flask) -> Iterator[tuple[Rule, str]]:
    """Every route of ours and each method it takes (not Swagger UI's files, not HEAD or OPTIONS)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith("static"):  # files: Swagger UI's, served for /docs
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method
