"""The run folder ``OUT/<run_id>/``: the name of everything a run writes, and its start time.

Every module that writes into a run asks a :class:`RunFolder` for the path, so the names
(``run.json``, ``row_counts.csv``, ``etl_YYYYMMDDHHMMSS.results``, ``quality.csv``,
``load_errors.csv``, ``charts/``, ``star_schema.png``, ``report.html``) live here only.
Files are written atomically: a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a frame is handed in: ``sparkify run`` starts without importing pandas
    import pandas as pd

RUN_JSON = "run.json"
ROW_COUNTS = "row_counts.csv"
QUALITY = "quality.csv"
LOAD_ERRORS = "load_errors.csv"
LOAD_SUMMARY = "load.json"
CHARTS = "charts"
STAR_SCHEMA = "star_schema.png"
REPORT = "report.html"
RESULTS_GLOB = "etl_*.results"


PLAIN_ERRNO = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
}


def write_cause(exc: BaseException) -> str:
    """Why a write failed, in plain words first: ``disk full (No space left on device)``."""
    if isinstance(exc, OSError):
        detail = exc.strerror or str(exc)
        plain = PLAIN_ERRNO.get(exc.errno or 0)
        return f"{plain} ({detail})" if plain else detail
    return f"{type(exc).__name__}: {exc}"


def write_atomically(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class RunFolder:
    """One run's folder and start time (UTC)."""

    path: Path
    started_at: datetime

    @classmethod
    def open(cls, path: str | Path) -> RunFolder:
        """The folder (created if missing), started when its ``run.json`` says, else now."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        run_json = folder / RUN_JSON
        if run_json.exists():
            started = datetime.fromisoformat(json.loads(run_json.read_text())["started_at"])
        else:
            started = datetime.now(timezone.utc)
        return cls(folder, started)

    @property
    def run_id(self) -> str:
        """The folder's name (the runner's run id, or ``interactive``)."""
        return self.path.name

    @property
    def run_json(self) -> Path:
        """Parameters, status and each notebook's outcome."""
        return self.path / RUN_JSON

    @property
    def row_counts(self) -> Path:
        """``table,rows`` for every warehouse table."""
        return self.path / ROW_COUNTS

    @property
    def results_file(self) -> Path:
        """The original project's ``etl_YYYYMMDDHHMMSS.results`` (the run's start time)."""
        return self.path / f"etl_{self.started_at:%Y%m%d%H%M%S}.results"

    @property
    def quality(self) -> Path:
        """Every data check's outcome."""
        return self.path / QUALITY

    @property
    def load_errors(self) -> Path:
        """Every row COPY rejected."""
        return self.path / LOAD_ERRORS

    @property
    def load_summary(self) -> Path:
        """What this run's load staged and merged (``run.json`` carries it under ``load``)."""
        return self.path / LOAD_SUMMARY

    def read_load_summary(self) -> dict | None:
        """``load.json`` as a dict; None when the load did not get that far (or unreadable)."""
        try:
            summary = json.loads(self.load_summary.read_text())
        except (OSError, ValueError):
            return None
        return summary if isinstance(summary, dict) else None

    @property
    def charts_dir(self) -> Path:
        """``charts/`` (``save_chart`` creates it with the first chart; reading it, as the
        report does, creates nothing)."""
        return self.path / CHARTS

    @property
    def star_schema(self) -> Path:
        """The ER diagram drawn from ``sql/create``."""
        return self.path / STAR_SCHEMA

    @property
    def report(self) -> Path:
        """The page to open after a run."""
        return self.path / REPORT

    def notebook(self, name: str) -> Path:
        """Where the executed notebook ``name`` is kept."""
        return self.path / f"{name}.ipynb"

    def write_text(self, path: Path, text: str) -> Path:
        """Write one of this folder's files atomically."""
        return write_atomically(path, text)

    def write_csv(self, path: Path, frame: pd.DataFrame) -> Path:
        """Write a frame as CSV (no index) atomically."""
        return write_atomically(path, frame.to_csv(index=False))
