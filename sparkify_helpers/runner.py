"""Headless workbook runs: every notebook in order through papermill.

``run_workbook`` owns the local emulator for the whole run (start, seed, stop),
executes ``01``..``04`` (``05`` on request) into ``OUT/<run_id>/``, keeps every
executed notebook even when one fails, writes ``report.html`` and points
``OUT/latest`` at the run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import papermill
from papermill.exceptions import PapermillExecutionError

from sparkify_helpers import config, paths
from sparkify_helpers.errors import ConfigError

log = logging.getLogger(__name__)

WORKBOOK = ("01_provision", "02_create_tables", "03_load", "04_marketing_analytics")
TEARDOWN = "05_teardown"
BASE_PARAMETERS = ("config", "run_id", "out_dir", "source", "warehouse")
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
    run_id: str | None = None
    events: int = DEFAULT_EVENTS
    seed: int = DEFAULT_SEED
    kernel_name: str | None = None
    notebook_dir: Path | None = None  # where the notebooks are read from (default notebooks/)
    notebooks: tuple[str, ...] | None = None  # names to run in order (default the workbook's)


@dataclass
class NotebookRun:
    """One executed notebook: where it landed, how long it took, how it failed."""

    name: str
    output: Path
    seconds: float = 0.0
    status: str = "pending"
    failed_cell: int | None = None
    error: str | None = None


@dataclass
class RunResult:
    """A whole run: its folder, parameters and each notebook's outcome."""

    run_id: str
    run_dir: Path
    parameters: dict
    started_at: datetime
    notebooks: list[NotebookRun] = field(default_factory=list)
    seeded: dict | None = None

    @property
    def ok(self) -> bool:
        """True when every notebook ran and succeeded."""
        return bool(self.notebooks) and all(nb.status == "ok" for nb in self.notebooks)

    @property
    def failure(self) -> NotebookRun | None:
        """The notebook that failed, if any."""
        return next((nb for nb in self.notebooks if nb.status == "failed"), None)


def new_run_id(now: datetime | None = None) -> str:
    """A sortable run id such as ``20261129-054311``."""
    return f"{(now or datetime.now(timezone.utc)):%Y%m%d-%H%M%S}"


def notebook_parameters(name: str, base: dict) -> dict:
    """The papermill parameters the runner passes to one notebook."""
    params = dict(base)
    if name == TEARDOWN:
        params["teardown"] = True
    return params


def resolve_source(settings, source: str | None) -> str | None:
    """Check ``--source`` for the target: a folder for local, a folder or s3:// for redshift."""
    if source is None:
        return None
    if source.startswith("s3://"):
        if settings.target == "local":
            raise ConfigError(
                f"--source {source}: the local target reads its emulator's bucket; pass a "
                "local folder laid out like the public bucket (song_data/, log_data/, "
                "log_json_path.json), or use config/redshift.yaml to read S3 directly."
            )
        return source.rstrip("/")
    folder = Path(source).expanduser().resolve()
    if not (folder / "song_data").is_dir() or not (folder / "log_data").is_dir():
        raise ConfigError(
            f"--source {source}: expected a folder holding song_data/, log_data/ and "
            "log_json_path.json (the public bucket's layout)."
        )
    if settings.target != "local":
        raise ConfigError(
            f"--source {source}: the redshift target loads from S3; upload the folder to a "
            "bucket and pass --source s3://bucket/prefix."
        )
    return str(folder)


def generated_source(events: int, seed: int) -> Path:
    """A cached synthetic dataset for runs without ``--source`` (regenerated if incomplete)."""
    from sparkify_helpers import datagen

    folder = paths.state_dir() / "generated" / f"events-{events}-seed-{seed}"
    manifest = folder / "_generated.json"
    done = manifest.exists() and json.loads(manifest.read_text()).get("complete") is True
    if not done:
        datagen.generate(folder, events=events, seed=seed, progress=False)
    return folder


def seed_emulator(settings, source: str | None, events: int, seed: int) -> dict:
    """Fill the emulator's bucket from ``source`` (a folder) or a generated dataset."""
    from sparkify_helpers import emulator

    folder = Path(source) if source else generated_source(events, seed)
    local = config.load_settings(settings.config_path)  # sees the emulator's endpoint now
    summary = emulator.seed_bucket(
        local, folder, bucket=settings.source.bucket, cache_dir=paths.copy_cache_dir()
    )
    log.info("seeded s3://%s from %s: %s", settings.source.bucket, folder, summary)
    return {"folder": str(folder), "objects": summary.objects, "bytes": summary.bytes}


def run_workbook(options: RunOptions) -> RunResult:
    """Run the workbook headless; the result says which notebook and cell failed, if any."""
    settings = config.load_settings(options.config)
    if settings.target != "local":
        from sparkify_helpers import aws

        aws.make_session(settings)  # no credentials: say so now, before any notebook runs
    started_at = datetime.now(timezone.utc)
    run_id = options.run_id or new_run_id(started_at)
    out = Path(options.out or paths.default_runs_dir()).expanduser().resolve()
    run_dir = out / run_id
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ConfigError(f"Run folder {run_dir} already exists; pick another --run-id.")
    run_dir.mkdir(parents=True, exist_ok=True)
    source = resolve_source(settings, options.source)
    warehouse = Path(options.warehouse or settings.local.warehouse_path).expanduser().resolve()
    config_path = str(Path(settings.config_path).resolve()) if settings.config_path else ""
    values = (config_path, run_id, str(run_dir), source or "", str(warehouse))
    base = dict(zip(BASE_PARAMETERS, values, strict=True))
    result = RunResult(run_id, run_dir, base, started_at)
    _write_run_json(result)  # the notebooks read the run's start time from it
    names = WORKBOOK + ((TEARDOWN,) if options.teardown else ())
    if options.notebooks is not None:
        names = tuple(options.notebooks)
    notebook_dir = Path(options.notebook_dir or paths.notebooks_dir())
    try:
        with _emulator_for(settings):
            if settings.target == "local":
                result.seeded = seed_emulator(settings, source, options.events, options.seed)
            for name in names:
                params = notebook_parameters(name, base)
                nb = _execute(name, params, run_dir, options.kernel_name, notebook_dir)
                result.notebooks.append(nb)
                if nb.status != "ok":
                    break
    finally:
        _write_run_json(result)
        _write_report(result)
        _point_latest(out, run_id)
    return result


@contextlib.contextmanager
def _emulator_for(settings):
    """Start the emulator for a local run (stopped whatever happens); nothing for redshift."""
    if settings.target != "local":
        yield None
        return
    from sparkify_helpers import emulator

    with emulator.running() as info:
        yield info.endpoint_url


def _execute(
    name: str, params: dict, run_dir: Path, kernel_name: str | None, notebook_dir: Path
) -> NotebookRun:
    source = notebook_dir / f"{name}.ipynb"
    nb = NotebookRun(name, run_dir / f"{name}.ipynb")
    started = time.perf_counter()
    log.info("running %s", name)
    try:
        papermill.execute_notebook(
            str(source),
            str(nb.output),
            parameters=params,
            kernel_name=kernel_name,
            cwd=str(notebook_dir),
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
    (result.run_dir / "run.json").write_text(json.dumps(payload, indent=2))


def _write_report(result: RunResult) -> None:
    from sparkify_helpers import run_report

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
