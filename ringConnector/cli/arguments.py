"""Argument parsing for the launchers: a usage error is one line, not argparse's usage block."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is a single line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print `<prog>: error: <message> (see --help)` and exit 2."""
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)
