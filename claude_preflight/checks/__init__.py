"""Named checks referred to by the catalogue's rules, one module per rule family.

Every module in this package (except those starting with ``_`` and ``base``) is
imported by :func:`registry`; its ``@check`` functions become ``module.function``.
"""

from __future__ import annotations

import importlib
import pkgutil

from claude_preflight.checks.base import REGISTRY, Check

_loaded = False


def registry() -> dict[str, Check]:
    global _loaded
    if not _loaded:
        for info in pkgutil.iter_modules(__path__):
            if not info.name.startswith("_") and info.name != "base":
                importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True
    return REGISTRY
