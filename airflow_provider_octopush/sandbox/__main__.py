"""``python -m airflow_provider_octopush.sandbox``: the same as the ``octopush-sandbox`` command."""

from airflow_provider_octopush.sandbox.server import main

main()
