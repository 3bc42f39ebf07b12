"""The benchmarks' figures in the pages are exactly what `bench/measured/*.json` renders to, and
the pages' own prose states no figure of its own: what was measured cannot drift from what is
written (`./scripts/bench.sh --update-docs` and `./scripts/reliability.sh --update-docs` write
both)."""

from __future__ import annotations

import re

import pytest

from bench import figures
from tests.docs.pages import DOCS


@pytest.mark.parametrize("name", sorted(figures.RENDERERS))
def test_the_figures_in_the_page_are_the_figures_file_rendered(name: str) -> None:
    text = (DOCS / figures.PAGES[name]).read_text()
    assert figures.block(text, name).strip() == figures.render(name, figures.load(name)).strip(), (
        f"docs/{figures.PAGES[name]} differs from bench/measured/{name}.json: rerun the benchmark "
        "with --update-docs, never edit the figures by hand"
    )


def test_every_figures_file_has_its_page() -> None:
    kept = {path.stem for path in figures.FOLDER.glob("*.json")}
    assert kept == set(figures.RENDERERS) == set(figures.PAGES)


def test_the_benchmarks_page_states_no_figure_outside_the_rendered_blocks() -> None:
    text = (DOCS / "benchmarks.md").read_text()
    for name, page in figures.PAGES.items():
        if page == "benchmarks.md":
            start, end = figures.markers(name)
            text = text[: text.index(start)] + text[text.index(end) + len(end) :]
    # Ratios, sizes, rates and times: what a reading of the figures would state.
    assert re.findall(r"\d[\d.]*\s?(?:×|MB|GB|ms\b|s\b|%)", text) == []
