"""What the shared steps need of a log: a task's or a notifier's (Airflow's own type), or the stdlib's."""

from __future__ import annotations

from typing import Any, Protocol


class Logger(Protocol):
    """Structural: any object with these three methods will do."""

    def info(self, msg: str, /, *args: Any) -> Any: ...

    def warning(self, msg: str, /, *args: Any) -> Any: ...

    def error(self, msg: str, /, *args: Any) -> Any: ...
