"""``notebooks/explore.ipynb`` and the README's ``%sql`` set-up run as written, on a small
local warehouse, in a real IPython shell with jupysql (the notebook is not run headless)."""

from __future__ import annotations

import re

import nbformat
import pytest

from sparkify_helpers import paths, runner

ROWS = """
INSERT INTO users VALUES (8, 'Kaylee', 'Summers', 'F', 'free'), (26, 'Ryan', 'Smith', 'M', 'paid');
INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id,
  location, user_agent) VALUES
  (1, '2018-11-01 21:01:46', 8, 'free', NULL, NULL, 139, 'Phoenix, AZ', 'Mozilla'),
  (2, '2018-11-02 10:00:00', 8, 'paid', NULL, NULL, 140, 'Phoenix, AZ', 'Mozilla'),
  (3, '2018-11-03 10:00:00', 26, 'paid', NULL, NULL, 583, NULL, 'Mozilla');
"""


@pytest.fixture
def loaded(local_target, monkeypatch):
    """A warehouse with the star schema of sql/create and a few plays."""
    with local_target.open_warehouse() as wh:
        wh.run_folder(paths.sql_dir() / "create")
        wh.run_sql(ROWS)
    return local_target


@pytest.fixture
def shell(monkeypatch, tmp_path):
    """The IPython shell as a notebook kernel has it: started in notebooks/, jupysql loaded
    afresh (so it reads the project's settings from pyproject.toml), no user config."""
    from IPython.testing.globalipapp import get_ipython

    monkeypatch.chdir(paths.notebooks_dir())
    monkeypatch.setenv("HOME", str(tmp_path))  # ~/.jupysql/config would be read too
    ip = get_ipython()
    if "sql" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "sql")
    yield ip
    ip.run_cell("%sql --close warehouse")  # releases the file; a no-op once already closed


def run(ip, source: str):
    result = ip.run_cell(source)
    assert result.success, f"{source!r} failed: {result.error_in_exec or result.error_before_exec}"
    return result.result


def test_explore_is_not_run_headless():
    assert "explore" not in runner.WORKBOOK and runner.TEARDOWN != "explore"


def test_explore_notebook_runs_as_written(loaded, shell):
    nb = nbformat.read(paths.notebooks_dir() / "explore.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    outputs = [run(shell, source) for source in code]
    tables = str(outputs[1])
    assert "songplays" in tables and "users" in tables
    sessions = outputs[2]
    assert list(sessions["session_id"]) == [139, 140, 583]  # TOP 10, ties by session_id
    assert shell.user_ns["by_gender"]["plays"].tolist() == [1, 1, 1]
    listeners = outputs[4]
    assert listeners.iloc[0]["levels"] == "free,paid" and listeners.iloc[0]["user_id"] == 8
    assert listeners.iloc[1]["location"] == "unknown"  # NVL


def test_no_headless_guards_remain():
    text = (paths.notebooks_dir() / "04_marketing_analytics.ipynb").read_text()
    assert "explore is not None" not in text and "%sql" in text  # the set-up is shown


def test_readme_snippet_runs_as_written(loaded, shell):
    readme = (paths.project_root() / "README.md").read_text()
    section = readme.split("## Exploring ad hoc with `%sql`", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    run(shell, snippet)
    frame = run(
        shell,
        "%sql SELECT TOP 1 level, COUNT(*) AS plays FROM songplays "
        "GROUP BY level ORDER BY plays DESC",
    )
    assert [tuple(r) for r in frame.itertuples(index=False)] == [("paid", 2)]
