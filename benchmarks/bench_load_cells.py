"""03_load's calls, timed one by one on a fresh warehouse, against a running emulator.

    sparkify emulator start --source DIR      # seeds the bucket and the COPY cache, as a run
    export SPARKIFY_AWS_ENDPOINT_URL=...      # the line it prints
    python benchmarks/bench_load_cells.py [--source DIR] [--repeat 3] [--work DIR] [--profile]

Each repeat provisions the local target and creates the tables in a new DuckDB file (not
timed), then times what ``03_load``'s cells call: ``load.plan_run`` (list the source,
read the ledger), ``load.copy_staging`` (manifests, the COPYs, the staged-file list),
``load.publish`` (MERGE, checks, ledger) and ``load.write_reports``: a first load, as in a
first ``sparkify run``. Prints one markdown row per repeat with the machine's load average
(the machine is shared: compare checkouts by alternating them). ``--profile`` writes a
cProfile of the last repeat to ``<work>/load_cells.prof``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sparkify_helpers import aws, load, workbook  # noqa: E402

STEPS = ("plan", "copy", "publish", "reports")


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def one_load(source: Path, work: Path, profile: cProfile.Profile | None) -> dict[str, float]:
    """Seconds of each of 03_load's calls on a new warehouse under ``work``."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    config = str(ROOT / "config" / "local.yaml")
    wb = workbook.open_workbook(config, str(work / "wh.duckdb"), str(work / "runs"), str(source))
    aws.provision(wb.target)
    aws.write_dwh_cfg(aws.connection_details(wb.target), wb.dwh_cfg_path)
    with wb.connect() as dw:
        load.create_tables(dw)
    seconds: dict[str, float] = {}

    def timed(name: str, call: Callable[[Any], Any]) -> Any:
        began = time.perf_counter()
        if profile is not None:
            profile.enable()
        try:
            with wb.connect() as dw:
                return call(dw)
        finally:
            if profile is not None:
                profile.disable()
            seconds[name] = time.perf_counter() - began

    run_id = "bench"
    plan = timed("plan", lambda dw: load.plan_run(dw, wb.run, run_id))
    staged = timed("copy", lambda dw: load.copy_staging(dw, wb.run, plan))
    published = timed("publish", lambda dw: load.publish(dw, wb.run, run_id, staged=staged))
    timed("reports", lambda dw: load.write_reports(dw, wb.run, staged, published))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/work/benchwork/tiny"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "load_cells")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("SPARKIFY_AWS_ENDPOINT_URL"):
        sys.exit(
            "Start an emulator first (sparkify emulator start --source DIR) and export "
            "the SPARKIFY_AWS_ENDPOINT_URL it prints."
        )
    print("| repeat | " + " | ".join(STEPS) + " | total | load average |")
    print("|---|" + "---:|" * (len(STEPS) + 1) + "---|")
    for number in range(1, args.repeat + 1):
        profile = cProfile.Profile() if args.profile and number == args.repeat else None
        seconds = one_load(args.source, args.work / "run", profile)
        cells = " | ".join(f"{seconds[s]:.2f} s" for s in STEPS)
        print(f"| {number} | {cells} | {sum(seconds.values()):.2f} s | {_load()} |", flush=True)
        if profile is not None:
            profile.dump_stats(str(args.work / "load_cells.prof"))


if __name__ == "__main__":
    main()
