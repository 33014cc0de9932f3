"""What every warehouse offers: run SQL files in a transaction, query into DataFrames."""

from __future__ import annotations

import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar

import pandas as pd

from sparkify_helpers import dialect, sqlfiles
from sparkify_helpers.aws import AwsAccess, role_arn
from sparkify_helpers.errors import WarehouseError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatementResult:
    """One executed statement: where it came from, what it did, how long it took."""

    source: str
    index: int
    kind: str
    rows: int | None
    seconds: float

    def __str__(self) -> str:
        rows = "" if self.rows is None else f", {self.rows:,} rows"
        return f"{self.source}#{self.index} {self.kind} ({self.seconds:.2f}s{rows})"


def statement_kind(statement: str) -> str:
    """A short label for logs: CREATE, INSERT, DELETE, COPY, SELECT, ..."""
    return dialect.first_keyword(statement) or "EMPTY"


ROW_COUNT_KINDS = frozenset({"INSERT", "DELETE", "UPDATE", "COPY", "MERGE"})


LOAD_ERRORS_QUERY = (
    "SELECT * FROM stl_load_errors WHERE starttime >= '{since}' "
    "ORDER BY starttime, query, line_number"
)


def sql_parameters(access: AwsAccess, arn: str | None = None) -> dict[str, str]:
    """The values ``{{name}}`` placeholders in ``sql/`` are rendered with."""
    settings = access.settings
    return {
        "role_arn": arn if arn is not None else (role_arn(access) or ""),
        "region": settings.aws.region,
        "log_data": settings.source.log_data,
        "log_jsonpath": settings.source.log_jsonpath,
        "song_data": settings.source.song_data,
        "max_row_drop_share": str(settings.load.max_row_drop_share),
    }


@dataclass
class _OpenTransaction:
    """What ``Warehouse.transaction`` tracks while its transaction is open."""

    started: datetime
    where: tuple[str, int, str] | None = None  # the statement that failed, if one did


class Warehouse(ABC):
    """A connection to the Sparkify warehouse that speaks canonical Redshift SQL."""

    kind: ClassVar[str]  # the target's name, for labels ("on the local warehouse")

    def __init__(self, access: AwsAccess) -> None:
        self.access = access
        self.settings = access.settings
        self._params: dict[str, str] | None = None
        self._open: _OpenTransaction | None = None
        self._names: dict[str, str] = {}  # tables SQL files address under other names

    # -- parameters -------------------------------------------------------
    def parameters(self) -> dict[str, str]:
        """Rendering parameters, looked up once (the role ARN needs an AWS call)."""
        if self._params is None:
            self._params = sql_parameters(self.access)
        return self._params

    def _render(self, text: str, extra: Mapping[str, object] | None = None) -> str:
        if "{{" not in text:
            return text
        params = self.parameters() if not extra else {**self.parameters(), **extra}
        return sqlfiles.render(text, params)

    def _statements(self, text: str, extra: Mapping[str, object] | None = None) -> list[str]:
        """The rendered statements of a SQL file's text, addressing :meth:`addressing`'s tables."""
        statements = sqlfiles.split_statements(self._render(text, extra))
        return [sqlfiles.rename_tables(s, self._names) for s in statements]

    @contextlib.contextmanager
    def addressing(self, names: Mapping[str, str]) -> Iterator[Warehouse]:
        """Inside the block, SQL files (``run_files``, ``run_sql``, ``query_file``) read each
        table ``t`` of ``names`` as ``names[t]`` (a full refresh's ``users__new``)."""
        if self._names:
            raise WarehouseError("This warehouse connection already addresses other tables.")
        self._names = {k.lower(): v for k, v in names.items()}
        try:
            yield self
        finally:
            self._names = {}

    # -- running files ----------------------------------------------------
    def run_file(self, path: str | Path) -> list[StatementResult]:
        """Run one SQL file inside a transaction."""
        return self.run_files([Path(path)])

    def run_folder(self, folder: str | Path) -> list[StatementResult]:
        """Run every ``*.sql`` file of a folder in name order, in one transaction."""
        files = sorted(Path(folder).glob("*.sql"))
        if not files:
            raise WarehouseError(f"No .sql files in {folder}: check the path.")
        return self.run_files(files)

    def run_files(
        self, paths: Iterable[Path], params: Mapping[str, object] | None = None
    ) -> list[StatementResult]:
        """Run the statements of several files in order, in one transaction; ``params`` adds
        rendering values for this call (e.g. the run id)."""
        batches = []
        for path in paths:
            sql_file = sqlfiles.read_sql_file(path)
            statements = self._statements(sql_file.text, params)
            batches.append((f"{path.parent.name}/{path.name}", statements))
        return self.run_statements(batches)

    def run_sql(self, text: str, source: str = "sql") -> list[StatementResult]:
        """Run a script of Redshift SQL statements in one transaction."""
        return self.run_statements([(source, self._statements(text))])

    def _timed(self, source: str, index: int, statement: str, execute) -> StatementResult:
        kind = statement_kind(statement)
        started = time.perf_counter()
        rows = execute(statement)
        result = StatementResult(source, index, kind, rows, time.perf_counter() - started)
        log.info("%s", result)
        return result

    def run_statements(self, batches: list[tuple[str, list[str]]]) -> list[StatementResult]:
        """Run (source, statements) batches in order inside one transaction.

        Any failure rolls the whole transaction back; a driver error becomes the package's
        own error naming the file and statement (``_map_error``). Inside
        :meth:`transaction` the statements join the open transaction instead, and a failure
        rolls all of it back.
        """
        results: list[StatementResult] = []
        if self._open is not None:
            try:
                for source, statements in batches:
                    for index, statement in enumerate(statements, start=1):
                        results.append(self._timed(source, index, statement, self._execute))
            except BaseException:
                self._open.where = failing_statement(results, batches)
                raise
            return results
        started = datetime.now(timezone.utc)
        self._begin()
        try:
            for source, statements in batches:
                for index, statement in enumerate(statements, start=1):
                    results.append(self._timed(source, index, statement, self._execute))
            self._commit()
        except BaseException as exc:
            self._rollback()
            mapped = self._map_error(exc, failing_statement(results, batches), started)
            if mapped is None:
                raise
            raise mapped from exc
        self._after_commit()
        return results

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """One open transaction: ``run_*`` calls and ``query`` inside the block join it.

        It commits when the block ends normally; any exception (a failed statement, a
        failed check, an interrupt) rolls everything back and is re-raised (a driver error
        as the package's own error, as ``run_statements`` maps it). Not reentrant.
        """
        if self._open is not None:
            raise WarehouseError("A transaction is already open on this warehouse connection.")
        opened = _OpenTransaction(datetime.now(timezone.utc))
        self._begin()
        self._open = opened
        try:
            yield self
            self._open = None
            self._commit()
        except BaseException as exc:
            self._open = None
            self._rollback()
            if opened.where is None:
                raise
            mapped = self._map_error(exc, opened.where, opened.started)
            if mapped is None:
                raise
            raise mapped from exc
        self._after_commit()

    @property
    def in_transaction(self) -> bool:
        """Whether a :meth:`transaction` block is open."""
        return self._open is not None

    # -- transaction hooks (run_statements calls them in this order) -------
    @abstractmethod
    def _begin(self) -> None:
        """Open the transaction (and refuse when this warehouse cannot be written)."""

    @abstractmethod
    def _execute(self, statement: str) -> int | None:
        """Run one Redshift statement; the rows it changed, when that is known."""

    @abstractmethod
    def _commit(self) -> None:
        """Commit the transaction."""

    @abstractmethod
    def _rollback(self) -> None:
        """Roll the transaction back (after any failure, an interrupt included)."""

    def _map_error(
        self, exc: BaseException, where: tuple[str, int, str], started: datetime
    ) -> Exception | None:
        """The package's error for a failure at ``where`` (source, index, statement); None
        re-raises ``exc`` as it is."""
        return None

    @abstractmethod
    def _after_commit(self) -> None:
        """Work after a successful commit (e.g. recording what COPY rejected)."""

    # -- queries ----------------------------------------------------------
    @abstractmethod
    def query(self, sql: str) -> pd.DataFrame:
        """Run one Redshift SELECT and return its result as a DataFrame."""

    def query_file(
        self, path: str | Path, params: Mapping[str, object] | None = None
    ) -> pd.DataFrame:
        """Run the single SELECT of a SQL file (e.g. ``sql/analytics/...``); ``params`` adds
        rendering values for this call (e.g. a check's scope)."""
        statements = self._statements(sqlfiles.read_sql_file(path).text, params)
        if len(statements) != 1:
            raise WarehouseError(f"{path} holds {len(statements)} statements; expected one query.")
        return self.query(statements[0])

    def row_count(self, table: str) -> int:
        """Rows in one table (the name is checked, never pasted as given)."""
        frame = self.query(f"SELECT COUNT(*) AS n FROM {_plain_name(table)}")
        return int(frame["n"].iloc[0])

    def row_counts(self, tables: Iterable[str]) -> pd.DataFrame:
        """A ``table,rows`` frame for the given tables."""
        return pd.DataFrame([(t, self.row_count(t)) for t in tables], columns=["table", "rows"])

    def load_errors(self, since: datetime | None = None) -> pd.DataFrame:
        """COPY rejections recorded in ``stl_load_errors`` since a UTC time (default: all)."""
        since = (since or datetime(1970, 1, 1)).astimezone(timezone.utc).replace(tzinfo=None)
        return self.query(LOAD_ERRORS_QUERY.format(since=since.isoformat(sep=" ")))

    def table_exists(self, table: str) -> bool:
        """Whether a table exists in the current schema."""
        frame = self.query(
            "SELECT COUNT(*) AS n FROM information_schema.tables "
            f"WHERE table_name = '{_plain_name(table)}'"
        )
        return int(frame["n"].iloc[0]) > 0

    # -- lifecycle --------------------------------------------------------
    @abstractmethod
    def close(self) -> None:
        """Release the connection (and the DuckDB file lock)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def results_frame(results: Iterable[StatementResult]) -> pd.DataFrame:
    """The statements a warehouse ran, one row each (file, kind, rows, seconds)."""
    frame = pd.DataFrame(
        [(r.source, r.index, r.kind, r.rows, round(r.seconds, 3)) for r in results],
        columns=["file", "statement", "kind", "rows", "seconds"],
    )
    # whole numbers where a statement reports rows, <NA> where it does not (never 20000.0, NaN)
    return frame.astype({"rows": "Int64"})


def failing_statement(
    results: list[StatementResult], batches: list[tuple[str, list[str]]]
) -> tuple[str, int, str]:
    """(source, index, statement) of the first statement that has no result yet."""
    done = len(results)
    for source, statements in batches:
        if done < len(statements):
            return source, done + 1, statements[done]
        done -= len(statements)
    return "the batch", 0, ""


def _plain_name(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise WarehouseError(f"Not a table name: {name!r}")
    return name
