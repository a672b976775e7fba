"""Apache Airflow provider for Octopush voice campaigns.

Kept empty on purpose: DAG files import ``airflow_provider_octopush.operators...``, and
nothing heavy should run on the way there.
"""
