"""Install the acceptor hook (claude_preflight.engine.acceptor) into ``api.run_request`` for a
benchmark run, unless ``api.run_request`` already calls it (the lead's integration).

    import fast_hook; fast_hook.install()    # returns "built-in", "installed" or "off"
"""

from __future__ import annotations

import importlib
from typing import Any


def install(enabled: bool = True) -> str:
    from claude_preflight import api
    from claude_preflight.engine import acceptor

    if "acceptor" in api.run_request.__code__.co_names:
        if not enabled:
            acceptor._ENABLED[:] = [False]
        return "built-in" if enabled else "off"
    if not enabled:
        return "off"
    plain = api.run_request

    def run_request(cat: Any, body: Any, **kwargs: Any) -> Any:
        fast = acceptor.accept(cat, body, **kwargs, sort=api.sort_findings)
        return fast if fast is not None else plain(cat, body, **kwargs)

    setattr(api, "run_request", run_request)
    for name in ("claude_preflight.files.document_check", "claude_preflight.files.checking"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "run_request", None) is plain:  # a front end that imported it by name
            setattr(module, "run_request", run_request)
    return "installed"
