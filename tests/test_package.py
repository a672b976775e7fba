"""The package as users get it: the built sdist and wheel, installed into clean venvs, not this source tree.

Catches files missing from the package, metadata PyPI would refuse, and checks that an
unsupported Airflow is refused with a clear message on import. The venvs are made with
uv from the pinned lock files (``constraints.txt``, ``constraints/``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import ROOT

import airflow_provider_octopush
from airflow_provider_octopush.get_provider_info import get_provider_info

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.package
sys.path.insert(0, str(ROOT))
import dev  # noqa: E402 - the project's own commands: the lock files, the demo, where the interpreters are

UV = Path(sys.executable).parent / "uv"


def uv(*args: object, **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run([str(UV), *map(str, args)], check=True, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


def clean_env() -> dict[str, str]:
    """No Airflow settings and no venv of this test run leak into the child processes."""
    drop = ("AIRFLOW", "VIRTUAL_ENV", "PYTHONPATH")
    return {key: value for key, value in os.environ.items() if not key.startswith(drop)}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    out = tmp_path_factory.mktemp("dist")
    uv("build", "--out-dir", out, ROOT, cwd=ROOT)
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    yield {"wheel": wheel, "sdist": sdist}


def test_sdist_and_wheel_pass_twine_check(dist: dict[str, Path]) -> None:
    version = airflow_provider_octopush.__version__
    assert dist["wheel"].name == f"airflow_provider_octopush-{version}-py3-none-any.whl"
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", dist["wheel"], dist["sdist"]],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_the_wheel_holds_every_module_and_the_metadata(dist: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(dist["wheel"]).namelist())
    info = get_provider_info()
    listed = [
        name
        for section in ("hooks", "operators", "sensors", "triggers")
        for item in info[section]
        for name in item["python-modules"]
    ]
    for module in [
        *listed,
        "airflow_provider_octopush.version_compat",
        "airflow_provider_octopush.sandbox.server",
        "airflow_provider_octopush.sandbox.voice",
        "airflow_provider_octopush.receiver.app",
        "airflow_provider_octopush.cli",
        info["plugins"][0]["plugin-class"].rsplit(".", 1)[0],
        info["notifications"][0].rsplit(".", 1)[0],
    ]:
        assert module.replace(".", "/") + ".py" in names, f"{module} is missing from the wheel"
    assert "airflow_provider_octopush/py.typed" in names
    dist_info = f"airflow_provider_octopush-{airflow_provider_octopush.__version__}.dist-info"
    assert f"{dist_info}/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(dist["wheel"]).read(f"{dist_info}/METADATA").decode()
    assert "Requires-Dist: apache-airflow>=3.1.0" in metadata
    assert "Project-URL: Octopush API, https://dev.octopush.com/" in metadata
    assert "License: Apache-2.0" in metadata or "License-Expression: Apache-2.0" in metadata
    assert "## [0.2.0]" in metadata  # the changelog is part of the long description
    entry_points = zipfile.ZipFile(dist["wheel"]).read(f"{dist_info}/entry_points.txt").decode()
    assert "provider_info = airflow_provider_octopush.get_provider_info:get_provider_info" in entry_points
    assert "octopush_results = airflow_provider_octopush.plugins.octopush:OctopushResultsPlugin" in entry_points
    assert "octopush-callbacks = airflow_provider_octopush.cli:main" in entry_points
    with tarfile.open(dist["sdist"]) as sdist:
        sdist_names = {Path(name).name for name in sdist.getnames()}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "py.typed"} <= sdist_names


def test_the_wheel_in_a_clean_venv_runs_the_demo_dag(dist: dict[str, Path], tmp_path: Path) -> None:
    """The demo (sandbox, `airflow dags test`, ticket from XCom) with the provider from the wheel."""
    venv = tmp_path / "venv"
    uv("venv", "-q", "--python", sys.executable, venv)
    uv("pip", "install", "-q", "--python", venv / "bin" / "python", "-c", dev.CONSTRAINTS, dist["wheel"])
    result = subprocess.run(
        [sys.executable, ROOT / "dev.py", "demo", "--venv", venv, "--home", tmp_path / "home"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Ticket pushed to XCom by octopush_daily_reminder.call_volunteers: voice_" in result.stdout
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import airflow_provider_octopush as p; print(p.__file__)"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), "the demo ran on the source tree, not the wheel"


def test_importing_on_airflow_3_0_fails_with_the_supported_range(dist: dict[str, Path], tmp_path: Path) -> None:
    """An installer refuses it beside Airflow 3.0 (apache-airflow>=3.1.0); forced in, the import says what is wrong."""
    cell = dev.UNSUPPORTED
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    uv("venv", "-q", "--python", dev.find_python(cell.python), venv)
    uv("pip", "sync", "-q", "--python", python, cell.lock)
    refused = subprocess.run(
        [UV, "pip", "install", "--python", python, "-c", cell.lock, dist["wheel"]], capture_output=True, text=True
    )
    assert refused.returncode != 0 and "apache-airflow" in refused.stderr
    uv("pip", "install", "-q", "--python", python, "--no-deps", dist["wheel"])
    for module in ("airflow_provider_octopush.operators.voice_campaign", "airflow_provider_octopush.hooks.octopush"):
        result = subprocess.run(
            [python, "-c", f"import {module}"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True
        )
        assert result.returncode != 0
        last_line = result.stderr.strip().splitlines()[-1]
        assert last_line.startswith("ImportError: airflow-provider-octopush"), result.stderr[-2000:]
        expected = "needs Apache Airflow 3.1 or newer (tested on 3.1, 3.2 and 3.3); this environment has Airflow"
        assert f"{expected} {cell.airflow}." in last_line
