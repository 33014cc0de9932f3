"""Render the benchmark's results (the dict ``bench_load`` collects) as ``RESULTS.md``.

Machine, versions, command, one table per size, the floor and baseline ratios, how time and
memory grow with N, and the targets with their verdicts; ``NOTES.md`` (hand-written profiling
notes beside this file) is appended when present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _stages import is_load_stage

MB = 1_000_000
FLOOR_TARGET = 2.0
BASELINE_TARGET = 100.0
NOTES = Path(__file__).with_name("NOTES.md")


def _n(n: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size and n % (size // 10) == 0:
            return f"{n / size:g}{unit}"
    return f"{n:,}"


def _mib(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB" if b else "-"


def _rate(x: float, seconds: float) -> str:
    if seconds <= 0:
        return "-"
    rate = x / seconds
    return f"{rate:,.1f}" if rate < 100 else f"{rate:,.0f}"


def load_seconds(size: dict[str, Any]) -> float:
    """Seconds of the whole load: both COPYs, the transforms and the checks."""
    return sum(s["seconds"] for s in size["local"]["stages"] if is_load_stage(s["stage"]))


def floor_seconds(size: dict[str, Any]) -> float:
    """Seconds DuckDB alone needs to read the same files once."""
    return sum(s["seconds"] for s in size["floor"]["stages"])


def baseline_seconds(size: dict[str, Any]) -> float | None:
    """Seconds of the row-by-row baseline (both staging tables), None when not run."""
    base = size.get("baseline")
    return sum(s["seconds"] for s in base["stages"]) if base and base.get("stages") else None


def _stage_table(size: dict[str, Any]) -> list[str]:
    n, total_bytes = size["events"], size["input_bytes"]
    lines = [
        "| stage | seconds | rows | events/s | MB/s | peak RSS (tree) | detail |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    rows = list(size["local"]["stages"])
    load = load_seconds(size)
    rows.append(
        {
            "stage": "**whole load** (COPYs + transforms + checks)",
            "seconds": load,
            "rows": sum(
                s["rows"] for s in size["local"]["stages"] if s["stage"].startswith("COPY staging")
            ),
            "peak_rss": size["local"]["peak_rss"],
        }
    )
    rows += size["floor"]["stages"]
    rows.append(
        {
            "stage": "**floor** (DuckDB read_json count, both folders)",
            "seconds": floor_seconds(size),
            "rows": sum(s["rows"] for s in size["floor"]["stages"]),
            "peak_rss": size["floor"]["peak_rss"],
        }
    )
    if size.get("baseline", {}).get("stages"):
        rows += size["baseline"]["stages"]
        rows.append(
            {
                "stage": "**baseline** (row by row, both tables)",
                "seconds": baseline_seconds(size),
                "rows": sum(s["rows"] for s in size["baseline"]["stages"]),
                "peak_rss": 0,
            }
        )
    for s in rows:
        detail = ", ".join(f"{k} {v:.2f}s" for k, v in s.get("detail", {}).items())
        lines.append(
            f"| {s['stage']} | {s['seconds']:.2f} | {s['rows']:,} | {_rate(n, s['seconds'])} "
            f"| {_rate(total_bytes / MB, s['seconds'])} | {_mib(s['peak_rss'])} | {detail} |"
        )
    return lines


def _summary_table(sizes: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| events | input | files | seed s | load s | load events/s | load MB/s | floor s "
        "| load / floor | baseline s | baseline events/s | ours / baseline | peak RSS tree "
        "| of which moto |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        if "local" not in size:
            continue
        n, load, floor = size["events"], load_seconds(size), floor_seconds(size)
        seed = next(s["seconds"] for s in size["local"]["stages"] if s["stage"].startswith("seed"))
        base = baseline_seconds(size)
        base_cells = f"{base:.1f} | {n / base:,.0f} | {base / load:,.0f}x" if base else "- | - | -"
        lines.append(
            f"| {_n(n)} | {size['input_bytes'] / MB:,.0f} MB | {size['files']:,} | {seed:.1f} "
            f"| {load:.1f} | {n / load:,.0f} | {size['input_bytes'] / MB / load:,.1f} "
            f"| {floor:.1f} | {load / floor:.2f}x | {base_cells} "
            f"| {_mib(size['local']['peak_rss'])} | {_mib(size['local']['peak_rss_children'])} |"
        )
    return lines


def _growth(sizes: list[dict[str, Any]]) -> list[str]:
    done = [s for s in sizes if "local" in s]
    out = []
    for a, b in zip(done, done[1:], strict=False):
        factor = b["events"] / a["events"]
        out.append(
            f"- {_n(a['events'])} -> {_n(b['events'])} events ({factor:g}x): load time "
            f"x{load_seconds(b) / load_seconds(a):.1f}, floor x"
            f"{floor_seconds(b) / floor_seconds(a):.1f}, seeding x"
            f"{_seed(b) / _seed(a):.1f}, peak RSS of the tree "
            f"{_mib(a['local']['peak_rss'])} -> {_mib(b['local']['peak_rss'])} "
            f"(moto {_mib(a['local']['peak_rss_children'])} -> "
            f"{_mib(b['local']['peak_rss_children'])})."
        )
    return out


def _seed(size: dict[str, Any]) -> float:
    return next(s["seconds"] for s in size["local"]["stages"] if s["stage"].startswith("seed"))


def _targets(sizes: list[dict[str, Any]]) -> list[str]:
    done = {s["events"]: s for s in sizes if "local" in s}
    out = []
    at_1m = done.get(1_000_000)
    if at_1m:
        ratio = load_seconds(at_1m) / floor_seconds(at_1m)
        verdict = "met" if ratio <= FLOOR_TARGET else "missed"
        out.append(
            f"- Whole load at 1M events within {FLOOR_TARGET:g}x the floor: **{verdict}** "
            f"({load_seconds(at_1m):.1f} s vs {floor_seconds(at_1m):.1f} s, {ratio:.2f}x)."
        )
    else:
        out.append("- Whole load at 1M events within 2x the floor: not measured in this run.")
    peaks = [(n, s["local"]["peak_rss"]) for n, s in sorted(done.items())]
    if len(peaks) > 1:
        (n0, p0), (n1, p1) = peaks[0], peaks[-1]
        limit = next(iter(done.values()))["local"]["duckdb_memory_limit"]
        out.append(
            f"- Memory: peak RSS of the tree {_mib(p0)} at {_n(n0)} events and {_mib(p1)} at "
            f"{_n(n1)} ({n1 / n0:g}x the events, {p1 / p0:.1f}x the memory); DuckDB's "
            f"memory_limit is {limit}. See the notes below for the verdict."
        )
    ratios = [
        (n, baseline_seconds(s) / load_seconds(s))
        for n, s in sorted(done.items())
        if baseline_seconds(s)
    ]
    if ratios:
        worst = min(r for _, r in ratios)
        verdict = "met" if worst >= BASELINE_TARGET else "missed"
        listed = ", ".join(f"{r:,.0f}x at {_n(n)}" for n, r in ratios)
        out.append(
            f"- At least {BASELINE_TARGET:g}x the events/s of the row-by-row baseline: "
            f"**{verdict}** ({listed}; whole load with transforms and checks vs the baseline's "
            "staging load alone)."
        )
    else:
        out.append("- Baseline ratio: the PostgreSQL baseline did not run (see above).")
    return out


def render(results: dict[str, Any]) -> str:
    """The whole RESULTS.md text."""
    m, v = results["machine"], results["versions"]
    sizes = results["sizes"]
    parts = [
        "# Scale benchmark of the local target",
        "",
        "Written by `benchmarks/bench_load.py` (see `benchmarks/README.md`); figures from one "
        f"run on {results['finished_at']}.",
        "",
        "## Machine",
        f"- CPU: {m['cpu']} ({m['cores']} cores), RAM {m['ram_gib']:.1f} GiB, disk {m['disk']}",
        f"- OS: {m['os']}",
        "",
        "## Versions",
        "- " + ", ".join(f"{k} {val}" for k, val in v.items()),
        "",
        "## Command",
        f"`{results['command']}`",
        "",
        "Each size runs in fresh worker processes (load, then floor), so the peaks are "
        "independent. Seeding warms the COPY cache as `sparkify run` does (fetch then only "
        "lists and checks it); the load uses a new DuckDB file. "
        "events/s = N / stage seconds; MB/s = raw input bytes (log_data + song_data) / stage "
        "seconds; peak RSS = the worker process plus its moto server child, sampled every 50 ms.",
        "",
        "## Summary",
        *_summary_table(sizes),
        "",
    ]
    if results.get("baseline_note"):
        parts += [f"Baseline: {results['baseline_note']}", ""]
    for size in sizes:
        parts.append(f"## {_n(size['events'])} events")
        if "local" not in size:
            parts += [f"Not finished: {size.get('error', 'unknown reason')}", ""]
            continue
        gen = size.get("generated_seconds")
        parts += [
            f"{size['input_bytes'] / MB:,.0f} MB in {size['files']:,} files "
            f"(log_data {size['log_bytes'] / MB:,.0f} MB, song_data "
            f"{size['song_bytes'] / MB:,.0f} MB)"
            + (f"; generated in {gen:.0f} s" if gen else "; dataset reused from an earlier run")
            + f". Tables: {', '.join(f'{k} {v:,}' for k, v in size['local']['tables'].items())}.",
            "",
            *_stage_table(size),
            "",
        ]
        if size.get("baseline", {}).get("note"):
            parts += [f"Baseline: {size['baseline']['note']}", ""]
    parts += ["## How it grows with N", *_growth(sizes), "", "## Targets", *_targets(sizes), ""]
    if NOTES.exists():
        parts += [NOTES.read_text().strip(), ""]
    return "\n".join(parts)
