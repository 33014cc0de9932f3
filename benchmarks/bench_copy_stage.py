"""The COPY's DuckDB part alone, in wall and CPU seconds, for comparing two versions of ``copy/``.

``make bench`` times the whole load on a shared machine, where other processes move wall times
by tens of percent. This runs only ``copy.load.run_load`` (read, convert, insert; no S3
listing or download) on a generated dataset's files, and reports the process's CPU time
(user + system, all DuckDB threads) beside the wall time, best of ``--repeat``. To compare
two versions, run it once with each on ``PYTHONPATH`` (e.g. an export of ``main``)::

    .venv/bin/python benchmarks/bench_copy_stage.py --data DIR --repeat 3
    PYTHONPATH=/tmp/main-export .venv/bin/python benchmarks/bench_copy_stage.py --data DIR

``DIR`` is a dataset folder (``sparkify generate --out DIR --events N``, or one that
``bench_load.py`` cached in ``benchmarks/work/data/``). It uses only APIs both versions have.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import datetime
from pathlib import Path

import duckdb

import sparkify_helpers
from sparkify_helpers import sqlfiles
from sparkify_helpers.catalog import create_dir, read_catalog
from sparkify_helpers.copy import DEFAULT_TUNING, CopyTuning, parse_copy
from sparkify_helpers.copy.columns import target_columns
from sparkify_helpers.copy.fetch import CachedFile
from sparkify_helpers.copy.jsonpaths import parse_jsonpaths
from sparkify_helpers.copy.load import run_load
from sparkify_helpers.dialect import is_copy, translate
from sparkify_helpers.paths import sql_dir

TABLES = ("staging_events", "staging_songs")
PARAMETERS = {
    "log_data": "s3://b/log_data",
    "log_jsonpath": "s3://b/log_json_path.json",
    "song_data": "s3://b/song_data",
    "role_arn": "arn:aws:iam::123456789012:role/bench",
    "region": "us-west-2",
}


def shipped_copy(table: str) -> str:
    """The project's own COPY into ``table`` (sql/copy), rendered for the local files."""
    for sql_file in sqlfiles.read_sql_folder(sql_dir() / "copy"):
        for statement in sql_file.statements:
            rendered = sqlfiles.render(statement, PARAMETERS)
            if is_copy(rendered) and parse_copy(rendered).table == table:
                return rendered
    raise SystemExit(f"sql/copy has no COPY into {table}")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _files(folder: Path) -> list[CachedFile]:
    paths = sorted(p for p in folder.rglob("*.json") if p.is_file())
    return [CachedFile(f"s3://b/{p.relative_to(folder.parent)}", p, p.stat().st_size, False)
            for p in paths]  # fmt: skip


def measure(data: Path, table: str, tuning: CopyTuning = DEFAULT_TUNING) -> dict[str, float]:
    """One COPY of ``table`` from ``data`` into a fresh in-memory DuckDB: rows, wall, CPU."""
    con = duckdb.connect()
    for sql_file in sqlfiles.read_sql_folder(create_dir()):
        for statement in sql_file.statements:
            for translated in translate(statement):
                con.execute(translated)
    cmd = parse_copy(shipped_copy(table))
    columns = target_columns(con, table, cmd.columns, read_catalog().lengths(table))
    paths = None
    if cmd.jsonpaths_uri:
        paths = parse_jsonpaths((data / "log_json_path.json").read_text(), cmd.jsonpaths_uri)
    files = _files(data / ("log_data" if table == "staging_events" else "song_data"))
    wall, cpu = time.perf_counter(), _cpu()
    outcome = run_load(con, cmd, columns, files, paths, 1, datetime.now(), tuning)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    con.close()
    return {"rows": outcome.rows_loaded, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a generated dataset folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs per table (best is kept)")
    parser.add_argument(
        "--exact", action="store_true", help="the exact path only (as for a batch with a bad line)"
    )
    args = parser.parse_args()
    report: dict[str, object] = {
        "package": str(Path(sparkify_helpers.__file__).parent),
        "exact": args.exact,
    }
    for table in TABLES:
        tuning = CopyTuning(fast_path=not args.exact)
        runs = [measure(args.data, table, tuning) for _ in range(args.repeat)]
        report[table] = {
            "rows": runs[0]["rows"],
            "best_wall_s": min(r["wall_s"] for r in runs),
            "best_cpu_s": min(r["cpu_s"] for r in runs),
            "runs": runs,
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
