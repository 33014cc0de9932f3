"""report.html: one page with parameters, timings, counts, checks, load errors and charts."""

from __future__ import annotations

from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

from sparkify_helpers import run_report, runner  # noqa: E402


def _png(path):
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    fig.savefig(path)
    plt.close(fig)


def _result(run_dir, status="ok", error=None):
    nb_path = run_dir / "03_load.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), nb_path)
    notebook = runner.NotebookRun("03_load", nb_path, 1.5, status, 4 if error else None, error)
    return runner.RunResult(
        "20261129-054311",
        run_dir,
        {"config": "config/local.yaml", "source": "<script>"},
        datetime(2026, 11, 29, 5, 43, 11, tzinfo=timezone.utc),
        [notebook],
    )


def test_a_failed_run_shows_the_failing_cell_and_the_rejected_rows(tmp_path):
    (tmp_path / "load_errors.csv").write_text(
        "query,filename,line_number,err_code,err_reason\n1,s3://b/log.json,3,1216,Invalid JSON\n"
    )
    page = run_report.build_report(_result(tmp_path, "failed", "CopyError: 1 row rejected"))
    assert 'Status <span class="failed">failed</span>' in page
    assert "cell 4: CopyError: 1 row rejected" in page
    assert "1 rejected row " in page and "Invalid JSON" in page
    assert 'href="03_load.html"' in page and (tmp_path / "03_load.html").exists()
    assert "<script>" not in page  # parameters are escaped
    assert "No row counts" in page


def test_a_complete_run_embeds_charts_in_walkthrough_order_with_counts_and_checks(tmp_path):
    (tmp_path / "row_counts.csv").write_text("table,rows\nsongplays,6820\n")
    (tmp_path / "quality.csv").write_text(
        "check,severity,description,failures,status,sample\n10_key,error,pk,0,pass,\n"
    )
    (tmp_path / "etl_20261129054311.results").write_text(
        "Table: songplays\nRows: 6820\n\nsongplays match rate: 0.01% (1 of 6,820 plays)\n"
    )
    (tmp_path / "load_errors.csv").write_text("query,filename,line_number,err_code,err_reason\n")
    (tmp_path / "charts").mkdir()
    for name in ("top_songs", "plays_by_hour"):
        _png(tmp_path / "charts" / f"{name}.png")
    path = run_report.write_report(_result(tmp_path))
    page = path.read_text()
    assert 'Status <span class="ok">ok</span>' in page
    assert "<td>songplays</td>" in page and "<td>6,820</td>" in page
    assert '<span class="pass">pass</span>' in page
    assert "songplays match rate: 0.01%" in page
    assert page.count("data:image/png;base64,") == 2
    assert page.index("Plays by hour of day") < page.index("charts/top_songs.png")
    assert "No rows were rejected by COPY" in page


def test_an_interrupted_run_says_so_and_which_signal(tmp_path):
    result = _result(tmp_path, "interrupted", "interrupted by SIGTERM")
    result.interrupted_by = "SIGTERM"
    page = run_report.build_report(result)
    assert 'Status <span class="interrupted">interrupted</span>' in page
    assert "interrupted by SIGTERM: the notebooks after the one it stopped did not run" in page
    assert '<td><span class="interrupted">interrupted</span></td>' in page


def test_offline_drops_every_script_that_fetches_from_the_network_and_keeps_the_rest():
    page = (
        "<html><head><SCRIPT src='https://cdn.example/require.js'></SCRIPT>"
        '<script type="text/x-mathjax-config">MathJax.Hub.Config({});</script>'
        '<script type="module">import m from "https://cdn.example/mermaid.js";</script>'
        "</head><body><p>a &lt;script&gt; in text</p>"
        '<script src="http://cdn.example/x.js" defer></script>'
        '<script src="local.js"></script><script>\nvar a = 1 > 0;\n</script></body></html>'
    )
    kept = run_report.offline(page)
    assert kept == (
        '<html><head><script type="text/x-mathjax-config">MathJax.Hub.Config({});</script>'
        "</head><body><p>a &lt;script&gt; in text</p>"
        '<script src="local.js"></script><script>\nvar a = 1 > 0;\n</script></body></html>'
    )
