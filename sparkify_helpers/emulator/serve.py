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
and are loaded into the bucket (held without their bytes, see :mod:`.store`) in a background
thread once the server answers: the seeding routes, and every request for a bucket the folder
holds, wait until the load is done (a failed load answers them 503 with its reason), so no
request sees a half-loaded bucket; other requests (IAM, EC2, ...) proceed. A stop writes the
store's index if a seeding changed it since it was last written.

Once started, the server also warms moto's backends for notebook 01 (:mod:`.warmup`) in
``SPARKIFY_EMULATOR_REGION`` (default ``us-west-2``) while it has no request in hand, and
it serves ListObjectsV2 through its own renderer (:mod:`.listing`), without work of moto's
that its answers never use (:mod:`.motostart`).
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
REGION_ENV = "SPARKIFY_EMULATOR_REGION"
DEFAULT_REGION = "us-west-2"  # config/local.yaml's
TOKEN_PATH = "/sparkify-emulator/token"
SEED_PATHS = {"/sparkify-emulator/put-files", "/sparkify-emulator/prune"}
TOKEN_HEADER = "X-Sparkify-Emulator-Token"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_S = 0.5
STOP_WAIT_S = 5.0  # how long a stop waits for a seeding write in hand
IDLE_QUIET_S = 0.1  # how long the server must have had no request before a warm-up step
log = logging.getLogger(__name__)


class TokenApp:
    """WSGI middleware: answers ``TOKEN_PATH`` with the token and the seeding routes (for a
    caller that sends the token) from ``store``; everything else goes to moto."""

    def __init__(self, app: Callable[..., Iterable[bytes]], token: str, store: Any = None) -> None:
        self.app = app
        self.token = token.encode()
        self.store = store
        self.lock = threading.Lock()
        self.loaded = threading.Event()
        self.loaded.set()
        self.load_error: str | None = None
        self._loading: frozenset[str] = frozenset()
        self._busy = 0  # requests in hand
        self._last = 0.0  # when the last one ended (monotonic)
        self._count_lock = threading.Lock()

    def settle_for_exit(self) -> None:
        """Before the process exits: wait for a seeding write in hand to finish (its objects
        are whole), then write the store's index if it changed; the seeding lock stays held,
        so no seeding request starts after this. A load still running holds that lock but
        writes nothing: it is not waited for (the next load reads again what it had not)."""
        if self.loaded.is_set() and self.lock.acquire(timeout=STOP_WAIT_S):
            self.store.save()

    def start_loading(self) -> threading.Thread:
        """Load the store's buckets in a background thread (started), holding the seeding lock;
        until it is done, requests for those buckets wait."""
        self._loading = frozenset(self.store.bucket_names())
        self.loaded.clear()
        self.lock.acquire()  # here, so no seeding request slips in before the thread runs
        thread = threading.Thread(target=self._load, name="store-load", daemon=True)
        try:
            thread.start()
        except BaseException:
            self.loaded.set()
            self.lock.release()
            raise
        return thread

    def _load(self) -> None:
        began = time.monotonic()
        try:
            loaded = self.store.load()
            log.info(
                "loaded %s objects from %s in %.2f s",
                loaded,
                self.store.root,
                time.monotonic() - began,
            )
        except Exception as exc:  # answered to every request that waited for the load
            log.exception("loading the bucket store %s failed", self.store.root)
            self.load_error = f"the emulator could not load its bucket store: {exc}"
        finally:
            self.loaded.set()
            self.lock.release()

    def _waits_for_load(self, path: str, environ: dict[str, Any]) -> bool:
        """Whether the request names a bucket the store loads (path-style or virtual host)."""
        if not self._loading:
            return False
        first = path.split("/", 2)[1] if path.startswith("/") else ""
        host = environ.get("HTTP_HOST", "").split(":")[0]
        # a virtual-host bucket name may itself hold dots (my.bucket.s3.localhost)
        return first in self._loading or any(host.startswith(f"{b}.") for b in self._loading)

    def wait_idle(self, quiet_s: float = IDLE_QUIET_S) -> None:
        """Return once the store is loaded and no request has been in hand for ``quiet_s``."""
        self.loaded.wait()
        while True:
            with self._count_lock:
                wait = quiet_s if self._busy else self._last + quiet_s - time.monotonic()
            if wait <= 0:
                return
            time.sleep(wait)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        with self._count_lock:
            self._busy += 1
        try:
            return self._answer(environ, start_response)
        finally:
            with self._count_lock:
                self._busy -= 1
                self._last = time.monotonic()

    def _answer(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        path = environ.get("PATH_INFO") or ""
        if path == TOKEN_PATH:
            return _reply(start_response, "200 OK", self.token, "text/plain")
        if path in SEED_PATHS and self.store is not None:
            return self._seed(path, environ, start_response)
        if self._waits_for_load(path, environ):
            self.loaded.wait()
            if self.load_error is not None:
                return _json(start_response, "503 Service Unavailable", {"error": self.load_error})
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
                if self.load_error is not None:
                    return _json(
                        start_response, "503 Service Unavailable", {"error": self.load_error}
                    )
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
    from sparkify_helpers.emulator import motostart

    # botocore's data parsed once while moto loads and the warm-up runs (undone after it)
    unshare_loader = motostart.share_botocore_loader()
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    serving: list[TokenApp] = []  # the app, once it exists (a signal may come before)

    def stop(signum: int, frame: Any) -> None:
        # The store writes each object as it arrives, so skip the interpreter's teardown of
        # moto's state (2-3 s): settle the store, flush the log, exit at once
        if serving:
            serving[0].settle_for_exit()
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    from sparkify_helpers.emulator import listing, warmup
    from sparkify_helpers.emulator.store import ACCOUNT_ID, BucketStore, s3_backend

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    listing.install()  # ListObjectsV2 rendered without moto's generic serializer
    motostart.install_account_lookup()  # IAM's other partitions made only when used
    store = BucketStore.open(os.environ.get(STORE_ENV) or None, s3_backend())
    moto_app = DomainDispatcherApplication(create_backend_app)
    moto_app.debug = True  # type: ignore[attr-defined]  # as moto.server does
    app = TokenApp(moto_app, token, store)
    serving.append(app)
    if store.root is not None:
        app.start_loading()
    region = os.environ.get(REGION_ENV) or DEFAULT_REGION
    warmup.start(ACCOUNT_ID, [region], app.wait_idle, finished=unshare_loader)
    run_simple(
        args.host,
        args.port,
        app,
        threaded=True,
        use_reloader=False,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
