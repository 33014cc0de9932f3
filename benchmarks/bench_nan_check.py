"""Cost of the local COPY's NaN/Infinity test (``copy.records.non_json_number``) per line.

Times, on 1M copies of one real-sample event line held in DuckDB, the fast path's field
extraction alone and with the test added (best of 3). Run:
``.venv/bin/python benchmarks/bench_nan_check.py``; results in RESULTS.md.
"""

from __future__ import annotations

import json
import time

import duckdb

from sparkify_helpers.copy.records import non_json_number

LINES = 1_000_000
EVENT = {
    "artist": "Des'ree", "auth": "Logged In", "firstName": "Kaylee", "gender": "F",
    "itemInSession": 1, "lastName": "Summers", "length": 246.30812, "level": "free",
    "location": "Phoenix-Mesa-Scottsdale, AZ", "method": "PUT", "page": "NextSong",
    "registration": 1540344794796.0, "sessionId": 139, "song": "You Gotta Be", "status": 200,
    "ts": 1541106106796, "userAgent": '"Mozilla/5.0 (Windows NT 6.1; WOW64)"', "userId": "8",
}  # fmt: skip


def best_of(con: duckdb.DuckDBPyConnection, sql: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        con.execute(sql).fetchall()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE l AS SELECT ? || '' AS line FROM range({LINES})", [json.dumps(EVENT)]
    )
    extract = "count(try(json_extract_string(line, '$.ts')))"
    alone = best_of(con, f"SELECT {extract} FROM l")
    tested = best_of(con, f"SELECT {extract} + count_if({non_json_number('line')}) FROM l")
    print(f"extraction alone: {alone:.2f} s per {LINES:,} lines")
    extra = (tested - alone) / LINES * 1e6
    print(f"with the NaN/Infinity test: {tested:.2f} s (+{extra:.2f} µs/line)")


if __name__ == "__main__":
    main()
