"""SQLite connection arguments for the real-stack tests: wait up to a minute for a lock, not five seconds.

Four services and the CLI write to one SQLite file; with SQLite's default busy time-out
a write fails with "database is locked" whenever the scheduler holds a write a little long.
"""

CONNECT_ARGS = {"timeout": 60}
