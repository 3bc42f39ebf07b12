"""Writing a benchmark's figures into README.md, between its two markers."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def update_readme(name: str, text: str) -> None:
    """Replace what stands between <!-- NAME:start --> and <!-- NAME:end --> with `text`."""
    start_marker, end_marker = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    content = README.read_text()
    start, end = content.index(start_marker) + len(start_marker), content.index(end_marker)
    README.write_text(content[:start] + "\n" + text + "\n" + content[end:])
