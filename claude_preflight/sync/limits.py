"""Limits and defaults of ``models sync`` (no imports, so the CLI parser stays light)."""

DEFAULT_TIMEOUT = 30.0
PAGE_SIZE = 1000  # the largest page the API allows
MAX_PAGES = 200
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
MAX_MODELS = 20_000
