"""Notebooks stepped through in JupyterLab leave ``runs/interactive/report.html`` too."""

from __future__ import annotations

import re

import pytest

from sparkify_helpers import interactive, load, paths, workbook


@pytest.fixture
def lab_wb(aws_env, tmp_path, monkeypatch):
    """An interactive workbook (no out_dir) on an empty warehouse built from sql/create."""
    monkeypatch.setattr(paths, "default_runs_dir", lambda: tmp_path / "runs")
    book = workbook.open_workbook("", str(tmp_path / "wh.duckdb"), "", "")
    with book.connect() as dw:
        dw.run_folder(paths.sql_dir() / "create")
    return book


def test_an_interactive_session_writes_its_report_into_runs_interactive(lab_wb, tmp_path):
    assert lab_wb.run_dir == tmp_path / "runs" / "interactive"
    with lab_wb.connect() as dw:
        load.write_reports(dw, lab_wb.run)
    hour = lab_wb.ask("plays_by_hour")
    path = interactive.write_report(lab_wb, run_id="")
    assert path == tmp_path / "runs" / "interactive" / "report.html"
    page = path.read_text()
    assert "<h1>Sparkify run interactive</h1>" in page
    assert 'Status <span class="interactive">interactive</span>' in page
    assert "Stepped through in JupyterLab" in page
    assert re.search(r"<td>songplays</td>\s*<td>0</td>", page)
    assert f"<p class='sentence'>{hour.sentence}</p>" in page
    assert page.count("data:image/png;base64,") == 1
    assert "COPY did not run (not in this session: step through 03_load to load)" in page
    assert "What went wrong" not in page


def test_under_sparkify_run_the_notebook_leaves_the_report_to_the_runner(lab_wb):
    assert interactive.write_report(lab_wb, run_id="20261202-182007") is None
    assert not (lab_wb.run_dir / "report.html").exists()
