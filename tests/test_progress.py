"""Progress bars off a terminal: a few whole lines, never carriage returns."""

from __future__ import annotations

import io

from jupyter_client.manager import start_new_kernel

from sparkify_helpers import paths, progress
from sparkify_helpers.aws.cluster import finish_bar


def test_a_known_total_writes_a_line_per_quarter_and_no_carriage_return():
    out = io.StringIO()  # not a terminal, as a CI log or `make run > log`
    with progress.bar(total=2033, desc="seed s3://b", unit="file", file=out) as bar:
        for _ in range(2033):
            bar.update(1)
    text = out.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert [line.split("%")[0].split(":")[-1].strip() for line in lines] == [
        "0",
        "25",
        "50",
        "75",
        "100",
    ]
    assert "2033/2033" in lines[-1]


def test_an_iterable_gives_every_item_and_ends_on_its_last_line():
    out = io.StringIO()
    assert list(progress.bar(range(7), desc="fetch", file=out)) == list(range(7))
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and 2 <= len(lines) <= 5
    assert "7/7" in lines[-1]


def test_an_unknown_total_writes_a_first_and_a_last_line_only():
    out = io.StringIO()
    with progress.bar(desc="sparkify-dw: cluster_available", unit="poll", file=out) as bar:
        for _ in range(500):
            bar.update(1)
        finish_bar(bar, "available")
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and len(lines) == 2
    assert "501/501" in lines[-1] and "available" in lines[-1] and "?" not in lines[-1]


def test_a_bar_stopped_early_ends_on_where_it_stopped():
    out = io.StringIO()
    with progress.bar(total=10, desc="x", file=out) as bar:
        bar.update(3)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "3/10" in lines[-1]


def test_a_slow_bar_of_unknown_length_writes_a_line_every_interval():
    out = io.StringIO()
    with progress.bar(desc="wait", file=out, interval=0) as bar:
        for _ in range(3):
            bar.update(1)
    assert len(out.getvalue().splitlines()) == 4  # 0, 1, 2, 3: one per update at interval 0


def test_a_disabled_bar_writes_nothing():
    out = io.StringIO()
    with progress.bar(total=5, desc="x", file=out, disable=True) as bar:
        bar.update(5)
    assert out.getvalue() == ""


def test_a_terminal_gets_tqdm_s_live_bar():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    with progress.bar(total=3, desc="x", file=out) as bar:
        bar.update(3)
    assert not isinstance(bar, progress.LineBar) and "\r" in out.getvalue()


def test_a_notebook_under_sparkify_run_gets_lines_on_its_stdout(monkeypatch, capsys):
    """A widget would be kept as its first frame ("0poll") and shows nothing offline."""
    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    monkeypatch.setenv(progress.HEADLESS_ENV, "1")
    with progress.bar(desc="sparkify-dw: cluster_available", unit="poll") as bar:
        bar.update(2)
        finish_bar(bar, "available")
    out, err = capsys.readouterr()
    assert isinstance(bar, progress.LineBar) and err == "" and "\r" not in out
    assert "3/3" in out.splitlines()[-1] and "available" in out.splitlines()[-1]


def test_every_bar_of_the_package_is_made_by_progress_bar():
    made_elsewhere = [
        str(path.relative_to(paths.project_root()))
        for path in (paths.project_root() / "sparkify_helpers").rglob("*.py")
        if path.name != "progress.py" and "tqdm(" in path.read_text()
    ]
    assert made_elsewhere == []


def test_a_kernel_is_told_apart_as_tqdm_auto_does_without_importing_ipywidgets():
    """In a real Jupyter kernel ``_in_notebook`` answers True before ipywidgets is imported
    and agrees with tqdm.auto's own choice; in this plain process it answers False."""
    assert progress._in_notebook() is False
    manager, client = start_new_kernel(kernel_name="python3")
    probe = {
        "ours": "__import__('sparkify_helpers.progress').progress._in_notebook()",
        "widgets_before": "'ipywidgets' in __import__('sys').modules",
    }
    try:
        found = client.execute_interactive("", user_expressions=probe, timeout=60)
        after = client.execute_interactive(
            "from tqdm.auto import tqdm as _auto\nfrom tqdm.notebook import tqdm as _nb",
            user_expressions={"tqdm": "issubclass(_auto, _nb)"},
            timeout=60,
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    shown = {k: v["data"]["text/plain"] for k, v in found["content"]["user_expressions"].items()}
    assert shown == {"ours": "True", "widgets_before": "False"}
    assert after["content"]["user_expressions"]["tqdm"]["data"]["text/plain"] == "True"
