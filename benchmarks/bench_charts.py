"""Per-chart cost of notebook 04's answers: drawn (a chart-cache miss) vs copied (a hit).

Reads each walkthrough question's result from a built local warehouse once, then times
``analytics.answer`` (sentence, chart, PNG written into a run's ``charts/``) per question:
with an empty chart cache (``SPARKIFY_CHART_CACHE_DIR`` pointed at a fresh folder: every
chart is drawn) and again with the cache it filled (every chart is copied). Wall and CPU
seconds, the median of ``--repeat`` rounds. Written down in ``benchmarks/RESULTS.md``.

    .venv/bin/python benchmarks/bench_charts.py --warehouse /tmp/cc.duckdb
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sparkify_helpers import analytics, workbook


def _timed(q, frame, charts_dir: Path) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    analytics.answer(q, frame, charts_dir)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True, help="a local DuckDB file after a run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-charts-"))
    wb = workbook.open_workbook("", args.warehouse, str(scratch / "run"), "")
    with wb.connect(read_only=True) as dw:
        frames = {name: dw.query_file(q.sql_path) for name, q in analytics.QUESTIONS.items()}
    for name, q in analytics.QUESTIONS.items():  # warm-up: fonts, imports
        analytics.answer(q, frames[name], scratch / "warm")
    rounds: dict[str, list[tuple[float, float, float, float]]] = {n: [] for n in frames}
    for r in range(args.repeat):
        os.environ["SPARKIFY_CHART_CACHE_DIR"] = str(scratch / f"cache-{r}")
        for name, q in analytics.QUESTIONS.items():
            miss = _timed(q, frames[name], scratch / f"miss-{r}")
            hit = _timed(q, frames[name], scratch / f"hit-{r}")
            rounds[name].append((*miss, *hit))
    print("| chart | miss wall s | miss CPU s | hit wall s | hit CPU s |")
    print("|---|---:|---:|---:|---:|")
    totals = [0.0] * 4
    for name, values in rounds.items():
        medians = [statistics.median(v[i] for v in values) for i in range(4)]
        totals = [t + m for t, m in zip(totals, medians, strict=True)]
        print(f"| {name} | " + " | ".join(f"{m:.3f}" for m in medians) + " |")
    print("| **all ten** | " + " | ".join(f"**{t:.2f}**" for t in totals) + " |")


if __name__ == "__main__":
    main()
