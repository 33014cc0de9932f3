"""Redshift string functions whose DuckDB translation would give another answer.

- ``LISTAGG``: the default delimiter is NULL (no separator) and NULLs and empty strings are
  ignored (r_LISTAGG.md); DuckDB's default is ``','`` and it keeps empty strings.
- ``REGEXP_REPLACE`` replaces every occurrence (REGEXP_REPLACE.md); DuckDB the first only.
- ``SIMILAR TO`` patterns are SQL regular expressions (``%``, ``_``, ``|``, groups; ``.`` and
  ``$`` are literal) matched against the whole string (pattern-matching-conditions-similar-to.md);
  DuckDB reads the pattern as a POSIX regular expression.
- ``SUBSTRING`` with a start below 1 counts the positions before the string
  (r_SUBSTRING.md: ``substring('caterpillar', -2, 6)`` is ``cat``); DuckDB counts from the end.
- ``CAST(x AS VARCHAR(n))`` truncates to n characters (r_SUBSTRING.md: ``Fours``); the
  translation drops lengths, so the cast becomes ``LEFT(x, n)``. A ``CHAR(n)`` value also
  loses its trailing blanks: they are "not included in LENGTH calculations, and removed
  when you convert a CHAR value to another string type" (r_Character_types.md).
- ``OCTET_LENGTH`` of a literal is its UTF-8 byte count.
- ``CONCAT`` takes exactly two arguments (r_CONCAT.md); three are refused. So are Perl
  regular expressions (the ``'p'`` parameter): DuckDB's RE2 has no lookahead.
"""

from __future__ import annotations

import re

from sqlglot import exp

from sparkify_helpers.dialect.build import template
from sparkify_helpers.dialect.source import SOURCE, snippet
from sparkify_helpers.errors import TranslationError

_STRING_TYPES = (exp.DType.VARCHAR, exp.DType.CHAR, exp.DType.NVARCHAR, exp.DType.NCHAR)
_SIMILAR_META = set("|*+?{}()[]")


_REGEXP_NAMES = {
    exp.RegexpReplace: "REGEXP_REPLACE",
    exp.RegexpCount: "REGEXP_COUNT",
    exp.RegexpInstr: "REGEXP_INSTR",
    exp.RegexpExtract: "REGEXP_SUBSTR",
}


def _refuse_perl(tree: exp.Expr) -> None:
    for node in tree.find_all(*_REGEXP_NAMES):
        flags = node.args.get("modifiers") or node.args.get("parameters")
        if isinstance(flags, exp.Literal) and "p" in flags.name:
            raise TranslationError(
                f"{_REGEXP_NAMES[type(node)]} with the 'p' parameter (Perl-compatible regular "
                f"expression) in {snippet(node.sql(SOURCE))}: DuckDB's RE2 has no lookahead "
                "or backreferences. Run it on the redshift target, or rewrite the pattern as "
                "a POSIX regular expression without 'p'."
            )


def refuse_strings(tree: exp.Expr) -> None:
    """Refuse CONCAT with other than two arguments (as Redshift does) and Perl regexps."""
    _refuse_perl(tree)
    for node in tree.find_all(exp.Concat):
        if len(node.expressions) != 2:
            raise TranslationError(
                f"CONCAT takes two arguments in Redshift, not {len(node.expressions)} "
                f"({snippet(node.sql(SOURCE))}; Redshift: function concat does not exist). "
                "Nest CONCAT calls or use the || operator."
            )


def _rewrite_listagg(tree: exp.Expr) -> None:
    for agg in list(tree.find_all(exp.GroupConcat)):
        value = agg.this
        if isinstance(value, exp.Distinct) and len(value.expressions) == 2:
            # sqlglot reads LISTAGG(DISTINCT x, ',') as DISTINCT (x, ','): split them again.
            agg.set("separator", value.expressions[1].copy())
            value = exp.Distinct(expressions=[value.expressions[0].copy()])
            agg.set("this", value)
        if agg.args.get("separator") is None:
            agg.set("separator", exp.Literal.string(""))
        inner = value.expressions[0] if isinstance(value, exp.Distinct) else value
        outer: exp.Expr = agg.parent if isinstance(agg.parent, exp.WithinGroup) else agg
        kept = template("x IS NOT NULL AND CAST(x AS VARCHAR) <> ''", x=inner)
        outer.replace(exp.Filter(this=outer.copy(), expression=exp.Where(this=kept)))


def _rewrite_regexp_replace(tree: exp.Expr) -> None:
    for node in list(tree.find_all(exp.RegexpReplace)):
        position = node.args.get("position")
        first = isinstance(position, exp.Literal) and position.name == "1"
        if position is not None and not first:
            raise TranslationError(
                f"REGEXP_REPLACE with a start position other than 1 in "
                f"{snippet(node.sql(SOURCE))} has no local translation; apply it to "
                "SUBSTRING(source, position) and concatenate the prefix."
            )
        modifiers = node.args.get("modifiers")
        flags = modifiers.name if isinstance(modifiers, exp.Literal) else ""
        node.set("position", None)
        node.set("single_replace", None)
        if node.args.get("replacement") is None:
            node.set("replacement", exp.Literal.string(""))
        node.set("modifiers", exp.Literal.string("g" + flags.replace("c", "")))


def similar_to_regex(pattern: str, escape: str = "\\") -> str:
    """The POSIX regular expression for a SQL SIMILAR TO pattern."""
    out, i, depth = [], 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if depth:
            out.append(ch)
            depth += ch == "["
            depth -= ch == "]"
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch in _SIMILAR_META:
            out.append(ch)
            depth = 1 if ch == "[" else 0
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _rewrite_similar_to(tree: exp.Expr) -> None:
    for node in list(tree.find_all(exp.SimilarTo)):
        holder: exp.Expr = node.parent if isinstance(node.parent, exp.Escape) else node
        escape = holder.expression if holder is not node else exp.Literal.string("\\")
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and isinstance(escape, exp.Literal)):
            raise TranslationError(
                f"SIMILAR TO with a pattern that is not a literal in "
                f"{snippet(holder.sql(SOURCE))}: the local target converts SQL patterns only "
                "in literals. Write the pattern as a string literal, or use a POSIX ~ match."
            )
        regex = exp.Literal.string(similar_to_regex(pattern.name, escape.name))
        holder.replace(exp.func("regexp_full_match", node.this.copy(), regex))


def _rewrite_substring(tree: exp.Expr) -> None:
    for node in list(tree.find_all(exp.Substring)):
        start = node.args.get("start")
        if start is None or (isinstance(start, exp.Literal) and int(start.name) >= 1):
            continue
        first = exp.func("GREATEST", start.copy(), exp.Literal.number(1))
        length = node.args.get("length")
        if length is not None:
            kept = template("GREATEST(n - (f - s), 0)", n=length, f=first, s=start)
            node.set("length", kept)
        node.set("start", first)


def _rewrite_casts_and_lengths(tree: exp.Expr) -> None:
    for cast in list(tree.find_all(exp.Cast)):
        params = cast.to.expressions
        if cast.to.is_type(*_STRING_TYPES) and params and params[0].this.is_int:
            text = exp.cast(cast.this.copy(), exp.DType.VARCHAR)
            cut: exp.Expr = exp.func("LEFT", text, params[0].this.copy())
            if cast.to.is_type(exp.DType.CHAR, exp.DType.NCHAR):  # trailing blanks dropped
                cut = exp.func("RTRIM", cut, exp.Literal.string(" "))
            cast.replace(cut)
    for node in list(tree.find_all(exp.Anonymous)):
        if node.name.upper() == "OCTET_LENGTH" and len(node.expressions) == 1:
            text = exp.cast(node.expressions[0].copy(), exp.DType.VARCHAR)
            node.replace(exp.func("STRLEN", text))


def rewrite_strings(tree: exp.Expr) -> None:
    """Apply every string rewrite of this module to ``tree`` in place."""
    _rewrite_listagg(tree)
    _rewrite_regexp_replace(tree)
    _rewrite_similar_to(tree)
    _rewrite_substring(tree)
    _rewrite_casts_and_lengths(tree)
