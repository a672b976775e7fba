"""Provider info for Airflow's ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_provider_octopush.rules.connection import CONN_FIELDS, CONN_TYPE, UI_FIELD_BEHAVIOUR


def get_provider_info() -> dict[str, Any]:
    """Describe the provider; the version comes from the installed distribution."""
    return {
        "package-name": "airflow-provider-octopush",
        "name": "Octopush",
        "description": "Octopush voice campaigns (text-to-speech calls to a list or tag) and SMS for Apache Airflow.",
        "integrations": [
            {
                "integration-name": "Octopush",
                "external-doc-url": "https://dev.octopush.com/",
                "tags": ["service"],
            },
            {
                "integration-name": "Octopush SMS",
                "external-doc-url": "https://dev.octopush.com/",
                "tags": ["service"],
            },
        ],
        "hooks": [
            {"integration-name": "Octopush", "python-modules": ["airflow_provider_octopush.hooks.octopush"]},
        ],
        "operators": [
            {
                "integration-name": "Octopush",
                "python-modules": [
                    "airflow_provider_octopush.operators.voice_campaign",
                    "airflow_provider_octopush.operators.voice_message",
                    "airflow_provider_octopush.operators.contact_list",
                ],
            },
            {
                "integration-name": "Octopush SMS",
                "python-modules": [
                    "airflow_provider_octopush.operators.sms_message",
                    "airflow_provider_octopush.operators.sms_campaign",
                ],
            },
        ],
        "sensors": [
            {
                "integration-name": "Octopush",
                "python-modules": [
                    "airflow_provider_octopush.sensors.voice_campaign",
                    "airflow_provider_octopush.sensors.results",
                ],
            },
        ],
        "triggers": [
            {
                "integration-name": "Octopush",
                "python-modules": [
                    "airflow_provider_octopush.triggers.voice_campaign",
                    "airflow_provider_octopush.triggers.turn",
                    "airflow_provider_octopush.triggers.results",
                ],
            },
        ],
        "notifications": [
            "airflow_provider_octopush.notifications.octopush.OctopushVoiceNotifier",
            "airflow_provider_octopush.notifications.sms.OctopushSmsNotifier",
        ],
        # Both this key and the airflow.plugins entry point: with lazy provider discovery (Airflow's default)
        # only the entry point loads the plugin.
        "plugins": [
            {
                "name": "octopush_results",
                "plugin-class": "airflow_provider_octopush.plugins.octopush.OctopushResultsPlugin",
            }
        ],
        "connection-types": [
            {
                "connection-type": CONN_TYPE,
                "hook-class-name": "airflow_provider_octopush.hooks.octopush.OctopushHook",
                "hook-name": "Octopush",
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
                "conn-fields": CONN_FIELDS,
            }
        ],
    }
