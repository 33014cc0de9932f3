"""The run's kernel when a signal cuts its start or its stop short (SIGINT/SIGTERM raise the
runner's RunInterrupted in the main thread, out of whatever coroutine ``run_sync`` is
awaiting): it is recorded before it starts and forgotten only once it is down, so closing the
run's kernel always ends it. No notebook runs here (kernels only)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psutil
import pytest
from jupyter_core.utils import ensure_event_loop

from sparkify_helpers import run_kernel, runner

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def _ended(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


class _Interrupt(KeyboardInterrupt):
    """Stands for the runner's RunInterrupted, raised by a signal mid-await."""


def test_a_signal_while_the_kernel_starts_leaves_no_kernel_behind(run_env, monkeypatch):
    """A signal during ``start_kernel`` (its process launched) escapes the coroutine; the
    kernel was recorded before it started, so closing the run's kernel still ends it."""
    launched: list[int] = []
    start = run_kernel.OrderlyKernelManager.start_kernel

    async def start_then_interrupted(self, **kwargs):
        await start(self, **kwargs)
        launched.append(self.provisioner.pid)
        raise _Interrupt

    monkeypatch.setattr(run_kernel.OrderlyKernelManager, "start_kernel", start_then_interrupted)
    with pytest.raises(_Interrupt), runner._run_kernel(FIXTURES) as kernel:
        kernel.for_notebook("python3")
    assert launched and _ended(launched[0]) and kernel.manager is None


def test_a_stop_cut_short_by_a_signal_is_done_again_by_close(run_env, monkeypatch):
    """A signal during a kernel's shutdown (here the first shutdown request raises) leaves
    the manager recorded, so the run's ``close`` shuts the kernel down after all."""
    with runner._run_kernel(FIXTURES) as kernel:
        km = kernel.for_notebook("python3")
        pid = km.provisioner.pid
        shutdown = type(km).shutdown_kernel
        calls: list[int] = []

        async def interrupted_once(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise _Interrupt
            return await shutdown(self, *args, **kwargs)

        monkeypatch.setattr(type(km), "shutdown_kernel", interrupted_once)
        with pytest.raises(_Interrupt):
            kernel.close()
        assert kernel.manager is km  # not forgotten while its kernel still runs
    assert len(calls) == 2 and _ended(pid) and kernel.manager is None


def test_close_ends_what_an_interrupted_notebook_left_in_the_event_loop(run_env):
    """A signal raised out of papermill's ``run_sync`` leaves nbclient's execution of the
    cell pending in the thread's event loop; left there it would run on during the kernel's
    shutdown and log ``DeadKernelError`` with a traceback. ``close`` cancels it first."""
    loop = ensure_event_loop()

    async def awaits_the_cells_reply() -> None:
        await asyncio.sleep(3600)

    with runner._run_kernel(FIXTURES) as kernel:
        kernel.for_notebook("python3")
        left = loop.create_task(awaits_the_cells_reply())
        kernel.close()
        assert left.cancelled() and kernel.manager is None
