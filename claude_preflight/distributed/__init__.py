"""Check request bodies where the data already is: on a Dask cluster.

* :mod:`.core` validates a partition of records (JSON text, dicts, or Message Batches entries
  ``{"custom_id", "params"}``) into finding rows. It imports no Dask and can run under any
  engine that maps a function over partitions.
* :mod:`.cluster` checks a directory of JSONL batch files on a Dask cluster (a
  ``LocalCluster`` by default), with the catalogue loaded once per worker.
* :mod:`.cli` is the command line (``python -m claude_preflight.distributed DIR``).

Dask is an optional extra: ``pip install 'claude-preflight[dask]'``.
"""

from __future__ import annotations

__all__ = ["ROW_FIELDS"]

ROW_FIELDS = ("file", "line", "custom_id", "code", "severity", "path", "message")
"""The columns of a finding row (``file``/``line`` are None for records not read from a file)."""
