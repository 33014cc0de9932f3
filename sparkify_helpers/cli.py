"""``sparkify``: run the workbook headless, generate data, manage the local emulator."""

from __future__ import annotations

import argparse
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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sparkify", description="Sparkify warehouse workbook (Redshift or local DuckDB)."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run every notebook in order with papermill")
    run.add_argument("--config", type=Path, help="settings file (default config/local.yaml)")
    run.add_argument("--source", help="data folder (local) or s3://bucket/prefix (redshift)")
    run.add_argument("--out", type=Path, help="runs folder (default runs/)")
    run.add_argument("--warehouse", type=Path, help="local DuckDB file")
    run.add_argument("--teardown", action="store_true", help="also run 05_teardown")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every table from scratch (published in one transaction at the end)",
    )
    run.add_argument("--run-id", help="name of the run folder (default: UTC timestamp)")
    run.add_argument("--events", type=int, help="events to generate when no --source is given")
    run.add_argument("--seed", type=int, help="seed of the generated dataset")
    run.add_argument("--kernel", help="Jupyter kernel name (default: the notebooks' own)")

    gen = sub.add_parser("generate", help="write a synthetic dataset in the public bucket layout")
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--events", type=int, required=True)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--songs-per-file", type=int, help="song objects per file (default: auto)")

    emu = sub.add_parser("emulator", help="the local AWS emulator for interactive work")
    emu.add_argument("action", choices=["start", "stop", "status"])
    emu.add_argument("--config", type=Path, help="settings file (default config/local.yaml)")
    emu.add_argument("--source", help="start: seed the bucket from this data folder")
    emu.add_argument("--events", type=int, help="start: seed a generated dataset of N events")
    emu.add_argument("--seed", type=int, help="start: seed of the generated dataset")
    emu.add_argument("--no-data", action="store_true", help="start: leave the bucket empty")
    _OPTIONS[:] = sorted(
        {o for p in (run, gen, emu) for a in p._actions for o in a.option_strings}  # noqa: SLF001
    )
    return parser


def _run(args) -> int:
    from sparkify_helpers import preflight, runner

    if args.out is not None:
        preflight.writable_folder("--out", args.out)
    if args.warehouse is not None:
        preflight.warehouse_file(args.warehouse)
    preflight.positive("--events", args.events)
    preflight.kernel(args.kernel)

    options = runner.RunOptions(
        config=args.config,
        source=args.source,
        out=args.out,
        warehouse=args.warehouse,
        teardown=args.teardown,
        full_refresh=args.full_refresh,
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
        print(f"emulator running at {info.endpoint_url} (pid {info.pid})")
        if not args.no_data:
            _seed_for_lab(args, info.endpoint_url)
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


def _seed_for_lab(args, endpoint_url: str) -> None:
    """Fill the emulator's bucket so notebooks 01-04 run by hand as under ``sparkify run``."""
    from sparkify_helpers import config, runner
    from sparkify_helpers.targets import LocalTarget

    lab = LocalTarget(config.load_settings(args.config)).with_endpoint(endpoint_url)
    seeded = lab.seed(
        lab.check_source(args.source),
        args.events if args.events is not None else runner.DEFAULT_EVENTS,
        args.seed if args.seed is not None else runner.DEFAULT_SEED,
    )
    objects, size, folder = seeded["objects"], seeded["bytes"], seeded["folder"]
    print(f"seeded {objects:,} objects ({size:,} bytes) from {folder}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sparkify`` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
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
