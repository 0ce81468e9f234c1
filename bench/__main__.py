"""Runs every benchmark: `python -m bench [--only pipeline|replay] [--jobs N] [--events N]`."""

import sys

from bench.cli import main

sys.exit(main())
