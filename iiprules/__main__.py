"""``python -m iiprules`` runs the command-line interface."""

from iiprules.cli import main

raise SystemExit(main())
