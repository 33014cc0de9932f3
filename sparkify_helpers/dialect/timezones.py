"""CONVERT_TIMEZONE as Redshift reads its zones (CONVERT_TIMEZONE.md).

A zone is a time zone name (``America/New_York``, daylight time applies), an abbreviation
(``PST``: a fixed offset all year, so 09:36 UTC in August is 01:36 PST) or a POSIX-style
offset (``NEWZONE +2``, ``GMT+2``, ``America/Los_Angeles+2``: a name then an offset *west*
of UTC, so ``+2`` is UTC-2). DuckDB reads abbreviations as zone names (PST with daylight
time) and ``GMT+2`` as UTC+2, so both are rewritten to fixed offsets. A zone that is not a
literal cannot be classified and is refused.
"""

from __future__ import annotations

import re

from sqlglot import exp

from sparkify_helpers.dialect.build import template
from sparkify_helpers.dialect.source import SOURCE, snippet
from sparkify_helpers.errors import TranslationError

# Redshift's abbreviations (pg_timezone_abbrevs) that analysts use, in minutes east of UTC.
ABBREVIATIONS = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "ZULU": 0, "WET": 0,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600, "NST": -210,
    "NDT": -150, "AST": -240, "ADT": -180, "BST": 60, "WEST": 60, "CET": 60, "CEST": 120,
    "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "JST": 540, "KST": 540,
    "HKT": 480, "SGT": 480, "AWST": 480, "ACST": 570, "AEST": 600, "AEDT": 660,
    "NZST": 720, "NZDT": 780,
}  # fmt: skip
_POSIX = re.compile(
    r"(?P<name>[A-Za-z][A-Za-z0-9_/+-]*?)\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::(?P<m>\d{2}))?"
)


def zone_offset(zone: str) -> int | None:
    """Minutes east of UTC for a fixed zone (abbreviation or POSIX offset), else None."""
    name = zone.strip()
    if name.upper() in ABBREVIATIONS:
        return ABBREVIATIONS[name.upper()]
    match = _POSIX.fullmatch(name)
    if match:
        minutes = int(match["h"]) * 60 + int(match["m"] or 0)
        return -minutes if match["sign"] == "+" else minutes  # POSIX: + is west of UTC
    return None


def _zone(node: exp.Expr, whole: exp.Expr) -> str:
    if isinstance(node, exp.Literal) and node.is_string:
        return node.name
    raise TranslationError(
        f"CONVERT_TIMEZONE with a zone that is not a literal in {snippet(whole.sql(SOURCE))}: "
        "the local target tells names, abbreviations and POSIX offsets apart only in literals. "
        "Write the zone as a string literal."
    )


def _to_utc(ts: exp.Expr, zone: str) -> exp.Expr:
    offset = zone_offset(zone)
    if offset is not None:
        return template(f"ts - INTERVAL {offset} MINUTE", ts=ts)
    return template("timezone('UTC', timezone(z, ts))", ts=ts, z=exp.Literal.string(zone))


def _from_utc(ts: exp.Expr, zone: str) -> exp.Expr:
    offset = zone_offset(zone)
    if offset is not None:
        return template(f"ts + INTERVAL {offset} MINUTE", ts=ts)
    return template("timezone(z, timezone('UTC', ts))", ts=ts, z=exp.Literal.string(zone))


def rewrite_convert_timezone(tree: exp.Expr) -> None:
    """Replace each CONVERT_TIMEZONE by UTC arithmetic that follows Redshift's zone rules."""
    for node in list(tree.find_all(exp.ConvertTimezone)):
        source = _zone(node.args.get("source_tz") or exp.Literal.string("UTC"), node)
        target = _zone(node.args["target_tz"], node)
        ts = exp.cast(node.args["timestamp"].copy(), exp.DType.TIMESTAMP)
        node.replace(_from_utc(_to_utc(ts, source), target))
