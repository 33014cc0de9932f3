"""Opening the local warehouse's DuckDB file, and saying who holds it when another process does.

Only DuckDB itself is imported here, so ``sparkify run`` can refuse a held warehouse before its
emulator starts without importing the warehouse's SQL machinery (pandas, sqlglot).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from sparkify_helpers.errors import WarehouseError, WarehouseLockedError

_LOCK_PID = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")


def open_duckdb(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file; a file held by another process raises WarehouseLockedError."""
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(
            f"The local warehouse {path} does not exist yet: run `sparkify run` "
            "(or notebooks 02 and 03) to build it first."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.ConnectionException as exc:
        mode = "read-only" if read_only else "read-write"
        raise WarehouseLockedError(
            f"The local warehouse {path} is already open in this process with another mode "
            f"than {mode} (e.g. a %sql connection). Close it first (`%sql --close NAME`, "
            "or `.close()` on the other connection), then try again."
        ) from exc
    except duckdb.IOException as exc:
        match = _LOCK_PID.search(str(exc))
        if not match:
            raise WarehouseError(f"Cannot open the local warehouse {path}: {exc}") from exc
        raise WarehouseLockedError(lock_message(path, int(match["pid"]), match["exe"])) from exc


def lock_message(path: Path, pid: int, exe: str) -> str:
    """Explain who holds the DuckDB file and what to do about it."""
    holder = _describe_process(pid) or exe
    return (
        f"The local warehouse {path} is in use by process {pid} ({holder}). "
        "DuckDB lets one process write a file at a time. Close that connection first: "
        "restart the kernel of the notebook that has it open (or run `%sql --close` there), "
        f"or stop the process (`kill {pid}`), or point this run at another file with "
        "`--warehouse PATH`."
    )


def _describe_process(pid: int) -> str | None:
    try:
        import psutil

        proc = psutil.Process(pid)
        return " ".join(proc.cmdline()[:4]) or proc.name()
    except Exception:  # psutil missing, process gone or not ours: fall back to DuckDB's text
        return None
