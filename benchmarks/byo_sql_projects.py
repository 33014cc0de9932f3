"""Bring your own Redshift SQL: public Sparkify projects' scripts, unchanged, on the local target.

    python benchmarks/byo_sql_projects.py [--mirror /work/.mirror] [--sample DIR]
        [--label after] [--out benchmarks/RESULTS-byo-sql.md] [--json FILE]

Each project below is a public Udacity "Data Warehouse" solution: a ``sql_queries.py`` that
reads a ``dwh.cfg``-style file and builds four lists of Redshift statements (drop, create,
COPY, insert), which its ``create_tables.py`` and ``etl.py`` run in that order, committing
after each statement. Most of them carry no licence, so none of their code is committed
here: this script reads each one from a snapshot fetched into ``--mirror``
(``<owner>+<name>/repo``, as the ``fetch`` tool lays it out) and skips the ones that are
absent.

What is substituted, and nothing else: the bucket (``udacity-dend`` becomes the emulator's
bucket, seeded with the real sample under both the ``log_data``/``song_data`` and the
``log-data``/``song-data`` spellings the public bucket has used) and the IAM role ARN (the
emulator's read role), both in the project's own configuration file. The SQL text is kept
byte for byte. Every statement runs on a fresh local warehouse through
``LocalWarehouse.run_sql`` (the translator and the COPY emulation), one transaction each.

A project *loads end to end* when every one of its statements succeeds; the rows of its fact
table are reported beside it (a project whose own join matches nothing loads zero rows, on
Redshift too).
The results table (per project: the first failing statement and its error, rows per table)
is written to ``--out`` under a heading named by ``--label``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import types
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PHASES = ("drop_table_queries", "create_table_queries", "copy_table_queries")
INSERTS = "insert_table_queries"
PUBLIC_BUCKET = "udacity-dend"
BUCKET = "udacity-dend-local"

# (repository, folder of sql_queries.py inside it, its fact table)
PROJECTS: tuple[tuple[str, str, str], ...] = (
    ("d-bluejr/sparkify-redshift-etl", "", "songplays"),
    ("HockChong/AWS-DataWare", "", "songplay"),
    ("HarmonyJr/Data-Warehouse", "", "songplays"),
    ("JoseEslava/AWS_DW", "", "songplays"),
    ("Muath-Alsaeed/Data-Warehouse-AWS", "", "songplays"),
    ("Fer-Bonilla/Udacity-Data-Engineering-datawarehouse-with-aws-redshift", "", "songplay"),
    ("ljmzt/DEND_2023", "redshift_project.dir", "fact_songplays"),
)

# Projects whose own SQL fails on Redshift too, read against the guide: where it stops and
# Redshift's words for it. A run that stops there with those words is counted as faithful.
AS_ON_REDSHIFT: dict[str, tuple[str, str, str]] = {
    "d-bluejr/sparkify-redshift-etl": (
        "insert_table_queries[1]",
        "Cannot insert a NULL value into column song_id",
        "its songplays.song_id is NOT NULL and its insert is a LEFT JOIN that leaves song_id "
        "NULL for unmatched plays; Redshift enforces NOT NULL (r_CREATE_TABLE_NEW.md)",
    ),
}

log = logging.getLogger("byo_sql")


@dataclass
class Outcome:
    """What happened to one project's scripts."""

    repo: str
    present: bool = True
    statements: int = 0
    succeeded: int = 0
    failed_at: str = ""
    error: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    fact_table: str = ""

    @property
    def fails_as_on_redshift(self) -> bool:
        """It stops where, and with the words, Redshift stops this project's SQL."""
        expected = AS_ON_REDSHIFT.get(self.repo)
        if expected is None:
            return False
        return self.failed_at == expected[0] and expected[1] in self.error

    @property
    def end_to_end(self) -> bool:
        """Every statement ran (the fact table's rows are reported beside it)."""
        return self.present and not self.failed_at and self.statements > 0


def git_dir(mirror: Path, repo: str) -> Path | None:
    """The snapshot's git directory under ``mirror``, or None when it was not fetched."""
    base = mirror / repo.replace("/", "+") / "repo"
    for candidate in (base / ".git", base):
        if (candidate / "HEAD").exists():
            return candidate
    return None


def show(git: Path, path: str) -> str | None:
    """A file's text at the snapshot's HEAD, or None when the repository has no such file."""
    done = subprocess.run(
        ["git", "--git-dir", str(git), "show", f"HEAD:{path}"],
        capture_output=True,
        text=True,
    )
    return done.stdout if done.returncode == 0 else None


def config_name(module_text: str) -> str:
    """The file name the module passes to ``config.read(...)`` (``dwh.cfg`` by default)."""
    match = re.search(r"\.read\(\s*['\"]([^'\"]+)['\"]", module_text)
    return match.group(1) if match else "dwh.cfg"


def role_is_quoted_in_sql(module_text: str) -> bool:
    """Whether the SQL template puts quotes around the role (``'{}'``, ``'aws_iam_role={}'``)."""
    return not re.search(r"iam_role\s+\{", module_text, re.IGNORECASE)


def write_config(text: str | None, path: Path, arn: str, quoted_in_sql: bool) -> None:
    """The project's configuration with the bucket and the role ARN substituted.

    Without a file in the repository, a minimal one with the keys these projects read.
    """
    role = arn if quoted_in_sql else f"'{arn}'"
    if text is None:
        text = (
            "[S3]\nLOG_DATA='s3://udacity-dend/log_data'\n"
            "LOG_JSONPATH='s3://udacity-dend/log_json_path.json'\n"
            "SONG_DATA='s3://udacity-dend/song_data'\n\n[IAM_ROLE]\nARN=\n"
        )
    text = text.replace(PUBLIC_BUCKET, BUCKET)
    text = re.sub(r"(?im)^(\s*ARN\s*[=:]).*$", lambda m: f"{m.group(1)}{role}", text)
    path.write_text(text)


def load_module(folder: Path, module_text: str) -> dict:
    """Run the project's ``sql_queries.py`` in ``folder`` (it reads its config relative)."""
    (folder / "sql_queries.py").write_text(module_text.replace(PUBLIC_BUCKET, BUCKET))
    if "psycopg2" not in sys.modules:  # imported by some modules, never used to build SQL
        sys.modules["psycopg2"] = types.ModuleType("psycopg2")
    here = os.getcwd()
    os.chdir(folder)
    try:
        return runpy.run_path(str(folder / "sql_queries.py"))
    finally:
        os.chdir(here)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def run_project(settings, repo: str, folder: str, fact: str, mirror: Path, arn: str) -> Outcome:
    """Run one project's drop, create, COPY and insert lists on a fresh local warehouse."""
    from sparkify_helpers import targets

    outcome = Outcome(repo, fact_table=fact)
    git = git_dir(mirror, repo)
    prefix = f"{folder}/" if folder else ""
    module_text = show(git, f"{prefix}sql_queries.py") if git else None
    if module_text is None:
        outcome.present = False
        return outcome
    cfg_name = config_name(module_text)
    with tempfile.TemporaryDirectory(prefix="byo-sql-") as tmp:
        work = Path(tmp)
        write_config(
            show(git, f"{prefix}{cfg_name}"),  # type: ignore[arg-type]
            work / cfg_name,
            arn,
            role_is_quoted_in_sql(module_text),
        )
        try:
            namespace = load_module(work, module_text)
        except Exception as exc:  # their module did not even build its SQL
            outcome.failed_at, outcome.error = "sql_queries.py", first_line(exc)
            return outcome
        local = settings.with_overrides(warehouse_path=str(work / "warehouse.duckdb"))
        with targets.for_settings(local).open_warehouse() as wh:
            for phase in (*PHASES, INSERTS):
                for index, statement in enumerate(namespace.get(phase, []), start=1):
                    outcome.statements += 1
                    try:
                        wh.run_sql(statement, source=phase)
                    except Exception as exc:
                        outcome.failed_at = f"{phase}[{index}]"
                        outcome.error = first_line(exc)
                        break
                    outcome.succeeded += 1
                if outcome.failed_at:
                    break
            tables = wh.con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                "AND table_name <> 'stl_load_errors' ORDER BY table_name"
            ).fetchall()
            for (table,) in tables:
                count = wh.con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
                outcome.rows[table] = int(count[0]) if count else 0
    return outcome


def seed(info, settings, sample: Path, work: Path) -> None:
    """The sample under both prefix spellings, in the emulator's bucket (COPY cache warmed)."""
    from sparkify_helpers import emulator, paths

    layout = work / "bucket"
    for part in ("log_data", "song_data"):
        shutil.copytree(sample / part, layout / part)
        shutil.copytree(sample / part, layout / part.replace("_", "-"))
    shutil.copy2(sample / "log_json_path.json", layout / "log_json_path.json")
    emulator.seed_bucket(
        info, layout, BUCKET, settings.aws.region, progress=False, cache_dir=paths.copy_cache_dir()
    )


def run_all(mirror: Path, sample: Path) -> list[Outcome]:
    """Start a private emulator, seed it, run every project; stop the emulator after."""
    work = Path(tempfile.mkdtemp(prefix="byo-sql-state-"))
    os.environ["SPARKIFY_STATE_DIR"] = str(work / "state")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[var] = "testing"
    from sparkify_helpers import aws, config, emulator, targets

    try:
        with emulator.running() as info:
            settings = config.load_settings(
                ROOT / "config" / "local.yaml", environ={config.ENDPOINT_ENV: info.endpoint_url}
            )
            seed(info, settings, sample, work)
            arn = aws.ensure_role(targets.for_settings(settings))
            return [
                run_project(settings, repo, folder, fact, mirror, arn)
                for repo, folder, fact in PROJECTS
            ]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def markdown(label: str, outcomes: list[Outcome]) -> str:
    """One results section: the count that loads end to end, then a row per project."""
    present = [o for o in outcomes if o.present]
    ok = sum(o.end_to_end for o in present)
    faithful = [o for o in present if o.fails_as_on_redshift]
    lines = [
        f"## {label}",
        "",
        f"**{ok} of {len(present)} projects load end to end**; {len(faithful)} more "
        f"fail{'s' if len(faithful) == 1 else ''} as on Redshift "
        f"({len(outcomes) - len(present)} not fetched).",
        "",
        *(f"- {o.repo} fails as on Redshift: {AS_ON_REDSHIFT[o.repo][2]}." for o in faithful),
        *([""] if faithful else []),
        "| project | statements run | first failure | error | fact rows |",
        "| --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        if not o.present:
            lines.append(f"| {o.repo} | not fetched | | | |")
            continue
        error = o.error.replace("|", "\\|")
        lines.append(
            f"| {o.repo} | {o.succeeded}/{o.statements} | {o.failed_at or 'none'} | "
            f"{error} | {o.rows.get(o.fact_table, 0):,} |"
        )
    lines.append("")
    lines.append("Rows per table (projects that got past CREATE):")
    lines.append("")
    for o in present:
        if o.rows:
            counts = ", ".join(f"{t} {n:,}" for t, n in o.rows.items())
            lines.append(f"- {o.repo}: {counts}")
    return "\n".join(lines) + "\n"


def replace_section(text: str, label: str, section: str) -> str:
    """``text`` with the section headed ``## label`` replaced (or appended)."""
    pattern = re.compile(rf"^## {re.escape(label)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        return pattern.sub(lambda _: section + "\n", text)
    return text.rstrip("\n") + "\n\n" + section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument(
        "--sample", type=Path, default=ROOT.parent / "shared" / "datasets" / "udacity-sample"
    )
    parser.add_argument("--label", default="after")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-byo-sql.md")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if not (args.sample / "log_data").is_dir():
        print(f"no sample at {args.sample}: pass --sample DIR", file=sys.stderr)
        return 2
    outcomes = run_all(args.mirror, args.sample)
    section = markdown(args.label, outcomes)
    print(section)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    old = args.out.read_text() if args.out.exists() else "# Bring your own Redshift SQL\n"
    args.out.write_text(replace_section(old, args.label, section))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
