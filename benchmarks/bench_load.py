"""Scale benchmark of the local target: time, throughput and peak memory of every load stage.

    python benchmarks/bench_load.py [--sizes 10000,100000,1000000,10000000]
        [--baseline-max 100000] [--out benchmarks/RESULTS.md]

For each size it generates (or reuses) a synthetic dataset under ``benchmarks/work/data``,
then runs fresh worker processes of this script: the local load stage by stage, the DuckDB
floor, and (up to ``--baseline-max``) the row-by-row PostgreSQL baseline against a private
server. Results land in ``benchmarks/work/results.json`` and ``--out`` after every size.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from contextlib import nullcontext
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _postgres  # noqa: E402
import _report  # noqa: E402
import _stages  # noqa: E402

log = logging.getLogger("bench")

DEFAULT_SIZES = "10000,100000,1000000,10000000"
DEFAULT_WORK = HERE / "work"
WORKER_TIMEOUT_S = 1500.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (the ``--worker`` options are internal)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="event counts, comma-separated")
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=100_000,
        help="largest size for the row-by-row PostgreSQL baseline (0: none)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch folder")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--timeout",
        type=float,
        default=WORKER_TIMEOUT_S,
        help="seconds a worker may take before the size is reported unfinished",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sizes of the previous results.json (re-measure only --sizes)",
    )
    parser.add_argument("--worker", choices=("local", "floor", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--conninfo", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    return args


# -- worker side -----------------------------------------------------------------------------
def worker(args: argparse.Namespace) -> None:
    """Run one measurement in this (fresh) process and write its JSON result."""
    if args.worker == "local":
        result = _stages.run_local(args.data, args.result.parent)
    elif args.worker == "floor":
        result = _stages.run_floor(args.data)
    else:
        files = _stages.input_files(args.data)
        result = {"stages": _postgres.load_row_by_row(args.conninfo, files)}
    args.result.write_text(json.dumps(result, indent=2))


# -- orchestrator side -----------------------------------------------------------------------
def ensure_dataset(work: Path, events: int, seed: int) -> tuple[Path, float | None]:
    """The generated dataset for a size (reused when complete); seconds spent generating."""
    from sparkify_helpers import datagen

    folder = work / "data" / f"events-{events}-seed-{seed}"
    try:
        manifest = json.loads((folder / "_generated.json").read_text())
        if manifest.get("complete") and manifest.get("events") == events:
            return folder, None
    except (OSError, ValueError):
        pass
    log.info("generating %d events into %s", events, folder)
    return folder, datagen.generate(folder, events=events, seed=seed, progress=False).seconds


def _kill_tree(proc: subprocess.Popen) -> None:
    """End a timed-out worker and the processes it started (moto), by pid."""
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for p in [psutil.Process(proc.pid), *family] if proc.poll() is None else family:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            continue
    proc.wait()


def run_worker(kind: str, data: Path, run_dir: Path, timeout: float, conninfo: str = "") -> dict:
    """Run one worker process; its result dict, or ``{"error": ...}`` when it failed."""
    run_dir.mkdir(parents=True, exist_ok=True)
    result = run_dir / f"{kind}.json"
    env = {
        **os.environ,
        "SPARKIFY_WAREHOUSE": str(run_dir / "warehouse.duckdb"),
        "SPARKIFY_STATE_DIR": str(run_dir / "state"),
    }
    env.pop("SPARKIFY_AWS_ENDPOINT_URL", None)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--data",
        str(data),
        "--result",
        str(result),
    ]
    if conninfo:
        cmd += ["--conninfo", conninfo]
    with open(run_dir / f"{kind}.log", "wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            return {"error": f"{kind} did not finish within {timeout:.0f} s on this machine"}
    if code != 0 or not result.exists():
        tail = (run_dir / f"{kind}.log").read_text(errors="replace")[-2000:]
        return {"error": f"{kind} worker failed (exit {code}): {tail}"}
    return json.loads(result.read_text())


def measure_size(
    events: int, work: Path, seed: int, timeout: float, conninfo: str | None
) -> dict[str, Any]:
    """Every measurement of one size; the run folder is removed afterwards."""
    data, generated = ensure_dataset(work, events, seed)
    sizes = _stages.input_bytes(data)
    files = _stages.input_files(data)
    size: dict[str, Any] = {
        "events": events,
        "generated_seconds": generated,
        "log_bytes": sizes["log_data"],
        "song_bytes": sizes["song_data"],
        "input_bytes": sum(sizes.values()),
        "files": sum(len(v) for v in files.values()),
    }
    run_dir = work / f"run-{events}"
    shutil.rmtree(run_dir, ignore_errors=True)
    try:
        for kind in ("local", "floor"):
            log.info("%d events: %s", events, kind)
            outcome = run_worker(kind, data, run_dir, timeout)
            if "error" in outcome:
                size["error"] = outcome["error"]
                return size
            size[kind] = outcome
        if conninfo:
            log.info("%d events: baseline", events)
            outcome = run_worker("baseline", data, run_dir, timeout, conninfo)
            size["baseline"] = {"note": outcome["error"]} if "error" in outcome else outcome
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return size


def machine() -> dict[str, Any]:
    """CPU, cores, RAM, disk and OS of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    disk = shutil.disk_usage(HERE)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": psutil.virtual_memory().total / 2**30,
        "disk": f"{disk.total / 2**30:,.0f} GiB ({disk.free / 2**30:,.0f} GiB free)",
        "os": platform.platform(),
    }


def versions(bin_dir: Path | None) -> dict[str, str]:
    """Versions of Python and the components the load (and the baseline) uses."""
    out = {"python": platform.python_version()}
    for dist in ("duckdb", "moto", "sqlglot", "boto3", "pandas", "psycopg"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    out["postgres"] = _postgres.server_version(bin_dir) if bin_dir else "not installed"
    return out


def _previous(work: Path) -> dict[str, Any] | None:
    """The results.json of an earlier run, if any."""
    try:
        return json.loads((work / "results.json").read_text())
    except (OSError, ValueError):
        return None


def run(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Measure every size and write results.json and the report after each one."""
    args.work.mkdir(parents=True, exist_ok=True)
    wants_baseline = any(n <= args.baseline_max for n in args.sizes)
    bin_dir = _postgres.find_bin_dir() if wants_baseline else None
    results: dict[str, Any] = {
        "command": command,
        "machine": machine(),
        "versions": versions(bin_dir or _postgres.find_bin_dir()),
        "sizes": [],
        "baseline_note": "",
    }
    if wants_baseline and bin_dir is None:
        results["baseline_note"] = (
            f"skipped: no PostgreSQL server binaries found; {_postgres.INSTALL_HINT}."
        )
    elif not wants_baseline:
        results["baseline_note"] = f"not run (--baseline-max {args.baseline_max})."
    else:
        results["baseline_note"] = (
            f"a private PostgreSQL server ({bin_dir}), sizes up to {args.baseline_max:,} events; "
            "pandas.read_json per file, one INSERT per row, commit per file."
        )
    previous = _previous(args.work) if args.merge else None
    kept = [s for s in previous["sizes"] if s["events"] not in args.sizes] if previous else []
    if previous:
        results["command"] = f"{previous['command']}; then {command}"
        if any(s.get("baseline") for s in kept):
            results["baseline_note"] = previous["baseline_note"]
    measured: list[dict[str, Any]] = []
    with _postgres.server(bin_dir) if bin_dir else nullcontext(None) as conninfo:
        for events in args.sizes:
            use = conninfo if events <= args.baseline_max else None
            measured.append(measure_size(events, args.work, args.seed, args.timeout, use))
            results["sizes"] = sorted(kept + measured, key=lambda s: s["events"])
            results["finished_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            (args.work / "results.json").write_text(json.dumps(results, indent=2))
            if args.out:
                args.out.write_text(_report.render(results))
            log.info("%d events done", events)
    return results


def main(argv: list[str] | None = None) -> int:
    """Entry point (``make bench``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    command = "python benchmarks/bench_load.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    began = time.perf_counter()
    results = run(args, command.strip())
    unfinished = [s["events"] for s in results["sizes"] if "local" not in s]
    log.info("benchmark done in %.0f s; report: %s", time.perf_counter() - began, args.out)
    return 1 if unfinished else 0


if __name__ == "__main__":
    sys.exit(main())
