"""The plugin: registered both ways Airflow looks, loaded by Airflow's plugins manager, cheap to import."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

from airflow_provider_octopush.get_provider_info import get_provider_info
from airflow_provider_octopush.plugins.octopush import URL_PREFIX, OctopushResultsPlugin


def test_the_plugin_is_in_the_provider_info_and_an_entry_point() -> None:
    """With lazy provider discovery (Airflow's default) only the entry point loads it: both are needed."""
    (listed,) = get_provider_info()["plugins"]
    (point,) = [point for point in entry_points(group="airflow.plugins") if point.value.startswith("airflow_provider")]
    assert point.load() is OctopushResultsPlugin
    assert listed["plugin-class"] == f"{point.value.replace(':', '.')}"
    assert listed["name"] == OctopushResultsPlugin.name


def test_airflow_loads_the_plugin_with_its_app_at_the_prefix() -> None:
    output = subprocess.run(
        [sys.executable, "-m", "airflow", "plugins", "-o", "json"], check=True, capture_output=True, text=True
    ).stdout
    plugins = json.loads(output[output.index("[{") :])
    (ours,) = [plugin for plugin in plugins if plugin["name"] == OctopushResultsPlugin.name]
    assert [app["url_prefix"] for app in ours["fastapi_apps"]] == [URL_PREFIX] == ["/octopush"]


def test_importing_the_plugin_builds_nothing() -> None:
    """Every Airflow process that loads plugins imports it: no FastAPI, no table, no receiver until asked."""
    code = (
        "import sys, airflow_provider_octopush.plugins.octopush; "
        "print(sorted(m for m in sys.modules if m.startswith(('fastapi', 'airflow_provider_octopush.receiver'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert loaded.strip().splitlines()[-1] == "[]"  # after any line Airflow logs on import
