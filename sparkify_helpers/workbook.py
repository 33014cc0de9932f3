"""The notebooks' entry point: one object that knows the settings, the run folder and the warehouse.

Every notebook starts with ``wb = open_workbook(config, warehouse, out_dir, source)``
using the values of its ``parameters`` cell, so it runs the same in JupyterLab
(empty parameters: defaults) and headless under ``sparkify run``.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from sparkify_helpers import analytics, config, paths, targets
from sparkify_helpers.config import Settings
from sparkify_helpers.errors import SparkifyError
from sparkify_helpers.run_folder import RunFolder
from sparkify_helpers.targets import Target
from sparkify_helpers.warehouse import Warehouse, results_frame

log = logging.getLogger(__name__)

__all__ = [
    "FullFrame",
    "Workbook",
    "as_frame",
    "open_workbook",
    "results_frame",
    "run_started_at",
    "setup_logging",
]


HIDDEN_KEYS = ("secret", "password")  # never shown in a notebook, even as an ARN


def setup_logging(level: int = logging.INFO) -> None:
    """Show the package's progress logs in the notebook (idempotent)."""
    root = logging.getLogger("sparkify_helpers")
    if not any(getattr(h, "_sparkify", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        setattr(handler, "_sparkify", True)  # noqa: B010 (marks our handler, found above)
        root.addHandler(handler)
    root.setLevel(level)


@dataclass
class Workbook:
    """Settings, target, run folder and warehouse access for one notebook session."""

    target: Target
    run: RunFolder

    @property
    def settings(self) -> Settings:
        """The validated settings (with this session's overrides)."""
        return self.target.settings

    @property
    def run_dir(self) -> Path:
        """The run folder's path (``runs/interactive`` outside ``sparkify run``)."""
        return self.run.path

    @property
    def charts_dir(self) -> Path:
        """``<run_dir>/charts``, where ``wb.ask`` saves each chart."""
        return self.run.charts_dir

    @property
    def dwh_cfg_path(self) -> Path:
        """Where the original project's ``dwh.cfg`` is written (no password in it)."""
        return self.target.dwh_cfg_path

    def connect(self, *, read_only: bool = False) -> Warehouse:
        """Open the warehouse of this target (use it in a ``with`` block)."""
        return self.target.open_warehouse(read_only=read_only)

    def sql_connection(self, *, headless: bool = False) -> Any:
        """What ``%sql`` takes (read-only, Redshift SQL); None when headless on Redshift."""
        return self.target.sql_connection(headless=headless)

    def ask(self, name: str) -> analytics.Answer:
        """Answer one marketing question on the warehouse (read-only); chart in ``charts/``."""
        with self.connect(read_only=True) as warehouse:
            return analytics.ask(warehouse, name, self.charts_dir)

    def sql_dir(self, folder: str) -> Path:
        """``sql/<folder>`` (create, copy, insert, checks, analytics)."""
        return paths.sql_dir() / folder

    def endpoint_url(self) -> str | None:
        """The AWS endpoint in use: the emulator's on the local target, None for AWS itself."""
        try:
            return self.target.endpoint_url()
        except SparkifyError:
            return None

    def describe_target(self) -> str:
        """One paragraph in plain words about where this notebook's calls go."""
        return self.target.describe()


def run_started_at(out_dir: str | Path = "") -> datetime:
    """The run's start time (UTC) as the runner recorded it in ``run.json``, else now."""
    if out_dir:
        return RunFolder.open(out_dir).started_at
    return datetime.now(timezone.utc)


class FullFrame(pd.DataFrame):
    """A DataFrame that shows every value in full, HTML and text alike: the endpoint and role
    ARN people copy from notebook 01 are never cut to ``...``."""

    @property
    def _constructor(self):
        return FullFrame

    def _repr_html_(self) -> str | None:
        with pd.option_context("display.max_colwidth", None):
            return super()._repr_html_()  # type: ignore[misc]  # not in pandas-stubs

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None):
            return super().__repr__()


def as_frame(obj) -> pd.DataFrame:
    """A (setting, value) frame of a dict, dataclass or model, without secret-looking keys,
    shown in full (:class:`FullFrame`)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    elif hasattr(obj, "model_dump"):
        obj = obj.model_dump()
    rows = [
        (key, ", ".join(map(str, value)) if isinstance(value, list | tuple) else value)
        for key, value in obj.items()
        if not any(word in key.lower() for word in HIDDEN_KEYS)
    ]
    return FullFrame(rows, columns=["setting", "value"]).set_index("setting")


def open_workbook(
    config_path: str = "", warehouse: str = "", out_dir: str = "", source: str = ""
) -> Workbook:
    """Load settings (with the run's overrides) and pick the run folder."""
    setup_logging()
    settings = config.load_settings(config_path or None)
    if warehouse:
        settings = settings.with_overrides(warehouse_path=warehouse)
    if source.startswith("s3://"):
        prefix = source.rstrip("/")
        settings = settings.with_overrides(
            log_data=f"{prefix}/log_data",
            log_jsonpath=f"{prefix}/log_json_path.json",
            song_data=f"{prefix}/song_data",
        )
    run = RunFolder.open(Path(out_dir) if out_dir else paths.default_runs_dir() / "interactive")
    return Workbook(target=targets.for_settings(settings), run=run)
