"""``models sync``: read the live Models API into a user overlay catalogue file.

Nothing here runs implicitly and nothing heavy is imported by this package itself:

* :mod:`.client` lists ``GET /v1/models`` (all pages) with the user's own key;
* :mod:`.overlay` turns the listing into an ordinary catalogue file and writes it atomically;
* :mod:`.diff` compares the listing with a loaded catalogue (``models --diff``);
* :mod:`.paths` names the default overlay file that the loader picks up;
* :mod:`.cli` holds the entry points the command line wires.
"""

from __future__ import annotations

from claude_preflight.catalogue.overlay import default_overlay_path

__all__ = ["default_overlay_path"]
