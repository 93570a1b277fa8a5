import sys

from claude_preflight.distributed.cli import main

if __name__ == "__main__":
    sys.exit(main())
