"""The receiver of Octopush's callbacks, served by Airflow's API server: its table and its routes."""
