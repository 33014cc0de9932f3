"""The committed notebooks: no outputs, one `parameters` cell, parameters the runner passes.

The fixture notebooks under tests/fixtures/notebooks follow the same rules, so the runner
runs them exactly as it runs the workbook's.
"""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from sparkify_helpers import paths, runner

WORKBOOK = [paths.notebooks_dir() / f"{name}.ipynb" for name in (*runner.WORKBOOK, runner.TEARDOWN)]
FIXTURES = sorted((Path(__file__).parent / "fixtures" / "notebooks").glob("*.ipynb"))
BASE_PARAMETERS = {"config", "run_id", "out_dir", "source", "warehouse", "full_refresh"}


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def test_the_workbook_and_the_fixtures_are_all_here():
    assert [p.name for p in sorted(paths.notebooks_dir().glob("0*.ipynb"))] == [
        "01_provision.ipynb",
        "02_create_tables.ipynb",
        "03_load.ipynb",
        "04_marketing_analytics.ipynb",
        "05_teardown.ipynb",
    ]
    assert all(p.exists() for p in WORKBOOK)
    assert [p.stem for p in FIXTURES] == [
        "broken",
        "kernel_dies",
        "leaves_state",
        "many_cells",
        "ok",
        "sees_fresh_state",
        "sleeps",
    ]


@pytest.mark.parametrize("path", WORKBOOK + FIXTURES, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    code = [c for c in _cells(path) if c["cell_type"] == "code"]
    assert code, f"{path.stem} has no code cells"
    assert all(not c.get("outputs") for c in code)
    assert all(c.get("execution_count") is None for c in code)


@pytest.mark.parametrize("path", WORKBOOK + FIXTURES, ids=lambda p: p.stem)
def test_notebook_has_one_parameters_cell_first_in_code(path):
    cells = _cells(path)
    tagged = [i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])]
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    assert tagged == [first_code]


@pytest.mark.parametrize("path", WORKBOOK, ids=lambda p: p.stem)
def test_notebook_opens_with_what_it_does_needs_and_shows(path):
    opening = "".join(_cells(path)[0]["source"])
    for phrase in ("What it does", "What it needs", "What to look at"):
        assert phrase in opening, f"{path.stem}: opening markdown lacks {phrase!r}"


@pytest.mark.parametrize("path", WORKBOOK + FIXTURES, ids=lambda p: p.stem)
def test_parameters_are_the_six_the_runner_passes_and_their_extras(path):
    declared = set(papermill.inspect_notebook(str(path)))
    # 05 also takes teardown; 03 the days a backfill re-loads (date, since, until)
    extra = set(runner.EXTRA_PARAMETERS.get(path.stem, ()))
    assert declared == BASE_PARAMETERS | extra
    passed = set(runner.notebook_parameters(path.stem, dict.fromkeys(runner.BASE_PARAMETERS, "")))
    assert passed == declared
