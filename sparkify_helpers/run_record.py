"""What a run did: each notebook's outcome and the run as a whole (what ``run.json`` holds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sparkify_helpers.run_folder import RunFolder


@dataclass
class NotebookRun:
    """One executed notebook: where it landed, how long it took, how it failed."""

    name: str
    output: Path
    seconds: float = 0.0
    status: str = "pending"  # then ok, failed or interrupted
    failed_cell: int | None = None
    error: str | None = None
    started_at: datetime | None = None


@dataclass
class RunResult:
    """A whole run: its folder, parameters and each notebook's outcome."""

    run_id: str
    run_dir: Path
    parameters: dict[str, str | bool]  # what papermill passes (full_refresh is a bool)
    started_at: datetime
    notebooks: list[NotebookRun] = field(default_factory=list)
    seeded: dict[str, Any] | None = None
    interrupted_by: str | None = None  # SIGINT or SIGTERM when a signal stopped the run
    finished_at: datetime | None = None
    write_errors: list[str] = field(default_factory=list)  # run files that could not be written

    @property
    def run(self) -> RunFolder:
        """The run folder: where each of the run's files goes."""
        return RunFolder(self.run_dir, self.started_at)

    @property
    def ok(self) -> bool:
        """True when every notebook ran and succeeded."""
        return bool(self.notebooks) and all(nb.status == "ok" for nb in self.notebooks)

    @property
    def status(self) -> str:
        """``interrupted`` (a signal stopped it), ``ok`` (every notebook ran) or ``failed``."""
        if self.interrupted_by is not None:
            return "interrupted"
        return "ok" if self.ok else "failed"

    @property
    def failure(self) -> NotebookRun | None:
        """The notebook that failed, if any."""
        return next((nb for nb in self.notebooks if nb.status == "failed"), None)
