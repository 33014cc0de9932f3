"""Headless workbook runs: every notebook in order through papermill.

``run_workbook`` asks the target for what the run needs (locally: the emulator started,
seeded and stopped), executes ``01``..``04`` (``05`` on request) into ``OUT/<run_id>/``,
keeps every executed notebook even when one fails (each save atomic), writes ``run.json``
(``status``: ok, failed or interrupted) and ``report.html``, and points ``OUT/latest`` at the
run and ``OUT/last-ok`` at it when it succeeded. It holds the target's run lock throughout
and turns SIGINT/SIGTERM into an orderly stop recorded as ``interrupted``. The notebooks run
in one kernel, reset between them as if fresh (:mod:`sparkify_helpers.run_kernel`). Work
beside the notebooks runs in threads (:mod:`sparkify_helpers.run_overlap`): late imports while
the emulator starts, each notebook's HTML copy while the next runs, and, after notebooks that
ended on their own, the emulator's stop and the idle kernel's exit while the report is written.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from traitlets.config import Config

from sparkify_helpers import config, paths, progress, targets
from sparkify_helpers.errors import ConfigError
from sparkify_helpers.run_folder import write_atomically, write_cause
from sparkify_helpers.run_kernel import RunKernel, kernelspec_name, warm_up_code
from sparkify_helpers.run_overlap import Overlap
from sparkify_helpers.run_record import NotebookRun, RunResult

log = logging.getLogger(__name__)

__all__ = [
    "NotebookRun",
    "RunInterrupted",
    "RunOptions",
    "RunResult",
    "kernel_environment",
    "run_workbook",
]

WORKBOOK = ("01_provision", "02_create_tables", "03_load", "04_marketing_analytics")
TEARDOWN = "05_teardown"
LOAD = "03_load"
EXTRA_PARAMETERS = {TEARDOWN: ("teardown",), LOAD: ("date", "since", "until")}
BASE_PARAMETERS = ("config", "run_id", "out_dir", "source", "warehouse", "full_refresh")
DEFAULT_EVENTS = 20_000
DEFAULT_SEED = 42
LATEST, LAST_OK = "latest", "last-ok"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# what the run needs once its notebooks start (seconds of imports): imported in a thread while
# the emulator starts and its bucket is checked, instead of before (Overlap.warm_up)
LATER_IMPORTS = (
    "nbformat",
    "papermill",
    "papermill.iorw",
    "papermill.exceptions",
    "papermill.utils",
    "sparkify_helpers.run_report",
    "sparkify_helpers.notebook_engine",
)
ATOMIC_SCHEME = "sparkify-atomic://"


@dataclass
class RunOptions:
    """What ``sparkify run`` was asked to do."""

    config: Path | None = None
    source: str | None = None
    out: Path | None = None
    warehouse: Path | None = None
    teardown: bool = False
    full_refresh: bool = False  # rebuild every table (02 and 03 get ``full_refresh=True``)
    date: str = ""  # --date: re-load this day's log files (03_load gets ``date``)
    since: str = ""  # --since/--until: re-load these days (03_load gets ``since``, ``until``)
    until: str = ""
    run_id: str | None = None
    events: int = DEFAULT_EVENTS
    seed: int = DEFAULT_SEED
    kernel_name: str | None = None
    notebook_dir: Path | None = None  # where the notebooks are read from (default notebooks/)
    notebooks: tuple[str, ...] | None = None  # names to run in order (default: the workbook)

    def days(self) -> dict[str, str]:
        """The days to re-load, as 03_load's parameters (``date``, ``since``, ``until``)."""
        return {name: getattr(self, name) for name in EXTRA_PARAMETERS[LOAD]}


def new_run_id(now: datetime | None = None) -> str:
    """A sortable run id such as ``20261129-054311``."""
    return f"{(now or datetime.now(timezone.utc)):%Y%m%d-%H%M%S}"


def notebook_parameters(name: str, base: dict, options: RunOptions | None = None) -> dict:
    """The papermill parameters the runner passes to one notebook: the base ones, the
    teardown flag for 05, the days to re-load for 03."""
    params = dict(base)
    if name == TEARDOWN:
        params["teardown"] = True
    if name == LOAD:
        params.update((options or RunOptions()).days())
    return params


def run_workbook(options: RunOptions) -> RunResult:
    """Run the workbook headless; the result says which notebook and cell failed, if any.

    The target's run lock is held for the whole run (a second run on the warehouse raises
    WarehouseLockedError before anything runs or is written); SIGINT and SIGTERM stop the run,
    which is then recorded as ``interrupted``.
    """
    settings = config.load_settings(options.config)
    if options.warehouse:
        local_file = Path(options.warehouse).expanduser().resolve()  # relative to the caller
        settings = settings.with_overrides(warehouse_path=local_file)
    target = targets.for_settings(settings)
    started_at = datetime.now(timezone.utc)
    run_id = options.run_id or new_run_id(started_at)
    out = Path(options.out or paths.default_runs_dir()).expanduser().resolve()
    run_dir = out / run_id
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ConfigError(f"Run folder {run_dir} already exists; pick another --run-id.")
    source = target.check_source(options.source)
    with stopping_on_signals() as signals, target.run_lock(run_id):
        target.check_ready()
        overlap = Overlap()
        overlap.warm_up(LATER_IMPORTS)
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            warehouse = Path(settings.local.warehouse_path)
            config_path = str(Path(settings.config_path).resolve()) if settings.config_path else ""
            values: tuple[str | bool, ...] = (
                config_path, run_id, str(run_dir), source or "", str(warehouse),
                options.full_refresh,
            )  # fmt: skip
            base = dict(zip(BASE_PARAMETERS, values, strict=True))
            backfill = {k: v for k, v in options.days().items() if v}  # the days, if any
            recorded = {**base, **backfill}
            result = RunResult(run_id, run_dir, recorded, started_at)
            # one kernel for the run's notebooks (started once the environment is set); an idle
            # one exits while the emulator stops and the report is written, and is waited for here
            folder = options.notebook_dir or paths.notebooks_dir()
            with _run_kernel(folder) as kernel:
                try:
                    # the notebooks read the run's start time from run.json
                    if _recorded(result, result.run.run_json, lambda: _write_run_json(result)):
                        _run_notebooks(result, target, source, base, options, kernel, overlap)
                except RunInterrupted as exc:
                    result.interrupted_by = exc.signal_name
                finally:
                    signals.defer()  # a signal now is noted, the run's files are still written
                    result.interrupted_by = result.interrupted_by or signals.received
                    _finish(result, out, overlap)
        finally:
            overlap.wait()  # imports, renders, the emulator's stop (its error, if any, raised)
    return result


def _run_notebooks(
    result: RunResult,
    target: targets.Target,
    source: str | None,
    base: dict,
    options: RunOptions,
    kernel: RunKernel,
    overlap: Overlap,
) -> None:
    names = _notebook_names(options)
    _start_kernel_early(kernel, options, names)
    with contextlib.ExitStack() as scoped:
        scope = scoped.enter_context(target.run_scope(source, options.events, options.seed))
        result.seeded = scope.seeded
        overlap.warmed()  # before this thread imports any of them itself
        from sparkify_helpers import run_report  # in LATER_IMPORTS

        environment = {**scope.environment, progress.HEADLESS_ENV: "1"}
        kernel.environment = environment  # the early kernel gets it at its first reset
        with kernel_environment(environment):
            try:
                for name in names:
                    nb = NotebookRun(name, result.run.notebook(name))
                    result.notebooks.append(nb)
                    _execute(nb, notebook_parameters(name, base, options), options, kernel)
                    # its HTML copy for the report, rendered while the next notebook runs
                    overlap.render(nb.output, run_report.render_notebook_html)
                    if nb.status != "ok":
                        break
            finally:
                kernel.release()  # before the emulator stops: a busy kernel is stopped now
        # the notebooks ended on their own: the emulator stops while the report is written
        overlap.end("scope", scoped.pop_all().close)


def _start_kernel_early(kernel: RunKernel, options: RunOptions, names: tuple[str, ...]) -> None:
    """Start the run's kernel while the target starts (the emulator, its seeding): it boots
    and imports what the notebooks import meanwhile. The kernel the first notebook names."""
    notebooks = [kernel.cwd / f"{name}.ipynb" for name in names]
    kernel_name = options.kernel_name or (kernelspec_name(notebooks[0]) if notebooks else None)
    if kernel_name:  # else the first notebook's own start reports what is wrong
        kernel.start_early(kernel_name, warm_up_code(notebooks))


def _finish(result: RunResult, out: Path, overlap: Overlap) -> None:
    """Write ``run.json`` and ``report.html``, point ``latest`` (and ``last-ok``) at the run."""
    overlap.warmed()  # before this thread imports any of them itself
    from sparkify_helpers import run_report  # in LATER_IMPORTS

    result.finished_at = datetime.now(timezone.utc)
    _recorded(result, result.run.run_json, lambda: _write_run_json(result))
    report = functools.partial(run_report.write_report, result, overlap.rendered)
    _recorded(result, result.run.report, report)
    _recorded(result, out / LATEST, lambda: _point(out, LATEST, result.run_id))
    if result.status == "ok" and not result.write_errors:
        _recorded(result, out / LAST_OK, lambda: _point(out, LAST_OK, result.run_id))


def _recorded(result: RunResult, path: Path, write: Callable[[], object]) -> bool:
    """Run ``write``; when it fails, note which file and why in ``result.write_errors``."""
    try:
        write()
    except Exception as exc:  # the run's outcome still stands; the CLI exits 1 naming the file
        log.debug("could not write %s", path, exc_info=True)
        message = f"could not write {path}: {write_cause(exc)}"
        if message not in result.write_errors:
            result.write_errors.append(message)
        return False
    return True


class RunInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived: the run stops and is recorded as interrupted."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(self.signal_name)

    @property
    def exit_code(self) -> int:
        """130 for SIGINT, 143 for SIGTERM (128 + the signal's number)."""
        return 128 + self.signum


class _Signals:
    """What :func:`stopping_on_signals` saw: the first signal, and whether to raise on one."""

    def __init__(self) -> None:
        self.received: str | None = None
        self.deferring = False

    def defer(self) -> None:
        """From now on a signal is noted, not raised (the run's files are being written)."""
        self.deferring = True

    def handle(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if self.received is not None:
            log.warning("%s: the run is already stopping (kill -9 %d forces it)", name, os.getpid())
            return
        self.received = name
        log.warning("%s: stopping the run", name)
        if not self.deferring:
            raise RunInterrupted(signum)


@contextlib.contextmanager
def stopping_on_signals() -> Iterator[_Signals]:
    """SIGINT and SIGTERM raise RunInterrupted in the run (main thread only), once."""
    signals = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return
    previous = {signum: signal.signal(signum, signals.handle) for signum in STOP_SIGNALS}
    try:
        yield signals
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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


class _AtomicNotebookHandler:
    """papermill I/O for kept notebooks: every save goes to a temporary name, then a rename.

    The run's engine (:mod:`sparkify_helpers.notebook_engine`) saves the output notebook at
    its start, at most once a second while cells run, when a cell fails and when it ends (also
    when it is interrupted); each save is atomic, so the kept notebook is always valid.
    """

    @staticmethod
    def _path(path: str) -> Path:
        return Path(path.removeprefix(ATOMIC_SCHEME))

    @classmethod
    def write(cls, buf: str, path: str) -> None:
        # papermill records the output path in the notebook's metadata: keep it a plain path
        buf = buf.replace(f'"output_path": "{ATOMIC_SCHEME}', '"output_path": "', 1)
        write_atomically(cls._path(path), buf)

    @classmethod
    def read(cls, path: str) -> str:
        return cls._path(path).read_text(encoding="utf-8")

    @classmethod
    def listdir(cls, path: str) -> list[str]:
        return [str(p) for p in cls._path(path).iterdir()]

    @classmethod
    def pretty_path(cls, path: str) -> str:
        return str(cls._path(path))


def _atomic_output(path: Path) -> str:
    """``path`` as papermill's output, written through :class:`_AtomicNotebookHandler`."""
    import papermill.iorw

    io = papermill.iorw.papermill_io
    if not any(scheme == ATOMIC_SCHEME for scheme, _ in io._handlers):
        io.register(ATOMIC_SCHEME, _AtomicNotebookHandler)
    return f"{ATOMIC_SCHEME}{path}"


@contextlib.contextmanager
def _kernel_sockets() -> Iterator[Config]:
    """Kernel configuration for Unix sockets in a private folder (on POSIX): no TCP port, and
    no "Kernel is running over TCP without encryption" warning on the console. The folder
    outlives the kernels started in the block."""
    if os.name != "posix":
        yield Config()
        return
    with tempfile.TemporaryDirectory(prefix="sparkify-kernel-") as folder:
        ipc = {"transport": "ipc", "ip": os.path.join(folder, "kernel")}
        yield Config({"KernelManager": ipc})


@contextlib.contextmanager
def _run_kernel(folder: Path) -> Iterator[RunKernel]:
    """The run's kernel (working directory ``folder``), shut down when the block ends."""
    with _kernel_sockets() as kernel_config:
        kernel = RunKernel(folder, kernel_config)
        try:
            yield kernel
        finally:
            kernel.close()


def _execute(nb: NotebookRun, params: dict, options: RunOptions, kernel: RunKernel) -> None:
    """Run one notebook in the run's kernel (reset first, as if fresh); record how it ended."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.utils import nb_kernel_name

    from sparkify_helpers import notebook_engine  # in LATER_IMPORTS

    folder = kernel.cwd
    source = folder / f"{nb.name}.ipynb"
    nb.started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    log.info("running %s", nb.name)
    try:
        kernel_name = nb_kernel_name(nbformat.read(source, as_version=4), options.kernel_name)
        papermill.execute_notebook(
            str(source),
            _atomic_output(nb.output),
            parameters=params,
            kernel_name=kernel_name,
            cwd=str(folder),
            progress_bar=False,
            report_mode=False,
            engine_name=notebook_engine.NAME,  # saves the kept notebook at most once a second
            km=kernel.for_notebook(kernel_name),  # papermill's client does not shut it down
        )
        nb.status, kernel.idle = "ok", True
    except PapermillExecutionError as exc:  # the cell replied with its error: the kernel waits
        nb.status, nb.failed_cell, kernel.idle = "failed", exc.exec_count, True
        nb.error = f"{exc.ename}: {exc.evalue}"
    except RunInterrupted as exc:
        nb.status, nb.error = "interrupted", f"interrupted by {exc.signal_name}"
        raise
    except Exception as exc:  # kernel died, notebook unreadable: still a failed notebook
        nb.status, nb.error = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        nb.seconds = time.perf_counter() - started
        # an ok notebook is in the summary the CLI prints at the end; any other is news now
        level = logging.DEBUG if nb.status == "ok" else logging.INFO
        log.log(level, "%s %s in %.1fs", nb.name, nb.status, nb.seconds)


def _write_run_json(result: RunResult) -> None:
    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    notebooks = [
        {**asdict(nb), "output": str(nb.output.name), "started_at": when(nb.started_at)}
        for nb in result.notebooks
    ]
    payload = {
        "run_id": result.run_id,
        "status": result.status,
        "ok": result.ok,
        "interrupted_by": result.interrupted_by,
        "started_at": result.started_at.isoformat(),
        "finished_at": when(result.finished_at),
        "parameters": result.parameters,
        "seeded": result.seeded,
        "notebooks": notebooks,
        "load": result.run.read_load_summary(),  # what 03_load staged and merged
    }
    result.run.write_text(result.run.run_json, json.dumps(payload, indent=2))


def _point(out: Path, name: str, run_id: str) -> None:
    """Atomically point ``OUT/<name>`` (``latest``, ``last-ok``) at the run folder."""
    link = out / name
    if link.exists() and not link.is_symlink():
        log.warning("%s is not a symlink; leaving it alone (the run is in %s)", link, out / run_id)
        return
    tmp = out / f".{name}-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp, link)
