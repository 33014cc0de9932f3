"""Where things live: the project root, its state folder, run outputs and the sample data."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The project root: ``SPARKIFY_HOME`` if set, else the checkout that holds this package."""
    env = os.environ.get("SPARKIFY_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return PACKAGE_DIR.parent


def sql_dir() -> Path:
    """The folder of canonical Redshift SQL files."""
    return project_root() / "sql"


def notebooks_dir() -> Path:
    """The folder of numbered notebooks."""
    return project_root() / "notebooks"


def config_dir() -> Path:
    """The folder of configuration files."""
    return project_root() / "config"


def state_dir() -> Path:
    """Per-checkout state (emulator, S3 cache, generated data; ``SPARKIFY_STATE_DIR`` overrides)."""
    env = os.environ.get("SPARKIFY_STATE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return project_root() / ".sparkify"


def copy_cache_dir() -> Path:
    """The local COPY's cache of S3 objects (keyed by ETag; seeding fills it too)."""
    return state_dir() / "s3-cache"


def chart_cache_dir() -> Path:
    """Rendered charts by content (``SPARKIFY_CHART_CACHE_DIR`` overrides); safe to delete."""
    env = os.environ.get("SPARKIFY_CHART_CACHE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return state_dir() / "chart-cache"


def bucket_store_dir() -> Path:
    """Where the local emulator keeps its seeded bucket between runs."""
    return state_dir() / "bucket-store"


def default_warehouse_path() -> Path:
    """The local DuckDB file analysts open with ``%sql``."""
    return state_dir() / "warehouse.duckdb"


def default_runs_dir() -> Path:
    """Where ``sparkify run`` writes ``<run_id>/`` folders."""
    return project_root() / "runs"


def sample_dataset_dir() -> Path:
    """The real Udacity sample (``SPARKIFY_SAMPLE_DIR`` overrides); may not exist."""
    env = os.environ.get("SPARKIFY_SAMPLE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return project_root().parent / "shared" / "datasets" / "udacity-sample"
