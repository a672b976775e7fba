"""The multi-call steps that the operators, the sensor, the trigger and the notifier share.

A campaign's lifecycle, draft recovery, messages in chunks, contact rows, what a task instance
remembers across tries. They take a hook; they import the rules and the API layer, never the top level.
"""
