"""Parsing COPY statements, JSONPaths expressions and declared VARCHAR lengths."""

from __future__ import annotations

import pytest

from sparkify_helpers.copy import parse_copy
from sparkify_helpers.copy.jsonpaths import parse_jsonpaths, to_duckdb_path
from sparkify_helpers.errors import CopyError

EVENTS_COPY = """
-- load the event logs
COPY staging_events FROM 's3://udacity-dend/log_data'
IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole'
REGION 'us-west-2'
FORMAT AS JSON 's3://udacity-dend/log_json_path.json'
TIMEFORMAT AS 'epochmillisecs'
TRUNCATECOLUMNS BLANKSASNULL EMPTYASNULL
MAXERROR AS 5
COMPUPDATE OFF STATUPDATE OFF;
"""


def test_parses_every_option_of_the_events_copy() -> None:
    cmd = parse_copy(EVENTS_COPY)
    assert cmd.table == "staging_events"
    assert cmd.columns is None
    assert cmd.source == "s3://udacity-dend/log_data"
    assert cmd.iam_role == "arn:aws:iam::123456789012:role/dwhRole"
    assert cmd.region == "us-west-2"
    assert cmd.jsonpaths_uri == "s3://udacity-dend/log_json_path.json"
    assert cmd.timeformat == "epochmillisecs"
    assert (cmd.truncatecolumns, cmd.blanksasnull, cmd.emptyasnull) == (True, True, True)
    assert (cmd.gzip, cmd.manifest, cmd.maxerror, cmd.acceptinvchars) == (False, False, 5, None)


def test_parses_the_short_json_form_columns_and_credentials() -> None:
    cmd = parse_copy(
        "copy public.staging_songs (num_songs, Artist_ID) from 's3://b/song_data' "
        "credentials 'aws_iam_role=arn:aws:iam::1:role/r' json 'auto ignorecase' "
        "gzip manifest maxerror 3 acceptinvchars as '^' timeformat 'auto'"
    )
    assert cmd.table == "public.staging_songs"
    assert cmd.columns == ("num_songs", "artist_id")
    assert cmd.credentials == "aws_iam_role=arn:aws:iam::1:role/r"
    assert cmd.ignorecase and cmd.jsonpaths_uri is None
    assert (cmd.gzip, cmd.manifest, cmd.maxerror, cmd.acceptinvchars) == (True, True, 3, "^")
    assert cmd.timeformat == "auto"


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("FORMAT AS JSON 'auto'", "auto"),
        ("FORMAT JSON 'auto'", "auto"),
        ("JSON AS 's3://b/p.json'", "s3://b/p.json"),
        ("JSON", "auto"),
    ],
)
def test_json_format_spellings(fragment: str, expected: str) -> None:
    assert parse_copy(f"COPY t FROM 's3://b/x' {fragment}").json == expected


def test_acceptinvchars_defaults_to_question_mark_and_quotes_unescape() -> None:
    cmd = parse_copy("COPY t FROM 's3://b/it''s' IAM_ROLE DEFAULT ACCEPTINVCHARS")
    assert cmd.acceptinvchars == "?"
    assert cmd.source == "s3://b/it's"
    assert cmd.iam_role == "default"


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("COPY t FROM 's3://b/x' JSON 'auto' FILLRECORD", "'FILLRECORD' is not supported"),
        ("COPY t FROM 's3://b/x' FORMAT AS CSV", "FORMAT AS CSV is not supported"),
        ("COPY t FROM 's3://b/x' JSON 'noshred'", "'noshred' is not supported"),
        ("COPY t FROM 's3://b/x' MAXERROR many", "MAXERROR needs a whole number"),
        ("COPY t FROM 's3://b/x' REGION", "ends early"),
        ("INSERT INTO t VALUES (1)", "expected COPY"),
    ],
)
def test_bad_statements_raise_copy_error_naming_the_problem(statement: str, message: str) -> None:
    with pytest.raises(CopyError, match=message):
        parse_copy(statement)


@pytest.mark.parametrize(
    ("expression", "path"),
    [
        ("$['firstName']", '$."firstName"'),
        ('$["user id"]', '$."user id"'),
        ("$.auth", '$."auth"'),
        ("$.a.b[2]", '$."a"."b"[2]'),
        ("$['a'][0]['b']", '$."a"[0]."b"'),
    ],
)
def test_jsonpath_expressions_translate_to_duckdb(expression: str, path: str) -> None:
    assert to_duckdb_path(expression) == path


@pytest.mark.parametrize("expression", ["firstName", "$", "$[firstName]", "$.a..b"])
def test_invalid_jsonpath_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(CopyError, match="Invalid JSONPath format"):
        to_duckdb_path(expression)


def test_jsonpaths_document_must_hold_a_jsonpaths_array() -> None:
    assert parse_jsonpaths('{"jsonpaths": ["$.a", "$.b[0]"]}', "s3://b/p") == ['$."a"', '$."b"[0]']
    # copy-parameters-data-format.md: "you can't mix notations"
    with pytest.raises(CopyError, match="mixes bracket notation"):
        parse_jsonpaths('{"jsonpaths": ["$.a", "$[\'b\']"]}', "s3://b/p")
    # copy-parameters-data-format.md: another key than "jsonpaths" means 'auto'
    assert parse_jsonpaths('{"paths": ["$.a"]}', "s3://b/p") is None
    with pytest.raises(CopyError, match="Invalid JSONPath format in s3://b/p"):
        parse_jsonpaths('{"jsonpaths": "$.a"}', "s3://b/p")
    with pytest.raises(CopyError, match="Invalid JSONPath format in s3://b/p"):
        parse_jsonpaths('[{"jsonpaths": ["$.a"]}]', "s3://b/p")
    with pytest.raises(CopyError, match="not valid JSON"):
        parse_jsonpaths('{"jsonpaths": [', "s3://b/p")
