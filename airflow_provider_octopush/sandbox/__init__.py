"""The ``octopush-sandbox`` server: a local stand-in for the Octopush API."""

from airflow_provider_octopush.sandbox.server import SandboxServer, SandboxState, main

__all__ = ["SandboxServer", "SandboxState", "main"]
