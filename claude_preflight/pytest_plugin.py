"""pytest plugin (placeholder module registered by the pytest11 entry point; see the pytest plugin work)."""
