"""The local AWS emulator's process: moto's server as a subprocess, started, found and stopped.

The server runs as ``python -m sparkify_helpers.emulator.serve`` on a free loopback port;
``<state_dir>/emulator.json`` records its pid, endpoint, identity token and, for a run's
private emulator, its owner. An emulator is recognised by its token (in the process's
environment, and answered at ``/sparkify-emulator/token``), never by a port that merely
answers. The interactive emulator (``sparkify emulator start``) outlives the command that
started it; a run's private emulator (:func:`running`, in ``<state_dir>/emulator-*/``) dies
with its owner (parent-death signal), and any status or start finds one whose owner is gone
and stops it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
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
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sparkify_helpers import paths
from sparkify_helpers.emulator.serve import (
    PARENT_ENV,
    REGION_ENV,
    STORE_ENV,
    TOKEN_ENV,
    TOKEN_PATH,
)
from sparkify_helpers.errors import EmulatorError

log = logging.getLogger(__name__)

STATE_FILE = "emulator.json"
LOG_FILE = "emulator.log"
PRIVATE_PREFIX = "emulator-"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
SERVE_MODULE = "sparkify_helpers.emulator.serve"
_children: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class EmulatorInfo:
    """A running emulator: where to reach it, which process it is and how it proves it.

    ``owner`` is the pid the server dies with (a run's private emulator), None for the
    interactive one; ``owner_started`` tells that pid from a later process reusing it.
    """

    endpoint_url: str
    pid: int
    port: int
    started_at: str = ""
    token: str = field(default="", repr=False)
    owner: int | None = None
    owner_started: str | None = None


@dataclass(frozen=True)
class EmulatorEntry:
    """One server the project started, as listed by :func:`status_all`."""

    state_dir: Path
    info: EmulatorInfo

    @property
    def private(self) -> bool:
        """True for a run's private emulator (tied to its owner)."""
        return self.info.owner is not None


def _state_dir(state_dir: Path | str | None) -> Path:
    return Path(state_dir) if state_dir else paths.state_dir()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers_token(info: EmulatorInfo, timeout_s: float = 1.0) -> bool:
    """True when the server at the endpoint answers with this emulator's token.

    The token route is served before moto's dispatcher, so its cost does not grow with the
    emulator's data.
    """
    if not info.token:
        return False
    try:
        with urllib.request.urlopen(f"{info.endpoint_url}{TOKEN_PATH}", timeout=timeout_s) as r:
            return secrets.compare_digest(r.read(256), info.token.encode())
    except (OSError, ValueError):
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


def _listener_inodes(port: int) -> set[str] | None:
    """Inodes of the TCP sockets listening on ``port`` (Linux), None where /proc has none."""
    inodes: set[str] = set()
    found_table = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        found_table = True
        for line in lines:
            fields = line.split()
            listens = len(fields) > 9 and fields[3] == "0A"  # TCP_LISTEN
            if listens and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes if found_table else None


def _owns_listener(pid: int, port: int) -> bool | None:
    """Whether ``pid`` holds the socket listening on ``port``; None when nothing listens there
    or this system cannot tell (no /proc)."""
    inodes = _listener_inodes(port)
    if not inodes:
        return None
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:[") and link[8:-1] in inodes:
            return True
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


def _process_start(pid: int) -> str | None:
    """When the process started (clock ticks since boot, Linux), to tell a reused pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _owner_alive(info: EmulatorInfo) -> bool:
    if info.owner is None:
        return True
    if not _alive(info.owner):
        return False
    return info.owner_started is None or _process_start(info.owner) in (None, info.owner_started)


def _is_ours(info: EmulatorInfo) -> bool:
    """True when the pid is the server this state file started: its environment holds the
    token (Linux), or it answers with the token (elsewhere). Guards against a reused pid."""
    if not info.token:
        return False
    try:
        environ = Path(f"/proc/{info.pid}/environ").read_bytes().split(b"\0")
    except FileNotFoundError:
        return False if sys.platform.startswith("linux") else answers_token(info)
    except OSError:
        return False
    return f"{TOKEN_ENV}={info.token}".encode() in environ


def _is_legacy_moto(info: EmulatorInfo) -> bool:
    """A server recorded before tokens existed (``python -m moto.server``)."""
    if info.token:
        return False
    try:
        return b"moto.server" in Path(f"/proc/{info.pid}/cmdline").read_bytes()
    except OSError:
        return False


def _read_state(sdir: Path) -> EmulatorInfo | None:
    try:
        return EmulatorInfo(**json.loads((sdir / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _write_state(sdir: Path, info: EmulatorInfo) -> None:
    tmp = sdir / f".{STATE_FILE}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(asdict(info)))
    tmp.replace(sdir / STATE_FILE)


def status(state_dir: Path | str | None = None) -> EmulatorInfo | None:
    """The running emulator of this state dir, or None.

    The recorded pid must be the server that holds the token; a foreign server on the
    recorded port is never accepted. The state file is removed when its process is gone or
    is not ours; a private emulator whose owner is gone is stopped. While our process lives,
    the state is kept (so ``stop`` can still end it), even if it does not accept connections.
    """
    sdir = _state_dir(state_dir)
    info = _read_state(sdir)
    if info is None:
        return None
    if not _alive(info.pid) or not (_is_ours(info) or _is_legacy_moto(info)):
        log.info("removing stale emulator state %s (pid %s)", sdir / STATE_FILE, info.pid)
        (sdir / STATE_FILE).unlink(missing_ok=True)
        return None
    if _is_legacy_moto(info):
        log.warning(
            "an emulator started by an older version runs (pid %s); it has no identity token: "
            "stop it with `sparkify emulator stop`",
            info.pid,
        )
        return None
    if not _owner_alive(info):
        log.warning(
            "stopping emulator pid %s: the run that started it (pid %s) is gone",
            info.pid,
            info.owner,
        )
        stop(sdir)
        return None
    owned = _owns_listener(info.pid, info.port)
    if owned is False:
        log.warning(
            "another process listens on port %s, not the emulator (pid %s): not using it; "
            "restart it: sparkify emulator stop, then sparkify emulator start",
            info.port,
            info.pid,
        )
        return None
    if owned is None and not _listening(info.endpoint_url):
        log.warning(
            "the emulator (pid %s) runs but does not accept connections at %s; if this "
            "lasts, restart it: sparkify emulator stop, then sparkify emulator start",
            info.pid,
            info.endpoint_url,
        )
    return info


def _state_dirs(root: Path) -> list[Path]:
    """The interactive state dir and every run-private one under it."""
    return [root, *sorted(p for p in root.glob(f"{PRIVATE_PREFIX}*") if p.is_dir())]


def reap_orphans(state_root: Path | str | None = None) -> list[int]:
    """Stop run-private emulators whose owner is gone and remove their folders; their pids.

    The fallback for systems without the parent-death signal (and for a kill between fork
    and arming it). A folder without a state file is removed once it is older than a start.
    """
    root = _state_dir(state_root)
    stopped: list[int] = []
    for sdir in _state_dirs(root)[1:]:
        info = _read_state(sdir)
        if info is not None and not _owner_alive(info):
            if _alive(info.pid) and _is_ours(info):
                stopped.append(info.pid)
            status(sdir)  # stops it and removes its state
        if _read_state(sdir) is None:
            try:
                age = time.time() - sdir.stat().st_mtime
            except OSError:
                continue
            if info is not None or age > 2 * START_TIMEOUT_S:
                shutil.rmtree(sdir, ignore_errors=True)
    return stopped


def status_all(state_root: Path | str | None = None) -> list[EmulatorEntry]:
    """Every emulator the project started under the state dir (interactive and run-private);
    orphans found on the way are stopped."""
    root = _state_dir(state_root)
    reap_orphans(root)
    found = []
    for sdir in _state_dirs(root):
        info = status(sdir)
        if info is not None:
            found.append(EmulatorEntry(sdir, info))
    return found


def stop_all(state_root: Path | str | None = None) -> list[EmulatorEntry]:
    """Stop every emulator the project started under the state dir; those that were running.

    Also ends servers recorded by an older version (without a token).
    """
    root = _state_dir(state_root)
    stopped = []
    for sdir in _state_dirs(root):
        info = _read_state(sdir)
        if info is not None and stop(sdir):
            stopped.append(EmulatorEntry(sdir, info))
        if sdir != root and _read_state(sdir) is None:
            shutil.rmtree(sdir, ignore_errors=True)
    return stopped


def _spawn(
    sdir: Path, owner: int | None, store: Path | None, region: str | None = None
) -> EmulatorInfo:
    """Start one server subprocess (tied to ``owner`` when given; its seeded bucket kept in
    ``store`` when given; moto's backends warmed in ``region``) and wait until it answers
    with its token."""
    port = _free_port()
    token = secrets.token_hex(16)
    env = {
        **os.environ,
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
        "MOTO_PORT": str(port),
        # objects above 1 MiB spool to disk instead of staying in the server's memory
        "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(1024 * 1024),
        TOKEN_ENV: token,
    }
    env.pop(PARENT_ENV, None)
    env.pop(STORE_ENV, None)
    env.pop(REGION_ENV, None)
    if region:
        env[REGION_ENV] = region
    if store is not None:
        env[STORE_ENV] = str(Path(store).resolve())
    if owner is not None:
        env[PARENT_ENV] = str(owner)
    cmd = [sys.executable, "-m", SERVE_MODULE, "-H", "127.0.0.1", "-p", str(port)]
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
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    owner_started = _process_start(owner) if owner is not None else None
    info = EmulatorInfo(
        f"http://127.0.0.1:{port}", proc.pid, port, started, token, owner, owner_started
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _children.pop(proc.pid, None)
            raise EmulatorError(
                f"the emulator exited at start (code {proc.returncode}); see {sdir / LOG_FILE}"
                " and check that moto[server] is installed in this environment"
            )
        if answers_token(info, timeout_s=0.5):
            return info
        time.sleep(0.1)
    _terminate(proc.pid)
    raise EmulatorError(
        f"the emulator did not answer with its token within {START_TIMEOUT_S:.0f} s; "
        f"see {sdir / LOG_FILE}"
    )


def start(
    state_dir: Path | str | None = None,
    *,
    owner: int | None = None,
    store: Path | str | None = None,
    region: str | None = None,
) -> EmulatorInfo:
    """Start the emulator for this state dir (or return the one already running).

    With ``owner`` (a pid), the server dies with that process: a run's private emulator.
    Without, it outlives the process that started it (interactive work, ``make lab``).
    With ``store`` (a folder), the seeded bucket persists there between servers
    (:mod:`.store`); the server loads it in the background, holding requests for its buckets
    until done. ``region``: where the server warms moto's backends for provisioning
    (default us-west-2).
    Orphaned run-private emulators under the state dir are stopped first.
    """
    sdir = _state_dir(state_dir)
    reap_orphans(sdir)
    running_info = status(sdir)
    if running_info is not None:
        log.info("emulator already running at %s", running_info.endpoint_url)
        return running_info
    stop(sdir)  # a recorded server of ours that is no use (e.g. not listening any more)
    sdir.mkdir(parents=True, exist_ok=True)
    info = _spawn(sdir, owner, Path(store) if store is not None else None, region)
    _write_state(sdir, info)
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
    """Stop this state dir's emulator; False when none was running.

    Only a process that is ours (it holds the recorded token, or is a pre-token moto server)
    is signalled: a pid reused by another program is left alone.
    """
    sdir = _state_dir(state_dir)
    info = _read_state(sdir)
    (sdir / STATE_FILE).unlink(missing_ok=True)
    if info is None or not _alive(info.pid) or not (_is_ours(info) or _is_legacy_moto(info)):
        return False
    _terminate(info.pid)
    if _alive(info.pid):
        raise EmulatorError(f"emulator pid {info.pid} did not stop; end it with kill {info.pid}")
    log.info("emulator stopped (pid %s)", info.pid)
    return True


@contextmanager
def running(
    state_dir: Path | str | None = None,
    *,
    store: Path | str | None = None,
    region: str | None = None,
) -> Iterator[EmulatorInfo]:
    """Start a private emulator for the block and always stop it after.

    The server is tied to this process: it dies with it, even after ``kill -9`` (on Linux the
    parent-death signal follows the thread that enters the block, so enter it in a thread
    that outlives the block, as the runner's main thread does). Without
    ``state_dir`` its state lives in a fresh ``<state_dir>/emulator-*/`` folder, listed by
    :func:`status_all`; orphans of earlier runs are stopped first. ``store`` and ``region`` as
    for :func:`start`.
    """
    own_dir = state_dir is None
    if own_dir:
        root = paths.state_dir()
        root.mkdir(parents=True, exist_ok=True)
        reap_orphans(root)
        sdir = Path(tempfile.mkdtemp(prefix=PRIVATE_PREFIX, dir=root))
    else:
        sdir = Path(state_dir)  # type: ignore[arg-type]
        if status(sdir) is not None:
            raise EmulatorError(
                f"an emulator already runs for {sdir}; stop it (sparkify emulator stop) "
                "or use another state dir"
            )
    try:
        info = start(sdir, owner=os.getpid(), store=store, region=region)
        yield info
    finally:
        stop(sdir)
        if own_dir:
            shutil.rmtree(sdir, ignore_errors=True)
