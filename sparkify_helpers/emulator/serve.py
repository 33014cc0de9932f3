"""The emulator's server process: moto's server that answers its identity token and, for a
run's private emulator, dies with the process that started it.

Run as ``python -m sparkify_helpers.emulator.serve -H HOST -p PORT``. The token comes from
``SPARKIFY_EMULATOR_TOKEN`` (the environment, not the command line: only its owner can read
it in ``/proc/<pid>/environ``) and is answered at ``/sparkify-emulator/token``. With
``SPARKIFY_EMULATOR_PARENT=<pid>`` the server is tied to that parent: on Linux through the
parent-death signal (``prctl(PR_SET_PDEATHSIG)``), everywhere through a thread that watches
the parent pid; if the parent is already gone at start, the server does not start.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

TOKEN_ENV = "SPARKIFY_EMULATOR_TOKEN"
PARENT_ENV = "SPARKIFY_EMULATOR_PARENT"
TOKEN_PATH = "/sparkify-emulator/token"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_S = 0.5


class TokenApp:
    """WSGI middleware: answers ``TOKEN_PATH`` with the token, everything else goes to moto."""

    def __init__(self, app: Callable[..., Iterable[bytes]], token: str) -> None:
        self.app = app
        self.token = token.encode()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if environ.get("PATH_INFO") == TOKEN_PATH:
            start_response(
                "200 OK",
                [("Content-Type", "text/plain"), ("Content-Length", str(len(self.token)))],
            )
            return [self.token]
        return self.app(environ, start_response)


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends (SIGKILL on Linux; a watcher thread elsewhere)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(err)}")
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sparkify_helpers.emulator.serve")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        sys.exit(f"{TOKEN_ENV} is not set: start the emulator with `sparkify emulator start`")
    parent = os.environ.get(PARENT_ENV)
    if parent:
        die_with_parent(int(parent))
    os.environ.setdefault("MOTO_PORT", str(args.port))

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    def stop(signum: int, frame: Any) -> None:
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    moto_app = DomainDispatcherApplication(create_backend_app)
    moto_app.debug = True  # type: ignore[attr-defined]  # as moto.server does
    run_simple(
        args.host,
        args.port,
        TokenApp(moto_app, token),
        threaded=True,
        use_reloader=False,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
