"""boto3 sessions and clients for a target: the standard credential chain, or the emulator."""

from __future__ import annotations

import logging
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from sparkify_helpers.aws.errors import CREDENTIALS_FIX
from sparkify_helpers.config import Settings
from sparkify_helpers.errors import CredentialsError, EmulatorError

log = logging.getLogger(__name__)

# The emulator accepts any credentials; these are never sent to AWS.
EMULATOR_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


# One model loader for all sessions: parsing service JSON is the slow part of a new client.
_LOADER = botocore.loaders.create_loader()


def _session(**kwargs: Any) -> boto3.Session:
    """A fresh boto3 session (fresh credential lookup) sharing the cached service models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, **kwargs)


def endpoint_url(settings: Settings) -> str | None:
    """The endpoint to call: configured, else (local target) the running emulator's."""
    if settings.aws.endpoint_url or settings.target != "local":
        return settings.aws.endpoint_url
    from sparkify_helpers import emulator

    info = emulator.status()
    if info is None:
        raise EmulatorError(
            "the local target needs the AWS emulator, and none is running; "
            "run: sparkify emulator start (or use `sparkify run`, which starts one)"
        )
    return info.endpoint_url


def make_session(settings: Settings) -> boto3.Session:
    """A boto3 session for the target; raises CredentialsError when none can be found."""
    region = settings.aws.region
    if settings.target == "local":
        return _session(region_name=region, **EMULATOR_CREDENTIALS)
    if settings.legacy_credentials is not None:
        keys = settings.legacy_credentials
        return _session(
            region_name=region,
            aws_access_key_id=keys.access_key_id.get_secret_value(),
            aws_secret_access_key=keys.secret_access_key.get_secret_value(),
        )
    try:
        session = _session(profile_name=settings.aws.profile, region_name=region)
        found = session.get_credentials()
    except ProfileNotFound as exc:
        raise CredentialsError(f"{exc}; {CREDENTIALS_FIX}") from None
    if found is None:
        raise CredentialsError(
            f"no AWS credentials found for the redshift target; {CREDENTIALS_FIX}"
        )
    return session


def client(settings: Settings, service: str, **config: Any) -> Any:
    """A boto3 client for ``service`` (endpoint and addressing set for the emulator)."""
    url = endpoint_url(settings)
    options: dict[str, Any] = {"retries": {"max_attempts": 5, "mode": "standard"}, **config}
    if url and service == "s3":
        options.setdefault("s3", {"addressing_style": "path"})
    return make_session(settings).client(service, endpoint_url=url, config=Config(**options))
