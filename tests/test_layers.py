"""The layer contract (import-linter, in pyproject.toml) covers every module of the package."""

from __future__ import annotations

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the toml package reads it the same
    import toml as tomllib  # type: ignore[no-redef]

from sparkify_helpers import paths

PACKAGE = paths.project_root() / "sparkify_helpers"


def test_every_top_level_module_is_placed_in_a_layer():
    config = tomllib.loads((paths.project_root() / "pyproject.toml").read_text())
    (contract,) = config["tool"]["importlinter"]["contracts"]
    named = [m.strip() for layer in contract["layers"] for m in layer.split("|")]
    modules = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert sorted(named) == sorted(modules)
    assert len(named) == len(set(named))
