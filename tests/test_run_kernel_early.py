"""The run's kernel started early: it boots and runs the notebooks' imports while the run
starts the emulator, then serves the first notebook as a fresh kernel would, with the run's
environment. No notebook runs here (kernels only); ``test_runner_failures`` runs one."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import psutil
from jupyter_client.kernelspec import NoSuchKernel
from jupyter_core.utils import run_sync

from sparkify_helpers import run_kernel, runner

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
PROBE = {
    "endpoint": "__import__('os').environ.get('SPARKIFY_EARLY_PROBE')",
    "warmed": "'colorsys' in __import__('sys').modules",
    "names": "sorted(n for n in ('colorsys', '_statement') if n in globals())",
    "pid": "__import__('os').getpid()",
}


def _ended(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _notebook(folder: Path, name: str, *sources: str) -> Path:
    cells = [{"cell_type": "code", "source": s, "metadata": {}} for s in sources]
    cells.append({"cell_type": "markdown", "source": "import markdown_is_not_code"})
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}}))
    return path


def _probe(km) -> dict:
    reply = run_sync(run_kernel._run_silently)(km, "", PROBE)
    return {k: v["data"]["text/plain"] for k, v in reply["user_expressions"].items()}


def test_notebook_imports_are_the_top_level_import_statements_in_order_once(tmp_path):
    """Cells with IPython syntax, markdown cells, imports inside functions, relative imports
    and a notebook that cannot be read are left out."""
    first = _notebook(
        tmp_path, "a", "import os\nfrom json import dumps as d\nx = 1", "%sql X\nimport a"
    )
    second = _notebook(tmp_path, "b", "import os", "def f():\n    import inner\nfrom . import rel")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    assert run_kernel.notebook_imports([first, second, broken]) == [
        "import os",
        "from json import dumps as d",
    ]
    assert run_kernel.warm_up_code([broken]) == ""
    assert run_kernel.kernelspec_name(broken) is None
    assert run_kernel.kernelspec_name(first) == "python3"


def test_an_early_kernel_serves_the_first_notebook_warmed_with_the_run_environment(
    run_env, tmp_path, monkeypatch
):
    """Started before the run's environment is set, the kernel gets it at its first reset;
    what the warm-up imported is in ``sys.modules``, and neither its names nor a failing
    import (``no_such_module``) reach the notebook."""
    monkeypatch.delenv("SPARKIFY_EARLY_PROBE", raising=False)
    warm = run_kernel.warm_up_code(
        [_notebook(tmp_path, "n", "import colorsys\nimport no_such_module")]
    )
    with runner._run_kernel(FIXTURES) as kernel:
        kernel.start_early("python3", warm)
        assert kernel.manager is not None and kernel.started == 1
        kernel.environment = {"SPARKIFY_EARLY_PROBE": "http://127.0.0.1:1"}
        km = kernel.for_notebook("python3")
        found = _probe(km)
        assert kernel.started == 1 and km is kernel.manager
    assert found["endpoint"] == "'http://127.0.0.1:1'"
    assert (found["warmed"], found["names"]) == ("True", "[]")
    assert _ended(int(found["pid"])) and kernel.manager is None


def test_an_early_kernel_that_died_before_the_first_notebook_is_replaced(run_env):
    with runner._run_kernel(FIXTURES) as kernel:
        kernel.start_early("python3", "")
        assert kernel.manager is not None
        first = kernel.manager.provisioner.pid
        os.kill(first, signal.SIGKILL)
        psutil.wait_procs([psutil.Process(first)], timeout=30)
        km = kernel.for_notebook("python3")
        assert kernel.started == 2 and int(_probe(km)["pid"]) != first
    assert kernel.manager is None


def test_an_early_start_of_an_unknown_kernel_is_left_for_the_notebook_to_report(run_env):
    """``start_early`` does not raise (the run's first notebook says what is wrong)."""
    with runner._run_kernel(FIXTURES) as kernel:
        kernel.start_early("no-such-kernel", "")
        assert kernel.manager is None and kernel.started == 0
        try:
            kernel.for_notebook("no-such-kernel")
        except NoSuchKernel as exc:
            assert "no-such-kernel" in str(exc)
        else:
            raise AssertionError("an unknown kernel spec started")
