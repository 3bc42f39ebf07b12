"""Reading the documentation's Markdown: a page, one of its sections, the rows of its tables."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
# `GET /connector/events/<ringId>` in a table cell: a method and a path, in backticks.
ENDPOINT = re.compile(r"`(GET|POST|PATCH|PUT|DELETE) (/[^`\s]*)`")


def page(name: str) -> str:
    """A page of docs/ by file name, or the README."""
    return (README if name == "README.md" else DOCS / name).read_text()


def section(text: str, heading: str) -> str:
    """The text under `heading` (a whole Markdown heading line, e.g. "## The API"), up to the
    next heading of the same or a higher level; a `#` line inside a code block is no heading."""
    depth = len(heading.split(" ", 1)[0])
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end, in_code = len(lines), False
    for i in range(start, len(lines)):
        if lines[i].startswith("```"):
            in_code = not in_code
        elif not in_code and lines[i].startswith("#") and len(lines[i].split(" ", 1)[0]) <= depth:
            end = i
            break
    return "\n".join(lines[start:end])


def table(text: str) -> list[list[str]]:
    """The body rows of the first Markdown table in `text`, as lists of stripped cells."""
    rows: list[list[str]] = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not in_table:  # the header row
                in_table = True
                continue
            if not all(set(cell) <= set("-: ") for cell in cells):
                rows.append(cells)
        elif in_table:
            break
    return rows


def names(cell: str) -> list[str]:
    """The names in backticks in a cell: `A`, `B` -> [A, B]."""
    return re.findall(r"`([^`]+)`", cell)


def template(path: str) -> str:
    """A route's path with every parameter as {} (`<day>`, `{ring_id}`, `<YYYYMMDD>` alike) and no
    query string."""
    return re.sub(r"<[^>]*>|\{[^}]*\}", "{}", path.split("?", 1)[0])


def fenced(text: str, language: str = "sh") -> list[str]:
    """The contents of the fenced code blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


def relative(path: Path) -> str:
    """A path as the project names it."""
    return str(path.relative_to(ROOT))
