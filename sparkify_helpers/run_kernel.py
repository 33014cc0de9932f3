"""One kernel for all the notebooks of a ``sparkify run``, each notebook as in a fresh kernel.

Starting a kernel and importing the package (pandas, matplotlib, boto3, duckdb, sqlglot) costs
seconds; a run pays it once. :class:`RunKernel` starts an :class:`OrderlyKernelManager` and
hands it to papermill for each notebook (``execute_notebook(km=...)``: nbclient then neither
starts nor shuts down the kernel, ``NotebookClient.owns_km`` is False). Before each notebook
after the first it resets the kernel: matplotlib figures closed, the working directory,
environment and ``sys.path`` as when the kernel started, and IPython's
``InteractiveShell.reset(new_session=True)``: no variable, import name or ``In``/``Out``
history of the notebook before is left, and execution counts start at 1 again. Imported
modules stay in ``sys.modules`` (the point: the second ``import sparkify_helpers`` is free).
The reset is answered on the shell channel alone (its output is not wanted), which spares the
0.2 s a new IOPub subscription's ``wait_for_ready`` costs.

The run starts its kernel early (:meth:`RunKernel.start_early`): it boots and runs the import
statements of the run's notebooks (:func:`warm_up_code`) while the run starts the emulator and
seeds its bucket, so the first notebook finds ``sparkify_helpers``, pandas and matplotlib
imported. That kernel started before the run's environment (the emulator's address) was known:
each reset, the first one included, sets the environment to the kernel's own at start plus
:attr:`RunKernel.environment`.

A kernel that died, or did not answer the reset, is replaced by a fresh one; so is one of
another kernel spec than the next notebook asks for. :meth:`RunKernel.close` shuts the kernel
down (interrupt, wait for the reply, shutdown) and stops the clients nbclient left open. When
the last notebook left the kernel idle (:attr:`RunKernel.idle`), :meth:`RunKernel.release` asks
it to shut down without the interrupt and returns at once: it exits while the run stops the
emulator and writes its report, and :meth:`RunKernel.close` then only waits for it.
"""

from __future__ import annotations

import ast
import asyncio
import json
import logging
import queue
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_event_loop, run_sync
from traitlets.config import Config

from sparkify_helpers.kernel_manager import OrderlyKernelManager

log = logging.getLogger(__name__)

__all__ = ["KernelResetError", "RunKernel", "kernelspec_name", "notebook_imports", "warm_up_code"]

START_WAIT_S = 60.0  # as papermill's start_timeout
RESET_WAIT_S = 60.0
EARLY_WAIT_S = START_WAIT_S + RESET_WAIT_S  # boot, then the notebooks' imports
ALIVE_CHECK_S = 0.5  # while waiting for a reply: how often to see that the kernel still runs
HISTORY_IN_MEMORY = "--HistoryManager.hist_file=:memory:"  # as nbclient starts IPython kernels
# what the kernel had when it started: environment and sys.path, as JSON
FRESH_STATE = "__import__('json').dumps([dict(__import__('os').environ), __import__('sys').path])"
RESET_CODE = """\
import os, sys
_pyplot = sys.modules.get("matplotlib.pyplot")
if _pyplot is not None:
    _pyplot.close("all")
os.chdir({cwd!r})
os.environ.clear()
os.environ.update({environ!r})
sys.path[:] = {path!r}
get_ipython().reset(new_session=True)
"""
# each import statement on its own: one that fails is left for its notebook to raise
WARM_UP_CODE = """\
for _statement in {statements!r}:
    try:
        exec(_statement, {{}})
    except Exception:
        pass
"""


class KernelResetError(RuntimeError):
    """The kernel answered the reset with an error (the run then starts a fresh kernel)."""


class RunKernel:
    """The kernel of one run: started on first use, reset between notebooks, shut at the end."""

    def __init__(self, cwd: Path, config: Config | None = None) -> None:
        self.cwd = cwd
        self.config = config or Config()
        self.manager: OrderlyKernelManager | None = None
        self.started = 0  # kernels started so far
        # the last notebook ran to its end or stopped at a cell's error: no cell is running
        self.idle = False
        # exported into the kernel at each reset: what the run's notebooks need (set by the run)
        self.environment: dict[str, str] = {}
        self._environ: dict[str, str] = {}
        self._path: list[str] = []
        self._early: tuple[Any, list[str]] | None = None  # the client and requests of start_early

    def start_early(self, kernel_name: str, warm_up: str = "") -> None:
        """Start the kernel now and have it run ``warm_up`` (import statements) without
        waiting: it boots and imports while the run does other work; :meth:`for_notebook`
        waits for it. A kernel that cannot start is left for :meth:`for_notebook` to report."""
        try:
            run_sync(self._start_early)(kernel_name, warm_up)
        except Exception as exc:
            log.debug("could not start the kernel early: %s", exc)
            self.close()

    def for_notebook(self, kernel_name: str) -> OrderlyKernelManager:
        """The kernel manager to run the next notebook with: this run's kernel, reset, or a
        fresh kernel (the first notebook, or the kernel died or is of another kernel spec)."""
        self.idle = False
        return run_sync(self._for_notebook)(kernel_name)

    def release(self) -> None:
        """The run is done with the kernel: an idle one is asked to shut down and left to exit
        on its own (:meth:`close` waits for it); any other is shut down now, interrupted first
        (a cell still running must not go on while the run ends)."""
        km = self.manager
        if km is None or not self.idle:
            self.close()
            return
        km.stop_clients()
        run_sync(km.request_idle_shutdown)()

    def close(self) -> None:
        """Shut the kernel down (nothing of it outlives the run)."""
        _cancel_leftover_tasks()
        run_sync(self._stop)()

    async def _for_notebook(self, kernel_name: str) -> OrderlyKernelManager:
        if self._early is not None:
            try:
                await self._finish_early()
            except (KernelResetError, RuntimeError, TimeoutError) as exc:
                log.info("the kernel started early did not answer (%s); starting a fresh one", exc)
                await self._stop()
        km = self.manager
        if km is not None:
            km.stop_clients()  # the previous notebook's (nbclient leaves them open)
            if km.kernel_name == kernel_name and await km.is_alive():
                try:
                    await self._reset(km)
                    return km
                except (KernelResetError, RuntimeError, TimeoutError) as exc:
                    log.info("the run's kernel did not reset (%s); starting a fresh one", exc)
            elif km.kernel_name != kernel_name:
                log.info("kernel %s asked for: starting it (was %s)", kernel_name, km.kernel_name)
            else:
                log.info("the run's kernel died; starting a fresh one")
        await self._stop()
        return await self._start(kernel_name)

    async def _launch(self, kernel_name: str) -> OrderlyKernelManager:
        km = OrderlyKernelManager(kernel_name=kernel_name, config=self.config)
        extra = [HISTORY_IN_MEMORY] if km.ipykernel else []
        # recorded before it starts: a signal raised out of the event loop skips this
        # coroutine's except/finally blocks, and close() must still find the kernel
        self.manager = km
        await km.start_kernel(extra_arguments=extra, cwd=str(self.cwd))
        self.started += 1
        return km

    async def _start(self, kernel_name: str) -> OrderlyKernelManager:
        km = await self._launch(kernel_name)
        try:
            reply = await _run_silently(km, "", {"fresh": FRESH_STATE})
            self._record_fresh_state(reply)
        except BaseException:
            await self._stop()
            raise
        return km

    async def _start_early(self, kernel_name: str, warm_up: str) -> None:
        km = await self._launch(kernel_name)
        client = km.client()  # stopped with the kernel's other clients
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        asked = [_execute_silently(client, "", {"fresh": FRESH_STATE})]
        if warm_up:
            asked.append(_execute_silently(client, warm_up))
        self._early = (client, asked)

    async def _finish_early(self) -> None:
        """Wait for the replies to :meth:`start_early`'s requests; record the fresh state."""
        assert self._early is not None and self.manager is not None
        (client, asked), self._early = self._early, None
        try:
            replies = await _shell_replies(self.manager, client, asked, EARLY_WAIT_S)
        finally:
            client.stop_channels()
        self._record_fresh_state(replies[0])
        if len(replies) > 1 and replies[1]["status"] != "ok":  # raised by its notebook
            log.debug("the kernel's warm-up failed: %s", replies[1].get("evalue"))

    def _record_fresh_state(self, reply: dict[str, Any]) -> None:
        if reply["status"] != "ok":
            raise KernelResetError(f"{reply.get('ename')}: {reply.get('evalue')}")
        found = reply["user_expressions"]["fresh"]
        if found.get("status") != "ok":
            raise KernelResetError(f"{found.get('ename')}: {found.get('evalue')}")
        self._environ, self._path = json.loads(ast.literal_eval(found["data"]["text/plain"]))

    async def _reset(self, km: OrderlyKernelManager) -> None:
        environ = {**self._environ, **self.environment}
        code = RESET_CODE.format(cwd=str(self.cwd), environ=environ, path=self._path)
        await _run_on_shell(km, code)

    async def _stop(self) -> None:
        km = self.manager
        self._early = None  # its client is one of the kernel's, stopped with it
        if km is not None:
            await _shut_down(km)
        # forgotten only once it is down: a stop cut short by a signal is done again by close()
        self.manager = None


def _cancel_leftover_tasks() -> None:
    """Cancel what an interrupted notebook left in this thread's event loop (nbclient's
    execution of the cell, awaiting its reply) and let it end, so it does not run on while
    the kernel shuts down (it would report the kernel dead, with a traceback)."""
    loop = ensure_event_loop()
    if loop.is_running():  # called from a coroutine: nothing is left over
        return
    leftover = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in leftover:
        task.cancel()
    if leftover:
        loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))


def kernelspec_name(notebook: Path) -> str | None:
    """The kernel spec a notebook names in its metadata (None: unreadable, or none named)."""
    try:
        name = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["kernelspec"]["name"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) and name else None


def notebook_imports(notebooks: Iterable[Path]) -> list[str]:
    """The top-level ``import``/``from ... import`` statements of the code cells of
    ``notebooks``, in order, without repeats (relative imports and cells that are not Python,
    such as IPython magics, are left out; so is a notebook that cannot be read)."""
    statements: dict[str, None] = {}  # ordered, without repeats
    for notebook in notebooks:
        try:
            cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            try:
                tree = ast.parse("".join(cell.get("source", "")))
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import) or (
                    isinstance(node, ast.ImportFrom) and not node.level
                ):
                    statements.setdefault(ast.unparse(node))
    return list(statements)


def warm_up_code(notebooks: Iterable[Path]) -> str:
    """Code running :func:`notebook_imports` each on its own, failures ignored ("": none)."""
    statements = notebook_imports(notebooks)
    return WARM_UP_CODE.format(statements=statements) if statements else ""


async def _run_silently(
    km: OrderlyKernelManager, code: str, expressions: dict[str, str] | None = None
) -> dict[str, Any]:
    """Execute ``code`` without output or history; the reply's content (error: raised)."""
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=START_WAIT_S)  # also: iopub is connected
        reply = await client.execute_interactive(
            code,
            silent=True,
            store_history=False,
            user_expressions=expressions or {},
            allow_stdin=False,
            timeout=RESET_WAIT_S,
            output_hook=lambda msg: None,  # a silent cell's output is not the run's
        )
    finally:
        client.stop_channels()
    content: dict[str, Any] = reply["content"]
    if content["status"] != "ok":
        raise KernelResetError(f"{content.get('ename')}: {content.get('evalue')}")
    return content


def _execute_silently(client: Any, code: str, expressions: dict[str, str] | None = None) -> str:
    """Send ``code`` to run without output or history; the request's message id."""
    return str(
        client.execute(
            code,
            silent=True,
            store_history=False,
            user_expressions=expressions or {},
            allow_stdin=False,
        )
    )


async def _shell_replies(
    km: OrderlyKernelManager, client: Any, asked: list[str], wait_s: float
) -> list[dict[str, Any]]:
    """The contents of the shell replies to the requests ``asked``, in their order. No reply
    to all of them within ``wait_s`` raises TimeoutError; a kernel found dead while waiting
    (checked every :data:`ALIVE_CHECK_S`) raises RuntimeError at once."""
    deadline = time.monotonic() + wait_s
    replies: dict[str, dict[str, Any]] = {}
    while len(replies) < len(asked):
        left = deadline - time.monotonic()
        try:
            reply = await client.get_shell_msg(timeout=max(min(left, ALIVE_CHECK_S), 0.0))
        except queue.Empty:
            if not await km.is_alive():
                raise RuntimeError("the kernel died") from None
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no reply from the kernel in {wait_s:.0f} s") from None
            continue
        msg_id = reply["parent_header"].get("msg_id")
        if msg_id in asked:
            replies[msg_id] = reply["content"]
    return [replies[msg_id] for msg_id in asked]


async def _run_on_shell(km: OrderlyKernelManager, code: str) -> None:
    """Execute ``code`` silently and wait for its reply on the shell channel alone.

    The reset's output is not wanted, so no IOPub subscription: connecting one and making
    sure it is connected (``wait_for_ready``) costs at least 0.2 s each time. The kernel
    replies once the code has run; an error is raised as :class:`KernelResetError`, no reply
    within :data:`RESET_WAIT_S` as TimeoutError.
    """
    client = km.client()
    client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
    try:
        asked = [_execute_silently(client, code)]
        (content,) = await _shell_replies(km, client, asked, RESET_WAIT_S)
    finally:
        client.stop_channels()
    if content["status"] != "ok":
        raise KernelResetError(f"{content.get('ename')}: {content.get('evalue')}")


async def _shut_down(km: OrderlyKernelManager) -> None:
    """What nbclient does to a kernel it owns: shut it down if alive, then clean up.

    A kernel that cannot be asked to stop is killed. Its connection is cleaned up only once
    it is down: a shutdown cut short by a signal leaves what a second attempt needs.
    """
    try:
        if await km.is_alive():
            await km.shutdown_kernel()
    except Exception as exc:
        if "No kernel is running!" not in str(exc):  # else it died meanwhile (as nbclient)
            log.warning("the run's kernel did not shut down (%s); killing it", exc)
            if await km.is_alive():
                await km._async_kill_kernel()  # jupyter_client has no public kill
    await km.cleanup_resources()
    km.stop_clients()
