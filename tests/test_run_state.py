"""Honest run status: interrupts, one run per warehouse, a report that cannot be written.

The runs execute the tiny fixture notebooks (``sleeps`` waits mid-notebook until a test
releases it), so each fault takes seconds. What the user gets is asserted: the exit code,
the message, ``run.json``'s ``status``, ``report.html``, ``latest``/``last-ok``, a kept
notebook that is valid, no process left behind.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from sparkify_helpers import cli, run_folder, runner
from sparkify_helpers.errors import WarehouseLockedError

FIXTURES = Path(__file__).parent / "fixtures"
HELPER = FIXTURES / "run_fixture_notebooks.py"
EVENTS = "300"
WAIT_S = 90


@pytest.fixture
def run_fixtures(monkeypatch):
    """Make an in-process ``sparkify run`` execute the named fixture notebooks."""

    real = runner.run_workbook

    def use(*names: str) -> None:
        def run_workbook(options: runner.RunOptions) -> runner.RunResult:
            notebooks = FIXTURES / "notebooks"
            return real(dataclasses.replace(options, notebook_dir=notebooks, notebooks=names))

        monkeypatch.setattr(runner, "run_workbook", run_workbook)

    return use


def _args(env: Path, run_id: str) -> list[str]:
    warehouse = env / "wh.duckdb"
    return ["--out", str(env / "runs"), "--warehouse", str(warehouse), "--events", EVENTS] + [
        "--run-id",
        run_id,
    ]


def _wait_for(path: Path, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run ended ({proc.returncode}) before {path} appeared")
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.1)


def _start(env: Path, names: str, run_id: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(HELPER), names, *_args(env, run_id)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_json(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


def _assert_interrupted(runs: Path, run_id: str, by: str) -> None:
    run_dir = runs / run_id
    record = _run_json(run_dir)
    assert (record["status"], record["ok"], record["interrupted_by"]) == ("interrupted", False, by)
    assert [(nb["name"], nb["status"]) for nb in record["notebooks"]][-1] == (
        "sleeps",
        "interrupted",
    )
    assert record["finished_at"] and record["notebooks"][-1]["started_at"]
    kept = nbformat.read(run_dir / "sleeps.ipynb", as_version=4)  # valid, whole JSON
    assert kept.cells[1].source.startswith("config =")
    assert kept.metadata.papermill.output_path == str(run_dir / "sleeps.ipynb")
    # the interrupt ended with a full save (the engine saves at most once a second while
    # cells run, always at the end): every cell up to the interrupted wait shows as run, the
    # cell after it not
    assert kept.metadata.papermill.end_time
    code = [cell for cell in kept.cells if cell.cell_type == "code"]
    assert "release" in code[-2].source  # parameters, injected parameters, the wait, the last
    assert [cell.execution_count is not None for cell in code] == [True, True, True, False]
    assert [bool(cell.metadata.papermill.start_time) for cell in code] == [True] * 3 + [False]
    assert not (run_dir / "released.txt").exists()  # the cell after the wait never ran
    assert not list(run_dir.glob(".*.tmp"))
    report = (run_dir / "report.html").read_text()
    assert 'Status <span class="interrupted">interrupted</span>' in report
    assert f"interrupted by {by}" in report
    assert (runs / "latest").resolve() == run_dir


def _gone(processes: list[psutil.Process]) -> list[int]:
    _, alive = psutil.wait_procs(processes, timeout=10)
    return [p.pid for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.notebooks
def test_ctrl_c_mid_notebook_exits_130_and_marks_the_run_interrupted(run_env, run_fixtures, capsys):
    runs = run_env / "runs"
    run_fixtures("ok")
    assert cli.main(["run", *_args(run_env, "good")]) == cli.EXIT_OK
    assert _run_json(runs / "good")["status"] == "ok"
    assert (runs / "last-ok").resolve() == (runs / "latest").resolve() == runs / "good"

    run_fixtures("ok", "sleeps", "broken")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    started: list[psutil.Process] = []

    def press_ctrl_c() -> None:
        _wait_for(runs / "stopped" / "sleeping.txt")
        started.extend(p for p in psutil.Process().children(recursive=True) if p.pid not in before)
        os.kill(os.getpid(), signal.SIGINT)

    pressing = threading.Thread(target=press_ctrl_c, daemon=True)
    pressing.start()
    began = time.monotonic()
    code = cli.main(["run", *_args(run_env, "stopped")])
    pressing.join(5)
    assert code == cli.EXIT_SIGINT == 130
    assert time.monotonic() - began < 60  # not the sleep's 120 s
    stderr = capsys.readouterr().err
    assert f"interrupted by SIGINT: run stopped is marked interrupted in {runs}" in stderr
    _assert_interrupted(runs, "stopped", "SIGINT")
    assert not (runs / "stopped" / "broken.ipynb").exists()
    assert (runs / "last-ok").resolve() == runs / "good"
    assert started, "the run started no kernel or emulator?"
    assert _gone(started) == []  # kernel and emulator ended with the run
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_ends_with_its_outcome_and_no_kernel_traceback(run_env, signum, code):
    """jupyter_client's shutdown used to race the interrupted cell's reply: the kernel printed
    ``ZMQError: Socket operation on non-socket`` with a traceback (kernel_manager.py)."""
    runs = run_env / "runs"
    proc = _start(run_env, "sleeps", "stopped")
    try:
        _wait_for(runs / "stopped" / "sleeping.txt", proc)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "ZMQError" not in stderr, stderr
    assert "KeyboardInterrupt caught in kernel" not in stderr, stderr
    name = signal.Signals(signum).name
    assert stderr.strip().splitlines()[-1] == (
        f"interrupted by {name}: run stopped is marked interrupted in {runs / 'stopped'}/run.json"
    )


def test_sigterm_mid_notebook_exits_143_and_leaves_no_process(run_env):
    runs = run_env / "runs"
    proc = _start(run_env, "ok,sleeps", "cron")
    try:
        _wait_for(runs / "cron" / "sleeping.txt", proc)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children  # the kernel and the emulator
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 143, stderr
    assert "interrupted by SIGTERM" in stderr
    _assert_interrupted(runs, "cron", "SIGTERM")
    assert not (runs / "last-ok").exists()
    assert _gone(children) == []


def test_a_second_run_on_the_same_warehouse_exits_2_naming_the_first(run_env, run_fixtures, capsys):
    runs = run_env / "runs"
    first = _start(run_env, "sleeps", "first")
    try:
        _wait_for(runs / "first" / "sleeping.txt", first)
        run_fixtures("ok")
        code = cli.main(["run", *_args(run_env, "second")])
        stderr = capsys.readouterr().err
        (runs / "first" / "release").touch()
        out, err = first.communicate(timeout=WAIT_S)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert code == cli.EXIT_USAGE == 2
    assert f"is in use by run first (PID {first.pid} on " in stderr
    assert "started 20" in stderr and "nothing was run" in stderr
    assert not (runs / "second").exists()  # nothing ran, no half-made run folder
    assert first.returncode == 0, err  # the first run was not disturbed
    assert _run_json(runs / "first")["status"] == "ok"
    assert (runs / "last-ok").resolve() == (runs / "latest").resolve() == runs / "first"


def test_a_warehouse_held_by_another_process_is_refused_before_any_notebook(
    run_env, run_fixtures, capsys
):
    warehouse = run_env / "wh.duckdb"
    script = f"import duckdb, sys; con = duckdb.connect({str(warehouse)!r}); print('ready', "
    script += "flush=True); sys.stdin.readline()"
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        run_fixtures("ok")
        code = cli.main(["run", *_args(run_env, "held")])
    finally:
        holder.communicate("\n", timeout=30)
    stderr = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert f"error: The local warehouse {warehouse} is in use by process {holder.pid}" in stderr
    assert not (run_env / "runs" / "held").exists()


@pytest.mark.notebooks
def test_a_report_that_cannot_be_written_exits_1_naming_the_path_and_the_cause(
    run_env, run_fixtures, monkeypatch, capsys
):
    real = run_folder.RunFolder.write_text

    def full_disk(self, path, text):
        if path.name == run_folder.REPORT:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, text)

    monkeypatch.setattr(run_folder.RunFolder, "write_text", full_disk)
    run_fixtures("ok")
    code = cli.main(["run", *_args(run_env, "full")])
    stdout, stderr = capsys.readouterr()
    run_dir = run_env / "runs" / "full"
    report = run_dir / "report.html"
    assert code == cli.EXIT_FAILED
    assert f"error: could not write {report}: disk full (No space left on device)" in stderr
    assert "report:" not in stdout and not report.exists()
    assert _run_json(run_dir)["notebooks"][0]["status"] == "ok"
    assert (run_env / "runs" / "latest").resolve() == run_dir
    assert not (run_env / "runs" / "last-ok").exists()  # not a successful run


def test_write_causes_are_said_in_plain_words():
    assert runner.write_cause(OSError(errno.EACCES, "Permission denied")) == (
        "permission denied (Permission denied)"
    )
    assert runner.write_cause(OSError(errno.ENOSPC, "No space left on device")) == (
        "disk full (No space left on device)"
    )
    assert runner.write_cause(ValueError("bad")) == "ValueError: bad"


# -- the local target's run lock ---------------------------------------------------------------


def test_the_run_lock_names_its_holder_and_is_released_after(local_target):
    with local_target.run_lock("one") as holder:
        assert holder["pid"] == os.getpid()
        taken = pytest.raises(
            WarehouseLockedError, match=r"in use by run one \(PID \d+ on .*, started 20"
        )
        with taken, local_target.run_lock("two"):
            pass
    with pytest.raises(RuntimeError), local_target.run_lock("three"):
        raise RuntimeError("the run failed")
    with local_target.run_lock("four"):  # free again after a failure
        pass


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_note(run_env, local_target, caplog):
    warehouse = Path(local_target.settings.local.warehouse_path)
    lock_file = warehouse.with_name(f"{warehouse.name}.lock")
    script = textwrap.dedent(
        """
        import os, sys
        from sparkify_helpers import config, targets
        target = targets.for_settings(config.load_settings())
        with target.run_lock("ghost"):
            print("held", flush=True)
            sys.stdin.readline()
        """
    )
    env = {**os.environ, "SPARKIFY_WAREHOUSE": str(warehouse)}
    ghost = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert ghost.stdout.readline().strip() == "held"
    taken = pytest.raises(WarehouseLockedError, match=f"in use by run ghost \\(PID {ghost.pid} ")
    with taken, local_target.run_lock("blocked"):
        pass
    ghost.kill()  # kill -9: no cleanup ran, its holder record stays in the file
    ghost.communicate()
    assert json.loads(lock_file.read_text())["run_id"] == "ghost"
    with caplog.at_level("WARNING"), local_target.run_lock("next") as holder:
        assert json.loads(lock_file.read_text())["run_id"] == "next" == holder["run_id"]
    assert f"left by run ghost (PID {ghost.pid} " in caplog.text
    assert "no longer running" in caplog.text


# -- the redshift target's run lock, on a stand-in for the cluster's sessions --------------------


class _Cluster:
    """What the test stands in for: ``LOCK`` held by one session until its transaction ends
    (or the session does), a waiter cancelled by its ``statement_timeout``, the holder table."""

    def __init__(self) -> None:
        self.locked_by: _Session | None = None
        self.holder: list[tuple] = []
        self.statements: list[str] = []


class _Session:
    def __init__(self, cluster: _Cluster) -> None:
        self.cluster, self.timeout = cluster, 0

    def begin(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def exec_driver_sql(self, sql: str):
        import sqlalchemy as sa

        self.cluster.statements.append(sql)
        if sql.startswith("SET statement_timeout TO "):
            self.timeout = int(sql.rsplit(" ", 1)[1])
        elif sql.startswith("LOCK "):
            if self.cluster.locked_by not in (None, self):
                assert self.timeout > 0, "LOCK would wait forever"
                raise sa.exc.OperationalError(sql, {}, Exception("statement timeout"))
            self.cluster.locked_by = self
        elif sql.startswith("DELETE FROM sparkify_run_holder"):
            self.cluster.holder.clear()
        return self

    def fetchone(self):
        return self.cluster.holder[0] if self.cluster.holder else None

    def execute(self, statement, params):
        assert "INSERT INTO sparkify_run_holder" in str(statement)
        self.cluster.holder.append(
            tuple(params[k] for k in ("run_id", "pid", "host", "started_at"))
        )

    def rollback(self) -> None:
        self.close()

    def close(self) -> None:
        if self.cluster.locked_by is self:
            self.cluster.locked_by = None


class _Engine:
    def __init__(self, cluster: _Cluster) -> None:
        self.cluster = cluster

    def connect(self) -> _Session:
        return _Session(self.cluster)

    begin = connect


def test_the_redshift_lock_is_held_by_a_session_and_names_its_holder(caplog):
    from sparkify_helpers import run_lock

    cluster = _Cluster()
    what = "the Redshift warehouse of cluster sparkify"
    with run_lock.held_on_redshift(_Engine(cluster), "one", what) as holder:
        assert cluster.locked_by is not None and cluster.holder[0][0] == "one"
        taken = pytest.raises(
            WarehouseLockedError, match=r"in use by run one \(PID \d+ on .*, started 20"
        )
        with taken, run_lock.held_on_redshift(_Engine(cluster), "two", what):
            pass
        assert holder["run_id"] == "one" and cluster.holder[0][0] == "one"  # not disturbed
    assert cluster.locked_by is None and cluster.holder == []
    assert "CREATE TABLE IF NOT EXISTS sparkify_run_lock (held BOOLEAN)" in cluster.statements
    lock_at = cluster.statements.index("LOCK sparkify_run_lock")
    assert cluster.statements[lock_at - 1].startswith("SET statement_timeout TO ")

    # a run whose session died (process killed, connection dropped) left its row: taken over
    cluster.holder.append(("ghost", 4242, "elsewhere", "2026-12-02T15:55:00+00:00"))
    with caplog.at_level("WARNING"), run_lock.held_on_redshift(_Engine(cluster), "three", what):
        assert cluster.holder[0][0] == "three"
    assert (
        "left by run ghost (PID 4242 on elsewhere, started 2026-12-02 15:55:00 UTC)" in caplog.text
    )


def test_a_redshift_run_before_the_cluster_exists_starts_without_the_lock(
    mocked_aws, monkeypatch, caplog
):
    from sparkify_helpers import config, paths, targets

    monkeypatch.setenv("SPARKIFY_ALLOWED_CIDR", "203.0.113.7/32")
    target = targets.for_settings(config.load_settings(paths.config_dir() / "redshift.yaml"))
    with caplog.at_level("WARNING"), target.run_lock("first") as holder:
        assert holder == {"run_id": "first"}
    assert "run first starts without the run lock: cluster" in caplog.text
    assert "does not exist" in caplog.text
