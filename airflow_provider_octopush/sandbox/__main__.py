"""``python -m airflow_provider_octopush.sandbox``: the same as the ``octopush-sandbox`` command."""

from airflow_provider_octopush.sandbox.cli import main

if __name__ == "__main__":  # importing this module (as a walk of the package does) starts nothing
    main()
