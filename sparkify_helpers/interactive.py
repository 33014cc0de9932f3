"""``runs/interactive/report.html``: the same page a headless run leaves, for notebooks
stepped through in JupyterLab (03 and 04 end by writing it)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from sparkify_helpers import run_report
from sparkify_helpers.run_record import RunResult
from sparkify_helpers.workbook import Workbook

log = logging.getLogger(__name__)


def write_report(wb: Workbook, run_id: str = "") -> Path | None:
    """Write ``report.html`` into the workbook's run folder and return its path; None under
    ``sparkify run`` (``run_id`` set), whose runner writes the run's own report at the end."""
    if run_id:
        return None
    result = RunResult(
        run_id=wb.run.run_id,
        run_dir=wb.run_dir,
        parameters={"session": "interactive (notebooks stepped through in JupyterLab)"},
        started_at=wb.run.started_at,
        finished_at=datetime.now(timezone.utc),
    )
    path = run_report.write_report(result)
    log.info("report written: %s", path)
    return path
