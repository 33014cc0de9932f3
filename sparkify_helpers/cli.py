"""``sparkify``: run the workbook headless, generate data, manage the local emulator."""

from __future__ import annotations

import argparse
import atexit
import gc
import logging
import sys
from pathlib import Path
from typing import NoReturn

from sparkify_helpers.errors import SparkifyError

log = logging.getLogger("sparkify_helpers.cli")

# Each command imports what it needs inside its function, so `sparkify --help` and
# `sparkify emulator status` answer without loading pandas, papermill or DuckDB.

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2  # then 128 + the signal: 130 SIGINT, 143 SIGTERM
EXIT_SIGINT, EXIT_SIGTERM = 130, 143


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line naming the closest command or option."""

    def error(self, message: str) -> NoReturn:
        from sparkify_helpers.preflight import closest

        hint = ""
        if "invalid choice: '" in message:
            word = message.split("invalid choice: '", 1)[1].split("'", 1)[0]
            hint = closest(word, ["run", "generate", "emulator", "start", "stop", "status"])
        elif message.startswith("unrecognized arguments: "):
            word = message.split(": ", 1)[1].split()[0].split("=")[0]
            hint = closest(word, _OPTIONS)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}{hint}; see {self.prog} --help\n")


_OPTIONS: list[str] = []  # every option of every subcommand, filled by _parser
# runner.DEFAULT_EVENTS and DEFAULT_SEED, written out so --help needs no import (a test checks)
EVENTS, SEED = "(default 20000)", "(default 42)"


def _command(sub, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand whose one-line summary is also its --help description."""
    return sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sparkify", description="Sparkify warehouse workbook (Redshift or local DuckDB)."
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="debug logging from every library"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = _command(sub, "run", "run every notebook in order with papermill")
    run.add_argument("--config", type=Path, help="settings file (default config/local.yaml)")
    run.add_argument(
        "--source",
        help="data folder (local) or s3://bucket/prefix (redshift); default: a generated dataset",
    )
    run.add_argument("--out", type=Path, help="runs folder (default runs/)")
    run.add_argument(
        "--warehouse", type=Path, help="local DuckDB file (default .sparkify/warehouse.duckdb)"
    )
    run.add_argument("--teardown", action="store_true", help="also run 05_teardown (default: off)")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every table, published in one transaction (default: load only new files)",
    )
    run.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="re-load this day's log files, replacing its plays (default: what is new)",
    )
    run.add_argument(
        "--since", metavar="YYYY-MM-DD", help="with --until: re-load these days (default: none)"
    )
    run.add_argument(
        "--until", metavar="YYYY-MM-DD", help="the last day --since re-loads (default: none)"
    )
    run.add_argument("--run-id", help="name of the run folder (default: UTC timestamp)")
    run.add_argument("--events", type=int, help=f"events to generate without --source {EVENTS}")
    run.add_argument("--seed", type=int, help=f"seed of the generated dataset {SEED}")
    run.add_argument("--kernel", help="Jupyter kernel name (default: the notebooks' own)")

    gen = _command(sub, "generate", "write a synthetic dataset in the public bucket layout")
    gen.add_argument(
        "--out", type=Path, required=True, help="folder to write (song_data/, log_data/, ...)"
    )
    gen.add_argument("--events", type=int, required=True, help="log events to generate")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument(
        "--songs-per-file", type=int, help="song objects per file (default: 1, more for big sets)"
    )

    emu = _command(sub, "emulator", "the local AWS emulator for interactive work (make lab)")
    emu.add_argument(
        "action",
        choices=["start", "stop", "status"],
        help="start it (and seed its bucket), stop every one, or say which are running",
    )
    emu.add_argument("--config", type=Path, help="settings file (default config/local.yaml)")
    emu.add_argument(
        "--source", help="start: seed the bucket from this folder (default: a generated dataset)"
    )
    emu.add_argument("--events", type=int, help=f"start: events of the generated dataset {EVENTS}")
    emu.add_argument("--seed", type=int, help=f"start: seed of the generated dataset {SEED}")
    emu.add_argument(
        "--no-data", action="store_true", help="start: leave the bucket empty (default: seed it)"
    )
    _OPTIONS[:] = sorted(
        {o for p in (run, gen, emu) for a in p._actions for o in a.option_strings}  # noqa: SLF001
    )
    return parser


def _run(args) -> int:
    # the run's first seconds are imports: the collector resumes once they are done (see
    # run_overlap.Overlap.warmed); at the process's exit it is not asked to walk every object
    # the run imported (0.3 s)
    gc.disable()
    atexit.register(gc.freeze)
    from sparkify_helpers import preflight, runner

    if args.out is not None:
        preflight.writable_folder("--out", args.out)
    if args.warehouse is not None:
        preflight.warehouse_file(args.warehouse)
    preflight.positive("--events", args.events)
    preflight.kernel(args.kernel)
    preflight.backfill(args.date, args.since, args.until, full_refresh=args.full_refresh)

    options = runner.RunOptions(
        config=args.config,
        source=args.source,
        out=args.out,
        warehouse=args.warehouse,
        teardown=args.teardown,
        full_refresh=args.full_refresh,
        date=args.date or "",
        since=args.since or "",
        until=args.until or "",
        run_id=args.run_id,
        kernel_name=args.kernel,
    )
    if args.events is not None:
        options.events = args.events
    if args.seed is not None:
        options.seed = args.seed
    result = runner.run_workbook(options)
    print(f"run folder: {result.run_dir}")
    for nb in result.notebooks:
        print(f"  {nb.name:<26} {nb.status:<11} {nb.seconds:6.1f}s")
    unwritten = [str(result.run.report) in error for error in result.write_errors]
    if not any(unwritten) and result.run.report.exists():
        print(f"report: {result.run.report}")
    for error in result.write_errors:
        print(f"error: {error}", file=sys.stderr)
    if result.interrupted_by:
        print(
            f"interrupted by {result.interrupted_by}: run {result.run_id} is marked "
            f"interrupted in {result.run.run_json}",
            file=sys.stderr,
        )
        return EXIT_SIGTERM if result.interrupted_by == "SIGTERM" else EXIT_SIGINT
    failure = result.failure
    if failure:
        cell = f" in cell {failure.failed_cell}" if failure.failed_cell is not None else ""
        kept = (
            f"executed notebook kept at {failure.output}"
            if failure.output.exists()
            else f"the executed notebook could not be kept ({failure.output} was not written)"
        )
        print(
            f"error: notebook {failure.name} failed{cell}: {failure.error}\n       {kept}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_FAILED if result.write_errors else EXIT_OK


def _generate(args) -> int:
    from sparkify_helpers import datagen

    summary = datagen.generate(
        args.out, events=args.events, seed=args.seed, songs_per_file=args.songs_per_file
    )
    print(summary)
    return EXIT_OK


def _emulator(args) -> int:
    from sparkify_helpers import emulator

    if args.action == "start":
        info = emulator.start()
        if not args.no_data:
            _seed_for_lab(args, info)
        print(f"export SPARKIFY_AWS_ENDPOINT_URL={info.endpoint_url}")
    elif args.action == "stop":
        stopped = emulator.stop_all()
        for entry in stopped:
            print(f"emulator stopped: {_describe_emulator(entry)}")
        if not stopped:
            print("emulator was not running")
    else:
        found = emulator.status_all()
        if not found:
            print("emulator not running")
            return EXIT_FAILED
        for entry in found:
            print(f"emulator running at {_describe_emulator(entry)}")
    return EXIT_OK


def _describe_emulator(entry) -> str:
    """``URL (pid N, interactive)`` or ``URL (pid N, private to run pid M)``; says when it
    does not answer with its token right now."""
    from sparkify_helpers import emulator

    info = entry.info
    whose = f"private to run pid {info.owner}" if entry.private else "interactive"
    answers = "" if emulator.answers_token(info) else "; not answering right now"
    return f"{info.endpoint_url} (pid {info.pid}, {whose}{answers})"


def _seed_for_lab(args, info) -> None:
    """Fill the emulator's bucket so notebooks 01-04 run by hand as under ``sparkify run``."""
    from sparkify_helpers import config, runner
    from sparkify_helpers.targets import LocalTarget

    lab = LocalTarget(config.load_settings(args.config))
    lab.seed(  # logs what it seeded
        lab.check_source(args.source),
        args.events if args.events is not None else runner.DEFAULT_EVENTS,
        args.seed if args.seed is not None else runner.DEFAULT_SEED,
        info,
    )


class _ConsoleFormat(logging.Formatter):
    """``12:10:41 message`` for our progress; a warning or an error says so and whose it is."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s", datefmt="%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        if record.levelno < logging.WARNING:
            return super().formatMessage(record)
        whose = "" if record.name.startswith("sparkify_helpers") else f" ({record.name})"
        level = record.levelname.lower()
        return f"{record.asctime} {level}{whose}: {record.message}"


def _console_logging(verbose: bool) -> None:
    """Our INFO lines and everyone's warnings; with ``--verbose`` every library's debug."""
    if verbose:
        fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
        logging.basicConfig(level=logging.DEBUG, format=fmt)
        return
    handler = logging.StreamHandler()
    handler.setFormatter(_ConsoleFormat())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    if handler in logging.getLogger().handlers:  # not when logging was set up before (tests)
        logging.getLogger("sparkify_helpers").setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sparkify`` console script."""
    args = _parser().parse_args(argv)
    _console_logging(args.verbose)
    commands = {"run": _run, "generate": _generate, "emulator": _emulator}
    try:
        return commands[args.command](args)
    except SparkifyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:  # runner.RunInterrupted carries SIGINT's or SIGTERM's code
        print("interrupted", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_SIGINT)


if __name__ == "__main__":
    sys.exit(main())
