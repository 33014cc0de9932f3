"""One run at a time per warehouse: an exclusive ``flock`` on a lock file held for the run.

The file holds its holder as JSON (run id, PID, host, start time), so a second run can name
it. The kernel releases ``flock`` when the holder's process ends, even after ``kill -9``, so
a lock left behind by a dead run is taken over, with a logged note naming that run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from sparkify_helpers.errors import WarehouseLockedError

log = logging.getLogger(__name__)


def describe_holder(holder: dict) -> str:
    """``run 20261202-155500 (PID 123 on host, started 2026-12-02 15:55:00 UTC)``."""
    started = holder.get("started_at", "?")
    with contextlib.suppress(TypeError, ValueError):
        started = f"{datetime.fromisoformat(started):%Y-%m-%d %H:%M:%S} UTC"
    host = f" on {holder['host']}" if holder.get("host") else ""
    pid = holder.get("pid", "?")
    return f"run {holder.get('run_id', '?')} (PID {pid}{host}, started {started})"


def _read_holder(handle) -> dict:
    handle.seek(0)
    text = handle.read()
    if not text.strip():
        return {}
    try:
        holder = json.loads(text)
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


@contextlib.contextmanager
def held(lock_file: Path, run_id: str, what: str) -> Iterator[dict]:
    """Hold ``lock_file`` for the ``with`` block; WarehouseLockedError naming the holder if taken.

    ``what`` names the guarded thing in messages (e.g. ``the local warehouse /x.duckdb``).
    """
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(handle)
            who = describe_holder(holder) if holder else "another run"
            raise WarehouseLockedError(
                f"{what[0].upper()}{what[1:]} is in use by {who}: one run at a time per "
                f"warehouse. Wait for it to finish, or stop it (`kill {holder.get('pid', 'PID')}`"
                "), then try again; nothing was run."
            ) from None
        previous = _read_holder(handle)
        if previous:
            log.warning(
                "taking over the run lock %s left by %s, which is no longer running",
                lock_file,
                describe_holder(previous),
            )
        holder = {
            "run_id": run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(timezone.utc).isoformat(),
        }
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder))
        handle.flush()
        try:
            yield holder
        finally:
            handle.seek(0)
            handle.truncate()  # a clean end leaves no holder behind; flock ends with the close
            handle.flush()


# -- Redshift: the lock must hold across machines ---------------------------------------------

LOCK_TABLE = "sparkify_run_lock"  # never holds rows: a run LOCKs it for its whole length
HOLDER_TABLE = "sparkify_run_holder"  # one committed row: who holds the lock
LOCK_WAIT_MS = 5_000
CONTROL_DDL = (
    f"CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (held BOOLEAN)",
    f"CREATE TABLE IF NOT EXISTS {HOLDER_TABLE} (run_id VARCHAR(64), pid INTEGER, "
    "host VARCHAR(256), started_at VARCHAR(64))",
)
WAIT_FOR_LOCK = f"SET statement_timeout TO {LOCK_WAIT_MS}"
TAKE_LOCK = f"LOCK {LOCK_TABLE}"
STOP_WAITING = "SET statement_timeout TO 0"
READ_HOLDER = f"SELECT run_id, pid, host, started_at FROM {HOLDER_TABLE} LIMIT 1"
CLEAR_HOLDER = f"DELETE FROM {HOLDER_TABLE}"
WRITE_HOLDER = (
    f"INSERT INTO {HOLDER_TABLE} (run_id, pid, host, started_at) "
    "VALUES (:run_id, :pid, :host, :started_at)"
)
# Every statement the lock sends to Redshift (tests parse them as Redshift SQL).
REDSHIFT_STATEMENTS = (
    *CONTROL_DDL,
    WAIT_FOR_LOCK,
    TAKE_LOCK,
    STOP_WAITING,
    READ_HOLDER,
    CLEAR_HOLDER,
    WRITE_HOLDER,
)


def _holder_row(conn) -> dict:
    row = conn.exec_driver_sql(READ_HOLDER).fetchone()
    return dict(zip(("run_id", "pid", "host", "started_at"), row, strict=True)) if row else {}


@contextlib.contextmanager
def held_on_redshift(engine, run_id: str, what: str) -> Iterator[dict]:
    """Hold ``LOCK sparkify_run_lock`` in a transaction open for the ``with`` block.

    Redshift releases the lock when the holding session ends (its process died, its
    connection dropped), so a dead run's lock is taken over as the local flock is. The
    holder's row is committed on a second connection (the locked table cannot be read).
    """
    import sqlalchemy as sa

    with engine.begin() as setup:
        for statement in CONTROL_DDL:
            setup.exec_driver_sql(statement)
    lock = engine.connect()
    try:
        lock.begin()
        lock.exec_driver_sql(WAIT_FOR_LOCK)
        try:
            lock.exec_driver_sql(TAKE_LOCK)
        except sa.exc.DBAPIError:
            with engine.connect() as peek:
                holder = _holder_row(peek)
            who = describe_holder(holder) if holder else "another run"
            raise WarehouseLockedError(
                f"{what[0].upper()}{what[1:]} is in use by {who}: one run at a time per "
                "warehouse (the lock is held across machines). Wait for it to finish, then "
                "try again; nothing was run."
            ) from None
        lock.exec_driver_sql(STOP_WAITING)
        holder = {
            "run_id": run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(timezone.utc).isoformat(),
        }
        with engine.begin() as record:
            previous = _holder_row(record)
            if previous:
                log.warning(
                    "taking over the run lock on %s left by %s, which is no longer running",
                    what,
                    describe_holder(previous),
                )
            record.exec_driver_sql(CLEAR_HOLDER)
            record.execute(sa.text(WRITE_HOLDER), holder)
        try:
            yield holder
        finally:
            with engine.begin() as record:
                record.exec_driver_sql(CLEAR_HOLDER)
    finally:
        lock.rollback()  # ends the transaction, and with it the LOCK
        lock.close()
