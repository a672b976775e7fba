"""SQLite connection arguments for the real-stack tests: wait up to a minute for a lock, not five seconds.

Four services and the CLI write to one SQLite file; SQLite's default busy time-out makes
a CLI call fail with "database is locked" while the scheduler holds a write.
"""

CONNECT_ARGS = {"timeout": 60}
