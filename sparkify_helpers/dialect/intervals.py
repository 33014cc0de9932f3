"""Interval arithmetic as Redshift computes it: ``n * INTERVAL '1 second' / 1000``.

Redshift multiplies and divides an interval by any number and keeps microseconds
(r_interval_literals.md; the epoch idiom ``TIMESTAMP 'epoch' + ts/1000 * INTERVAL '1 second'``
of the Developer Guide's examples). DuckDB multiplies an interval only by a 32-bit integer
(epoch milliseconds overflow it) and cannot divide one. So a product or quotient holding one
fixed-length interval literal (microseconds up to weeks; months and years vary in length
and are left alone) is computed in microseconds and turned back into an interval with
``to_microseconds``. The numeric part keeps Redshift's rules, integer ``/`` included
(:mod:`.arithmetic` runs after this): ``ts/1000 * INTERVAL '1 second'`` drops the
milliseconds, ``ts * INTERVAL '1 second' / 1000`` keeps them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlglot import exp

_SECOND = 1_000_000
_UNITS = {
    "microsecond": 1,
    "millisecond": 1_000,
    "second": _SECOND,
    "minute": 60 * _SECOND,
    "hour": 3_600 * _SECOND,
    "day": 86_400 * _SECOND,
    "week": 7 * 86_400 * _SECOND,
}
_ABBREVIATIONS = {
    "us": "microsecond",
    "usec": "microsecond",
    "usecs": "microsecond",
    "ms": "millisecond",
    "msec": "millisecond",
    "msecs": "millisecond",
    "s": "second",
    "sec": "second",
    "secs": "second",
    "m": "minute",
    "min": "minute",
    "mins": "minute",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "d": "day",
    "w": "week",
}
_PART = re.compile(r"\s*([-+]?\d+(?:\.\d+)?)\s*([a-z]+)\s*", re.I)


def _unit(word: str) -> int | None:
    """Microseconds in one unit word (``seconds``, ``sec``, ``hrs``); None for months/years."""
    word = word.lower()
    word = _ABBREVIATIONS.get(word, word)
    if word not in _UNITS and word.endswith("s"):
        word = word[:-1]
    return _UNITS.get(word)


def microseconds(interval: exp.Interval) -> Decimal | None:
    """The length of a fixed-length interval literal in microseconds, else None."""
    value = interval.this
    if not isinstance(value, exp.Literal):
        return None
    unit = interval.text("unit")
    text = f"{value.name} {unit}" if unit else value.name
    total, position = Decimal(0), 0
    for match in _PART.finditer(text):
        if match.start() != position:
            return None
        per_unit = _unit(match.group(2))
        if per_unit is None:
            return None
        try:
            total += Decimal(match.group(1)) * per_unit
        except InvalidOperation:
            return None
        position = match.end()
    return total if position == len(text) and position else None


def _scaled_term(interval: exp.Interval) -> exp.Expr | None:
    """The arithmetic around ``interval`` that scales it: factors and divisors, in parens."""
    top: exp.Expr = interval
    while True:
        parent = top.parent
        if isinstance(parent, (exp.Mul, exp.Paren)) or (
            isinstance(parent, exp.Div) and parent.this is top
        ):
            top = parent
            continue
        break
    return None if top is interval else top


def rewrite_interval_arithmetic(tree: exp.Expr) -> None:
    """``n * INTERVAL 'k unit' [/ m]`` -> ``to_microseconds(CAST(n * k_us [/ m] AS BIGINT))``
    (``k_us`` the literal's microseconds, itself a BIGINT)."""
    for interval in list(tree.find_all(exp.Interval)):
        term = _scaled_term(interval)
        length = microseconds(interval)
        if term is None or length is None:
            continue
        if any(other is not interval for other in term.find_all(exp.Interval)):
            continue
        # BIGINT, so a 32-bit INTEGER times microseconds does not overflow in DuckDB
        interval.replace(exp.cast(exp.Literal.number(format(length.normalize(), "f")), "BIGINT"))
        term.replace(exp.func("to_microseconds", exp.cast(term.copy(), exp.DType.BIGINT)))
