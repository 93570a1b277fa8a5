"""``claude-preflight proxy``: a local gateway that checks every Claude API request on the wire.

Point any client at it (``ANTHROPIC_BASE_URL=http://127.0.0.1:8787``): each request is
checked by the same engine as :func:`claude_preflight.validate` (method, path, the complete
wire headers and the body), then blocked with the API's own error shape, forwarded and
reported, or repaired with the safe fixes, depending on the mode. See ``docs/proxy.md``.

The server needs the optional ``aiohttp`` dependency (``pip install
'claude-preflight[proxy]'``); importing this package, :mod:`.settings`, :mod:`.checking`
or :mod:`.cli` does not import it (only :mod:`.app` and :mod:`.forward` do).
"""

from __future__ import annotations

from claude_preflight.proxy.settings import MODES, ProxySettings

__all__ = ["MODES", "ProxySettings"]
