"""Time the Redshift -> DuckDB translation of every statement in sql/ (COPY excluded).

Usage: python benchmarks/bench_translate.py [PACKAGE_ROOT]  (PACKAGE_ROOT: a checkout whose
sparkify_helpers is imported instead of the installed one, to compare two versions).
"""

from __future__ import annotations

import sys
import time

if len(sys.argv) > 1:
    sys.path.insert(0, sys.argv[1])

from sparkify_helpers.dialect import is_copy, translate  # noqa: E402
from sparkify_helpers.paths import sql_dir  # noqa: E402
from sparkify_helpers.sqlfiles import read_sql_folder  # noqa: E402

PASSES = 5


def main() -> None:
    folders = sorted(sql_dir().iterdir())
    statements = [s for folder in folders for f in read_sql_folder(folder) for s in f.statements]
    statements = [s for s in statements if not is_copy(s)]
    start = time.perf_counter()
    for _ in range(PASSES):
        for statement in statements:
            translate(statement)
    per_pass = (time.perf_counter() - start) / PASSES
    print(f"{len(statements)} statements: {per_pass:.3f} s per pass ({PASSES} passes)")


if __name__ == "__main__":
    main()
