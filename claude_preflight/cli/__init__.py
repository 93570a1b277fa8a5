"""The ``claude-preflight`` command line."""
