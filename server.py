#!/usr/bin/env python3
"""Serve ringConnector's REST API (HOST, PORT) with a production WSGI server."""

import sys

from ringConnector.cli.venv import run_main, use_project_venv

use_project_venv()

if __name__ == "__main__":
    sys.exit(run_main("ringConnector.cli.server", "main"))
