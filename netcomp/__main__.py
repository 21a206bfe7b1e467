"""Allow ``python -m netcomp``."""

from netcomp.cli import main

raise SystemExit(main())
