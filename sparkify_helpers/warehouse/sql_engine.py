"""The SQLAlchemy engine that ``%sql`` (jupysql) gets on the local target: Redshift SQL in.

Every statement an analyst sends goes through the same translator as the warehouse
(:func:`sparkify_helpers.dialect.translate`, with the live tables' column types), so
``%sql SELECT TOP 5 ...``, ``GETDATE()``, ``7/2`` or the epoch idiom give Redshift's
answers. It is a ``duckdb_engine`` engine (so ``%sqlcmd tables`` and ``columns`` work)
whose connections are the warehouse file opened read-only with the package's own settings
(one kernel can hold both), with two hooks:

- ``before_cursor_execute`` (``retval=True``) swaps the statement for its translation.
  The inspector behind ``%sqlcmd tables``/``columns`` sends DuckDB SQL of its own: its
  statements (bound parameters, or DuckDB's ``duckdb_*()`` catalog functions, which no
  Redshift query names) pass untouched.
- ``handle_error`` turns a statement that cannot be translated, a write, or a failure in
  DuckDB into one line (:class:`AdHocSqlError`). jupysql's ``short_errors`` (on by default)
  prints a SQLAlchemy error as one ``RuntimeError: ...`` line without a traceback; other
  exception types would reach the user as a traceback, hence a SQLAlchemyError subclass.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy
from duckdb_engine import ConnectionWrapper
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from sparkify_helpers import dialect
from sparkify_helpers.duckdb_file import open_duckdb
from sparkify_helpers.errors import TranslationError
from sparkify_helpers.warehouse import system_views
from sparkify_helpers.warehouse.local import catalog_or_none, live_schema

READS = frozenset({"SELECT", "WITH", "EXPLAIN", "VALUES", "("})
LISTINGS = frozenset({"SHOW", "DESCRIBE", "DESC"})
_SCHEMA_KEY = "sparkify_schema"
# duckdb_engine's inspector reads DuckDB's catalog functions, which no Redshift query names
_DUCKDB_CATALOG = re.compile(r"\bduckdb_\w+\s*\(", re.IGNORECASE)


class AdHocSqlError(SQLAlchemyError):
    """One line about a ``%sql`` statement: what failed and what to do instead."""


class _TranslatedConnection(ConnectionWrapper):
    """duckdb_engine's DBAPI connection without DuckDB's ``df``/``pl`` converters: jupysql
    re-runs a SELECT natively through them (untranslated) when they exist."""

    def __getattr__(self, name: str) -> Any:
        if name in {"df", "pl"}:
            raise AttributeError(name)
        return super().__getattr__(name)


def translate_statement(statement: str, schema: dict[str, dict[str, str]]) -> str:
    """One read-only Redshift statement as DuckDB SQL (AdHocSqlError for anything else)."""
    keyword = dialect.first_keyword(statement)
    if keyword in LISTINGS:
        raise AdHocSqlError(
            f"{keyword} is not translated here: use `%sqlcmd tables` and `%sqlcmd columns -t "
            "TABLE`, or SELECT from information_schema.columns."
        )
    if keyword and keyword not in READS:
        raise AdHocSqlError(
            f"%sql is read-only: {keyword} is not run here. Change the warehouse through the "
            "notebooks or `sparkify run`."
        )
    try:
        translated = dialect.translate(statement, schema)
    except TranslationError as exc:
        raise AdHocSqlError(str(exc)) from exc
    if len(translated) != 1:
        raise AdHocSqlError(f"%sql runs one query at a time; got {len(translated)} statements.")
    return translated[0]


def _one_line(exc: BaseException) -> str:
    """A DuckDB error as Redshift words it where known, else its first line."""
    text = str(exc)
    return dialect.redshift_error(text) or text.strip().splitlines()[0]


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
    if parameters or _DUCKDB_CATALOG.search(statement):
        return statement, parameters  # SQLAlchemy's own introspection, written for DuckDB
    info = conn.connection.info
    if _SCHEMA_KEY not in info:
        info[_SCHEMA_KEY] = live_schema(conn.connection.dbapi_connection)
    return translate_statement(statement, info[_SCHEMA_KEY]), parameters


def _handle_error(context: Any) -> None:
    original = context.original_exception
    _rollback(context)
    if isinstance(original, AdHocSqlError):
        raise original
    if isinstance(original, duckdb.Error):
        raise AdHocSqlError(_one_line(original)) from original


def _rollback(context: Any) -> None:
    """End DuckDB's aborted transaction, so the next ``%sql`` statement runs."""
    with contextlib.suppress(Exception):  # nothing open, or the connection is gone
        context.connection.connection.dbapi_connection.rollback()


def local_engine(path: Path) -> sqlalchemy.Engine:
    """An engine on the DuckDB file ``path``, read-only, speaking Redshift SQL (see module)."""
    opened = open_duckdb(path, read_only=True)  # a missing or held file says what to do now
    first: list[duckdb.DuckDBPyConnection] = [opened]

    def connect() -> ConnectionWrapper:
        con = first.pop() if first else open_duckdb(path, read_only=True)
        system_views.install(con, catalog_or_none(), writable=False)  # svv_table_info, ...
        return _TranslatedConnection(con)

    engine = sqlalchemy.create_engine(
        "duckdb:///:memory:", creator=connect, poolclass=sqlalchemy.pool.SingletonThreadPool
    )
    event.listen(engine, "before_cursor_execute", _before_cursor_execute, retval=True)
    event.listen(engine, "handle_error", _handle_error)
    return engine
