"""The Airflow plugin that mounts the Octopush results receiver in the API server, at ``/octopush``.

Airflow loads plugins in every process that asks for them, so importing this module does nothing: the
receiver's app is built only when the API server reads ``fastapi_apps``, and it touches the database only
when the first callback or read arrives.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.plugins_manager import AirflowPlugin

from airflow_provider_octopush.rules.callback_url import URL_PREFIX


class OctopushResultsPlugin(AirflowPlugin):
    """Receives each recipient's result from Octopush's callbacks (see the receiver's routes)."""

    name = "octopush_results"

    @cached_property
    def fastapi_apps(self) -> list[dict[str, Any]]:  # type: ignore[override]
        from airflow_provider_octopush.receiver.app import create_app

        return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "Octopush results receiver"}]
