"""Every ``sparkify`` mistake is one line and exit 2, before anything starts (no emulator, no
run folder), and a mistyped command or option names the closest one."""

from __future__ import annotations

import os

import pytest

from sparkify_helpers import cli, emulator, runner


def _one_line_exit_2(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        code = cli.main(argv)
        raise SystemExit(code)
    out, err = capsys.readouterr()
    assert stopped.value.code == 2, err
    assert out == "" and err.count("\n") == 1, err
    return err.strip()


@pytest.fixture
def no_emulator(monkeypatch):
    """Fail the test if the run (emulator, lock, run folder) starts before the checks."""

    def refuse(*_, **__):
        raise AssertionError("the run started before the options were checked")

    monkeypatch.setattr(runner, "run_workbook", refuse)
    monkeypatch.setattr(emulator, "start", refuse)


def test_out_under_a_file(tmp_path, capsys, no_emulator):
    (tmp_path / "f").write_text("x")
    err = _one_line_exit_2(capsys, ["run", "--out", str(tmp_path / "f" / "runs")])
    assert err == (
        f"error: --out {tmp_path}/f/runs: {tmp_path}/f is a file, not a folder; pick another --out."
    )


def test_warehouse_under_a_file_or_a_folder(tmp_path, capsys, no_emulator):
    (tmp_path / "f").write_text("x")
    err = _one_line_exit_2(capsys, ["run", "--warehouse", str(tmp_path / "f" / "w.duckdb")])
    assert err.startswith(f"error: --warehouse {tmp_path}/f: {tmp_path}/f is a file, not a folder")
    err = _one_line_exit_2(capsys, ["run", "--warehouse", str(tmp_path)])
    assert (
        err
        == f"error: --warehouse {tmp_path} is a folder; give a file such as {tmp_path}/dw.duckdb."
    )
    assert list(tmp_path.iterdir()) == [tmp_path / "f"]  # nothing was created


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder: chmod cannot refuse")
def test_out_in_an_unwritable_folder(tmp_path, capsys, no_emulator):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    err = _one_line_exit_2(capsys, ["run", "--out", str(locked / "runs")])
    assert err.endswith(f"{locked} is not writable by this user; pick another --out.")


def test_events_zero_is_refused_before_the_emulator_starts(capsys, no_emulator):
    err = _one_line_exit_2(capsys, ["run", "--events", "0"])
    assert err == "error: --events must be a positive integer, got 0."


def test_a_kernel_that_does_not_exist_names_the_installed_ones(capsys, no_emulator):
    err = _one_line_exit_2(capsys, ["run", "--kernel", "python"])
    assert err.startswith(
        "error: --kernel python: no such Jupyter kernel (did you mean 'python3'?)"
    )
    assert "installed: python3" in err


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["runn"], "(did you mean 'run'?); see sparkify --help"),
        (["run", "--ot", "x"], "unrecognized arguments: --ot x (did you mean '--out'?)"),
        (["emulator", "strat"], "(did you mean 'start'?); see sparkify emulator --help"),
    ],
)
def test_a_mistyped_command_or_option_suggests_the_closest(argv, hint, capsys):
    err = _one_line_exit_2(capsys, argv)
    assert hint in err


def test_every_command_has_a_description_and_every_option_help_with_its_default(capsys):
    parser = cli._parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001
    assert set(commands) == {"run", "generate", "emulator"}
    for name, command in commands.items():
        assert command.description, name
        for action in command._actions:  # noqa: SLF001
            assert action.help, f"sparkify {name} {action.option_strings or action.dest}"
            optional = action.option_strings and not action.required
            if optional and action.option_strings != ["-h", "--help"]:
                assert "default" in action.help, f"sparkify {name} {action.option_strings}"
    assert f"(default {runner.DEFAULT_EVENTS})" == cli.EVENTS
    assert f"(default {runner.DEFAULT_SEED})" == cli.SEED
    with pytest.raises(SystemExit):
        cli.main(["generate", "--help"])
    shown = capsys.readouterr().out
    assert "Write a synthetic dataset in the public bucket layout." in shown
    assert "random seed (default 42)" in shown


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--date", "15/11/2018"], "--date '15/11/2018' is not a day: write it as YYYY-MM-DD."),
        (["--since", "2018-11-10"], "--since and --until go together"),
        (["--since", "2018-11-15", "--until", "2018-11-10"], "--until 2018-11-10 is before"),
        (["--date", "2018-11-15", "--full-refresh"], "--full-refresh rebuilds every day"),
    ],
)
def test_a_bad_backfill_is_one_line_and_exit_2_before_anything_runs(
    argv, says, capsys, no_emulator
):
    assert says in _one_line_exit_2(capsys, ["run", *argv])
