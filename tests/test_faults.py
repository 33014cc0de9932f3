"""Fault suite: bad inputs and faults against a warehouse that holds a good load of the sample.

A warehouse is loaded from the real sample and published once (run ``good-1``); the DuckDB
file is kept and each test starts from a copy of it, against the one shared emulator, whose
objects a test puts back (or deletes, when it added them) afterwards. Each test then runs
the load steps as ``03_load`` does (``load.copy_staging`` then ``load.publish``, in-process,
through the local target) on one defect in the input, or injects one fault, and asserts:

- refused inputs: the error says what failed and names the run the warehouse still holds
  (``good-1``); every star table is byte-identical (sha256 of its rows ordered by every
  column, ``test_publish.fingerprints``); ``sparkify_publishes`` still lists only ``good-1``;
  a row COPY rejects is counted in ``load_errors.csv`` with its file;
- warn-only inputs: the load is published and the warning is in ``quality.csv``;
- benign inputs (files COPY legitimately reads as no rows): published, star unchanged.

A full refresh builds the star as ``<table>__new`` beside the old tables and swaps them in
(DROP, ALTER TABLE RENAME) inside the publish transaction: a fault at each point of it
(building, transforming, checking, dropping the old, renaming the new, recording) leaves the
old tables byte-identical and no ``__new`` table; one left by an earlier refresh is dropped
by the next run; another connection reads the old tables until the commit.

Covered elsewhere, not repeated here: two concurrent ``sparkify run`` on one warehouse, one
refused with exit 2 naming the holder
(``test_run_state.py::test_a_second_run_on_the_same_warehouse_exits_2_naming_the_first``);
Ctrl-C and SIGTERM of ``sparkify run`` mid-notebook (exit 130/143, ``run.json`` interrupted,
no process left, no kernel traceback on the console: ``test_run_state.py``); Ctrl-C and
kill -9 while seeding (``test_emulator.py``); a report that cannot be written (ENOSPC
injected, ``test_run_state.py``); the emulator outliving a killed runner
(``test_emulator.py``).

Figures (what was tried and what it left; from this module's run, 2026-12-07, 47 tests):

====================================  =======================================================
tried                                 left
====================================  =======================================================
17 bad inputs                         15 refused, previous star byte-identical in 15 of 15,
                                      error names what failed and "run good-1" (a song without
                                      song_id by check 06; a NaN duration as invalid JSON,
                                      1216); 1 warn-only (song id twice, conflicting) published
                                      with check 52 at ``warn`` in quality.csv; 1 benign (empty
                                      log file) published, star identical
rows COPY rejects                     10 of 10 COPY-rejected inputs: one row in load_errors.csv
                                      with the file and the Redshift code (1204, 1206, 1207,
                                      1216, 1220); JSONPaths (2) and check failures (3) reject
                                      no row: load_errors.csv empty
Ctrl-C (KeyboardInterrupt) at COPY,   3 of 3 star byte-identical, only good-1 published; the
transform, publish                    next load on the same connection publishes, no manual
                                      step
kill -9 and SIGTERM (a child taking   6 of 6 star byte-identical; child gone (PID checked;
it as ``sparkify run`` does) at       SIGTERM: exit 143); the next load publishes, no manual
COPY, transform, publish              step
full refresh: Ctrl-C and kill -9 at   12 of 12 old tables byte-identical, no ``__new`` table
6 points (build, transform, check,    left, only good-1 published; the next full refresh
drop old, rename new, record)         publishes, no manual step
``__new`` tables left by an earlier   dropped by the next plain run and by the next full
refresh (committed)                   refresh (2 of 2), star identical
full tmpfs under the run folder,      2 of 2 star byte-identical, no ``.tmp`` left; the error
in-process (before COPY, publish)     names the file, "disk full" and the held load
full tmpfs, ``sparkify run``          2 of 2 exit 1, "could not write <run>/run.json: disk
(before the run, as 03 starts)        full", warehouse intact; a notebook that could not be
                                      written is said so, never claimed as kept
faults in all                         26 tried (3 + 6 + 12 + 1 + 2 + 2), warehouse intact in
                                      26; 22 recovered by the next load without manual steps
                                      (the 4 disk-full ones not retried)
processes left                        0 (conftest's per-test guard; each child by PID)
====================================  =======================================================

Run time of the module on this machine: 11 min (47 tests, 2 cores shared with other suites,
load average 14-19; the subprocess tests take most of it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psutil
import pytest
import raw_data
from test_publish import fingerprints

from sparkify_helpers import ledger, load, refresh
from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.errors import SparkifyError, WarehouseError
from sparkify_helpers.run_folder import RunFolder

GOOD = "good-1"
# A fault strikes a load that re-stages the sample's every day (a backfill, `sparkify run
# --since --until`): an incremental load of unchanged input would stage nothing.
EVERY_DAY = ledger.days_of(since="2018-11-01", until="2018-11-30")
HELD = f"the warehouse still holds the load of run {GOOD} ("
REFUSED, WARN, BENIGN = "refused", "warn", "benign"


# -- a warehouse with one good load, copied per test -----------------------------------


@pytest.fixture(scope="module")
def _golden(tmp_path_factory) -> dict:
    """Filled by the first test: the published DuckDB file and its fingerprints."""
    return {"dir": tmp_path_factory.mktemp("golden")}


@pytest.fixture
def loaded(seeded_sample, _golden, run_env):
    """(target, fingerprints) of a warehouse holding the published load of run ``good-1``."""
    target, _ = seeded_sample
    warehouse = run_env / "wh.duckdb"
    kept = _golden["dir"] / "wh.duckdb"
    if "prints" not in _golden:
        with target.open_warehouse() as dw:
            load.create_tables(dw)
            load.copy_staging(dw, RunFolder.open(run_env / GOOD))
            load.publish(dw, RunFolder.open(run_env / GOOD), GOOD)
            _golden["prints"] = fingerprints(dw)
        shutil.copy(warehouse, kept)
    else:
        shutil.copy(kept, warehouse)
    return target, _golden["prints"]


@dataclass
class Bucket:
    """The shared emulator's bucket, with every change undone after the test."""

    s3: object
    name: str
    sample: Path
    replaced: list[str]
    added: list[str]

    def put(self, key: str, body: bytes) -> None:
        if (self.sample / key).exists():
            self.replaced.append(key)
        else:
            self.added.append(key)
        self.s3.put_object(Bucket=self.name, Key=key, Body=body)

    def key(self, path: Path) -> str:
        return path.relative_to(self.sample).as_posix()

    def uri(self, key: str) -> str:
        return f"s3://{self.name}/{key}"


@pytest.fixture
def bucket(seeded_sample, sample_dir):
    target, _ = seeded_sample
    b = Bucket(target.aws_client("s3"), target.settings.source.bucket, sample_dir, [], [])
    yield b
    for key in b.replaced:
        b.s3.put_object(Bucket=b.name, Key=key, Body=(sample_dir / key).read_bytes())
    for key in b.added:
        b.s3.delete_object(Bucket=b.name, Key=key)


def published_runs(dw) -> list[str]:
    return dw.query("SELECT run_id FROM sparkify_publishes ORDER BY published_at")[
        "run_id"
    ].tolist()


# -- the bad inputs ---------------------------------------------------------------------


@dataclass(frozen=True)
class BadInput:
    """One defect: how to make it, what the load must do, what the message must say."""

    make: Callable[[Bucket], str | None]  # returns the S3 key COPY rejects rows of, if any
    outcome: str
    says: str = ""  # part of the error message (refused) or the warning check (warn)
    err_code: int = 0  # the one row COPY rejects lands in load_errors.csv with this code
    gap: str = ""  # a known gap: the case is expected to fail (strict xfail) for this reason
    backfill: bool = False  # no log file changes: re-load every day to read the logs again


def _first_log(b: Bucket) -> Path:
    return raw_data.log_files(b.sample)[0]


def _last_log(b: Bucket) -> Path:
    return raw_data.log_files(b.sample)[-1]


def _first_song(b: Bucket) -> Path:
    return raw_data.song_files(b.sample)[0]


def _log_with(b: Bucket, extra: str, *, at: int | None = None) -> str:
    """The first log file with ``extra`` inserted as line ``at`` (1-based; None: last)."""
    path = _first_log(b)
    lines = path.read_text().splitlines()
    lines.insert(len(lines) if at is None else at - 1, extra)
    key = b.key(path)
    b.put(key, ("\n".join(lines) + "\n").encode())
    return key


def _event(b: Bucket, **changes) -> str:
    event = raw_data.json_lines(_first_log(b))[0]
    return json.dumps({**event, **changes})


def _song(b: Bucket, **changes) -> dict:
    song = raw_data.json_lines(_first_song(b))[0]
    song = {**song, **changes}
    return {k: v for k, v in song.items() if v is not _DROP}


_DROP = object()


def malformed_line(b):
    return _log_with(b, '{"artist": "Broken", "auth": "Logged In", ', at=3)


def truncated_last_line(b):
    path = _last_log(b)
    key = b.key(path)
    b.put(key, (path.read_text() + '{"artist": "Cut off", "auth": ').encode())
    return key


def invalid_utf8(b):
    path = _first_log(b)
    lines = path.read_bytes().splitlines()
    lines[1] = lines[1].replace(b'"Logged In"', b'"Logged \xff\xfe In"', 1)
    assert b"\xff" in lines[1]
    key = b.key(path)
    b.put(key, b"\n".join(lines) + b"\n")
    return key


def value_too_long(b):
    return _log_with(b, _event(b, auth="x" * 33), at=2)  # auth is VARCHAR(32)


def ts_not_a_number(b):
    return _log_with(b, _event(b, ts="abc"), at=2)


def ds_store_in_log_data(b):
    key = "log_data/.DS_Store"
    b.put(key, b"\x00\x00\x00\x01Bud1\x00\x00\x10\x00\x00\x00\x08\x00" * 8)
    return key


def readme_in_log_data(b):
    key = "log_data/README.txt"
    b.put(key, b"Sparkify event logs, one JSON object per line.\n")
    return key


def gzipped_log_without_gzip(b):
    path = _first_log(b)
    key = b.key(path) + ".gz"  # beside the plain file, under the log_data prefix
    b.put(key, gzip.compress(path.read_bytes()))
    return key


def jsonpaths_not_json(b):
    b.put("log_json_path.json", b"jsonpaths: [artist, auth]\n")
    return None


def jsonpaths_wrong_count(b):
    paths = json.loads((b.sample / "log_json_path.json").read_text())
    paths["jsonpaths"] = paths["jsonpaths"][:-1]  # 17 paths for 18 columns
    b.put("log_json_path.json", json.dumps(paths).encode())
    return None


def line_holding_an_array(b):
    events = raw_data.json_lines(_first_log(b))
    return _log_with(b, json.dumps(events[:2]))


def file_as_one_array(b):
    path = _first_log(b)
    key = b.key(path)
    b.put(key, json.dumps(raw_data.json_lines(path)).encode())
    return key


def empty_log_file(b):
    key = "log_data/2018/11/2018-11-31-events.json"
    b.put(key, b"")
    return key


def song_missing_song_id(b):
    key = "song_data/Z/Z/Z/TRZZZMISSING.json"
    b.put(key, json.dumps(_song(b, song_id=_DROP, title="No id")).encode())
    return key


def song_duration_wrong_type(b):
    path = _first_song(b)
    key = b.key(path)
    b.put(key, json.dumps(_song(b, duration="three minutes")).encode())
    return key


def song_duration_nan(b):
    path = _first_song(b)
    key = b.key(path)
    body = json.dumps(_song(b, duration=0.5)).replace("0.5", "NaN")
    b.put(key, body.encode())
    return key


def song_id_twice_conflicting(b):
    # two new files listing one song id differently, staged together (a song id that a
    # later load lists differently is upserted, the newer row wins: check 52 compares the
    # rows staged together)
    b.put("song_data/Z/Z/Z/TRZZZDUPLICATE0.json", json.dumps(_song(b, title="A title")).encode())
    key = "song_data/Z/Z/Z/TRZZZDUPLICATE.json"
    b.put(key, json.dumps(_song(b, title="Another title", duration=1.0)).encode())
    return key


BAD_INPUTS: dict[str, BadInput] = {
    "malformed JSON line": BadInput(
        malformed_line, REFUSED, "line 3 of {uri}: Invalid JSON object", 1216
    ),
    "truncated last line": BadInput(
        truncated_last_line, REFUSED, "of {uri}: Invalid JSON object", 1216
    ),
    "invalid UTF-8": BadInput(
        invalid_utf8, REFUSED, "line 2 of {uri}: String contains invalid", 1220
    ),
    "value longer than its VARCHAR": BadInput(
        value_too_long, REFUSED, "line 2 of {uri}, column auth: String length exceeds", 1204
    ),
    'ts "abc"': BadInput(
        ts_not_a_number, REFUSED, "line 2 of {uri}, column ts: Invalid timestamp", 1206
    ),
    ".DS_Store in log_data/": BadInput(
        ds_store_in_log_data, REFUSED, "line 1 of {uri}: Invalid JSON", 1216
    ),
    "README.txt in log_data/": BadInput(
        readme_in_log_data, REFUSED, "line 1 of {uri}: Invalid JSON", 1216
    ),
    "gzipped log without GZIP": BadInput(
        gzipped_log_without_gzip, REFUSED, "line 1 of {uri}: String contains invalid", 1220
    ),
    "JSONPaths not JSON": BadInput(
        jsonpaths_not_json,
        REFUSED,
        "Invalid JSONPath format in {bucket}/log_json_path.json",
        backfill=True,
    ),
    "JSONPaths wrong count": BadInput(
        jsonpaths_wrong_count,
        REFUSED,
        "JSONPath size: 17, Number of columns in table or column list: 18",
        backfill=True,
    ),
    "log line holding an array": BadInput(
        line_holding_an_array, REFUSED, "05_staged_events_have_ts_and_page"
    ),
    "log file as one array": BadInput(
        file_as_one_array, REFUSED, "05_staged_events_have_ts_and_page"
    ),
    "empty log file": BadInput(empty_log_file, BENIGN),
    "song without song_id": BadInput(
        song_missing_song_id, REFUSED, "06_staged_songs_have_song_id: 1 offending rows"
    ),
    "song duration of wrong type": BadInput(
        song_duration_wrong_type, REFUSED, "line 1 of {uri}, column duration: Invalid digit", 1207
    ),
    "song duration NaN": BadInput(  # not JSON: Redshift rejects the line (see non_json_number)
        song_duration_nan, REFUSED, "line 1 of {uri}: Invalid JSON object: NaN and Infinity", 1216
    ),
    "song id twice, conflicting": BadInput(
        song_id_twice_conflicting, WARN, "52_song_ids_with_conflicting_data"
    ),
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=case.gap))
        if case.gap
        else name
        for name, case in BAD_INPUTS.items()
    ],
)
def test_a_bad_input_leaves_the_previous_warehouse_or_publishes_with_a_warning(
    name, loaded, bucket, tmp_path
):
    target, before = loaded
    case = BAD_INPUTS[name]
    bad_key = case.make(bucket)
    run_dir = tmp_path / "bad-2"
    error: BaseException | None = None
    with target.open_warehouse() as dw:
        try:
            load.create_tables(dw)
            days = EVERY_DAY if case.backfill else None  # else: stages the changed files
            load.copy_staging(dw, RunFolder.open(run_dir), days=days)
            load.publish(dw, RunFolder.open(run_dir), "bad-2")
        except SparkifyError as exc:
            error = exc
        after, runs = fingerprints(dw), published_runs(dw)
    if case.outcome == REFUSED:
        assert error is not None, f"{name}: published, should have been refused"
        message = str(error)
        says = case.says.format(uri=bucket.uri(bad_key or ""), bucket=f"s3://{bucket.name}")
        assert says in message, message
        assert HELD in message, message
        assert after == before
        assert runs == [GOOD]
        errors = pd.read_csv(run_dir / "load_errors.csv")
        if case.err_code:
            assert errors["filename"].str.strip().tolist() == [bucket.uri(bad_key)]
            assert errors["err_code"].tolist() == [case.err_code]
        else:  # refused before any row (the JSONPaths file) or after the COPY (a check)
            assert errors.empty, errors
        return
    assert error is None, f"{name}: refused, should have published: {error}"
    assert runs == [GOOD, "bad-2"]
    quality = pd.read_csv(run_dir / "quality.csv").set_index("check")
    if case.outcome == WARN and case.says:
        assert quality.loc[case.says, "status"] == "warn"
    elif case.outcome == WARN:  # some check must say it
        assert set(quality["status"]) - {"pass"}, quality
    else:
        assert after == before
        assert set(quality["status"]) <= {"pass"}, quality


# -- interrupts and kills at COPY, transform and publish --------------------------------


def load_again(dw, run_dir: Path, run_id: str, *, full_refresh: bool = False) -> None:
    """The next load after a fault, with no manual step: it publishes the same star."""
    run = RunFolder.open(run_dir)
    load.create_tables(dw, full_refresh=full_refresh)
    load.copy_staging(dw, run, full_refresh=full_refresh, days=None if full_refresh else EVERY_DAY)
    load.publish(dw, run, run_id, full_refresh=full_refresh)


def tables(dw) -> list[str]:
    """Every table of the warehouse, by name (a leftover ``__new`` table would show)."""
    frame = dw.query("SELECT table_name FROM information_schema.tables ORDER BY table_name")
    return frame["table_name"].tolist()


AT = {  # where the fault strikes: the first statement of that phase (a regex)
    "COPY": r"^\s*COPY\s+staging_events\b",
    "transform": r"^\s*MERGE\s+INTO\s+users\b",
    "publish": r"^\s*INSERT\s+INTO\s+sparkify_publishes\b",
}


@pytest.mark.parametrize("phase", list(AT))
def test_an_interrupt_at_each_phase_leaves_every_star_table(phase, loaded, monkeypatch, tmp_path):
    target, before = loaded
    struck: list[str] = []
    with target.open_warehouse() as dw:
        real = dw._execute

        def interrupted(statement: str):
            if re.search(AT[phase], statement, re.IGNORECASE | re.MULTILINE):
                struck.append(phase)
                raise KeyboardInterrupt
            return real(statement)

        monkeypatch.setattr(dw, "_execute", interrupted)
        run = RunFolder.open(tmp_path / "int-2")
        with pytest.raises(KeyboardInterrupt):
            load.create_tables(dw)
            load.copy_staging(dw, run, days=EVERY_DAY)
            load.publish(dw, run, "int-2")
        monkeypatch.undo()
        assert struck == [phase]
        assert fingerprints(dw) == before
        assert published_runs(dw) == [GOOD]
        load_again(dw, tmp_path / "next-3", "next-3")  # the same connection, as in a notebook
        assert fingerprints(dw) == before
        assert published_runs(dw) == [GOOD, "next-3"]


KILLED = textwrap.dedent(
    """
    import os, re, signal, sys
    from sparkify_helpers import config, ledger, load, targets
    from sparkify_helpers.run_folder import RunFolder
    from sparkify_helpers.runner import RunInterrupted, stopping_on_signals

    target = targets.for_settings(config.load_settings())
    dw = target.open_warehouse()
    signum, full_refresh = int(sys.argv[3]), sys.argv[4:] == ["full-refresh"]

    def killed(real):
        def run(statement):
            if re.search(sys.argv[2], statement, re.IGNORECASE | re.MULTILINE):
                os.kill(os.getpid(), signum)
            return real(statement)
        return run

    dw._execute, dw.query = killed(dw._execute), killed(dw.query)  # statements and checks
    run = RunFolder.open(sys.argv[1])
    try:
        with stopping_on_signals():  # SIGINT and SIGTERM as `sparkify run` takes them
            load.create_tables(dw, full_refresh=full_refresh)
            days = None if full_refresh else ledger.days_of(since="2018-11-01", until="2018-11-30")
            load.copy_staging(dw, run, full_refresh=full_refresh, days=days)
            load.publish(dw, run, "killed-2", full_refresh=full_refresh)
    except RunInterrupted as exc:
        print(f"interrupted by {exc.signal_name}", file=sys.stderr)
        sys.exit(exc.exit_code)
    """
)


def run_until_signalled(tmp_path: Path, pattern: str, signum: int, *extra: str) -> str:
    """Run the load in a child that sends itself ``signum`` at ``pattern``; its stderr.

    The child must end as the signal says (killed by SIGKILL; exit 130/143 for SIGINT and
    SIGTERM) and be gone (PID checked)."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(tmp_path / "killed-2"), pattern, str(signum), *extra],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = child.communicate(timeout=240)
    if signum == signal.SIGKILL:
        assert child.returncode == -signal.SIGKILL, stderr
    else:
        assert child.returncode == 128 + signum, stderr
        assert f"interrupted by {signal.Signals(signum).name}" in stderr, stderr
    assert not psutil.pid_exists(child.pid)
    return stderr


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill -9", "SIGTERM"])
@pytest.mark.parametrize("phase", list(AT))
def test_a_signal_at_each_phase_leaves_every_star_table_and_no_process(
    phase, signum, loaded, tmp_path
):
    target, before = loaded
    run_until_signalled(tmp_path, AT[phase], signum)
    with target.open_warehouse(read_only=True) as dw:
        assert fingerprints(dw) == before
        assert published_runs(dw) == [GOOD]
    with target.open_warehouse() as dw:  # the killed connection left nothing to clean up
        load_again(dw, tmp_path / "next-3", "next-3")
        assert fingerprints(dw) == before
        assert published_runs(dw) == [GOOD, "next-3"]


# -- a full refresh: built beside the old tables, swapped in at the end ------------------

REFRESH_AT = {  # each point of a full refresh's publish transaction, in order (a regex)
    "building the new tables": r"^CREATE TABLE IF NOT EXISTS users__new\b",
    "transforming into them": r"^MERGE INTO songplays__new\b",
    "checking them": r"\bFROM songplays__new AS songplays\b",  # the first check on songplays
    "dropping the old tables": r"^DROP TABLE songplays$",
    # the last rename: the merge's records come after the star
    "renaming the new ones": r"^ALTER TABLE sparkify_catalogue__new RENAME TO sparkify_catalogue$",
    "recording the publish": r"^\s*INSERT\s+INTO\s+sparkify_publishes\b",
}


def strike_at(dw, monkeypatch, pattern: str, fault: Callable[[], None]) -> list[str]:
    """Make ``fault()`` happen at the first statement or query matching ``pattern``."""
    struck: list[str] = []

    def striking(real):
        def run(statement: str):
            if not struck and re.search(pattern, statement, re.IGNORECASE | re.MULTILINE):
                struck.append(statement)
                fault()
            return real(statement)

        return run

    monkeypatch.setattr(dw, "_execute", striking(dw._execute))
    monkeypatch.setattr(dw, "query", striking(dw.query))
    return struck


def _interrupt() -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("point", list(REFRESH_AT))
def test_an_interrupt_at_each_point_of_a_full_refresh_leaves_the_old_tables(
    point, loaded, monkeypatch, tmp_path
):
    target, before = loaded
    with target.open_warehouse() as dw:
        tables_before = tables(dw)
        struck = strike_at(dw, monkeypatch, REFRESH_AT[point], _interrupt)
        with pytest.raises(KeyboardInterrupt):
            load_again(dw, tmp_path / "int-2", "int-2", full_refresh=True)
        monkeypatch.undo()
        assert len(struck) == 1
        assert fingerprints(dw) == before
        assert published_runs(dw) == [GOOD]
        assert tables(dw) == tables_before  # no __new table left
        load_again(dw, tmp_path / "next-3", "next-3", full_refresh=True)
        assert fingerprints(dw) == before
        assert published_runs(dw) == [GOOD, "next-3"]
        assert tables(dw) == tables_before


@pytest.mark.parametrize("point", list(REFRESH_AT))
def test_kill_9_at_each_point_of_a_full_refresh_leaves_the_old_tables_and_no_process(
    point, loaded, tmp_path
):
    target, before = loaded
    with target.open_warehouse(read_only=True) as dw:
        tables_before = tables(dw)
    run_until_signalled(tmp_path, REFRESH_AT[point], signal.SIGKILL, "full-refresh")
    with target.open_warehouse(read_only=True) as dw:
        assert fingerprints(dw) == before
        assert published_runs(dw) == [GOOD]
        assert tables(dw) == tables_before  # the killed transaction left no __new table
    with target.open_warehouse() as dw:
        load_again(dw, tmp_path / "next-3", "next-3", full_refresh=True)
        assert fingerprints(dw) == before
        assert published_runs(dw) == [GOOD, "next-3"]
        assert tables(dw) == tables_before


def test_new_tables_left_by_an_earlier_refresh_are_dropped_by_the_next_run(loaded, tmp_path):
    target, before = loaded
    names = refresh.new_names()
    with target.open_warehouse() as dw:
        tables_before = tables(dw)
        for full_refresh in (False, True):  # a plain run (02 drops them), a full refresh
            leftovers = [read_catalog().table(t).create_statement(names) for t in ("users", "time")]
            dw.run_sql(";\n".join(leftovers))  # committed, as a run of another design could
            dw.run_sql("INSERT INTO users__new (user_id, level) VALUES (1, 'free')")
            assert {"users__new", "time__new"} <= set(tables(dw))
            load_again(dw, tmp_path / f"next-{full_refresh}", f"next-{full_refresh}",
                       full_refresh=full_refresh)  # fmt: skip
            assert tables(dw) == tables_before
            assert fingerprints(dw) == before


def test_a_full_refresh_is_seen_by_other_connections_only_once_committed(
    loaded, monkeypatch, tmp_path
):
    """DuckDB's MVCC, as Redshift's serializable isolation: another connection reads the
    old tables while the new ones are built, checked and even after the swap, until the
    commit (Developer Guide, "Serializable isolation"; ALTER TABLE RENAME inside a
    transaction block, ``r_ALTER_TABLE.md``)."""
    target, before = loaded
    seen: dict[str, dict] = {}
    with target.open_warehouse() as dw:
        dw.run_sql("INSERT INTO artists (artist_id, name) VALUES ('ARSTRAY', 'Left over');")
        old = fingerprints(dw)
        reader = target.open_warehouse()  # a second connection to the same DuckDB database
        try:
            for point in ("checking them", "recording the publish"):
                strike_at(dw, monkeypatch, REFRESH_AT[point],
                          lambda p=point: seen.setdefault(p, fingerprints(reader)))  # fmt: skip
                load_again(dw, tmp_path / f"r-{len(seen)}", "refresh-2", full_refresh=True)
                monkeypatch.undo()
                seen["committed"] = fingerprints(reader)
                dw.run_sql("INSERT INTO artists (artist_id, name) VALUES ('ARSTRAY', 'Left over');")
        finally:
            reader.close()
    assert seen["checking them"] == old and seen["recording the publish"] == old
    assert seen["committed"] == before  # rebuilt from the input: the stray row is gone


# -- disk full --------------------------------------------------------------------------


@contextlib.contextmanager
def tiny_tmpfs(where: Path, size: str = "256k"):
    """A tmpfs of ``size`` mounted at ``where``; skips when mounting is not permitted."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def fill(where: Path) -> None:
    """Write until the file system at ``where`` is full (unbuffered: nothing left to flush)."""
    fd = os.open(where / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with pytest.raises(OSError) as full:
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    assert full.value.errno == errno.ENOSPC


WHEN_FULL = {"before COPY": "load_errors.csv", "before publish": "quality.csv"}


def _load_on_a_full_disk(when: str, target, tmp_path: Path) -> dict:
    """Run the load with the run folder on a tmpfs filled before COPY or before publish."""
    with tiny_tmpfs(tmp_path / "disk") as disk:
        run = RunFolder.open(disk / "full-2")
        with target.open_warehouse() as dw:
            load.create_tables(dw)
            if when == "before publish":
                load.copy_staging(dw, run, days=EVERY_DAY)
            fill(disk)
            with pytest.raises(WarehouseError) as caught:
                if when == "before COPY":
                    load.copy_staging(dw, run, days=EVERY_DAY)
                load.publish(dw, run, "full-2")
            seen = {"prints": fingerprints(dw), "runs": published_runs(dw)}
        seen["temporary files"] = sorted(p.name for p in run.path.glob(".*.tmp"))
    seen["error"] = caught.value
    seen["path"] = run.path / WHEN_FULL[when]
    return seen


@pytest.mark.parametrize("when", list(WHEN_FULL))
def test_a_full_disk_under_the_run_folder_fails_the_load_and_leaves_the_warehouse(
    when, loaded, tmp_path
):
    target, before = loaded
    seen = _load_on_a_full_disk(when, target, tmp_path)
    assert seen["error"].__cause__.errno == errno.ENOSPC
    assert seen["prints"] == before
    assert seen["runs"] == [GOOD]
    assert seen["temporary files"] == []  # no half-written file left behind


@pytest.mark.parametrize("when", list(WHEN_FULL))
def test_a_full_disk_under_the_run_folder_is_an_error_naming_the_path(when, loaded, tmp_path):
    target, _ = loaded
    seen = _load_on_a_full_disk(when, target, tmp_path)
    message = str(seen["error"])
    assert str(seen["path"]) in message and HELD in message, message


def _run_on_a_full_disk(when: str, loaded, run_env: Path, monkeypatch, capsys) -> dict:
    """``sparkify run --out`` on a tmpfs filled before the run or as its notebook starts
    (fixture notebook ``ok``; the run starts its own emulator, the shared one is kept)."""
    import papermill
    from test_run_state import _args

    from sparkify_helpers import cli, runner
    from sparkify_helpers.config import ENDPOINT_ENV

    target, _ = loaded
    monkeypatch.delenv(ENDPOINT_ENV)
    real = runner.run_workbook
    notebooks = Path(__file__).parent / "fixtures" / "notebooks"
    monkeypatch.setattr(
        runner,
        "run_workbook",
        lambda options: real(
            dataclasses.replace(options, notebook_dir=notebooks, notebooks=("ok",))
        ),
    )
    with tiny_tmpfs(run_env / "runs", size="1m") as disk:
        if when == FULL_BEFORE_RUN:
            (disk / "full").mkdir()
            fill(disk)
        else:
            execute = papermill.execute_notebook

            def fill_then_execute(*args, **kwargs):
                fill(disk)
                return execute(*args, **kwargs)

            monkeypatch.setattr(papermill, "execute_notebook", fill_then_execute)
        code = cli.main(["run", *_args(run_env, "full")])
        _, stderr = capsys.readouterr()
        (disk / "filler").unlink()
        kept = sorted(p.name for p in (disk / "full").iterdir())
    with target.open_warehouse(read_only=True) as dw:
        prints, runs = fingerprints(dw), published_runs(dw)
    return {
        "code": code,
        "stderr": stderr,
        "kept": kept,
        "prints": prints,
        "runs": runs,
        "folder": disk / "full",
    }


FULL_BEFORE_RUN, FULL_AT_NOTEBOOK = "before the run", "when the notebook starts"


@pytest.mark.parametrize(
    "when", [FULL_BEFORE_RUN, pytest.param(FULL_AT_NOTEBOOK, marks=pytest.mark.notebooks)]
)
def test_a_run_whose_run_folder_is_on_a_full_disk_exits_1_naming_the_path(
    when, loaded, run_env, monkeypatch, capsys
):
    from sparkify_helpers import cli

    _, before = loaded
    seen = _run_on_a_full_disk(when, loaded, run_env, monkeypatch, capsys)
    stderr = seen["stderr"]
    assert seen["code"] == cli.EXIT_FAILED, stderr
    assert f"error: could not write {seen['folder']}/" in stderr, stderr
    assert "disk full (No space left on device)" in stderr, stderr
    assert "report:" not in stderr
    assert not [name for name in seen["kept"] if name.endswith(".tmp")], seen["kept"]
    assert seen["prints"] == before
    assert seen["runs"] == [GOOD]


@pytest.mark.notebooks
def test_a_run_on_a_full_disk_claims_no_kept_notebook_it_could_not_write(
    loaded, run_env, monkeypatch, capsys
):
    seen = _run_on_a_full_disk(FULL_AT_NOTEBOOK, loaded, run_env, monkeypatch, capsys)
    claimed = re.findall(r"executed notebook kept at (\S+)", seen["stderr"])
    assert claimed or "the executed notebook could not be kept" in seen["stderr"], seen["stderr"]
    missing = [path for path in claimed if not Path(path).exists()]
    assert missing == [], f"claimed but not written: {missing}; the folder holds {seen['kept']}"
