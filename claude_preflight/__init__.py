"""claude-preflight: check Claude API requests before they are sent.

The public API is imported lazily so that ``import claude_preflight`` stays cheap
(a pre-commit hook pays for every module it imports).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CatalogueError",
    "Finding",
    "PreflightError",
    "PreflightMiddleware",
    "Report",
    "check",
    "fix",
    "load_catalogue",
    "validate",
]

_LAZY = {
    "validate": "claude_preflight.api",
    "check": "claude_preflight.api",
    "fix": "claude_preflight.fixing",
    "PreflightError": "claude_preflight.errors",
    "PreflightMiddleware": "claude_preflight.middleware",
    "CatalogueError": "claude_preflight.errors",
    "Finding": "claude_preflight.report",
    "Report": "claude_preflight.report",
    "load_catalogue": "claude_preflight.catalogue",
}

if TYPE_CHECKING:
    from claude_preflight.api import check, validate
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.errors import CatalogueError, PreflightError
    from claude_preflight.fixing import fix
    from claude_preflight.middleware import PreflightMiddleware
    from claude_preflight.report import Finding, Report


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'claude_preflight' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
