"""The measured work: each stage of the local target's load, and the DuckDB-only floor.

Both run inside a benchmark worker process (one per size, see ``bench_load``), so every
stage's peak RSS covers that process and its moto child only. Each stage is a dict:
``stage``, ``seconds``, ``rows``, ``peak_rss`` (bytes), plus optional ``detail``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from _memory import TreeSampler
from _phases import PhaseTimer

SEED = "seed the emulator"
LIST = "list the source against the ledger"
CHECKS = "data checks"
LOAD_STAGES_PREFIX = ("COPY ", "merge ", "insert ", "replace ", LIST, CHECKS)
FLOOR_LOGS = "floor: read_json log_data"
FLOOR_SONGS = "floor: read_json song_data"


def input_files(data_dir: Path) -> dict[str, list[Path]]:
    """The raw files a load reads: ``log_data`` and ``song_data`` (sorted paths)."""
    return {
        part: sorted(p for p in (Path(data_dir) / part).rglob("*") if p.is_file())
        for part in ("log_data", "song_data")
    }


def input_bytes(data_dir: Path) -> dict[str, int]:
    """Raw bytes of ``log_data`` and ``song_data``."""
    return {k: sum(p.stat().st_size for p in v) for k, v in input_files(data_dir).items()}


def is_load_stage(name: str) -> bool:
    """Whether a stage counts toward "the whole load" (both COPYs, transforms, checks)."""
    return name.startswith(LOAD_STAGES_PREFIX)


class _Recorder:
    """Runs stages under the tree sampler and collects their figures."""

    def __init__(self, sampler: TreeSampler) -> None:
        self.sampler = sampler
        self.stages: list[dict[str, Any]] = []

    def run(self, name: str, func: Callable[[], Any], rows: Callable[[Any], int]) -> Any:
        with self.sampler.window() as window:
            began = time.perf_counter()
            value = func()
            seconds = time.perf_counter() - began
        self.stages.append(
            {"stage": name, "seconds": seconds, "rows": int(rows(value)), "peak_rss": 0}
        )
        self.stages[-1]["peak_rss"] = window.peak_bytes
        return value


class _CopyTimer(PhaseTimer):
    """Times the phases of the COPY emulation (S3 listing, fetch, fast path, exact path) by
    wrapping ``sparkify_helpers.copy`` functions in this worker process only."""

    def install(self) -> None:
        from sparkify_helpers.copy import exact, execute, fast

        self.wrap(execute, "list_prefix", "list")
        self.wrap(execute, "list_manifest", "list")
        self.wrap(execute, "fetch", "fetch")
        self.wrap(execute, "run_load", "load")
        self.wrap(fast, "load_batch", "fast path")
        self.wrap(exact, "load_batch", "exact path")

    def take(self) -> dict[str, float]:
        """The phases timed since the last call; ``other`` = load minus both paths (reading
        small files into memory, the errors table, MAXERROR)."""
        phases = super().take()
        if "load" in phases:
            total = phases.pop("load")
            other = total - phases.get("fast path", 0.0) - phases.get("exact path", 0.0)
            phases["other"] = round(other, 3)
        return phases


def _copy_rows(results) -> int:
    return sum(r.rows or 0 for r in results if r.kind == "COPY")


def _changed_rows(results) -> int:
    """Rows of the star table a step changes: its first MERGE, else what it INSERTed."""
    merges = [r.rows or 0 for r in results if r.kind == "MERGE"]
    return merges[0] if merges else sum(r.rows or 0 for r in results if r.kind == "INSERT")


def _staged_files(plan) -> int:
    return len(plan.staged())


def run_local(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    """Seed a private emulator with ``data_dir`` and load it stage by stage into DuckDB.

    ``SPARKIFY_WAREHOUSE`` and ``SPARKIFY_STATE_DIR`` must already point into ``work_dir``.
    """
    from sparkify_helpers import aws, config, emulator, ledger, load, paths, quality
    from sparkify_helpers import report as load_report
    from sparkify_helpers.targets import LocalTarget

    timer = _CopyTimer()
    timer.install()
    sql = paths.sql_dir()
    with TreeSampler() as sampler, emulator.running(Path(work_dir) / "emulator") as info:
        rec = _Recorder(sampler)
        target = LocalTarget(config.load_settings()).with_endpoint(info.endpoint_url)
        aws.ensure_role(target)
        settings = target.settings
        rec.run(
            SEED,
            lambda: emulator.seed_bucket(
                info,
                data_dir,
                settings.source.bucket,
                settings.aws.region,
                progress=False,
                cache_dir=paths.copy_cache_dir(),  # as `sparkify run` seeds: warms the cache
            ),
            lambda summary: summary.objects,
        )
        with target.open_warehouse() as dw:
            dw.run_folder(sql / "create")
            dw.run_file(sql / load.EMPTY_STAGING)
            s3 = target.aws_client("s3")
            plan = rec.run(LIST, lambda: ledger.plan_load(dw, "bench", s3=s3), _staged_files)
            ledger.write_manifests(s3, plan)
            for step in load.STEPS:
                if step.phase == load.STAGE:
                    if step == load.COPY_FILES:  # the list of staged files, for the ledger
                        ledger.write_load_files(s3, dw, plan, dw.load_errors())
                    run = functools.partial(dw.run_files, [step.path], plan.parameters())
                    rec.run(step.name, run, _copy_rows)
                    rec.stages[-1]["detail"] = timer.take()
                elif step.phase == load.TRANSFORM:  # the publish record is not timed
                    rec.run(step.name, functools.partial(dw.run_file, step.path), _changed_rows)
            report = rec.run(CHECKS, lambda: quality.run_checks(dw), lambda r: len(r.results))
            failed = report.results[report.results["status"] != "pass"]
            memory_limit = dw.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
            tables = load_report.row_counts(dw)  # staging, fact, dimensions
        peak, children = sampler.peak_bytes, sampler.peak_children_bytes
    return {
        "stages": rec.stages,
        "peak_rss": peak,
        "peak_rss_children": children,
        "duckdb_memory_limit": memory_limit,
        "tables": dict(zip(tables["table"], tables["rows"].astype(int).tolist(), strict=True)),
        "checks_not_passing": failed["check"].tolist(),
    }


def run_floor(data_dir: Path) -> dict[str, Any]:
    """DuckDB alone counting the same raw files with ``read_json`` (an in-memory database)."""
    files = input_files(data_dir)
    with TreeSampler() as sampler:
        rec = _Recorder(sampler)
        con = duckdb.connect()
        query = "SELECT count(*) FROM read_json($files, format = 'newline_delimited')"
        for name, part in ((FLOOR_LOGS, "log_data"), (FLOOR_SONGS, "song_data")):
            paths = [str(p) for p in files[part]]
            rec.run(
                name,
                lambda paths=paths: con.execute(query, {"files": paths}).fetchone()[0],
                int,
            )
        con.close()
        peak = sampler.peak_bytes
    return {"stages": rec.stages, "peak_rss": peak}
