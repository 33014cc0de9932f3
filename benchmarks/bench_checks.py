"""Data checks benchmark: each check's seconds in the publish of one more day on a history.

    python benchmarks/bench_checks.py --data DIR [--before REV] [--day FILE] [--full-refresh]
                                      [--out FILE]

``--data`` is a dataset laid out like the bucket (``sparkify generate``'s output, read only).
On a private emulator, every day but the last (or but ``--day``, a log file's name) is loaded
and published (not timed); then that day's log file arrives and is staged, and inside the
publish transaction (the transforms run, as ``load.publish`` runs them) every check of
``sql/checks`` is timed, and with ``--before REV`` the checks of that git revision too, on
the same state; then the transaction is rolled back. ``--full-refresh`` times them on a full
refresh's ``__new`` tables instead. Each check runs ``--repeat`` times (the fastest is kept:
the machine is shared). Writes a Markdown table to ``--out`` (appended) or prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench_incremental import Profile, Scenario, _view, emit

HERE = Path(__file__).resolve().parent


class _RollBack(Exception):
    """Raised to leave the publish transaction without committing."""


def _checks_of(rev: str, into: Path) -> Path:
    """``sql/checks`` as of git revision ``rev``, written to ``into``."""
    into.mkdir(parents=True)
    root = HERE.parent
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{rev}:sql/checks"],
        cwd=root, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    for name in names:
        text = subprocess.run(
            ["git", "show", f"{rev}:sql/checks/{name}"],
            cwd=root, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        (into / name).write_text(text)
    return into


def _time_checks(dw, folder: Path, repeat: int, whole_tables: bool) -> dict[str, tuple[float, int]]:
    """{check: (fastest seconds, offending rows)} of every check file in ``folder``, with
    the scope ``load.publish`` gives them."""
    from sparkify_helpers import quality, sqlfiles

    scope = {quality.SCOPE_PARAMETER: "true" if whole_tables else "false"}
    timings = {}
    for sql_file in sqlfiles.read_sql_folder(folder):
        best, rows = float("inf"), 0
        for _ in range(repeat):
            began = time.perf_counter()
            rows = len(dw.query_file(sql_file.path, scope))
            best = min(best, time.perf_counter() - began)
        timings[sql_file.name] = (round(best, 3), rows)
    return timings


def run(args: argparse.Namespace) -> dict:
    from sparkify_helpers import emulator, load, paths, refresh
    from sparkify_helpers.run_folder import RunFolder

    logs = sorted((args.data / "log_data").rglob("*.json"))
    if args.day:  # that day's file is the one more day; the history is every other day
        logs = [p for p in logs if p.name != args.day] + [p for p in logs if p.name == args.day]
    args.work.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="checks-", dir=args.work))
    os.environ["SPARKIFY_STATE_DIR"] = str(scratch / "state")
    folders = {"now": paths.sql_dir() / "checks"}
    if args.before:
        folders[args.before] = _checks_of(args.before, scratch / "before")
    results: dict = {"day_file": logs[-1].name, "full_refresh": args.full_refresh}
    try:
        with emulator.running(scratch / "emulator") as info:
            history = Scenario("history", info, scratch)
            history.seed(_view(args.data, scratch / "v-history", logs[:-1], songs=True))
            history.load(Profile())
            history.put(args.data, logs[-1])
            run_folder = RunFolder.open(scratch / "runs" / "timed")
            with history.target.open_warehouse() as dw:
                load.create_tables(dw, full_refresh=args.full_refresh)
                plan = load.plan_run(dw, run_folder, "timed", full_refresh=args.full_refresh)
                staged = load.copy_staging(dw, run_folder, plan)
                results["rows_staged"] = staged.rows_staged
                results["songplays_before"] = dw.row_count("songplays")
                transforms = [step.path for step in load.steps(load.TRANSFORM)]
                try:
                    with dw.transaction():
                        if args.full_refresh:
                            dw.run_statements([(load.REFRESH_SOURCE, refresh.build_beside())])
                            with dw.addressing(refresh.new_names()):
                                dw.run_files(transforms)
                                results["checks"] = {
                                    name: _time_checks(dw, folder, args.repeat, args.full_refresh)
                                    for name, folder in folders.items()
                                }
                        else:
                            dw.run_files(transforms)
                            results["plays_merged"] = dw.row_count("sparkify_merge_plays")
                            results["checks"] = {
                                name: _time_checks(dw, folder, args.repeat, args.full_refresh)
                                for name, folder in folders.items()
                            }
                        raise _RollBack
                except _RollBack:
                    pass
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def markdown(results: dict, command: str) -> str:
    """The per-check table: seconds (offending rows) per set of checks."""
    sets = list(results["checks"])
    names = list(dict.fromkeys(n for timings in results["checks"].values() for n in timings))
    what = "a full refresh" if results["full_refresh"] else "one more day"
    when = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
    lines = [
        f"Checks of {what} (`{results['day_file']}`, {results['rows_staged']:,} rows staged, "
        f"{results['songplays_before']:,} songplays before), {when}, {platform.platform()}, "
        f"{os.cpu_count()} cores shared with other work. Command: `{command}`. Seconds "
        "(fastest of the repeats), offending rows in brackets.",
        "",
        "| check | " + " | ".join(sets) + " |",
        "|---|" + "---:|" * len(sets),
    ]
    for name in names:
        cells = []
        for label in sets:
            timing = results["checks"][label].get(name)
            cells.append("-" if timing is None else f"{timing[0]:.3f} ({timing[1]})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [sum(t[0] for t in results["checks"][label].values()) for label in sets]
    lines.append("| **all** | " + " | ".join(f"**{t:.2f}**" for t in totals) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a generated dataset")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--before", help="also time sql/checks of this git revision")
    parser.add_argument("--day", help="the log file loaded last (default: the last day's)")
    parser.add_argument("--full-refresh", action="store_true")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, help="append the Markdown table to this file")
    args = parser.parse_args(argv)
    results = run(args)
    command = " ".join(["python benchmarks/bench_checks.py", *sys.argv[1:]])
    emit(markdown(results, command), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
