"""The fast reading of S3 listings (sparkify_helpers.aws.listing) gives exactly botocore's.

Each test lists the same objects through a client of ``aws.session.new_session`` (the fast
reader registered) and through a plain boto3 client, and compares the parsed answers.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from sparkify_helpers.aws import listing
from sparkify_helpers.aws.session import new_client, new_session
from sparkify_helpers.copy.fetch import list_prefix

BUCKET = "listing-test"
KEYS = [
    "data/plain.json",
    "data/with space & ampersand.json",
    'data/"quoted" <angle>.json',
    "data/ünïcödé/é.json",
    "data/+plus%percent.json",
    "data/sub/",  # a zero-byte folder key
    *(f"data/many/{i:03d}.json" for i in range(40)),
]


@pytest.fixture
def clients(mocked_aws):
    plain = boto3.client("s3", region_name="us-west-2")
    fast = new_client(new_session("us-west-2"), "s3", None)
    plain.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    for number, key in enumerate(KEYS):
        body = b"" if key.endswith("/") else b'{"n": %d}\n' % number * (number + 1)
        plain.put_object(Bucket=BUCKET, Key=key, Body=body)
    return plain, fast


def _pages(client, **params) -> list[dict]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, **params)
    return [{k: v for k, v in page.items() if k != "ResponseMetadata"} for page in pages]


@pytest.mark.parametrize(
    ("params", "objects"),
    [
        ({"Prefix": "data/"}, len(KEYS)),
        ({"Prefix": "data/", "PaginationConfig": {"PageSize": 7}}, len(KEYS)),
        ({"Prefix": "data/", "FetchOwner": True}, len(KEYS)),
        ({"Prefix": "data/", "Delimiter": "/"}, 4),  # the rest are under common prefixes
        ({"Prefix": "nothing-here/"}, 0),
    ],
)
def test_a_listing_reads_as_botocore_reads_it(clients, params, objects, monkeypatch):
    plain, fast = clients
    read = []
    original = listing._read_contents

    def spy(body: bytes):
        read.append(original(body))
        return read[-1]

    monkeypatch.setattr(listing, "_read_contents", spy)
    expected = _pages(plain, **params)
    assert not read  # a plain client does not use the fast reader
    got = _pages(fast, **params)
    assert len(read) == len(got)  # every page of the fast client went through it
    assert [r is not None for r in read] == ["Contents" in page for page in got]
    assert got == expected
    assert sum(len(page.get("Contents", [])) for page in got) == objects


def test_the_copy_lists_the_same_objects_with_either_client(clients):
    plain, fast = clients
    objects = list_prefix(fast, f"s3://{BUCKET}/data")
    assert objects == list_prefix(plain, f"s3://{BUCKET}/data")
    assert {o.key for o in objects} == {k for k in KEYS if not k.endswith("/")}
    assert next(o for o in objects if o.key == "data/plain.json").size == len(b'{"n": 0}\n')


def test_an_error_answer_is_left_to_botocore(clients):
    _, fast = clients
    with pytest.raises(ClientError) as raised:
        fast.list_objects_v2(Bucket="no-such-bucket")
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"


def test_an_element_the_reader_does_not_know_leaves_the_answer_to_botocore():
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="x"><Name>b</Name>'
        b"<Contents><Key>k</Key><Size>3</Size><Future><Part>1</Part></Future></Contents>"
        b"<IsTruncated>false</IsTruncated></ListBucketResult>"
    )
    response = {"status_code": 200, "body": body}
    customized: dict = {}
    listing._before_parse(response_dict=response, customized_response_dict=customized)
    assert customized == {}
    assert response["body"] == body


def _before_parse(body: bytes) -> tuple[dict, dict]:
    """The answer and botocore's customized dict after the fast client's before-parse hooks."""
    client = new_client(new_session("us-west-2"), "s3", None)
    operation = client.meta.service_model.operation_model("ListObjectsV2")
    response = {"status_code": 200, "body": body, "headers": {}}
    customized: dict = {}
    client.meta.events.emit(
        "before-parse.s3.ListObjectsV2",
        operation_model=operation,
        response_dict=response,
        customized_response_dict=customized,
    )
    return response, customized


LISTING = (
    b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="x"><Name>b</Name>'
    b"<Contents><Key>k</Key><Size>3</Size></Contents>"
    b"<Contents><Key>l</Key><Size>4</Size></Contents>"
    b"<IsTruncated>false</IsTruncated></ListBucketResult>"
)


def test_a_whole_listing_is_read_once_and_stays_a_200():
    response, customized = _before_parse(LISTING)
    assert response["status_code"] == 200
    assert [c["Key"] for c in customized["Contents"]] == ["k", "l"]
    assert b"<Contents>" not in response["body"]  # botocore's check read only the rest


@pytest.mark.parametrize(
    "body",
    [
        LISTING[: LISTING.rfind(b"</Contents>") + len(b"</Contents>") + 5],  # cut after objects
        LISTING[: LISTING.find(b"<Size>4")],  # cut inside the objects
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code></Error>',
    ],
)
def test_a_truncated_or_error_200_answer_is_still_retried_as_botocore_does(body):
    """S3 may send a 200 whose body is cut or is an <Error>: botocore makes it a 500 (retried);
    so it does with the fast reader first (``_handle_200_error`` runs on what is left)."""
    response, _ = _before_parse(body)
    assert response["status_code"] == 500
