"""Listing benchmark of the emulator: ListObjectsV2 of many keys, and notebook 01's provision.

    python benchmarks/bench_listing.py [--keys 20000] [--repeat 3] [--gaps 0 4]
        [--skip moto emulator provision]

Measured (best of ``--repeat``, with the machine's load average beside each figure, since
the machine is shared):

- one ListObjectsV2 page of ``--keys`` keys from an in-process moto server, with moto's
  serializer or the emulator's renderer (:mod:`sparkify_helpers.emulator.listing`), read by
  a plain boto3 client or by the package's (fast timestamps); the server's share is the
  time spent in moto's ``S3Response.list_objects_v2``;
- the same listing end to end through a real emulator process (seeded through its routes);
- a second emulator on the store the first one filled: its start (the store loads in the
  background), its first listing (which waits for the load) and the next ones;
- ``aws.provision`` of the local target in a freshly started emulator, right after it
  answers and ``--gaps`` seconds later (a run seeds and starts a kernel meanwhile).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sparkify_helpers import aws, emulator, paths  # noqa: E402
from sparkify_helpers.aws.session import new_client, new_session  # noqa: E402
from sparkify_helpers.config import load_settings  # noqa: E402
from sparkify_helpers.emulator import listing  # noqa: E402
from sparkify_helpers.emulator.store import ACCOUNT_ID  # noqa: E402
from sparkify_helpers.targets import for_settings  # noqa: E402

BUCKET = "bench-bucket"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _plain(url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}),
    )


def _package(url: str) -> Any:
    session = new_session("us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    return new_client(session, "s3", url)


def _list(client: Any) -> int:
    page = client.list_objects_v2(Bucket=BUCKET, MaxKeys=100_000)
    return len(page.get("Contents", []))


def in_process(keys: int, repeat: int) -> list[str]:
    """Rows for the four combinations of server renderer and client parser."""
    import moto.backends
    from moto.s3.responses import S3Response
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    rows = []
    spent: list[float] = []
    real = S3Response.list_objects_v2

    @functools.wraps(real)  # listing's check reads the wrapped method's source
    def timed(self: Any) -> Any:
        began = time.perf_counter()
        try:
            return real(self)
        finally:
            spent.append(time.perf_counter() - began)

    try:
        _plain(url).create_bucket(Bucket=BUCKET)
        backend = moto.backends.get_backend("s3")[ACCOUNT_ID]["aws"]
        for i in range(keys):
            key = f"song_data/A/B/C/TR{i:06d}.json"
            backend.put_object(BUCKET, key, b"{}", disable_notification=True)
        S3Response.list_objects_v2 = timed
        for rendered in (False, True):
            for client_name, make in (("boto3 default", _plain), ("package session", _package)):
                client = make(url)
                best = None
                for _ in range(repeat):
                    spent.clear()
                    with listing.installed() if rendered else nullcontext():
                        began = time.perf_counter()
                        assert _list(client) == keys
                        total = time.perf_counter() - began
                    if best is None or total < best[0]:
                        best = (total, spent[0])
                assert best is not None
                server_way = "emulator renderer" if rendered else "moto serializer"
                rows.append(
                    f"| {server_way} | {client_name} | {best[0]:.2f} s | {best[1]:.2f} s "
                    f"| {best[0] - best[1]:.2f} s | {_load()} |"
                )
    finally:
        S3Response.list_objects_v2 = real
        server.stop()
    return rows


def through_emulator(keys: int, repeat: int, work: Path) -> list[str]:
    """Seed ``keys`` one-line files into a real emulator with a store and list them with the
    package client; then start a second emulator on that store: its start, its first listing
    (which waits for the store's load) and its next ones."""
    source = work / "source"
    for i in range(keys):
        path = source / f"song_data/A/B/C/TR{i:06d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"{}")
    kept = work / "store"
    with emulator.running(work / "state", store=kept) as info:
        emulator.seed_bucket(info, source, BUCKET, "us-west-2", progress=False)
        client = _package(info.endpoint_url)
        best = min(_timed(lambda: _list(client)) for _ in range(repeat))  # noqa: B023
    rows = [f"| real emulator process | package session | {best:.2f} s | - | - | {_load()} |"]
    began = time.perf_counter()
    with emulator.running(work / "state-2", store=kept) as info:
        started = time.perf_counter() - began
        client = _package(info.endpoint_url)
        first = _timed(lambda: _list(client))  # noqa: B023
        best = min(_timed(lambda: _list(client)) for _ in range(repeat))  # noqa: B023
    rows.append(
        f"| restart on the store: start {started:.2f} s, first listing {first:.2f} s "
        f"| package session | {best:.2f} s | - | - | {_load()} |"
    )
    return rows


def _timed(call: Any) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def provision(repeat: int, work: Path, gap: float) -> list[str]:
    """01's ``aws.provision`` in a freshly started emulator, ``gap`` seconds after it answers
    (a run seeds and starts a kernel meanwhile), ``repeat`` times."""
    rows = []
    for n in range(repeat):
        began = time.perf_counter()
        with emulator.running(work / f"prov-{gap}-{n}") as info:
            started = time.perf_counter() - began
            time.sleep(gap)
            settings = load_settings(
                paths.config_dir() / "local.yaml",
                environ={"SPARKIFY_AWS_ENDPOINT_URL": info.endpoint_url},
            )
            target = for_settings(settings)
            took = _timed(lambda: aws.provision(target, progress=False, poll_s=0))  # noqa: B023
        rows.append(f"| {gap:.0f} s | {n + 1} | {started:.2f} s | {took:.2f} s | {_load()} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gaps", type=float, nargs="*", default=[0.0, 4.0])
    parser.add_argument("--skip", nargs="*", default=[], choices=["moto", "emulator", "provision"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-listing-") as tmp:
        work = Path(tmp)
        if "moto" not in args.skip or "emulator" not in args.skip:
            print(f"ListObjectsV2, one page of {args.keys:,} keys (best of {args.repeat})\n")
            print("| server | client | end to end | in moto's list_objects_v2 | rest | load |")
            print("|---|---|---|---|---|---|")
            if "moto" not in args.skip:
                print("\n".join(in_process(args.keys, args.repeat)), flush=True)
            if "emulator" not in args.skip:
                print("\n".join(through_emulator(args.keys, args.repeat, work)), flush=True)
        if "provision" not in args.skip:
            print("\n`aws.provision` of the local target in a fresh emulator\n")
            print("| gap after start | run | emulator start | provision | load |")
            print("|---|---|---|---|---|")
            for gap in args.gaps:
                print("\n".join(provision(args.repeat, work, gap)), flush=True)


if __name__ == "__main__":
    main()
