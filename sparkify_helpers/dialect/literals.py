"""Redshift's compact datetime literals on DuckDB: ``'20200430 04:05:06.789'`` is a timestamp.

Redshift reads ``YYYYMMDD`` (optionally followed by a time) wherever a date or timestamp is
expected: ``TIMESTAMP '20200430 04:05:06.789'`` (r_DATE_TRUNC.md, r_DATE_PART_function.md),
``DATE '20220502'``, or a string argument of a datetime function
(``CONVERT_TIMEZONE('EST', 'PST', '20080305 12:25:29')``, CONVERT_TIMEZONE.md). DuckDB
accepts only ``YYYY-MM-DD``, so such a literal is rewritten to that form.
"""

from __future__ import annotations

import re

from sqlglot import exp

_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})((?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)")
# Nodes whose string arguments Redshift reads as dates or timestamps.
_DATETIME_FUNCTIONS = (
    exp.TsOrDsAdd,
    exp.TsOrDsDiff,
    exp.DateAdd,
    exp.DateDiff,
    exp.DateTrunc,
    exp.TimestampTrunc,
    exp.ConvertTimezone,
    exp.TsOrDsToDate,
    exp.TsOrDsToTimestamp,
    exp.LastDay,
    exp.MonthsBetween,
    exp.Extract,
)


def _expects_datetime(literal: exp.Literal) -> bool:
    """True when the literal stands where Redshift expects a date or timestamp."""
    parent = literal.parent
    if isinstance(parent, exp.Cast):
        return parent.to.is_type(*exp.DataType.TEMPORAL_TYPES)
    return isinstance(parent, _DATETIME_FUNCTIONS)


def rewrite_compact_literals(tree: exp.Expr) -> None:
    """Write each compact datetime literal as ``YYYY-MM-DD[ time]``."""
    for literal in list(tree.find_all(exp.Literal)):
        if not literal.is_string or not _expects_datetime(literal):
            continue
        match = _COMPACT.fullmatch(literal.name.strip())
        if match:
            year, month, day, time = match.groups()
            literal.replace(exp.Literal.string(f"{year}-{month}-{day}{time.replace('T', ' ')}"))
