"""``python -m workbench`` runs the ``workbench`` command (a ``__main__`` guard for DDP re-runs)."""

import sys

from workbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
