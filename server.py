#!/usr/bin/env python3
"""Serve ringConnector's REST API (HOST, PORT) with a production WSGI server."""

import sys

from ringConnector.cli.venv import use_project_venv

use_project_venv()

from ringConnector.cli.server import main  # noqa: E402 - after choosing the interpreter

if __name__ == "__main__":
    sys.exit(main())
