"""The committed notebooks: no outputs, one `parameters` cell, parameters the runner passes."""

from __future__ import annotations

import json

import papermill
import pytest

from sparkify_helpers import paths, runner

NOTEBOOKS = runner.WORKBOOK + (runner.TEARDOWN,)


def _cells(name: str) -> list[dict]:
    return json.loads((paths.notebooks_dir() / f"{name}.ipynb").read_text())["cells"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name):
    code = [c for c in _cells(name) if c["cell_type"] == "code"]
    assert code, f"{name} has no code cells"
    assert all(not c.get("outputs") for c in code)
    assert all(c.get("execution_count") is None for c in code)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_has_one_parameters_cell_first_in_code(name):
    cells = _cells(name)
    tagged = [i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])]
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    assert tagged == [first_code]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_opens_with_what_it_does_needs_and_shows(name):
    opening = "".join(_cells(name)[0]["source"])
    for phrase in ("What it does", "What it needs", "What to look at"):
        assert phrase in opening, f"{name}: opening markdown lacks {phrase!r}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_match_what_the_runner_passes(name):
    declared = set(papermill.inspect_notebook(str(paths.notebooks_dir() / f"{name}.ipynb")))
    passed = set(runner.notebook_parameters(name, dict.fromkeys(runner.BASE_PARAMETERS, "")))
    assert declared == passed
