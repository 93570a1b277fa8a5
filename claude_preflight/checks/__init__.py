"""Named checks referred to by the catalogue's rules, one module per rule family."""

from __future__ import annotations

import importlib

from claude_preflight.checks.base import REGISTRY, Check

MODULES = (
    "lifecycle",
    "sampling",
    "thinking",
    "system_messages",
    "shape",
    "platform",
)


def registry() -> dict[str, Check]:
    for name in MODULES:
        importlib.import_module(f"claude_preflight.checks.{name}")
    return REGISTRY
