"""Sphinx settings of the documentation site: Markdown pages (MyST), built strictly by
scripts/test.sh (`sphinx-build -W`): a broken link, a missing anchor or a page outside the
navigation is an error. Nothing is fetched: no intersphinx, no web fonts, no analytics."""

from __future__ import annotations

import tomllib
from pathlib import Path

_PROJECT = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]

project = _PROJECT["name"]
release = version = _PROJECT["version"]
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
# Anchors for headings down to ###, as GitHub makes them: [text](api.md#access) is checked.
myst_heading_anchors = 3
html_theme = "furo"
html_title = f"{project} {release}"
html_copy_source = False
html_show_sourcelink = False
