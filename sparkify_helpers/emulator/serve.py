"""The emulator's server process: moto's server that answers its identity token and, for a
run's private emulator, dies with the process that started it.

Run as ``python -m sparkify_helpers.emulator.serve -H HOST -p PORT``. The token comes from
``SPARKIFY_EMULATOR_TOKEN`` (the environment, not the command line: only its owner can read
it in ``/proc/<pid>/environ``) and is answered at ``/sparkify-emulator/token``. With
``SPARKIFY_EMULATOR_PARENT=<pid>`` the server is tied to that parent: on Linux through the
parent-death signal (``prctl(PR_SET_PDEATHSIG)``), everywhere through a thread that watches
the parent pid; if the parent is already gone at start, the server does not start.

Seeding goes through two routes of its own (:mod:`.store`), which take the token in the
``X-Sparkify-Emulator-Token`` header: ``POST /sparkify-emulator/put-files`` (JSON ``bucket``,
``region``, ``source``, ``keys``) and ``POST /sparkify-emulator/prune`` (``bucket``, ``region``,
``keep``). With ``SPARKIFY_EMULATOR_STORE=<dir>`` the seeded objects persist in that folder
and are loaded into the bucket before the server answers.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

TOKEN_ENV = "SPARKIFY_EMULATOR_TOKEN"
PARENT_ENV = "SPARKIFY_EMULATOR_PARENT"
STORE_ENV = "SPARKIFY_EMULATOR_STORE"
TOKEN_PATH = "/sparkify-emulator/token"
SEED_PATHS = {"/sparkify-emulator/put-files", "/sparkify-emulator/prune"}
TOKEN_HEADER = "X-Sparkify-Emulator-Token"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_S = 0.5


class TokenApp:
    """WSGI middleware: answers ``TOKEN_PATH`` with the token and the seeding routes (for a
    caller that sends the token) from ``store``; everything else goes to moto."""

    def __init__(self, app: Callable[..., Iterable[bytes]], token: str, store: Any = None) -> None:
        self.app = app
        self.token = token.encode()
        self.store = store
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        path = environ.get("PATH_INFO")
        if path == TOKEN_PATH:
            return _reply(start_response, "200 OK", self.token, "text/plain")
        if path in SEED_PATHS and self.store is not None:
            return self._seed(path, environ, start_response)
        return self.app(environ, start_response)

    def _seed(self, path: str, environ: dict[str, Any], start_response: Callable[..., Any]):
        from sparkify_helpers.emulator.store import StoreError

        sent = environ.get("HTTP_" + TOKEN_HEADER.upper().replace("-", "_"), "").encode()
        if environ.get("REQUEST_METHOD") != "POST" or not secrets.compare_digest(sent, self.token):
            return _json(start_response, "403 Forbidden", {"error": "wrong or missing token"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length))
            bucket, region = str(body["bucket"]), str(body["region"])
            with self.lock:
                if path.endswith("/put-files"):
                    source = Path(body["source"])
                    out: Any = self.store.put_files(bucket, region, source, body["keys"])
                else:
                    out = self.store.prune(bucket, region, body["keep"])
        except (ValueError, KeyError, TypeError, StoreError) as exc:
            return _json(start_response, "400 Bad Request", {"error": str(exc)})
        except OSError as exc:  # e.g. a full disk while persisting an object
            error = f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc)
            return _json(start_response, "507 Insufficient Storage", {"error": error})
        return _json(start_response, "200 OK", {"objects": out})


def _reply(start_response: Callable[..., Any], status: str, body: bytes, kind: str):
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def _json(start_response: Callable[..., Any], status: str, payload: Any):
    return _reply(start_response, status, json.dumps(payload).encode(), "application/json")


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
    from sparkify_helpers.emulator import listing
    from sparkify_helpers.emulator.store import BucketStore, s3_backend

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    listing.install()  # ListObjectsV2 rendered without moto's generic serializer
    store = BucketStore.open(os.environ.get(STORE_ENV) or None, s3_backend())
    began = time.monotonic()
    loaded = store.load()
    if store.root is not None:
        logging.info(
            "loaded %s objects from %s in %.2f s", loaded, store.root, time.monotonic() - began
        )
    moto_app = DomainDispatcherApplication(create_backend_app)
    moto_app.debug = True  # type: ignore[attr-defined]  # as moto.server does
    run_simple(
        args.host,
        args.port,
        TokenApp(moto_app, token, store),
        threaded=True,
        use_reloader=False,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
