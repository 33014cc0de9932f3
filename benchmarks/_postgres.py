"""The row-by-row baseline: a private PostgreSQL server and the old sparkify-rdb load loop.

``server()`` runs ``initdb`` into a temporary folder and ``pg_ctl start`` on a free loopback
port (as the ``postgres`` user when we are root), then always stops and removes it.
``load_row_by_row`` reproduces the original ETL: pandas reads each JSON file, then one
``INSERT`` per row, committed per file.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.datagen.encode import LOG_FIELDS

INSTALL_HINT = (
    "install the PostgreSQL server to include it: `apt-get install -y postgresql` "
    "(Debian/Ubuntu; binaries land in /usr/lib/postgresql/<version>/bin) or "
    "`brew install postgresql` (macOS)"
)
_TOOLS = ("initdb", "pg_ctl", "postgres")

EVENTS_DDL = """CREATE TABLE staging_events (
    artist text, auth text, first_name text, gender text, item_in_session double precision,
    last_name text, length double precision, level text, location text, method text,
    page text, registration double precision, session_id double precision, song text,
    status double precision, ts bigint, user_agent text, user_id text)"""
SONGS_DDL = """CREATE TABLE staging_songs (
    num_songs double precision, artist_id text, artist_latitude double precision,
    artist_longitude double precision, artist_location text, artist_name text, song_id text,
    title text, duration double precision, year double precision)"""
EVENT_FIELDS = list(LOG_FIELDS)
# The song JSON keys: staging_songs is loaded with JSON 'auto', so its columns are the keys.
SONG_FIELDS = list(read_catalog().table("staging_songs").column_names)


def find_bin_dir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres (PATH first, then Debian's layout)."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    candidates += [Path(p) for p in reversed(versions)]
    return next((d for d in candidates if all((d / t).exists() for t in _TOOLS)), None)


def server_version(bin_dir: Path) -> str:
    """``postgres --version`` of the binaries."""
    out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(tmp: Path) -> list[str]:
    """The command prefix that runs PostgreSQL tools (root must hand over to ``postgres``)."""
    if os.geteuid() != 0:
        return []
    shutil.chown(tmp, user="postgres", group="postgres")
    return ["runuser", "-u", "postgres", "--"]


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr or done.stdout}")


@contextmanager
def server(bin_dir: Path) -> Iterator[str]:
    """A private PostgreSQL server for the block; yields its libpq connection string."""
    tmp = Path(tempfile.mkdtemp(prefix="sparkify-bench-pg-"))
    data = tmp / "data"
    prefix = _as_server_user(tmp)
    pg_ctl = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "bench", "-A", "trust"]
        _run([*prefix, *initdb, "-E", "UTF8", "--no-sync"], "initdb")
        port = _free_port()
        options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1"
        _run(
            [*pg_ctl, "-l", str(tmp / "server.log"), "-w", "-t", "60", "-o", options, "start"],
            "pg_ctl start",
        )
        started = True
        yield f"host=127.0.0.1 port={port} user=bench dbname=postgres"
    finally:
        if started:
            subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _insert_sql(table: str, n: int) -> str:
    return f"INSERT INTO {table} VALUES ({', '.join(['%s'] * n)})"


def _load_files(conn, files: list[Path], table: str, fields: list[str]) -> int:
    """The old ETL's loop: ``pd.read_json`` per file, one INSERT per row, commit per file."""
    import pandas as pd

    insert = _insert_sql(table, len(fields))
    rows = 0
    with conn.cursor() as cur:
        for path in files:
            frame = pd.read_json(path, lines=True).reindex(columns=fields)
            frame = frame.astype(object).where(frame.notna(), None)
            for row in frame.itertuples(index=False, name=None):
                cur.execute(insert, row)
                rows += 1
            conn.commit()
    return rows


def load_row_by_row(conninfo: str, files: dict[str, list[Path]]) -> list[dict]:
    """Recreate the staging tables and load them row by row; one stage dict per table."""
    import psycopg

    stages = []
    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS staging_events, staging_songs")
            cur.execute(EVENTS_DDL)
            cur.execute(SONGS_DDL)
        conn.commit()
        for table, part, fields in (
            ("staging_events", "log_data", EVENT_FIELDS),
            ("staging_songs", "song_data", SONG_FIELDS),
        ):
            began = time.perf_counter()
            rows = _load_files(conn, files[part], table, fields)
            stages.append(
                {
                    "stage": f"baseline: INSERT row by row into {table}",
                    "seconds": time.perf_counter() - began,
                    "rows": rows,
                    "peak_rss": 0,
                }
            )
    return stages
