"""The whole workbook, 01 to 05, headless through papermill on the local target.

One run proves what only a whole run can: the real notebooks in order on real data give the
row counts the raw files call for, every artifact of the run folder, and a teardown that
removes what 01 created. Failure modes are in ``test_runner_failures.py`` (fixture
notebooks, seconds each); the runner's generated-data path is exercised there too.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import raw_data

from sparkify_helpers import analytics, datagen, paths, runner

pytestmark = pytest.mark.notebooks

PNG = b"\x89PNG\r\n\x1a\n"
CHARTS = 10  # the marketing walkthrough's questions, one chart each


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """The real sample when present, else a generated dataset in the same layout."""
    sample = paths.sample_dataset_dir()
    if (sample / "song_data").is_dir() and (sample / "log_data").is_dir():
        return sample
    datagen.generate(tmp_path / "generated", events=4000, seed=7, progress=False)
    return tmp_path / "generated"


def _outputs(notebook: Path) -> list[dict]:
    cells = json.loads(notebook.read_text())["cells"]
    return [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]


def _top_locations_sentence(source: Path) -> str:
    """What 04 must say about locations, counted here from the raw events."""
    plays: Counter[str] = Counter()
    listeners: dict[str, set] = {}
    for e in raw_data.events(source):
        if e["page"] == "NextSong" and e["location"]:
            plays[e["location"]] += 1
            listeners.setdefault(e["location"], set()).add(e["userId"])
    (first, n), (second, m) = sorted(plays.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    assert n > m, "a tie at the top: pick another oracle"
    who = len(listeners[first])
    return (
        f"**{first} leads all locations with {n:,} plays from {who:,} "
        f"listener{'' if who == 1 else 's'}, ahead of {second} ({m:,} plays).**"
    )


def _error_outputs(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text())["cells"]
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for c in cells
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def test_whole_workbook_then_teardown(run_env, source):
    result = runner.run_workbook(
        runner.RunOptions(
            source=str(source),
            out=run_env / "runs",
            warehouse=run_env / "wh.duckdb",
            teardown=True,
        )
    )
    names = [*runner.WORKBOOK, runner.TEARDOWN]
    assert [(nb.name, nb.status, nb.error) for nb in result.notebooks] == [
        (name, "ok", None) for name in names
    ]
    run_dir = result.run_dir
    for name in names:
        assert _error_outputs(run_dir / f"{name}.ipynb") == []
        assert (run_dir / f"{name}.html").exists()

    counts = pd.read_csv(run_dir / "row_counts.csv").set_index("table")["rows"]
    assert counts.to_dict() == raw_data.expected_counts(source)
    results = list(run_dir.glob("etl_*.results"))
    assert len(results) == 1
    assert f"Table: songplays\nRows: {counts['songplays']}\n" in results[0].read_text()
    quality = pd.read_csv(run_dir / "quality.csv")
    assert (quality.loc[quality.severity == "error", "status"] == "pass").all()
    assert pd.read_csv(run_dir / "load_errors.csv").empty

    charts = sorted((run_dir / "charts").glob("*.png"))
    assert len(analytics.QUESTIONS) == CHARTS
    assert [p.stem for p in charts] == sorted(analytics.QUESTIONS)
    assert all(p.read_bytes()[:8] == PNG and p.stat().st_size > 5_000 for p in charts)
    assert (run_dir / "star_schema.png").read_bytes()[:8] == PNG

    # 04 draws every chart and says one sentence per question, computed from the warehouse
    outputs = _outputs(run_dir / "04_marketing_analytics.ipynb")
    assert sum("image/png" in o.get("data", {}) for o in outputs) == CHARTS
    sentences = [
        "".join(o["data"]["text/markdown"])
        for o in outputs
        if o["output_type"] == "execute_result" and "text/markdown" in o["data"]
    ]
    assert len(sentences) == CHARTS
    assert _top_locations_sentence(source) in sentences

    html = (run_dir / "report.html").read_text()
    assert 'Status <span class="ok">ok</span>' in html
    assert html.count("data:image/png;base64,") == CHARTS + 1  # and the star schema
    for chart in charts:
        assert f"<a href='charts/{chart.name}'>PNG</a>" in html
    for name in names:
        assert f'href="{name}.html"' in html

    run_json = json.loads((run_dir / "run.json").read_text())
    assert run_json["ok"] is True
    assert run_json["parameters"]["source"] == str(source.resolve())
    assert [nb["status"] for nb in run_json["notebooks"]] == ["ok"] * len(names)
    assert (run_dir.parent / "latest").resolve() == run_dir.resolve()

    shown = json.dumps(json.loads((run_dir / f"{runner.TEARDOWN}.ipynb").read_text())["cells"])
    assert "cluster sparkify-local" in shown and "IAM role" in shown
    files = len(raw_data.log_files(source)) + len(raw_data.song_files(source))
    assert run_json["load"] | {"note": None} == {
        "published": True,
        "files_staged": files,
        "rows_staged": counts["staging_events"] + counts["staging_songs"],
        "rows_rejected": 0,
        "plays_merged": counts["songplays"],
        "files_skipped": 0,
        "days": None,
        "note": None,
    }

    # the same input again: nothing new, nothing published, exit as normal (0)
    again = _load_again(run_env, source, "again")
    assert again.ok and run_json_of(again)["load"]["published"] is False
    assert run_json_of(again)["load"]["files_staged"] == 0
    deltas = pd.read_csv(again.run_dir / "row_counts.csv").set_index("table")["delta"]
    assert all(deltas[t] == 0 for t in ("songplays", "users", "songs", "artists", "time"))
    assert "Nothing new to load" in (again.run_dir / "report.html").read_text()

    # a backfill of one day re-loads its file: the same plays (ids kept), nothing else
    day = raw_data.log_files(source)[len(raw_data.log_files(source)) // 2]
    backfill = _load_again(run_env, source, "backfill", date=day.name[:10])
    load = run_json_of(backfill)["load"]
    assert (load["published"], load["files_staged"], load["days"]) == (True, 1, day.name[:10])
    assert load["plays_merged"] == sum(e["page"] == "NextSong" for e in raw_data.json_lines(day))
    assert run_json_of(backfill)["parameters"]["date"] == day.name[:10]
    after = pd.read_csv(backfill.run_dir / "row_counts.csv").set_index("table")
    assert after.loc["songplays", "rows"] == counts["songplays"]
    assert after.loc["songplays", "delta"] == 0


def run_json_of(result) -> dict:
    return json.loads((result.run_dir / "run.json").read_text())


def _load_again(run_env: Path, source: Path, run_id: str, **days: str):
    """01..03 again on the same warehouse and source (04 is not what this checks)."""
    result = runner.run_workbook(
        runner.RunOptions(
            source=str(source),
            out=run_env / "runs",
            warehouse=run_env / "wh.duckdb",
            run_id=run_id,
            notebooks=runner.WORKBOOK[:3],
            **days,
        )
    )
    assert [(nb.name, nb.status, nb.error) for nb in result.notebooks] == [
        (name, "ok", None) for name in runner.WORKBOOK[:3]
    ]
    return result
