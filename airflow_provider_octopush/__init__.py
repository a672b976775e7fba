"""Apache Airflow provider for Octopush voice campaigns.

Kept small on purpose: DAG files import ``airflow_provider_octopush.operators...``, and
nothing heavy should run on the way there. It only refuses, with a clear message, an
Airflow older than the one this provider supports (3.1), before any submodule fails on
an import that such an Airflow does not have.
"""

from __future__ import annotations

__version__ = "0.2.0"

MIN_AIRFLOW_VERSION = (3, 1)


def _installed_airflow_version() -> str | None:
    """The Airflow version, without importing Airflow when nothing has yet (the sandbox, tooling)."""
    import sys

    version = getattr(sys.modules.get("airflow"), "__version__", None)
    if version:
        return str(version)
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    for distribution in ("apache-airflow-core", "apache-airflow"):  # 3.x ships the core apart; 2.x does not
        try:
            return distribution_version(distribution)
        except PackageNotFoundError:
            continue
    return None  # no Airflow: the standalone sandbox and the rules still work


def major_minor(version: str) -> tuple[int, int] | None:
    """(3, 1) for "3.1.8", "3.1.0rc2" or "3.1"; None for what is no version."""
    import re

    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else None


def _check_airflow_version() -> None:
    airflow_version = _installed_airflow_version()
    found = major_minor(airflow_version or "")
    if found and found < MIN_AIRFLOW_VERSION:
        raise ImportError(
            f"airflow-provider-octopush {__version__} needs Apache Airflow 3.1 or newer (tested on 3.1, 3.2 and "
            f"3.3); this environment has Airflow {airflow_version}. Upgrade Airflow, or install "
            "airflow-provider-octopush only where Airflow 3.1+ runs."
        )


_check_airflow_version()
