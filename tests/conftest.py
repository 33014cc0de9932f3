"""Shared fixtures: a clean AWS/SPARKIFY environment, moto, one emulator, the real sample.

Two guards apply to every test: a test leaves no process it started running, and a test
executes notebooks (papermill) exactly when it is marked ``notebooks``, so
``pytest -m "not notebooks"`` is the fast inner loop.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import papermill
import psutil
import pytest
import yaml
from moto.iam import models as moto_iam

from sparkify_helpers import emulator, paths

_SPARKIFY_VARS = (
    "SPARKIFY_CONFIG",
    "SPARKIFY_AWS_PROFILE",
    "SPARKIFY_AWS_REGION",
    "SPARKIFY_AWS_ENDPOINT_URL",
    "SPARKIFY_ALLOWED_CIDR",
    "SPARKIFY_DB_PASSWORD",
    "SPARKIFY_WAREHOUSE",
)
MANAGED_POLICIES = "MOTO_IAM_LOAD_MANAGED_POLICIES"
POLICIES_ATTACHED = ("AmazonS3ReadOnlyAccess",)  # the AWS managed policies the package attaches
PROCESS_GRACE_S = 5.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "aws_managed_policies: in-process moto loads the AWS managed IAM policies (slow; "
        "for tests that attach one, e.g. AmazonS3ReadOnlyAccess)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the real sample is marked ``sample``."""
    for item in items:
        if "sample_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.sample)


@functools.cache
def _attached_policies() -> str:
    every = json.loads(moto_iam.aws_managed_policies_data)
    return json.dumps({name: every[name] for name in POLICIES_ATTACHED})


# -- guards on every test ---------------------------------------------------------------


def _describe(proc: psutil.Process) -> str:
    try:
        return f"pid {proc.pid}: {' '.join(proc.cmdline()[:4])}"
    except psutil.Error:
        return f"pid {proc.pid}"


def _still_running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture(autouse=True)
def _no_process_left_running():
    """Fails a test that leaves a process it started running (and ends that process).

    Function-scoped and autouse, so it runs after the session and module fixtures: a
    server those own is already in ``before``.
    """
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    new = [p for p in me.children(recursive=True) if p.pid not in before]
    described = _kill_leftovers(new)
    if described:
        pytest.fail(f"the test left processes running: {described}")


def _kill_leftovers(processes: list[psutil.Process]) -> list[str]:
    """Give ``processes`` a moment to end, kill those still running; describe what was left."""
    if not processes:
        return []
    _, alive = psutil.wait_procs(processes, timeout=PROCESS_GRACE_S)
    left = [p for p in alive if _still_running(p)]
    described = [_describe(p) for p in left]
    for proc in left:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    return described


def pytest_sessionfinish(session: pytest.Session) -> None:
    """After every fixture is gone (module and session ones too), no child process is left."""
    described = _kill_leftovers(psutil.Process().children(recursive=True))
    if described:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"ERROR: the test session left processes running: {described}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _notebooks_marker_is_exact(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A test executes notebooks through papermill if and only if it is marked ``notebooks``."""
    executed: list[str] = []
    real = papermill.execute_notebook

    def execute_notebook(input_path, *args, **kwargs):
        executed.append(Path(str(input_path)).name)
        return real(input_path, *args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    yield
    marked = request.node.get_closest_marker("notebooks") is not None
    if marked and not executed:
        pytest.fail("marked `notebooks` but executed no notebook: remove the marker")
    if executed and not marked:
        pytest.fail(f"executed {executed} without the `notebooks` marker: add it")


# -- environment ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _chart_cache_per_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own chart cache (rendered PNGs by content), never the checkout's."""
    monkeypatch.setenv("SPARKIFY_CHART_CACHE_DIR", str(tmp_path / "chart-cache"))


@pytest.fixture
def aws_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """No real AWS: clears AWS_* and SPARKIFY_* overrides, sets dummy credentials.

    In-process moto loads AWS managed IAM policies only for tests marked
    ``aws_managed_policies``, and then only the ones the package attaches (moto's own
    documents of them): all 1,300 cost over a second each time a backend is made or reset.
    """
    for var in list(os.environ):
        if var.startswith("AWS_") or var in _SPARKIFY_VARS:
            monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    if request.node.get_closest_marker("aws_managed_policies"):
        monkeypatch.setenv(MANAGED_POLICIES, "true")
        monkeypatch.setattr(moto_iam, "aws_managed_policies_data", _attached_policies())
    else:
        monkeypatch.delenv(MANAGED_POLICIES, raising=False)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # faster; no AMIs needed


@pytest.fixture
def mocked_aws(aws_env: None, monkeypatch: pytest.MonkeyPatch):
    """In-process moto for every AWS service."""
    from moto import mock_aws

    with mock_aws():
        yield
        # moto resets its backends on exit; without this it would load the policies again
        monkeypatch.delenv(MANAGED_POLICIES, raising=False)


@pytest.fixture
def run_env(aws_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs, emulator state, caches and generated data stay under ``tmp_path``."""
    monkeypatch.setenv("SPARKIFY_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


@pytest.fixture
def local_target(run_env: Path, monkeypatch: pytest.MonkeyPatch):
    """The local target (config/local.yaml) on a DuckDB file under ``tmp_path``."""
    from sparkify_helpers import config, targets

    monkeypatch.setenv("SPARKIFY_WAREHOUSE", str(run_env / "wh.duckdb"))
    return targets.for_settings(config.load_settings())


# -- the emulator -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory: pytest.TempPathFactory):
    """One moto server subprocess shared by every test that needs a real endpoint.

    Not reset between tests (a reset reloads its IAM policies, over a second): each test
    leaves it as it found it (tears down what it provisions, puts back what it changes).
    """
    state = tmp_path_factory.mktemp("emulator-state")
    info = emulator.start(state)
    yield state, info
    emulator.stop(state)


@pytest.fixture
def emulator_endpoint(aws_env: None, emulator_server, monkeypatch: pytest.MonkeyPatch):
    """The shared emulator as this test's AWS endpoint (its EmulatorInfo)."""
    from sparkify_helpers.config import ENDPOINT_ENV

    _, info = emulator_server
    monkeypatch.setenv(ENDPOINT_ENV, info.endpoint_url)
    return info


@pytest.fixture(scope="session")
def _sample_in_emulator(emulator_server, sample_dir: Path, tmp_path_factory):
    """The real sample seeded once into the shared emulator's bucket; (summary, warm cache)."""
    from sparkify_helpers import config

    _, info = emulator_server
    cache = tmp_path_factory.mktemp("seeded") / "s3-cache"
    settings = config.load_settings(
        paths.config_dir() / "local.yaml", environ={config.ENDPOINT_ENV: info.endpoint_url}
    )
    bucket, region = settings.source.bucket, settings.aws.region
    summary = emulator.seed_bucket(
        info, sample_dir, bucket, region, progress=False, cache_dir=cache
    )
    return summary, cache


@pytest.fixture
def seeded_sample(emulator_endpoint, _sample_in_emulator, run_env: Path, monkeypatch):
    """The real sample in the emulator's bucket with this test's COPY cache warmed, as
    ``sparkify run`` seeds; the S3 read role; a warehouse under ``tmp_path``.

    Returns (local target, seed summary). A test that changes an object puts it back after.
    """
    from sparkify_helpers import aws, config, targets

    summary, cache = _sample_in_emulator
    shutil.copytree(cache, paths.copy_cache_dir())
    monkeypatch.setenv("SPARKIFY_WAREHOUSE", str(run_env / "wh.duckdb"))
    target = targets.for_settings(config.load_settings())
    aws.ensure_role(target)
    return target, summary


@pytest.fixture
def put_back(seeded_sample, sample_dir: Path):
    """``put_back(key)`` before changing an object: the sample's bytes return after the test."""
    target, _ = seeded_sample
    keys: list[str] = []
    yield keys.append
    s3 = target.aws_client("s3")
    for key in keys:
        body = (sample_dir / key).read_bytes()
        s3.put_object(Bucket=target.settings.source.bucket, Key=key, Body=body)


# -- data -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The real Udacity sample; skips when it is absent."""
    path = paths.sample_dataset_dir()
    if not (path / "song_data").is_dir():
        pytest.skip(f"real sample data not found at {path} (set SPARKIFY_SAMPLE_DIR)")
    return path


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a copy of a shipped config with keys changed: ``write_config(cluster={...})``.

    Sections are top-level mappings; ``top={...}`` changes top-level keys; None deletes a key.
    """

    def write(base: str = "redshift.yaml", **sections: dict) -> Path:
        data = yaml.safe_load((paths.config_dir() / base).read_text())
        for section, changes in sections.items():
            target = data if section == "top" else data[section]
            for key, value in changes.items():
                if value is None:
                    target.pop(key, None)
                else:
                    target[key] = value
        path = tmp_path / f"test-{base}"
        path.write_text(yaml.safe_dump(data))
        return path

    return write


@pytest.fixture(autouse=True, scope="session")
def python_default_sigint() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt in the tests, however the suite was started.

    A shell that starts pytest in the background (``cmd &``, nohup, some CI runners) leaves
    SIGINT ignored; the interrupt tests need Python's own handler to send it to themselves.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
