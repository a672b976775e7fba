"""Registration: the provider info is valid for Airflow, and Airflow finds the hook and the form."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import airflow
import jsonschema

from airflow_provider_octopush.get_provider_info import get_provider_info
from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.rules.connection import CONN_FIELDS, UI_FIELD_BEHAVIOUR


def test_provider_info_matches_airflows_schema() -> None:
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_entry_point_is_registered() -> None:
    (point,) = [ep for ep in entry_points(group="apache_airflow_provider") if ep.value.startswith("airflow_provider")]
    assert point.load()() == get_provider_info()
    assert get_provider_info()["package-name"] == "airflow-provider-octopush"


def test_every_listed_module_and_class_imports() -> None:
    import importlib

    info = get_provider_info()
    for section in ("hooks", "operators", "sensors", "triggers"):
        for item in info[section]:
            for module in item["python-modules"]:
                importlib.import_module(module)
    for path in info["notifications"]:
        module, _, name = path.rpartition(".")
        assert getattr(importlib.import_module(module), name).__name__ == name
    for conn in info["connection-types"]:
        module, _, name = conn["hook-class-name"].rpartition(".")
        assert getattr(importlib.import_module(module), name).conn_type == conn["connection-type"]


def test_every_operator_sensor_trigger_and_notifier_is_listed() -> None:
    """What the package ships is what Airflow's provider listing shows: a new module (the SMS ones) is not forgotten."""
    import importlib
    import pkgutil

    from airflow.sdk import BaseNotifier

    import airflow_provider_octopush

    info = get_provider_info()
    root = Path(airflow_provider_octopush.__file__).parent
    for section in ("operators", "sensors", "triggers"):
        listed = {module for item in info[section] for module in item["python-modules"]}
        shipped = {
            f"airflow_provider_octopush.{section}.{found.name}" for found in pkgutil.iter_modules([str(root / section)])
        }
        shipped.discard("airflow_provider_octopush.operators.message_to_numbers")  # a base class, not for DAGs
        assert listed == shipped, section
    notifiers = {
        f"{value.__module__}.{value.__name__}"
        for found in pkgutil.iter_modules([str(root / "notifications")])
        for value in vars(importlib.import_module(f"airflow_provider_octopush.notifications.{found.name}")).values()
        if isinstance(value, type)
        and issubclass(value, BaseNotifier)
        and value.__module__.startswith("airflow_provider")
    }
    assert set(info["notifications"]) == notifiers
    sms = next(item for item in info["integrations"] if item["integration-name"] == "Octopush SMS")
    assert sms["external-doc-url"].startswith("https://")
    sms_operators = next(item for item in info["operators"] if item["integration-name"] == "Octopush SMS")
    assert set(sms_operators["python-modules"]) == {
        "airflow_provider_octopush.operators.sms_message",
        "airflow_provider_octopush.operators.sms_campaign",
    }


def test_legacy_field_behaviour_is_the_same_definition() -> None:
    legacy = OctopushHook.get_ui_field_behaviour()
    assert legacy == {key.replace("-", "_"): value for key, value in UI_FIELD_BEHAVIOUR.items()}
    assert set(legacy) == {"hidden_fields", "relabeling", "placeholders"}  # the names Airflow 3.1 reads


def test_api_server_serves_the_form() -> None:
    """What the API server's ``/ui/connections/hook_meta`` gives the React form, on every supported Airflow.

    Airflow 3.1 builds it from the hook's ``get_ui_field_behaviour`` and
    ``get_connection_form_widgets`` (and drops a hook whose widget classes it does not
    accept); 3.2 and 3.3 from the provider info. The form must be the same on all.
    """
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    HookMetaService.hook_meta_data.cache_clear()
    (conn_type,) = get_provider_info()["connection-types"]
    # Airflow drops a hook that lacks conn_type, conn_name_attr, default_conn_name or hook_name: found means kept.
    (meta,) = [
        hook for hook in HookMetaService.hook_meta_data() if hook.connection_type == conn_type["connection-type"]
    ]
    assert (meta.hook_name, meta.hook_class_name) == (conn_type["hook-name"], conn_type["hook-class-name"])
    fields = meta.standard_fields
    assert fields is not None
    for name, label in UI_FIELD_BEHAVIOUR["relabeling"].items():
        field = getattr(fields, name)
        assert (field.hidden, field.title) == (False, label)
        assert field.placeholder == UI_FIELD_BEHAVIOUR["placeholders"][name]
    assert fields.port.hidden and fields.url_schema.hidden
    extras = meta.extra_fields or {}
    assert set(extras) == set(CONN_FIELDS)
    for name, definition in CONN_FIELDS.items():
        assert extras[name]["schema"]["title"] == definition["label"]
        assert extras[name]["description"] == definition["description"]
        assert "null" in extras[name]["schema"]["type"]  # optional


def test_airflow_cli_lists_provider_and_hook() -> None:
    def cli(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "airflow", *args], check=True, capture_output=True, text=True
        ).stdout

    assert "airflow-provider-octopush" in cli("providers", "get", "airflow-provider-octopush", "-o", "json")
    output = cli("providers", "hooks", "-o", "json")
    hooks = json.loads(output[output.index("[{") :])  # log lines may come first
    (ours,) = [hook for hook in hooks if hook["connection_type"] == "octopush"]
    assert ours["class"] == "airflow_provider_octopush.hooks.octopush.OctopushHook"


def test_every_operator_and_sensor_has_its_own_colour() -> None:
    """The graph view tells an Octopush task from the others, and a send from a cancel."""
    import importlib
    import inspect

    from airflow.sdk import BaseOperator, BaseSensorOperator

    info = get_provider_info()
    classes = {
        cls
        for section in ("operators", "sensors")
        for item in info[section]
        for module in item["python-modules"]
        for _, cls in inspect.getmembers(importlib.import_module(module), inspect.isclass)
        if issubclass(cls, BaseOperator) and cls.__module__ == module and not cls.__name__.startswith("_")
    }
    assert len(classes) == 11, classes
    colours = {cls.__name__: cls.ui_color for cls in classes}
    assert not {BaseOperator.ui_color, BaseSensorOperator.ui_color} & set(colours.values()), colours
    assert len(set(colours.values())) == len(colours), colours


def test_the_changelog_is_dated_categorised_and_current() -> None:
    """Users read it before adopting: each version dated (or Unreleased), newest first, the top one this
    package's; entries only under Breaking, Added, Changed, Fixed; renames flagged under Breaking."""
    import re
    from datetime import date

    import airflow_provider_octopush

    text = (Path(__file__).resolve().parents[1] / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (Unreleased|\d{4}-\d{2}-\d{2})$", text, re.MULTILINE)
    assert len(versions) == len(re.findall(r"^## ", text, re.MULTILINE)) >= 2, "a version heading without a date"
    assert versions[0][0] == airflow_provider_octopush.__version__
    numbers = [tuple(map(int, number.split("."))) for number, _ in versions]
    assert numbers == sorted(numbers, reverse=True)
    dates = [date.fromisoformat(when) for _, when in versions if when != "Unreleased"]
    assert dates == sorted(dates, reverse=True)
    assert set(re.findall(r"^### (.+)$", text, re.MULTILINE)) <= {"Breaking", "Added", "Changed", "Fixed"}
    breaking = text.split("### Breaking", 1)[1].split("\n### ", 1)[0]
    assert "**Renamed**" in breaking and not re.search(r"\n- [^\n]*\bis now\b", text.split("### Added", 1)[1])
