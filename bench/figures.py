"""The benchmarks' figures: each run keeps its measurements in `bench/measured/<name>.json`
(committed) and writes them, rendered here, into its documentation page between two markers.

`tests/docs/test_figures.py` renders every figures file again and compares it with the page, so
a figure edited by hand, or a reading of the figures that no longer follows them, fails a test.
Every sentence that states a figure is rendered from the file; the pages' own prose states none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "bench" / "measured"
DOCS = ROOT / "docs"

# The targets the download benchmark is read against: within this factor of curl's time (the
# wire limit), and at least this many times faster than the article's design.
WIRE_FACTOR = 1.25
SPEED_UP = 5.0

Figures = dict[str, Any]


def markers(name: str) -> tuple[str, str]:
    """The comments that enclose figures `name` in its page."""
    return f"<!-- figures:{name}:start -->", f"<!-- figures:{name}:end -->"


def load(name: str) -> Figures:
    """The figures file `name` as committed."""
    data: Figures = json.loads((FOLDER / f"{name}.json").read_text())
    return data


def block(page: str, name: str) -> str:
    """What stands between the markers of figures `name` in the page's text."""
    start, end = markers(name)
    return page[page.index(start) + len(start) : page.index(end)]


def publish(name: str, figures: Figures) -> None:
    """Keep `figures` in its file and write them, rendered, into their page."""
    (FOLDER / f"{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    page = DOCS / PAGES[name]
    text = page.read_text()
    start, end = markers(name)
    before, after = text.index(start) + len(start), text.index(end)
    page.write_text(text[:before] + "\n" + render(name, figures) + "\n" + text[after:])


def render(name: str, figures: Figures) -> str:
    """The Markdown of figures `name`."""
    return RENDERERS[name](figures)


def _times(x: float) -> str:
    return f"{x:.1f}×"


def downloads(f: Figures) -> str:
    """The download benchmark: the table, the ratios per level, the warm re-run, one big
    recording, and the figures read against the targets."""
    setup, runs = f["setup"], f["runs"]
    by_name = {run["name"]: run for run in runs}
    article = runs[0]
    lines = [
        f"{setup['events']} recordings of {setup['size'] / 1e6:.0f} MB; storage "
        f"{setup['latency'] * 1000:.0f} ms to first byte, {setup['bandwidth'] / 1e6:.0f} MB/s per "
        f"connection; {setup['cores']} cores.",
        "",
        "| run | seconds | MB/s | peak RSS (MB) | note |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r['name']} | {r['seconds']:.2f} | {r['bytes'] / 1e6 / r['seconds']:.1f} "
        f"| {r['peak_rss_mb']:.0f} | {r['note']} |"
        for r in runs
    ]
    lines.append("")
    levels = []
    for level in setup["concurrency"]:
        script = by_name[f"(b) startDownload.py, {level} at once"]
        http = by_name[f"(b) POST /connector/download, {level} at once"]
        curl = by_name[f"(c) curl, {level} at once"]
        ratio = {
            "level": level,
            "script": article["seconds"] / script["seconds"],
            "http": article["seconds"] / http["seconds"],
            "curl": article["seconds"] / curl["seconds"],
            "script_wire": script["seconds"] / curl["seconds"],
            "http_wire": http["seconds"] / curl["seconds"],
        }
        levels.append(ratio)
        lines.append(
            f"- {level} at once: script {_times(ratio['script'])} faster than (a), "
            f"{ratio['script_wire']:.2f}× curl's time; HTTP {_times(ratio['http'])} (a), "
            f"{ratio['http_wire']:.2f}× curl."
        )
    warm = f["warm"]
    routes = ", ".join(f"{route} {n}" for route, n in sorted(warm["by_route"].items()) if n)
    lines.append(
        f"- warm re-run (all downloaded, new process): {warm['seconds']:.2f} s, "
        f"{warm['api_requests']} Ring API request(s) for {warm['devices']} device ({routes}), "
        f"{warm['storage_requests']} storage request(s)."
    )
    big = f.get("big")
    if big:
        lines.append(
            f"- one {big['bytes'] / 1e9:.0f} GB recording: peak RSS {big['peak_rss_mb']:.0f} MB for "
            f"startDownload.py against {big['article_peak_rss_mb']:.0f} MB for (a); "
            f"{big['seconds']:.1f} s against {big['article_seconds']:.1f} s."
        )
    lines += ["", f"Command: `{f['command']}`", "", *_downloads_reading(setup, levels, warm, big)]
    return "\n".join(lines)


def _downloads_reading(
    setup: Figures, levels: list[dict[str, float]], warm: Figures, big: Figures | None
) -> list[str]:
    """The figures against the targets, each verdict computed from them."""
    bandwidth = setup["bandwidth"] / 1e6
    lines = [f"Reading the figures against the targets (storage {bandwidth:.0f} MB/s per connection):"]
    within = [lv for lv in levels if max(lv["script_wire"], lv["http_wire"]) <= WIRE_FACTOR]
    verdict = _which(within, levels)
    wire = "; ".join(
        f"{lv['level']:.0f} at once, script {lv['script_wire']:.2f}× and HTTP {lv['http_wire']:.2f}× "
        "curl's time"
        for lv in levels
    )
    lines.append(f"- **Within {WIRE_FACTOR}× of the wire limit**: {verdict} ({wire}).")
    fast = [lv for lv in levels if min(lv["script"], lv["http"]) >= SPEED_UP]
    speed = "; ".join(
        f"{lv['level']:.0f} at once, {_times(lv['script'])} script and {_times(lv['http'])} HTTP"
        for lv in levels
    )
    target = f"At least {SPEED_UP:.0f}× faster than the article's design"
    line = f"- **{target}**: {_which(fast, levels)} ({speed})."
    slow = [lv for lv in levels if lv not in fast]
    if slow:
        worst = slow[0]
        line += (
            f" With {worst['level']:.0f} connections of {bandwidth:.0f} MB/s even curl is only "
            f"{_times(worst['curl'])} faster than (a), so {SPEED_UP:.0f}× needs more connections"
        )
        if fast:
            line += (
                f": set `DOWNLOAD_CONCURRENCY={fast[0]['level']:.0f}` where Ring's storage and your "
                "line allow it; the default stays lower to be gentle on Ring."
            )
        else:
            line += " than were measured."
    lines.append(line)
    per_device = warm["api_requests"] / warm["devices"]
    stored = warm["storage_requests"]
    storage = f"{stored} storage requests" if stored else "no storage request"
    lines.append(
        f"- **Warm re-run**: {storage}, {per_device:.0f} Ring API request(s) per device (the empty "
        f"page that ends a short history is the second), {warm['seconds']:.2f} s, most of it Python "
        "start-up."
    )
    if big:
        ratio = big["article_peak_rss_mb"] / (big["bytes"] / 1e6)
        lines.append(
            f"- **Memory**: {big['peak_rss_mb']:.0f} MB peak RSS while downloading a "
            f"{big['bytes'] / 1e9:.0f} GB recording, streamed in chunks; the article's design "
            f"needs {big['article_peak_rss_mb']:.0f} MB ({ratio:.1f} times the recording: the body "
            "is read whole, then copied)."
        )
    return lines


def _which(passing: list[dict[str, float]], levels: list[dict[str, float]]) -> str:
    if len(passing) == len(levels):
        return "yes at every level measured"
    if not passing:
        return "no"
    return "yes at " + " and ".join(f"{lv['level']:.0f}" for lv in passing) + " at once only"


def watch(f: Figures) -> str:
    """The watch-mode benchmark: how soon a ding is on disk and called back, by each way."""
    setup = f["setup"]
    lines = [
        f"{setup['dings']} dings each way on the emulator; {setup['cores']} cores. Polling: consumer API, "
        f"`WATCH_POLL_INTERVAL={setup['poll']:g}`, recordings ready {setup['prepare']:g} s after the "
        "ding (seconds from then). Push: consumer API, `WATCH_POLL_INTERVAL=60`, each ding pushed at "
        "once over the emulator's MCS socket (TLS), the same preparation time (seconds from "
        '"ready"). Webhook: Partner API, `WATCH_POLL_INTERVAL=60`, a signed webhook per ding once '
        'its clip exists, a fifth of them duplicated (seconds from the webhook). "To file" is '
        'sampled every 50 ms, so it can read a little after "to callback".',
        "",
        "| found by | to file, median | p95 | to callback, median | p95 | Ring requests/ding | note |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in f["rows"]:
        if not row["called_back"]:
            lines.append(f"| {row['way']} | - | - | - | - | {row['requests_per_ding']:.1f} | none arrived |")
            continue
        lines.append(
            f"| {row['way']} | {row['to_file_median']:.1f} | {row['to_file_p95']:.1f} "
            f"| {row['to_callback_median']:.1f} | {row['to_callback_p95']:.1f} "
            f"| {row['requests_per_ding']:.1f} | {row['called_back']} of {setup['dings']} called back |"
        )
    lines += ["", f"Command: `{f['command']}`"]
    return "\n".join(lines)


def first_look(f: Figures) -> str:
    """The first-look benchmark: from a ding to its still, its SNAPSHOT callback and its video's."""
    setup = f["setup"]
    lines = [
        f"{setup['dings']} dings each way on the emulator, 3 s apart; {setup['cores']} cores; seconds "
        f"from the ding. Ring has its picture {setup['still']:g} s after the ding (an assumption) and "
        f"the recording {setup['prepare']:g} s after. Push: consumer API, each ding pushed at once. "
        "Webhook: Partner API, a signed webhook at once (the still: the image download, 425 until "
        "Ring has it; the event: found in history meanwhile). Stills on disk are sampled every 20 ms.",
        "",
        "| found by | still on disk, median | p95 | SNAPSHOT callback, median | p95 "
        "| video callback, median | p95 | called back (still, video) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in f["rows"]:
        cells = " | ".join(
            f"{row[f'{key}_median']:.1f} | {row[f'{key}_p95']:.1f}" if f"{key}_median" in row else "- | -"
            for key in ("still", "snapshot", "video")
        )
        lines.append(
            f"| {row['way']} | {cells} | {row['snapshots']} and {row['videos']} of {setup['dings']} |"
        )
    lines += ["", f"Command: `{f['command']}`"]
    return "\n".join(lines)


def reliability(f: Figures) -> str:
    """The random-fault soak over several seeds: nothing lost, duplicated or fetched twice."""
    rows = [
        "| seed | events | faults injected | retries | calls | lost | duplicated | fetched twice | seconds |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for seed in f["seeds"]:
        rows.append(
            f"| {seed['seed']} | {seed['events']} | {seed['faults']} | {seed['retries']} "
            f"| {seed['calls']} | {seed['lost']} | {seed['duplicated']} | {seed['fetched_twice']} "
            f"| {seed['seconds']:.1f} |"
        )
    by_kind = ", ".join(f"{kind} {n}" for kind, n in sorted(f["faults_by_kind"].items()))
    lost = sum(seed["lost"] + seed["duplicated"] + seed["fetched_twice"] for seed in f["seeds"])
    verdict = (
        "Every recording on disk equals what the emulator served; none was lost, duplicated or fetched twice."
        if not lost
        else f"{lost} recording(s) lost, duplicated or fetched twice: a bug to chase."
    )
    return "\n".join(
        [
            f"Random faults on {f['rate']:.0%} of Ring requests (token, session, devices, history, "
            "recording URLs, storage): statuses 429/500/503, dropped connections, short bodies.",
            "",
            *rows,
            "",
            f"Faults by kind, all seeds: {by_kind}.",
            "",
            verdict,
            "",
            f"Command: `{f['command']}`",
        ]
    )


RENDERERS: dict[str, Callable[[Figures], str]] = {
    "downloads": downloads,
    "watch": watch,
    "first_look": first_look,
    "reliability": reliability,
}
# The page each figures file is written into, under docs/.
PAGES = {
    "downloads": "benchmarks.md",
    "watch": "benchmarks.md",
    "first_look": "benchmarks.md",
    "reliability": "reliability.md",
}
