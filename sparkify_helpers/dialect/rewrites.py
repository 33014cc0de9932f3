"""The Redshift-semantics passes of :func:`sparkify_helpers.dialect.translate`, in order.

:func:`refuse` runs first on the statement as written (what Redshift itself rejects);
:func:`rewrite_literals` before the time-function checks and the arithmetic pass (literals
and TO_CHAR formats);
:func:`rewrite_functions` after it (its DuckDB templates are not Redshift arithmetic);
:func:`refuse_unknown_functions` last.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from sparkify_helpers.dialect.catalogue import refuse_unknown_functions
from sparkify_helpers.dialect.dates import rewrite_dates
from sparkify_helpers.dialect.formats import rewrite_to_char
from sparkify_helpers.dialect.literals import rewrite_compact_literals
from sparkify_helpers.dialect.strings import refuse_strings, rewrite_strings
from sparkify_helpers.dialect.timezones import rewrite_convert_timezone
from sparkify_helpers.dialect.windows import refuse_rejected, rewrite_ratio_to_report

__all__ = ["refuse", "refuse_unknown_functions", "rewrite_functions", "rewrite_literals"]


def refuse(tree: exp.Expr) -> None:
    """Raise TranslationError for SQL Redshift rejects (FILTER, frames, CONCAT) or Perl regexps."""
    refuse_rejected(tree)
    refuse_strings(tree)


def rewrite_literals(tree: exp.Expr) -> None:
    """Compact datetime literals to ISO form; TO_CHAR formats rebuilt from their parts."""
    rewrite_compact_literals(tree)
    rewrite_to_char(tree)


def rewrite_functions(tree: exp.Expr, schema: Mapping[str, Mapping[str, str]]) -> None:
    """Functions whose DuckDB translation would differ from Redshift's documented result."""
    rewrite_dates(tree, schema)
    rewrite_convert_timezone(tree)
    rewrite_strings(tree)
    rewrite_ratio_to_report(tree)
