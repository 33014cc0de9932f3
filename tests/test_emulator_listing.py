"""The emulator's own ListObjectsV2 rendering against moto 5.2.6's: same bytes, same parse.

One in-process moto server answers every case twice, once through moto's serializer and once
with :func:`sparkify_helpers.emulator.listing.install` in place; the XML bodies must be byte
equal, the status and headers (but the request id and date) equal, and boto3 must parse them
to the same result.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from xml.etree import ElementTree

import boto3
import moto
import pytest
import requests
from botocore.config import Config
from moto.server import ThreadedMotoServer

from sparkify_helpers.emulator import listing
from sparkify_helpers.emulator.store import ACCOUNT_ID

BUCKET = "listing-bucket"
KEYS = [
    "a/x&<>\"'.json",
    "a/é ü/1.json",
    "a/日本/2.json",
    "a/sub/3.json",
    "a/sub/deeper/4.json",
    "b/c/d",
    "b/c/e",
    "c",
    "d/<tag>/&amp;",
    "e/tab\there",
    " lead and trail ",
] + [f"many/{i:03d}.json" for i in range(25)]
pytestmark = pytest.mark.skipif(
    moto.__version__ != listing.MOTO_VERSION, reason="the renderer reproduces moto 5.2.6"
)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        _client(url).create_bucket(Bucket=BUCKET)
        backend = moto.backends.get_backend("s3")[ACCOUNT_ID]["aws"]
        for i, key in enumerate(KEYS):
            backend.put_object(BUCKET, key, f"body {i}".encode(), disable_notification=True)
        for algorithm in ("CRC32", "SHA256"):  # a checksummed PUT, as boto3 makes by default
            _client(url).put_object(
                Bucket=BUCKET, Key=f"f/{algorithm}.json", Body=b"{}", ChecksumAlgorithm=algorithm
            )
        _client(url).create_bucket(Bucket="listing-empty")
        yield url
    finally:
        server.stop()


def _client(url: str):
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}),
    )


def _both(url: str, query: dict[str, str], bucket: str = BUCKET, rendered: bool = True):
    """moto's raw answer, then the installed renderer's, to one ListObjectsV2 query;
    ``rendered`` says whether the renderer (not moto's serializer) must have answered."""
    target = f"{url}/{bucket}?{urllib.parse.urlencode({'list-type': '2', **query})}"
    moto_answer = requests.get(target, timeout=30)
    bodies: list[str | None] = []
    real = listing.render

    def spy(result):
        bodies.append(real(result))
        return bodies[-1]

    listing.render = spy
    try:
        with listing.installed() as active:
            assert active
            ours = requests.get(target, timeout=30)
    finally:
        listing.render = real
    assert [body is not None for body in bodies] == ([True] if rendered else [False] * len(bodies))
    return moto_answer, ours


def _headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in ("Date", "x-amzn-requestid")}


CASES = [
    {},
    {"encoding-type": "url"},
    {"prefix": "a/"},
    {"prefix": "a/", "encoding-type": "url"},
    {"prefix": "a/é ü/"},
    {"prefix": "a/x&<>\"'"},
    {"delimiter": "/"},
    {"delimiter": "/", "encoding-type": "url"},
    {"delimiter": "/", "prefix": "a/"},
    {"delimiter": "/", "prefix": "a/", "encoding-type": "url"},
    {"delimiter": "/", "max-keys": "2"},
    {"max-keys": "5"},
    {"max-keys": "0"},
    {"max-keys": "0", "start-after": "a"},
    {"start-after": "b/c/d"},
    {"start-after": "many/", "max-keys": "3", "encoding-type": "url"},
    {"start-after": "é&<"},
    {"prefix": "nothing-here/"},
    {"prefix": "nothing-here/", "delimiter": "/", "encoding-type": "url"},
    {"delimiter": "&"},
    {"delimiter": "sub", "prefix": "a/"},
    {"prefix": "f/"},
    {"prefix": " "},
]


@pytest.mark.parametrize("query", CASES, ids=[urllib.parse.urlencode(q) or "all" for q in CASES])
def test_rendered_listing_is_byte_equal_to_motos(endpoint, query) -> None:
    theirs, ours = _both(endpoint, query)
    assert theirs.status_code == ours.status_code == 200
    assert ours.content == theirs.content
    assert _headers(ours) == _headers(theirs)


def test_an_empty_bucket_renders_the_same(endpoint) -> None:
    theirs, ours = _both(endpoint, {}, bucket="listing-empty")
    assert ours.content == theirs.content
    assert b"<KeyCount>0</KeyCount>" in ours.content


def test_every_page_of_a_continued_listing_is_equal_and_boto3_parses_them_alike(endpoint) -> None:
    client = _client(endpoint)
    pages: dict[bool, list[dict]] = {}
    for active in (False, True):
        with listing.installed() if active else _nothing():
            token, got = None, []
            while True:
                kwargs = {"Bucket": BUCKET, "MaxKeys": 4, "Prefix": "a"}
                page = client.list_objects_v2(
                    **kwargs, **({"ContinuationToken": token} if token else {})
                )
                page.pop("ResponseMetadata")
                got.append(page)
                if not page["IsTruncated"]:
                    break
                token = page["NextContinuationToken"]
        pages[active] = got
    assert len(pages[True]) == 2
    assert pages[True] == pages[False]
    keys = [o["Key"] for page in pages[True] for o in page["Contents"]]
    assert keys == sorted(k for k in KEYS if k.startswith("a"))
    # the raw continued page is byte-equal too
    theirs, ours = _both(endpoint, {"max-keys": "4", "continuation-token": token})
    assert ours.content == theirs.content


@pytest.mark.parametrize("query", [{}, {"delimiter": "/", "prefix": "a/"}, {"start-after": "c"}])
def test_boto3_parses_both_answers_to_the_same_listing(endpoint, query) -> None:
    names = {"delimiter": "Delimiter", "prefix": "Prefix", "start-after": "StartAfter"}
    kwargs = {names[k]: v for k, v in query.items()}
    client = _client(endpoint)
    theirs = client.list_objects_v2(Bucket=BUCKET, **kwargs)
    with listing.installed():
        ours = client.list_objects_v2(Bucket=BUCKET, **kwargs)
    for page in (theirs, ours):
        page.pop("ResponseMetadata")
    assert ours == theirs
    assert "a/x&<>\"'.json" in [o["Key"] for o in ours.get("Contents", [])] or query


def test_fetch_owner_is_left_to_moto(endpoint) -> None:
    theirs, ours = _both(endpoint, {"fetch-owner": "true", "prefix": "b/"}, rendered=False)
    assert b"<Owner>" in theirs.content
    assert ours.content == theirs.content


def test_errors_stay_motos(endpoint) -> None:
    theirs, ours = _both(endpoint, {"continuation-token": ""}, rendered=False)
    assert theirs.status_code == ours.status_code == 400
    assert _error_code(ours) == _error_code(theirs) == "InvalidArgument"
    theirs, ours = _both(endpoint, {}, bucket="no-such-listing-bucket", rendered=False)
    assert theirs.status_code == ours.status_code == 404
    assert _error_code(ours) == _error_code(theirs) == "NoSuchBucket"


def _error_code(response) -> str:
    return ElementTree.fromstring(response.content).findtext("Code") or ""


def test_render_declines_what_it_does_not_cover() -> None:
    item = {
        "Key": "k",
        "LastModified": "2026-01-02T03:04:05.000Z",
        "ETag": '"e"',
        "Size": 1,
        "StorageClass": "STANDARD",
    }
    base = {"Name": "b", "Prefix": "", "MaxKeys": 1, "KeyCount": 1, "IsTruncated": False}
    assert listing.render({**base, "Contents": [item]}) is not None
    assert listing.render({**base, "Contents": [{**item, "Owner": {"ID": "x"}}]}) is None
    assert listing.render({**base, "Contents": [{**item, "ChecksumAlgorithm": "CRC32"}]}) is None
    stamp = "2026-01-02T03:04:05.123456Z"
    assert listing.render({**base, "Contents": [{**item, "LastModified": stamp}]}) is None
    assert listing.render({**base, "RequestCharged": "requester"}) is None


def test_uninstall_gives_moto_its_own_serializer_back() -> None:
    from moto.core.responses import BaseResponse
    from moto.s3.responses import S3Response

    with listing.installed():
        assert S3Response.serialized is not BaseResponse.serialized
    assert S3Response.serialized is BaseResponse.serialized


def test_moto_internals_are_checked_at_install(monkeypatch) -> None:
    from moto.s3.responses import S3Response

    def list_objects_v2(self):  # a moto whose method no longer ends the expected way
        return self.serialized(None)

    monkeypatch.setattr(S3Response, "list_objects_v2", list_objects_v2)
    with pytest.raises(listing.ListingError, match="no longer ends with"):
        listing.install()


def test_another_moto_version_keeps_motos_path(monkeypatch) -> None:
    from moto.core.responses import BaseResponse
    from moto.s3.responses import S3Response

    monkeypatch.setattr(moto, "__version__", "5.9.0")
    assert listing.install() is False
    assert S3Response.serialized is BaseResponse.serialized


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None


def test_checksummed_objects_are_rendered_with_their_algorithm(endpoint) -> None:
    theirs, ours = _both(endpoint, {"prefix": "f/"})
    assert b"<ChecksumAlgorithm>SHA256</ChecksumAlgorithm><Size>" in ours.content
    assert ours.content == theirs.content
