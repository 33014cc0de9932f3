"""The ``sparkify`` papermill engine: the kept notebook saved at most once per interval.

Each test executes a fixture notebook through papermill with a real kernel and records every
save of papermill's execution manager (``papermill.engines.write_ipynb``: the notebook as it
was written). What is asserted is what was written and how often, never how long it took.
"""

from __future__ import annotations

import copy
import threading
import time
from pathlib import Path

import nbformat
import papermill
import papermill.engines
import pytest
from papermill.exceptions import PapermillExecutionError

from sparkify_helpers import notebook_engine

pytestmark = pytest.mark.notebooks

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
HUGE = 10_000.0  # seconds: no save is ever due by the clock
TIMINGS = {"start_time", "end_time", "duration"}
WAIT_S = 60


@pytest.fixture
def saves(monkeypatch) -> list[nbformat.NotebookNode]:
    """Every notebook the execution manager writes, a copy as it was at that moment."""
    written: list[nbformat.NotebookNode] = []
    real = papermill.engines.write_ipynb

    def write_ipynb(nb, path):
        written.append(copy.deepcopy(nb))
        return real(nb, path)

    monkeypatch.setattr(papermill.engines, "write_ipynb", write_ipynb)
    return written


def _execute(name: str, out: Path, engine: str | None, **engine_kwargs) -> Path:
    output = out / f"{name}-{engine}.ipynb"
    papermill.execute_notebook(
        str(FIXTURES / f"{name}.ipynb"),
        str(output),
        parameters={"out_dir": str(out)},
        kernel_name="python3",
        progress_bar=False,
        engine_name=engine,
        **engine_kwargs,
    )
    return output


def _without_timings(path: Path) -> dict:
    """The kept notebook without papermill's and nbclient's timings, its own output path and
    the injected parameters cell's id (a random one each run)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for key in TIMINGS:
            cell.metadata.papermill.pop(key)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", ()):
            cell.id = "injected"
    for key in TIMINGS | {"output_path"}:
        nb.metadata.papermill.pop(key)
    return nb


def _statuses(nb: nbformat.NotebookNode) -> list[str]:
    return [cell.metadata.papermill["status"] for cell in nb.cells]


def test_the_kept_notebook_is_the_same_with_and_without_throttling(saves, tmp_path):
    stock = _execute("many_cells", tmp_path, "nbclient")
    throttled = _execute("many_cells", tmp_path, notebook_engine.NAME, save_every=HUGE)
    kept = _without_timings(throttled)
    assert kept == _without_timings(stock)
    outputs = [o for cell in kept.cells if cell.cell_type == "code" for o in cell.outputs]
    assert {o.output_type for o in outputs} == {"stream", "execute_result", "display_data"}
    assert "*updated*" in str(outputs)  # the display updated by a later cell
    assert set(_statuses(kept)) == {"completed"}
    assert kept.metadata.papermill.exception is None


def test_an_interval_of_0_saves_at_every_cell_event_as_papermill_does(saves, tmp_path):
    _execute("many_cells", tmp_path, "nbclient")
    stock = len(saves)
    _execute("many_cells", tmp_path, notebook_engine.NAME, save_every=0)
    cells = len(saves[-1].cells)  # with the injected parameters
    # notebook start, each cell's start and end, notebook end
    assert stock == len(saves) - stock == 1 + 2 * cells + 1


def test_a_huge_interval_saves_at_the_notebook_start_and_end_only(saves, tmp_path):
    _execute("many_cells", tmp_path, notebook_engine.NAME, save_every=HUGE)
    start, end = saves
    assert set(_statuses(start)) == {"pending"}
    assert set(_statuses(end)) == {"completed"}
    assert end.metadata.papermill.end_time


def test_a_failing_cell_is_saved_at_once_and_kept_with_its_error_and_the_banner(saves, tmp_path):
    with pytest.raises(PapermillExecutionError, match="broken on purpose"):
        _execute("broken", tmp_path, notebook_engine.NAME, save_every=HUGE)
    start, failure, end = saves  # the failing cell's save comes before the notebook's end
    failing = [c for c in failure.cells if c.metadata.papermill["status"] == "failed"]
    assert [c.source for c in failing] == ['raise RuntimeError("broken on purpose")']
    assert [o.evalue for o in failing[0].outputs if o.output_type == "error"] == [
        "broken on purpose"
    ]
    assert failure.metadata.papermill.end_time is None and end.metadata.papermill.end_time
    # the kept copy: papermill's banner on top, the failing cell's error, nothing run after it
    kept = nbformat.read(tmp_path / f"broken-{notebook_engine.NAME}.ipynb", as_version=4)
    assert "An Exception was encountered at" in kept.cells[0].source
    errors = [o for c in kept.cells if c.cell_type == "code" for o in c.outputs]
    assert [(o.ename, o.evalue) for o in errors if o.output_type == "error"] == [
        ("RuntimeError", "broken on purpose")
    ]
    assert kept.cells[-1].execution_count is None
    assert not (tmp_path / "after_the_failure.txt").exists()


def test_a_long_cell_is_saved_as_running_while_it_runs(saves, tmp_path):
    """The cell starts within the interval of the previous save, so its start is not saved
    then; the timer on the client's loop saves it once the interval has passed, long before
    the cell ends (it waits for ``release``)."""
    seen: list[list[str]] = []

    def watch() -> None:
        deadline = time.monotonic() + WAIT_S
        try:
            while time.monotonic() < deadline:
                statuses = [_statuses(nb) for nb in list(saves)]
                if any("running" in s for s in statuses):
                    seen.extend(statuses)
                    return
                time.sleep(0.1)
        finally:
            (tmp_path / "release").touch()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _execute("sleeps", tmp_path, notebook_engine.NAME, save_every=2.0)
    watcher.join(WAIT_S)
    running = [s for s in seen if "running" in s]
    assert running, f"no save showed a cell running before it ended: {_statuses(saves[-1])}"
    sleeping = running[0].index("running")
    kept = nbformat.read(tmp_path / f"sleeps-{notebook_engine.NAME}.ipynb", as_version=4)
    assert "release" in kept.cells[sleeping].source  # the waiting cell
    assert (tmp_path / "released.txt").exists()
