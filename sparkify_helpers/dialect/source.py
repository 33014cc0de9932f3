"""The source dialect: sqlglot's Redshift, with GETDATE() kept apart from CURRENT_TIMESTAMP."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.redshift import Redshift


def _getdate(args: list) -> exp.CurrentTimestamp:
    """GETDATE(): a CURRENT_TIMESTAMP marked so it can become naive UTC, second precision."""
    node = exp.CurrentTimestamp()
    node.meta["getdate"] = True
    return node


class SparkifyRedshift(Redshift):
    """Redshift as sqlglot reads it, except that GETDATE() stays recognisable."""

    class Parser(Redshift.Parser):  # type: ignore[valid-type,misc]  # sqlglot builds it
        FUNCTIONS = {**Redshift.Parser.FUNCTIONS, "GETDATE": _getdate}


SOURCE = SparkifyRedshift()


def snippet(statement: str, width: int = 80) -> str:
    """A one-line, shortened, quoted view of a statement for error messages."""
    flat = " ".join(statement.split())
    return repr(flat if len(flat) <= width else flat[: width - 3] + "...")
