"""The Octopush API as the provider uses it: its facts (paths, codes and their remedies), the retry policy
and the reading of its answers. The lowest layer: it imports nothing of the package but the errors."""
