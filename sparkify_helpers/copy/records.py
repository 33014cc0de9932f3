"""Read a batch of cached COPY files into JSON records in one DuckDB pass, with line numbers.

This is the exact reader: it handles every input, and the fast path (``fast``) falls back to
it for any batch it is not sure about. The files' bytes come from a relation of
``(path, content)`` rows (see ``batches``) and are split into lines. A record starts at a
line whose first character is ``{`` or ``[`` and takes the following lines that do not (so
newline-delimited files give one record per line and pretty-printed objects span lines). A
line with invalid UTF-8 is read byte by byte through DuckDB's escaped BLOB text: its record
is rejected (code 1220), or with ACCEPTINVCHARS each invalid byte becomes the replacement
character. Records on one line after another (``{...}{...}``) are not split and are rejected
as invalid JSON, and so is a record holding a bare ``NaN`` or ``Infinity`` (DuckDB's reader
accepts them; JSON and Redshift do not, see :func:`non_json_number`).
"""

from __future__ import annotations

import duckdb

from sparkify_helpers.copy.sqltext import sql_string

# Valid multi-byte UTF-8 sequences in DuckDB's escaped BLOB text (bytes >= 0x80 print as
# \xHH); each is re-marked as \yHH so the bytes left as \xHH are the invalid ones.
_VALID_SEQUENCES = [
    (r"\\x(F[0-4])\\x([89AB][0-9A-F])\\x([89AB][0-9A-F])\\x([89AB][0-9A-F])", 4),
    (r"\\x(E[0-9A-F])\\x([89AB][0-9A-F])\\x([89AB][0-9A-F])", 3),
    (r"\\x(C[2-9A-F]|D[0-9A-F])\\x([89AB][0-9A-F])", 2),
]
_HIGH_BYTE = r"\\x[89A-F][0-9A-F]"
_HIGH_BYTE_HEX = r"\\x([89A-F][0-9A-F])"
# A bare NaN / Infinity / inf value (any case, signed), and a JSON string literal.
_NON_NUMBER = r"[\[:,]\s*[-+]?(?i:nan|inf)"
_STRING = r'"(?:[^"\\]|\\.)*"'


def non_json_number(column: str) -> str:
    """SQL: true when the JSON text in ``column`` holds a bare ``NaN`` or ``Infinity`` value.

    DuckDB's JSON reader accepts them (and ``inf``, ``nan``, in any case); JSON has no such
    value (Developer Guide ``copy-usage_notes-copy-from-json.md``: a value is a string, a
    number, true/false, null, an object or an array) and Redshift rejects the record. Cheap
    tests run on every record; strings are blanked out only for the rare ones they flag.
    """
    found = f"regexp_matches({{}}, {sql_string(_NON_NUMBER)})"
    unquoted = f"regexp_replace({column}, {sql_string(_STRING)}, '\"\"', 'g')"
    lowered = f"lower({column})"
    # CASE, not AND: DuckDB evaluates both sides of an AND for every row, a CASE condition
    # only for the rows still undecided (the substring test is ~3x cheaper than the regex,
    # which is ~5x cheaper than blanking the strings)
    return (
        f"(CASE WHEN contains({lowered}, 'nan') OR contains({lowered}, 'inf') THEN (CASE WHEN "
        f"{found.format(column)} THEN {found.format(unquoted)} ELSE false END) ELSE false END)"
    )


def _marked(column: str) -> str:
    """SQL marking valid multi-byte sequences of an escaped line as ``\\yHH``."""
    expr = column
    for pattern, groups in _VALID_SEQUENCES:
        replacement = "".join(rf"\\y\{i}" for i in range(1, groups + 1))
        expr = f"regexp_replace({expr}, {sql_string(pattern)}, {sql_string(replacement)}, 'g')"
    return expr


def _replaced(acceptinvchars: str | None) -> str:
    """SQL text of an invalid line with each invalid byte replaced, or NULL without the option."""
    if acceptinvchars is None:
        return "NULL::VARCHAR"
    byte = "".join(f"\\\\x{b:02X}" for b in (acceptinvchars or "?")[0].encode("utf-8"))
    fixed = f"regexp_replace(marked, {sql_string(_HIGH_BYTE)}, {sql_string(byte)}, 'g')"
    return rf"try(decode(replace({fixed}, '\y', '\x')::BLOB))"


def records_sql(acceptinvchars: str | None, blobs: str) -> str:
    """A query over ``blobs`` (rows of ``path, content``) and parameters (paths, uris) giving
    one row per record.

    Single-line records (the common case) skip the aggregation that multi-line ones need.
    ``dotted`` (the line with invalid bytes shown as '.') is NULL for valid UTF-8 lines.
    """
    return f"""
WITH files AS (  -- distinct: a file listed twice (a manifest may) is read twice by blobs
    SELECT DISTINCT path, uri FROM (SELECT unnest($paths) AS path, unnest($uris) AS uri)
),
blobs AS (
    SELECT path, try(decode(content)) AS txt,
        CASE WHEN try(decode(content)) IS NULL THEN content::VARCHAR END AS esc
    FROM {blobs}
),
good AS (
    SELECT path, unnest(s) AS line, generate_subscripts(s, 1) AS line_number
    FROM (
        SELECT path, string_split(ltrim(txt, chr(65279)), chr(10)) AS s
        FROM blobs WHERE txt IS NOT NULL
    )
),
escaped AS (
    SELECT path, unnest(s) AS esc, generate_subscripts(s, 1) AS line_number
    FROM (
        SELECT path, string_split(regexp_replace(esc, '^\\\\xEF\\\\xBB\\\\xBF', ''), '\\x0A') AS s
        FROM blobs WHERE txt IS NULL
    )
),
bad AS (
    SELECT path, line_number, coalesce(ok, {_replaced(acceptinvchars)}) AS line,
        CASE WHEN ok IS NULL
            THEN decode(regexp_replace(esc, {sql_string(_HIGH_BYTE)}, '.', 'g')::BLOB) END
            AS dotted,
        lower(regexp_extract(marked, {sql_string(_HIGH_BYTE_HEX)}, 1)) AS bad_hex
    FROM (SELECT *, try(decode(esc::BLOB)) AS ok, {_marked("esc")} AS marked FROM escaped)
),
lines AS (
    SELECT path, line_number, line, NULL::VARCHAR AS dotted, NULL::VARCHAR AS bad_hex FROM good
    UNION ALL
    SELECT path, line_number, line, dotted, CASE WHEN line IS NULL THEN bad_hex END FROM bad
),
marked AS (
    SELECT *,
        sum(is_start::INTEGER) OVER w AS chunk,
        is_start AND lead(is_start, 1, true) OVER w AS single
    FROM (
        SELECT *, left(coalesce(line, dotted), 1) IN ('{{', '[') AS is_start
        FROM lines WHERE NOT regexp_full_match(coalesce(line, dotted), '\\s*')
    )
    WINDOW w AS (PARTITION BY path ORDER BY line_number)
),
records AS (
    SELECT path, line_number, line AS text, left(coalesce(dotted, line), 1024) AS raw_line,
        bad_hex IS NOT NULL AS bad_utf8, bad_hex
    FROM marked WHERE single
    UNION ALL
    SELECT path, min(line_number), string_agg(line, chr(10) ORDER BY line_number),
        left(string_agg(coalesce(dotted, line), chr(10) ORDER BY line_number), 1024),
        bool_or(bad_hex IS NOT NULL), min(bad_hex)
    FROM marked WHERE NOT single GROUP BY path, chunk
)
SELECT f.uri AS filename, r.line_number, r.text, r.raw_line, r.bad_utf8, r.bad_hex
FROM records r JOIN files f USING (path)
"""


def status_sql(source: str, json_objects_only: bool) -> str:
    """Records from ``source`` with a Redshift error code and reason for unreadable ones."""
    kinds = "('OBJECT')" if json_objects_only else "('OBJECT', 'ARRAY')"
    shape = "a JSON object" if json_objects_only else "a JSON object or array"
    return f"""
SELECT row_number() OVER () AS rec_id, filename, line_number, text, raw_line,
    CASE WHEN bad_utf8 THEN 1220
         WHEN kind IS NULL THEN 1216
         WHEN kind NOT IN {kinds} THEN 1216
         WHEN {non_json_number("text")} THEN 1216 END AS status_code,
    CASE WHEN bad_utf8 THEN 'String contains invalid or unsupported UTF8 codepoints. '
            || 'Bad UTF8 hex sequence: ' || bad_hex || ' (error 3)'
         WHEN kind IS NULL THEN 'Invalid JSON object: the record is not valid JSON'
         WHEN kind NOT IN {kinds} THEN 'Invalid JSON object: expected {shape}'
         WHEN {non_json_number("text")}
            THEN 'Invalid JSON object: NaN and Infinity are not JSON values'
         END AS status_reason
FROM (SELECT *, try(json_type(text)) AS kind FROM ({source}))
"""


def load_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    blobs: str,
    params: dict[str, list[str]],
    acceptinvchars: str | None,
    json_objects_only: bool,
) -> None:
    """Create temp table ``table`` with every record of the batch and its read status.

    ``blobs`` is the batch's ``(path, content)`` relation; ``params`` its paths and uris.
    """
    query = status_sql(records_sql(acceptinvchars, blobs), json_objects_only)
    con.execute(f"CREATE TEMP TABLE {table} AS {query}", params)
