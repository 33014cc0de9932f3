"""The fast timestamp parser gives botocore's datetimes, and the package's sessions use it."""

from __future__ import annotations

from datetime import datetime

import boto3
import pytest
from botocore.utils import parse_timestamp as botocore_parse
from moto import mock_aws

from sparkify_helpers.aws import timestamps
from sparkify_helpers.aws.session import new_client, new_session

FORMS = [
    "2026-01-02T03:04:05.000Z",  # S3's LastModified in a listing
    "2026-01-02T03:04:05Z",  # no milliseconds
    "2026-01-02T03:04:05.123Z",
    "2026-01-02T03:04:05.123456Z",
    "2026-01-02T03:04:05.120+02:00",
    "2026-12-31T23:59:59-05:30",
    "Fri, 02 Jan 2026 03:04:05 GMT",  # RFC 822: the Last-Modified header
    "2026-01-02T03:04:05.12Z",  # another precision: botocore's parser
    "2026-01-02 03:04:05+00:00",
    "1767323045",  # epoch seconds
    1767323045,
    1767323045.5,
]


@pytest.mark.parametrize("value", FORMS, ids=[repr(v) for v in FORMS])
def test_the_fast_parser_equals_botocores(value) -> None:
    ours, theirs = timestamps.parse_timestamp(value), botocore_parse(value)
    assert isinstance(ours, datetime)
    assert ours.tzinfo is not None and ours.utcoffset() == theirs.utcoffset()
    assert ours == theirs
    assert ours.replace(tzinfo=None) == theirs.replace(tzinfo=None)


def test_iso_forms_skip_botocores_parser_and_others_use_it(monkeypatch) -> None:
    called: list[object] = []

    def recording(value):
        called.append(value)
        return botocore_parse(value)

    monkeypatch.setattr(timestamps, "botocore_parse_timestamp", recording)
    timestamps.parse_timestamp("2026-01-02T03:04:05.000Z")
    assert called == []
    timestamps.parse_timestamp("Fri, 02 Jan 2026 03:04:05 GMT")
    assert called == ["Fri, 02 Jan 2026 03:04:05 GMT"]


def test_an_unparseable_timestamp_still_fails_as_botocore_does() -> None:
    with pytest.raises(ValueError, match="Invalid timestamp"):
        timestamps.parse_timestamp("not a time")


def test_package_clients_parse_listings_and_headers_to_botocores_values(
    aws_env, monkeypatch
) -> None:
    parsed: list[object] = []
    real = timestamps.parse_timestamp

    def recording(value):
        parsed.append(value)
        return real(value)

    monkeypatch.setattr(timestamps, "parse_timestamp", recording)
    with mock_aws():
        ours = new_client(new_session("us-east-1"), "s3", None)
        ours.create_bucket(Bucket="stamps")
        ours.put_object(Bucket="stamps", Key="a.json", Body=b"{}")
        plain = boto3.client("s3", region_name="us-east-1")
        listed = ours.list_objects_v2(Bucket="stamps")["Contents"][0]["LastModified"]
        assert listed == plain.list_objects_v2(Bucket="stamps")["Contents"][0]["LastModified"]
        head = ours.head_object(Bucket="stamps", Key="a.json")["LastModified"]
        assert head == plain.head_object(Bucket="stamps", Key="a.json")["LastModified"]
        assert listed.tzinfo is not None and head.tzinfo is not None
    assert len(parsed) >= 2  # the listing's and the header's went through the fast parser
