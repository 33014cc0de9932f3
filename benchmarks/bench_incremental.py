"""Incremental load benchmark: one more day on a history, vs that day alone, vs a full reload.

    python benchmarks/bench_incremental.py [--events 1000000] [--days 30] [--out FILE]

Generates (or reuses) a dataset of ``--events`` events over ``--days`` days under
``benchmarks/work/data``, starts a private emulator and measures, each on a DuckDB file of
its own:

- **history + one day**: every day but the last is loaded (not timed), then the last day's
  log file is uploaded and a whole incremental load (list against the ledger, manifest,
  COPY, MERGE, checks, publish) is timed, phase by phase;
- **the day alone**: a warehouse that holds the catalogue only (loaded, not timed) loads the
  same day;
- **unchanged input**: a second incremental load with nothing new;
- **full reload**: ``--full-refresh`` over the whole month.

Writes a Markdown section to ``--out`` (default: printed). Figures are from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from _phases import PhaseTimer

HERE = Path(__file__).resolve().parent
DEFAULT_WORK = HERE / "work"


class Profile(PhaseTimer):
    """Seconds per phase of one load, by wrapping the package's functions in this process."""


def _install(profile: Profile) -> None:
    from sparkify_helpers import ledger, load
    from sparkify_helpers.copy import execute

    profile.wrap(ledger, "list_prefix", "list the source (S3, paginated)")
    profile.wrap(ledger, "ledger_etags", "read the ledger (one query)")
    profile.wrap(ledger, "write_manifests", "write manifests")
    profile.wrap(ledger, "write_load_files", "write the staged-file list")
    profile.wrap(execute, "list_manifest", "COPY: read manifest + HEAD each entry")
    profile.wrap(execute, "fetch", "COPY: fetch files")
    profile.wrap(execute, "run_load", "COPY: parse and insert")
    profile.wrap(load, "check", "data checks")
    profile.wrap(load, "create_tables", "create what is missing (02)")


def _dataset(work: Path, events: int, days: int, seed: int) -> Path:
    from sparkify_helpers import datagen

    data = work / "data" / f"events-{events}-days-{days}-seed-{seed}"
    marker = data / datagen.writer.MANIFEST
    if marker.exists() and json.loads(marker.read_text()).get("complete"):
        return data
    datagen.generate(data, events, seed, days=days, progress=False)
    return data


def _view(data: Path, into: Path, logs: list[Path], songs: bool) -> Path:
    """A folder of symlinks laid out like the bucket: the JSONPaths file, some logs, songs."""
    into.mkdir(parents=True)
    chosen = [data / "log_json_path.json", *logs]
    if songs:
        chosen += sorted(p for p in (data / "song_data").rglob("*") if p.is_file())
    for path in chosen:
        link = into / path.relative_to(data)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)
    return into


class Scenario:
    """A bucket and a warehouse of one scenario, on the shared private emulator."""

    def __init__(self, name: str, info: Any, scratch: Path) -> None:
        from sparkify_helpers import aws, config
        from sparkify_helpers.targets import LocalTarget

        self.name, self.scratch, self.bucket = name, scratch, f"bench-{name}"
        base = config.load_settings()
        prefix = f"s3://{self.bucket}"
        settings = base.with_overrides(
            log_data=f"{prefix}/log_data",
            log_jsonpath=f"{prefix}/log_json_path.json",
            song_data=f"{prefix}/song_data",
            warehouse_path=scratch / f"{name}.duckdb",
        )
        self.info = info
        self.target = LocalTarget(settings).with_endpoint(info.endpoint_url)
        aws.ensure_role(self.target)
        self.runs = 0

    def put(self, data: Path, path: Path) -> None:
        """Upload one more file (the day's log), as the day's arrival in S3 would."""
        key = path.relative_to(data).as_posix()
        self.target.aws_client("s3").put_object(Bucket=self.bucket, Key=key, Body=path.read_bytes())

    def seed(self, folder: Path) -> float:
        from sparkify_helpers import emulator, paths

        began = time.perf_counter()
        region = self.target.settings.aws.region
        emulator.seed_bucket(
            self.info, folder, self.bucket, region, progress=False, cache_dir=paths.copy_cache_dir()
        )
        return time.perf_counter() - began

    def load(self, profile: Profile, *, full_refresh: bool = False) -> dict[str, Any]:
        """One whole load (02 + 03), timed; what it staged and merged, and its phases."""
        from sparkify_helpers import load
        from sparkify_helpers.run_folder import RunFolder

        self.runs += 1
        run_id = f"{self.name}-{self.runs}"
        run = RunFolder.open(self.scratch / "runs" / run_id)
        profile.take()
        began = time.perf_counter()
        with self.target.open_warehouse() as dw:
            load.create_tables(dw, full_refresh=full_refresh)
            plan = load.plan_run(dw, run, run_id, full_refresh=full_refresh)
            staged = load.copy_staging(dw, run, plan)
            published = load.publish(dw, run, run_id, full_refresh=full_refresh, staged=staged)
            seconds = time.perf_counter() - began
            merges = published.statements
            songplays = dw.row_count("songplays")
        phases = profile.take()
        phases["publish transaction (MERGE, checks, ledger)"] = round(
            float(merges["seconds"].sum()), 3
        )
        return {
            "seconds": round(seconds, 3),
            "files_staged": len(plan.staged()),
            "files_listed": len(plan.files),
            "rows_staged": staged.rows_staged,
            "plays_merged": published.plays_merged,
            "songplays": songplays,
            "phases": phases,
            "statements": [
                (f"{r.file}#{r.statement} {r.kind}", round(float(r.seconds), 3))
                for r in merges.itertuples()
                if r.seconds >= 0.05
            ],
        }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sparkify_helpers import emulator

    work = args.work
    data = _dataset(work, args.events, args.days, args.seed)
    logs = sorted((data / "log_data").rglob("*.json"))
    last = logs[-1]
    scratch = Path(tempfile.mkdtemp(prefix="incr-", dir=work))
    os.environ["SPARKIFY_STATE_DIR"] = str(scratch / "state")
    profile = Profile()
    _install(profile)
    results: dict[str, Any] = {"events": args.events, "days": len(logs), "day_file": last.name}
    with emulator.running(scratch / "emulator") as info:
        history = Scenario("history", info, scratch)
        history.seed(_view(data, scratch / "v-history", logs[:-1], songs=True))
        results["history_load"] = history.load(profile)
        history.put(data, last)
        results["one_more_day"] = history.load(profile)
        results["unchanged"] = history.load(profile)

        alone = Scenario("alone", info, scratch)
        alone.seed(_view(data, scratch / "v-songs", [], songs=True))
        results["catalogue_only"] = alone.load(profile)
        alone.put(data, last)
        results["day_alone"] = alone.load(profile)

        results["full_reload"] = history.load(profile, full_refresh=True)
    shutil.rmtree(scratch, ignore_errors=True)
    return results


def markdown(results: dict[str, Any], command: str) -> str:
    """The results as the section RESULTS.md keeps."""
    day, alone, full = results["one_more_day"], results["day_alone"], results["full_reload"]
    same = results["unchanged"]
    lines = [
        f"## Incremental load at {results['events']:,} events of history",
        "",
        f"Written by `benchmarks/bench_incremental.py`; one run on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} cores, shared with other work. Command: `{command}`.",
        "",
        f"{results['days']} daily log files; the day loaded is `{results['day_file']}`.",
        "",
        "| load | seconds | files listed | files staged | rows staged | plays merged "
        "| songplays after |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in (
        ("history: every day but the last (not the measure)", results["history_load"]),
        ("**one more day** on top of the history", day),
        ("the same day **alone** (warehouse holding only the catalogue)", alone),
        ("**unchanged input** (nothing new)", same),
        ("**full reload** (`--full-refresh`, the whole month)", full),
    ):
        lines.append(
            f"| {label} | {r['seconds']:.2f} | {r['files_listed']:,} | {r['files_staged']:,} | "
            f"{r['rows_staged']:,} | {r['plays_merged']:,} | {r['songplays']:,} |"
        )
    lines += [
        "",
        f"- One more day vs the day alone: {day['seconds'] / alone['seconds']:.2f}x "
        "(goal: at most 2x).",
        f"- Full reload vs one more day: {full['seconds'] / day['seconds']:.1f}x.",
        "",
        "Where one more day's time goes (seconds):",
        "",
        "| phase | one more day | day alone | unchanged | full reload |",
        "|---|---:|---:|---:|---:|",
    ]
    phases = list(dict.fromkeys([*day["phases"], *full["phases"]]))
    for phase in phases:
        cells = [r["phases"].get(phase) for r in (day, alone, same, full)]
        lines.append(
            f"| {phase} | " + " | ".join("-" if c is None else f"{c:.2f}" for c in cells) + " |"
        )
    lines += ["", "Slowest statements of the one-more-day publish (>= 0.05 s):", ""]
    lines += [f"- `{name}`: {seconds:.2f} s" for name, seconds in day["statements"]] or ["- none"]
    return "\n".join(lines) + "\n"


def emit(text: str, out: Path | None) -> None:
    """Print a results section and, with ``out``, append it to that Markdown file."""
    if out:
        with out.open("a") as handle:
            handle.write("\n" + text)
    print(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--out", type=Path, help="append the Markdown section to this file")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = run(args)
    (args.work / f"incremental-{args.events}.json").write_text(json.dumps(results, indent=2))
    command = " ".join(["python benchmarks/bench_incremental.py", *sys.argv[1:]])
    emit(markdown(results, command), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
