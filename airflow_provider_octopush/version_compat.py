"""The Airflow names that moved between the supported versions (3.1, 3.2, 3.3), in one place.

Every other module imports them from here, so that supporting one more Airflow means
editing only this file. Airflow 3.1 keeps the task exceptions and ``conf`` in core
(``airflow.exceptions``, ``airflow.configuration``); the task SDK has them from 3.2 on.
"""

from __future__ import annotations

from airflow import __version__ as _airflow_version

from airflow_provider_octopush import major_minor

_VERSION = major_minor(_airflow_version) or (0, 0)


AIRFLOW_V_3_2_PLUS: bool = _VERSION >= (3, 2)
AIRFLOW_V_3_3_PLUS: bool = _VERSION >= (3, 3)

if AIRFLOW_V_3_2_PLUS:
    from airflow.sdk.configuration import conf
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )
else:
    from airflow.configuration import conf
    from airflow.exceptions import (  # type: ignore[no-redef]
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )

if AIRFLOW_V_3_3_PLUS:
    from airflow.sdk.execution_time.context import NEVER_EXPIRE
else:  # no task_state_store before 3.3: nothing is stored, so nothing expires
    NEVER_EXPIRE = None  # type: ignore[assignment]

__all__ = [
    "AIRFLOW_V_3_2_PLUS",
    "AIRFLOW_V_3_3_PLUS",
    "NEVER_EXPIRE",
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "TaskDeferred",
    "conf",
]
