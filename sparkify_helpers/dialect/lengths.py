"""Redshift's column types that DuckDB reads differently: string lengths and NUMERIC defaults.

- ``CHAR(n)`` / ``VARCHAR(n)`` hold at most *n* bytes; "an attempt to store a longer string
  into a column of these types results in an error, unless the extra characters are all
  spaces" (r_Character_types.md, "Storage and ranges"). DuckDB ignores the length, so each
  such column of a CREATE TABLE gets a CHECK on its byte length without trailing blanks,
  and the CHECK's failure reads as Redshift's error (:func:`length_error`). Without a
  length, VARCHAR, TEXT and NVARCHAR are VARCHAR(256), CHAR is CHAR(1), BPCHAR CHAR(256);
  ``MAX`` is 65535 bytes for VARCHAR and 4096 for CHAR (same page).
- ``NUMERIC`` / ``DECIMAL`` without precision and scale are (18, 0): "The default precision,
  if not specified, is 18", "The default scale, if not specified, is 0"
  (r_Numeric_types201.md). DuckDB's default is (18, 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlglot import exp

VARYING = {exp.DType.VARCHAR, exp.DType.NVARCHAR, exp.DType.TEXT}
FIXED = {exp.DType.CHAR, exp.DType.NCHAR, exp.DType.BPCHAR}
DEFAULT_VARYING, DEFAULT_CHAR, DEFAULT_BPCHAR = 256, 1, 256
MAX_VARYING, MAX_CHAR = 65535, 4096
NUMERIC_DEFAULT = (18, 0)

# How DuckDB writes a length CHECK back (in duckdb_constraints() and in its error):
# CASE  WHEN ((strlen(a) <= 3)) THEN (true) ELSE (strlen(rtrim(a, ' ')) <= 3) END
# [AND (1 = 1) for CHAR]
_LENGTH_CHECK = (
    r"CASE +WHEN .*? ELSE \(strlen\(rtrim\((?P<column>.+?), ' '\)\) <= (?P<limit>\d+)\) END"
    r"(?P<fixed> AND \(1 = 1\))?"
)
_CHECK_FAILED = re.compile(
    r"CHECK constraint failed on table \"?(?P<table>[^\" ]+)\"? with expression CHECK\(+"
    + _LENGTH_CHECK
)


def declared_length(dtype: exp.DataType) -> int | None:
    """Redshift's byte limit of a character column type; None for other types."""
    if dtype.this not in VARYING | FIXED:
        return None
    size = dtype.expressions[0] if dtype.expressions else None
    if size is None:
        if dtype.this in VARYING:
            return DEFAULT_VARYING
        return DEFAULT_BPCHAR if dtype.this == exp.DType.BPCHAR else DEFAULT_CHAR
    text = size.name if isinstance(size, exp.DataTypeParam) else size.sql()
    if text.upper() == "MAX":
        return MAX_VARYING if dtype.this in VARYING else MAX_CHAR
    return int(text)


def length_check(column: exp.ColumnDef) -> exp.ColumnConstraint | None:
    """A CHECK that refuses a value over the column's byte limit (trailing blanks excepted)."""
    dtype = column.args.get("kind")
    if not isinstance(dtype, exp.DataType):
        return None
    limit = declared_length(dtype)
    if limit is None:
        return None
    name = exp.column(column.this.copy())
    bound = exp.Literal.number(limit)
    fits = exp.LTE(this=exp.func("strlen", name), expression=bound)
    trimmed = exp.func("strlen", exp.func("rtrim", name.copy(), exp.Literal.string(" ")))
    # CASE, not OR: DuckDB then trims only the rare values over the limit (an OR evaluates
    # both sides and made a 1M-row insert four times slower)
    check: exp.Expr = exp.Case(
        ifs=[exp.If(this=fits, true=exp.true())],
        default=exp.LTE(this=trimmed, expression=bound.copy()),
    )
    if dtype.this in FIXED:  # a marker so the error names character(n), not varying
        check = exp.and_(
            check, exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(1))
        )
    return exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=check))


def numeric_defaults(tree: exp.Expr) -> None:
    """NUMERIC / DECIMAL without precision becomes DECIMAL(18, 0), Redshift's default."""
    for dtype in tree.find_all(exp.DataType):
        if dtype.this == exp.DType.DECIMAL and not dtype.expressions:
            precision, scale = NUMERIC_DEFAULT
            dtype.replace(exp.DataType.build(f"DECIMAL({precision}, {scale})"))


def length_error(message: str) -> str | None:
    """Redshift's text for a DuckDB failure of a length CHECK; None for any other message."""
    match = _CHECK_FAILED.search(message)
    if not match:
        return None
    kind = "character" if match["fixed"] else "character varying"
    column = match["column"].strip('"')
    return (
        f"value too long for type {kind}({match['limit']}) "
        f"(column {column} of table {match['table']})"
    )


def declared_lengths(checks: Iterable[str | None]) -> dict[str, int]:
    """``{column: byte limit}`` read back from a table's CHECK expressions
    (``duckdb_constraints().expression``): the lengths of a table created by the translator,
    also one outside ``sql/create``, e.g. for the COPY emulation."""
    found: dict[str, int] = {}
    for expression in checks:
        match = re.search(_LENGTH_CHECK, expression or "")
        if match:
            found[match["column"].strip('"')] = int(match["limit"])
    return found
