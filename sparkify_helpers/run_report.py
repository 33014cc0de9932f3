"""``report.html``: the one page someone opens after a scheduled run.

It gathers the run's parameters and per-notebook timings, row counts, data-check
results, load errors and every chart, and links each executed notebook rendered
as HTML with nbconvert (or takes the copies the runner rendered while the run went on).
"""

from __future__ import annotations

import base64
import functools
import html
import logging
import re
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from sparkify_helpers import report, run_story
from sparkify_helpers.analytics import QUESTIONS, sentence_path
from sparkify_helpers.run_folder import RESULTS_GLOB, RunFolder, write_atomically
from sparkify_helpers.run_record import RunResult

log = logging.getLogger(__name__)

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#1f2933;padding:0 1rem}
h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #e4e7eb;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
th,td{border:1px solid #e4e7eb;padding:.3rem .6rem;text-align:left;vertical-align:top;
max-width:32rem;overflow-wrap:break-word} .scroll{overflow-x:auto}
th{background:#f5f7fa} .ok{color:#1b7f3b;font-weight:600}
.failed,.fail{color:#c62828;font-weight:600}
.warn,.interrupted{color:#b26a00;font-weight:600} .muted{color:#7b8794}
.interactive{color:#1f6f8b;font-weight:600}
figure{margin:1.2rem 0} figure img{max-width:100%;border:1px solid #e4e7eb}
figcaption{color:#52606d;font-size:.9rem} .sentence{font-weight:600;margin:.4rem 0}
"""


def render_notebook_html(notebook: Path) -> Path | None:
    """Render an executed notebook next to it as ``.html`` (None when it cannot)."""
    if not notebook.exists():
        return None
    try:
        with _exporting:  # one exporter (its templates compiled once), one notebook at a time
            body, _ = _exporter().from_filename(str(notebook))
    except Exception:  # a broken notebook must not stop the report
        log.exception("could not render %s", notebook)
        return None
    target = notebook.with_suffix(".html")
    write_atomically(target, offline(body))
    return target


_exporting = threading.Lock()


@functools.cache
def _exporter() -> Any:
    """nbconvert's HTML exporter: made once, as nbconvert's own command does for many
    notebooks (a new one compiles its templates again: 0.1 s a notebook)."""
    from nbconvert import HTMLExporter

    return HTMLExporter()


# a <script> element: its attributes, its text (raw text: it ends at the first </script>)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def offline(page: str) -> str:
    """The page without scripts that fetch from the network (nbconvert's lab template links
    require.js and MathJax, and imports Mermaid, from a CDN; the executed notebooks need none
    of them), so it opens the same on a machine with no network. Each script's opening tag is
    read with BeautifulSoup; the rest of the page is left as nbconvert wrote it (a parse of a
    whole page of embedded charts costs a quarter of a second)."""
    from bs4 import BeautifulSoup  # here: a notebook importing the package does not need it

    def without_network(script: re.Match[str]) -> str:
        tag = BeautifulSoup(f"<script{script[1]}></script>", features="html.parser").script
        src = str(tag.get("src") or "") if tag is not None else ""
        if urlsplit(src).scheme in ("http", "https") or "https://" in script[2]:
            return ""
        return script[0]

    return _SCRIPT.sub(without_network, page)


def _table(frame: pd.DataFrame | None, empty: str) -> str:
    if frame is None or frame.empty:
        return f'<p class="muted">{html.escape(empty)}</p>'
    return frame.to_html(index=False, border=0, escape=True, na_rep="")


def _read_csv(path: Path) -> pd.DataFrame | None:
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return None


def _status(text: str) -> str:
    return f'<span class="{html.escape(text)}">{html.escape(text)}</span>'


def _notebooks_section(result: RunResult, rendered: Mapping[Path, Future[Path | None]]) -> str:
    if not result.notebooks:  # an interactive session: each notebook holds its own outputs
        return (
            "<h2>Notebooks</h2><p class='muted'>Stepped through in JupyterLab: each notebook's "
            "outputs are in the notebook itself. This page shows what the session left in "
            f"<code>{html.escape(str(result.run_dir))}</code>.</p>"
        )
    rows = []
    for nb in result.notebooks:
        pending = rendered.get(nb.output)
        copy = pending.result() if pending is not None else render_notebook_html(nb.output)
        link = (
            f'<a href="{html.escape(copy.name)}">{html.escape(nb.name)}</a>'
            if copy
            else html.escape(nb.name)
        )
        where = f"cell {nb.failed_cell}: " if nb.failed_cell is not None else ""
        error = html.escape(f"{where}{nb.error}") if nb.error else ""
        rows.append(
            f"<tr><td>{link}</td><td>{_status(nb.status)}</td>"
            f"<td>{nb.seconds:.1f}</td><td>{error}</td></tr>"
        )
    head = "<tr><th>notebook</th><th>status</th><th>seconds</th><th>error</th></tr>"
    return f"<h2>Notebooks</h2><table>{head}{''.join(rows)}</table>"


def _quality_section(run: RunFolder) -> str:
    frame = _read_csv(run.quality)
    if frame is not None and "status" in frame:
        frame = frame.drop(columns=["sample"], errors="ignore")
        body = frame.to_html(index=False, border=0, escape=True, na_rep="")
        for status in ("pass", "warn", "fail"):
            body = body.replace(f"<td>{status}</td>", f"<td>{_status(status)}</td>")
    else:
        body = _table(None, "No data checks ran.")
    return f"<h2>Data checks</h2>{body}"


def _load_errors_section(result: RunResult, limit: int = 50) -> str:
    run = result.run
    if not run_story.copy_ran(result):
        note = html.escape(run_story.copy_not_run(result))
        return f"<h2>Load errors</h2><p class='warn'>{note}</p>"
    frame = _read_csv(run.load_errors)
    if frame is None or frame.empty:
        return "<h2>Load errors</h2><p class='ok'>No rows were rejected by COPY.</p>"
    shown = frame.head(limit)
    rows = "row" if len(frame) == 1 else "rows"
    note = f"<p>{len(frame):,} rejected {rows} (first {len(shown)} shown).</p>"
    readings = "".join(
        f"<li>{html.escape(run_story.read_load_error(row))}</li>" for _, row in shown.iterrows()
    )
    raw = f"<div class='scroll'>{_table(shown, '')}</div>"
    return f"<h2>Load errors</h2>{note}<ul class='readings'>{readings}</ul>{raw}"


def _charts_section(run: RunFolder) -> str:
    order = list(QUESTIONS)
    charts = sorted(
        run.charts_dir.glob("*.png"),
        key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem),
    )
    if not charts:
        return "<h2>Charts</h2><p class='muted'>No charts were produced.</p>"
    figures = []
    for png in charts:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        title = QUESTIONS[png.stem].title if png.stem in QUESTIONS else png.stem.replace("_", " ")
        caption = html.escape(title)
        sentence_file = sentence_path(png)
        sentence = sentence_file.read_text(encoding="utf-8") if sentence_file.exists() else ""
        alt = html.escape(f"{title}. {sentence}".strip(), quote=True)
        figures.append(
            f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">'
            + (f"<p class='sentence'>{html.escape(sentence)}</p>" if sentence else "")
            + f"<figcaption>{caption} · <a href='charts/{html.escape(png.name)}'>PNG</a>"
            "</figcaption></figure>"
        )
    return "<h2>Charts</h2>" + "".join(figures)


def _row_counts(run: RunFolder) -> pd.DataFrame | None:
    """``row_counts.csv`` with thousands separators (6,820, not 6820)."""
    counts = _read_csv(run.row_counts)
    if counts is not None and "rows" in counts:
        counts["rows"] = counts["rows"].map("{:,}".format)
    if counts is not None and "delta" in counts:
        counts = counts.rename(columns={"delta": "this run"})
        counts["this run"] = counts["this run"].map("{:+,}".format)
    return counts


def _load_note(run: RunFolder) -> str:
    """One paragraph: what this run's load staged and merged (from ``load.json``)."""
    summary = run.read_load_summary()
    if summary is None:
        return ""
    lines = report.load_lines(summary)
    return f"<p>{html.escape(lines[0])}</p>" if lines else ""


def _results_note(run: RunFolder) -> str:
    """The match-rate line of the run's ``etl_*.results``, when the load got that far."""
    for results in sorted(run.path.glob(RESULTS_GLOB), reverse=True):  # newest first
        for line in results.read_text().splitlines():
            if line.startswith("songplays match rate:"):
                caveat = run_story.match_caveat(line)
                warn = f"<p class='warn'>{html.escape(caveat)}</p>" if caveat else ""
                link = f"<a href='{results.name}'>{results.name}</a>"
                return f"<p>{html.escape(line)} · {link}</p>{warn}"
    return ""


def _schema_section(run: RunFolder) -> str:
    diagram = run.star_schema
    if not diagram.exists():
        return ""
    data = base64.b64encode(diagram.read_bytes()).decode("ascii")
    return (
        "<h2>Star schema</h2><figure><img alt='Star schema drawn from sql/create' "
        f"src='data:image/png;base64,{data}'></figure>"
    )


def _failure_section(result: RunResult) -> str:
    """For a failed or interrupted run: what failed and what the warehouse still holds."""
    if result.status == "ok" or not result.notebooks:
        return ""
    failed = run_story.what_failed(result) or "The run stopped before any notebook failed."
    return (
        f"<h2>What went wrong</h2><p class='failed'>{html.escape(failed)}</p>"
        f"<p class='held'>{html.escape(run_story.what_is_held(result))}</p>"
    )


def _seeding_work(seeded: dict[str, object]) -> str:
    """``; N written, M removed, in S s`` when the run recorded it (older runs did not)."""
    if "uploaded" not in seeded:
        return ""
    return (
        f"; {seeded['uploaded']:,} written (the others were already in the bucket),"
        f" {seeded.get('removed', 0):,} removed, in {seeded.get('seconds', 0):.1f} s"
    )


def build_report(
    result: RunResult, rendered: Mapping[Path, Future[Path | None]] | None = None
) -> str:
    """The HTML of ``report.html`` for a finished (or failed) run; ``rendered``: the HTML
    copies of notebooks already being rendered (by :func:`render_notebook_html`)."""
    run = result.run
    state = result.status if result.notebooks else "interactive"
    stopped = ""
    if result.interrupted_by:
        stopped = (
            f" · interrupted by {html.escape(result.interrupted_by)}: the notebooks after "
            "the one it stopped did not run"
        )
    params = pd.DataFrame(sorted(result.parameters.items()), columns=["parameter", "value"])
    seeded = ""
    if result.seeded:
        seeded = (
            f"<p>Emulator bucket seeded from <code>{html.escape(result.seeded['folder'])}</code>:"
            f" {result.seeded['objects']:,} objects, {result.seeded['bytes']:,} bytes"
            f"{_seeding_work(result.seeded)}.</p>"
        )
    return "".join(
        [
            "<!doctype html><html><head><meta charset='utf-8'>",
            f"<title>Sparkify run {html.escape(result.run_id)}</title>",
            f"<style>{STYLE}</style></head><body>",
            f"<h1>Sparkify run {html.escape(result.run_id)}</h1>",
            f"<p>Status {_status(state)} · started {result.started_at:%Y-%m-%d %H:%M:%S} UTC"
            f"{stopped}</p>",
            _failure_section(result),
            "<h2>Parameters</h2>",
            _table(params, ""),
            seeded,
            _notebooks_section(result, rendered or {}),
            "<h2>Row counts</h2>",
            _table(_row_counts(run), "No row counts (the load did not finish)."),
            _load_note(run),
            _results_note(run),
            _quality_section(run),
            _load_errors_section(result),
            _charts_section(run),
            _schema_section(run),
            "</body></html>",
        ]
    )


def write_report(
    result: RunResult, rendered: Mapping[Path, Future[Path | None]] | None = None
) -> Path:
    """Write ``report.html`` into the run folder (``rendered`` as for :func:`build_report`)."""
    return result.run.write_text(result.run.report, build_report(result, rendered))
