"""Install the acceptor hook (claude_preflight.engine.acceptor) into ``api.run_request`` for a
benchmark run, unless ``api.run_request`` already calls it (the lead's integration).

    import fast_hook; fast_hook.install()    # returns "built-in", "installed" or "off"
"""

from __future__ import annotations

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
    try:
        from claude_preflight.files import checking

        setattr(checking, "run_request", run_request)  # the CLI imported it by name
    except ImportError:  # pragma: no cover
        pass
    return "installed"
