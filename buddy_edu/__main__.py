"""``python -m buddy_edu`` runs the same command line as ``buddy-edu``."""

from buddy_edu.cli import main

raise SystemExit(main())
