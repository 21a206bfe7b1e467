"""Allow ``python -m netcomp``."""

import contextlib
import os
import sys

from netcomp.cli import EXIT_SIGINT, EXIT_SIGTERM, main

code = main()
if code in (EXIT_SIGINT, EXIT_SIGTERM):
    # main() has handled the interrupt (the build cleaned up and said so), but when Ctrl-C
    # landed in Python code that a compiled module ran (pandas' and others' imports), CPython
    # still records it as unhandled and, under ``python -m``, ends the process by SIGINT
    # (exit -2) instead of with the documented code: leave at once with that code instead
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
raise SystemExit(code)
