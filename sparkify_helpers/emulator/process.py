"""The local AWS emulator's process: moto's server as a subprocess, started, found and stopped.

The server runs as ``python -m moto.server`` on a free loopback port, so it outlives the
notebook kernel that started it; ``<state_dir>/emulator.json`` records its pid and endpoint.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from sparkify_helpers import paths
from sparkify_helpers.errors import EmulatorError

log = logging.getLogger(__name__)

STATE_FILE = "emulator.json"
LOG_FILE = "emulator.log"
START_TIMEOUT_S = 30.0
PROBE_PATH = "/moto-api/config"
STOP_TIMEOUT_S = 10.0
_children: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class EmulatorInfo:
    """A running emulator: where to reach it and which process it is."""

    endpoint_url: str
    pid: int
    port: int
    started_at: str = ""


def _state_dir(state_dir: Path | str | None) -> Path:
    return Path(state_dir) if state_dir else paths.state_dir()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(endpoint: str, timeout_s: float = 1.0) -> bool:
    """True when an HTTP server answers at the endpoint (any status).

    Asks for ``/moto-api/config``, a few bytes of JSON: unlike ``/moto-api/data.json`` it
    does not serialise the emulator's whole state, so its cost does not grow with the data.
    """
    try:
        with urllib.request.urlopen(f"{endpoint}{PROBE_PATH}", timeout=timeout_s):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _listening(endpoint: str, timeout_s: float = 1.0) -> bool:
    """True when something accepts TCP connections at the endpoint's host and port.

    The kernel accepts the connection, so a busy server (a large upload or listing in
    progress) still counts as listening.
    """
    parts = urllib.parse.urlsplit(endpoint)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout_s):
            return True
    except (OSError, ValueError):
        return False


def _alive(pid: int) -> bool:
    """True when the process exists and is not a zombie."""
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _is_moto(pid: int) -> bool:
    """True when the pid runs moto.server (guards against a reused pid)."""
    try:
        return b"moto.server" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid in _children or sys.platform != "linux"


def _read_state(sdir: Path) -> EmulatorInfo | None:
    try:
        return EmulatorInfo(**json.loads((sdir / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def status(state_dir: Path | str | None = None) -> EmulatorInfo | None:
    """The running emulator of this state dir, or None.

    The state file is removed only when its process is gone or is not moto's server: while
    the recorded moto process lives, the state is kept (so ``stop`` can still end it), even
    if it does not accept connections right now.
    """
    sdir = _state_dir(state_dir)
    info = _read_state(sdir)
    if info is None:
        return None
    if not (_alive(info.pid) and _is_moto(info.pid)):
        log.info("removing stale emulator state %s (pid %s)", sdir / STATE_FILE, info.pid)
        (sdir / STATE_FILE).unlink(missing_ok=True)
        return None
    if not _listening(info.endpoint_url):
        log.warning(
            "the emulator (pid %s) runs but does not accept connections at %s; if this "
            "lasts, restart it: sparkify emulator stop, then sparkify emulator start",
            info.pid,
            info.endpoint_url,
        )
    return info


def _spawn(sdir: Path) -> EmulatorInfo:
    """Start one moto server subprocess and wait until it answers."""
    port = _free_port()
    env = {
        **os.environ,
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
        "MOTO_PORT": str(port),
        # objects above 1 MiB spool to disk instead of staying in the server's memory
        "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(1024 * 1024),
    }
    cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with open(sdir / LOG_FILE, "ab") as log_handle:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _children[proc.pid] = proc
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _children.pop(proc.pid, None)
            raise EmulatorError(
                f"the emulator exited at start (code {proc.returncode}); see {sdir / LOG_FILE}"
                " and check that moto[server] is installed in this environment"
            )
        if _answers(endpoint, timeout_s=0.5):
            started = datetime.now(timezone.utc).isoformat(timespec="seconds")
            return EmulatorInfo(endpoint, proc.pid, port, started)
        time.sleep(0.1)
    _terminate(proc.pid)
    raise EmulatorError(
        f"the emulator did not answer within {START_TIMEOUT_S:.0f} s; see {sdir / LOG_FILE}"
    )


def start(state_dir: Path | str | None = None) -> EmulatorInfo:
    """Start the emulator for this state dir (or return the one already running)."""
    sdir = _state_dir(state_dir)
    running_info = status(sdir)
    if running_info is not None:
        log.info("emulator already running at %s", running_info.endpoint_url)
        return running_info
    sdir.mkdir(parents=True, exist_ok=True)
    info = _spawn(sdir)
    tmp = sdir / f".{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(asdict(info)))
    tmp.replace(sdir / STATE_FILE)
    log.info("emulator started at %s (pid %s)", info.endpoint_url, info.pid)
    return info


def _terminate(pid: int) -> None:
    """SIGTERM, wait, then SIGKILL; reaps our own child."""
    child = _children.pop(pid, None)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        if child is not None:
            try:
                child.wait(timeout=STOP_TIMEOUT_S)
                return
            except subprocess.TimeoutExpired:
                continue
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if not _alive(pid):
            return
    if child is not None:
        child.wait(timeout=STOP_TIMEOUT_S)


def stop(state_dir: Path | str | None = None) -> bool:
    """Stop this state dir's emulator; False when none was running."""
    sdir = _state_dir(state_dir)
    info = _read_state(sdir)
    (sdir / STATE_FILE).unlink(missing_ok=True)
    if info is None or not _alive(info.pid) or not _is_moto(info.pid):
        return False
    _terminate(info.pid)
    if _alive(info.pid):
        raise EmulatorError(f"emulator pid {info.pid} did not stop; end it with kill {info.pid}")
    log.info("emulator stopped (pid %s)", info.pid)
    return True


@contextmanager
def running(state_dir: Path | str | None = None) -> Iterator[EmulatorInfo]:
    """Start a private emulator for the block and always stop it after."""
    own_dir = state_dir is None
    if own_dir:
        paths.state_dir().mkdir(parents=True, exist_ok=True)
        sdir = Path(tempfile.mkdtemp(prefix="emulator-", dir=paths.state_dir()))
    else:
        sdir = Path(state_dir)  # type: ignore[arg-type]
        if status(sdir) is not None:
            raise EmulatorError(
                f"an emulator already runs for {sdir}; stop it (sparkify emulator stop) "
                "or use another state dir"
            )
    info = start(sdir)
    try:
        yield info
    finally:
        stop(sdir)
        if own_dir:
            shutil.rmtree(sdir, ignore_errors=True)
