"""Pure rules: the call parameters, the operators' arguments, recipients, the connection's settings.

No I/O and no clock. Imported by the steps and the top level, never the other way round.
"""
