"""report.html tells the story: each chart's sentence under it, counts people can read."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from sparkify_helpers import analytics, run_report
from sparkify_helpers.run_record import RunResult
from sparkify_helpers.warehouse.base import StatementResult, results_frame


def test_each_chart_carries_its_sentence_and_counts_have_separators(tmp_path):
    frame = pd.DataFrame({"hour": [10, 22], "plays": [3, 2]})
    answer = analytics.answer(analytics.question("plays_by_hour"), frame, tmp_path / "charts")
    assert analytics.sentence_path(answer.png_path).read_text() == answer.sentence
    (tmp_path / "row_counts.csv").write_text("table,rows\nsongplays,6820\nusers,97\n")
    result = RunResult("r1", tmp_path, {}, datetime(2026, 12, 2, tzinfo=timezone.utc))
    page = run_report.build_report(result)
    assert f"<p class='sentence'>{answer.sentence}</p>" in page
    assert f'alt="Plays by hour of day. {answer.sentence}"' in page
    assert "<td>6,820</td>" in page and "<td>97</td>" in page


def test_statement_rows_are_whole_numbers_or_missing_never_floats():
    frame = results_frame(
        [
            StatementResult("copy/10_staging_events.sql", 1, "COPY", 20000, 1.0),
            StatementResult("create/10_staging_events.sql", 1, "CREATE", None, 0.1),
        ]
    )
    assert frame["rows"].tolist()[0] == 20000
    assert pd.isna(frame["rows"].tolist()[1])
    assert "20000.0" not in frame.to_string() and "NaN" not in frame.to_string()


def test_executed_notebook_pages_open_offline_and_charts_have_alt_text(tmp_path):
    import nbformat

    frame = pd.DataFrame({"hour": [10, 22], "plays": [3, 2]})
    chart = analytics.answer(analytics.question("plays_by_hour"), frame).chart()
    bundle = chart._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/html"}
    assert 'alt="Plays by hour of day. Plays peak at 10:00' in bundle["text/html"]
    cell = nbformat.v4.new_code_cell("chart")
    cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    path = tmp_path / "04_marketing_analytics.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    page = run_report.render_notebook_html(path).read_text()
    assert "https://" not in "".join(s for s in page.split("<script")[1:] if "src=" in s[:200])
    assert "cdnjs.cloudflare.com" not in page
    assert "No description has been provided" not in page
    assert 'alt="Plays by hour of day.' in page
