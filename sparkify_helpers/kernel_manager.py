"""The kernel manager of ``sparkify run``: an interrupted kernel shuts down without a traceback.

jupyter_client's shutdown interrupts the kernel and at once asks it to shut down. The cell
the interrupt ended then sends its reply on a socket the shutdown has closed, and the kernel
logs ``ZMQError: Socket operation on non-socket`` with a traceback to its stderr, which is
the run's console. :class:`OrderlyKernelManager` interrupts, waits for the kernel to answer a
``kernel_info`` request on the shell channel (the kernel answers shell requests in order, so
the interrupted cell has replied by then; at most :data:`REPLY_WAIT_S`), and only then asks
it to shut down, without interrupting it a second time (an interrupt that finds the kernel
idle is logged as an error too). Nothing is filtered from stderr.

A kernel known to be idle (its last notebook ran to its end or stopped at a cell's error) has
no cell to let reply: :meth:`OrderlyKernelManager.request_idle_shutdown` asks it to shut down
without the interrupt and returns at once, so the kernel exits while the run does other work;
the next :meth:`shutdown_kernel` only waits for it (``shutdown_wait_time``, then it is killed).

It also keeps the clients it hands out: nbclient leaves the channels of a kernel it was given
open (it does not own the kernel), so the run stops them with :meth:`stop_clients`.
"""

from __future__ import annotations

import logging
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.asynchronous import AsyncKernelClient

log = logging.getLogger(__name__)

REPLY_WAIT_S = 10.0


class OrderlyKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose shutdown lets an interrupted cell reply first."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._clients: list[AsyncKernelClient] = []
        self.shutdown_requested = False

    def client(self, **kwargs: Any) -> AsyncKernelClient:  # type: ignore[override]  # as its base
        """A client of the kernel, kept until :meth:`stop_clients`."""
        client = super().client(**kwargs)
        self._clients.append(client)
        return client

    def stop_clients(self) -> None:
        """Stop the channels of every client handed out so far."""
        clients, self._clients = self._clients, []
        for client in clients:
            client.stop_channels()

    async def request_idle_shutdown(self) -> None:
        """Ask an idle kernel to shut down (no interrupt) and return without waiting."""
        self.shutting_down = True
        self.stop_restarter()
        await self._async_request_shutdown()
        self.shutdown_requested = True

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        if self.shutdown_requested and not now and not restart and self.has_kernel:
            # asked already (request_idle_shutdown): wait for it to exit, as jupyter_client does
            await self._async_finish_shutdown()
            await self._async_cleanup_resources()
            return
        if now or not self.owns_kernel or not self.has_kernel:
            await super()._async_shutdown_kernel(now=now, restart=restart)
            return
        # jupyter_client's own steps (manager.py, _async_shutdown_kernel), with the wait added
        self.shutting_down = True
        self.stop_restarter()
        await self._async_interrupt_kernel()
        await self._replied()
        await self._async_request_shutdown(restart=restart)
        await self._async_finish_shutdown(restart=restart)
        await self._async_cleanup_resources(restart=restart)

    shutdown_kernel = _async_shutdown_kernel  # as AsyncKernelManager binds its own

    async def _replied(self) -> None:
        """Wait until the kernel answers a shell request (so it has answered the one before)."""
        client = self.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=REPLY_WAIT_S)
        except RuntimeError as exc:  # dead or unresponsive: the shutdown ends it anyway
            log.debug("kernel did not answer before its shutdown: %s", exc)
        finally:
            client.stop_channels()
