"""Run the documented-behaviour corpus (tests/corpus/*.yaml) through the translator on DuckDB.

Each case ends in one outcome: ``match`` (the documented result, or the documented error),
``refused`` (a TranslationError, the translator's clear refusal), ``different`` (a result or
error that is not the documented one) or ``error`` (a bare DuckDB error). The test module
decides which outcomes are allowed for a case (its ``refuse`` and ``known`` keys).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import math
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

from sparkify_helpers.dialect import TranslationError, translate
from sparkify_helpers.sqlfiles import split_statements

CORPUS_DIR = Path(__file__).parent / "corpus"
EXACT = 1e-9


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What running one case gave: its kind and a one-line detail."""

    kind: str  # match | refused | different | error
    detail: str


@cache
def load(name: str = "functions.yaml") -> dict[str, Any]:
    """The corpus file: its set-up tables and its cases."""
    return yaml.safe_load((CORPUS_DIR / name).read_text(encoding="utf-8"))


def _schema(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Column types of the tables on the connection, for the translator's arithmetic."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
    ).fetchall()
    schema: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        schema.setdefault(table, {})[column] = dtype
    return schema


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Translate one Redshift statement, run each DuckDB statement, return the last rows."""
    rows: list[tuple] = []
    for statement in translate(sql, _schema(con)):
        rows = con.execute(statement).fetchall()
    return rows


def _text(value: Any) -> Any:
    """A result value in the corpus's notation (see the head of functions.yaml)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + f".{value.microsecond:06d}".rstrip("0") if value.microsecond else text
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def same(actual: Any, expected: Any, tolerance: float = EXACT) -> bool:
    """True when a result value is the documented one."""
    actual = _text(actual)
    if expected is None or isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected or (actual == expected and type(actual) is type(expected))
    if isinstance(expected, (int, float)):
        if not isinstance(actual, (int, float, decimal.Decimal)):
            return False
        return math.isclose(float(actual), expected, rel_tol=EXACT, abs_tol=tolerance)
    return actual == expected


def _rows_match(actual: list[tuple], case: dict[str, Any]) -> bool:
    expected = case["rows"] if "rows" in case else [[case["value"]]]
    tolerance = float(case.get("tolerance", EXACT))
    if len(actual) != len(expected):
        return False
    if any(len(a) != len(e) for a, e in zip(actual, expected, strict=True)):
        return False
    if case.get("ordered"):
        pairs: Iterable = zip(actual, expected, strict=True)
    else:
        pairs = zip(sorted(actual, key=_key), sorted(expected, key=_key), strict=True)
    return all(
        same(a, e, tolerance) for row_a, row_e in pairs for a, e in zip(row_a, row_e, strict=True)
    )


def _key(row: Iterable[Any]) -> tuple:
    """A sort key for comparing rows as multisets (None first, everything as text)."""
    return tuple((v is not None, str(_text(v))) for v in row)


def run_case(case: dict[str, Any]) -> Outcome:
    """Run one corpus case on a fresh DuckDB database and classify the outcome."""
    con = duckdb.connect()
    try:
        for table in case.get("tables", []):
            for statement in split_statements(load()["tables"][table]["sql"]):
                _run(con, statement)
        try:
            rows = _run(con, case["sql"])
        except TranslationError as exc:
            return Outcome("refused", str(exc))
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            if "error" in case and case["error"].lower() in first.lower():
                return Outcome("match", first)
            return Outcome("error", first)
        if "error" in case:
            return Outcome("different", f"no error, rows {rows!r}")
        if _rows_match(rows, case):
            return Outcome("match", "")
        return Outcome("different", f"got {[tuple(map(_text, r)) for r in rows]!r}")
    finally:
        con.close()
