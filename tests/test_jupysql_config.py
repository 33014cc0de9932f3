"""``%load_ext sql`` in notebook 04 (and in JupyterLab) finds the project's jupysql settings
in pyproject.toml, from the notebooks' folder upward, instead of printing jupysql's
"Tip: You may define configurations ..." banner (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from sparkify_helpers import paths


def _load_sql_extension(folder: Path, monkeypatch, capsys) -> tuple[object, str]:
    monkeypatch.chdir(folder)  # a notebook's kernel starts in the notebook's folder
    shell = InteractiveShell()
    try:
        shell.run_line_magic("load_ext", "sql")
        magic = shell.find_cell_magic("sql").__self__
    finally:
        shell.run_line_magic("unload_ext", "sql")
    return magic, capsys.readouterr().out


def test_notebooks_get_the_project_settings_without_the_tip(monkeypatch, capsys):
    magic, shown = _load_sql_extension(paths.notebooks_dir(), monkeypatch, capsys)
    assert "Tip:" not in shown and "Did not find user configurations" not in shown
    assert f"Loading configurations from {paths.project_root() / 'pyproject.toml'}" in shown
    assert (magic.autopandas, magic.displaylimit, magic.displaycon) == (True, 20, False)


def test_without_the_section_jupysql_shows_the_tip(tmp_path, monkeypatch, capsys):
    """The control: the banner this configuration keeps away."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    magic, shown = _load_sql_extension(tmp_path, monkeypatch, capsys)
    assert "Tip: You may define configurations" in shown
    assert magic.displaycon is True


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    """~/.jupysql/config would be read after pyproject.toml: keep the user's out of it."""
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
