"""The work a run does beside its notebooks (``run_overlap``): renders and ending steps in
threads, their results and errors handed back to the run's thread."""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

import pytest
from fresh_process import python_output

from sparkify_helpers.run_overlap import Overlap


def test_renders_run_in_order_one_at_a_time_and_hand_back_results_and_errors(tmp_path):
    seen: list[tuple[str, str]] = []

    def render(notebook: Path) -> Path | None:
        seen.append((notebook.name, threading.current_thread().name))
        if notebook.name == "bad.ipynb":
            raise OSError("disk full")
        return notebook.with_suffix(".html")

    overlap = Overlap()
    names = ["01.ipynb", "bad.ipynb", "03.ipynb"]
    for name in names:
        overlap.render(tmp_path / name, render)
    overlap.wait()
    assert [name for name, _ in seen] == names
    assert {thread for _, thread in seen} == {"sparkify-html_0"}  # one thread, not the caller's
    assert overlap.rendered[tmp_path / "01.ipynb"].result() == tmp_path / "01.html"
    with pytest.raises(OSError, match="disk full"):
        overlap.rendered[tmp_path / "bad.ipynb"].result()
    assert overlap.rendered[tmp_path / "03.ipynb"].result() == tmp_path / "03.html"


def test_wait_joins_every_ending_step_and_raises_the_first_error():
    done: list[str] = []
    release = threading.Event()

    def stop_emulator() -> None:
        release.wait(5)
        done.append("emulator")
        raise RuntimeError("emulator pid 7 did not stop")

    overlap = Overlap()
    overlap.end("scope", stop_emulator)
    overlap.end("other", lambda: done.append("other"))
    release.set()
    with pytest.raises(RuntimeError, match="did not stop"):
        overlap.wait()
    assert sorted(done) == ["emulator", "other"]  # both ran to their end before wait returned


def test_wait_without_work_returns_at_once():
    Overlap().wait()


def test_warm_up_imports_in_a_thread_and_leaves_a_failing_import_to_its_importer():
    """``warmed`` returns once the modules are imported; a module that cannot be imported is
    not an error there (the run's own import raises it, with its usual message)."""
    overlap = Overlap()
    overlap.warm_up(("sparkify_helpers.no_such_module", "json.tool"))
    overlap.warmed()
    assert "json.tool" in sys.modules
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        importlib.import_module("sparkify_helpers.no_such_module")


def test_importing_the_runner_leaves_the_notebook_machinery_to_the_warm_up():
    """``sparkify run`` imports the runner before its emulator starts; papermill, nbformat and
    the report (what the run's warm-up thread imports meanwhile) are not imported with it."""
    code = (
        "import sys, sparkify_helpers.runner as r; "
        "print(sorted(m for m in r.LATER_IMPORTS if m in sys.modules))"
    )
    found = python_output(code)
    assert found.strip() == "[]"


def test_a_deferred_module_loads_at_its_first_call_and_answers_as_the_module_does():
    """rfc3987_syntax (imported by jsonschema, itself imported by nbformat) is not loaded by
    the run's imports; jsonschema's "iri" format check still loads it and gives its answers."""
    code = (
        "import sys\n"
        "from sparkify_helpers.run_overlap import defer_imports\n"
        "defer_imports()\n"
        "import nbformat, jsonschema\n"
        "print('rfc3987_syntax.syntax_helpers' in sys.modules)\n"
        "checker = jsonschema.FormatChecker()\n"
        "print(checker.conforms('http://a b', 'iri'),"
        " checker.conforms('http://\\u00e4.de/', 'iri'))\n"
        "import rfc3987_syntax\n"
        "print('rfc3987_syntax.syntax_helpers' in sys.modules,"
        " rfc3987_syntax.RFC3987_SYNTAX_PARSER_TYPE)\n"
    )
    lines = python_output(code).splitlines()
    assert lines == ["False", "False True", "True earley"]


def test_defer_imports_leaves_alone_a_module_already_imported_or_not_installed():
    code = (
        "import sys, json\n"
        "from sparkify_helpers.run_overlap import defer_imports\n"
        "defer_imports({'json': ('dumps',), 'no_such_module_here': ('f',)})\n"
        "print(sys.modules['json'] is json, 'no_such_module_here' in sys.modules)\n"
    )
    found = python_output(code)
    assert found.strip() == "True False"


def test_the_collector_pauses_while_the_run_imports_and_is_as_before_once_the_run_ends():
    """During the warm-up the collector is off; once warmed, it is on and what the imports
    hold is frozen; after ``wait`` nothing is frozen (a test calling the runner goes on as
    before)."""
    import gc

    overlap = Overlap()
    overlap.warm_up(("json.tool",))
    assert not gc.isenabled()
    overlap.warmed()
    assert gc.isenabled() and gc.get_freeze_count() > 0
    overlap.wait()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_run_that_fails_before_its_kernel_starts_leaves_the_collector_as_it_found_it(
    run_env, monkeypatch
):
    """The warm-up pauses the collector; a run that raises before its notebooks (here the
    kernel's socket folder cannot be made) still resumes it and freezes nothing."""
    import contextlib
    import gc

    from sparkify_helpers import runner

    @contextlib.contextmanager
    def no_kernel(folder):
        raise OSError("no room for the kernel's sockets")
        yield

    monkeypatch.setattr(runner, "_run_kernel", no_kernel)
    options = runner.RunOptions(out=str(run_env / "runs"), warehouse=str(run_env / "wh.duckdb"))
    with pytest.raises(OSError, match="no room"):
        runner.run_workbook(options)
    assert gc.isenabled() and gc.get_freeze_count() == 0
