"""How a headless run fails, one tiny fixture notebook per failure mode (papermill style).

The runner reads the notebooks from ``tests/fixtures/notebooks`` instead of the workbook's,
so each failure path takes seconds. What the user sees is asserted: exit code, the message
naming the notebook and cell, the executed notebook kept, ``run.json`` and ``report.html``.
A held warehouse is one such failure: ``test_warehouse_local`` asserts the message naming the
holder, raised by the ``wb.connect()`` that ``02_create_tables`` and ``03_load`` call.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import psutil
import pytest
import raw_data
from jupyter_core.utils import run_sync

from sparkify_helpers import cli, run_kernel, runner
from sparkify_helpers.run_record import NotebookRun

pytestmark = pytest.mark.notebooks

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
EVENTS = 300


@pytest.fixture
def run_fixtures(monkeypatch):
    """Make ``sparkify run`` execute the named fixture notebooks instead of the workbook's."""

    def use(*names: str) -> None:
        real = runner.run_workbook

        def run_workbook(options: runner.RunOptions) -> runner.RunResult:
            return real(dataclasses.replace(options, notebook_dir=FIXTURES, notebooks=names))

        monkeypatch.setattr(runner, "run_workbook", run_workbook)

    return use


def _cells(notebook: Path) -> list[dict]:
    return [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]


def _errors(cell: dict) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o["output_type"] == "error"]


def test_a_failing_cell_exits_1_naming_notebook_and_cell_and_keeps_the_evidence(
    run_env, run_fixtures, capsys
):
    run_fixtures("ok", "broken", "kernel_dies")
    out = run_env / "runs"
    code = cli.main(
        ["run", "--out", str(out), "--warehouse", str(run_env / "wh.duckdb"), "--events", "300"]
    )
    stdout, stderr = capsys.readouterr()
    assert code == cli.EXIT_FAILED == 1
    run_dir = (out / "latest").resolve()
    assert f"run folder: {run_dir}" in stdout

    # the kept notebook shows the failing cell; the exit message names it by its number
    kept = run_dir / "broken.ipynb"
    failing = [c for c in _cells(kept) if _errors(c)]
    assert len(failing) == 1
    (error,) = _errors(failing[0])
    assert (error["ename"], error["evalue"]) == ("RuntimeError", "broken on purpose")
    cell = failing[0]["execution_count"]
    assert (
        f"error: notebook broken failed in cell {cell}: RuntimeError: broken on purpose\n"
        f"       executed notebook kept at {kept}\n"
    ) in stderr
    # nothing ran after the failure: not the next cell, not the next notebook
    assert not (run_dir / "after_the_failure.txt").exists()
    assert not (run_dir / "kernel_dies.ipynb").exists()

    # the notebook before it ran with the run's parameters
    params = json.loads((run_dir / "parameters.json").read_text())
    assert params["run_id"] == run_dir.name
    assert params["out_dir"] == str(run_dir)
    assert params["warehouse"] == str((run_env / "wh.duckdb").resolve())
    assert params["source"] == ""
    assert params["full_refresh"] is False

    run_json = json.loads((run_dir / "run.json").read_text())
    assert (run_json["status"], run_json["ok"], run_json["interrupted_by"]) == (
        "failed",
        False,
        None,
    )
    assert run_json["parameters"] == params
    assert [(nb["name"], nb["status"], nb["failed_cell"]) for nb in run_json["notebooks"]] == [
        ("ok", "ok", None),
        ("broken", "failed", cell),
    ]
    # without --source the local run seeds a generated dataset of --events events
    generated = Path(run_json["seeded"]["folder"])
    assert len(raw_data.events(generated)) == EVENTS
    assert run_json["seeded"]["objects"] == sum(p.is_file() for p in generated.rglob("*"))

    report = (run_dir / "report.html").read_text()
    assert 'Status <span class="failed">failed</span>' in report
    assert f"cell {cell}: RuntimeError: broken on purpose" in report
    assert 'href="broken.html"' in report and (run_dir / "broken.html").exists()


def test_a_kernel_that_dies_fails_its_notebook_without_a_cell_number(run_env, run_fixtures, capsys):
    run_fixtures("kernel_dies", "ok")
    code = cli.main(["run", "--out", str(run_env / "runs"), "--events", str(EVENTS)])
    stderr = capsys.readouterr().err
    assert code == cli.EXIT_FAILED
    run_dir = (run_env / "runs" / "latest").resolve()
    assert "error: notebook kernel_dies failed: DeadKernelError: Kernel died\n" in stderr
    assert not (run_dir / "ok.ipynb").exists()
    assert not (run_env / "runs" / "last-ok").exists()
    statuses = json.loads((run_dir / "run.json").read_text())["notebooks"]
    assert [(nb["name"], nb["status"], nb["failed_cell"]) for nb in statuses] == [
        ("kernel_dies", "failed", None)
    ]


def _ended(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_the_notebooks_of_a_run_share_one_kernel_each_as_if_it_were_fresh(
    run_env, run_fixtures, capsys
):
    """One kernel runs the whole run (same PID); between notebooks its namespace is reset:
    nothing ``leaves_state`` defined, imported, changed or drew is seen by the next notebook,
    whose execution counts start at 1; the modules it imported stay imported."""
    run_fixtures("leaves_state", "sees_fresh_state")
    code = cli.main(["run", "--out", str(run_env / "runs"), "--events", str(EVENTS)])
    assert code == cli.EXIT_OK, capsys.readouterr().err
    run_dir = (run_env / "runs" / "latest").resolve()
    found = json.loads((run_dir / "fresh_state.json").read_text())
    kernel = int((run_dir / "leaves_state.pid").read_text())
    assert found["pid"] == kernel  # the same kernel ran both notebooks
    assert found["names"] == []  # no variable, no import name
    assert (found["cwd"], found["environment"], found["path"]) == (str(FIXTURES), None, False)
    assert found["figures"] == 0
    assert found["modules"] is True  # sys.modules is kept: the point of one kernel
    for name, cells in (("leaves_state", 3), ("sees_fresh_state", 4)):
        counts = [c["execution_count"] for c in _cells(run_dir / f"{name}.ipynb")]
        assert counts == list(range(1, cells + 1)), name  # parameters, injected, the cells
    assert found["inputs"] == 4  # In: "" and this notebook's first three cells, no more
    # the kernel ended with the run, and so did the private folder of its sockets
    assert _ended(kernel)
    assert found["connection"]["transport"] == "ipc"
    assert not Path(found["connection"]["ip"]).parent.exists()


def test_the_kernel_starts_with_the_emulator_and_imports_what_the_notebooks_import(
    run_env, run_fixtures, capsys
):
    """The run starts its kernel before the emulator and seeding, and has it run the import
    statements of every notebook of the run: the first notebook finds ``colorsys`` (imported
    only by the second) in ``sys.modules``, yet no name of the warm-up, and, though the
    kernel started before the emulator's address was known, the run's environment."""
    run_fixtures("sees_fresh_state", "leaves_state")
    code = cli.main(["run", "--out", str(run_env / "runs"), "--events", str(EVENTS)])
    assert code == cli.EXIT_OK, capsys.readouterr().err
    run_dir = (run_env / "runs" / "latest").resolve()
    found = json.loads((run_dir / "fresh_state.json").read_text())
    assert found["modules"] is True  # warmed: leaves_state had not run yet
    assert (found["names"], found["inputs"], found["environment"]) == ([], 4, None)
    assert found["endpoint"].startswith("http://127.0.0.1:")  # the emulator of this run
    assert found["pid"] == int((run_dir / "leaves_state.pid").read_text())  # one kernel
    counts = [c["execution_count"] for c in _cells(run_dir / "sees_fresh_state.ipynb")]
    assert counts == [1, 2, 3, 4]
    assert _ended(found["pid"])


def test_a_kernel_that_died_is_replaced_by_a_fresh_one_for_the_next_notebook(run_env, tmp_path):
    """The runner stops at a failed notebook; should it go on (a teardown), the notebook gets
    a fresh kernel, and no kernel outlives the run."""
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    options = runner.RunOptions(notebook_dir=FIXTURES)
    params = {"out_dir": str(tmp_path)}
    dies = NotebookRun("kernel_dies", tmp_path / "kernel_dies.ipynb")
    fresh = NotebookRun("sees_fresh_state", tmp_path / "sees_fresh_state.ipynb")
    with runner._run_kernel(FIXTURES) as kernel:
        runner._execute(dies, params, options, kernel)
        runner._execute(fresh, params, options, kernel)
    assert (dies.status, dies.failed_cell, dies.error) == (
        "failed",
        None,
        "DeadKernelError: Kernel died",
    )
    assert (fresh.status, fresh.error, kernel.started) == ("ok", None, 2)
    found = json.loads((tmp_path / "fresh_state.json").read_text())
    assert found["cwd"] == str(FIXTURES) and found["names"] == []
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert [p.pid for p in left if not _ended(p.pid)] == []


def test_an_idle_kernel_exits_on_its_own_once_released_and_a_busy_one_at_once(run_env, tmp_path):
    """After a notebook that ran to its end the kernel is idle: ``release`` asks it to shut
    down and returns, the kernel exits by itself (the run meanwhile stops the emulator and
    writes its report) and ``close`` finds it gone. A kernel that is not known idle (here:
    a fresh one, no notebook ended in it) is shut down by ``release`` before it returns.

    Whether the kernel exits within a given time is ipykernel's doing, not the run's: once,
    under CI's load, it had not exited 30 s after the request (ipykernel 7's control thread
    can hang at shutdown). What the run guarantees is that ``close`` ends it then (it waits
    ``shutdown_wait_time`` and kills it), so that is what is asserted."""
    options = runner.RunOptions(notebook_dir=FIXTURES)
    params = {"out_dir": str(tmp_path)}
    with runner._run_kernel(FIXTURES) as kernel:
        runner._execute(NotebookRun("ok", tmp_path / "ok.ipynb"), params, options, kernel)
        assert kernel.idle and kernel.manager is not None
        pid = kernel.manager.provisioner.pid
        kernel.release()
        assert kernel.manager is not None and kernel.manager.shutdown_requested
        psutil.wait_procs([psutil.Process(pid)], timeout=10)  # usually gone within 1 s
    assert _ended(pid) and kernel.manager is None
    with runner._run_kernel(FIXTURES) as kernel:
        kernel.for_notebook("python3")
        assert not kernel.idle and kernel.manager is not None
        pid = kernel.manager.provisioner.pid
        kernel.release()
        assert kernel.manager is None and _ended(pid)


def test_a_kernel_whose_reset_fails_is_replaced_by_a_fresh_one(run_env, tmp_path):
    """The reset between notebooks is answered on the shell channel; an error in it (here
    something broke ``os.environ.clear`` after the notebook) means a fresh kernel, the old one
    shut down."""
    options = runner.RunOptions(notebook_dir=FIXTURES)
    params = {"out_dir": str(tmp_path)}
    with runner._run_kernel(FIXTURES) as kernel:
        runner._execute(NotebookRun("ok", tmp_path / "ok.ipynb"), params, options, kernel)
        km = kernel.manager
        assert km is not None
        first = km.provisioner.pid
        assert kernel.for_notebook("python3") is km and kernel.started == 1  # reset, kept
        run_sync(run_kernel._run_silently)(km, "import os; os.environ.clear = None")
        fresh = kernel.for_notebook("python3")
        assert fresh is not km and kernel.started == 2 and _ended(first)
        reply = run_sync(run_kernel._run_silently)(fresh, "", {"pid": "__import__('os').getpid()"})
        assert int(reply["user_expressions"]["pid"]["data"]["text/plain"]) != first


def test_full_refresh_reaches_every_notebook_as_a_parameter(run_env, run_fixtures, capsys):
    run_fixtures("ok")
    out = run_env / "runs"
    argv = ["run", "--out", str(out), "--warehouse", str(run_env / "wh.duckdb"), "--events", "300"]
    assert cli.main([*argv, "--full-refresh"]) == cli.EXIT_OK
    run_dir = (out / "latest").resolve()
    injected = [
        "".join(c["source"])
        for c in _cells(run_dir / "ok.ipynb")
        if "injected-parameters" in c["metadata"].get("tags", [])
    ]
    assert len(injected) == 1 and "full_refresh = True" in injected[0]
    assert json.loads((run_dir / "parameters.json").read_text())["full_refresh"] is True
    assert json.loads((run_dir / "run.json").read_text())["parameters"]["full_refresh"] is True


def test_the_console_of_a_run_is_a_few_whole_lines(run_env, run_fixtures, capfd, caplog):
    """The kernel talks over private Unix sockets, so its "Kernel is running over TCP without
    encryption" warning never reaches the console; off a terminal, the seeding bar is a few
    whole lines; the seeding summary is a sentence, not a dataclass repr (issue 12)."""
    run_fixtures("ok")
    with caplog.at_level(logging.INFO, logger="sparkify_helpers"):
        code = cli.main(["run", "--out", str(run_env / "runs"), "--events", str(EVENTS)])
    err = capfd.readouterr().err  # the kernel's stderr too: it inherits the file descriptor
    assert code == cli.EXIT_OK, err
    assert "without encryption" not in err and "\r" not in err
    seeding = [line for line in err.splitlines() if line.startswith("seed s3://")]
    assert 2 <= len(seeding) <= 5 and " 100% " in seeding[-1], err
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("seeded ")]
    objects = sum(p.is_file() for p in (run_env / "state" / "generated").rglob("*"))
    assert any(f"seeded {objects:,} objects (" in s and " MB) into s3://" in s for s in said)
    assert not any("SeedSummary(" in r.getMessage() for r in caplog.records)
