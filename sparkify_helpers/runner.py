"""Headless workbook runs: every notebook in order through papermill.

``run_workbook`` asks the target for what the run needs (locally: the emulator started,
seeded and stopped), executes ``01``..``04`` (``05`` on request) into ``OUT/<run_id>/``,
keeps every executed notebook even when one fails, writes ``report.html`` and points
``OUT/latest`` at the run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import papermill
from papermill.exceptions import PapermillExecutionError

from sparkify_helpers import config, paths, run_report, targets
from sparkify_helpers.errors import ConfigError
from sparkify_helpers.run_folder import RunFolder
from sparkify_helpers.run_record import NotebookRun, RunResult

log = logging.getLogger(__name__)

__all__ = ["NotebookRun", "RunOptions", "RunResult", "kernel_environment", "run_workbook"]

WORKBOOK = ("01_provision", "02_create_tables", "03_load", "04_marketing_analytics")
TEARDOWN = "05_teardown"
BASE_PARAMETERS = ("config", "run_id", "out_dir", "source", "warehouse", "full_refresh")
DEFAULT_EVENTS = 20_000
DEFAULT_SEED = 42


@dataclass
class RunOptions:
    """What ``sparkify run`` was asked to do."""

    config: Path | None = None
    source: str | None = None
    out: Path | None = None
    warehouse: Path | None = None
    teardown: bool = False
    full_refresh: bool = False  # rebuild every table (02 and 03 get ``full_refresh=True``)
    run_id: str | None = None
    events: int = DEFAULT_EVENTS
    seed: int = DEFAULT_SEED
    kernel_name: str | None = None
    notebook_dir: Path | None = None  # where the notebooks are read from (default notebooks/)
    notebooks: tuple[str, ...] | None = None  # names to run in order (default: the workbook)


def new_run_id(now: datetime | None = None) -> str:
    """A sortable run id such as ``20261129-054311``."""
    return f"{(now or datetime.now(timezone.utc)):%Y%m%d-%H%M%S}"


def notebook_parameters(name: str, base: dict) -> dict:
    """The papermill parameters the runner passes to one notebook."""
    params = dict(base)
    if name == TEARDOWN:
        params["teardown"] = True
    return params


def run_workbook(options: RunOptions) -> RunResult:
    """Run the workbook headless; the result says which notebook and cell failed, if any."""
    settings = config.load_settings(options.config)
    if options.warehouse:
        local_file = Path(options.warehouse).expanduser().resolve()  # relative to the caller
        settings = settings.with_overrides(warehouse_path=local_file)
    target = targets.for_settings(settings)
    target.check_ready()
    started_at = datetime.now(timezone.utc)
    run_id = options.run_id or new_run_id(started_at)
    out = Path(options.out or paths.default_runs_dir()).expanduser().resolve()
    run_dir = out / run_id
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ConfigError(f"Run folder {run_dir} already exists; pick another --run-id.")
    source = target.check_source(options.source)
    run_dir.mkdir(parents=True, exist_ok=True)
    warehouse = Path(settings.local.warehouse_path)
    config_path = str(Path(settings.config_path).resolve()) if settings.config_path else ""
    values: tuple[str | bool, ...] = (
        config_path, run_id, str(run_dir), source or "", str(warehouse), options.full_refresh,
    )  # fmt: skip
    base = dict(zip(BASE_PARAMETERS, values, strict=True))
    result = RunResult(run_id, run_dir, base, started_at)
    _write_run_json(result)  # the notebooks read the run's start time from it
    try:
        with target.run_scope(source, options.events, options.seed) as scope:
            result.seeded = scope.seeded
            with kernel_environment(scope.environment):
                for name in _notebook_names(options):
                    nb = _execute(name, notebook_parameters(name, base), result.run, options)
                    result.notebooks.append(nb)
                    if nb.status != "ok":
                        break
    finally:
        _write_run_json(result)
        _write_report(result)
        _point_latest(out, run_id)
    return result


def _notebook_names(options: RunOptions) -> tuple[str, ...]:
    """The notebooks to run, in order: as asked, else 01..04 (and 05 with teardown)."""
    if options.notebooks is not None:
        return options.notebooks
    return WORKBOOK + ((TEARDOWN,) if options.teardown else ())


@contextlib.contextmanager
def kernel_environment(environment: dict[str, str]) -> Iterator[None]:
    """Export what the target's kernels need (the one channel to them), restored after."""
    previous = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _execute(name: str, params: dict, run: RunFolder, options: RunOptions) -> NotebookRun:
    folder = options.notebook_dir or paths.notebooks_dir()
    source = folder / f"{name}.ipynb"
    nb = NotebookRun(name, run.notebook(name))
    started = time.perf_counter()
    log.info("running %s", name)
    try:
        papermill.execute_notebook(
            str(source),
            str(nb.output),
            parameters=params,
            kernel_name=options.kernel_name,
            cwd=str(folder),
            progress_bar=False,
            report_mode=False,
        )
        nb.status = "ok"
    except PapermillExecutionError as exc:
        nb.status, nb.failed_cell = "failed", exc.exec_count
        nb.error = f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, notebook unreadable: still a failed notebook
        nb.status, nb.error = "failed", f"{type(exc).__name__}: {exc}"
    nb.seconds = time.perf_counter() - started
    log.info("%s %s in %.1fs", name, nb.status, nb.seconds)
    return nb


def _write_run_json(result: RunResult) -> None:
    payload = {
        "run_id": result.run_id,
        "started_at": result.started_at.isoformat(),
        "parameters": result.parameters,
        "seeded": result.seeded,
        "ok": result.ok,
        "notebooks": [{**asdict(nb), "output": str(nb.output.name)} for nb in result.notebooks],
    }
    result.run.write_text(result.run.run_json, json.dumps(payload, indent=2))


def _write_report(result: RunResult) -> None:
    try:
        run_report.write_report(result)
    except Exception:  # a report problem must not hide the run's own outcome
        log.exception("could not write report.html for %s", result.run_dir)


def _point_latest(out: Path, run_id: str) -> None:
    """Atomically point ``OUT/latest`` at the run folder."""
    link = out / "latest"
    if link.exists() and not link.is_symlink():
        log.warning("%s is not a symlink; leaving it alone (the run is in %s)", link, out / run_id)
        return
    tmp = out / f".latest-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp, link)
