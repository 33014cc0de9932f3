"""Redshift date and time functions whose DuckDB translation would give another answer.

- ``DATEADD(year, n, d)`` from 29 February gives 1 March (r_DATEADD_function.md:
  ``dateadd(year, 1, '2016-02-29')`` is ``2017-03-01``); DuckDB's interval gives 28 February.
- ``ADD_MONTHS`` from the last day of a month gives the last day of the result month
  (r_ADD_MONTHS.md: April 30 + 1 month is May 31); sqlglot reads it as ``DATEADD(month)``.
- ``DATE_PART(second, t)`` keeps the fraction (3.189717); ``DATE_PART``/``EXTRACT`` of
  milliseconds or microseconds give the fraction of the second only (101, 789000;
  r_Dateparts_for_datetime_functions.md, r_EXTRACT_function.md, r_DATE_PART_function.md).
- ``TRUNC(timestamp)`` is its date (r_TRUNC_date.md); DuckDB's TRUNC takes numbers only.
- ``DATEADD``/``DATEDIFF`` of a ``TIME`` stay times (r_DATEADD_function.md: 13:24:55 plus
  12 hours is 01:24:55); sqlglot casts them to TIMESTAMP, which DuckDB rejects.
- ``MONTHS_BETWEEN`` counts the time of day in the fraction of a month
  (r_MONTHS_BETWEEN_function.md).
- ``TO_CHAR`` parts that DuckDB's strftime writes differently (``MON`` is ``DEC``, ``MONTH``
  and ``DAY`` are blank-padded), and ``TO_DATE``/``TO_TIMESTAMP`` formats with parts strptime
  cannot read, are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlglot import exp

from sparkify_helpers.dialect.build import template
from sparkify_helpers.dialect.source import SOURCE, snippet
from sparkify_helpers.dialect.typed import is_temporal, is_time, types_of
from sparkify_helpers.errors import TranslationError

_SECONDS = {"SECOND", "SECONDS", "SEC", "SECS", "S"}
_MILLIS = {"MILLISECOND", "MILLISECONDS", "MS", "MSEC", "MSECS", "MSECOND", "MSECONDS"}
_MILLIS |= {"MILLISEC", "MILLISECS", "MILLISECON"}
_MICROS = {"MICROSECOND", "MICROSECONDS", "MICROSEC", "MICROSECS", "US"}
_MICROS |= {"USEC", "USECS", "USECOND", "USECONDS"}
_TIMESTAMP_NODES = (
    exp.CurrentTimestamp,
    exp.CurrentDate,
    exp.TsOrDsAdd,
    exp.DateAdd,
    exp.DateTrunc,
    exp.TimestampTrunc,
    exp.AtTimeZone,
    exp.StrToTime,
    exp.StrToDate,
)
_FIRST_YEAR = {"CENTURY": 100, "CENTURIES": 100, "C": 100, "CENT": 100, "CENTS": 100}
_FIRST_YEAR |= {"MILLENNIUM": 1000, "MILLENNIA": 1000, "MIL": 1000, "MILS": 1000}
_PADDED_OR_CASED = re.compile(r"MONTH|Month|month|DAY|Day|day|DY|Dy|dy|MON")

_LEAP_YEAR = (
    "CASE WHEN MONTH(CAST(x AS TIMESTAMP)) = 2 AND DAY(CAST(x AS TIMESTAMP)) = 29 "
    "AND DAY(base) = 28 THEN base + INTERVAL 1 DAY ELSE base END"
)
_MONTH_END = (
    "CASE WHEN CAST(x AS DATE) = LAST_DAY(CAST(x AS DATE)) "
    "THEN CAST(LAST_DAY(base) AS TIMESTAMP) + (CAST(x AS TIMESTAMP) - "
    "DATE_TRUNC('day', CAST(x AS TIMESTAMP))) ELSE base END"
)
_MONTHS_BETWEEN = (
    "(YEAR(a) - YEAR(b)) * 12 + MONTH(a) - MONTH(b) + CASE WHEN DAY(a) = DAY(b) "
    "OR (CAST(a AS DATE) = LAST_DAY(a) AND CAST(b AS DATE) = LAST_DAY(b)) THEN 0 "
    "ELSE (DAY(a) - DAY(b) + ((EPOCH(a) - EPOCH(DATE_TRUNC('day', a))) - "
    "(EPOCH(b) - EPOCH(DATE_TRUNC('day', b)))) / 86400.0) / 31.0 END"
)


def _unit(node: exp.Expr) -> str:
    return node.text("unit").upper() if node.args.get("unit") else ""


def _rewrite_adds(tree: exp.Expr) -> None:
    for add in list(tree.find_all(exp.TsOrDsAdd)):
        if add.meta.get("add_months"):
            add.replace(template(_MONTH_END, x=add.this, base=add.copy()))
        elif _unit(add) == "YEAR":
            add.replace(template(_LEAP_YEAR, x=add.this, base=add.copy()))


def _rewrite_seconds(tree: exp.Expr) -> None:
    for extract in list(tree.find_all(exp.Extract)):
        part, value = extract.name.upper(), extract.expression
        if part in _SECONDS and extract.meta.get("date_part"):
            extract.replace(template("DATE_PART('microsecond', v) / 1000000.0", v=value))
        elif part in _MILLIS:
            extract.replace(template("DATE_PART('millisecond', v) % 1000", v=value))
        elif part in _MICROS:
            extract.replace(template("DATE_PART('microsecond', v) % 1000000", v=value))


def _rewrite_typed(tree: exp.Expr, schema: Mapping[str, Mapping[str, str]]) -> None:
    """TRUNC by its argument's type; DATEADD/DATEDIFF of TIME values."""
    truncs = [
        t
        for t in tree.find_all(exp.Trunc)
        if not t.args.get("decimals") and not isinstance(t.this, (exp.Avg, exp.Window))
    ]
    timed = [n for n in tree.find_all(exp.TsOrDsAdd, exp.TsOrDsDiff) if _may_be_time(n)]
    if not truncs and not timed:
        return
    kinds = types_of(tree, [t.this for t in truncs] + [t.this for t in timed], schema)
    for trunc, dtype in zip(truncs, kinds, strict=False):
        if is_temporal(dtype) or isinstance(trunc.this, _TIMESTAMP_NODES):
            trunc.replace(exp.cast(trunc.this.copy(), exp.DType.DATE))
        elif dtype.is_type(exp.DType.UNKNOWN):
            raise TranslationError(
                f"Cannot tell whether {snippet(trunc.sql(SOURCE))} truncates a number or a "
                "timestamp (an operand's type is unknown). Cast it, e.g. "
                "TRUNC(CAST(x AS TIMESTAMP)) or TRUNC(CAST(x AS DECIMAL(18,2)))."
            )
    for node, dtype in zip(timed, kinds[len(truncs) :], strict=True):
        if is_time(dtype):
            _time_arithmetic(node)


def _may_be_time(node: exp.Expr) -> bool:
    """True when a DATEADD/DATEDIFF operand could be a TIME (a column, or a cast to TIME)."""
    operands = (node.this, node.expression)
    return any(
        isinstance(o, exp.Column) or (isinstance(o, exp.Cast) and is_time(o.to)) for o in operands
    )


def _time_arithmetic(node: exp.Expr) -> None:
    unit = exp.Literal.string(_unit(node))
    if isinstance(node, exp.TsOrDsAdd):
        interval = exp.Interval(this=node.expression.copy(), unit=exp.var(_unit(node)))
        node.replace(exp.paren(exp.Add(this=node.this.copy(), expression=interval)))
    else:
        args = [unit, node.expression.copy(), node.this.copy()]
        node.replace(exp.Anonymous(this="date_diff", expressions=args))


def _rewrite_months_between(tree: exp.Expr) -> None:
    for node in list(tree.find_all(exp.MonthsBetween)):
        a = exp.cast(node.this.copy(), exp.DType.TIMESTAMP)
        b = exp.cast(node.expression.copy(), exp.DType.TIMESTAMP)
        node.replace(template(_MONTHS_BETWEEN, a=a, b=b))


def _rewrite_truncs(tree: exp.Expr) -> None:
    """DATE_TRUNC to a century or millennium: they begin in year ###1 on Redshift."""
    for node in list(tree.find_all(exp.DateTrunc, exp.TimestampTrunc)):
        span = _FIRST_YEAR.get(_unit(node))
        if span:
            value = exp.cast(node.this.copy(), exp.DType.TIMESTAMP)
            year = template(f"(YEAR(v) - 1) // {span} * {span} + 1", v=value)
            node.replace(template("MAKE_TIMESTAMP(y, 1, 1, 0, 0, 0)", y=year))


def refuse_formats(tree: exp.Expr) -> None:
    """Refuse TO_CHAR/TO_DATE/TO_TIMESTAMP formats DuckDB would write or read differently."""
    for node in tree.find_all(exp.TimeToStr, exp.StrToDate, exp.StrToTime):
        raw = node.meta.get("redshift_format")
        fmt = node.args.get("format")
        if not isinstance(raw, str) or not isinstance(fmt, exp.Literal):
            continue
        name = "TO_CHAR" if isinstance(node, exp.TimeToStr) else "TO_DATE/TO_TIMESTAMP"
        if node.meta.get("is_strict") == "FALSE":
            raise TranslationError(
                f"{name}(..., FALSE) in {snippet(node.sql(SOURCE))}: Redshift carries "
                "out-of-range fields over (June 31 is July 1); DuckDB cannot. Drop the FALSE "
                "argument (then an out-of-range value is an error) or fix the input."
            )
        leftover = re.sub(r"%.", "", fmt.name)
        cased = isinstance(node, exp.TimeToStr) and _PADDED_OR_CASED.search(raw)
        if cased or any(ch.isalpha() for ch in leftover):
            raise TranslationError(
                f"{name} format {raw!r} in {snippet(node.sql(SOURCE))} has parts DuckDB "
                "writes or reads differently (upper-case or blank-padded names, or parts "
                "strftime lacks); use EXTRACT/DATE_TRUNC or numeric parts (YYYY-MM-DD HH24:MI:SS)."
            )


def rewrite_dates(tree: exp.Expr, schema: Mapping[str, Mapping[str, str]]) -> None:
    """Apply every date/time rewrite of this module to ``tree`` in place."""
    refuse_formats(tree)
    _rewrite_typed(tree, schema)
    _rewrite_adds(tree)
    _rewrite_seconds(tree)
    _rewrite_months_between(tree)
    _rewrite_truncs(tree)
