"""`python -m streamproc` runs the command line."""

from streamproc.cli import main

raise SystemExit(main())
