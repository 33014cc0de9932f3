"""Load reports: ``row_counts.csv``, the original ``etl_*.results`` file, ``load_errors.csv``."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from sparkify_helpers import paths
from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.run_folder import RunFolder
from sparkify_helpers.warehouse import Warehouse

log = logging.getLogger(__name__)

MATCH_RATE_QUERY = "SELECT COUNT(*) AS plays, COUNT(song_id) AS matched_plays FROM songplays"


@dataclass(frozen=True)
class MatchRate:
    """How many songplays resolved to a catalogue song."""

    plays: int
    matched: int

    @property
    def share(self) -> float:
        """matched / plays (0 when there are no plays)."""
        return self.matched / self.plays if self.plays else 0.0

    def __str__(self) -> str:
        return f"{self.share:.2%} ({self.matched:,} of {self.plays:,} plays matched a song)"


def row_counts(warehouse: Warehouse, tables: Iterable[str] | None = None) -> pd.DataFrame:
    """A ``table,rows`` frame of ``tables``; by default the catalog's: staging, fact, dimensions
    (not the control tables)."""
    if tables is None:
        catalog = read_catalog()
        tables = [n for n in catalog.dependents_first() if not catalog.table(n).control]
    return warehouse.row_counts(tables)


def match_rate(warehouse: Warehouse) -> MatchRate:
    """The songplays match rate against the song catalogue."""
    frame = warehouse.query_file(paths.sql_dir() / "analytics" / "70_match_rate.sql")
    return MatchRate(int(frame.iloc[0]["plays"]), int(frame.iloc[0]["matched_plays"]))


def with_delta(counts: pd.DataFrame, previous: Mapping[str, int]) -> pd.DataFrame:
    """``counts`` with a ``delta`` column after ``rows``: this run's change.

    A table in ``previous`` (the star tables, at the publish before this run) gets
    ``rows - previous``; any other table (staging: scratch each run) holds only what this run
    staged, so its delta is its rows.
    """
    out = counts[["table", "rows"]].copy()
    out["delta"] = [
        int(rows) - int(previous[table]) if table in previous else int(rows)
        for table, rows in zip(out["table"], out["rows"], strict=True)
    ]
    return out


def write_row_counts(counts: pd.DataFrame, run: RunFolder) -> Path:
    """Write ``row_counts.csv``: ``table,rows`` (the contract), then ``delta`` when known."""
    columns = ["table", "rows", *(["delta"] if "delta" in counts else [])]
    return run.write_csv(run.row_counts, counts[columns])


def load_lines(summary: Mapping[str, object] | None) -> list[str]:
    """The results file's lines about this run's load: files staged, rows, plays merged."""
    if not summary:
        return []
    if summary.get("published") is False:
        return [f"This run: {summary.get('note') or 'nothing new to load'}", ""]
    return [
        f"This run: {summary.get('files_staged', 0):,} files staged, "
        f"{summary.get('rows_staged', 0):,} rows staged, "
        f"{summary.get('rows_rejected', 0):,} rows rejected, "
        f"{summary.get('plays_merged', 0):,} plays merged",
        "",
    ]


def results_text(
    counts: pd.DataFrame,
    started_at: datetime,
    rate: MatchRate | None,
    summary: Mapping[str, object] | None = None,
) -> str:
    """The original project's ``etl_*.results``: one block per table with its rows (and this
    run's change, when known), then the match rate and what this run loaded."""
    lines = [f"Sparkify ETL results, run started {started_at:%Y-%m-%d %H:%M:%S %Z}".rstrip(), ""]
    for row in counts.to_dict("records"):
        lines += [f"Table: {row['table']}", f"Rows: {row['rows']}"]
        if "delta" in row:
            lines.append(f"This run: {int(row['delta']):+d}")
        lines.append("")
    if rate is not None:
        lines += [f"songplays match rate: {rate}", ""]
    lines += load_lines(summary)
    return "\n".join(lines)


def write_results_file(
    counts: pd.DataFrame,
    run: RunFolder,
    rate: MatchRate | None = None,
    summary: Mapping[str, object] | None = None,
) -> Path:
    """Write ``etl_YYYYMMDDHHMMSS.results`` for the run's start time."""
    return run.write_text(run.results_file, results_text(counts, run.started_at, rate, summary))


def write_load_errors(frame: pd.DataFrame, run: RunFolder) -> Path:
    """Write ``load_errors.csv`` (a header-only file when nothing was rejected)."""
    return run.write_csv(run.load_errors, frame)
