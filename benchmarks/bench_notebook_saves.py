"""How often a whole ``sparkify run`` writes each kept notebook, and how long it takes.

Runs the CLI in this process (``sparkify run`` with the arguments after ``--``), counting the
saves of each kept notebook by papermill's execution manager (``write_ipynb``: serialising and
writing) and their seconds, then prints one line per notebook: saves, seconds saving, the
notebook's time from ``run.json``.
``--engine nbclient`` runs papermill's own engine (a save at every cell event) instead of the
run's ``sparkify`` engine (at most one save a second), for a before/after on the same code.
Run it under ``/usr/bin/time`` for the wall time. Written down in ``benchmarks/RESULTS.md``.

    .venv/bin/python benchmarks/bench_notebook_saves.py --engine nbclient -- \
        --out /tmp/throttleruns --warehouse /tmp/throttle-wh.duckdb
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

import papermill.engines

from sparkify_helpers import cli, notebook_engine, runner


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=[notebook_engine.NAME, "nbclient"])
    parser.add_argument("run_args", nargs=argparse.REMAINDER, help="-- then `sparkify run`'s")
    args = parser.parse_args()
    if args.engine:
        notebook_engine.NAME = args.engine  # the runner reads it at each notebook
    writes: collections.Counter[str] = collections.Counter()
    seconds: collections.Counter[str] = collections.Counter()
    real = papermill.engines.write_ipynb

    def counted(nb, path: str) -> None:
        began = time.perf_counter()
        real(nb, path)
        name = Path(runner._AtomicNotebookHandler.pretty_path(path)).stem
        writes[name] += 1
        seconds[name] += time.perf_counter() - began

    papermill.engines.write_ipynb = counted  # what both engines' managers save with
    run_args = [a for a in args.run_args if a != "--"]
    code = cli.main(["run", *run_args])
    latest = Path(run_args[run_args.index("--out") + 1]) / runner.LATEST / "run.json"
    ran = {nb["name"]: nb["seconds"] for nb in json.loads(latest.read_text())["notebooks"]}
    for name, took in ran.items():
        print(f"{name}: {writes[name]} saves, {seconds[name]:.2f} s saving, {took:.2f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
