"""``python -m claude_preflight.proxy``."""

from claude_preflight.proxy.cli import main

raise SystemExit(main())
