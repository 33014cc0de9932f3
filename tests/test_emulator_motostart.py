"""The work of moto's the emulator's server skips (:mod:`sparkify_helpers.emulator.motostart`)
gives the answers moto gives: an access key maps to the same account without the IAM backends
of unused partitions, and a shared botocore loader reads the same data. The server process
does not import the client side of seeding (pandas)."""

from __future__ import annotations

import boto3
import botocore.session
import pytest
from fresh_process import python_output
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import BaseResponse

from sparkify_helpers.emulator import motostart

ACCOUNT, OTHER = "310987654321", "410987654321"  # accounts of their own (backends are shared)


@pytest.fixture
def accounts(aws_env, monkeypatch):
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")  # not what is tested here
    yield ACCOUNT, OTHER
    motostart.uninstall_account_lookup()
    for account in (ACCOUNT, OTHER):
        get_backend("iam").pop(account, None)


def _access_key(account: str, partition: str) -> str:
    iam = get_backend("iam")[account][partition]
    iam.create_user(partition, f"user-{partition}", path="/", tags=[])
    return iam.create_access_key(f"user-{partition}").access_key_id


def test_an_access_key_maps_to_its_account_without_making_other_partitions(accounts) -> None:
    import moto.iam.models

    mine = _access_key(ACCOUNT, "aws")
    china = _access_key(OTHER, "aws-cn")
    assert motostart.account_of(mine) == ACCOUNT
    assert motostart.account_of(china) == OTHER
    assert motostart.account_of("AKIAUNKNOWN") == DEFAULT_ACCOUNT_ID
    assert set(get_backend("iam")[ACCOUNT].keys()) == {"aws"}  # made nothing
    assert set(get_backend("iam")[OTHER].keys()) == {"aws-cn"}
    # moto's own lookup gives the same answers (and makes every partition's backend)
    original = moto.iam.models.get_account_id_from
    assert [original(k) for k in (mine, china, "AKIAUNKNOWN")] == [
        ACCOUNT,
        OTHER,
        DEFAULT_ACCOUNT_ID,
    ]
    assert len(get_backend("iam")[ACCOUNT].keys()) > 1


def test_moto_requests_use_the_lookup_once_installed(accounts, monkeypatch) -> None:
    import moto.iam.models

    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    key = _access_key(ACCOUNT, "aws")
    response = BaseResponse("iam")
    response.headers = {}
    response.querystring = {"AWSAccessKeyId": [key]}
    assert motostart.install_account_lookup() is True
    assert moto.iam.models.get_account_id_from is motostart.account_of
    assert response.get_current_account() == ACCOUNT
    assert set(get_backend("iam")[ACCOUNT].keys()) == {"aws"}
    motostart.uninstall_account_lookup()
    assert moto.iam.models.get_account_id_from is not motostart.account_of


def test_sessions_share_one_loader_until_undone(aws_env) -> None:
    alone = boto3.Session().get_available_regions("ec2")
    undo = motostart.share_botocore_loader()
    try:
        first, second = botocore.session.Session(), botocore.session.Session()
        loader = first.get_component("data_loader")
        assert second.get_component("data_loader") is loader
        assert boto3.Session().get_available_regions("ec2") == alone
    finally:
        undo()
    later = botocore.session.Session().get_component("data_loader")
    assert later is not loader


def test_the_server_process_does_not_import_seeding_or_pandas() -> None:
    code = (
        "import sys, sparkify_helpers.emulator.serve\n"
        "from sparkify_helpers.emulator import listing, motostart, store, warmup\n"
        "print(sorted(m for m in ('pandas', 'sparkify_helpers.emulator.seeding') "
        "if m in sys.modules))\n"
        "from sparkify_helpers import emulator\n"
        "print(emulator.seed_bucket.__module__, emulator.SeedSummary.__name__)\n"
    )
    out = python_output(code).split("\n")
    assert out[0] == "[]"
    assert out[1] == "sparkify_helpers.emulator.seeding SeedSummary"
