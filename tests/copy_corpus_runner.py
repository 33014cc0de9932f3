"""Run the COPY corpus (tests/corpus/copy.yaml) against the local COPY on moto S3 and DuckDB.

Each case ends in one outcome: ``match`` (the documented rows and rejections, or the documented
failure), ``refused`` (a CopyError saying the local COPY does not emulate the option),
``different`` (anything else the COPY did) or ``error`` (an exception that is not a CopyError).
The test module decides which outcomes a case may have (its ``refuse`` and ``known`` keys).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import gzip
import math
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
import yaml
from sqlglot import exp

from sparkify_helpers.catalog import CHARACTER_WIDTHS
from sparkify_helpers.copy import execute_copy
from sparkify_helpers.dialect import translate
from sparkify_helpers.errors import CopyError

CORPUS = Path(__file__).parent / "corpus" / "copy.yaml"
BUCKET = "corpus"
REFUSAL = "is not supported by the local COPY emulation"
_FIXED = {exp.DType.CHAR, exp.DType.NCHAR, exp.DType.BPCHAR}


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What running one case gave: its kind and a one-line detail."""

    kind: str  # match | refused | different | error
    detail: str


@cache
def load() -> dict[str, Any]:
    """The corpus file: its set-up tables and its cases."""
    return yaml.safe_load(CORPUS.read_text(encoding="utf-8"))


def body(spec: Any) -> bytes:
    """A file's bytes from its corpus notation (text, latin1, repeat or gzip)."""
    if isinstance(spec, str):
        return spec.encode("utf-8")
    if "latin1" in spec:
        return spec["latin1"].encode("latin-1")
    if "gzip" in spec:
        return gzip.compress(spec["gzip"].encode("utf-8"))
    head, chunk, count, tail = spec["repeat"]
    return (head + chunk * count + tail).encode("utf-8")


def declared_widths(ddl: str) -> tuple[dict[str, int], set[str]]:
    """Byte lengths of the character columns of a Redshift CREATE TABLE, and its CHAR columns
    (what the local warehouse reads from the catalog, DuckDB keeping neither)."""
    lengths, fixed = {}, set()
    for column in sqlglot.parse_one(ddl, read="redshift").find_all(exp.ColumnDef):
        kind = column.args.get("kind")
        if isinstance(kind, exp.DataType) and kind.this in CHARACTER_WIDTHS:
            params = [p.name for p in kind.expressions]
            default, widest = CHARACTER_WIDTHS[kind.this]
            size = params[0] if params else str(default)
            lengths[column.name.lower()] = widest if size.upper() == "MAX" else int(size)
            if kind.this in _FIXED:
                fixed.add(column.name.lower())
    return lengths, fixed


def text_of(value: Any) -> Any:
    """A result value in the corpus's notation (see the head of copy.yaml)."""
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + f".{value.microsecond:06d}".rstrip("0") if value.microsecond else text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def same(actual: Any, expected: Any) -> bool:
    """True when a loaded value is the documented one."""
    actual = text_of(actual)
    if expected is None or isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected or (actual == expected and type(actual) is type(expected))
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and math.isclose(actual, expected, rel_tol=1e-12)
    return actual == expected


def _key(row: Any) -> tuple:
    return tuple((v is not None, str(text_of(v))) for v in row)


def rows_match(actual: list[tuple], expected: list[list]) -> bool:
    """The rows as multisets, value by value."""
    if len(actual) != len(expected) or any(
        len(a) != len(e) for a, e in zip(actual, expected, strict=True)
    ):
        return False
    pairs = zip(sorted(actual, key=_key), sorted(expected, key=_key), strict=True)
    return all(same(a, e) for ra, re_ in pairs for a, e in zip(ra, re_, strict=True))


def run_case(case: dict[str, Any], s3: Any) -> Outcome:
    """Run one case on a fresh DuckDB database and an S3 prefix of its own; classify it."""
    ddl = load()["tables"][case["table"]]
    prefix = f"s3://{BUCKET}/{case['id']}"
    for key, spec in case["files"].items():
        s3.put_object(Bucket=BUCKET, Key=f"{case['id']}/{key}", Body=body(spec))
    statement = case["copy"].format(data=f"{prefix}/data", s3=prefix)
    lengths, fixed = declared_widths(ddl)
    con = duckdb.connect()
    try:
        for translated in translate(ddl):
            con.execute(translated)
        with tempfile.TemporaryDirectory() as cache_dir:
            try:
                result = execute_copy(
                    con, statement, s3, Path(cache_dir), lengths, fixed_width=fixed
                )
            except CopyError as exc:
                return _failed(case, str(exc))
        if "fails" in case:
            return Outcome("different", f"loaded {result.rows_loaded} rows, no failure")
        rows = con.execute(f"SELECT {case.get('select', '*')} FROM {case['table']}").fetchall()
        if not rows_match(rows, case["rows"]):
            return Outcome("different", f"rows {[tuple(map(text_of, r)) for r in rows]!r}")
        errors = result.load_errors
        found = sorted(
            zip(errors["line_number"].tolist(), errors["err_code"].tolist(), strict=True)
        )
        if "rejected" in case and found != sorted(map(tuple, case["rejected"])):
            return Outcome("different", f"rejected {found}")
        codes = sorted(code for _, code in found)
        if "rejected_codes" in case and codes != sorted(case["rejected_codes"]):
            return Outcome("different", f"rejected {found}")
        if "rejected" not in case and "rejected_codes" not in case and found:
            return Outcome("different", f"rejected {found}")
        return Outcome("match", "")
    except Exception as exc:  # anything but a CopyError is a bare failure of the emulation
        return Outcome("error", f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        con.close()


def _failed(case: dict[str, Any], message: str) -> Outcome:
    if REFUSAL in message:
        return Outcome("refused", message)
    if "fails" in case and case["fails"] in message:
        return Outcome("match", message)
    return Outcome("different", f"failed: {message}")
